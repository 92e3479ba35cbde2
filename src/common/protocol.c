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

static void take_due(const struct present_owed_row *row, void *userdata)
{
	struct due_list *l = userdata;
	struct present_status *s = l->status;
	if (l->failed || !present_grow(&s->due, &l->cap, s->n_due, sizeof(*s->due))) {
		l->failed = true;
		return;
	}
	struct present_status_due *d = &s->due[s->n_due++];
	*d = (struct present_status_due){
		.id = (uint64_t)row->id,
		.state = strdup(row->state),
		.sender = strdup(row->sender ? row->sender : ""),
		.app = strdup(row->app ? row->app : ""),
		.subject = strdup(row->subject ? row->subject : ""),
		.ack_by = row->ack_by,
		.answer_by = row->answer_by,
	};
	l->failed = !d->state || !d->sender || !d->app || !d->subject;
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
	while (present_wire_iter_enter(array, '(', &item)) {
		struct present_status_due d = {0};
		const char *state, *sender, *app, *subject;
		if (!present_wire_iter_read(&item, 't', &d.id) || !present_wire_iter_read(&item, 's', &state) ||
			!present_wire_iter_read(&item, 's', &sender) || !present_wire_iter_read(&item, 's', &app) ||
			!present_wire_iter_read(&item, 's', &subject) || !present_wire_iter_read(&item, 'x', &d.ack_by) ||
			!present_wire_iter_read(&item, 'x', &d.answer_by) ||
			!present_grow(&status->due, &cap, status->n_due, sizeof(*status->due)))
			return;
		d.state = strdup(state);
		d.sender = strdup(sender);
		d.app = strdup(app);
		d.subject = strdup(subject);
		status->due[status->n_due++] = d;
		if (!d.state || !d.sender || !d.app || !d.subject)
			return; /* out of memory: present_status_finish() frees what there is */
	}
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
		} else if (strcmp(key, "due") == 0 && !status->due && value.sig_len == 10 &&
			strncmp(value.sig, "a(tssssxx)", 10) == 0 && present_wire_iter_enter(&value, 'a', &array)) {
			read_due(&array, status);
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
	present_status_due_free(status);
	*status = (struct present_status){0};
}

void present_print_restored(int restored)
{
	if (restored == 0)
		puts("Nothing to restore: the desktop is as you left it.");
	else
		printf("Put back %d do-not-disturb change%s.\n", restored, restored == 1 ? "" : "s");
}
