/*
 * present's own notifications, sent asynchronously on a connection of their
 * own: a server that hangs must never hold up the daemon (the end of a
 * session replays many at once, and each call would otherwise wait out its
 * timeout on the main loop).
 */
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notifier.h"

#define NAME "org.freedesktop.Notifications"
#define PATH "/org/freedesktop/Notifications"
/* A server that has not taken a notice by then is not going to. */
#define NOTIFY_TIMEOUT_MS 10000
/* Notifications whose action may still come; a server that never says they
 * closed must not make this grow for good. */
#define COMMANDS_MAX 64

struct present_notifier {
	int refs; /* ours, one per call under way and per signal subscription */
	bool closed; /* destroyed: calls still under way only clean up */
	GDBusConnection *bus; /* NULL until the first notice */
	guint action_signal, closed_signal, owner_signal;
	GHashTable *commands; /* the server's id -> argv to run when it is activated */
	GHashTable *shown; /* tag -> the server's id of its last notice, while not closed */
};

struct call {
	struct present_notifier *n;
	char **command;
	char *tag;
};

struct present_notifier *present_notifier_create(void)
{
	struct present_notifier *n = g_new0(struct present_notifier, 1);
	n->refs = 1;
	n->commands = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_strfreev);
	n->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return n;
}

static void unref(gpointer data)
{
	struct present_notifier *n = data;
	if (--n->refs > 0)
		return;
	if (n->bus)
		g_object_unref(n->bus);
	g_hash_table_destroy(n->commands);
	g_hash_table_destroy(n->shown);
	g_free(n);
}

static void on_action(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	const char *signal, GVariant *params, gpointer data)
{
	struct present_notifier *n = data;
	guint32 id;
	const char *action;
	if (n->closed || !g_variant_is_of_type(params, G_VARIANT_TYPE("(us)")))
		return;
	g_variant_get(params, "(u&s)", &id, &action);
	char **argv = g_hash_table_lookup(n->commands, GUINT_TO_POINTER(id));
	GError *error = NULL;
	if (argv && !g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &error)) {
		present_log("warning", "cannot run %s: %s", argv[0], error->message);
		g_error_free(error);
	}
}

static gboolean same_id(gpointer tag, gpointer id, gpointer closed)
{
	return id == closed;
}

static void on_closed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	const char *signal, GVariant *params, gpointer data)
{
	struct present_notifier *n = data;
	guint32 id, reason;
	if (n->closed || !g_variant_is_of_type(params, G_VARIANT_TYPE("(uu)")))
		return;
	g_variant_get(params, "(uu)", &id, &reason);
	g_hash_table_remove(n->commands, GUINT_TO_POINTER(id));
	g_hash_table_foreach_remove(n->shown, same_id, GUINT_TO_POINTER(id));
}

/* A new server numbers its notices afresh: an id kept from the old one
 * could name another app's alert, which we must never close. */
static void on_owner(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	const char *signal, GVariant *params, gpointer data)
{
	struct present_notifier *n = data;
	g_hash_table_remove_all(n->shown);
}

/* A connection of our own: the shared one would end the daemon (SIGTERM)
 * when the bus goes away, before it could end the session as it should. */
static bool connect_bus(struct present_notifier *n)
{
	if (n->bus && !g_dbus_connection_is_closed(n->bus))
		return true;
	if (n->bus) {
		g_dbus_connection_signal_unsubscribe(n->bus, n->action_signal);
		g_dbus_connection_signal_unsubscribe(n->bus, n->closed_signal);
		g_dbus_connection_signal_unsubscribe(n->bus, n->owner_signal);
		g_clear_object(&n->bus);
		g_hash_table_remove_all(n->shown); /* whatever happened meanwhile went unseen */
	}
	GError *error = NULL;
	char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, &error);
	if (address)
		n->bus = g_dbus_connection_new_for_address_sync(address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL,
			NULL, &error);
	g_free(address);
	if (!n->bus) {
		present_log("warning", "cannot show a notification: %s", error->message);
		g_error_free(error);
		return false;
	}
	g_dbus_connection_set_exit_on_close(n->bus, FALSE);
	n->refs += 3;
	n->action_signal = g_dbus_connection_signal_subscribe(n->bus, NAME, NAME, "ActionInvoked", PATH, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_action, n, unref);
	n->closed_signal = g_dbus_connection_signal_subscribe(n->bus, NAME, NAME, "NotificationClosed", PATH, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_closed, n, unref);
	n->owner_signal = g_dbus_connection_signal_subscribe(n->bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
		"NameOwnerChanged", "/org/freedesktop/DBus", NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_owner, n, unref);
	return true;
}

static void on_shown(GObject *source, GAsyncResult *result, gpointer data)
{
	struct call *c = data;
	struct present_notifier *n = c->n;
	GError *error = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (!reply) {
		if (!n->closed)
			present_log("warning", "cannot show a notification: %s", error->message);
		g_error_free(error);
	} else {
		guint32 id;
		g_variant_get(reply, "(u)", &id);
		if (c->command && !n->closed) {
			if (g_hash_table_size(n->commands) >= COMMANDS_MAX)
				g_hash_table_remove_all(n->commands);
			g_hash_table_replace(n->commands, GUINT_TO_POINTER(id), c->command);
			c->command = NULL;
		}
		if (c->tag && !n->closed) {
			g_hash_table_replace(n->shown, c->tag, GUINT_TO_POINTER(id));
			c->tag = NULL;
		}
		g_variant_unref(reply);
	}
	g_strfreev(c->command);
	g_free(c->tag);
	g_free(c);
	unref(n);
}

/* D-Bus strings must be UTF-8: what is not is repaired, never sent as it is. */
static char *text(const char *s)
{
	if (!s)
		return g_strdup("");
	return g_utf8_validate(s, -1, NULL) ? g_strdup(s) : g_utf8_make_valid(s, -1);
}

bool present_notify(struct present_notifier *n, const struct present_notice *notice)
{
	if (!connect_bus(n))
		return false;
	/* Servers read bodies as markup: escape, so an alert's text stays text. */
	char *raw_body = text(notice->body), *body = g_markup_escape_text(raw_body, -1);
	char *app = text(notice->app_name ? notice->app_name : "present"), *icon = text(notice->icon),
	     *summary = text(notice->summary), *label = text(notice->action_label ? notice->action_label : "Open");
	bool command = notice->command && notice->command[0];
	GVariantBuilder actions, hints;
	g_variant_builder_init(&actions, G_VARIANT_TYPE("as"));
	if (command) {
		g_variant_builder_add(&actions, "s", "default");
		g_variant_builder_add(&actions, "s", label);
	}
	g_variant_builder_init(&hints, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&hints, "{sv}", "urgency",
		g_variant_new_byte(notice->urgency == 0 ? 0 : notice->urgency == 2 ? 2 : 1));
	/* Capture knows present's own notices by this. */
	g_variant_builder_add(&hints, "{sv}", "sender-pid", g_variant_new_int64(getpid()));

	struct call *c = g_new0(struct call, 1);
	c->n = n;
	c->command = command ? g_strdupv((char **)notice->command) : NULL;
	c->tag = g_strdup(notice->tag);
	n->refs++;
	/* Activation allowed, as for any app's notification: a server started on demand shows it. */
	g_dbus_connection_call(n->bus, NAME, PATH, NAME, "Notify",
		g_variant_new("(susssasa{sv}i)", app, 0, icon, summary, body, &actions, &hints, -1),
		G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS, NULL, on_shown, c);
	g_free(raw_body);
	g_free(body);
	g_free(app);
	g_free(icon);
	g_free(summary);
	g_free(label);
	return true;
}

void present_notifier_withdraw(struct present_notifier *n, const char *tag)
{
	/* Ids are kept only while the connection they came on is ours. */
	guint32 id = GPOINTER_TO_UINT(g_hash_table_lookup(n->shown, tag));
	if (!id)
		return;
	g_hash_table_remove(n->shown, tag);
	/* A server that has gone or dropped it already has nothing to close: no start for this. */
	g_dbus_connection_call(n->bus, NAME, PATH, NAME, "CloseNotification", g_variant_new("(u)", id), NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
}

void present_notifier_destroy(struct present_notifier *n)
{
	if (!n)
		return;
	n->closed = true;
	if (n->bus) {
		/* What was sent last (the replay of a session ended by a signal) must leave before we do. */
		g_dbus_connection_flush_sync(n->bus, NULL, NULL);
		g_dbus_connection_signal_unsubscribe(n->bus, n->action_signal);
		g_dbus_connection_signal_unsubscribe(n->bus, n->closed_signal);
		g_dbus_connection_signal_unsubscribe(n->bus, n->owner_signal);
	}
	unref(n);
}
