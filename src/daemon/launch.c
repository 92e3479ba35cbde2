#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-call.h"
#include "daemon.h"
#include "launch.h"

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

struct launched {
	GPid pid;
	char *command; /* argv joined, for the log */
	present_launch_exited_fn exited;
	void *data;
};

static void launched_free(gpointer p)
{
	struct launched *l = p;
	g_free(l->command);
	g_free(l);
}

static void child_exited(GPid pid, gint status, gpointer p)
{
	struct launched *l = p;
	if (l->exited)
		l->exited(status, l->command, l->data);
	g_spawn_close_pid(pid);
}

/* The part of a unit name that names the program: systemd-escape's rules,
 * cut short well within the 255 bytes a unit name may have. */
static void escape_name(GString *out, const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	for (const char *c = base; *c && c - base < 48; c++) {
		if (g_ascii_isalnum(*c) || *c == '_' || (*c == '.' && c != base) || *c == ':')
			g_string_append_c(out, *c);
		else
			g_string_append_printf(out, "\\x%02x", (unsigned char)*c);
	}
}

/* A command that has already exited needs no scope: its refusal is no news. */
static bool still_running(GPid pid)
{
	siginfo_t info = {0};
	return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

struct scoping {
	GPid pid;
	char *command;
};

static void scoping_free(void *p)
{
	struct scoping *s = p;
	g_free(s->command);
	g_free(s);
}

static void scoped(DBusPendingCall *pending, void *p)
{
	struct scoping *s = p;
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);
	DBusError err;
	dbus_error_init(&err);
	/* No user manager on the bus: no unit to be stopped with, either. */
	if (reply && dbus_set_error_from_message(&err, reply) && !dbus_error_has_name(&err, DBUS_ERROR_SERVICE_UNKNOWN) &&
		!dbus_error_has_name(&err, DBUS_ERROR_NAME_HAS_NO_OWNER) && still_running(s->pid))
		present_log("warning", "'%s' has no scope of its own (%s): it ends when the daemon does", s->command,
			err.message);
	dbus_error_free(&err);
	if (reply)
		dbus_message_unref(reply);
	dbus_pending_call_unref(pending);
}

/* One (sv) of the unit's properties: a string, or a list of one uint32. */
static bool append_property(DBusMessageIter *props, const char *name, const char *text, dbus_uint32_t number)
{
	DBusMessageIter prop, variant, array;
	if (!dbus_message_iter_open_container(props, DBUS_TYPE_STRUCT, NULL, &prop) ||
		!dbus_message_iter_append_basic(&prop, DBUS_TYPE_STRING, &name) ||
		!dbus_message_iter_open_container(&prop, DBUS_TYPE_VARIANT, text ? "s" : "au", &variant))
		return false;
	if (text) {
		/* A command from the configuration can be any bytes. */
		if (!present_bus_append_text(&variant, text))
			return false;
	} else if (!dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "u", &array) ||
		   !dbus_message_iter_append_basic(&array, DBUS_TYPE_UINT32, &number) ||
		   !dbus_message_iter_close_container(&variant, &array)) {
		return false;
	}
	return dbus_message_iter_close_container(&prop, &variant) && dbus_message_iter_close_container(props, &prop);
}

/* StartTransientUnit(name, mode, properties, aux): the scope takes the
 * process as it is, still our child, so its exit is still ours to see. */
static DBusMessage *scope_call(GPid pid, const char *argv0, const char *command)
{
	GString *name = g_string_new("app-present-");
	escape_name(name, argv0);
	g_string_append_printf(name, "-%d.scope", (int)pid);
	char *description = g_strdup_printf("%s, run by present", command);
	const char *mode = "fail", *unit = name->str;
	DBusMessage *msg = dbus_message_new_method_call(SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "StartTransientUnit");
	DBusMessageIter it, props, aux;
	bool ok = msg;
	if (ok) {
		/* Never started for this: without a manager running, there is no unit to leave. */
		dbus_message_set_auto_start(msg, FALSE);
		dbus_message_iter_init_append(msg, &it);
		ok = dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit) &&
		     dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &mode) &&
		     dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sv)", &props) &&
		     append_property(&props, "PIDs", NULL, (dbus_uint32_t)pid) &&
		     append_property(&props, "Description", description, 0) &&
		     append_property(&props, "Slice", "app.slice", 0) &&
		     /* Gone from the manager once it ends, failed or not. */
		     append_property(&props, "CollectMode", "inactive-or-failed", 0) &&
		     dbus_message_iter_close_container(&it, &props) &&
		     dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sa(sv))", &aux) &&
		     dbus_message_iter_close_container(&it, &aux);
	}
	if (!ok && msg) {
		dbus_message_unref(msg);
		msg = NULL;
	}
	g_free(description);
	g_string_free(name, TRUE);
	return msg;
}

static void give_scope(struct present_daemon *d, GPid pid, const char *argv0, const char *command)
{
	if (!d->bus || !dbus_connection_get_is_connected(d->bus))
		return;
	DBusMessage *msg = scope_call(pid, argv0, command);
	DBusPendingCall *pending = NULL;
	if (msg && dbus_connection_send_with_reply(d->bus, msg, &pending, DBUS_TIMEOUT_USE_DEFAULT) && pending) {
		struct scoping *s = g_new(struct scoping, 1);
		*s = (struct scoping){pid, g_strdup(command)};
		if (!dbus_pending_call_set_notify(pending, scoped, s, scoping_free)) {
			scoping_free(s);
			dbus_pending_call_unref(pending);
		}
	}
	if (msg)
		dbus_message_unref(msg);
}

bool present_launch(struct present_daemon *d, char *const *argv, char *const *envp, present_launch_exited_fn exited,
	void *data, char **ret_error)
{
	struct launched *l = g_new0(struct launched, 1);
	*l = (struct launched){.command = g_strjoinv(" ", (char **)argv), .exited = exited, .data = data};
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	GError *error = NULL;
	/* Its output goes where the daemon's does (the journal). */
	bool ok = g_spawn_async_with_fds(NULL, (char **)argv, (char **)envp,
		G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &l->pid, null, -1, -1, &error);
	if (null >= 0)
		close(null);
	if (!ok) {
		*ret_error = g_strdup(error->message);
		g_error_free(error);
		launched_free(l);
		return false;
	}
	give_scope(d, l->pid, argv[0], l->command);
	g_child_watch_add_full(G_PRIORITY_DEFAULT, l->pid, child_exited, l, launched_free);
	return true;
}
