#include <stdlib.h>
#include <string.h>

#include "protocol.h"

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
			put(&dict, "label", DBUS_TYPE_STRING, &label);
	return dbus_message_iter_close_container(iter, &dict) && ok;
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

		if (strcmp(key, "active") == 0 && type == DBUS_TYPE_BOOLEAN) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&value, &b);
			status->active = b;
		} else if (strcmp(key, "id") == 0 && type == DBUS_TYPE_UINT64) {
			dbus_message_iter_get_basic(&value, &status->id);
		} else if (strcmp(key, "started_at") == 0 && type == DBUS_TYPE_INT64) {
			dbus_message_iter_get_basic(&value, &status->started_at);
		} else if (strcmp(key, "ends_at") == 0 && type == DBUS_TYPE_INT64) {
			dbus_message_iter_get_basic(&value, &status->ends_at);
		} else if (strcmp(key, "label") == 0 && type == DBUS_TYPE_STRING) {
			const char *s;
			dbus_message_iter_get_basic(&value, &s);
			free(status->label);
			status->label = strdup(s);
		}
	}
	return true;
}

void present_status_finish(struct present_status *status)
{
	free(status->label);
	*status = (struct present_status){0};
}
