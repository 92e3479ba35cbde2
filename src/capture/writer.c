#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "writer.h"

struct op {
	struct op *next;
	enum present_write_op kind;
	struct present_alert_record alert; /* strings owned, for INSERT and UPDATE */
	int64_t id, number, number2;
	char *text;
	struct present_owed_note note; /* OWED: strings owned */
};

struct present_writer {
	struct present_store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	struct op *head, *tail;
	uint64_t queued, committed; /* ops counted, for present_writer_sync() */
	uint64_t failures;
	bool stopping;
	int64_t next_id;
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

static int apply(struct present_store *store, const struct op *op)
{
	switch (op->kind) {
	case PRESENT_WRITE_INSERT:
		return present_store_alert_insert(store, &op->alert);
	case PRESENT_WRITE_UPDATE:
		return present_store_alert_update(store, &op->alert, op->number);
	case PRESENT_WRITE_SET_APP:
		return present_store_alert_set_app(store, op->id, op->text);
	case PRESENT_WRITE_SERVER_ID:
		return present_store_alert_set_server_id(store, op->id, (uint32_t)op->number);
	case PRESENT_WRITE_WITHDRAW:
		return present_store_alert_withdraw(store, op->id, op->number);
	case PRESENT_WRITE_CLOSED:
		return present_store_alert_closed(store, op->id, (uint32_t)op->number);
	case PRESENT_WRITE_REFUSED:
		return present_store_alert_refused(store, op->id, op->text);
	case PRESENT_WRITE_GAP:
		return present_store_capture_gap(store, op->id, op->number, op->number2, op->text);
	case PRESENT_WRITE_OWED:
		return present_store_owed_note(store, op->id, &op->note);
	}
	return -EINVAL;
}

/* Writes one batch in one transaction. A failing write is logged once per
 * batch and the rest still go in: one bad row must not cost the others. */
static void commit(struct present_writer *w, struct op *batch, uint64_t n)
{
	int r = present_store_defer(w->store);
	uint64_t failed = 0;
	for (struct op *op = batch; op; op = op->next)
		if (apply(w->store, op) < 0 && failed++ == 0)
			present_log("warning", "alert not stored: %s", present_store_error(w->store));
	if (r < 0 || present_store_flush(w->store) < 0) {
		present_log("warning", "alerts not stored: %s", present_store_error(w->store));
		failed = n;
	}
	pthread_mutex_lock(&w->lock);
	w->failures += failed;
	w->committed += n;
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->lock);
}

static void *run(void *data)
{
	struct present_writer *w = data;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head && w->stopping)
			break;
		/* Take everything queued: what arrives during this commit is the next batch. */
		struct op *batch = w->head;
		uint64_t n = w->queued - w->committed;
		w->head = w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		commit(w, batch, n);
		while (batch) {
			struct op *next = batch->next;
			op_free(batch);
			batch = next;
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
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
	w->next_id = present_store_alert_next_id(w->store);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (w->next_id < 0 || pthread_create(&w->thread, NULL, run, w) != 0) {
		*ret_error = strdup(w->next_id < 0 ? present_store_error(w->store) : "cannot start the writer thread");
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
	free(w);
}

int64_t present_writer_next_id(struct present_writer *w)
{
	return w->next_id++;
}

static void push(struct present_writer *w, struct op *op)
{
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = op;
	else
		w->head = op;
	w->tail = op;
	w->queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void present_writer_alert(struct present_writer *w, enum present_write_op kind, const struct present_alert_record *a)
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
	push(w, op);
}

void present_writer_owed(struct present_writer *w, int64_t alert_id, const struct present_owed_note *n)
{
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return;
	op->kind = PRESENT_WRITE_OWED;
	op->id = alert_id;
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

uint64_t present_writer_failures(struct present_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t n = w->failures;
	pthread_mutex_unlock(&w->lock);
	return n;
}
