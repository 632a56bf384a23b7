/* A min-heap of delayed jobs shared by a few worker threads. */
#include "tools/order-sim/sim_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool before(const struct sim_job *a, const struct sim_job *b)
{
	return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

static void swap(struct sim_job *a, struct sim_job *b)
{
	struct sim_job t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct sim_sched *s, size_t i)
{
	while (i > 0 && before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		swap(&s->heap[i], &s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct sim_sched *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->len && before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->len && before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			return;
		swap(&s->heap[i], &s->heap[m]);
		i = m;
	}
}

static struct sim_job pop(struct sim_sched *s)
{
	struct sim_job top = s->heap[0];

	s->heap[0] = s->heap[--s->len];
	sift_down(s, 0);
	return top;
}

/* Waits until the earliest job is due; false when stopping. Lock held. */
static bool wait_due(struct sim_sched *s, struct sim_job *job)
{
	for (;;) {
		struct timespec ts;
		int64_t due;

		if (s->stopping)
			return false;
		if (s->len == 0) {
			pthread_cond_wait(&s->cond, &s->lock);
			continue;
		}
		if (s->heap[0].due_us <= mono_us()) {
			*job = pop(s);
			return true;
		}
		due = s->heap[0].due_us;
		ts.tv_sec = (time_t)(due / 1000000);
		ts.tv_nsec = (long)(due % 1000000) * 1000;
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
}

static void *worker(void *arg)
{
	struct sim_sched *s = arg;
	struct sim_job job;

	pthread_mutex_lock(&s->lock);
	while (wait_due(s, &job)) {
		pthread_mutex_unlock(&s->lock);
		job.run(s, job.arg);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

enum os_status sim_sched_start(struct sim_sched *s, int nthreads, size_t max_jobs)
{
	pthread_condattr_t ca;
	int i;

	if (nthreads < 1 || nthreads > SIM_SCHED_MAX_THREADS)
		return OS_EINVAL;
	s->heap = calloc(max_jobs, sizeof(*s->heap));
	if (s->heap == NULL)
		return OS_ENOMEM;
	s->len = 0;
	s->max = max_jobs;
	s->next_seq = 0;
	s->stopping = false;
	pthread_mutex_init(&s->lock, NULL);
	/* Due times are monotonic so that clock changes do not fire jobs early. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	s->nthreads = 0;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&s->threads[i], NULL, worker, s) != 0)
			break;
		s->nthreads++;
	}
	if (s->nthreads == 0) {
		sim_sched_stop(s);
		return OS_EIO;
	}
	return OS_OK;
}

enum os_status sim_sched_add(struct sim_sched *s, int64_t delay_ms, sim_job_run_fn *run,
			     sim_job_drop_fn *drop, void *arg)
{
	enum os_status st = OS_OK;

	pthread_mutex_lock(&s->lock);
	if (s->stopping || s->len == s->max) {
		st = OS_EAGAIN;
		goto out;
	}
	s->heap[s->len] =
	    (struct sim_job){mono_us() + delay_ms * 1000, s->next_seq++, run, drop, arg};
	sift_up(s, s->len);
	s->len++;
	pthread_cond_signal(&s->cond);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

void sim_sched_stop(struct sim_sched *s)
{
	int i;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	s->nthreads = 0;
	while (s->len > 0) {
		struct sim_job job = pop(s);

		job.drop(job.arg);
	}
	free(s->heap);
	s->heap = NULL;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}
