/*
 * The daemon's side of struct present_status on the bus; the CLI reads it
 * back with present_status_read() (src/common/protocol.c).
 */
#include <stdio.h>

#include "bus-call.h"
#include "status-write.h"

static bool put(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	char sig[2] = {(char)type, '\0'};
	DBusMessageIter entry, variant;
	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
		dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant) &&
		(type == DBUS_TYPE_STRING ? present_bus_append_text(&variant, *(const char *const *)value)
					  : dbus_message_iter_append_basic(&variant, type, value)) &&
		dbus_message_iter_close_container(&entry, &variant) &&
		dbus_message_iter_close_container(dict, &entry);
}

static bool put_optional(DBusMessageIter *dict, const char *key, const char *value)
{
	return !value || put(dict, key, DBUS_TYPE_STRING, &value);
}

/* An entry of the dict whose value is an array: the containers stay open
 * for the caller to fill the array, then close_array() closes all three. */
struct array_entry {
	DBusMessageIter entry, variant, array;
};

static bool open_array(DBusMessageIter *dict, const char *key, const char *element, struct array_entry *a)
{
	char sig[32];
	snprintf(sig, sizeof(sig), "a%s", element);
	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &a->entry) &&
		dbus_message_iter_append_basic(&a->entry, DBUS_TYPE_STRING, &key) &&
		dbus_message_iter_open_container(&a->entry, DBUS_TYPE_VARIANT, sig, &a->variant) &&
		dbus_message_iter_open_container(&a->variant, DBUS_TYPE_ARRAY, element, &a->array);
}

static bool close_array(DBusMessageIter *dict, struct array_entry *a)
{
	return dbus_message_iter_close_container(&a->variant, &a->array) &&
		dbus_message_iter_close_container(&a->entry, &a->variant) &&
		dbus_message_iter_close_container(dict, &a->entry);
}

static bool put_strv(DBusMessageIter *dict, const char *key, char **v)
{
	struct array_entry a;
	if (!open_array(dict, key, "s", &a))
		return false;
	for (size_t i = 0; v && v[i]; i++)
		if (!present_bus_append_text(&a.array, v[i]))
			return false;
	return close_array(dict, &a);
}

static bool put_due(DBusMessageIter *dict, const struct present_status *status)
{
	struct array_entry a;
	DBusMessageIter item;
	if (!status->n_due)
		return true;
	if (!open_array(dict, "due", "(tssssxx)", &a))
		return false;
	for (size_t i = 0; i < status->n_due; i++) {
		const struct present_status_due *d = &status->due[i];
		if (!dbus_message_iter_open_container(&a.array, DBUS_TYPE_STRUCT, NULL, &item) ||
			!dbus_message_iter_append_basic(&item, DBUS_TYPE_UINT64, &d->id) ||
			!present_bus_append_text(&item, d->state) || !present_bus_append_text(&item, d->sender) ||
			!present_bus_append_text(&item, d->app) || !present_bus_append_text(&item, d->subject) ||
			!dbus_message_iter_append_basic(&item, DBUS_TYPE_INT64, &d->ack_by) ||
			!dbus_message_iter_append_basic(&item, DBUS_TYPE_INT64, &d->answer_by) ||
			!dbus_message_iter_close_container(&a.array, &item))
			return false;
	}
	return close_array(dict, &a);
}

static bool put_unrestored(DBusMessageIter *dict, const struct present_status *status)
{
	struct array_entry a;
	DBusMessageIter item;
	if (!status->n_unrestored)
		return true;
	if (!open_array(dict, "dnd_unrestored", "(sss)", &a))
		return false;
	for (size_t i = 0; i < status->n_unrestored; i++) {
		const struct present_unrestored *u = &status->unrestored[i];
		if (!dbus_message_iter_open_container(&a.array, DBUS_TYPE_STRUCT, NULL, &item) ||
			!present_bus_append_text(&item, u->backend) || !present_bus_append_text(&item, u->app) ||
			!present_bus_append_text(&item, u->reason) || !dbus_message_iter_close_container(&a.array, &item))
			return false;
	}
	return close_array(dict, &a);
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
			put_optional(&dict, "store_error", status->store_error) &&
			put(&dict, "alerts", DBUS_TYPE_UINT32, &status->alerts) && put_due(&dict, status);
	ok = ok && put_unrestored(&dict, status);
	if (ok && status->config_warnings && status->config_warnings[0])
		ok = put_strv(&dict, "config_warnings", status->config_warnings);
	return dbus_message_iter_close_container(iter, &dict) && ok;
}
