/*
 * bench/sink: the fastest notification server there can be, for floods: it
 * owns org.freedesktop.Notifications and answers every Notify with an id at
 * once, so that what is measured is the bus and the monitor, not a server's
 * drawing.
 */
#include <dbus/dbus.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *bus = dbus_bus_get(DBUS_BUS_SESSION, &err);
	if (!bus || dbus_bus_request_name(bus, "org.freedesktop.Notifications", DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) !=
			DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "sink: cannot own org.freedesktop.Notifications: %s\n", err.message ? err.message : "taken");
		return 1;
	}
	dbus_uint32_t next = 1;
	while (dbus_connection_read_write(bus, -1)) {
		DBusMessage *msg;
		while ((msg = dbus_connection_pop_message(bus))) {
			DBusMessage *reply = NULL;
			if (dbus_message_is_method_call(msg, "org.freedesktop.Notifications", "Notify")) {
				reply = dbus_message_new_method_return(msg);
				dbus_message_append_args(reply, DBUS_TYPE_UINT32, &next, DBUS_TYPE_INVALID);
				next++;
			} else if (dbus_message_is_method_call(msg, "org.freedesktop.Notifications", "GetServerInformation")) {
				const char *info[] = {"bench-sink", "present", "1.0", "1.2"};
				reply = dbus_message_new_method_return(msg);
				dbus_message_append_args(reply, DBUS_TYPE_STRING, &info[0], DBUS_TYPE_STRING, &info[1],
					DBUS_TYPE_STRING, &info[2], DBUS_TYPE_STRING, &info[3], DBUS_TYPE_INVALID);
			} else if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_METHOD_CALL) {
				reply = dbus_message_new_error(msg, DBUS_ERROR_UNKNOWN_METHOD, "not here");
			}
			if (reply && !dbus_message_get_no_reply(msg)) {
				dbus_connection_send(bus, reply, NULL);
			}
			if (reply)
				dbus_message_unref(reply);
			dbus_message_unref(msg);
		}
	}
	return 0;
}
