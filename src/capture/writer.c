#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "writer.h"

/* While the store cannot be written, a kept batch is tried again this often. */
#define RETRY_MS 1000
/* How long a write waits on a lock held elsewhere: while a session runs, and
 * once it is ending (its end must not wait on another process). */
#define BUSY_WAIT_MS 2000
#define BUSY_WAIT_STOPPING_MS 300
/* While the store cannot be written, ops beyond this many waiting are
 * dropped as they come: a store locked for good must not cost all of the
 * memory in a flood, and what is already kept is the oldest, and so the
 * first the user answers. */
#define KEPT_MAX 100000

struct op {
	struct op *next;
	enum present_write_op kind;
	struct present_alert_record alert; /* strings owned, for INSERT, UPDATE and SET_APP */
	int64_t id, number, number2;
	char *text;
	bool owed; /* INSERT, UPDATE and SET_APP: the note below goes with the alert */
	struct present_owed_note note; /* strings owned */
};

/* From capture number `from` on, an alert is stored as that number plus `by`. */
struct shift {
	int64_t from, by;
};

struct present_writer {
	struct present_store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	struct op *head, *tail;
	uint64_t queued, committed; /* ops counted, for present_writer_sync() */
	uint64_t failures;
	uint64_t refused; /* commits the store could not take, for present_writer_end() */
	uint64_t dropped; /* ops not kept past KEPT_MAX since the store last took a batch */
	bool stopping;
	bool ending; /* the session has ended: short waits on a lock, and a retry now */
	bool retry_now;
	bool failing; /* the last batch could not be written: said once, until one is */
	/* The session is not recorded yet: nothing is written until it is, so
	 * that its alerts go in under its number, not under none. */
	bool held;
	int64_t session_id; /* for ops that name none, once it is recorded */
	int64_t next_id; /* the capture's numbering: the main thread's alone */
	/* The store's numbering, the writer thread's alone: ascending by from. */
	struct shift *shifts;
	size_t n_shifts;
	int64_t busy_since; /* ms, monotonic: when the current wait on a lock began */
};

static char *copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void op_free(struct op *op)
{
	struct present_alert_record *a = &op->alert;
	free((char *)a->path);
	free((char *)a->caller);
	free((char *)a->app);
	free((char *)a->app_name);
	free((char *)a->summary);
	free((char *)a->body);
	free((char *)a->icon);
	free((char *)a->category);
	free((char *)a->actions);
	free((char *)a->hints);
	free((char *)a->notification_id);
	free((char *)a->cls);
	free((char *)a->rule);
	free((char *)op->note.kind);
	free((char *)op->note.app);
	free((char *)op->note.sender);
	free((char *)op->note.subject);
	free(op->text);
	free(op);
}

static int64_t stored_id(const struct present_writer *w, int64_t id)
{
	for (size_t i = w->n_shifts; i-- > 0;)
		if (w->shifts[i].from <= id)
			return id + w->shifts[i].by;
	return id;
}

/* The capture numbers an alert when it sees it, so that later events can
 * name it; the store's number is given here, in the transaction that writes
 * it. The two differ when another daemon has stored alerts since this
 * writer last did: the same user logged in twice has two session buses, two
 * daemons and one store. top: the highest number stored, under our lock. */
static int64_t number(struct present_writer *w, int64_t id, int64_t *top)
{
	int64_t at = stored_id(w, id);
	if (at > *top) {
		*top = at;
		return at;
	}
	struct shift *grown = realloc(w->shifts, (w->n_shifts + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	w->shifts = grown;
	w->shifts[w->n_shifts++] = (struct shift){.from = id, .by = *top + 1 - id};
	return ++*top;
}

static int apply(struct present_writer *w, const struct op *op, int64_t session_id, int64_t *top)
{
	struct present_store *store = w->store;
	struct present_alert_record a = op->alert;
	struct present_owed_note note = op->note;
	a.session_id = a.session_id ? a.session_id : session_id;
	note.session_id = note.session_id ? note.session_id : session_id;
	int64_t id = op->kind == PRESENT_WRITE_GAP ? (op->id ? op->id : session_id) : stored_id(w, op->id);
	int r;
	switch (op->kind) {
	case PRESENT_WRITE_INSERT:
	case PRESENT_WRITE_UPDATE:
	case PRESENT_WRITE_SET_APP:
		a.id = op->kind == PRESENT_WRITE_INSERT ? number(w, a.id, top) : stored_id(w, a.id);
		if (a.id < 0)
			return (int)a.id;
		if (op->kind == PRESENT_WRITE_INSERT)
			r = present_store_alert_insert(store, &a);
		else if (op->kind == PRESENT_WRITE_UPDATE)
			r = present_store_alert_update(store, &a, op->number);
		else
			r = present_store_alert_set_app(store, a.id, a.app, a.cls, a.rule);
		return r < 0 || !op->owed ? r : present_store_owed_note(store, a.id, &note);
	case PRESENT_WRITE_SERVER_ID:
		return present_store_alert_set_server_id(store, id, (uint32_t)op->number, op->text);
	case PRESENT_WRITE_WITHDRAW:
		return present_store_alert_withdraw(store, id, op->number);
	case PRESENT_WRITE_CLOSED:
		return present_store_alert_closed(store, id, (uint32_t)op->number);
	case PRESENT_WRITE_REFUSED:
		return present_store_alert_refused(store, id, op->text);
	case PRESENT_WRITE_GAP:
		return present_store_capture_gap(store, id, op->number, op->number2, op->text);
	}
	return -EINVAL;
}

static uint64_t count_ops(const struct op *op)
{
	uint64_t n = 0;
	for (; op; op = op->next)
		n++;
	return n;
}

static uint64_t count_new(const struct op *op)
{
	uint64_t n = 0;
	for (; op; op = op->next)
		n += op->kind == PRESENT_WRITE_INSERT;
	return n;
}

/* Writes one batch in one transaction, whole or not at all: 0, or -errno
 * when the store could not take it (nothing of it is written). A write that
 * fails for a reason of its own is logged once per batch and the rest still
 * go in: one bad row must not cost the others. */
static int commit(struct present_writer *w, struct op *batch, int64_t session_id, uint64_t *ret_failed)
{
	uint64_t failed = 0;
	size_t shifts = w->n_shifts;
	int64_t top = 0;
	int r = present_store_defer(w->store);
	if (r == 0 && count_new(batch))
		r = present_store_alert_top(w->store, &top);
	for (struct op *op = batch; r == 0 && op; op = op->next) {
		int q = apply(w, op, session_id, &top);
		/* Some failures (I/O, memory) roll the whole transaction back, the
		 * batch's earlier writes with it: the batch failed as a whole. */
		if (q < 0 && (present_store_later(q) || q == -ENOMEM || !present_store_deferring(w->store)))
			r = q;
		else if (q < 0 && failed++ == 0)
			present_log("warning", "alert not stored: %s", present_store_error(w->store));
	}
	if (r < 0)
		present_store_abandon(w->store);
	else
		r = present_store_flush(w->store);
	/* Numbers given in a batch rolled back are given anew when it is written. */
	if (r < 0)
		w->n_shifts = shifts;
	*ret_failed = r < 0 ? 0 : failed;
	return r;
}

static void free_ops(struct op *op)
{
	while (op) {
		struct op *next = op->next;
		op_free(op);
		op = next;
	}
}

/* Puts a batch that could not be written back in front of what came since. */
static void keep(struct present_writer *w, struct op *batch)
{
	struct op *last = batch;
	while (last->next)
		last = last->next;
	last->next = w->head;
	if (!w->head)
		w->tail = last;
	w->head = batch;
}

static void wait_retry(struct present_writer *w)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += RETRY_MS / 1000;
	until.tv_nsec += (RETRY_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	/* Each new op wakes the condition: only the end of the session cuts the wait short. */
	while (!w->stopping && !w->retry_now && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
		;
}

static void *run(void *data)
{
	struct present_writer *w = data;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Stopping, what is held is written under no session rather than lost. */
		while ((!w->head || w->held) && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head && w->stopping)
			break;
		/* Take everything queued: what arrives during this commit is the next batch. */
		struct op *batch = w->head;
		w->head = w->tail = NULL;
		w->retry_now = false;
		int64_t session_id = w->session_id;
		pthread_mutex_unlock(&w->lock);
		uint64_t n = count_ops(batch), failed = 0;
		int r = commit(w, batch, session_id, &failed);
		pthread_mutex_lock(&w->lock);

		/* Once the session has ended, only a store that may take it later
		 * is waited for: the daemon stays for what is kept. */
		if (r < 0 && !w->stopping && (!w->ending || present_store_later(r) || r == -ENOMEM)) {
			if (!w->failing)
				present_log("warning", "alerts not stored yet (kept to try again): %s",
					present_store_error(w->store));
			w->failing = true;
			w->refused++;
			pthread_cond_broadcast(&w->done);
			keep(w, batch);
			wait_retry(w);
			continue;
		}
		if (r < 0) {
			unsigned long long alerts = count_new(batch);
			present_log("warning", "%llu alert%s (%llu write%s) not stored: %s", alerts, alerts == 1 ? "" : "s",
				(unsigned long long)n, n == 1 ? "" : "s", present_store_error(w->store));
			failed = n;
		} else if (w->failing) {
			present_log("info", "alerts are stored again");
			w->failing = false;
		}
		if (w->dropped) {
			present_log("warning", "%llu write%s not kept while the store could not be written: %d were waiting",
				(unsigned long long)w->dropped, w->dropped == 1 ? "" : "s", KEPT_MAX);
			w->dropped = 0;
		}
		w->failures += failed;
		w->committed += n;
		pthread_cond_broadcast(&w->done);
		pthread_mutex_unlock(&w->lock);
		free_ops(batch);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's wait for a lock another connection holds: short sleeps first,
 * as the daemon's own connection holds it for a moment only. Runs on the
 * writer thread alone. */
static int busy(void *data, int count)
{
	struct present_writer *w = data;
	if (count == 0)
		w->busy_since = now_ms();
	pthread_mutex_lock(&w->lock);
	bool ending = w->ending || w->stopping;
	pthread_mutex_unlock(&w->lock);
	if (now_ms() - w->busy_since >= (ending ? BUSY_WAIT_STOPPING_MS : BUSY_WAIT_MS))
		return 0;
	usleep(count < 10 ? 1000 : 10000);
	return 1;
}

struct present_writer *present_writer_create(const char *path, char **ret_error)
{
	struct present_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (present_store_open(path, &w->store, ret_error) < 0) {
		free(w);
		return NULL;
	}
	w->next_id = 1;
	present_store_busy_handler(w->store, busy, w);
	pthread_mutex_init(&w->lock, NULL);
	/* The retry's wait is on the monotonic clock: the wall clock set back
	 * an hour would hold what failed unwritten for that hour. */
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &monotonic);
	pthread_condattr_destroy(&monotonic);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		*ret_error = strdup("cannot start the writer thread");
		present_store_close(w->store);
		free(w);
		return NULL;
	}
	return w;
}

void present_writer_destroy(struct present_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	present_store_close(w->store);
	free(w->shifts);
	free(w);
}

int64_t present_writer_next_id(struct present_writer *w)
{
	return w->next_id++;
}

static void push(struct present_writer *w, struct op *op)
{
	pthread_mutex_lock(&w->lock);
	if ((w->failing || w->held) && w->queued - w->committed >= KEPT_MAX) {
		w->dropped++;
		w->failures++;
		pthread_mutex_unlock(&w->lock);
		op_free(op);
		return;
	}
	if (w->tail)
		w->tail->next = op;
	else
		w->head = op;
	w->tail = op;
	w->queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void present_writer_alert(struct present_writer *w, enum present_write_op kind, const struct present_alert_record *a,
	const struct present_owed_note *n)
{
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return;
	op->kind = kind;
	op->number = a->received_at;
	op->alert = (struct present_alert_record){
		.id = a->id,
		.session_id = a->session_id,
		.received_at = a->received_at,
		.path = copy(a->path),
		.caller = copy(a->caller),
		.app = copy(a->app),
		.app_name = copy(a->app_name),
		.summary = copy(a->summary),
		.body = copy(a->body),
		.icon = copy(a->icon),
		.category = copy(a->category),
		.actions = copy(a->actions),
		.hints = copy(a->hints),
		.notification_id = copy(a->notification_id),
		.urgency = a->urgency,
		.sender_pid = a->sender_pid,
		.cls = copy(a->cls),
		.rule = copy(a->rule),
	};
	if (n) {
		op->owed = true;
		op->note = (struct present_owed_note){
			.session_id = n->session_id,
			.kind = copy(n->kind),
			.app = copy(n->app),
			.sender = copy(n->sender),
			.subject = copy(n->subject),
			.at = n->at,
			.ack_by = n->ack_by,
			.answer_by = n->answer_by,
		};
	}
	push(w, op);
}

void present_writer_change(struct present_writer *w, enum present_write_op kind, int64_t id, int64_t number,
	const char *text)
{
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return;
	*op = (struct op){.kind = kind, .id = id, .number = number, .text = copy(text)};
	push(w, op);
}

void present_writer_gap(struct present_writer *w, int64_t session_id, int64_t from, int64_t to, const char *reason)
{
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return;
	*op = (struct op){
		.kind = PRESENT_WRITE_GAP, .id = session_id, .number = from, .number2 = to, .text = copy(reason)};
	push(w, op);
}

void present_writer_sync(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t target = w->queued;
	while (w->committed < target)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

bool present_writer_end(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->ending = true;
	w->retry_now = true;
	pthread_cond_signal(&w->wake);
	uint64_t target = w->queued, refused = w->refused;
	while (w->committed < target && w->refused == refused && !w->held)
		pthread_cond_wait(&w->done, &w->lock);
	bool written = w->committed >= target;
	pthread_mutex_unlock(&w->lock);
	return written;
}

void present_writer_hold(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->held = true;
	pthread_mutex_unlock(&w->lock);
}

void present_writer_recorded(struct present_writer *w, int64_t session_id)
{
	pthread_mutex_lock(&w->lock);
	w->held = false;
	w->session_id = session_id;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

bool present_writer_idle(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool idle = w->committed >= w->queued;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

uint64_t present_writer_failures(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t n = w->failures;
	pthread_mutex_unlock(&w->lock);
	return n;
}
