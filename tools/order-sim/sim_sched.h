/*
 * Delayed jobs run by a small fixed pool of threads: payment callbacks (which
 * block in libcurl and may be retried) and shipping events (which wait
 * before being published). The queue is bounded; a full queue refuses work
 * instead of growing.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define SIM_SCHED_MAX_THREADS 8

struct sim_sched;

/*
 * A job's work, run on one of the pool's threads once due. It owns arg from
 * then on (it may hand it to sim_sched_add again, e.g. to retry).
 */
typedef void sim_job_run_fn(struct sim_sched *s, void *arg);
/* Frees arg of a job that will never run (the scheduler is stopping). */
typedef void sim_job_drop_fn(void *arg);

struct sim_job {
	int64_t due_us; /* CLOCK_MONOTONIC microseconds */
	uint64_t seq;	/* keeps equal due times in submission order */
	sim_job_run_fn *run;
	sim_job_drop_fn *drop;
	void *arg;
};

struct sim_sched {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sim_job *heap; /* min-heap on (due_us, seq) */
	size_t len, max;
	uint64_t next_seq;
	bool stopping;
	pthread_t threads[SIM_SCHED_MAX_THREADS];
	int nthreads;
};

/* Starts nthreads (1..SIM_SCHED_MAX_THREADS) workers over a queue of at most
 * max_jobs entries. */
enum os_status sim_sched_start(struct sim_sched *s, int nthreads, size_t max_jobs);

/*
 * Queues run(arg) to start after delay_ms. On success the scheduler owns arg
 * (and will pass it to run or drop); on failure (OS_EAGAIN: queue full or
 * stopping) the caller keeps it.
 */
enum os_status sim_sched_add(struct sim_sched *s, int64_t delay_ms, sim_job_run_fn *run,
			     sim_job_drop_fn *drop, void *arg);

/* Stops the workers after the jobs now running, drops the queued ones and
 * frees the queue. */
void sim_sched_stop(struct sim_sched *s);

#endif
