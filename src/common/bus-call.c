#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "bus-call.h"
#include "text.h"

/* Settings daemons (xfconfd) are meant to start on demand. Nothing else may
 * be started by a call of ours: several notification servers install an
 * activation file, and the bus would start one at random next to the
 * desktop's own (a start that finds none asks for it by name instead,
 * start_server() in dnd.c). */
static bool may_activate(const char *dest)
{
	return strcmp(dest, "org.xfce.Xfconf") == 0;
}

static int errno_of(const DBusError *err, DBusMessage *msg)
{
	static const struct {
		const char *name;
		int code;
	} map[] = {
		{DBUS_ERROR_SERVICE_UNKNOWN, -ENOENT},
		{DBUS_ERROR_NAME_HAS_NO_OWNER, -ENOENT},
		{DBUS_ERROR_NO_REPLY, -ETIMEDOUT},
		{DBUS_ERROR_TIMEOUT, -ETIMEDOUT},
		{DBUS_ERROR_UNKNOWN_METHOD, -EOPNOTSUPP},
		{DBUS_ERROR_UNKNOWN_INTERFACE, -EOPNOTSUPP},
		{DBUS_ERROR_UNKNOWN_OBJECT, -EOPNOTSUPP},
		{DBUS_ERROR_UNKNOWN_PROPERTY, -EOPNOTSUPP},
		{DBUS_ERROR_NO_MEMORY, -ENOMEM},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (dbus_error_has_name(err, map[i].name))
			return map[i].code;
	/* GDBus answers a property of an interface the object lacks this way ("No such interface"). */
	if (dbus_error_has_name(err, DBUS_ERROR_INVALID_ARGS) &&
		dbus_message_has_interface(msg, DBUS_INTERFACE_PROPERTIES))
		return -EOPNOTSUPP;
	return -EIO;
}

/* Sends msg without waiting; NULL when the connection is closed or memory ran out. */
static DBusPendingCall *queue(DBusConnection *bus, DBusMessage *msg)
{
	DBusPendingCall *pending = NULL;
	dbus_message_set_auto_start(msg, may_activate(dbus_message_get_destination(msg)));
	if (!dbus_connection_send_with_reply(bus, msg, &pending, PRESENT_BUS_CALL_TIMEOUT_MS))
		return NULL;
	return pending;
}

DBusMessage *present_bus_pending_reply(DBusPendingCall *pending, DBusError *err)
{
	if (!pending) {
		dbus_set_error_const(err, DBUS_ERROR_DISCONNECTED, "Connection is closed");
		return NULL;
	}
	dbus_pending_call_block(pending);
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);
	dbus_pending_call_unref(pending);
	if (!reply) {
		dbus_set_error_const(err, DBUS_ERROR_NO_REPLY, "no reply");
	} else if (dbus_set_error_from_message(err, reply)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	return reply;
}

/* Which process a call reached: the well-known name it was sent to can
 * change hands between two calls. Kept with the connection. */
static dbus_int32_t replier_slot = -1;

static void note_replier(DBusConnection *bus, DBusMessage *reply)
{
	const char *sender = reply ? dbus_message_get_sender(reply) : NULL;
	char *copy = sender ? strdup(sender) : NULL;
	if ((replier_slot < 0 && !dbus_connection_allocate_data_slot(&replier_slot)) ||
		!dbus_connection_set_data(bus, replier_slot, copy, free))
		free(copy);
}

const char *present_bus_last_replier(DBusConnection *bus)
{
	return replier_slot < 0 ? NULL : dbus_connection_get_data(bus, replier_slot);
}

/* Waits for the reply to msg (taken, as is pending), as present_bus_send() says. */
static int wait_reply(DBusConnection *bus, DBusPendingCall *pending, DBusMessage *msg, DBusMessage **ret_reply,
	char **ret_error_name, char **ret_error)
{
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = present_bus_pending_reply(pending, &err);
	note_replier(bus, reply);
	if (!reply) {
		int r = errno_of(&err, msg);
		if (ret_error && asprintf(ret_error, "%s %s: %s", dbus_message_get_destination(msg),
				 dbus_message_get_member(msg), err.message) < 0)
			*ret_error = NULL;
		if (ret_error_name)
			*ret_error_name = strdup(err.name);
		dbus_error_free(&err);
		dbus_message_unref(msg);
		return r;
	}
	dbus_message_unref(msg);
	if (ret_reply)
		*ret_reply = reply;
	else
		dbus_message_unref(reply);
	return 0;
}

int present_bus_send(DBusConnection *bus, DBusMessage *msg, DBusMessage **ret_reply, char **ret_error_name,
	char **ret_error)
{
	return wait_reply(bus, queue(bus, msg), msg, ret_reply, ret_error_name, ret_error);
}

int present_bus_send_both(DBusConnection *bus, DBusMessage *first, DBusMessage *second, DBusMessage **ret_reply,
	char **ret_error)
{
	if (!first || !second) {
		if (first)
			dbus_message_unref(first);
		if (second)
			dbus_message_unref(second);
		return -ENOMEM;
	}
	DBusPendingCall *first_pending = queue(bus, first), *second_pending = queue(bus, second);
	int r = wait_reply(bus, first_pending, first, NULL, NULL, ret_error);
	int g = wait_reply(bus, second_pending, second, r < 0 ? NULL : ret_reply, NULL, r < 0 ? NULL : ret_error);
	return r < 0 ? r : g;
}

static DBusMessage *method_call(const char *dest, const char *path, const char *iface, const char *method,
	int first_type, va_list ap)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, iface, method);
	if (msg && !dbus_message_append_args_valist(msg, first_type, ap)) {
		dbus_message_unref(msg);
		msg = NULL;
	}
	return msg;
}

static int bool_reply(DBusMessage *reply, const char *dest, const char *method, bool *ret, char **ret_error)
{
	dbus_bool_t b = FALSE;
	bool ok = dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &b, DBUS_TYPE_INVALID);
	dbus_message_unref(reply);
	if (!ok) {
		if (ret_error && asprintf(ret_error, "%s %s did not answer a boolean", dest, method) < 0)
			*ret_error = NULL;
		return -EPROTO;
	}
	*ret = b;
	return 0;
}

int present_bus_call(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, DBusMessage **ret_reply, char **ret_error, int first_type, ...)
{
	va_list ap;
	va_start(ap, first_type);
	DBusMessage *msg = method_call(dest, path, iface, method, first_type, ap);
	va_end(ap);
	return msg ? present_bus_send(bus, msg, ret_reply, NULL, ret_error) : -ENOMEM;
}

int present_bus_call_read_back(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, const char *read_method, bool *ret, char **ret_error, int first_type, ...)
{
	va_list ap;
	va_start(ap, first_type);
	DBusMessage *call = method_call(dest, path, iface, method, first_type, ap);
	va_end(ap);
	DBusMessage *reply = NULL;
	int r = present_bus_send_both(bus, call, dbus_message_new_method_call(dest, path, iface, read_method), &reply,
		ret_error);
	return r < 0 ? r : bool_reply(reply, dest, read_method, ret, ret_error);
}

bool present_bus_append_text(DBusMessageIter *it, const char *text)
{
	if (present_utf8_valid(text))
		return dbus_message_iter_append_basic(it, DBUS_TYPE_STRING, &text);
	char *repaired = present_text_clean(text, SIZE_MAX, NULL, NULL);
	bool ok = repaired && dbus_message_iter_append_basic(it, DBUS_TYPE_STRING, &repaired);
	free(repaired);
	return ok;
}

DBusMessage *present_bus_new_error(DBusMessage *call, const char *name, const char *message)
{
	if (!message || present_utf8_valid(message))
		return dbus_message_new_error(call, name, message);
	char *repaired = present_text_clean(message, SIZE_MAX, NULL, NULL);
	DBusMessage *reply = repaired ? dbus_message_new_error(call, name, repaired) : NULL;
	free(repaired);
	return reply;
}

bool present_bus_append_variant_bool(DBusMessageIter *it, bool value)
{
	DBusMessageIter v;
	dbus_bool_t b = value;
	return dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "b", &v) &&
		dbus_message_iter_append_basic(&v, DBUS_TYPE_BOOLEAN, &b) && dbus_message_iter_close_container(it, &v);
}

bool present_bus_read_variant_bool(DBusMessage *reply, bool *ret)
{
	DBusMessageIter it, v;
	if (!dbus_message_iter_init(reply, &it) || dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_VARIANT)
		return false;
	dbus_message_iter_recurse(&it, &v);
	if (dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_BOOLEAN)
		return false;
	dbus_bool_t b;
	dbus_message_iter_get_basic(&v, &b);
	*ret = b;
	return true;
}

static DBusMessage *property_call(const char *dest, const char *path, const char *iface, const char *prop,
	const bool *value)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES, value ? "Set" : "Get");
	DBusMessageIter it;
	if (!msg)
		return NULL;
	dbus_message_iter_init_append(msg, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) ||
		!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &prop) ||
		(value && !present_bus_append_variant_bool(&it, *value))) {
		dbus_message_unref(msg);
		return NULL;
	}
	return msg;
}

static int bool_of(DBusMessage *reply, const char *dest, const char *prop, bool *ret, char **ret_error)
{
	bool ok = present_bus_read_variant_bool(reply, ret);
	dbus_message_unref(reply);
	if (ok)
		return 0;
	if (ret_error && asprintf(ret_error, "%s property %s is not a boolean", dest, prop) < 0)
		*ret_error = NULL;
	return -EPROTO;
}

int present_bus_get_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool *ret, char **ret_error)
{
	DBusMessage *msg = property_call(dest, path, iface, prop, NULL), *reply;
	if (!msg)
		return -ENOMEM;
	int r = present_bus_send(bus, msg, &reply, NULL, ret_error);
	return r < 0 ? r : bool_of(reply, dest, prop, ret, ret_error);
}

int present_bus_set_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool value, char **ret_error)
{
	DBusMessage *msg = property_call(dest, path, iface, prop, &value);
	return msg ? present_bus_send(bus, msg, NULL, NULL, ret_error) : -ENOMEM;
}

int present_bus_set_bool_read_back(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool value, bool *ret, char **ret_error)
{
	DBusMessage *reply = NULL;
	int r = present_bus_send_both(bus, property_call(dest, path, iface, prop, &value),
		property_call(dest, path, iface, prop, NULL), &reply, ret_error);
	return r < 0 ? r : bool_of(reply, dest, prop, ret, ret_error);
}

int present_bus_call_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, bool *ret, char **ret_error)
{
	DBusMessage *reply;
	int r = present_bus_call(bus, dest, path, iface, method, &reply, ret_error, DBUS_TYPE_INVALID);
	return r < 0 ? r : bool_reply(reply, dest, method, ret, ret_error);
}

bool present_bus_has_owner(DBusConnection *bus, const char *name)
{
	DBusError err;
	dbus_error_init(&err);
	bool owned = dbus_bus_name_has_owner(bus, name, &err);
	dbus_error_free(&err);
	return owned;
}

char *present_bus_owner_of(DBusConnection *bus, const char *name)
{
	DBusMessage *reply = NULL;
	const char *owner = NULL;
	char *out = NULL;
	if (present_bus_call(bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "GetNameOwner", &reply, NULL,
		    DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) < 0)
		return NULL;
	if (dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &owner, DBUS_TYPE_INVALID))
		out = strdup(owner);
	dbus_message_unref(reply);
	return out;
}

char *present_bus_introspect(DBusConnection *bus, const char *dest, const char *path)
{
	DBusMessage *reply;
	if (present_bus_call(bus, dest, path, DBUS_INTERFACE_INTROSPECTABLE, "Introspect", &reply, NULL,
		    DBUS_TYPE_INVALID) < 0)
		return NULL;
	const char *xml = NULL;
	char *out = NULL;
	if (dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID))
		out = strdup(xml);
	dbus_message_unref(reply);
	return out;
}

void present_bus_close_other(DBusConnection *bus)
{
	if (bus) {
		dbus_connection_close(bus);
		dbus_connection_unref(bus);
	}
}

DBusConnection *present_bus_open_other(const char *address, const char *id)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *bus = dbus_connection_open_private(address, &err);
	if (!bus) {
		dbus_error_free(&err);
		return NULL;
	}
	/* Its end is no reason for ours. */
	dbus_connection_set_exit_on_disconnect(bus, false);
	char *there = dbus_bus_register(bus, &err) ? dbus_bus_get_id(bus, &err) : NULL;
	dbus_error_free(&err);
	bool same = there && strcmp(there, id) == 0;
	dbus_free(there);
	if (same)
		return bus;
	present_bus_close_other(bus);
	return NULL;
}
