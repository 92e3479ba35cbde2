#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "text.h"

static bool put(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	char sig[2] = {(char)type, '\0'};
	DBusMessageIter entry, variant;
	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
		dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant) &&
		dbus_message_iter_append_basic(&variant, type, value) &&
		dbus_message_iter_close_container(&entry, &variant) &&
		dbus_message_iter_close_container(dict, &entry);
}

static bool put_optional(DBusMessageIter *dict, const char *key, const char *value)
{
	return !value || put(dict, key, DBUS_TYPE_STRING, &value);
}

static bool put_strv(DBusMessageIter *dict, const char *key, char **v)
{
	DBusMessageIter entry, variant, array;
	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
		!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) ||
		!dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "as", &variant) ||
		!dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (size_t i = 0; v && v[i]; i++)
		if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &v[i]))
			return false;
	return dbus_message_iter_close_container(&variant, &array) &&
		dbus_message_iter_close_container(&entry, &variant) && dbus_message_iter_close_container(dict, &entry);
}

bool present_status_write(const struct present_status *status, DBusMessageIter *iter)
{
	DBusMessageIter dict;
	dbus_bool_t active = status->active;
	const char *label = status->label ? status->label : "";
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		return false;
	bool ok = put(&dict, "active", DBUS_TYPE_BOOLEAN, &active);
	if (ok && status->active)
		ok = put(&dict, "id", DBUS_TYPE_UINT64, &status->id) &&
			put(&dict, "started_at", DBUS_TYPE_INT64, &status->started_at) &&
			put(&dict, "ends_at", DBUS_TYPE_INT64, &status->ends_at) &&
			put(&dict, "label", DBUS_TYPE_STRING, &label) && put_optional(&dict, "dnd_state", status->dnd_state) &&
			put_optional(&dict, "dnd_server", status->dnd_server) &&
			put_optional(&dict, "dnd_backend", status->dnd_backend) &&
			put_optional(&dict, "dnd_note", status->dnd_note) && put_strv(&dict, "muted", status->muted) &&
			put_optional(&dict, "capture_error", status->capture_error) &&
			put(&dict, "alerts", DBUS_TYPE_UINT32, &status->alerts);
	return dbus_message_iter_close_container(iter, &dict) && ok;
}

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
	return NULL;
}

static void read_strv(DBusMessageIter *value, char ***ret)
{
	DBusMessageIter array;
	size_t n = 0;
	char **v = calloc(1, sizeof(*v));
	dbus_message_iter_recurse(value, &array);
	for (; v && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING; dbus_message_iter_next(&array)) {
		const char *s;
		dbus_message_iter_get_basic(&array, &s);
		char **grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown)
			break;
		v = grown;
		v[n++] = strdup(s);
		v[n] = NULL;
	}
	*ret = v;
}

bool present_status_read(DBusMessageIter *iter, struct present_status *status)
{
	*status = (struct present_status){0};
	if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_ARRAY ||
		dbus_message_iter_get_element_type(iter) != DBUS_TYPE_DICT_ENTRY)
		return false;

	DBusMessageIter dict;
	dbus_message_iter_recurse(iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, value;
		const char *key;
		dbus_message_iter_recurse(&dict, &entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
			return false;
		dbus_message_iter_get_basic(&entry, &key);
		dbus_message_iter_next(&entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_VARIANT)
			return false;
		dbus_message_iter_recurse(&entry, &value);
		int type = dbus_message_iter_get_arg_type(&value);
		char **field;

		if (strcmp(key, "active") == 0 && type == DBUS_TYPE_BOOLEAN) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&value, &b);
			status->active = b;
		} else if (strcmp(key, "alerts") == 0 && type == DBUS_TYPE_UINT32) {
			dbus_message_iter_get_basic(&value, &status->alerts);
		} else if (strcmp(key, "id") == 0 && type == DBUS_TYPE_UINT64) {
			dbus_message_iter_get_basic(&value, &status->id);
		} else if (strcmp(key, "started_at") == 0 && type == DBUS_TYPE_INT64) {
			dbus_message_iter_get_basic(&value, &status->started_at);
		} else if (strcmp(key, "ends_at") == 0 && type == DBUS_TYPE_INT64) {
			dbus_message_iter_get_basic(&value, &status->ends_at);
		} else if (type == DBUS_TYPE_STRING && (field = string_field(status, key))) {
			const char *s;
			dbus_message_iter_get_basic(&value, &s);
			free(*field);
			*field = strdup(s);
		} else if (strcmp(key, "muted") == 0 && type == DBUS_TYPE_ARRAY &&
			dbus_message_iter_get_element_type(&value) == DBUS_TYPE_STRING) {
			read_strv(&value, &status->muted);
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
