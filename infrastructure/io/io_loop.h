/*
 * Fibers on an event loop, so that synchronous-looking adapter code (libpq,
 * libcurl) never blocks the loop it runs on. An io_loop owns an epoll set
 * of its own (embedded in the HTTP loop through io_loop_fd), a list of
 * timers and a pool of fibers with small mmap'd stacks. Adapters call
 * io_wait_fd / io_park: inside a fiber these suspend the fiber and return
 * to the loop; on any other thread (the workers) io_wait_fd polls, so the
 * same adapter code serves both.
 *
 * Every fiber may carry a deadline (the request's): past it every wait
 * returns OS_EUNAVAIL at once, and a cancelled fiber (its client went away)
 * runs to its end with every wait failing immediately.
 *
 * One loop per thread; nothing here is shared between threads.
 */
#ifndef OS_IO_LOOP_H
#define OS_IO_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define IO_IN  1
#define IO_OUT 2
#define IO_HUP 4 /* the peer closed or reset the connection (io_watch only) */

struct io_loop;
struct io_fiber;

/* Monotonic clock in milliseconds. */
int64_t io_now_ms(void);

/*
 * Waits until fd is ready for events (IO_IN | IO_OUT) or until deadline_ms
 * (io_now_ms time, 0 = none; a fiber's own deadline applies too). OS_OK
 * ready, OS_EUNAVAIL deadline passed or fiber cancelled, OS_EIO when the
 * wait itself fails.
 */
enum os_status io_wait_fd(int fd, int events, int64_t deadline_ms);

/* True on a fiber; adapters then must not block. */
bool io_in_fiber(void);

/* The running fiber, or NULL. */
struct io_fiber *io_fiber_self(void);

/*
 * Suspends the running fiber until io_wake(it) or deadline_ms (0 = only the
 * fiber's own deadline). OS_OK woken, OS_EUNAVAIL deadline or cancelled.
 * Only on a fiber (OS_EIO otherwise).
 */
enum os_status io_park(int64_t deadline_ms);

/* Makes a parked fiber runnable (it runs on the next loop turn). A fiber
 * that is not parked is left alone. */
void io_wake(struct io_fiber *f);

/* The running fiber's deadline (io_now_ms time, 0 = none or no fiber). */
int64_t io_fiber_deadline(void);

/* True once the running fiber's deadline has passed or it was cancelled. */
bool io_fiber_expired(void);

/*
 * A watcher of one fd for code that is not a fiber (a curl multi): cb runs
 * on the loop with the ready events (IO_IN | IO_OUT, IO_IN on error;
 * IO_HUP when the peer went away). Watching IO_HUP alone does not wake on
 * data.
 */
struct io_watch {
	void (*cb)(struct io_watch *w, int events);
};

/* Starts, changes (events != 0) or stops (events == 0) watching fd on the
 * thread's loop. OS_EIO when epoll refuses; OS_EINVAL without a loop. */
enum os_status io_watch_set(struct io_watch *w, int fd, int events);

/* A one-shot timer on the thread's loop; cb runs on the loop. */
struct io_timer {
	void (*cb)(struct io_timer *t);
	int64_t at_ms; /* 0 = not armed */
	struct io_timer *prev, *next;
};

/* Arms t for at_ms (re-arming moves it); io_timer_stop disarms. */
void io_timer_start(struct io_timer *t, int64_t at_ms);
void io_timer_stop(struct io_timer *t);

/* The thread's loop, or NULL. */
struct io_loop *io_loop_current(void);

/*
 * Creates a loop for the calling thread (which becomes its only user) whose
 * fibers have stacks of stack_kib KiB (a guard page below each) and at most
 * max_fibers run at once. NULL when out of memory or epoll fails.
 */
struct io_loop *io_loop_new(size_t stack_kib, size_t max_fibers);

/* Frees l and its idle fibers; no fiber may still run. */
void io_loop_free(struct io_loop *l);

/* The epoll fd to watch for readability in an outer loop (owned by l). */
int io_loop_fd(const struct io_loop *l);

/* Handles ready fds, fires due timers and runs runnable fibers. Call when
 * io_loop_fd is readable and after each outer loop turn. */
void io_loop_dispatch(struct io_loop *l);

/* How long an outer loop may sleep: 0 when a fiber is runnable, else the
 * time to the next timer, at most max_ms. */
int io_loop_wait_ms(const struct io_loop *l, int max_ms);

/* Fibers running now (started and not finished). */
size_t io_loop_fibers(const struct io_loop *l);

/* The body of a fiber. */
typedef void io_fiber_fn(void *arg);

/*
 * Starts fn(arg) on a new fiber of l with deadline_ms (0 = none). From the
 * loop (not a fiber) it runs at once until its first wait; from a fiber it
 * runs on the next loop turn. *out (may be NULL) receives the fiber, valid
 * until fn returns. OS_EAGAIN when max_fibers run already, OS_ENOMEM.
 */
enum os_status io_fiber_start(struct io_loop *l, io_fiber_fn *fn, void *arg, int64_t deadline_ms,
			      struct io_fiber **out);

/*
 * Ends f now: f runs to its end at once (called from the loop, not from f)
 * with every wait failing. Afterwards f is gone.
 */
void io_fiber_cancel(struct io_fiber *f);

#endif
