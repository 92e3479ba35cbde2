/*
 * present-daemon: holds the focus session. Started by D-Bus activation (or
 * its systemd user unit), it exits when idle and is brought back on demand.
 */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backlog.h"
#include "bus-call.h"
#include "bus-glue.h"
#include "daemon.h"
#include "launch.h"
#include "leftovers.h"
#include "paths.h"
#include "present-build.h"
#include "protocol.h"
#include "service.h"
#include "statefile.h"

static void warn_config(const char *message, void *userdata)
{
	present_log("warning", "%s", message);
}

int present_daemon_reload_config(struct present_daemon *d, present_config_warn_fn warn, void *userdata,
	char **ret_error)
{
	struct present_config fresh;
	char *error = NULL;
	int r = present_config_load(&fresh, warn ? warn : warn_config, userdata, &error);
	if (r < 0) {
		present_config_finish(&fresh);
		present_log("error", "%s (keeping the configuration in use)", error);
		if (ret_error)
			*ret_error = error;
		else
			free(error);
		return r;
	}
	int64_t idle_exit = d->config.idle_exit;
	present_config_finish(&d->config);
	d->config = fresh;
	/* How long before a deadline a reminder comes may have changed. */
	if (d->reminders)
		present_reminders_reschedule(d->reminders);
	/* And how long the daemon waits idle: the wait under way is for the old time. */
	if (d->config.idle_exit != idle_exit)
		present_daemon_update_idle(d);
	return 0;
}

static bool serve_direct(DBusConnection *conn, void *data)
{
	return present_service_register(data, conn);
}

/* A caller gone, a notice with a button closed: either may leave the daemon idle. */
static void recheck_idle(void *data)
{
	present_daemon_update_idle(data);
}

static void run_for_notice(char *const *argv, void *data)
{
	char *error = NULL;
	if (!present_launch(data, argv, NULL, NULL, NULL, &error))
		present_log("warning", "cannot run %s: %s", argv[0], error);
	free(error);
}

/* Reminders' refs are negative, summaries' are their sessions' ids. */
static void notice_answered(int64_t ref, bool taken, bool no_server, void *data)
{
	struct present_daemon *d = data;
	if (!present_reminders_answered(d->reminders, ref, taken, no_server))
		present_replay_answered(d, ref, taken, no_server);
}

/* Once the bus name is ours: a daemon without it must not answer there. */
static void open_direct(struct present_daemon *d)
{
	static const struct present_direct_ops ops = {.serve = serve_direct, .closed = recheck_idle};
	char *path = present_path_direct(), *error = NULL;
	if (!path)
		return;
	d->direct = present_direct_open(path, &ops, d, &error);
	if (!d->direct)
		present_log("warning", "%s: present calls the daemon through the bus instead",
			error ? error : "out of memory");
	free(error);
	free(path);
}

static gboolean on_idle(gpointer data)
{
	struct present_daemon *d = data;
	d->idle_source = 0;

	/* A caller on the direct socket may have a call on its way: wait until it
	 * closes (its call is answered meanwhile). */
	if (present_direct_busy(d->direct)) {
		present_daemon_update_idle(d);
		return G_SOURCE_REMOVE;
	}
	/* Stop listening, then give the name back: a caller not yet accepted is
	 * reset and goes to the bus, and a call on the bus that races with our
	 * exit activates a fresh daemon instead of being lost. Calls already
	 * queued to us are answered below, those that would change anything
	 * with an error that has the caller call again (service.c): what they
	 * began, this daemon could not see through. Under systemd the unit stops
	 * as the name goes (Type=dbus), and a start asked meanwhile waits for it. */
	present_direct_free(d->direct);
	d->direct = NULL;
	DBusError err;
	dbus_error_init(&err);
	dbus_bus_release_name(d->bus, PRESENT_BUS_NAME, &err);
	dbus_error_free(&err);
	d->name_released = true;
	while (dbus_connection_dispatch(d->bus) == DBUS_DISPATCH_DATA_REMAINS)
		;
	present_log("info", "idle, exiting");
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

/* A reminder still to come keeps the daemon: its timer is all it waits on.
 * So does a switch left on: nothing else would try it again (a hold the
 * server drops as the daemon leaves needs no one to); a notice of ours with
 * a button, or one whose answer is to come: nothing else would answer it;
 * a summary no server has taken: nothing else would see one come; and what
 * the store could not take yet: nothing else holds it. */
static bool may_leave(struct present_daemon *d)
{
	return !d->session.active && !d->name_released && d->loop &&
		!(d->reminders && present_reminders_pending(d->reminders)) && !present_dnd_leftovers_outlive(d->dnd) &&
		!present_notifier_waiting(d->notifier) && !d->summary_waits && !present_backlog_owed(d);
}

void present_daemon_check_idle(struct present_daemon *d)
{
	if (!may_leave(d)) {
		if (d->idle_source)
			g_source_remove(d->idle_source);
		d->idle_source = 0;
	} else if (!d->idle_source) {
		d->idle_source = g_timeout_add_seconds((guint)d->config.idle_exit, on_idle, d);
	}
}

void present_daemon_update_idle(struct present_daemon *d)
{
	if (d->idle_source)
		g_source_remove(d->idle_source);
	d->idle_source = 0;
	present_daemon_check_idle(d);
}

void present_daemon_quit(struct present_daemon *d, const char *reason)
{
	present_session_end(d, reason);
	if (d->loop)
		g_main_loop_quit(d->loop);
}

static gboolean on_quit_signal(gpointer data)
{
	present_daemon_quit(data, "signal");
	return G_SOURCE_CONTINUE;
}

static gboolean on_reload_signal(gpointer data)
{
	if (present_daemon_reload_config(data, NULL, NULL, NULL) == 0)
		present_log("info", "configuration reloaded");
	return G_SOURCE_CONTINUE;
}

static DBusHandlerResult on_bus_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct present_daemon *d = data;
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		present_log("warning", "the session bus went away");
		present_daemon_quit(d, "disconnected");
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	const char *name, *old_owner, *new_owner;
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
		dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner, DBUS_TYPE_STRING,
			&new_owner, DBUS_TYPE_INVALID) &&
		strcmp(name, PRESENT_NOTIFICATIONS_NAME) == 0) {
		free(d->notifications_owner);
		d->notifications_owner = *new_owner ? strdup(new_owner) : NULL;
		/* A server that (re)started keeps no do-not-disturb of ours. */
		present_session_server_changed(d, new_owner);
		if (*new_owner)
			present_reminders_server_came(d->reminders);
		if (d->session.capture)
			present_capture_server_owner(d->session.capture, new_owner);
	}
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: present-daemon [--help|--version|--restore|--end|--login]\n"
		"Holds present's focus sessions on the session bus as %s.\n"
		"It is started by D-Bus activation; run 'present' instead.\n"
		"--restore puts back what a daemon that died left changed, and exits.\n"
		"--end does the same, then has the bus start the daemon to sum up\n"
		"the session it ended, and exits.\n"
		"--login has the bus start the daemon if a session left something to\n"
		"put back or sum up, or a reminder is to come, and exits.\n",
		PRESENT_BUS_NAME);
	return code;
}

static int connect_bus(struct present_daemon *d)
{
	DBusError err;
	dbus_error_init(&err);
	d->bus = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!d->bus) {
		present_log("error", "cannot connect to the session bus: %s", err.message);
		dbus_error_free(&err);
		return 69;
	}
	dbus_connection_set_exit_on_disconnect(d->bus, FALSE);
	return 0;
}

/* Before the loop serves any call, so that no session can start on a
 * desktop still silenced by a daemon that died. */
static int restore_leftovers(struct present_daemon *d, struct present_dnd_report *report)
{
	char *error = NULL;
	int r = present_dnd_restore_leftovers(d->dnd, report, &error);
	if (r > 0)
		present_log("info", "put back %d do-not-disturb change(s) left by a daemon that stopped", r);
	else if (r < 0)
		present_log("error", "some do-not-disturb changes could not be put back yet: %s", error);
	free(error);
	return r;
}

/*
 * Called with the takeover lock held and no other daemon on this bus: a
 * status file is a dead daemon's, whose session has just been ended. Left,
 * it would say that session still runs, and the next `present toggle` would
 * end it again (through --end, which refuses while a daemon runs) instead
 * of starting one. What is still left on keeps it: the key tries again, and
 * a serving daemon writes its own.
 */
static void drop_dead_statefile(struct present_daemon *d)
{
	if (!present_dnd_has_leftovers(d->dnd))
		present_session_mirror_remove(d);
}

static int serve(struct present_daemon *d)
{
	DBusError err;
	dbus_error_init(&err);
	present_bus_glue_attach(d->bus, NULL);
	dbus_bus_add_match(d->bus,
		"type='signal',sender='" DBUS_SERVICE_DBUS "',interface='" DBUS_INTERFACE_DBUS
		"',member='NameOwnerChanged',arg0='" PRESENT_NOTIFICATIONS_NAME "'",
		NULL);
	present_dnd_watching(d->dnd);
	/* Asked once, after the match: NameOwnerChanged keeps it from here on. */
	d->notifications_owner = present_bus_owner_of(d->bus, PRESENT_NOTIFICATIONS_NAME);
	if (!dbus_connection_add_filter(d->bus, on_bus_message, d, NULL) || !present_service_register(d, d->bus)) {
		present_log("error", "out of memory");
		return 1;
	}

	/* Own the name only once the object answers, so queued calls find it. */
	int r = dbus_bus_request_name(d->bus, PRESENT_BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		present_log("error", "cannot own %s: %s", PRESENT_BUS_NAME,
			dbus_error_is_set(&err) ? err.message : "another present daemon is running");
		dbus_error_free(&err);
		return 1;
	}
	/* Only the daemon that owns the name may take over what a dead one left:
	 * an unfinished session and a change still recorded may be a live
	 * daemon's, on this bus (one giving the name up) or on another sharing
	 * the store, which present_store_own() tells apart. Calls queued
	 * meanwhile wait for the loop. */
	int lock = present_leftovers_lock(d);
	/* From here on what this daemon records is its own: a daemon on another
	 * session bus sharing the store leaves it alone while this one lives. */
	if (d->store && present_store_own(d->store) < 0)
		present_log("warning", "%s: a daemon on another session bus could take this one's sessions for a dead "
				       "daemon's", present_store_error(d->store));
	present_session_recover(d);
	struct present_dnd_report left = {0};
	restore_leftovers(d, &left);
	drop_dead_statefile(d);
	if (lock >= 0)
		close(lock);
	present_leftovers_say(d, left.unrestored, left.n_unrestored);
	present_dnd_report_finish(&left);
	open_direct(d);
	return 0;
}

const char *present_daemon_store_error(const struct present_daemon *d)
{
	return d->store_error ? d->store_error : "the store cannot be opened";
}

static void open_store(struct present_daemon *d)
{
	char *path = present_path_store(), *error = NULL;
	if (!path) {
		d->store_error = strdup("no state directory (neither XDG_STATE_HOME nor HOME is set)");
	} else if (present_store_open(path, &d->store, &error) < 0) {
		d->store_error = error;
		error = NULL;
	}
	if (!d->store)
		present_log("warning", "%s: sessions are not recorded", present_daemon_store_error(d));
	free(path);
}

/* Puts back what a dead daemon left, with no daemon serving: it never
 * serves, so it cannot deadlock on its own activation. Returns not_put_back
 * when a switch stays on. */
static int put_back_once(struct present_daemon *d, int not_put_back)
{
	/* Taken before the look for a daemon: one that owns the name after the
	 * look waits for this to be done before it takes over, and any
	 * session it then starts is its own. */
	int lock = present_leftovers_lock(d), r = PRESENT_EXIT_FAILURE;
	if (present_bus_has_owner(d->bus, PRESENT_BUS_NAME)) {
		present_log("error", "a present daemon is running: ask it instead ('present restore')");
	} else {
		present_session_recover(d);
		int restored = restore_leftovers(d, NULL);
		if (restored >= 0)
			present_print_restored(restored);
		r = restored >= 0 ? PRESENT_EXIT_OK : not_put_back;
		drop_dead_statefile(d);
	}
	if (lock >= 0)
		close(lock);
	return r;
}

/* `present-daemon --restore`: for the unit's ExecStopPost and `present
 * restore` when no daemon runs. */
static int restore_once(struct present_daemon *d)
{
	return put_back_once(d, PRESENT_EXIT_FAILURE);
}

/* What a daemon would have to do, with none running: NULL for nothing. A
 * daemon runs only while it has something to do, and after a power cut, a
 * logout in a session or a crash nothing would start one before the user
 * next runs present: a switch kept in settings (GNOME, Xfce, MATE...) would
 * stay on, the held alerts would not be summed up, and the reminders of
 * responses owed would not come. */
static const char *work_left(struct present_daemon *d)
{
	struct present_session_record rec;
	char *holder = NULL;
	if (!d->store)
		return NULL;
	if (present_store_left_behind(d->store))
		return "a daemon that died left a session or a change to take over";
	if (present_store_replay_due(d->store, &rec, &holder) > 0) {
		present_session_record_finish(&rec);
		free(holder);
		return "the summary of a session is still to be shown";
	}
	/* A store that cannot be read is no reminder to come: the daemon would wait for it for ever. */
	if (present_reminders_next(d->reminders) > 0)
		return "reminders of responses owed are to come";
	return NULL;
}

/* Has the bus start the daemon (through its systemd unit, where there is
 * one) if work_left() finds anything: it puts a switch back before anything
 * else, shows the summary once a notification server is there, and keeps
 * the reminders' timer. At login it says why; after a stop, whose reply is
 * already printed, it fails with a warning alone: the desktop is back. */
static int wake_for_work(struct present_daemon *d, bool at_login)
{
	const char *why = work_left(d);
	if (!why)
		return 0;
	DBusError err;
	dbus_error_init(&err);
	dbus_uint32_t result = 0;
	if (!dbus_bus_start_service_by_name(d->bus, PRESENT_BUS_NAME, 0, &result, &err)) {
		present_log(at_login ? "error" : "warning", "cannot start the daemon, though %s: %s", why, err.message);
		dbus_error_free(&err);
		return at_login ? 1 : 0;
	}
	if (at_login)
		present_log("info", "%s: %s", why,
			result == DBUS_START_REPLY_ALREADY_RUNNING ? "the daemon runs already" : "the daemon is started");
	return 0;
}

/* `present-daemon --end`: the key that ends a session whose daemon died
 * (`present stop`, `present toggle`). It puts back as --restore does, then
 * has a daemon sum the session up, as any end does, and try again what it
 * could not put back. Not for the unit's ExecStopPost: activation would
 * wait on the unit it runs in. */
static int end_dead_session(struct present_daemon *d)
{
	/* The stop's own status: the session ended, a switch did not come back. */
	int r = put_back_once(d, PRESENT_EXIT_NOT_PUT_BACK);
	wake_for_work(d, false);
	return r;
}

/* `present-daemon --login`, from the session's autostart entry. */
static int login_once(struct present_daemon *d)
{
	return d->store ? wake_for_work(d, true) : 1;
}

/* The options that do one thing instead of serving, and exit. */
static const struct {
	const char *option;
	int (*once)(struct present_daemon *d);
} once_options[] = {
	{"--restore", restore_once},
	{"--end", end_dead_session},
	{"--login", login_once},
};

static void run(struct present_daemon *d)
{
	if ((d->exit_code = serve(d)) != 0)
		return;
	d->loop = g_main_loop_new(NULL, FALSE);
	present_reminders_reschedule(d->reminders);
	present_session_ready_next(d);
	g_unix_signal_add(SIGTERM, on_quit_signal, d);
	g_unix_signal_add(SIGINT, on_quit_signal, d);
	g_unix_signal_add(SIGHUP, on_reload_signal, d);
	present_leftovers_check(d);
	g_main_loop_run(d->loop);
	present_direct_free(d->direct);
	d->direct = NULL;
	present_session_end(d, "signal");
}

/*
 * The commands the daemon runs (the "Catch up" of the summary and of
 * reminders, on_start, on_end) name present by name, but the PATH that
 * D-Bus activation or systemd gives the daemon need not hold its directory:
 * ~/.local/bin rarely is there. It goes last, so the user's PATH still
 * decides which present runs.
 */
static void path_with_present(void)
{
	char *self = g_file_read_link("/proc/self/exe", NULL);
	char *dir = self ? g_path_get_dirname(self) : NULL;
	char *sibling = dir ? g_build_filename(dir, "present", NULL) : NULL;
	/* Beside the daemon in a build tree, else where it was installed. */
	const char *bindir = sibling && g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE) ? dir : PRESENT_BINDIR;
	const char *path = g_getenv("PATH");
	/* No PATH is a search of the system's directories, which one naming only ours would lose. */
	char **dirs = g_strsplit(path ? path : "/usr/local/bin:/usr/bin:/bin", ":", -1);
	if (!g_strv_contains((const char *const *)dirs, bindir)) {
		char *grown = g_strconcat(path ? path : "/usr/local/bin:/usr/bin:/bin", ":", bindir, NULL);
		g_setenv("PATH", grown, TRUE);
		g_free(grown);
	}
	g_strfreev(dirs);
	g_free(sibling);
	g_free(dir);
	g_free(self);
}

int main(int argc, char **argv)
{
	int (*once)(struct present_daemon *d) = NULL;
	if (argc > 2) {
		fprintf(stderr, "present-daemon: '%s' is one argument too many\n", argv[2]);
		return usage(stderr, 2);
	}
	if (argc == 2) {
		if (strcmp(argv[1], "--version") == 0) {
			printf("present-daemon %s\n", PRESENT_VERSION);
			return 0;
		}
		if (strcmp(argv[1], "--help") == 0)
			return usage(stdout, 0);
		for (size_t i = 0; i < sizeof(once_options) / sizeof(once_options[0]); i++)
			if (strcmp(argv[1], once_options[i].option) == 0)
				once = once_options[i].once;
		if (!once) {
			fprintf(stderr, "present-daemon: unknown option '%s'\n", argv[1]);
			return usage(stderr, 2);
		}
	}
	/* A user who never ran a session has no store: nothing to look at, and
	 * none to make at each login. */
	if (once == login_once && !present_path_store_exists())
		return 0;
	path_with_present();
	/* A log whose reader has gone (a pipe, a journal stream lost) must not
	 * kill the daemon in a session, with do-not-disturb on: the write fails
	 * instead. The commands it runs get the default back: GLib's spawn
	 * resets SIGPIPE in the child. */
	signal(SIGPIPE, SIG_IGN);

	struct present_daemon d = {0};
	present_session_init(&d.session);
	d.statefile = present_statefile_path();
	present_config_init(&d.config);
	char *error = NULL;
	if (present_daemon_reload_config(&d, NULL, NULL, &error) < 0)
		free(error);
	open_store(&d);

	d.exit_code = connect_bus(&d);
	char *shown = present_path_for_bus("shown");
	static const struct present_notifier_ops notifier_ops = {
		.waiting_changed = recheck_idle,
		.run = run_for_notice,
		.answered = notice_answered,
	};
	d.notifier = present_notifier_create(shown, &notifier_ops, &d);
	free(shown);
	d.reminders = present_reminders_create(&d);
	if (d.exit_code == 0 && !(d.dnd = present_dnd_create(d.bus, d.store))) {
		present_log("error", "out of memory");
		d.exit_code = 1;
	}
	if (d.exit_code == 0 && once)
		d.exit_code = once(&d);
	else if (d.exit_code == 0)
		run(&d);

	if (d.idle_source)
		g_source_remove(d.idle_source);
	if (d.spare_source)
		g_source_remove(d.spare_source);
	if (d.replay_left_source)
		g_source_remove(d.replay_left_source);
	present_leftovers_finish(&d);
	present_session_finish(&d.session);
	present_backlog_finish(&d);
	present_capture_spare_free(d.capture_spare);
	free(d.notifications_owner);
	present_dnd_destroy(d.dnd);
	present_reminders_destroy(d.reminders);
	if (d.callers)
		g_hash_table_destroy(d.callers);
	free(d.statefile);
	present_notifier_destroy(d.notifier);
	if (d.bus) {
		dbus_connection_flush(d.bus);
		present_bus_glue_detach(d.bus);
		dbus_connection_close(d.bus);
		dbus_connection_unref(d.bus);
	}
	if (d.loop)
		g_main_loop_unref(d.loop);
	present_store_close(d.store);
	free(d.store_error);
	present_config_finish(&d.config);
	return d.exit_code;
}
