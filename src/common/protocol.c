#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "protocol.h"
#include "store.h"
#include "text.h"

static char **string_field(struct present_status *status, const char *key)
{
	if (strcmp(key, "label") == 0)
		return &status->label;
	if (strcmp(key, "dnd_state") == 0)
		return &status->dnd_state;
	if (strcmp(key, "dnd_server") == 0)
		return &status->dnd_server;
	if (strcmp(key, "dnd_backend") == 0)
		return &status->dnd_backend;
	if (strcmp(key, "dnd_note") == 0)
		return &status->dnd_note;
	if (strcmp(key, "capture_error") == 0)
		return &status->capture_error;
	if (strcmp(key, "store_error") == 0)
		return &status->store_error;
	return NULL;
}

static void read_strv(struct present_wire_iter *array, char ***ret)
{
	size_t n = 0;
	char **v = calloc(1, sizeof(*v));
	const char *s;
	while (v && present_wire_iter_read(array, 's', &s)) {
		char **grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown)
			break;
		v = grown;
		v[n++] = strdup(s);
		v[n] = NULL;
	}
	*ret = v;
}

struct due_list {
	struct present_status *status;
	size_t cap;
	bool failed;
};

/* Appends one item to status->due, its strings copied; false, adding
 * nothing, when memory runs out. */
static bool add_due(struct present_status *status, size_t *cap, uint64_t id, const char *state, const char *sender,
	const char *app, const char *subject, int64_t ack_by, int64_t answer_by)
{
	if (!present_grow(&status->due, cap, status->n_due, sizeof(*status->due)))
		return false;
	struct present_status_due *d = &status->due[status->n_due++];
	*d = (struct present_status_due){
		.id = id,
		.state = strdup(state),
		.sender = strdup(sender ? sender : ""),
		.app = strdup(app ? app : ""),
		.subject = strdup(subject ? subject : ""),
		.ack_by = ack_by,
		.answer_by = answer_by,
	};
	if (d->state && d->sender && d->app && d->subject)
		return true;
	free(d->state);
	free(d->sender);
	free(d->app);
	free(d->subject);
	status->n_due--;
	return false;
}

static void take_due(const struct present_owed_row *row, void *userdata)
{
	struct due_list *l = userdata;
	l->failed = l->failed || !add_due(l->status, &l->cap, (uint64_t)row->id, row->state, row->sender, row->app,
					 row->subject, row->ack_by, row->answer_by);
}

void present_status_due_free(struct present_status *status)
{
	for (size_t i = 0; i < status->n_due; i++) {
		free(status->due[i].state);
		free(status->due[i].sender);
		free(status->due[i].app);
		free(status->due[i].subject);
	}
	free(status->due);
	status->due = NULL;
	status->n_due = 0;
}

int present_status_due_collect(struct present_store *store, int64_t from, int64_t to, struct present_status *status)
{
	struct due_list l = {.status = status};
	int r = present_store_owed_due_each(store, from, to, take_due, &l);
	if (r == 0 && l.failed)
		r = -ENOMEM;
	if (r < 0)
		present_status_due_free(status);
	return r;
}

static void read_due(struct present_wire_iter *array, struct present_status *status)
{
	struct present_wire_iter item;
	size_t cap = 0;
	uint64_t id;
	const char *state, *sender, *app, *subject;
	int64_t ack_by, answer_by;
	while (present_wire_iter_enter(array, '(', &item) && present_wire_iter_read(&item, 't', &id) &&
		present_wire_iter_read(&item, 's', &state) && present_wire_iter_read(&item, 's', &sender) &&
		present_wire_iter_read(&item, 's', &app) && present_wire_iter_read(&item, 's', &subject) &&
		present_wire_iter_read(&item, 'x', &ack_by) && present_wire_iter_read(&item, 'x', &answer_by) &&
		add_due(status, &cap, id, state, sender, app, subject, ack_by, answer_by))
		;
}

void present_unrestored_free(struct present_unrestored *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].backend);
		free(items[i].app);
		free(items[i].reason);
	}
	free(items);
}

char *present_unrestored_text(const struct present_unrestored *items, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = n ? open_memstream(&buf, &len) : NULL;
	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s%s%s%s: %s", i ? "\n" : "", items[i].backend, *items[i].app ? " (muting " : "",
			items[i].app, *items[i].app ? ")" : "", items[i].reason);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool present_unrestored_add(struct present_unrestored **items, size_t *n, size_t *cap, const char *backend,
	const char *app, const char *reason)
{
	if (!present_grow(items, cap, *n, sizeof(**items)))
		return false;
	struct present_unrestored *u = &(*items)[*n];
	*u = (struct present_unrestored){strdup(backend), strdup(app), strdup(reason)};
	if (u->backend && u->app && u->reason) {
		(*n)++;
		return true;
	}
	free(u->backend);
	free(u->app);
	free(u->reason);
	return false;
}

static void read_unrestored(struct present_wire_iter *array, struct present_status *status)
{
	struct present_wire_iter item;
	size_t cap = 0;
	const char *backend, *app, *reason;
	while (present_wire_iter_enter(array, '(', &item) && present_wire_iter_read(&item, 's', &backend) &&
		present_wire_iter_read(&item, 's', &app) && present_wire_iter_read(&item, 's', &reason) &&
		present_unrestored_add(&status->unrestored, &status->n_unrestored, &cap, backend, app, reason))
		;
}

bool present_status_read(struct present_wire_iter *iter, struct present_status *status)
{
	*status = (struct present_status){0};
	struct present_wire_iter dict, entry, value, array;
	if (iter->array || iter->sig_len < 5 || strncmp(iter->sig, "a{sv}", 5) != 0 ||
		!present_wire_iter_enter(iter, 'a', &dict))
		return false;
	while (present_wire_iter_enter(&dict, '{', &entry)) {
		const char *key;
		if (!present_wire_iter_read(&entry, 's', &key) || !present_wire_iter_enter(&entry, 'v', &value))
			return false;
		char type = present_wire_iter_type(&value), **field;
		if (strcmp(key, "active") == 0 && type == 'b') {
			present_wire_iter_read(&value, 'b', &status->active);
		} else if (strcmp(key, "alerts") == 0 && type == 'u') {
			present_wire_iter_read(&value, 'u', &status->alerts);
		} else if (strcmp(key, "id") == 0 && type == 't') {
			present_wire_iter_read(&value, 't', &status->id);
		} else if (strcmp(key, "started_at") == 0 && type == 'x') {
			present_wire_iter_read(&value, 'x', &status->started_at);
		} else if (strcmp(key, "ends_at") == 0 && type == 'x') {
			present_wire_iter_read(&value, 'x', &status->ends_at);
		} else if (type == 's' && (field = string_field(status, key))) {
			const char *s;
			if (present_wire_iter_read(&value, 's', &s)) {
				free(*field);
				*field = strdup(s);
			}
		} else if (strcmp(key, "muted") == 0 && value.sig_len == 2 && strncmp(value.sig, "as", 2) == 0 &&
			present_wire_iter_enter(&value, 'a', &array)) {
			present_strv_free(status->muted);
			read_strv(&array, &status->muted);
		} else if (strcmp(key, "config_warnings") == 0 && value.sig_len == 2 &&
			strncmp(value.sig, "as", 2) == 0 && present_wire_iter_enter(&value, 'a', &array)) {
			present_strv_free(status->config_warnings);
			read_strv(&array, &status->config_warnings);
		} else if (strcmp(key, "due") == 0 && !status->due && value.sig_len == 10 &&
			strncmp(value.sig, "a(tssssxx)", 10) == 0 && present_wire_iter_enter(&value, 'a', &array)) {
			read_due(&array, status);
		} else if (strcmp(key, "dnd_unrestored") == 0 && !status->unrestored && value.sig_len == 6 &&
			strncmp(value.sig, "a(sss)", 6) == 0 && present_wire_iter_enter(&value, 'a', &array)) {
			read_unrestored(&array, status);
		}
	}
	return true;
}

void present_status_finish(struct present_status *status)
{
	free(status->label);
	free(status->dnd_state);
	free(status->dnd_server);
	free(status->dnd_backend);
	free(status->dnd_note);
	free(status->capture_error);
	free(status->store_error);
	present_strv_free(status->muted);
	present_strv_free(status->config_warnings);
	present_status_due_free(status);
	present_unrestored_free(status->unrestored, status->n_unrestored);
	*status = (struct present_status){0};
}

void present_print_restored(int restored)
{
	if (restored == 0)
		puts("Nothing to restore: the desktop is as you left it.");
	else
		printf("Put back %d do-not-disturb change%s.\n", restored, restored == 1 ? "" : "s");
}
