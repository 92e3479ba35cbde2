#ifndef PRESENT_BUS_CALL_H
#define PRESENT_BUS_CALL_H

#include <dbus/dbus.h>
#include <stdbool.h>

/*
 * Blocking calls to other services on the bus, for the backends. Each names
 * the service in its error, so the message reads well where it is logged.
 * All return 0 or -errno and leave a message in *ret_error (free() it).
 * No call activates a service by being sent to it, except the settings
 * daemon Xfconf (a start asks the bus for a notification server by name,
 * where the desktop's shell is not one: present_dnd_prepare()).
 */

#define PRESENT_NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define PRESENT_NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

/** How long a notification server may take to answer before we give up on it. */
#define PRESENT_BUS_CALL_TIMEOUT_MS 5000

/**
 * Sends msg (taking it) and waits for the reply, kept in *ret_reply if that
 * is not NULL. On a D-Bus error its name goes to *ret_error_name if asked.
 */
int present_bus_send(DBusConnection *bus, DBusMessage *msg, DBusMessage **ret_reply, char **ret_error_name,
	char **ret_error);

/**
 * Sends both before either answer is awaited: a peer answers one
 * connection's calls in the order they were sent, so the second sees what
 * the first did, at the cost of one round trip. Takes both; NULL ones mean
 * memory ran out. The second's reply in *ret_reply, if the first succeeded.
 */
int present_bus_send_both(DBusConnection *bus, DBusMessage *first, DBusMessage *second, DBusMessage **ret_reply,
	char **ret_error);

/**
 * Waits for pending's answer (taking pending; NULL: the call could not be
 * sent): the reply, or NULL with err set, an error reply included.
 */
DBusMessage *present_bus_pending_reply(DBusPendingCall *pending, DBusError *err);

/** Calls dest's method; on success *ret_reply holds the reply (unref it) if ret_reply is not NULL. */
int present_bus_call(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, DBusMessage **ret_reply, char **ret_error, int first_type, ...);

/**
 * Calls dest's method (arguments as for present_bus_call()) and, right
 * behind it, read_method of the same object, which takes nothing and
 * answers the boolean put in *ret: one round trip, and the answer sees the
 * call's effect.
 */
int present_bus_call_read_back(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, const char *read_method, bool *ret, char **ret_error, int first_type, ...);

/** Reads a boolean property. */
int present_bus_get_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool *ret, char **ret_error);

/** Writes a boolean property. */
int present_bus_set_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool value, char **ret_error);

/** Writes a boolean property and reads it back, in one round trip; the value read in *ret. */
int present_bus_set_bool_read_back(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *prop, bool value, bool *ret, char **ret_error);

/** Calls a method that takes nothing and answers one boolean. */
int present_bus_call_bool(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, bool *ret, char **ret_error);

/**
 * Appends text as a string. Text that is not UTF-8 (a path from the
 * environment can be any bytes) goes as a copy with U+FFFD for each bad
 * sequence: libdbus would abort the process on it. False when out of memory.
 */
bool present_bus_append_text(DBusMessageIter *it, const char *text);

/** An error reply to call with name and message, repaired as above if not UTF-8; NULL when out of memory. */
DBusMessage *present_bus_new_error(DBusMessage *call, const char *name, const char *message);

/**
 * The unique name of the peer whose reply the last call on bus got, or NULL
 * (the call failed). Valid until the next call on bus.
 */
const char *present_bus_last_replier(DBusConnection *bus);

/** Appends a variant holding a boolean. */
bool present_bus_append_variant_bool(DBusMessageIter *it, bool value);

/** Reads a reply whose only argument is a variant holding a boolean. */
bool present_bus_read_variant_bool(DBusMessage *reply, bool *ret);

/** Whether name has an owner now (false on any error). */
bool present_bus_has_owner(DBusConnection *bus, const char *name);

/** The unique name that owns name now (free() it), or NULL: none, or any error. */
char *present_bus_owner_of(DBusConnection *bus, const char *name);

/**
 * Another session bus sharing the store (another login's), reached
 * privately at address, or NULL: its socket is gone, or another bus (not
 * of id) has it now. Close it with present_bus_close_other().
 */
DBusConnection *present_bus_open_other(const char *address, const char *id);

/** Closes what present_bus_open_other() opened; accepts NULL. */
void present_bus_close_other(DBusConnection *bus);

/** The introspection XML of dest at path, to confirm an interface or method; free() it. NULL on failure. */
char *present_bus_introspect(DBusConnection *bus, const char *dest, const char *path);

#endif
