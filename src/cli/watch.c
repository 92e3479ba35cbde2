/*
 * `present watch` and the status bar outputs of `present status`. watch
 * follows the daemon's signals and never asks it anything unprompted: one
 * line now, one on every change, and, while a session runs, one when the
 * minutes left change (a wall-clock timer to that moment, not polling).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "statefile.h"
#include "statusbar.h"
#include "timefmt.h"

void present_cli_print_status_line(const struct present_args *args, const struct present_status *s,
	const struct present_statefile_counts *counts, int64_t now)
{
	char *left_on = s->active ? NULL : present_unrestored_text(s->unrestored, s->n_unrestored);
	struct present_bar bar = {
		.active = s->active,
		.ends_at = s->ends_at,
		.label = s->label,
		.alerts = s->alerts,
		.owed_known = counts && counts->owed_known,
		.owed = counts ? counts->owed : 0,
		.overdue = counts ? counts->overdue : 0,
		.left_on = left_on,
	};
	if (args->waybar) {
		present_bar_waybar(stdout, &bar, now);
		putchar('\n');
	} else if (args->format) {
		present_bar_format(stdout, args->format, &bar, now);
		putchar('\n');
	} else {
		present_print_status(s, now, args->json);
	}
	free(left_on);
}

struct watch {
	struct present_status s;
	bool refresh; /* the daemon came, or left: ask what runs */
	bool revive; /* the next refresh may start a daemon, to put back what a dead one left */
	bool gone; /* the bus went away */
};

static void set_idle(struct watch *w)
{
	present_status_finish(&w->s);
	w->s = (struct present_status){0};
}

static bool is_signal(const struct present_wire_msg *m, const char *interface, const char *member)
{
	return m->type == PRESENT_WIRE_SIGNAL && m->interface && strcmp(m->interface, interface) == 0 &&
		strcmp(m->member, member) == 0;
}

static void on_message(struct watch *w, const struct present_wire_msg *m)
{
	struct present_wire_iter it;
	const char *name, *old_owner, *new_owner;
	present_wire_iter_init(m, &it);
	if (is_signal(m, "org.freedesktop.DBus", "NameOwnerChanged")) {
		if (present_wire_iter_read(&it, 's', &name) && present_wire_iter_read(&it, 's', &old_owner) &&
			present_wire_iter_read(&it, 's', &new_owner) && strcmp(name, PRESENT_BUS_NAME) == 0) {
			/* A daemon only leaves when idle, or when it died: either way nothing runs. One
			 * that died in a session may have left the desktop silenced, for a refresh to
			 * see to; that happens once per session shown, so a daemon that keeps dying
			 * is not started over and over. */
			if (!*new_owner) {
				w->revive = w->s.active || w->s.n_unrestored;
				set_idle(w);
			}
			w->refresh = true;
		}
	} else if (is_signal(m, PRESENT_INTERFACE, "SessionEnded")) {
		set_idle(w);
	} else if (is_signal(m, PRESENT_INTERFACE, "SessionStarted") || is_signal(m, PRESENT_INTERFACE, "SessionChanged")) {
		struct present_status s = {0};
		if (present_status_read(&it, &s)) {
			present_status_finish(&w->s);
			w->s = s;
		} else {
			present_status_finish(&s);
		}
	}
}

/*
 * Asks a running daemon what runs. No answer: the daemon is not there, or
 * left in between, and its leaving says so. It starts none, but where one
 * died in a session: without systemd to put back what that one left,
 * nothing else would while the bar shows idle, so a daemon started now
 * does, first, and answers, as for `present status`.
 */
static void refresh(struct present_client *c, struct watch *w)
{
	bool activate = w->revive && present_statefile_writer_died(false);
	w->refresh = w->revive = false;
	set_idle(w);
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_call(c, "GetStatus", activate, &err, "");
	struct present_wire_iter it;
	if (reply) {
		present_wire_iter_init(reply, &it);
		if (!present_status_read(&it, &w->s))
			set_idle(w);
	}
	present_wire_msg_free(reply);
	present_wire_error_free(&err);
}

/* What the line depends on: a line is printed only when this changes. The
 * whole status shows it (plain, --json), so what a session says of
 * do-not-disturb and of the store counts too: a new server's, or a retry's. */
static char *line_key(const struct present_status *s, const struct present_statefile_counts *counts, int64_t now)
{
	struct present_bar bar = {.active = s->active, .ends_at = s->ends_at};
	int64_t next = present_bar_next_change(&bar, now);
	char *key = NULL, *left_on = present_unrestored_text(s->unrestored, s->n_unrestored);
	size_t size;
	FILE *f = open_memstream(&key, &size);
	if (!f) {
		free(left_on);
		return NULL;
	}
	fprintf(f, "%d %llu %lld %lld %u %d %u %u %s\n%s", s->active, (unsigned long long)s->id,
		(long long)s->ends_at, (long long)next, (unsigned)s->alerts, counts->owed_known, (unsigned)counts->owed,
		(unsigned)counts->overdue, s->label ? s->label : "", left_on ? left_on : "");
	const char *const said[] = {s->dnd_state, s->dnd_server, s->dnd_backend, s->dnd_note, s->capture_error,
		s->store_error};
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		fprintf(f, "\n%s", said[i] ? said[i] : "");
	for (size_t i = 0; s->muted && s->muted[i]; i++)
		fprintf(f, "\n%s", s->muted[i]);
	free(left_on);
	if (fclose(f) != 0) {
		free(key);
		return NULL;
	}
	return key;
}

/* The responses owed are only in the daemon's mirror; it is written before each signal. */
static void read_counts(const struct present_status *s, int64_t now, struct present_statefile_counts *counts)
{
	*counts = (struct present_statefile_counts){0};
	char *path = s->active ? present_statefile_path() : NULL;
	struct present_status mirrored;
	if (path && present_statefile_read_counts(path, &mirrored, now, counts) == 0) {
		if (mirrored.id != s->id)
			*counts = (struct present_statefile_counts){0};
		present_status_finish(&mirrored);
	}
	free(path);
}

static bool arm(int timer, const struct present_status *s, int64_t now)
{
	struct present_bar bar = {.active = s->active, .ends_at = s->ends_at};
	/* A clock that was set wakes us to look again. */
	return present_time_timer_set(timer, (struct timespec){.tv_sec = present_bar_next_change(&bar, now)}) == 0;
}

static bool subscribe(struct present_client *c)
{
	static const char *const rules[] = {
		"type='signal',sender='" PRESENT_BUS_NAME "',path='" PRESENT_OBJECT_PATH "',interface='" PRESENT_INTERFACE
		"'",
		"type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
		"arg0='" PRESENT_BUS_NAME "'",
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct present_wire_error err = {0};
		struct present_wire_msg *reply = present_client_call_bus(c, "AddMatch", &err, rules[i]);
		if (!reply) {
			present_client_complain(err.message, "cannot follow the daemon's signals: ");
			present_wire_error_free(&err);
			return false;
		}
		present_wire_msg_free(reply);
	}
	return true;
}

/* Takes every message that has arrived, without waiting. false: the bus went away. */
static bool drain(struct present_client *c, struct watch *w)
{
	struct present_wire_msg *m;
	int r;
	while ((r = present_wire_next(c->bus, 0, &m)) == 1) {
		on_message(w, m);
		present_wire_msg_free(m);
	}
	return r == 0;
}

/* Prints the line if it changed. false: stdout is gone (the bar closed the pipe). */
static bool print_if_changed(const struct present_args *args, const struct watch *w, char **last)
{
	int64_t now = present_time_now();
	/* At its planned end the session is the daemon's to end, and its
	 * SessionEnded follows: a line still active with nothing left would
	 * show for that moment. The first line is printed all the same. */
	if (*last && w->s.active && w->s.ends_at <= now)
		return true;
	struct present_statefile_counts counts;
	read_counts(&w->s, now, &counts);
	char *key = line_key(&w->s, &counts, now);
	if (key && *last && strcmp(key, *last) == 0) {
		free(key);
		return true;
	}
	free(*last);
	*last = key;
	present_cli_print_status_line(args, &w->s, &counts, now);
	return fflush(stdout) == 0 && !ferror(stdout);
}

int present_cli_watch(const struct present_args *args)
{
	struct present_client c = {0};
	struct watch w = {0};
	char *last = NULL;
	int r = present_client_connect(&c);
	if (r)
		return r;

	/* The end of the pipe is a normal end: EPIPE, not a signal. SIGINT and
	 * SIGTERM end it too, cleanly, with exit status 0. */
	signal(SIGPIPE, SIG_IGN);
	sigset_t quit;
	sigemptyset(&quit);
	sigaddset(&quit, SIGINT);
	sigaddset(&quit, SIGTERM);
	int sig = sigprocmask(SIG_BLOCK, &quit, NULL) == 0 ? signalfd(-1, &quit, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
	int timer = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sig < 0 || timer < 0) {
		fprintf(stderr, "present: cannot watch: %s\n", strerror(errno));
		r = PRESENT_EXIT_FAILURE;
		goto out;
	}
	if (!subscribe(&c)) {
		r = PRESENT_EXIT_UNAVAILABLE;
		goto out;
	}
	/* Subscribed first, then asked: a change in between is not lost. */
	w.revive = true;
	refresh(&c, &w);
	for (;;) {
		if (!drain(&c, &w)) {
			fputs("present: the session bus went away\n", stderr);
			r = PRESENT_EXIT_UNAVAILABLE;
			break;
		}
		if (w.refresh) {
			refresh(&c, &w);
			continue;
		}
		if (!print_if_changed(args, &w, &last)) {
			/* The reader went as the line was written: a normal end, as
			 * when poll() says so first, with nothing more to write. */
			if (errno == EPIPE) {
				__fpurge(stdout);
				clearerr(stdout);
			}
			break;
		}
		if (!arm(timer, &w.s, present_time_now()))
			break;

		struct pollfd fds[] = {
			{.fd = present_wire_fd(c.bus), .events = POLLIN},
			{.fd = sig, .events = POLLIN},
			{.fd = timer, .events = POLLIN},
			{.fd = STDOUT_FILENO, .events = 0}, /* POLLERR once the reader is gone */
		};
		if (present_wire_pending(c.bus))
			continue;
		if (poll(fds, 4, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "present: cannot watch: %s\n", strerror(errno));
			r = PRESENT_EXIT_FAILURE;
			break;
		}
		if (fds[1].revents || (fds[3].revents & (POLLERR | POLLHUP | POLLNVAL)))
			break;
		if (fds[2].revents) {
			uint64_t expirations;
			/* ECANCELED: the clock was set; the next pass looks again. */
			if (read(timer, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN && errno != ECANCELED)
				break;
		}
	}
out:
	free(last);
	present_status_finish(&w.s);
	if (sig >= 0)
		close(sig);
	if (timer >= 0)
		close(timer);
	present_client_disconnect(&c);
	return r;
}
