#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "text.h"
#include "timefmt.h"

static void print_label(const struct present_status *s)
{
	if (s->label && *s->label) {
		fputs(" · ", stdout);
		present_text_terminal(stdout, s->label);
	}
}

static bool is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* " · do-not-disturb on (dunst) · mail muted: Thunderbird", from what the daemon reported. */
static void print_dnd(const struct present_status *s)
{
	const char *backend = s->dnd_backend ? s->dnd_backend : s->dnd_server ? s->dnd_server : "?";
	fputs(" · ", stdout);
	if (is(s->dnd_state, "on") || is(s->dnd_state, "already-on")) {
		printf("do-not-disturb %s (", is(s->dnd_state, "on") ? "on" : "already on");
		present_text_terminal(stdout, backend);
		putchar(')');
	} else if (is(s->dnd_state, "none")) {
		fputs("no notification server: nothing needed silencing", stdout);
	} else if (is(s->dnd_state, "disabled")) {
		fputs("do-not-disturb off in the configuration", stdout);
	} else if (is(s->dnd_state, "unsupported")) {
		fputs("do-not-disturb unavailable", stdout);
	} else {
		fputs("do-not-disturb FAILED", stdout);
	}
	for (size_t i = 0; s->muted && s->muted[i]; i++) {
		fputs(i == 0 ? " · mail muted: " : ", ", stdout);
		present_text_terminal(stdout, s->muted[i]);
	}
}

void present_print_warning(const char *what, const char *why)
{
	fflush(stdout);
	fprintf(stderr, "present: warning: %s", what);
	present_text_terminal(stderr, why);
	fputc('\n', stderr);
}

/* A meeting that is not quiet is not a warning to skim past: it is the
 * failure of what was asked for, though the session itself runs. */
static void say_not_silenced(const struct present_status *s)
{
	fflush(stdout);
	fputs("present: do-not-disturb could not be turned on", stderr);
	if (s->dnd_note) {
		fputs(": ", stderr);
		present_text_terminal(stderr, s->dnd_note);
	}
	fprintf(stderr, "\npresent: the session is running all the same%s\n",
		s->capture_error ? "" : ", and alerts are still held (they may show meanwhile)");
}

/* What did not work at the start: the user must hear it once, plainly. */
static void warn_start(const struct present_status *s)
{
	if (is(s->dnd_state, "failed"))
		say_not_silenced(s);
	else if (s->dnd_note && !is(s->dnd_state, "none") && !is(s->dnd_state, "disabled"))
		present_print_warning("", s->dnd_note);
	if (s->capture_error)
		present_print_warning("alerts are not being held: ", s->capture_error);
	/* One store fault often breaks both: say it once. */
	if (s->store_error && !(s->capture_error && strcmp(s->capture_error, s->store_error) == 0))
		present_print_warning("this session is not being recorded: ", s->store_error);
}

void present_print_started(const struct present_status *s, int64_t now)
{
	char until[32], length[32];
	present_time_clock(s->ends_at, now, until, sizeof(until));
	present_duration_format(s->ends_at - s->started_at, length, sizeof(length));
	printf("Present until %s (%s)", until, length);
	print_label(s);
	if (s->dnd_state)
		print_dnd(s);
	putchar('\n');
	warn_start(s);
}

/* A switch left on after the meeting is the failure the user must hear of:
 * alerts stay hidden until it is put back. */
static void say_unrestored(const struct present_status *s)
{
	if (!s->n_unrestored)
		return;
	fflush(stdout);
	for (size_t i = 0; i < s->n_unrestored; i++) {
		const struct present_unrestored *u = &s->unrestored[i];
		fputs("present: ", stderr);
		if (*u->app) {
			fputs("the mute of ", stderr);
			present_text_terminal(stderr, u->app);
		} else {
			fputs("do-not-disturb", stderr);
		}
		fputs(" could not be put back (", stderr);
		present_text_terminal(stderr, u->backend);
		fputs("): ", stderr);
		present_text_terminal(stderr, u->reason);
		fputc('\n', stderr);
	}
	fputs("present: 'present restore' tries again\n", stderr);
}

void present_print_stopped(bool stopped, const struct present_status *s, int64_t now)
{
	if (!stopped) {
		puts("No session is running.");
		say_unrestored(s);
		return;
	}
	char lasted[32];
	present_duration_format(now - s->started_at, lasted, sizeof(lasted));
	printf("Session ended after %s", lasted);
	print_label(s);
	putchar('\n');
	say_unrestored(s);
}

static void json_or_null(const char *s)
{
	present_text_json_or_null(stdout, s);
}

/* Whether the session has a do-not-disturb to report: none when it is turned off in the configuration or no
 * notification server runs (nothing to silence, so no backend). */
static bool has_dnd(const struct present_status *s)
{
	return s->dnd_state && !is(s->dnd_state, "disabled") && !is(s->dnd_state, "none");
}

/* , "left_on": [{"backend": ..., "app": ..., "reason": ...}, ...]} to end the object: with no session only. */
static void print_json_left_on(const struct present_status *s)
{
	size_t n = s->active ? 0 : s->n_unrestored;
	fputs(", \"left_on\": [", stdout);
	for (size_t i = 0; i < n; i++) {
		const struct present_unrestored *u = &s->unrestored[i];
		fputs(i ? ", {\"backend\": " : "{\"backend\": ", stdout);
		present_text_json(stdout, u->backend);
		fputs(", \"app\": ", stdout);
		json_or_null(*u->app ? u->app : NULL);
		fputs(", \"reason\": ", stdout);
		present_text_json(stdout, u->reason);
		fputc('}', stdout);
	}
	puts("]}");
}

/* A field that does not apply is null, never 0 or "": a script cannot tell those from values. */
static void print_json(const struct present_status *s, int64_t now)
{
	char started[40], ends[40];
	if (!s->active) {
		fputs("{\"active\": false, \"id\": null, \"started_at\": null, \"ends_at\": null, "
		      "\"remaining_s\": null, \"label\": null, \"dnd\": null, \"muted\": null",
			stdout);
		print_json_left_on(s);
		return;
	}
	present_time_iso8601(s->started_at, started, sizeof(started));
	present_time_iso8601(s->ends_at, ends, sizeof(ends));
	int64_t remaining = s->ends_at > now ? s->ends_at - now : 0;
	/* A session the store could not record has no number. */
	if (s->id)
		printf("{\"active\": true, \"id\": %llu", (unsigned long long)s->id);
	else
		fputs("{\"active\": true, \"id\": null", stdout);
	printf(", \"started_at\": \"%s\", \"ends_at\": \"%s\", \"remaining_s\": %lld, \"label\": ", started, ends,
		(long long)remaining);
	json_or_null(s->label);
	if (!has_dnd(s)) {
		fputs(", \"dnd\": null", stdout);
	} else {
		fputs(", \"dnd\": {\"state\": ", stdout);
		json_or_null(s->dnd_state);
		fputs(", \"server\": ", stdout);
		json_or_null(s->dnd_server);
		fputs(", \"backend\": ", stdout);
		json_or_null(s->dnd_backend);
		fputs(", \"note\": ", stdout);
		json_or_null(s->dnd_note);
		fputc('}', stdout);
	}
	fputs(", \"muted\": [", stdout);
	for (size_t i = 0; s->muted && s->muted[i]; i++) {
		if (i)
			fputs(", ", stdout);
		present_text_json(stdout, s->muted[i]);
	}
	fputc(']', stdout);
	print_json_left_on(s);
}

/* No session, yet alerts stay hidden: the status of a desktop that is not as the user left it. */
static void print_left_on(const struct present_status *s)
{
	puts("Not in a session, but do-not-disturb is still on: a session could not put it back");
	for (size_t i = 0; i < s->n_unrestored; i++) {
		/* One at a time: each stays one line, whatever its reason holds. */
		char *line = present_unrestored_text(&s->unrestored[i], 1);
		fputs("  ", stdout);
		present_text_terminal(stdout, line ? line : s->unrestored[i].backend);
		putchar('\n');
		free(line);
	}
	puts("present keeps trying; 'present restore' tries now.");
}

void present_print_status(const struct present_status *s, int64_t now, bool json)
{
	if (json) {
		print_json(s, now);
		return;
	}
	if (!s->active && s->n_unrestored) {
		print_left_on(s);
		return;
	}
	if (!s->active) {
		puts("Not in a session.");
		return;
	}
	char until[32], left[32];
	present_time_clock(s->ends_at, now, until, sizeof(until));
	/* Shown in whole minutes from 10 on, rounded up as status bars show
	 * them: the two agree, and `watch` prints a line as that minute changes.
	 * Below, to the second. */
	int64_t seconds = s->ends_at > now ? s->ends_at - now : 0;
	present_duration_format(seconds > 540 ? (seconds + 59) / 60 * 60 : seconds, left, sizeof(left));
	printf("Present until %s · %s left", until, left);
	print_label(s);
	if (s->dnd_state)
		print_dnd(s);
	putchar('\n');
}

int present_print_findings(const struct present_wire_msg *reply)
{
	struct present_wire_iter it, array, item;
	int failures = 0;
	present_wire_iter_init(reply, &it);
	if (strcmp(reply->signature, "a(sss)") != 0 || !present_wire_iter_enter(&it, 'a', &array)) {
		fputs("present: the daemon sent findings this version does not understand\n", stderr);
		return 1;
	}
	while (present_wire_iter_enter(&array, '(', &item)) {
		const char *level, *topic, *message;
		/* The signature was checked: every struct holds three strings. */
		if (!present_wire_iter_read(&item, 's', &level) || !present_wire_iter_read(&item, 's', &topic) ||
			!present_wire_iter_read(&item, 's', &message))
			return 1;
		failures += is(level, "failure");
		printf("%-8s %s: ", is(level, "failure") ? "FAIL" : level, topic);
		present_text_terminal(stdout, message);
		putchar('\n');
	}
	return failures ? 1 : 0;
}

void present_print_alert_text(FILE *f, const char *summary, const char *body, int updates, bool withdrawn)
{
	char *line = present_text_first_line(summary ? summary : "");
	present_text_terminal(f, line ? line : "");
	free(line);
	/* The body is markup, as the app sent it: what people saw is its text. */
	char *text = body ? present_text_unmarkup(strdup(body)) : NULL;
	line = text ? present_text_first_line(text) : NULL;
	if (line && *line) {
		fputs(" — ", f);
		present_text_terminal(f, line);
	}
	free(line);
	free(text);
	if (updates)
		fprintf(f, " (updated %d×)", updates);
	if (withdrawn)
		fputs(" (withdrawn)", f);
}
