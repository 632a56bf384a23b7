/*
 * In-memory fakes of the app ports, the one set every test uses (unit tests
 * and the in-process HTTP API test alike). Each fake is a plain struct the
 * test owns: its public fields are the knobs (what the fake will answer) and
 * the record (what it was asked), and its embedded port (fake->sys,
 * fake->catalog, fake->repo, fake->inbox, fake->store, fake->admin,
 * fake->inventory, fake->sink, fake->source) is what the code under test
 * receives. No fake does I/O, sleeps or reads the real clock
 * (fake_message_source only passes its calls on to the source it wraps).
 *
 * Thread safety: every port call of a fake holds the fake's mutex, so code
 * under test may call a fake from several threads (the API server's loops).
 * The test's own reads and writes of the fields, and the helper functions
 * below, take no lock: make them while no other thread calls the fake.
 *
 *   fake_sys      clock at now_us (set or advance it directly; step_us
 *                 advances it at every reading) and a deterministic random
 *                 stream from a seed.
 *   fake_catalog  the one table of items in item_id order behind two ports,
 *                 as the real `inventory` table: the catalog (`down` makes
 *                 every lookup OS_EUNAVAIL, `unavailable` only the lookups
 *                 of that item) and the inventory (stock that never leaves
 *                 0..INVENTORY_QTY_MAX, the arguments of the last call of
 *                 each kind; `fail_with` fails every call).
 *   fake_repo     orders, fingerprints, histories and a copy of every outbox
 *                 message written; `fail_with` fails every call (database
 *                 down); fake_repo_arm_race() makes the next create lose an
 *                 idempotency race; `stale_prices` makes creates
 *                 answer "price changed"; the money part of a change (payment
 *                 recorded, request withdrawn, refund once per payment id)
 *                 as the real store writes it. Heap allocated (orders are
 *                 large).
 *   fake_inbox    an inbox writer that deduplicates on (source, message_id,
 *                 type) and keeps copies of the recorded messages; it can
 *                 fail a number of calls and stop a consumer loop.
 *   fake_inbox_store  the applier's side of the inbox: batches of `pending`
 *                 rows, purges of `purgeable` ones, waits that advance a
 *                 fake clock, failures, a stop.
 *   fake_admin    dead letters per kind (some refused, as payment requests
 *                 of orders that left new), readiness and queue depths.
 *   fake_outbox_store  the relay's side of the outbox: claims of `pending`
 *                 made-up rows, completes and releases, waits that advance
 *                 a fake clock, scripted purges, failures, a stop.
 *   fake_outbox_sink  records the rows it is given and answers a verdict per
 *                 row; it can fail, retry a whole first batch, and call a
 *                 hook of the test inside every send.
 *   fake_message_source  wraps another message source and checks that no
 *                 commit comes before the polled messages are in an inbox.
 */
#ifndef OS_TEST_FAKES_H
#define OS_TEST_FAKES_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/admin_port.h"
#include "app/catalog.h"
#include "app/inbox_port.h"
#include "app/inventory.h"
#include "app/message_source.h"
#include "app/order_change.h"
#include "app/order_messages.h"
#include "app/order_repo.h"
#include "app/order_service.h"
#include "app/outbox_port.h"
#include "app/sys.h"

/* ---- fake_sys ---- */

struct fake_sys {
	int64_t now_us;	 /* what sys_now_us answers */
	uint64_t state;	 /* xorshift state of the random stream */
	int64_t step_us; /* added to now_us at every reading (0: the clock stands) */
	bool zeros;	 /* random bytes are all zero (backoff = exactly half its ceiling) */
	pthread_mutex_t lock;
	struct sys sys; /* the port; ctx is this struct */
};

/* Wires f->sys; the same seed gives the same bytes. */
void fake_sys_init(struct fake_sys *f, int64_t now_us, uint64_t seed);

/* The waits of a fake store (fake_inbox_store, fake_outbox_store), the
 * first member of the store so that the store's ctx is also its waits: each
 * wait advances the clock by its timeout instead of sleeping, and the
 * stop_after-th raises *stop, which ends the loop under test. */
struct fake_waits {
	pthread_mutex_t *lock;	     /* the store's */
	const int *work_calls;	     /* the store's count of applies or claims */
	struct fake_sys *clock;	     /* may be NULL: the waits leave time alone */
	volatile sig_atomic_t *stop; /* may be NULL */
	int stop_after;		     /* 0: never */
	/* the record */
	int count;
	int last_ms;	  /* timeout of the last wait */
	int before_first; /* the store's work calls (applies, claims) before the first wait */
};

/* Zeroes a fake of size bytes and initialises its lock: the first step of
 * every fake's init. */
void fake_clear(void *fake, size_t size, pthread_mutex_t *lock);
/* Sets w up for a store: its lock, its count of work calls, the clock to
 * advance and the flag to raise. */
void fake_waits_init(struct fake_waits *w, pthread_mutex_t *lock, const int *work_calls,
		     struct fake_sys *clock, volatile sig_atomic_t *stop);
/* The wait of a fake store's port (ctx: the store, whose first member is its
 * struct fake_waits): under the store's lock, records a wait of timeout_ms
 * made after the store's work calls so far. */
enum os_status fake_waits_wait(void *ctx, int timeout_ms, struct os_error *err);
/* Fails the running test unless the loop under test made work_calls work
 * calls without waiting and then one wait of timeout_ms. */
void fake_waits_assert_one(const struct fake_waits *w, int work_calls, int timeout_ms);

/* ---- fake_catalog ---- */

#define FAKE_CATALOG_MAX 64

/* Each knob and record belongs to one port: a catalog knob acts on catalog
 * calls only, an inventory knob on inventory calls only. */
struct fake_catalog {
	size_t count;
	struct inventory_item items[FAKE_CATALOG_MAX]; /* in item_id (strcmp) order */
	/* the catalog port */
	bool down;				 /* every get answers OS_EUNAVAIL */
	char unavailable[ORDER_ITEM_ID_MAX + 1]; /* gets of this item answer OS_EUNAVAIL */
	size_t calls;				 /* catalog gets so far (the inventory's: gets) */
	/* When set, each get records how many repository writes (transactions)
	 * had started by then: a catalog call inside or after one shows up as
	 * writes_seen > 0. */
	const size_t *watch_writes;
	size_t writes_seen;
	/* the inventory port */
	enum os_status fail_with; /* non-OK: every call fails with it */
	/* the record: calls of each kind and the arguments of the last one */
	size_t gets, lists, puts, adjusts;
	char last_item_id[ORDER_ITEM_ID_MAX + 1]; /* of the last get or adjust */
	char last_after[ORDER_ITEM_ID_MAX + 1];
	size_t last_limit;
	struct inventory_item last_put;
	int64_t last_delta;
	pthread_mutex_t lock;
	struct catalog catalog;
	struct inventory inventory;
};

void fake_catalog_init(struct fake_catalog *f);
/* Adds (or replaces) an item in its place; false when the table is full. */
bool fake_catalog_add(struct fake_catalog *f, const char *item_id, const char *name,
		      int64_t price_cents, int64_t available_qty);

/* ---- fake_repo ---- */

#define FAKE_REPO_ORDERS  16
#define FAKE_REPO_HISTORY 8
#define FAKE_REPO_MSGS	  64

/* A copy of an outbox message the repository was asked to write. */
struct fake_msg {
	struct uuid event_id;
	struct uuid aggregate_id;
	char type[OUTBOX_TYPE_MAX + 1];
	char destination[OUTBOX_DESTINATION_MAX + 1];
	char *payload; /* owned by the fake */
	char *headers; /* owned by the fake; NULL when the message had none */
};

struct fake_order {
	struct order order;
	char fingerprint[ORDER_FINGERPRINT_MAX + 1];
	size_t history_count;
	struct order_history_entry history[FAKE_REPO_HISTORY];
	/* Money, as the real store keeps it: the payment that paid the order
	 * (handed to mutate functions, set by a change's capture), whether its
	 * payment request was delivered (a withdrawal then writes the change's
	 * payment.cancel), and how many withdrawals were written. */
	char captured_payment_id[ORDER_PAYMENT_ID_MAX + 1];
	bool payment_delivered;
	size_t withdrawals;
};

struct fake_repo {
	size_t count;
	struct fake_order orders[FAKE_REPO_ORDERS];
	size_t msg_count;
	struct fake_msg msgs[FAKE_REPO_MSGS];
	enum os_status fail_with;	 /* non-OK: every call fails with it */
	size_t creates;			 /* create calls */
	size_t commits;			 /* transactions that wrote something */
	bool last_reserve_stock;	 /* reserve_stock of the last create */
	size_t stale_prices;		 /* so many next reserving creates answer that
					    line 0's price changed, writing nothing */
	size_t stock_releases;		 /* changes written with release_stock */
	struct order_filter last_filter; /* the filter of the last list call */
	size_t untouched_violations;	 /* mutate callbacks that filled a change they
					    did not apply (the contract says untouched) */
	size_t refund_count;		 /* refunds written, one per payment id */
	char refund_keys[FAKE_REPO_MSGS][ORDER_REFUND_KEY_MAX + 1];
	bool race_armed; /* next create finds race_order inserted */
	struct fake_order race_order;
	size_t expire_calls;	       /* expire calls, failed ones included */
	int64_t last_expire_before_us; /* created_before_us of the last expire */
	size_t last_expire_max;	       /* max of the last expire */
	pthread_mutex_t lock;
	struct order_repo repo;
};

/* Allocates an empty repository with repo wired; free with fake_repo_free. */
struct fake_repo *fake_repo_new(void);
void fake_repo_free(struct fake_repo *r);
/* Stores o (as if created earlier) with fingerprint fp and one history row;
 * returns the stored copy. */
struct fake_order *fake_repo_put(struct fake_repo *r, const struct order *o, const char *fp);
/* The stored order with this id, or NULL. */
struct fake_order *fake_repo_find(struct fake_repo *r, const struct uuid *id);
/* The next create inserts o/fp first, as a concurrent request would, and so
 * answers created = false with it. */
void fake_repo_arm_race(struct fake_repo *r, const struct order *o, const char *fp);
/* Clears ch and fills what the store reads under the order's lock (the
 * paying payment), as before a mutate or decide call. */
void fake_repo_prepare_change(const struct fake_order *fo, struct order_change *ch);
/* Writes ch for fo as an applied change would be (transition, then money)
 * and counts a commit; the caller releases ch. */
enum os_status fake_repo_write(struct fake_repo *r, struct fake_order *fo, struct order_change *ch,
			       struct os_error *err);
/* The first written message of this type and destination (NULL: any), or NULL. */
const struct fake_msg *fake_repo_msg(const struct fake_repo *r, const char *type,
				     const char *destination);

/* ---- fake_inbox ---- */

#define FAKE_INBOX_MAX 16

struct fake_inbox {
	size_t count;
	struct {
		struct inbox_msg msg; /* msg.payload points at payload below */
		char *payload;	      /* owned copy, NUL-terminated */
	} rows[FAKE_INBOX_MAX];
	enum os_status fail_with; /* non-OK: every call fails with it */
	int fail_next;		  /* the next calls answered OS_EUNAVAIL */
	size_t calls;
	size_t failures;	     /* calls that failed */
	volatile sig_atomic_t *stop; /* set to 1 after stop_after records or */
	size_t stop_after;	     /* stop_after_failures failures (0: never) */
	size_t stop_after_failures;
	pthread_mutex_t lock;
	struct inbox_writer inbox;
};

void fake_inbox_init(struct fake_inbox *f);
void fake_inbox_release(struct fake_inbox *f);

/* ---- fake_inbox_store ---- */

struct fake_inbox_store {
	struct fake_waits waits; /* first: the port's wait is fake_waits_wait */
	size_t pending;		 /* rows waiting; a batch takes up to max of them */
	int failures;		 /* the next apply calls answered OS_EUNAVAIL */
	size_t purgeable;	 /* processed rows past retention; a purge takes up to max */
	int purge_failures;	 /* the next purge calls answered OS_EUNAVAIL */
	/* the record */
	int apply_calls;
	size_t last_max;
	size_t handled; /* rows taken by batches */
	int purge_calls;
	int64_t last_purge_before_us;
	size_t last_purge_max;
	size_t purged;
	inbox_decide_fn *seen_fn;
	void *seen_arg;
	pthread_mutex_t lock;
	struct inbox_store store;
};

void fake_inbox_store_init(struct fake_inbox_store *f, struct fake_sys *clock,
			   volatile sig_atomic_t *stop);

/* ---- fake_admin ---- */

#define FAKE_ADMIN_MAX 16

struct fake_admin {
	size_t count;
	struct {
		enum admin_kind kind;
		bool refused; /* a payment request of an order that left new: stays dead */
		struct dead_letter row;
	} dead[FAKE_ADMIN_MAX];	  /* in ascending id order */
	enum os_status ping_with; /* what ping answers (OS_OK: the database is up) */
	struct queue_stats stats; /* what stats answers */
	size_t retried;		  /* rows put back to pending */
	pthread_mutex_t lock;
	struct admin admin;
};

void fake_admin_init(struct fake_admin *f);
/* Adds a dead row of kind with this id (above every earlier one), where
 * "payments", 10 attempts and error "HTTP 400"; returns it for more detail,
 * or NULL when full. */
struct dead_letter *fake_admin_add(struct fake_admin *f, enum admin_kind kind, int64_t id,
				   bool refused);

/* ---- fake_outbox_store ---- */

#define FAKE_OUTBOX_STORE_ROWS 512
#define FAKE_OUTBOX_PURGES     4

struct fake_outbox_store {
	struct fake_waits waits;		  /* first: the port's wait is fake_waits_wait */
	size_t pending;				  /* rows still to hand out */
	int32_t attempts[FAKE_OUTBOX_STORE_ROWS]; /* attempts of the rows of every claim */
	int claim_failures;			  /* the next claims answer OS_EUNAVAIL */
	size_t purge_script[FAKE_OUTBOX_PURGES];  /* rows deleted by successive purges */
	/* the record */
	size_t held; /* rows of the open claim; release returns them to pending */
	int claim_calls;
	size_t last_claim_max;
	int complete_calls;
	int release_calls;
	size_t completed_rows;
	struct outbox_result last_results[FAKE_OUTBOX_STORE_ROWS]; /* of the last complete */
	size_t last_count;					   /* rows of the last complete */
	int purge_calls;
	int64_t last_purge_before_us;
	pthread_mutex_t lock;
	struct outbox_store store;
};

void fake_outbox_store_init(struct fake_outbox_store *f, struct fake_sys *clock,
			    volatile sig_atomic_t *stop);

/* ---- fake_outbox_sink ---- */

#define FAKE_OUTBOX_SINK_ROWS 512

/* Called inside every send that does not fail first (call counts from 1),
 * without the sink's lock held. */
typedef void fake_outbox_sink_hook(void *arg, size_t call);

struct fake_outbox_sink {
	enum outbox_delivery verdicts[OUTBOX_BATCH_MAX]; /* the answer for each row, by index */
	bool retry_first_batch;	  /* every row of the first send answers OUTBOX_RETRY */
	bool mute;		  /* rows are taken but answered nothing (results untouched) */
	int64_t retry_after_us;	  /* the Retry-After of every row not sent */
	int fail_next;		  /* the next sends answer OS_EUNAVAIL "sink down" */
	enum os_status fail_with; /* non-OK: the other sends fail with it ("sink broken") */
	fake_outbox_sink_hook *on_send;
	void *on_send_arg;
	/* the record; a row not sent gets the error "HTTP 503 (seq <seq>)" */
	size_t calls;
	size_t rows_seen; /* rows answered */
	size_t sent;	  /* of those, the ones answered OUTBOX_SENT */
	size_t count;	  /* the first FAKE_OUTBOX_SINK_ROWS answered rows, in order: */
	struct {
		int64_t seq;
		struct uuid aggregate_id;
		enum outbox_delivery delivery;
	} rows[FAKE_OUTBOX_SINK_ROWS];
	pthread_mutex_t lock;
	struct outbox_sink sink;
};

/* Every row is answered verdict until the test sets verdicts otherwise. */
void fake_outbox_sink_init(struct fake_outbox_sink *k, enum outbox_delivery verdict);

/* ---- fake_message_source ---- */

struct fake_message_source {
	struct message_source inner; /* where polls and commits go */
	struct fake_inbox *inbox;    /* where the polled messages must be by each commit */
	/* the record */
	size_t polled; /* messages polled */
	size_t commits;
	bool commit_before_record; /* a commit came while polled != inbox->count */
	pthread_mutex_t lock;
	struct message_source source;
};

void fake_message_source_init(struct fake_message_source *f, const struct message_source *inner,
			      struct fake_inbox *inbox);

/* ---- a wired order service ---- */

/* The service over fresh fakes: clock at FAKE_NOW_US, seed 1, catalog empty. */
#define FAKE_NOW_US INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */

struct fake_env {
	struct fake_sys sys;
	struct fake_catalog catalog;
	struct fake_repo *repo;
	struct order_settings settings;
	struct order_service svc;
};

/* Heap allocated; NULL when out of memory. */
struct fake_env *fake_env_new(bool local_inventory);
void fake_env_free(struct fake_env *e);

/* cmocka setup and teardown of a test on a fake_env (local inventory):
 * *state is the env. The teardown fails the test when a mutate callback
 * filled a change it did not apply (fake_repo.untouched_violations). */
int fake_env_setup(void **state);
int fake_env_teardown(void **state);
/* A cmocka test of fn with those two (for the tests' tables). */
#define fake_env_test(fn) cmocka_unit_test_setup_teardown(fn, fake_env_setup, fake_env_teardown)

/* Fails the running test unless hay (may be NULL) contains needle. */
void assert_contains(const char *hay, const char *needle);

/* ---- fixtures ---- */

/*
 * A complete order in status st: id and key derived from n, user "user-<n>",
 * two lines ("sku-1" x2 at 100.00, "sku-2" x1 at 150.00: 350.00 RUB),
 * created at created_us, version 1.
 */
void fake_order_sample(struct order *o, int n, enum order_status st, int64_t created_us);

/* True when s is one complete, syntactically valid JSON value. */
bool fake_json_valid(const char *s);

/* Settings with currency RUB, callback URL, default topics, local_inventory. */
void fake_settings(struct order_settings *s, bool local_inventory);

/* A message context over sys (fake_sys_init at FAKE_NOW_US with seed) and
 * settings (fake_settings with local inventory), both initialised here; no
 * request id nor trace. */
void fake_msg_ctx(struct order_msg_ctx *ctx, struct fake_sys *sys, struct order_settings *settings,
		  uint64_t seed);

#endif
