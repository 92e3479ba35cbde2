#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
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
	*status = (struct present_status){0};
}

void present_print_restored(int restored)
{
	if (restored == 0)
		puts("Nothing to restore: the desktop is as you left it.");
	else
		printf("Put back %d do-not-disturb change%s.\n", restored, restored == 1 ? "" : "s");
}
