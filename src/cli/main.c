/*
 * present: the command line. Each verb is one function in the table at the
 * bottom; the daemon does the work, this only asks and reports.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "duration.h"
#include "paths.h"
#include "present-build.h"
#include "statefile.h"
#include "statusbar.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

struct verb {
	const char *name;
	const char *synopsis;
	int min_args, max_args;
	const char *options; /* the long options it takes, space-separated */
	int (*run)(const struct verb *v, const struct present_args *args);
};

__attribute__((format(printf, 2, 3))) static int usage_error(const struct verb *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("present: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (v)
		fprintf(stderr, "\nUsage: present %s%s%s\n", v->name, *v->synopsis ? " " : "", v->synopsis);
	else
		fputs("\nTry 'present --help'.\n", stderr);
	return PRESENT_EXIT_USAGE;
}

static int parse_duration(const struct verb *v, const char *text, int64_t *ret)
{
	int r = present_duration_parse(text, ret);
	if (r == -ERANGE)
		return usage_error(v, "'%s' is out of range: a session lasts more than 0 and at most 24h", text);
	if (r < 0)
		return usage_error(v, "'%s' is not a duration (try 60, 45m, 90s, 1h30)", text);
	return 0;
}

static bool read_reply(const struct present_wire_msg *reply, bool *ret_flag, struct present_status *ret)
{
	struct present_wire_iter it;
	present_wire_iter_init(reply, &it);
	if (ret_flag && !present_wire_iter_read(&it, 'b', ret_flag))
		return false;
	return present_status_read(&it, ret);
}

/* What call() returns besides an exit code. */
enum {
	CALL_ALREADY_ACTIVE = -1, /* only Start says so */
	CALL_NO_DAEMON = -2, /* a call that does not start the daemon found none */
};

/* Calls the daemon and decodes its reply, ([b] a{sv}). A call that does not
 * activate the daemon returns CALL_NO_DAEMON when none runs. */
static int callv(struct present_client *c, bool activate, const char *method, const char *what, bool *ret_flag,
	struct present_status *ret, const char *signature, va_list ap)
{
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_callv(c, method, activate, &err, signature, ap);
	if (!reply) {
		int code = err.name && strcmp(err.name, PRESENT_ERROR_ALREADY_ACTIVE) == 0 ? CALL_ALREADY_ACTIVE
			: !activate && present_client_no_daemon(&err)				  ? CALL_NO_DAEMON
												  : present_client_report(what, &err);
		present_wire_error_free(&err);
		return code;
	}
	bool ok = read_reply(reply, ret_flag, ret);
	present_wire_msg_free(reply);
	if (!ok) {
		fprintf(stderr, "present: cannot %s: the daemon sent a reply this version does not understand\n", what);
		return PRESENT_EXIT_FAILURE;
	}
	return 0;
}

/* callv(). Only Start and Toggle start the daemon: the others have nothing
 * to ask an idle one, and not starting it spares a round trip to ask
 * whether it runs. */
static int call(struct present_client *c, const char *method, const char *what, bool *ret_flag,
	struct present_status *ret, const char *signature, ...)
{
	bool activate = strcmp(method, "Start") == 0 || strcmp(method, "Toggle") == 0;
	va_list ap;
	va_start(ap, signature);
	int r = callv(c, activate, method, what, ret_flag, ret, signature, ap);
	va_end(ap);
	return r;
}

/* callv(), starting the daemon if none runs, whatever the method. */
static int call_activating(struct present_client *c, const char *method, const char *what, bool *ret_flag,
	struct present_status *ret, const char *signature, ...)
{
	va_list ap;
	va_start(ap, signature);
	int r = callv(c, true, method, what, ret_flag, ret, signature, ap);
	va_end(ap);
	return r;
}

/* Only Start says AlreadyActive; name the end so the user knows what runs. */
static int report_already_active(struct present_client *c)
{
	struct present_status s = {0};
	int64_t now = present_time_now();
	if (call(c, "GetStatus", "read the status", NULL, &s, "") == 0 && s.active) {
		char until[32];
		present_time_clock(s.ends_at, now, until, sizeof(until));
		fprintf(stderr,
			"present: a session is already running until %s; 'present stop' ends it, 'present extend' "
			"lengthens it\n",
			until);
	} else {
		fputs("present: a session is already running\n", stderr);
	}
	present_status_finish(&s);
	return PRESENT_EXIT_FAILURE;
}

/*
 * Shared by start and toggle: the duration and label, checked before any call.
 * No DURATION is 0 seconds, the daemon's default: its configuration file
 * governs the session, and it may not be the file this process would find
 * (the daemon is started by D-Bus or systemd, in their environment), so
 * this process reads none.
 */
static int session_request(const struct verb *v, const struct present_args *args, uint32_t *ret_seconds,
	const char **ret_label)
{
	int64_t seconds = 0;
	int r;
	if (args->n_positional > 0 && (r = parse_duration(v, args->positional[0], &seconds)))
		return r;
	const char *label = args->label ? args->label : "";
	if (!present_utf8_valid(label))
		return usage_error(v, "the label is not valid UTF-8 text");
	if (strlen(label) > PRESENT_LABEL_MAX)
		return usage_error(v, "the label is longer than %d bytes", PRESENT_LABEL_MAX);
	*ret_seconds = (uint32_t)seconds;
	*ret_label = label;
	return 0;
}

/* What the daemon's file has that it does not know, as the reply to a start lists it. */
static void print_config_warnings(const struct present_status *s)
{
	for (size_t i = 0; s->config_warnings && s->config_warnings[i]; i++)
		present_print_warning("", s->config_warnings[i]);
}

/* Whether a session runs, asked without starting the daemon for it. Any failure reads as "no": the start that
 * follows meets it again, and says it. */
static bool session_running(struct present_client *c)
{
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_call(c, "GetStatus", false, &err, "");
	struct present_status s = {0};
	bool running = reply && read_reply(reply, NULL, &s) && s.active;
	present_status_finish(&s);
	present_wire_msg_free(reply);
	present_wire_error_free(&err);
	return running;
}

/* session.default_duration as this process would read it; the built-in one if the file cannot say. */
static uint32_t own_default_duration(void)
{
	struct present_config cfg;
	char *error = NULL;
	/* Not a word: the daemon's file governs, and the start's reply carries its complaints. */
	int r = present_config_load(&cfg, NULL, NULL, &error);
	uint32_t seconds = r < 0 ? PRESENT_CONFIG_DEFAULT_DURATION : (uint32_t)cfg.default_duration;
	free(error);
	present_config_finish(&cfg);
	return seconds;
}

/*
 * The heads-up comes before going dark where it can ask, while one can
 * still answer people; it names no session that will not start (start
 * would be refused, toggle would stop it). Elsewhere, or with --quiet,
 * nothing is asked and nothing more is read: a start stays one call.
 * Without a length, the session lasts session.default_duration of the
 * daemon's file, which it reads again at the start: as a rule the file
 * this process finds, read here for the heads-up alone. The reply tells
 * what more falls due.
 */
static int heads_up_before(struct present_client *c, const struct present_args *args, uint32_t seconds,
	struct present_cli_heads_up *h)
{
	if (args->quiet || !present_cli_heads_up_can_ask() || session_running(c))
		return 0;
	return present_cli_heads_up_before(c, seconds ? seconds : own_default_duration(), h);
}

/* A session that runs with the desktop still loud is not the quiet meeting
 * asked for: a script or a shortcut must be able to tell. */
static int started_exit(const struct present_status *s)
{
	return s->dnd_state && strcmp(s->dnd_state, "failed") == 0 ? PRESENT_EXIT_NOT_SILENCED : PRESENT_EXIT_OK;
}

/* Once the session started: what the daemon's reply says that the terminal has not seen. */
static int report_started(const struct present_args *args, const struct present_cli_heads_up *h,
	const struct present_status *s)
{
	print_config_warnings(s);
	if (!args->quiet)
		present_cli_heads_up_after(h, s);
	present_print_started(s, present_time_now());
	return started_exit(s);
}

static int verb_start(const struct verb *v, const struct present_args *args)
{
	uint32_t seconds = 0;
	const char *label = "";
	int r = session_request(v, args, &seconds, &label);
	if (r)
		return r;

	struct present_client c = {0};
	struct present_status s = {0};
	struct present_cli_heads_up h = {0};
	if ((r = present_client_connect_daemon(&c)) == 0 && (r = heads_up_before(&c, args, seconds, &h)) == 0) {
		r = call(&c, "Start", "start a session", NULL, &s, "us", seconds, label);
		if (r == CALL_ALREADY_ACTIVE)
			r = report_already_active(&c);
		else if (r == 0)
			r = report_started(args, &h, &s);
	}
	present_cli_heads_up_finish(&h);
	present_status_finish(&s);
	present_client_disconnect(&c);
	return r;
}

/* A switch the end could not put back leaves the desktop silenced after the
 * meeting: a script or a shortcut must be able to tell. */
static int stopped_exit(const struct present_status *s)
{
	return s->n_unrestored ? PRESENT_EXIT_NOT_PUT_BACK : PRESENT_EXIT_OK;
}

/* The daemon next to this program (a build tree), else the installed one. */
static char *daemon_path(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		char *sibling = NULL;
		if (slash && asprintf(&sibling, "%.*s/present-daemon", (int)(slash - self), self) > 0 &&
			access(sibling, X_OK) == 0)
			return sibling;
		free(sibling);
	}
	return strdup(PRESENT_LIBEXECDIR "/present-daemon");
}

/* Runs present-daemon with option in this process. Returns only if it cannot run. */
static int daemon_here(const char *option)
{
	char *path = daemon_path();
	fflush(stdout);
	execl(path, path, option, (char *)NULL);
	fprintf(stderr, "present: cannot run %s: %s\n", path, strerror(errno));
	free(path);
	return PRESENT_EXIT_FAILURE;
}

/* Whether a daemon that died left something to put back (see
 * present_store_left_behind()), or with in_session a session it never
 * ended; no store, nothing. A store this process cannot open (read-only,
 * another user's) tells nothing, and what would put back from it could not
 * open it either: the daemon runs without it, and a toggle must still start
 * a session. */
static bool left_by_a_dead_daemon(bool in_session)
{
	char *path = present_path_store(), *error = NULL;
	struct present_store *store = NULL;
	struct present_session_record rec;
	bool left = false;
	if (path && access(path, F_OK) == 0 && present_store_open(path, &store, &error) == 0) {
		if (in_session) {
			int r = present_store_session_unfinished(store, &rec);
			if (r > 0)
				present_session_record_finish(&rec);
			left = r != 0;
		} else {
			left = present_store_left_behind(store);
		}
		present_store_close(store);
	}
	free(error);
	free(path);
	return left;
}

/* Puts back what a dead daemon left, in this process (`present-daemon
 * --restore`), without activating a daemon: also what the unit's
 * ExecStopPost runs, while the unit is stopping and activation would wait
 * on it. Returns only if that cannot run. */
static int restore_here(void)
{
	return daemon_here("--restore");
}

/* Ends a session whose daemon died, as restore_here() does, then has the
 * bus start a daemon to sum it up (`present-daemon --end`): what the key
 * that ends a session does when none is alive to end it. */
static int end_here(void)
{
	return daemon_here("--end");
}

static int verb_stop(const struct verb *v, const struct present_args *args)
{
	struct present_client c = {0};
	struct present_status s = {0};
	bool stopped = false;
	int r = present_client_connect_daemon(&c);
	if (r == 0)
		r = call(&c, "Stop", "stop the session", &stopped, &s, "");
	/* A shortcut pressed with nothing running is not an error, and must not
	 * start a daemon just to say so. But one that died in a session (killed,
	 * or the machine lost power) left its switches on: this stop puts them
	 * back, and has its alerts summed up. */
	if (r == CALL_NO_DAEMON) {
		r = 0;
		if (left_by_a_dead_daemon(false)) {
			present_client_disconnect(&c);
			return end_here();
		}
	}
	if (r == 0) {
		present_print_stopped(stopped, &s, present_time_now());
		r = stopped_exit(&s);
	}
	present_status_finish(&s);
	present_client_disconnect(&c);
	return r;
}

static int verb_toggle(const struct verb *v, const struct present_args *args)
{
	uint32_t seconds = 0;
	const char *label = "";
	int r = session_request(v, args, &seconds, &label);
	if (r)
		return r;

	/* The daemon died in a session: to whoever presses the key the session
	 * still runs, and the desktop is still silenced. This ends it. One that
	 * died with only a switch left on ran none: the key starts one, and the
	 * daemon it activates puts the switch back first. */
	if (present_statefile_writer_died(true))
		return end_here();

	struct present_client c = {0};
	struct present_status s = {0};
	struct present_cli_heads_up h = {0};
	bool started = false;
	r = present_client_connect_daemon(&c);
	/* No daemon listens, and its status file is gone with the runtime
	 * directory (the machine lost power in a session): only the store tells.
	 * A daemon activated now would put the switches back, then silence the
	 * desktop again for a new session; this ends the dead one, as stop does. */
	if (r == 0 && !c.direct && left_by_a_dead_daemon(true) && !present_client_daemon_running(&c)) {
		present_client_disconnect(&c);
		return end_here();
	}
	if (r == 0 && (r = heads_up_before(&c, args, seconds, &h)) == 0)
		r = call(&c, "Toggle", "toggle the session", &started, &s, "us", seconds, label);
	if (r == 0 && started) {
		r = report_started(args, &h, &s);
	} else if (r == 0) {
		present_print_stopped(true, &s, present_time_now());
		r = stopped_exit(&s);
	}
	present_cli_heads_up_finish(&h);
	present_status_finish(&s);
	present_client_disconnect(&c);
	return r;
}

static int verb_extend(const struct verb *v, const struct present_args *args)
{
	int64_t seconds;
	int r = parse_duration(v, args->positional[0], &seconds);
	if (r)
		return r;

	struct present_client c = {0};
	struct present_status s = {0};
	uint32_t secs = (uint32_t)seconds;
	if ((r = present_client_connect_daemon(&c)) == 0)
		r = call(&c, "Extend", "extend the session", NULL, &s, "u", secs);
	if (r == CALL_NO_DAEMON) {
		fputs("present: no session is running to extend; 'present start' begins one\n", stderr);
		r = PRESENT_EXIT_FAILURE;
	}
	if (r == 0) {
		char until[32], by[32];
		present_time_clock(s.ends_at, present_time_now(), until, sizeof(until));
		present_duration_format(seconds, by, sizeof(by));
		printf("Present until %s (extended by %s)\n", until, by);
	}
	present_status_finish(&s);
	present_client_disconnect(&c);
	return r;
}

/* --json, --waybar and --format each say how to print: one at a time, and a format must make sense. */
static int check_output(const struct verb *v, const struct present_args *args)
{
	if (args->json + args->waybar + !!args->format > 1)
		return usage_error(v, "'--json', '--waybar' and '--format' each choose the output: give one");
	char *error = NULL;
	if (args->format && !present_bar_format_check(args->format, &error)) {
		int r = usage_error(v, "%s", error ? error : "out of memory");
		free(error);
		return r;
	}
	return 0;
}

static int verb_status(const struct verb *v, const struct present_args *args)
{
	struct present_client c = {0};
	struct present_status s = {0};
	struct present_statefile_counts counts = {0};
	int64_t now = present_time_now();
	int r = check_output(v, args);
	if (r)
		return r;
	/* Status bars run this every few seconds: the daemon's mirror answers
	 * without a bus connection. */
	char *mirror = present_statefile_path();
	r = mirror && present_client_bus_plausible() ? present_statefile_read_counts(mirror, &s, now, &counts) : -EAGAIN;
	free(mirror);
	if (r == -ENOENT) {
		r = 0;
	} else if (r == -EOWNERDEAD) {
		/* Its daemon died in a session: one started now puts back what that
		 * one left, as the unit's ExecStopPost does under systemd, and answers. */
		if ((r = present_client_connect(&c)) == 0)
			r = call_activating(&c, "GetStatus", "read the status", NULL, &s, "");
	} else if (r != 0 && (r = present_client_connect_daemon(&c)) == 0) {
		r = call(&c, "GetStatus", "read the status", NULL, &s, "");
	}
	/* No daemon means no session: a daemon only exits when idle. */
	if (r == CALL_NO_DAEMON)
		r = 0;
	if (r == 0)
		present_cli_print_status_line(args, &s, &counts, now);
	present_status_finish(&s);
	present_client_disconnect(&c);
	return r;
}

/* Restore's reply, (u a{sv}): a session it ended is said first, as stop
 * says it, so that nobody takes the meeting for still running. */
static void print_restore_reply(const struct present_wire_msg *reply)
{
	uint32_t restored = 0;
	struct present_status s = {0};
	struct present_wire_iter it;
	present_wire_iter_init(reply, &it);
	if (!present_wire_iter_read(&it, 'u', &restored))
		restored = 0;
	/* An older daemon sends the count alone. */
	else if (present_status_read(&it, &s) && s.active)
		present_print_stopped(true, &s, present_time_now());
	present_print_restored((int)restored);
	present_status_finish(&s);
}

static int verb_restore(const struct verb *v, const struct present_args *args)
{
	struct present_client c = {0};
	int r = present_client_connect(&c);
	if (r)
		return r;
	if (!present_client_daemon_running(&c)) {
		present_client_disconnect(&c);
		return restore_here();
	}
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_call(&c, "Restore", true, &err, "");
	if (!reply) {
		r = present_client_report("restore the desktop", &err);
		present_wire_error_free(&err);
	} else {
		print_restore_reply(reply);
		present_wire_msg_free(reply);
	}
	present_client_disconnect(&c);
	return r;
}

static int verb_doctor(const struct verb *v, const struct present_args *args)
{
	struct present_client c = {0};
	int r = present_client_connect(&c);
	if (r)
		return r;
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_call(&c, "Diagnose", true, &err, "");
	if (!reply) {
		r = present_client_report("ask the daemon", &err);
		present_wire_error_free(&err);
		present_client_disconnect(&c);
		return r;
	}
	r = present_print_findings(reply);
	present_wire_msg_free(reply);
	present_client_disconnect(&c);
	return r;
}

static int verb_alerts(const struct verb *v, const struct present_args *args)
{
	if (args->session && args->last)
		return usage_error(v, "'--session' and '--last' name different sessions: give one");
	return present_cli_alerts(args);
}

static int verb_owed(const struct verb *v, const struct present_args *args)
{
	return present_cli_owed(args);
}

/* An item's number as `present owed` shows it: "3" or "#3". */
static int parse_item(const struct verb *v, const char *text, uint64_t *ret)
{
	const char *digits = text[0] == '#' ? text + 1 : text;
	char *end;
	errno = 0;
	unsigned long long id = strtoull(digits, &end, 10);
	if (errno || end == digits || *end || digits[0] < '0' || digits[0] > '9' || id == 0)
		return usage_error(v, "'%s' is not the number of a response owed ('present owed' lists them)", text);
	*ret = id;
	return 0;
}

static int verb_owed_state(const struct verb *v, const struct present_args *args)
{
	uint64_t id = 0;
	int r = parse_item(v, args->positional[0], &id);
	if (r)
		return r;
	const char *state = strcmp(v->name, "ack") == 0 ? "acknowledged"
		: strcmp(v->name, "done") == 0	      ? "answered"
						      : "dismissed";
	return present_cli_owed_command(id, state, 0);
}

static int verb_snooze(const struct verb *v, const struct present_args *args)
{
	uint64_t id = 0;
	int64_t seconds;
	int r = parse_item(v, args->positional[0], &id);
	if (r)
		return r;
	const char *text = args->positional[1];
	r = present_duration_parse(text, &seconds);
	if (r == -ERANGE)
		return usage_error(v, "'%s' is out of range: a snooze lasts more than 0 and at most 24h", text);
	if (r < 0)
		return usage_error(v, "'%s' is not a duration (try 60, 45m, 90s, 1h30)", text);
	return present_cli_owed_command(id, NULL, (uint32_t)seconds);
}

static int verb_catchup(const struct verb *v, const struct present_args *args)
{
	return present_cli_catchup(args);
}

static int verb_history(const struct verb *v, const struct present_args *args)
{
	return present_cli_history(args);
}

static int verb_watch(const struct verb *v, const struct present_args *args)
{
	int r = check_output(v, args);
	return r ? r : present_cli_watch(args);
}

static int verb_shortcut(const struct verb *v, const struct present_args *args)
{
	return present_cli_shortcut(args);
}

static int print_help(FILE *f);
static const struct verb *find_verb(const char *name);

/* What `present VERB --help` prints. */
static int print_usage(const struct verb *v)
{
	printf("Usage: present %s%s%s\n", v->name, *v->synopsis ? " " : "", v->synopsis);
	return PRESENT_EXIT_OK;
}

/* `present help start` is asked the way `present start --help` is: the same answer. */
static int verb_help(const struct verb *v, const struct present_args *args)
{
	if (!args->n_positional)
		return print_help(stdout);
	const struct verb *of = find_verb(args->positional[0]);
	if (!of)
		return usage_error(v, "unknown verb '%s'", args->positional[0]);
	return print_usage(of);
}

static const struct verb verbs[] = {
	{"start", "[DURATION] [--label TEXT] [--quiet]", 0, 1, "label quiet", verb_start},
	{"stop", "", 0, 0, "", verb_stop},
	{"toggle", "[DURATION] [--label TEXT] [--quiet]", 0, 1, "label quiet", verb_toggle},
	{"extend", "DURATION", 1, 1, "", verb_extend},
	{"status", "[--json|--waybar|--format FORMAT]", 0, 0, "json waybar format", verb_status},
	{"watch", "[--json|--waybar|--format FORMAT]", 0, 0, "json waybar format", verb_watch},
	{"restore", "", 0, 0, "", verb_restore},
	{"doctor", "", 0, 0, "", verb_doctor},
	{"alerts", "[--session ID|--last] [--json]", 0, 0, "session last json", verb_alerts},
	{"catchup", "[-i] [--all] [--json|--hold]", 0, 0, "interactive all json hold", verb_catchup},
	{"owed", "[--all] [--json]", 0, 0, "all json", verb_owed},
	{"ack", "ID", 1, 1, "", verb_owed_state},
	{"done", "ID", 1, 1, "", verb_owed_state},
	{"dismiss", "ID", 1, 1, "", verb_owed_state},
	{"snooze", "ID DURATION", 2, 2, "", verb_snooze},
	{"history", "[--json]", 0, 0, "json", verb_history},
	{"shortcut", "[KEYS] [--print]", 0, 1, "print", verb_shortcut},
	{"help", "[VERB]", 0, 1, "", verb_help},
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static int print_help(FILE *f)
{
	fprintf(f,
		"Usage: present VERB [ARGS]\n"
		"Hold a focus session: the desktop goes quiet, nothing is lost.\n\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, *verbs[i].synopsis ? "  present %-8s %s\n" : "  present %s%s\n", verbs[i].name, verbs[i].synopsis);
	fprintf(f,
		"\nDURATION: 60 (minutes), 45m, 90s, 2h, 1h30; at most 24h.\n"
		"Options: --label TEXT (-l) names the meeting; --json prints JSON.\n"
		"  --quiet (-q): start without the heads-up about responses falling due in the meeting.\n"
		"  catchup -i (--interactive): a key for each response owed; --hold: a key to close at the end.\n"
		"  ID: a number from 'present owed'.\n"
		"  'present ack ID' prints the text to send on stdout, and what it did on stderr.\n"
		"  --waybar: a Waybar module's JSON; --format FORMAT: a status bar's line, with {state} {remaining}\n"
		"  {until} {label} {alerts} {owed} {overdue}. 'watch' prints one more on every change.\n"
		"  shortcut binds 'present toggle' to KEYS (default <Super>p); --print only shows how.\n"
		"  present --help | --version\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 3 started but not silenced, 4 ended but not all put back,\n"
		"  69 no bus or daemon, 78 bad configuration.\n");
	return PRESENT_EXIT_OK;
}

/* Every option any verb takes; which verb takes which is in the verb table. */
struct option {
	const char *name;
	bool value; /* takes a value, else it is a flag */
	size_t offset; /* into struct present_args */
};

static const struct option options[] = {
	{"all", false, offsetof(struct present_args, all)},
	{"format", true, offsetof(struct present_args, format)},
	{"hold", false, offsetof(struct present_args, hold)},
	{"interactive", false, offsetof(struct present_args, interactive)},
	{"json", false, offsetof(struct present_args, json)},
	{"label", true, offsetof(struct present_args, label)},
	{"last", false, offsetof(struct present_args, last)},
	{"print", false, offsetof(struct present_args, print)},
	{"quiet", false, offsetof(struct present_args, quiet)},
	{"session", true, offsetof(struct present_args, session)},
	{"waybar", false, offsetof(struct present_args, waybar)},
};

static const struct option *find_option(const char *name)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* A small parser of our own: "-5" must reach the duration check as a
 * negative duration, not be taken for an unknown option. */
static int parse_args(const struct verb *v, int argc, char **argv, struct present_args *args)
{
	bool options_done = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool is_option = !options_done && a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9');
		if (is_option && strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!is_option) {
			if (args->n_positional >= v->max_args)
				return usage_error(v, "'%s' is one argument too many for '%s'", a, v->name);
			args->positional[args->n_positional++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		char name[32];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			args->help = true;
			continue;
		}
		if (strcmp(a, "-l") == 0)
			snprintf(name, sizeof(name), "label");
		else if (strcmp(a, "-i") == 0)
			snprintf(name, sizeof(name), "interactive");
		else if (strcmp(a, "-q") == 0)
			snprintf(name, sizeof(name), "quiet");
		else if (a[1] == '-')
			snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2), a + 2);
		else
			return usage_error(v, "unknown option '%s'", a);
		const struct option *o = find_option(name);
		if (!o || !present_text_has_word(v->options, name))
			return usage_error(v, "'%s' takes no option '%s'", v->name, a);

		if (!o->value) {
			if (eq)
				return usage_error(v, "'--%s' takes no value", name);
			*(bool *)((char *)args + o->offset) = true;
			continue;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value)
			return usage_error(v, "'%s' needs a value", a);
		*(const char **)((char *)args + o->offset) = value;
	}
	/* `present ack --help` asks how to give the ID: it is not a missing one. */
	if (args->n_positional < v->min_args && !args->help)
		return usage_error(v, "'%s' needs %s", v->name, v->synopsis);
	return 0;
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr);
		return PRESENT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return print_help(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("present %s\n", PRESENT_VERSION);
		return PRESENT_EXIT_OK;
	}

	const struct verb *v = find_verb(argv[1]);
	if (!v)
		return usage_error(NULL, "unknown verb '%s'", argv[1]);
	struct present_args args = {.verb = v->name};
	int r = parse_args(v, argc - 2, argv + 2, &args);
	if (r)
		return r;
	return args.help ? print_usage(v) : v->run(v, &args);
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);
	/* Output that never reached its reader (a full disk) is no success:
	 * `present ack` has marked the item, and the script must learn that
	 * the reply it was to paste is lost. */
	int e = fflush(stdout) != 0 ? errno : 0;
	if (e || ferror(stdout)) {
		fprintf(stderr, "present: cannot write the output: %s\n", e ? strerror(e) : "write error");
		if (r == PRESENT_EXIT_OK)
			r = PRESENT_EXIT_FAILURE;
	}
	return r;
}
