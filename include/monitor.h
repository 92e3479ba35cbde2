#ifndef PRESENT_MONITOR_H
#define PRESENT_MONITOR_H

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A private connection that has become a monitor of the session bus
 * (org.freedesktop.DBus.Monitoring.BecomeMonitor) for the messages alerts
 * travel in. It never sends anything after that (dbus-broker disconnects a
 * monitor that does). If the bus drops it, it reconnects with a growing
 * delay and reports the gap.
 */

typedef void (*present_monitor_message_fn)(DBusMessage *msg, void *userdata);
typedef void (*present_monitor_gap_fn)(int64_t from_ms, int64_t to_ms, const char *reason, void *userdata);
/* Lost (false, reconnecting) or back (true, after the gap was reported). */
typedef void (*present_monitor_watching_fn)(bool watching, void *userdata);

struct present_monitor_calls {
	present_monitor_message_fn on_message;
	present_monitor_gap_fn on_gap;
	present_monitor_watching_fn on_watching;
};

struct present_monitor;

/**
 * A private connection to the session bus, authenticated but not yet a
 * monitor: made ahead, it leaves a start only the call that becomes one.
 * NULL with *ret_error set when the bus cannot be reached.
 */
DBusConnection *present_monitor_connect(char **ret_error);

/**
 * Sends BecomeMonitor on conn without waiting for the answer, so that a
 * start can do other work meanwhile; present_monitor_create() takes it.
 * Nothing reads conn until then: what the bus copies to it in between waits
 * in the socket. NULL when memory runs out.
 */
DBusPendingCall *present_monitor_ask(DBusConnection *conn);

/**
 * Becomes a monitor on conn (taken; NULL: connects first), with the answer
 * to asked (taken; NULL: asks now). When the bus refuses, *ret_error says
 * why, and the monitor starts lost: it asks again as after a loss, and
 * reports the gap from now when it is back. NULL when memory runs out.
 */
struct present_monitor *present_monitor_create(DBusConnection *conn, DBusPendingCall *asked,
	const struct present_monitor_calls *calls, void *userdata, char **ret_error);

/**
 * Takes in what the bus sent before now, reports the gap still open if the
 * connection was lost and is not back, and disconnects; accepts NULL.
 */
void present_monitor_destroy(struct present_monitor *m);

/** Whether the bus lets present become a monitor now (else *ret_error says why): asked and let go. */
bool present_monitor_try(char **ret_error);

#endif
