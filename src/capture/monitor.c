#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bus-call.h"
#include "bus-glue.h"
#include "log.h"
#include "monitor.h"
#include "paths.h"

/* Every message an alert can travel in, on all four paths (see alerts.md). */
static const char *const rules[] = {
	"type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
	"type='method_call',interface='org.freedesktop.Notifications',member='CloseNotification'",
	"type='method_return',sender='org.freedesktop.Notifications'",
	"type='error',sender='org.freedesktop.Notifications'",
	"type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'",
	"type='signal',interface='org.freedesktop.Notifications',member='ActionInvoked'",
	"type='method_call',interface='org.gtk.Notifications'",
	"type='method_call',interface='org.freedesktop.portal.Notification'",
	"type='method_call',interface='org.freedesktop.impl.portal.Notification'",
};

#define RECONNECT_FIRST_MS 100
#define RECONNECT_MAX_MS 5000
#define DRAIN_MAX 100000
#define DRAIN_MAX_MS 2000
#define DRAIN_QUIET_MS 100
#define DRAIN_BACKLOG_BYTES (16 * 1024)
#define LOST_REASON "the monitor connection was lost"
#define NEVER_REASON "the bus did not let present watch at the start"

struct present_monitor {
	DBusConnection *conn;
	/* A reconnect under way, asked to watch and not yet answered: the loop
	 * goes on meanwhile, as a bus too slow to answer would stall it. */
	DBusConnection *joining;
	DBusPendingCall *asking;
	present_monitor_message_fn on_message;
	present_monitor_gap_fn on_gap;
	present_monitor_watching_fn on_watching;
	void *userdata;
	int64_t lost_at; /* ms; 0 while connected */
	bool never_watched; /* lost since the start: the bus did not let it watch */
	guint retry_source, teardown_source;
	guint retry_ms;
};

static int64_t now_ms(void)
{
	return g_get_real_time() / 1000;
}

static gboolean reconnect(gpointer data);

static void close_conn(DBusConnection *conn)
{
	present_bus_glue_detach(conn);
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

static void drop(struct present_monitor *m)
{
	if (m->asking) {
		dbus_pending_call_cancel(m->asking);
		dbus_pending_call_unref(m->asking);
		m->asking = NULL;
	}
	if (m->joining)
		close_conn(m->joining);
	m->joining = NULL;
	if (m->conn)
		close_conn(m->conn);
	m->conn = NULL;
}

/* The next try: soon after a loss (retry_ms 0), then each twice as late, up to RECONNECT_MAX_MS. */
static void retry(struct present_monitor *m)
{
	m->retry_ms = !m->retry_ms ? RECONNECT_FIRST_MS : MIN(m->retry_ms * 2, RECONNECT_MAX_MS);
	m->retry_source = g_timeout_add(m->retry_ms, reconnect, m);
}

/* Out of the dispatch that reported the loss, or the refusal of a reconnect:
 * the connection is still in use there. */
static gboolean teardown(gpointer data)
{
	struct present_monitor *m = data;
	m->teardown_source = 0;
	drop(m);
	retry(m);
	return G_SOURCE_REMOVE;
}

static DBusHandlerResult filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct present_monitor *m = data;
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		if (!m->lost_at) {
			m->lost_at = now_ms();
			m->retry_ms = 0;
			present_log("warning", "the alert monitor lost its connection; reconnecting");
			m->teardown_source = g_idle_add(teardown, m);
			m->on_watching(false, m->userdata);
		}
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	m->on_message(msg, m->userdata);
	/* Handled, always: a monitor must never answer a call it merely saw. */
	return DBUS_HANDLER_RESULT_HANDLED;
}

DBusConnection *present_monitor_connect(char **ret_error)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (conn) {
		dbus_connection_set_exit_on_disconnect(conn, FALSE);
		return conn;
	}
	if (asprintf(ret_error, "the alert monitor cannot connect to the session bus: %s", err.message) < 0)
		*ret_error = NULL;
	dbus_error_free(&err);
	return NULL;
}

/* Sends BecomeMonitor; the answer is the pending call's, within timeout_ms. */
static DBusPendingCall *ask(DBusConnection *conn, int timeout_ms)
{
	DBusMessage *msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
		"org.freedesktop.DBus.Monitoring", "BecomeMonitor");
	DBusMessageIter it, array;
	dbus_uint32_t flags = 0;
	bool ok = msg != NULL;
	if (ok) {
		dbus_message_iter_init_append(msg, &it);
		ok = dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &array);
		for (size_t i = 0; ok && i < sizeof(rules) / sizeof(rules[0]); i++)
			ok = dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &rules[i]);
		ok = ok && dbus_message_iter_close_container(&it, &array) &&
			dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &flags);
	}
	DBusPendingCall *pending = NULL;
	if (ok && !dbus_connection_send_with_reply(conn, msg, &pending, timeout_ms))
		pending = NULL;
	if (msg)
		dbus_message_unref(msg);
	return pending;
}

DBusPendingCall *present_monitor_ask(DBusConnection *conn)
{
	DBusPendingCall *pending = ask(conn, 5000);
	/* Out now, so that the bus works on it while we do something else. */
	if (pending)
		dbus_connection_flush(conn);
	return pending;
}

/* Takes conn (NULL: connects first) and asked (NULL: asks now). */
static DBusConnection *become_monitor(DBusConnection *conn, DBusPendingCall *asked, char **ret_error)
{
	if (!conn && !(conn = present_monitor_connect(ret_error))) {
		if (asked)
			dbus_pending_call_unref(asked);
		return NULL;
	}
	DBusPendingCall *pending = asked ? asked : present_monitor_ask(conn);
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = NULL;
	/* No call sent on a live connection: memory ran out building it. */
	if (pending || !dbus_connection_get_is_connected(conn))
		reply = present_bus_pending_reply(pending, &err);
	else
		dbus_set_error_const(&err, DBUS_ERROR_NO_MEMORY, "out of memory");
	if (!reply) {
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		if (asprintf(ret_error, "the session bus refused to let present monitor alerts: %s", err.message) < 0)
			*ret_error = NULL;
		dbus_error_free(&err);
		return NULL;
	}
	dbus_message_unref(reply);
	return conn;
}

/* A connection the bus lets monitor, made the monitor's. False when memory ran out. */
static bool take(struct present_monitor *m, DBusConnection *conn)
{
	/* Messages for other peers now come to us; libdbus must not treat them as ours. */
	dbus_connection_set_route_peer_messages(conn, TRUE);
	return dbus_connection_add_filter(conn, filter, m, NULL);
}

static bool attach(struct present_monitor *m, DBusConnection *spare, DBusPendingCall *asked, char **ret_error)
{
	DBusConnection *conn = become_monitor(spare, asked, ret_error);
	if (!conn)
		return false;
	if (!take(m, conn)) {
		*ret_error = strdup("out of memory");
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		return false;
	}
	m->conn = conn;
	present_bus_glue_attach(conn, NULL);
	return true;
}

static void back(struct present_monitor *m)
{
	int64_t from = m->lost_at;
	m->lost_at = 0;
	present_log("info", "the alert monitor is back after %lld ms", (long long)(now_ms() - from));
	m->on_gap(from, now_ms(), m->never_watched ? NEVER_REASON : LOST_REASON, m->userdata);
	m->never_watched = false;
	m->on_watching(true, m->userdata);
}

/* The bus's answer to a reconnect's BecomeMonitor. */
static void joined(DBusPendingCall *pending, void *data)
{
	struct present_monitor *m = data;
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);
	bool ok = reply && dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN;
	if (reply)
		dbus_message_unref(reply);
	dbus_pending_call_unref(m->asking);
	m->asking = NULL;
	if (!ok || !take(m, m->joining)) {
		m->teardown_source = g_idle_add(teardown, m);
		return;
	}
	m->conn = m->joining;
	m->joining = NULL;
	back(m);
}

/* A connection of its own, with Hello and BecomeMonitor sent at once and
 * answered through the loop: the session's own calls go on meanwhile. */
static bool join(struct present_monitor *m)
{
	char *address = present_path_session_bus();
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = address ? dbus_connection_open_private(address, &err) : NULL;
	dbus_error_free(&err);
	free(address);
	if (!conn)
		return false;
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	present_bus_glue_attach(conn, NULL);
	DBusMessage *hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
		"Hello");
	DBusPendingCall *said = NULL;
	bool ok = hello && dbus_connection_send_with_reply(conn, hello, &said, DBUS_TIMEOUT_USE_DEFAULT) && said;
	if (hello)
		dbus_message_unref(hello);
	/* Its answer (our name) is of no use to a monitor. */
	if (said)
		dbus_pending_call_unref(said);
	/* The answer waits on the connection's authentication and Hello too: as
	 * long as libdbus gives those, so that a bus slow but working is joined. */
	DBusPendingCall *asking = ok ? ask(conn, DBUS_TIMEOUT_USE_DEFAULT) : NULL;
	if (!asking) {
		close_conn(conn);
		return false;
	}
	m->joining = conn;
	m->asking = asking;
	/* joined() sees to what follows, whenever the answer comes. */
	if (!dbus_pending_call_set_notify(asking, joined, m, NULL)) {
		drop(m);
		return false;
	}
	return true;
}

static gboolean reconnect(gpointer data)
{
	struct present_monitor *m = data;
	m->retry_source = 0;
	if (!join(m))
		retry(m);
	return G_SOURCE_REMOVE;
}

struct present_monitor *present_monitor_create(DBusConnection *conn, DBusPendingCall *asked,
	const struct present_monitor_calls *calls, void *userdata, char **ret_error)
{
	struct present_monitor *m = calloc(1, sizeof(*m));
	if (!m) {
		if (asked)
			dbus_pending_call_unref(asked);
		if (conn) {
			dbus_connection_close(conn);
			dbus_connection_unref(conn);
		}
		return NULL;
	}
	*m = (struct present_monitor){.on_message = calls->on_message, .on_gap = calls->on_gap,
		.on_watching = calls->on_watching, .userdata = userdata};
	/* Refused now is not refused for good (a spare connection the bus dropped, a bus too busy to answer in
	 * time): not watching from the start, it keeps asking as after a loss, and the gap is recorded. */
	if (!attach(m, conn, asked, ret_error)) {
		present_log("warning", "the alert monitor is not watching yet; trying again");
		m->lost_at = now_ms();
		m->never_watched = true;
		retry(m);
	}
	return m;
}

/* What the bus copied to us before the session ended belongs to it (an
 * alert sent just before `present stop`): take it in before closing. The
 * bus refills the socket only as we empty it, and not at once: behind a
 * backlog (one Notify with an icon's pixels is larger than the socket
 * holds, and a loop that stood still, a slow put-back, lets hundreds pile
 * up), an empty socket is not the end of what it has, and reading goes on
 * until the bus has sent nothing for DRAIN_QUIET_MS. A socket that never
 * held DRAIN_BACKLOG_BYTES at once (the server's answers to the put-back,
 * an alert or two) had no backlog behind it, and costs no wait. A
 * flood cannot keep us here: what comes after DRAIN_MAX reads, or
 * DRAIN_MAX_MS, is left. */
static void drain(struct present_monitor *m)
{
	int fd = -1;
	if (m->conn && !dbus_connection_get_socket(m->conn, &fd))
		fd = -1;
	int64_t until = g_get_monotonic_time() / 1000 + DRAIN_MAX_MS;
	int most = 0; /* the most the socket held at once */
	for (int i = 0; m->conn && i < DRAIN_MAX; i++) {
		int64_t left = until - g_get_monotonic_time() / 1000;
		if (left <= 0)
			break;
		if (dbus_connection_get_dispatch_status(m->conn) == DBUS_DISPATCH_DATA_REMAINS) {
			dbus_connection_dispatch(m->conn);
			continue;
		}
		int wait = most < DRAIN_BACKLOG_BYTES ? 0 : left < DRAIN_QUIET_MS ? (int)left : DRAIN_QUIET_MS;
		struct pollfd waiting = {.fd = fd, .events = POLLIN};
		int ready = 0, polled = fd < 0 ? 0 : poll(&waiting, 1, wait);
		/* A child's exit (an on_end hook) interrupts the wait, and ends nothing. */
		if (polled < 0 && errno == EINTR)
			continue;
		if (polled <= 0 || ioctl(fd, FIONREAD, &ready) < 0 || !dbus_connection_read_write(m->conn, 0))
			break;
		most = ready > most ? ready : most;
	}
}

bool present_monitor_try(char **ret_error)
{
	DBusConnection *conn = become_monitor(NULL, NULL, ret_error);
	if (!conn)
		return false;
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	return true;
}

void present_monitor_destroy(struct present_monitor *m)
{
	if (!m)
		return;
	drain(m);
	/* Not back by the end: nothing was watched from the loss to now either. */
	if (m->lost_at)
		m->on_gap(m->lost_at, now_ms(), m->never_watched ? NEVER_REASON : LOST_REASON, m->userdata);
	if (m->retry_source)
		g_source_remove(m->retry_source);
	if (m->teardown_source)
		g_source_remove(m->teardown_source);
	drop(m);
	free(m);
}
