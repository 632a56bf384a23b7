/*
 * Hexadecimal digits, as UUIDs and signatures spell them.
 */
#ifndef OS_HEX_H
#define OS_HEX_H

/* The value of one hex digit (either case): 0..15, or -1 for anything else. */
int hex_digit(char c);

#endif
