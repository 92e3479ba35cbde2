/*
 * bench/flood N [APP SENDERS]: sends N Notify calls as fast as the bus takes
 * them, the way a busy app does (each expects its reply), then waits for all
 * N replies. The last one's summary is "flood N-1": watchers wait for it.
 * With APP and SENDERS, the alerts come from APP and name SENDERS people in
 * turn, as a full inbox would, the way Thunderbird does: the account in the
 * summary, "<subject> from <sender>" on the body's first line.
 */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *bus = dbus_bus_get(DBUS_BUS_SESSION, &err);
	if (!bus) {
		fprintf(stderr, "flood: %s\n", err.message);
		return 1;
	}
	long senders = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	const char *app = argc > 2 ? argv[2] : "flood", *icon = "", *preview = "a line of text, about as long as a preview";
	dbus_uint32_t replaces = 0;
	dbus_int32_t timeout = -1;
	char summary[64], text[128];
	for (long i = 0; i < n; i++) {
		DBusMessage *m = dbus_message_new_method_call("org.freedesktop.Notifications",
			"/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Notify");
		const char *s = summary, *body = preview;
		if (senders > 0 && i < n - 1) {
			snprintf(summary, sizeof(summary), "Work received 1 new message");
			snprintf(text, sizeof(text), "Invoice %ld from Client %ld\n%s", i, i % senders, preview);
			body = text;
		} else {
			snprintf(summary, sizeof(summary), "flood %ld", i);
		}
		DBusMessageIter it, a, h;
		dbus_message_iter_init_append(m, &it);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &icon);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &s);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &body);
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &a);
		dbus_message_iter_close_container(&it, &a);
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &h);
		dbus_message_iter_close_container(&it, &h);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &timeout);
		dbus_connection_send(bus, m, NULL);
		dbus_message_unref(m);
		/* Keep the outgoing queue short, as the bus takes it. */
		if (i % 64 == 63)
			dbus_connection_flush(bus);
	}
	dbus_connection_flush(bus);
	long replies = 0;
	while (replies < n && dbus_connection_read_write(bus, 10000)) {
		DBusMessage *msg;
		while ((msg = dbus_connection_pop_message(bus))) {
			if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_METHOD_RETURN ||
				dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_ERROR)
				replies++;
			dbus_message_unref(msg);
		}
	}
	printf("%ld\n", replies);
	return replies == n ? 0 : 1;
}
