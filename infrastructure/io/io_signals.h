/*
 * The signals of a long-running process (the service's commands and
 * order-sim): SIGTERM and SIGINT ask it to stop, SIGPIPE is ignored (a
 * closed peer is an error return on the socket, not the end of the process).
 */
#ifndef OS_IO_SIGNALS_H
#define OS_IO_SIGNALS_H

/* Installs on_stop for SIGTERM and SIGINT and ignores SIGPIPE. No
 * SA_RESTART: blocking waits return with EINTR, so loops see the flag that
 * on_stop sets. */
void io_signals_install(void (*on_stop)(int sig));

#endif
