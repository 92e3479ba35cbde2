#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-glue.h"
#include "direct.h"
#include "log.h"
#include "paths.h"

struct present_direct {
	DBusServer *server; /* NULL once stopped */
	char *path;
	const struct present_direct_ops *ops;
	void *data;
	GPtrArray *conns; /* struct caller *, one per accepted connection */
	bool full_said; /* the log says callers are sent away, once until there is room again */
	guint reap_source;
};

/* A caller quiet this long is not about to call: the CLI makes its calls
 * at once. One stopped (Ctrl-Z) or hung would otherwise keep the daemon
 * from ever leaving; leaving resets it, and its next call goes to the bus. */
#define QUIET_US (10 * G_USEC_PER_SEC)

struct caller {
	struct present_direct *x;
	DBusConnection *conn; /* referenced */
	gint64 heard; /* monotonic: when it connected or last sent a message */
};

/* Who may connect is the directory's and the socket's mode to decide, and
 * who may call, each call's (service.c checks the uid the kernel gave).
 * libdbus would refuse another user at the handshake by closing, which the
 * caller could not tell from a daemon that read its call and died; it gets
 * AccessDenied instead, as on the bus. */
static dbus_bool_t any_user(DBusConnection *conn, unsigned long uid, void *data)
{
	return TRUE;
}

static DBusHandlerResult on_message(DBusConnection *conn, DBusMessage *msg, void *data);

static void drop(struct caller *c)
{
	dbus_connection_remove_filter(c->conn, on_message, c);
	present_bus_glue_detach(c->conn);
	dbus_connection_close(c->conn);
	dbus_connection_unref(c->conn);
	g_free(c);
}

static gboolean reap(gpointer data)
{
	struct present_direct *x = data;
	x->reap_source = 0;
	for (guint i = x->conns->len; i-- > 0;) {
		struct caller *c = x->conns->pdata[i];
		if (dbus_connection_get_is_connected(c->conn))
			continue;
		g_ptr_array_remove_index_fast(x->conns, i);
		drop(c);
	}
	x->ops->closed(x->data);
	return G_SOURCE_REMOVE;
}

/* Replies a caller has not read are kept for it; the CLI reads each one
 * before its next call. Past this much, the caller is let go rather than
 * let the daemon's memory grow with what it sends. */
#define UNREAD_MAX (1024 * 1024)

/* A closed connection is let go from the loop, not from inside its own dispatch. */
static void reap_soon(struct present_direct *x)
{
	if (!x->reap_source)
		x->reap_source = g_idle_add(reap, x);
}

static DBusHandlerResult on_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct caller *c = data;
	struct present_direct *x = c->x;
	c->heard = g_get_monotonic_time();
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		reap_soon(x);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (!dbus_connection_get_is_connected(conn))
		return DBUS_HANDLER_RESULT_HANDLED; /* let go: what it sent before is not served */
	long unread = dbus_connection_get_outgoing_size(conn);
	if (unread <= UNREAD_MAX)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	present_log("warning", "a caller on %s reads none of its replies (%ld bytes waiting): it is let go", x->path,
		unread);
	dbus_connection_close(conn);
	reap_soon(x);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* Callers at once: the CLI makes one each, and few run together. A process
 * that opened more and never called would take every descriptor the
 * daemon has, its own work's included. */
#define CALLERS_MAX 64

/* Room for one more caller, made by letting go of those quiet for long;
 * false when all are heard from. */
static bool room_for_one(struct present_direct *x)
{
	gint64 now = g_get_monotonic_time();
	for (guint i = x->conns->len; x->conns->len >= CALLERS_MAX && i-- > 0;) {
		struct caller *c = x->conns->pdata[i];
		if (now - c->heard < QUIET_US)
			continue;
		g_ptr_array_remove_index_fast(x->conns, i);
		drop(c);
	}
	return x->conns->len < CALLERS_MAX;
}

static void on_connection(DBusServer *server, DBusConnection *conn, void *data)
{
	struct present_direct *x = data;
	/* Not referenced, libdbus closes it: the caller goes to the bus. */
	if (!room_for_one(x)) {
		if (!x->full_said)
			present_log("warning", "%u callers on %s already: more are sent to the bus", x->conns->len,
				x->path);
		x->full_said = true;
		return;
	}
	x->full_said = false;
	struct caller *c = g_new(struct caller, 1);
	*c = (struct caller){x, conn, g_get_monotonic_time()};
	dbus_connection_set_unix_user_function(conn, any_user, NULL, NULL);
	if (!dbus_connection_add_filter(conn, on_message, c, NULL)) {
		g_free(c);
		return;
	}
	if (!x->ops->serve(conn, x->data)) {
		dbus_connection_remove_filter(conn, on_message, c);
		g_free(c);
		return;
	}
	dbus_connection_ref(conn);
	g_ptr_array_add(x->conns, c);
	present_bus_glue_attach(conn, NULL);
}

struct present_direct *present_direct_open(const char *path, const struct present_direct_ops *ops, void *data,
	char **ret_error)
{
	static const char *mechanisms[] = {"EXTERNAL", NULL};
	char *dir = g_path_get_dirname(path);
	int r = present_path_ensure_private_dir(dir);
	if (r < 0) {
		if (asprintf(ret_error, "cannot make %s private: %s", dir, strerror(-r)) < 0)
			*ret_error = NULL;
		g_free(dir);
		return NULL;
	}
	g_free(dir);

	char *escaped = dbus_address_escape_value(path);
	char *address = escaped ? g_strconcat("unix:path=", escaped, NULL) : NULL;
	dbus_free(escaped);
	DBusError err;
	dbus_error_init(&err);
	/* A socket left by a daemon that died is replaced: the name is ours now. */
	DBusServer *server = address ? dbus_server_listen(address, &err) : NULL;
	g_free(address);
	if (!server) {
		if (asprintf(ret_error, "cannot listen at %s: %s", path,
			    dbus_error_is_set(&err) ? err.message : "out of memory") < 0)
			*ret_error = NULL;
		dbus_error_free(&err);
		return NULL;
	}

	/* The directory keeps others out already; the socket says the same. */
	if (chmod(path, 0600) < 0)
		present_log("warning", "cannot make %s private: %s", path, strerror(errno));

	struct present_direct *x = g_new0(struct present_direct, 1);
	x->server = server;
	x->path = g_strdup(path);
	x->ops = ops;
	x->data = data;
	x->conns = g_ptr_array_new();
	if (!dbus_server_set_auth_mechanisms(server, mechanisms) || !present_bus_glue_attach_server(server, NULL)) {
		present_direct_free(x);
		if (asprintf(ret_error, "cannot listen at %s: out of memory", path) < 0)
			*ret_error = NULL;
		return NULL;
	}
	dbus_server_set_new_connection_function(server, on_connection, x, NULL);
	return x;
}

static void stop(struct present_direct *x)
{
	if (!x || !x->server)
		return;
	dbus_server_disconnect(x->server);
	dbus_server_unref(x->server);
	x->server = NULL;
	/* libdbus removes its socket too; a file left means no one is listening. */
	if (unlink(x->path) < 0 && errno != ENOENT)
		present_log("warning", "cannot remove %s: %s", x->path, strerror(errno));
}

bool present_direct_busy(const struct present_direct *x)
{
	gint64 now = g_get_monotonic_time();
	for (guint i = 0; x && i < x->conns->len; i++) {
		const struct caller *c = x->conns->pdata[i];
		if (now - c->heard < QUIET_US)
			return true;
	}
	return false;
}

void present_direct_free(struct present_direct *x)
{
	if (!x)
		return;
	stop(x);
	if (x->reap_source)
		g_source_remove(x->reap_source);
	for (guint i = 0; i < x->conns->len; i++)
		drop(x->conns->pdata[i]);
	g_ptr_array_free(x->conns, TRUE);
	g_free(x->path);
	g_free(x);
}
