#include <dbus/dbus.h>
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "store-fixture.h"
#include "store.h"

/*
 * Capture as the daemon runs it: a monitor on a private session bus (one
 * for the whole program), the real writer thread and store. The monitor's
 * connection is read only where a test runs the main context, or at the
 * stop; messages built here go to present_capture_message() directly.
 */

#define NOTIFY_IFACE "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define GTK_IFACE "org.gtk.Notifications"
#define PORTAL_IFACE "org.freedesktop.portal.Notification"
#define IMPL_IFACE "org.freedesktop.impl.portal.Notification"
/* The connections of a sandboxed app, of the portal, and of its backend: names the bus never gives, as it
 * gives ":1.N" to the connection each test makes (the capture ignores its own), N growing with the tests. */
#define APP ":9.50"
#define PORTAL ":9.20"
#define BACKEND ":9.21"
#define WAIT_US (10 * G_USEC_PER_SEC)

/* Memory runs out on demand: this many strdup() calls to come fail. */
static gint strdup_failures;

char *strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = NULL;
	int left;
	do {
		left = g_atomic_int_get(&strdup_failures);
	} while (left > 0 && !g_atomic_int_compare_and_exchange(&strdup_failures, left, left - 1));
	if (left <= 0 && (copy = malloc(len))) {
		memcpy(copy, s, len);
	}
	return copy;
}

/* The clocks as a test sets them: the wall clock stepped, and a sleep that
 * the wall clock and CLOCK_BOOTTIME count and CLOCK_MONOTONIC does not. */
static _Atomic gint64 wall_step_us, asleep_us;

static gint64 real_us(clockid_t id)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, id, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gint64 g_get_real_time(void)
{
	return real_us(CLOCK_REALTIME) + wall_step_us + asleep_us;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (syscall(SYS_clock_gettime, id, ts) < 0)
		return -1;
	if (id == CLOCK_BOOTTIME) {
		gint64 us = (gint64)ts->tv_sec * G_USEC_PER_SEC + ts->tv_nsec / 1000 + asleep_us;
		*ts = (struct timespec){.tv_sec = us / G_USEC_PER_SEC, .tv_nsec = us % G_USEC_PER_SEC * 1000};
	}
	return 0;
}

struct fixture {
	char *dir, *path;
	DBusConnection *bus; /* the daemon's own connection */
	struct present_capture *cap;
	int64_t session;
};

static const char *const mail_apps[] = {"org.gnome.Geary", NULL};
static const char *const people_apps[] = {"org.gnome.Fractal", "org.telegram.desktop", NULL};
static const char *const ignore_apps[] = {"com.spotify.Client", NULL};

static DBusConnection *connect_bus(void)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!conn) {
		g_error("session bus: %s", err.message);
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	return conn;
}

static void close_bus(DBusConnection *conn)
{
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

static void setup(struct fixture *f, gconstpointer data)
{
	store_fixture_make("present-capture-XXXXXX", &f->dir, &f->path, &f->session);

	f->bus = connect_bus();
	char *error = NULL;
	struct present_capture_rules rules = {
		.lists = {.mail_apps = mail_apps, .people_apps = people_apps, .ignore_apps = ignore_apps},
		.ack_within = 3600,
		.answer_within = 86400,
	};
	f->cap = present_capture_start(f->bus, present_capture_spare_make(f->path), NULL, f->session, &rules, &error);
	if (!f->cap) {
		g_error("capture: %s", error);
	}
}

/* Ends the capture (it writes what is queued), as the end of a session does. */
static void stop(struct fixture *f)
{
	present_capture_stop(f->cap);
	f->cap = NULL;
}

static void teardown(struct fixture *f, gconstpointer data)
{
	wall_step_us = asleep_us = 0;
	present_capture_stop(f->cap);
	close_bus(f->bus);
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_free(f->path);
	g_free(f->dir);
}

/* The rows sql selects, a line each, columns joined by "|" (NULL as "-"). */
static char *rows(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	GString *out = g_string_new(NULL);
	g_assert_cmpint(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			g_string_append_printf(out, "%s%s", i ? "|" : "", v ? v : "-");
		}
		g_string_append_c(out, '\n');
	}
	g_assert_cmpint(rc, ==, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return g_string_free(out, FALSE);
}

static void assert_rows(struct fixture *f, const char *sql, const char *expected)
{
	char *got = rows(f, sql);
	g_assert_cmpstr(got, ==, expected);
	g_free(got);
}

/* The target of fd ("socket:[inode]"), or NULL once it is closed. */
static char *fd_target(int fd)
{
	char *link = g_strdup_printf("/proc/self/fd/%d", fd);
	char *target = g_file_read_link(link, NULL);
	g_free(link);
	return target;
}

/* The monitor's socket: the one socket of this process that is not one of the given connections. */
static int monitor_fd(DBusConnection *const *known, size_t n_known)
{
	GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;
	int found = -1;
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir))) {
		int fd = atoi(name);
		char *target = fd_target(fd);
		bool ours = !target || !g_str_has_prefix(target, "socket:");
		for (size_t i = 0; !ours && i < n_known; i++) {
			int conn_fd;
			ours = dbus_connection_get_socket(known[i], &conn_fd) && conn_fd == fd;
		}
		g_free(target);
		if (!ours) {
			g_assert_cmpint(found, ==, -1);
			found = fd;
		}
	}
	g_dir_close(dir);
	g_assert_cmpint(found, >=, 0);
	return found;
}

/* Waits for the bus to have copied at least bytes to the monitor's socket. */
static void wait_readable(int fd, int bytes)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	int waiting = 0;
	while (ioctl(fd, FIONREAD, &waiting) == 0 && waiting < bytes) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(1000);
	}
	g_assert_cmpint(waiting, >=, bytes);
}

/* A Notify, with the pixels of a side x side RGBA icon unless side is 0,
 * the desktop entry as its hint, or else the sender's pid unless 0. */
static DBusMessage *notify_message(const char *destination, const char *app, const char *entry,
	dbus_uint32_t replaces, const char *summary, const char *body, dbus_int32_t side, dbus_int64_t pid)
{
	DBusMessage *msg = dbus_message_new_method_call(destination, NOTIFY_PATH, NOTIFY_IFACE, "Notify");
	const char *icon = "";
	dbus_int32_t timeout = -1;
	DBusMessageIter it, array, hints, entry_it, variant, image;
	dbus_message_iter_init_append(msg, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &icon);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &summary);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &body);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &array);
	dbus_message_iter_close_container(&it, &array);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &hints);
	const char *key = entry ? "desktop-entry" : "sender-pid";
	if (entry || pid) {
		dbus_message_iter_open_container(&hints, DBUS_TYPE_DICT_ENTRY, NULL, &entry_it);
		dbus_message_iter_append_basic(&entry_it, DBUS_TYPE_STRING, &key);
		dbus_message_iter_open_container(&entry_it, DBUS_TYPE_VARIANT, entry ? "s" : "x", &variant);
		if (entry) {
			dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &entry);
		} else {
			dbus_message_iter_append_basic(&variant, DBUS_TYPE_INT64, &pid);
		}
		dbus_message_iter_close_container(&entry_it, &variant);
		dbus_message_iter_close_container(&hints, &entry_it);
	}
	if (side) {
		dbus_int32_t stride = side * 4, bits = 8, channels = 4;
		dbus_bool_t alpha = TRUE;
		unsigned char *data = g_malloc0((gsize)stride * (gsize)side);
		const unsigned char *p = data;
		key = "image-data";
		dbus_message_iter_open_container(&hints, DBUS_TYPE_DICT_ENTRY, NULL, &entry_it);
		dbus_message_iter_append_basic(&entry_it, DBUS_TYPE_STRING, &key);
		dbus_message_iter_open_container(&entry_it, DBUS_TYPE_VARIANT, "(iiibiiay)", &variant);
		dbus_message_iter_open_container(&variant, DBUS_TYPE_STRUCT, NULL, &image);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_INT32, &side);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_INT32, &side);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_INT32, &stride);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_BOOLEAN, &alpha);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_INT32, &bits);
		dbus_message_iter_append_basic(&image, DBUS_TYPE_INT32, &channels);
		dbus_message_iter_open_container(&image, DBUS_TYPE_ARRAY, "y", &array);
		dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &p, stride * side);
		g_free(data);
		dbus_message_iter_close_container(&image, &array);
		dbus_message_iter_close_container(&variant, &image);
		dbus_message_iter_close_container(&entry_it, &variant);
		dbus_message_iter_close_container(&hints, &entry_it);
	}
	dbus_message_iter_close_container(&it, &hints);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &timeout);
	return msg;
}

/* A Notify as Thunderbird sends it. */
static DBusMessage *notify_call(const char *destination, const char *summary, bool pixels)
{
	return notify_message(destination, "Thunderbird", "thunderbird", 0, summary, "Invoice Q3 from Ana Lima",
		pixels ? 48 : 0, 0);
}

/* Sends msg on conn (taken) and returns its size as sent. */
static int send_counted(DBusConnection *conn, DBusMessage *msg)
{
	char *bytes = NULL;
	int len = 0;
	dbus_message_set_no_reply(msg, TRUE);
	g_assert_true(dbus_connection_send(conn, msg, NULL));
	g_assert_true(dbus_message_marshal(msg, &bytes, &len));
	dbus_free(bytes);
	dbus_message_unref(msg);
	return len;
}

/* Hands msg (taken) to capture as the monitor would: from sender, numbered by it. */
static void seen(struct fixture *f, DBusMessage *msg, const char *sender)
{
	static dbus_uint32_t serial = 100;
	g_assert_true(dbus_message_set_sender(msg, sender));
	dbus_message_set_serial(msg, serial++);
	present_capture_message(f->cap, msg);
	dbus_message_unref(msg);
}

static void add_text(DBusMessageIter *dict, const char *key, const char *value)
{
	DBusMessageIter entry, variant;
	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "s", &variant);
	dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &value);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(dict, &entry);
}

/* AddNotification on iface: the portal's names no app (app is NULL), the others do. */
static void add_in(struct fixture *f, const char *sender, const char *iface, const char *app, const char *id,
	const char *title, const char *body, const char *category)
{
	DBusMessage *msg = dbus_message_new_method_call("org.example.Server", "/org/example", iface, "AddNotification");
	DBusMessageIter it, dict;
	dbus_message_iter_init_append(msg, &it);
	if (app) {
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
	}
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &id);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	add_text(&dict, "title", title);
	add_text(&dict, "body", body);
	if (category) {
		add_text(&dict, "category", category);
	}
	dbus_message_iter_close_container(&it, &dict);
	seen(f, msg, sender);
}

static void add(struct fixture *f, const char *sender, const char *iface, const char *app, const char *id,
	const char *title, const char *body)
{
	add_in(f, sender, iface, app, id, title, body, NULL);
}

/* RemoveNotification on iface, as add() adds. */
static void remove_note(struct fixture *f, const char *sender, const char *iface, const char *app, const char *id)
{
	DBusMessage *msg = dbus_message_new_method_call("org.example.Server", "/org/example", iface, "RemoveNotification");
	DBusMessageIter it;
	dbus_message_iter_init_append(msg, &it);
	if (app) {
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
	}
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &id);
	seen(f, msg, sender);
}

/* A Notify from sender under app's name, and server's answer to it: server_id, or an error when 0. */
static void answered_as(struct fixture *f, const char *sender, const char *app, const char *entry,
	dbus_uint32_t replaces, const char *summary, const char *body, const char *server, dbus_uint32_t server_id)
{
	DBusMessage *call = notify_message(NOTIFY_IFACE, app, entry, replaces, summary, body, 0, 0);
	seen(f, dbus_message_ref(call), sender);
	DBusMessage *reply = server_id ? dbus_message_new_method_return(call)
				       : dbus_message_new_error(call, "org.freedesktop.Notifications.Error.Full", "full");
	g_assert_true(dbus_message_set_destination(reply, sender));
	if (server_id) {
		dbus_message_append_args(reply, DBUS_TYPE_UINT32, &server_id, DBUS_TYPE_INVALID);
	}
	seen(f, reply, server);
	dbus_message_unref(call);
}

static void answered(struct fixture *f, const char *sender, const char *entry, dbus_uint32_t replaces,
	const char *summary, const char *body, const char *server, dbus_uint32_t server_id)
{
	answered_as(f, sender, "Fractal", entry, replaces, summary, body, server, server_id);
}

/* A Notify from sender, and the server's answer to it: server_id. */
static void notified(struct fixture *f, const char *sender, const char *entry, dbus_uint32_t replaces,
	const char *summary, const char *body, dbus_uint32_t server_id)
{
	answered(f, sender, entry, replaces, summary, body, ":9.5", server_id);
}

/* NotificationClosed(server_id, reason 1: it expired), as sender emits it. */
static void closed(struct fixture *f, const char *sender, dbus_uint32_t server_id)
{
	DBusMessage *msg = dbus_message_new_signal(NOTIFY_PATH, NOTIFY_IFACE, "NotificationClosed");
	dbus_uint32_t reason = 1;
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &server_id, DBUS_TYPE_UINT32, &reason, DBUS_TYPE_INVALID);
	seen(f, msg, sender);
}

/* CloseNotification(server_id), as an app calls it. */
static void withdrawn(struct fixture *f, const char *sender, dbus_uint32_t server_id)
{
	DBusMessage *msg = dbus_message_new_method_call(NOTIFY_IFACE, NOTIFY_PATH, NOTIFY_IFACE, "CloseNotification");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &server_id, DBUS_TYPE_INVALID);
	seen(f, msg, sender);
}

/* Alerts sent just before the end, still unread in the monitor's socket,
 * are held, however large: a Notify with an icon's pixels is larger than
 * what one read takes. */
static void test_drained_at_the_end(struct fixture *f, gconstpointer data)
{
	DBusConnection *app = connect_bus(), *server = connect_bus();
	DBusConnection *known[] = {f->bus, app, server};
	int fd = monitor_fd(known, G_N_ELEMENTS(known));
	const char *to = dbus_bus_get_unique_name(server);
	int bytes = send_counted(app, notify_call(to, "Acme: 1 new message", true));
	bytes += send_counted(app, notify_call(to, "Acme: 2 new messages", false));
	dbus_connection_flush(app);
	/* Each copy the monitor gets is larger than what was sent: the bus adds the sender. */
	wait_readable(fd, bytes);
	stop(f);
	assert_rows(f, "SELECT app, summary FROM alerts ORDER BY id",
		"thunderbird|Acme: 1 new message\n"
		"thunderbird|Acme: 2 new messages\n");
	close_bus(app);
	close_bus(server);
}

/* Waits until conn has received n Notify calls: the bus has then queued
 * its copy of each for the monitor too. */
static void received(DBusConnection *conn, int n)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	while (n > 0) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		dbus_connection_read_write(conn, 100);
		DBusMessage *msg;
		while ((msg = dbus_connection_pop_message(conn))) {
			n -= dbus_message_is_method_call(msg, NOTIFY_IFACE, "Notify");
			dbus_message_unref(msg);
		}
	}
}

/* The bus's own process, from the other end of conn's socket. */
static pid_t bus_pid(DBusConnection *conn)
{
	int fd;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	g_assert_true(dbus_connection_get_socket(conn, &fd));
	g_assert_cmpint(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len), ==, 0);
	return cred.pid;
}

struct held_still {
	pid_t bus;
	int fd;
};

/* Lets the bus go on once the monitor's socket has been emptied, and a
 * little later: on a busy machine the bus is that late to send the rest. */
static gpointer go_on_once_read(gpointer data)
{
	struct held_still *h = data;
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	int waiting = 1;
	while (ioctl(h->fd, FIONREAD, &waiting) == 0 && waiting > 0 && g_get_monotonic_time() < deadline)
		g_usleep(100);
	g_usleep(5000);
	kill(h->bus, SIGCONT);
	return NULL;
}

/* More than the monitor's socket holds, queued by the bus for it as the
 * session ends: an alert with a photo of 1 MiB, and after it a flood that
 * a loop busy elsewhere (a slow put-back) let pile up. The bus sends the
 * rest only as the socket empties, and not at once: an empty socket is not
 * the end of what it has. */
static void test_drained_at_the_end_more_than_the_socket_holds(struct fixture *f, gconstpointer data)
{
	DBusConnection *app = connect_bus(), *server = connect_bus();
	DBusConnection *known[] = {f->bus, app, server};
	int fd = monitor_fd(known, G_N_ELEMENTS(known));
	const char *to = dbus_bus_get_unique_name(server);
	send_counted(app, notify_message(to, "Signal", "signal", 0, "Ana", "a photo", 512, 0));
	for (int i = 0; i < 300; i++) {
		char *summary = g_strdup_printf("Bob %d", i);
		send_counted(app, notify_message(to, "Signal", "signal", 0, summary, "call me", 0, 0));
		g_free(summary);
	}
	dbus_connection_flush(app);
	received(server, 301);
	struct held_still h = {bus_pid(f->bus), fd};
	g_assert_cmpint(kill(h.bus, SIGSTOP), ==, 0);
	GThread *thread = g_thread_new("go-on", go_on_once_read, &h);
	stop(f);
	g_thread_join(thread);
	assert_rows(f, "SELECT count(*), min(summary) FROM alerts", "301|Ana\n");
	close_bus(app);
	close_bus(server);
}

/* The monitor loses its connection and is not back when the session ends:
 * the store must not claim that everything was watched. */
static void test_gap_open_at_the_end(struct fixture *f, gconstpointer data)
{
	DBusConnection *known[] = {f->bus};
	int fd = monitor_fd(known, G_N_ELEMENTS(known));
	char *socket = fd_target(fd);
	int64_t before = g_get_real_time() / 1000;
	g_assert_cmpint(shutdown(fd, SHUT_RDWR), ==, 0);
	/* Until the monitor has closed its end; its first try to reconnect is
	 * later than that, and the loop is not run again. */
	char *now;
	while (g_strcmp0(now = fd_target(fd), socket) == 0) {
		g_free(now);
		g_main_context_iteration(NULL, TRUE);
	}
	g_free(now);
	stop(f);
	int64_t after = g_get_real_time() / 1000;
	assert_rows(f, "SELECT session_id, reason FROM capture_gaps", "1|the monitor connection was lost\n");
	char *bounds = g_strdup_printf("SELECT count(*) FROM capture_gaps WHERE %" G_GINT64_FORMAT
				       " <= started_at AND started_at <= ended_at AND ended_at <= %" G_GINT64_FORMAT,
		before, after);
	assert_rows(f, bounds, "1\n");
	g_free(bounds);
	g_free(socket);
}

/* Two scripts that say the same, each from a connection of its own
 * (notify-send from a timer), 3 s apart: two alerts, whether the wall clock
 * was set back a minute in between (it has the second come first), or the
 * machine slept those 3 s (the monotonic clock stood still). */
static void test_the_same_text_seconds_apart_is_two_alerts(struct fixture *f, gconstpointer data)
{
	answered_as(f, ":9.60", "notify-send", NULL, 0, "Backup", "done", ":9.5", 1);
	asleep_us = 3 * G_USEC_PER_SEC;
	wall_step_us = -60 * G_USEC_PER_SEC;
	answered_as(f, ":9.61", "notify-send", NULL, 0, "Backup", "done", ":9.5", 2);
	wall_step_us = 0;
	answered_as(f, ":9.62", "notify-send", NULL, 0, "Sync", "done", ":9.5", 3);
	asleep_us = 6 * G_USEC_PER_SEC;
	answered_as(f, ":9.63", "notify-send", NULL, 0, "Sync", "done", ":9.5", 4);
	stop(f);
	assert_rows(f, "SELECT caller, summary, server_id FROM alerts ORDER BY id",
		":9.60|Backup|1\n:9.61|Backup|2\n:9.62|Sync|3\n:9.63|Sync|4\n");
}

/* One sandboxed app, two notifications with the same text: two alerts,
 * each with its hops (the portal's, then its backend's). */
static void test_same_text_twice_from_a_sandboxed_app(struct fixture *f, gconstpointer data)
{
	add(f, APP, PORTAL_IFACE, NULL, "msg-1", "Ana", "ok");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "msg-1", "Ana", "ok");
	add(f, APP, PORTAL_IFACE, NULL, "msg-2", "Ana", "ok");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "msg-2", "Ana", "ok");
	stop(f);
	assert_rows(f, "SELECT path, caller, app, notification_id, summary, body, updates FROM alerts ORDER BY id",
		"portal|" APP "|org.gnome.Fractal|msg-1|Ana|ok|0\n"
		"portal|" APP "|org.gnome.Fractal|msg-2|Ana|ok|0\n");
}

/* Two sandboxed apps with the same text at once: two alerts, whichever
 * backend hop comes first. */
static void test_same_text_from_two_sandboxed_apps(struct fixture *f, gconstpointer data)
{
	add(f, ":9.50", PORTAL_IFACE, NULL, "a", "New message", "");
	add(f, ":9.51", PORTAL_IFACE, NULL, "b", "New message", "");
	add(f, PORTAL, IMPL_IFACE, "im.dino.Dino", "b", "New message", "");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "a", "New message", "");
	stop(f);
	assert_rows(f, "SELECT path, caller, app, notification_id, updates FROM alerts ORDER BY id",
		"portal|:9.50|org.gnome.Fractal|a|0\n"
		"portal|:9.51|im.dino.Dino|b|0\n");
}

/* A sandboxed chat app's alert: the portal's hop names no app, the later
 * hops do, and the app makes it a message from a person (people_apps). One
 * that was a person's message from its first hop on is owed once. */
static void test_later_hop_names_the_app(struct fixture *f, gconstpointer data)
{
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	add(f, BACKEND, GTK_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	add_in(f, ":9.51", PORTAL_IFACE, NULL, "m1", "Bob", "lunch?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "im.dino.Dino", "m1", "Bob", "lunch?", "im.received");
	stop(f);
	assert_rows(f, "SELECT id, path, app, class, rule, updates, updated_at, owed_id FROM alerts ORDER BY id",
		"1|portal|org.gnome.Fractal|person|person: org.gnome.Fractal is in people_apps|0|-|1\n"
		"2|portal|im.dino.Dino|person|person: category im.received|0|-|2\n");
	assert_rows(f, "SELECT id, kind, app, sender, subject, count, state FROM owed ORDER BY id",
		"1|person|org.gnome.Fractal|Ana|are you free?|1|owed\n"
		"2|person|im.dino.Dino|Bob|lunch?|1|owed\n");
}

/* A sandboxed chat app that sets a category is owed from the portal's hop
 * on, before any hop names it: each message opened an item without a name,
 * then named it, and one person's chat was one item per message. And an
 * alert whose naming hop never comes still keeps its response owed. */
static void test_sandboxed_chat_is_one_response_owed(struct fixture *f, gconstpointer data)
{
	add_in(f, APP, PORTAL_IFACE, NULL, "m1", "Bob", "lunch?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "im.dino.Dino", "m1", "Bob", "lunch?", "im.received");
	g_usleep(2000); /* later deadlines for the later messages */
	add_in(f, APP, PORTAL_IFACE, NULL, "m2", "Bob", "at noon?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "im.dino.Dino", "m2", "Bob", "at noon?", "im.received");
	g_usleep(2000);
	add_in(f, APP, PORTAL_IFACE, NULL, "m3", "Bob", "or 1?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "im.dino.Dino", "m3", "Bob", "or 1?", "im.received");
	add_in(f, APP, PORTAL_IFACE, NULL, "m4", "Carla", "call me", "im.received");
	stop(f);
	assert_rows(f, "SELECT id, app, owed_id FROM alerts ORDER BY id",
		"1|im.dino.Dino|1\n2|im.dino.Dino|1\n3|im.dino.Dino|1\n4|-|2\n");
	/* The first message set the deadlines, the latest the subject and last_at. */
	assert_rows(f,
		"SELECT o.id, o.app, sender, subject, count, o.received_at = min(a.received_at), last_at = max(a.received_at), "
		"ack_by = min(a.received_at) + 3600000, answer_by = min(a.received_at) + 86400000 "
		"FROM owed o JOIN alerts a ON a.owed_id = o.id GROUP BY o.id ORDER BY o.id",
		"1|im.dino.Dino|Bob|or 1?|3|1|1|1|1\n2||Carla|call me|1|1|1|1|1\n");
}

/* A sandboxed app in ignore_apps (or a system app) that says its alert is a
 * message: owed at the portal's hop, which names no app, and noise once the
 * backend's hop names it. Nobody is owed for it. */
static void test_an_ignored_sandboxed_app_owes_nothing(struct fixture *f, gconstpointer data)
{
	add_in(f, APP, PORTAL_IFACE, NULL, "m1", "Bob", "lunch?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "com.spotify.Client", "m1", "Bob", "lunch?", "im.received");
	add_in(f, ":9.51", PORTAL_IFACE, NULL, "m2", "Bob", "at noon?", "im.received");
	add_in(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "m2", "Bob", "at noon?", "im.received");
	stop(f);
	assert_rows(f, "SELECT id, app, class, coalesce(owed_id, '-') FROM alerts ORDER BY id",
		"1|com.spotify.Client|noise|-\n2|org.gnome.Fractal|person|1\n");
	assert_rows(f, "SELECT id, app, sender, count FROM owed", "1|org.gnome.Fractal|Bob|1\n");
}

/* Telegram's id ends in ".desktop", which the decoder takes off a desktop
 * entry: sandboxed, through the portal to a backend that hands it to the
 * freedesktop server with that id as its entry, it is one app all the
 * same, one alert and one response owed. */
static void test_an_id_ending_in_desktop_is_one_app(struct fixture *f, gconstpointer data)
{
	add(f, APP, PORTAL_IFACE, NULL, "m1", "Fred", "ok?");
	add(f, PORTAL, IMPL_IFACE, "org.telegram.desktop", "m1", "Fred", "ok?");
	answered(f, BACKEND, "org.telegram.desktop", 0, "Fred", "ok?", ":9.5", 3);
	stop(f);
	assert_rows(f, "SELECT app, class FROM alerts", "org.telegram.desktop|person\n");
	assert_rows(f, "SELECT app, sender, count FROM owed", "org.telegram.desktop|Fred|1\n");
}

/* A sandboxed chat app updates its alert (the same id again), through the
 * portal to GNOME's backend and on to the shell: one update, each hop
 * finding the alert by its own id. */
static void test_update_through_hops_once(struct fixture *f, gconstpointer data)
{
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	add(f, BACKEND, GTK_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free at 3?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free at 3?");
	add(f, BACKEND, GTK_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free at 3?");
	stop(f);
	assert_rows(f, "SELECT id, path, app, body, class, updates FROM alerts",
		"1|portal|org.gnome.Fractal|are you free at 3?|person|1\n");
	assert_rows(f, "SELECT id, app, sender, subject, count FROM owed",
		"1|org.gnome.Fractal|Ana|are you free at 3?|2\n");
}

/* The same through a backend that hands alerts to the freedesktop server,
 * its update replacing the server's id. */
static void test_update_through_notify_once(struct fixture *f, gconstpointer data)
{
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	notified(f, BACKEND, "org.gnome.Fractal", 0, "Ana", "are you free?", 7);
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free at 3?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free at 3?");
	notified(f, BACKEND, "org.gnome.Fractal", 7, "Ana", "are you free at 3?", 7);
	stop(f);
	assert_rows(f, "SELECT id, path, app, body, class, updates, server_id FROM alerts",
		"1|portal|org.gnome.Fractal|are you free at 3?|person|1|7\n");
	assert_rows(f, "SELECT id, app, sender, count FROM owed", "1|org.gnome.Fractal|Ana|2\n");
}

/* replay.mode "each" shows held alerts again under their apps' names; a
 * session started just before they go out must not hold them again. */
static void test_own_replay_is_not_an_alert(struct fixture *f, gconstpointer data)
{
	seen(f, notify_message(NOTIFY_IFACE, "Thunderbird", NULL, 0, "Acme: 1 new message", "", 0, getpid()), ":9.9");
	seen(f, notify_message(NOTIFY_IFACE, "Evolution", NULL, 0, "Acme: 1 new message", "", 0, getpid() + 1),
		":9.10");
	stop(f);
	assert_rows(f, "SELECT app_name FROM alerts", "Evolution\n");
}

/* Geary shows new mail under one id, and takes it back once read: the next
 * mail under that id is a new alert, and the one withdrawn stays so. The
 * same for a sandboxed app, whose withdrawal crosses the portal's hops. */
static void test_id_used_again_after_withdrawal(struct fixture *f, gconstpointer data)
{
	add(f, ":9.60", GTK_IFACE, "org.gnome.Geary", "email-arrived", "Bob Stone", "Invoice 2211");
	remove_note(f, ":9.60", GTK_IFACE, "org.gnome.Geary", "email-arrived");
	add(f, ":9.60", GTK_IFACE, "org.gnome.Geary", "email-arrived", "Carla Souza", "Lunch");
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "are you free?");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "are you free?");
	remove_note(f, APP, PORTAL_IFACE, NULL, "n1");
	remove_note(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1");
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Ana", "call me");
	add(f, PORTAL, IMPL_IFACE, "org.gnome.Fractal", "n1", "Ana", "call me");
	stop(f);
	assert_rows(f,
		"SELECT id, path, app, summary, body, updates, withdrawn_at IS NOT NULL, class FROM alerts ORDER BY id",
		"1|gtk|org.gnome.Geary|Bob Stone|Invoice 2211|0|1|mail\n"
		"2|gtk|org.gnome.Geary|Carla Souza|Lunch|0|0|mail\n"
		"3|portal|org.gnome.Fractal|Ana|are you free?|0|1|person\n"
		"4|portal|org.gnome.Fractal|Ana|call me|0|0|person\n");
}

/* A server's ids are only its count: another app's call with one, out of
 * date (the server restarted and counts again) or guessed, neither updates
 * nor takes back the alert it now names, and only the server that gave an
 * id closes it. Updates from a new process under the same name (notify-send
 * -r) are updates. */
static void test_ids_name_one_apps_alerts(struct fixture *f, gconstpointer data)
{
	answered_as(f, ":9.80", "Fractal", "org.gnome.Fractal", 0, "Ana", "call me", ":9.5", 5);
	answered_as(f, ":9.81", "Geary", "org.gnome.Geary", 5, "Bob Stone", "Invoice 2211", ":9.5", 6);
	withdrawn(f, ":9.81", 5);
	closed(f, ":9.99", 5);
	answered_as(f, ":9.82", "notify-send", NULL, 0, "Backup", "10%", ":9.5", 9);
	answered_as(f, ":9.83", "notify-send", NULL, 9, "Backup", "50%", ":9.5", 9);
	stop(f);
	assert_rows(f,
		"SELECT id, app_name, body, updates, withdrawn_at IS NOT NULL, closed_reason, server_id FROM alerts "
		"ORDER BY id",
		"1|Fractal|call me|0|0|-|5\n"
		"2|Geary|Invoice 2211|0|0|-|6\n"
		"3|notify-send|50%|1|0|-|9\n");
	assert_rows(f, "SELECT app, sender, count FROM owed ORDER BY id",
		"org.gnome.Fractal|Ana|1\n"
		"org.gnome.Geary|Bob Stone|1\n");
}

/* A flood keeps the latest alerts an app may update, not every one of the
 * session: updating one from before the last five thousand is a new alert. */
static void test_a_flood_is_forgotten_but_for_its_latest(struct fixture *f, gconstpointer data)
{
	answered_as(f, ":9.80", "notify-send", NULL, 0, "Backup", "started", ":9.5", 1);
	for (dbus_uint32_t i = 2; i <= 10002; i++) {
		char body[32];
		snprintf(body, sizeof(body), "tick %u", i);
		answered_as(f, ":9.81", "flood", NULL, 0, "Flood", body, ":9.5", i);
	}
	answered_as(f, ":9.81", "flood", NULL, 10002, "Flood", "last tick", ":9.5", 10002);
	answered_as(f, ":9.80", "notify-send", NULL, 1, "Backup", "done", ":9.5", 1);
	stop(f);
	assert_rows(f, "SELECT count(*), sum(updates) FROM alerts", "10003|1\n");
	assert_rows(f, "SELECT body FROM alerts WHERE id IN (1, 10002, 10003) ORDER BY id",
		"started\nlast tick\ndone\n");
}

/* An update the server numbered anew (the alert it replaced had expired):
 * the alert goes by the new id from then on, as the server does, and the
 * old one names a new alert, as it does for the server. */
static void test_an_update_numbered_anew_goes_by_its_new_id(struct fixture *f, gconstpointer data)
{
	answered_as(f, ":9.80", "notify-send", NULL, 0, "Backup", "10%", ":9.5", 1);
	answered_as(f, ":9.80", "notify-send", NULL, 1, "Backup", "50%", ":9.5", 2);
	answered_as(f, ":9.80", "notify-send", NULL, 2, "Backup", "90%", ":9.5", 2);
	answered_as(f, ":9.80", "notify-send", NULL, 1, "Backup", "done", ":9.5", 3);
	stop(f);
	assert_rows(f, "SELECT id, body, updates, server_id FROM alerts ORDER BY id", "1|90%|2|2\n2|done|0|3\n");
}

/* The same calls from the app that sent it and the server that numbered it. */
static void test_ids_used_by_their_own(struct fixture *f, gconstpointer data)
{
	answered_as(f, ":9.80", "Fractal", "org.gnome.Fractal", 0, "Ana", "call me", ":9.5", 5);
	answered_as(f, ":9.80", "Fractal", "org.gnome.Fractal", 5, "Ana", "call me now", ":9.5", 5);
	answered_as(f, ":9.80", "Fractal", "org.gnome.Fractal", 0, "Carla", "lunch?", ":9.5", 6);
	withdrawn(f, ":9.80", 6);
	closed(f, ":9.5", 5);
	stop(f);
	assert_rows(f, "SELECT id, body, updates, withdrawn_at IS NOT NULL, closed_reason FROM alerts ORDER BY id",
		"1|call me now|1|0|1\n"
		"2|lunch?|0|1|-\n");
}

/* Calls that asked for no answer get none: thousands of them (dbus-send without --print-reply) leave the
 * calls still waiting for theirs matched. */
static void test_no_answer_asked_waits_for_none(struct fixture *f, gconstpointer data)
{
	DBusMessage *call = notify_message(NOTIFY_IFACE, "Fractal", "org.gnome.Fractal", 0, "Ana", "call me", 0, 0);
	seen(f, dbus_message_ref(call), ":9.80");
	for (int i = 0; i < 10001; i++) {
		DBusMessage *msg = notify_message(NOTIFY_IFACE, "dbus-send", NULL, 0, "ping", "", 0, 0);
		dbus_message_set_no_reply(msg, TRUE);
		seen(f, msg, ":9.90");
	}
	DBusMessage *reply = dbus_message_new_method_return(call);
	dbus_uint32_t server_id = 5;
	g_assert_true(dbus_message_set_destination(reply, ":9.80"));
	dbus_message_append_args(reply, DBUS_TYPE_UINT32, &server_id, DBUS_TYPE_INVALID);
	seen(f, reply, ":9.5");
	dbus_message_unref(call);
	answered(f, ":9.80", "org.gnome.Fractal", 5, "Ana", "call me now", ":9.5", 5);
	stop(f);
	assert_rows(f, "SELECT id, body, updates, server_id FROM alerts WHERE app_name = 'Fractal'",
		"1|call me now|1|5\n");
}

static void collect_ignored(const char *server, uint32_t server_id, void *userdata)
{
	g_ptr_array_add(userdata, g_strdup_printf("%s %u", server, server_id));
}

static int by_text(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What present_capture_each_ignored() gives, a line each, sorted. */
static char *ignored_held(struct fixture *f)
{
	GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
	present_capture_each_ignored(f->cap, collect_ignored, found);
	g_ptr_array_sort(found, by_text);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < found->len; i++) {
		g_string_append_printf(out, "%s\n", (const char *)found->pdata[i]);
	}
	g_ptr_array_unref(found);
	return g_string_free(out, FALSE);
}

/* dunst and mako hold what comes during do-not-disturb and show it all when
 * it ends: the alerts of an app in ignore_apps that the server still holds
 * are known by the server's id and name, for the session's end to close
 * them there first. */
static void test_ignored_alerts_held_by_the_server(struct fixture *f, gconstpointer data)
{
	notified(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 2", 7);
	notified(f, ":9.71", "org.gnome.Fractal", 0, "Ana", "are you free?", 8);
	/* An update keeps its id. */
	notified(f, ":9.70", "com.spotify.Client", 7, "Now playing", "Song 3", 7);
	/* Taken back by the app, closed by the server, or refused: nothing left to close. */
	notified(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 4", 9);
	withdrawn(f, ":9.70", 9);
	notified(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 5", 10);
	closed(f, ":9.5", 10);
	answered(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 6", ":9.5", 0);
	/* Only the server that gave an id can close it: another's signal says nothing about it. */
	notified(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 7", 11);
	closed(f, ":9.99", 11);
	/* The server was replaced: the new one numbers from 1 again. */
	answered(f, ":9.70", "com.spotify.Client", 0, "Now playing", "Song 8", ":9.6", 1);
	/* A sandboxed app, named by a later hop, through a backend to the freedesktop server. */
	add(f, APP, PORTAL_IFACE, NULL, "n1", "Podcast", "Episode 12");
	add(f, PORTAL, IMPL_IFACE, "com.spotify.Client", "n1", "Podcast", "Episode 12");
	answered(f, BACKEND, "com.spotify.Client", 0, "Podcast", "Episode 12", ":9.5", 12);
	char *got = ignored_held(f);
	g_assert_cmpstr(got, ==, ":9.5 11\n:9.5 12\n:9.5 7\n:9.6 1\n");
	g_free(got);
	stop(f);
	assert_rows(f, "SELECT id, app, body, class, server_id FROM alerts ORDER BY id",
		"1|com.spotify.Client|Song 3|noise|7\n"
		"2|org.gnome.Fractal|are you free?|person|8\n"
		"3|com.spotify.Client|Song 4|noise|9\n"
		"4|com.spotify.Client|Song 5|noise|10\n"
		"5|com.spotify.Client|Song 6|noise|-\n"
		"6|com.spotify.Client|Song 7|noise|11\n"
		"7|com.spotify.Client|Song 8|noise|1\n"
		"8|com.spotify.Client|Episode 12|noise|12\n");
}

/* Memory runs out while reading who sent a mail: it is owed all the same,
 * by someone unnamed. */
static void test_owed_without_memory_for_the_sender(struct fixture *f, gconstpointer data)
{
	/* The sender's copy, then the empty name instead. */
	g_atomic_int_set(&strdup_failures, 2);
	add(f, ":9.60", GTK_IFACE, "org.gnome.Geary", "email-arrived", "Bob Stone", "Invoice 2211");
	g_assert_cmpint(g_atomic_int_get(&strdup_failures), ==, 0);
	stop(f);
	assert_rows(f, "SELECT id, app, summary, class, owed_id FROM alerts", "1|org.gnome.Geary|Bob Stone|mail|1\n");
	assert_rows(f, "SELECT id, kind, app, sender, subject, count FROM owed",
		"1|mail|org.gnome.Geary|someone|Invoice 2211|1\n");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	GTestDBus *bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
#define ADD(name, fn) g_test_add("/capture/" name, struct fixture, NULL, setup, fn, teardown)
	ADD("drained-at-the-end", test_drained_at_the_end);
	ADD("drained-at-the-end-more-than-the-socket-holds", test_drained_at_the_end_more_than_the_socket_holds);
	ADD("gap-open-at-the-end", test_gap_open_at_the_end);
	ADD("the-same-text-seconds-apart-is-two-alerts", test_the_same_text_seconds_apart_is_two_alerts);
	ADD("same-text-twice-from-a-sandboxed-app", test_same_text_twice_from_a_sandboxed_app);
	ADD("same-text-from-two-sandboxed-apps", test_same_text_from_two_sandboxed_apps);
	ADD("later-hop-names-the-app", test_later_hop_names_the_app);
	ADD("sandboxed-chat-is-one-response-owed", test_sandboxed_chat_is_one_response_owed);
	ADD("an-ignored-sandboxed-app-owes-nothing", test_an_ignored_sandboxed_app_owes_nothing);
	ADD("an-id-ending-in-desktop-is-one-app", test_an_id_ending_in_desktop_is_one_app);
	ADD("update-through-hops-once", test_update_through_hops_once);
	ADD("update-through-notify-once", test_update_through_notify_once);
	ADD("id-used-again-after-withdrawal", test_id_used_again_after_withdrawal);
	ADD("owed-without-memory-for-the-sender", test_owed_without_memory_for_the_sender);
	ADD("own-replay-is-not-an-alert", test_own_replay_is_not_an_alert);
	ADD("ignored-alerts-held-by-the-server", test_ignored_alerts_held_by_the_server);
	ADD("ids-name-one-apps-alerts", test_ids_name_one_apps_alerts);
	ADD("ids-used-by-their-own", test_ids_used_by_their_own);
	ADD("no-answer-asked-waits-for-none", test_no_answer_asked_waits_for_none);
	ADD("a-flood-is-forgotten-but-for-its-latest", test_a_flood_is_forgotten_but_for_its_latest);
	ADD("an-update-numbered-anew-goes-by-its-new-id", test_an_update_numbered_anew_goes_by_its_new_id);
	int r = g_test_run();
	g_test_dbus_down(bus);
	g_object_unref(bus);
	return r;
}
