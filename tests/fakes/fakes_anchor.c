/* Keeps the fakes library non-empty. */
typedef int fakes_anchor_unused;
