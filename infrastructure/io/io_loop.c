/*
 * Fibers (ucontext, mmap'd stacks with a guard page, pooled), an epoll set
 * of the loop's own and a sorted timer list. Only the loop's own context
 * resumes a fiber, and a fiber always returns to it, so the switching is
 * one level deep. Under AddressSanitizer every switch is announced to it;
 * under valgrind the stacks are registered.
 */
#include "infrastructure/io/io_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define IO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IO_ASAN 1
#endif
#endif

#ifdef IO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>

#include "app/sys.h"
#define IO_VALGRIND 1
#endif
#endif

#define IO_EVENTS_MAX  64
#define IO_IDLE_KEEP   64 /* idle fibers kept per loop */
#define IO_GUARD_BYTES 4096

struct io_fiber {
	struct io_loop *loop;
	ucontext_t ctx;
	char *map; /* guard page + stack */
	size_t map_size;
	io_fiber_fn *fn;
	void *arg;
	int64_t deadline_ms;
	bool cancelled, expired, parked, done, in_ready;
	enum os_status wake_result;
	struct io_timer timer; /* park deadline */
	struct io_watch watch; /* io_wait_fd */
	struct io_fiber *ready_next;
	struct io_fiber *idle_next;
	void *asan_fake;
	unsigned vg_id;
};

struct io_loop {
	int epfd;
	ucontext_t main_ctx;
	struct io_fiber *current;
	struct io_timer *timers; /* sorted by at_ms */
	struct io_fiber *ready_head, *ready_tail;
	struct io_fiber *idle;
	size_t idle_count, running, max_fibers, stack_size;
	void *main_fake;
	const void *main_bottom;
	size_t main_size;
	/* The batch handle_events is going through: a watch removed by one of
	 * its callbacks (and perhaps freed) is dropped from the rest of it. */
	struct epoll_event *batch;
	int batch_n, batch_i;
};

static _Thread_local struct io_loop *tls_loop;

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

int64_t io_now_ms(void)
{
	return sys_mono_ms();
}

struct io_loop *io_loop_current(void)
{
	return tls_loop;
}

struct io_fiber *io_fiber_self(void)
{
	return tls_loop ? tls_loop->current : NULL;
}

bool io_in_fiber(void)
{
	return io_fiber_self() != NULL;
}

/* ------------------------------------------------------------- timers */

void io_timer_stop(struct io_timer *t)
{
	struct io_loop *l = tls_loop;

	if (t->at_ms == 0 || l == NULL)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		l->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->at_ms = 0;
}

void io_timer_start(struct io_timer *t, int64_t at_ms)
{
	struct io_loop *l = tls_loop;
	struct io_timer *p, *last = NULL;

	io_timer_stop(t);
	if (l == NULL)
		return;
	t->at_ms = at_ms > 0 ? at_ms : 1;
	for (p = l->timers; p != NULL && p->at_ms <= t->at_ms; p = p->next)
		last = p;
	t->prev = last;
	t->next = last ? last->next : l->timers;
	if (t->next)
		t->next->prev = t;
	if (last)
		last->next = t;
	else
		l->timers = t;
}

static void fire_timers(struct io_loop *l)
{
	int64_t now = io_now_ms();
	struct io_timer *t;

	while ((t = l->timers) != NULL && t->at_ms <= now) {
		io_timer_stop(t);
		t->cb(t);
	}
}

/* ------------------------------------------------------------ switching */

static void asan_start(void **save, const void *bottom, size_t size)
{
#ifdef IO_ASAN
	__sanitizer_start_switch_fiber(save, bottom, size);
#else
	(void)save, (void)bottom, (void)size;
#endif
}

static void asan_finish(void *save, const void **bottom, size_t *size)
{
#ifdef IO_ASAN
	__sanitizer_finish_switch_fiber(save, bottom, size);
#else
	(void)save, (void)bottom, (void)size;
#endif
}

static void fiber_free(struct io_fiber *f)
{
#ifdef IO_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->vg_id);
#endif
	munmap(f->map, f->map_size);
	free(f);
}

static void fiber_retire(struct io_loop *l, struct io_fiber *f)
{
	io_timer_stop(&f->timer);
	l->running--;
	if (l->idle_count >= IO_IDLE_KEEP) {
		fiber_free(f);
		return;
	}
	f->idle_next = l->idle;
	l->idle = f;
	l->idle_count++;
}

/* Runs f until it waits or ends; from the loop's own context only. */
static void resume(struct io_loop *l, struct io_fiber *f)
{
	f->parked = false;
	f->in_ready = false;
	l->current = f;
	asan_start(&l->main_fake, f->map + IO_GUARD_BYTES, f->map_size - IO_GUARD_BYTES);
	swapcontext(&l->main_ctx, &f->ctx);
	asan_finish(l->main_fake, NULL, NULL);
	l->current = NULL;
	if (f->done)
		fiber_retire(l, f);
}

static void suspend(struct io_fiber *f)
{
	struct io_loop *l = f->loop;

	asan_start(&f->asan_fake, l->main_bottom, l->main_size);
	swapcontext(&f->ctx, &l->main_ctx);
	asan_finish(f->asan_fake, &l->main_bottom, &l->main_size);
}

static void fiber_entry(void)
{
	struct io_loop *l = tls_loop;
	struct io_fiber *f = l->current;

	asan_finish(NULL, &l->main_bottom, &l->main_size);
	for (;;) {
		f->fn(f->arg);
		f->done = true;
		suspend(f);
	}
}

static void make_ready(struct io_fiber *f, enum os_status result)
{
	struct io_loop *l = f->loop;

	if (f->in_ready || !f->parked)
		return;
	io_timer_stop(&f->timer);
	f->wake_result = result;
	f->in_ready = true;
	f->ready_next = NULL;
	if (l->ready_tail)
		l->ready_tail->ready_next = f;
	else
		l->ready_head = f;
	l->ready_tail = f;
}

static void fiber_on_timer(struct io_timer *t)
{
	struct io_fiber *f = container_of(t, struct io_fiber, timer);

	if (f->deadline_ms > 0 && io_now_ms() >= f->deadline_ms)
		f->expired = true;
	make_ready(f, OS_EUNAVAIL);
}

static void fiber_on_fd(struct io_watch *w, int events)
{
	(void)events;
	make_ready(container_of(w, struct io_fiber, watch), OS_OK);
}

/* getcontext returns twice: kept apart so no caller's locals are at stake. */
static __attribute__((noinline)) void fiber_context(ucontext_t *volatile ctx, void *sp, size_t size)
{
	getcontext(ctx);
	ctx->uc_stack.ss_sp = sp;
	ctx->uc_stack.ss_size = size;
	ctx->uc_link = NULL;
	makecontext(ctx, fiber_entry, 0);
}

static struct io_fiber *fiber_new(struct io_loop *l)
{
	struct io_fiber *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->map_size = l->stack_size + IO_GUARD_BYTES;
	f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return NULL;
	}
	mprotect(f->map, IO_GUARD_BYTES, PROT_NONE);
#ifdef IO_VALGRIND
	f->vg_id = VALGRIND_STACK_REGISTER(f->map + IO_GUARD_BYTES, f->map + f->map_size);
#endif
	f->loop = l;
	fiber_context(&f->ctx, f->map + IO_GUARD_BYTES, l->stack_size);
	f->timer.cb = fiber_on_timer;
	f->watch.cb = fiber_on_fd;
	return f;
}

enum os_status io_fiber_start(struct io_loop *l, io_fiber_fn *fn, void *arg, int64_t deadline_ms,
			      struct io_fiber **out)
{
	struct io_fiber *f;

	if (l->running >= l->max_fibers)
		return OS_EAGAIN;
	f = l->idle;
	if (f != NULL) {
		l->idle = f->idle_next;
		l->idle_count--;
	} else if ((f = fiber_new(l)) == NULL) {
		return OS_ENOMEM;
	}
	f->fn = fn;
	f->arg = arg;
	f->deadline_ms = deadline_ms;
	f->cancelled = f->expired = f->done = f->in_ready = false;
	f->parked = true; /* lets make_ready queue it */
	l->running++;
	if (out)
		*out = f;
	if (l->current != NULL)
		make_ready(f, OS_OK);
	else
		resume(l, f);
	return OS_OK;
}

void io_fiber_cancel(struct io_fiber *f)
{
	struct io_loop *l = f->loop;
	struct io_fiber **pp;

	f->cancelled = true;
	f->expired = true;
	if (l->current != NULL || f == l->current) {
		make_ready(f, OS_EUNAVAIL);
		return;
	}
	if (f->in_ready) {
		for (pp = &l->ready_head; *pp != NULL; pp = &(*pp)->ready_next) {
			if (*pp == f) {
				*pp = f->ready_next;
				break;
			}
		}
		l->ready_tail = NULL;
		for (pp = &l->ready_head; *pp != NULL; pp = &(*pp)->ready_next)
			l->ready_tail = *pp;
		f->in_ready = false;
	}
	io_timer_stop(&f->timer);
	f->wake_result = OS_EUNAVAIL;
	/* Every wait now fails without suspending: one resume ends it. */
	resume(l, f);
}

int64_t io_fiber_deadline(void)
{
	struct io_fiber *f = io_fiber_self();

	return f ? f->deadline_ms : 0;
}

bool io_fiber_expired(void)
{
	struct io_fiber *f = io_fiber_self();

	if (f == NULL)
		return false;
	if (!f->expired && f->deadline_ms > 0 && io_now_ms() >= f->deadline_ms)
		f->expired = true;
	return f->expired;
}

enum os_status io_park(int64_t deadline_ms)
{
	struct io_fiber *f = io_fiber_self();
	int64_t at = deadline_ms;

	if (f == NULL)
		return OS_EIO;
	if (io_fiber_expired())
		return OS_EUNAVAIL;
	if (f->deadline_ms > 0 && (at == 0 || f->deadline_ms < at))
		at = f->deadline_ms;
	if (at > 0 && io_now_ms() >= at)
		return OS_EUNAVAIL;
	if (at > 0)
		io_timer_start(&f->timer, at);
	f->parked = true;
	suspend(f);
	f->parked = false;
	f->in_ready = false;
	io_timer_stop(&f->timer);
	if (f->cancelled)
		return OS_EUNAVAIL;
	return f->wake_result;
}

void io_wake(struct io_fiber *f)
{
	make_ready(f, OS_OK);
}

/* ------------------------------------------------------------------ fds */

static uint32_t epoll_events(int events)
{
	return ((events & IO_IN) ? EPOLLIN | EPOLLRDHUP : 0u) |
	       ((events & IO_OUT) ? EPOLLOUT : 0u) | ((events & IO_HUP) ? EPOLLRDHUP : 0u);
}

static enum os_status poll_wait(int fd, int events, int64_t deadline_ms)
{
	struct pollfd p = {.fd = fd};
	int rc, timeout;

	p.events = (short)(((events & IO_IN) ? POLLIN : 0) | ((events & IO_OUT) ? POLLOUT : 0));
	for (;;) {
		timeout = -1;
		if (deadline_ms > 0) {
			int64_t left = deadline_ms - io_now_ms();

			if (left <= 0)
				return OS_EUNAVAIL;
			timeout = left > 60000 ? 60000 : (int)left;
		}
		rc = poll(&p, 1, timeout);
		if (rc > 0)
			return OS_OK;
		if (rc < 0 && errno != EINTR)
			return OS_EIO;
	}
}

/* Drops w from what is left of the batch being dispatched: its owner may
 * free it as soon as this returns. */
static void drop_pending(struct io_loop *l, const struct io_watch *w)
{
	int j;

	for (j = l->batch_i + 1; l->batch != NULL && j < l->batch_n; j++)
		if (l->batch[j].data.ptr == w)
			l->batch[j].data.ptr = NULL;
}

enum os_status io_wait_fd(int fd, int events, int64_t deadline_ms)
{
	struct io_fiber *f = io_fiber_self();
	struct epoll_event ev;
	enum os_status st;

	if (f == NULL)
		return poll_wait(fd, events, deadline_ms);
	if (io_fiber_expired())
		return OS_EUNAVAIL;
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_events(events) | EPOLLONESHOT;
	ev.data.ptr = &f->watch;
	if (epoll_ctl(f->loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
	    (errno != EEXIST || epoll_ctl(f->loop->epfd, EPOLL_CTL_MOD, fd, &ev) != 0))
		return OS_EIO;
	st = io_park(deadline_ms);
	if (st != OS_OK) {
		epoll_ctl(f->loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		drop_pending(f->loop, &f->watch);
	}
	return st;
}

enum os_status io_watch_set(struct io_watch *w, int fd, int events)
{
	struct io_loop *l = tls_loop;
	struct epoll_event ev;

	if (l == NULL)
		return OS_EINVAL;
	if (events == 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		drop_pending(l, w);
		return OS_OK;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_events(events);
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return OS_OK;
	if (errno == ENOENT && epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return OS_OK;
	return OS_EIO;
}

/* ----------------------------------------------------------------- loop */

struct io_loop *io_loop_new(size_t stack_kib, size_t max_fibers)
{
	struct io_loop *l = calloc(1, sizeof(*l));
	long page = sysconf(_SC_PAGESIZE);
	size_t size = stack_kib * 1024;

	if (l == NULL)
		return NULL;
	if (page > 0)
		size = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	l->stack_size = size;
	l->max_fibers = max_fibers > 0 ? max_fibers : 1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	tls_loop = l;
	return l;
}

void io_loop_free(struct io_loop *l)
{
	struct io_fiber *f;

	if (l == NULL)
		return;
	while ((f = l->idle) != NULL) {
		l->idle = f->idle_next;
		fiber_free(f);
	}
	close(l->epfd);
	if (tls_loop == l)
		tls_loop = NULL;
	free(l);
}

int io_loop_fd(const struct io_loop *l)
{
	return l->epfd;
}

size_t io_loop_fibers(const struct io_loop *l)
{
	return l->running;
}

static void handle_events(struct io_loop *l)
{
	struct epoll_event ev[IO_EVENTS_MAX];
	int n, i;

	do {
		n = epoll_wait(l->epfd, ev, IO_EVENTS_MAX, 0);
		l->batch = ev;
		l->batch_n = n;
		for (i = 0; i < n; i++) {
			struct io_watch *w = ev[i].data.ptr;
			int e = 0;

			l->batch_i = i;
			if (w == NULL) /* removed by an earlier callback of this batch */
				continue;

			if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
				e |= IO_IN;
			if (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				e |= IO_OUT;
			if (ev[i].events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
				e |= IO_HUP;
			w->cb(w, e);
		}
		l->batch = NULL;
	} while (n == IO_EVENTS_MAX);
}

void io_loop_dispatch(struct io_loop *l)
{
	struct io_fiber *f;

	handle_events(l);
	fire_timers(l);
	while ((f = l->ready_head) != NULL) {
		l->ready_head = f->ready_next;
		if (l->ready_head == NULL)
			l->ready_tail = NULL;
		f->in_ready = false;
		resume(l, f);
	}
}

int io_loop_wait_ms(const struct io_loop *l, int max_ms)
{
	int64_t left;

	if (l->ready_head != NULL)
		return 0;
	if (l->timers == NULL)
		return max_ms;
	left = l->timers->at_ms - io_now_ms();
	if (left < 0)
		return 0;
	return left < max_ms ? (int)left : max_ms;
}
