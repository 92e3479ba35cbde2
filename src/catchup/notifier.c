/*
 * present's own notifications, sent asynchronously on a connection of their
 * own: a server that hangs must never hold up the daemon (the end of a
 * session replays many at once, and each call would otherwise wait out its
 * timeout on the main loop).
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notifier.h"
#include "paths.h"

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
	GHashTable *commands; /* the server's id -> struct command, while it may be activated */
	GPtrArray *awaited; /* the struct call of each notice with a ref or a tag whose answer is still to come */
	guint64 commands_given; /* how many were ever put in commands: each one's age */
	const struct present_notifier_ops *ops; /* may be NULL */
	void *data;
	GHashTable *shown; /* tag -> struct shown, its last notice while not closed */
	/* Where shown is kept for the next daemon (NULL: nowhere), and the
	 * guid of the bus that the entries read from it came from, until the
	 * bus we connect to is compared with it. */
	char *keep_path, *kept_guid;
	bool keep_warned;
};

/* A notice is named by the server's unique name as well as its id: a
 * unique name is never given twice on one bus, so a notice kept from
 * before can only ever be closed on the server that showed it. */
struct shown {
	char *server;
	guint32 id;
};

/* What the button of a notice shown runs. Ids are the server's, so the
 * server that gave one is kept with it: another takes none of them along. */
struct command {
	char *server;
	char **argv;
	guint64 given; /* the older goes first when there are too many */
};

struct call {
	struct present_notifier *n;
	char **command;
	char *tag;
	int64_t ref;
	bool withdrawn; /* withdrawn before the server answered: closed once it does */
};

static void command_free(gpointer data)
{
	struct command *c = data;
	g_free(c->server);
	g_strfreev(c->argv);
	g_free(c);
}

/* The daemon stays while a button of ours is shown: one that exited would
 * leave it on screen (GNOME's tray, swaync's panel) doing nothing. And
 * while an answer its owner waits for is to come (leaving first, it would
 * never learn that the notice went nowhere), or the id that lets a tagged
 * notice be withdrawn. */
static void waiting_changed(struct present_notifier *n, bool before)
{
	if (before != present_notifier_waiting(n) && n->ops && n->ops->waiting_changed && !n->closed)
		n->ops->waiting_changed(n->data);
}

static void shown_free(gpointer data)
{
	struct shown *s = data;
	g_free(s->server);
	g_free(s);
}

static void shown_put(struct present_notifier *n, const char *tag, const char *server, guint32 id)
{
	struct shown *s = g_new(struct shown, 1);
	s->server = g_strdup(server);
	s->id = id;
	g_hash_table_replace(n->shown, g_strdup(tag), s);
}

/* The file: the bus's guid on the first line, then "tag server id" a line. */
static void keep_load(struct present_notifier *n)
{
	char *text = NULL;
	if (!n->keep_path || !g_file_get_contents(n->keep_path, &text, NULL, NULL))
		return;
	char **lines = g_strsplit(text, "\n", 0);
	if (lines[0] && g_dbus_is_guid(lines[0])) {
		n->kept_guid = g_strdup(lines[0]);
		for (char **line = lines + 1; *line; line++) {
			char tag[64], server[256];
			unsigned id;
			if (sscanf(*line, "%63s %255s %u", tag, server, &id) == 3 && id &&
				g_dbus_is_unique_name(server))
				shown_put(n, tag, server, id);
		}
	}
	g_strfreev(lines);
	g_free(text);
}

static void keep_save(struct present_notifier *n)
{
	if (!n->keep_path || !n->bus)
		return;
	GError *error = NULL;
	if (g_hash_table_size(n->shown) == 0) {
		if (unlink(n->keep_path) < 0 && errno != ENOENT)
			g_set_error(&error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s", g_strerror(errno));
	} else {
		GString *out = g_string_new(g_dbus_connection_get_guid(n->bus));
		g_string_append_c(out, '\n');
		GHashTableIter it;
		gpointer tag, value;
		g_hash_table_iter_init(&it, n->shown);
		while (g_hash_table_iter_next(&it, &tag, &value)) {
			const struct shown *s = value;
			g_string_append_printf(out, "%s %s %u\n", (const char *)tag, s->server, s->id);
		}
		char *dir = g_path_get_dirname(n->keep_path);
		int r = present_path_ensure_private_dir(dir);
		if (r < 0)
			g_set_error(&error, G_FILE_ERROR, g_file_error_from_errno(-r), "%s: %s", dir, g_strerror(-r));
		else
			g_file_set_contents_full(n->keep_path, out->str, (gssize)out->len, G_FILE_SET_CONTENTS_CONSISTENT,
				0600, &error);
		g_free(dir);
		g_string_free(out, TRUE);
	}
	/* Once: the next daemon then only leaves a stale summary up, as if it had been closed. */
	if (error && !n->keep_warned)
		present_log("warning", "cannot keep the ids of present's notices in %s: %s", n->keep_path,
			error->message);
	n->keep_warned |= error != NULL;
	g_clear_error(&error);
}

struct present_notifier *present_notifier_create(const char *keep_path, const struct present_notifier_ops *ops,
	void *data)
{
	struct present_notifier *n = g_new0(struct present_notifier, 1);
	n->refs = 1;
	n->ops = ops;
	n->data = data;
	n->commands = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, command_free);
	n->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, shown_free);
	n->awaited = g_ptr_array_new();
	n->keep_path = g_strdup(keep_path);
	keep_load(n);
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
	g_ptr_array_free(n->awaited, TRUE);
	g_free(n->keep_path);
	g_free(n->kept_guid);
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
	const struct command *c = g_hash_table_lookup(n->commands, GUINT_TO_POINTER(id));
	if (c && g_strcmp0(c->server, sender) == 0 && n->ops && n->ops->run)
		n->ops->run(c->argv, n->data);
}

struct gone {
	const char *server;
	guint32 id; /* 0: every notice of server */
};

static gboolean is_gone(gpointer tag, gpointer value, gpointer data)
{
	const struct shown *s = value;
	const struct gone *g = data;
	return strcmp(s->server, g->server) == 0 && (!g->id || s->id == g->id);
}

static gboolean is_gone_command(gpointer id, gpointer value, gpointer data)
{
	const struct command *c = value;
	const struct gone *g = data;
	return strcmp(c->server, g->server) == 0 && (!g->id || GPOINTER_TO_UINT(id) == g->id);
}

static void forget(struct present_notifier *n, const char *server, guint32 id)
{
	bool before = present_notifier_waiting(n);
	if (g_hash_table_foreach_remove(n->shown, is_gone, &(struct gone){server, id}))
		keep_save(n);
	g_hash_table_foreach_remove(n->commands, is_gone_command, &(struct gone){server, id});
	waiting_changed(n, before);
}

static void on_closed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	const char *signal, GVariant *params, gpointer data)
{
	struct present_notifier *n = data;
	guint32 id, reason;
	if (n->closed || !g_variant_is_of_type(params, G_VARIANT_TYPE("(uu)")))
		return;
	g_variant_get(params, "(uu)", &id, &reason);
	if (sender)
		forget(n, sender, id);
}

/* The server has gone, and what it showed with it. */
static void on_owner(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	const char *signal, GVariant *params, gpointer data)
{
	struct present_notifier *n = data;
	const char *old;
	if (n->closed || !g_variant_is_of_type(params, G_VARIANT_TYPE("(sss)")))
		return;
	g_variant_get(params, "(&s&s&s)", NULL, &old, NULL);
	if (*old)
		forget(n, old, 0);
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
		/* Whatever happened meanwhile went unseen: a new bus, most likely. */
		g_hash_table_remove_all(n->shown);
		g_hash_table_remove_all(n->commands);
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
	/* Another bus at the same address gives its unique names afresh. */
	if (n->kept_guid && strcmp(n->kept_guid, g_dbus_connection_get_guid(n->bus)) != 0) {
		g_hash_table_remove_all(n->shown);
		keep_save(n);
	}
	g_clear_pointer(&n->kept_guid, g_free);
	n->refs += 3;
	n->action_signal = g_dbus_connection_signal_subscribe(n->bus, NAME, NAME, "ActionInvoked", PATH, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_action, n, unref);
	n->closed_signal = g_dbus_connection_signal_subscribe(n->bus, NAME, NAME, "NotificationClosed", PATH, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_closed, n, unref);
	n->owner_signal = g_dbus_connection_signal_subscribe(n->bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
		"NameOwnerChanged", "/org/freedesktop/DBus", NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_owner, n, unref);
	return true;
}

/* The notice longest shown gives up its button, and only it: the summary
 * just sent, and reminders still on screen, keep theirs. */
static void forget_oldest_command(struct present_notifier *n)
{
	GHashTableIter it;
	gpointer id, value, oldest = NULL;
	guint64 given = G_MAXUINT64;
	g_hash_table_iter_init(&it, n->commands);
	while (g_hash_table_iter_next(&it, &id, &value)) {
		const struct command *c = value;
		if (c->given < given) {
			given = c->given;
			oldest = id;
		}
	}
	g_hash_table_remove(n->commands, oldest);
}

/* To the server that showed it, by its unique name: one that has gone takes
 * nobody's notice with it, and is not started again for this. */
static void close_notice(struct present_notifier *n, const char *server, guint32 id)
{
	g_dbus_connection_call(n->bus, server, PATH, NAME, "CloseNotification", g_variant_new("(u)", id), NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
}

static void on_shown(GObject *source, GAsyncResult *result, gpointer data)
{
	struct call *c = data;
	struct present_notifier *n = c->n;
	bool before = present_notifier_waiting(n);
	if (c->ref || c->tag)
		g_ptr_array_remove(n->awaited, c);
	GError *error = NULL;
	/* The message, not just its body: its sender is the server's unique name. */
	GDBusMessage *reply = g_dbus_connection_send_message_with_reply_finish(G_DBUS_CONNECTION(source), result,
		&error);
	GVariant *body = reply && !g_dbus_message_to_gerror(reply, &error) ? g_dbus_message_get_body(reply) : NULL;
	if (!error && (!body || !g_variant_is_of_type(body, G_VARIANT_TYPE("(u)"))))
		g_set_error(&error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_SIGNATURE, "the server's answer is not an id");
	/* Not a failed start of one (Spawn.*): a timer may try that again. */
	bool no_server = g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
		g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER);
	if (c->ref && !n->closed && n->ops && n->ops->answered)
		n->ops->answered(c->ref, !error, no_server, n->data);
	if (error) {
		if (!n->closed)
			present_log("warning", "cannot show a notification: %s", error->message);
		g_error_free(error);
	} else if (!n->closed) {
		guint32 id;
		g_variant_get(body, "(u)", &id);
		const char *server = g_dbus_message_get_sender(reply);
		if (c->withdrawn && server) {
			/* Taken back while on its way: closed where it arrived, by the id it got. */
			close_notice(n, server, id);
		} else if (c->command && server) {
			if (g_hash_table_size(n->commands) >= COMMANDS_MAX)
				forget_oldest_command(n);
			struct command *command = g_new(struct command, 1);
			*command = (struct command){g_strdup(server), c->command, ++n->commands_given};
			g_hash_table_replace(n->commands, GUINT_TO_POINTER(id), command);
			c->command = NULL;
		}
		if (!c->withdrawn && c->tag && server && g_dbus_is_unique_name(server)) {
			shown_put(n, c->tag, server, id);
			keep_save(n);
		}
	}
	waiting_changed(n, before);
	if (reply)
		g_object_unref(reply);
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

/* Servers read bodies as markup: what would open a tag or an entity is
 * escaped, so an alert's text stays text. Quotes only matter inside a tag,
 * and a server without markup would show their entities as they are. */
static char *escape(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));
	for (; *s; s++) {
		if (*s == '&')
			g_string_append(out, "&amp;");
		else if (*s == '<')
			g_string_append(out, "&lt;");
		else if (*s == '>')
			g_string_append(out, "&gt;");
		else
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

bool present_notify(struct present_notifier *n, const struct present_notice *notice)
{
	if (!connect_bus(n))
		return false;
	char *raw_body = text(notice->body), *body = escape(raw_body);
	char *app = text(notice->app_name ? notice->app_name : "present"), *icon = text(notice->icon),
	     *summary = text(notice->summary), *label = text(notice->action_label ? notice->action_label : "Open");
	bool command = notice->command && notice->command[0];
	GVariantBuilder actions, hints;
	g_variant_builder_init(&actions, G_VARIANT_TYPE("as"));
	/* "default" is a click on the notice, never drawn as a button (GNOME,
	 * Plasma, swaync, mako): the label is seen only on an action of its own. */
	if (command) {
		g_variant_builder_add(&actions, "s", "default");
		g_variant_builder_add(&actions, "s", label);
		g_variant_builder_add(&actions, "s", "run");
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
	c->ref = notice->ref;
	n->refs++;
	bool before = present_notifier_waiting(n);
	if (c->ref || c->tag)
		g_ptr_array_add(n->awaited, c);
	/* Activation allowed, as for any app's notification: a server started on demand shows it. */
	GDBusMessage *call = g_dbus_message_new_method_call(NAME, PATH, NAME, "Notify");
	g_dbus_message_set_body(call, g_variant_new("(susssasa{sv}i)", app, 0, icon, summary, body, &actions, &hints, -1));
	/* No time limit: a server that stalls has the notice in its queue and
	 * shows it once it wakes, so a timeout would have it sent twice. The
	 * bus answers for a server that leaves without answering. */
	g_dbus_connection_send_message_with_reply(n->bus, call, G_DBUS_SEND_MESSAGE_FLAGS_NONE, G_MAXINT, NULL, NULL,
		on_shown, c);
	g_object_unref(call);
	waiting_changed(n, before);
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
	/* One still on its way has no id yet: its answer closes it. */
	for (guint i = 0; i < n->awaited->len; i++) {
		struct call *c = n->awaited->pdata[i];
		if (g_strcmp0(c->tag, tag) == 0)
			c->withdrawn = true;
	}
	/* Connecting checks what an earlier daemon kept against this bus's
	 * guid, and may drop it: look again after. */
	if (!g_hash_table_contains(n->shown, tag) || !connect_bus(n))
		return;
	const struct shown *s = g_hash_table_lookup(n->shown, tag);
	if (!s)
		return;
	close_notice(n, s->server, s->id);
	/* Its button goes with it, whether or not the server says it closed. */
	char *server = g_strdup(s->server);
	forget(n, server, s->id);
	g_free(server);
}

bool present_notifier_waiting(const struct present_notifier *n)
{
	/* An answer still to come is waited for even on a closed connection: it comes, as an error. */
	return n && n->bus &&
		((!g_dbus_connection_is_closed(n->bus) && g_hash_table_size(n->commands) > 0) || n->awaited->len > 0);
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
