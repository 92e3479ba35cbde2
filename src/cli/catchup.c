/*
 * `present catchup`: after the meeting, what came in (per app, the noise in
 * one line) and who is waiting. With -i, the responses owed one key each.
 * Reads the store directly; only acting on an item asks the daemon.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "duration.h"
#include "grow.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define RESET "\033[0m"

/* What the alert was in the app's own words; copied out of the store's callback. */
struct held {
	int64_t id, received_at;
	char *summary, *body, *cls;
	int updates;
	bool withdrawn;
};

/* One app's alerts: how many, and the latest of them (all, with --all). */
struct group {
	char *app;
	size_t count;
	struct held *alerts;
	size_t n, cap;
	bool failed;
};

/* A summary reads counts and the latest few, so that a session that held a
 * hundred thousand alerts is summed up as fast as one that held ten. */
#define LATEST_PER_APP 10

struct catchup {
	struct group *groups; /* in the order each app first sent something */
	size_t n, cap;
	struct group noise; /* every app's: one line, "N system alerts" */
	size_t total;
	struct present_cli_gaps gaps; /* what came in then may be missing */
	bool failed;
};

static struct group *group_for(struct catchup *c, const char *app)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->groups[i].app, app) == 0)
			return &c->groups[i];
	if (!present_grow(&c->groups, &c->cap, c->n, sizeof(*c->groups)))
		return NULL;
	struct group *g = &c->groups[c->n];
	*g = (struct group){.app = strdup(app)};
	if (!g->app)
		return NULL;
	c->n++;
	return g;
}

static void take_group(const struct present_alert_group *row, void *userdata)
{
	struct catchup *c = userdata;
	struct group *g = row->noise ? &c->noise : group_for(c, row->app);
	if (!g) {
		c->failed = true;
		return;
	}
	g->count += (size_t)row->count;
	c->total += (size_t)row->count;
}

static void take_alert(const struct present_alert_row *row, void *userdata)
{
	struct group *g = userdata;
	if (!present_grow(&g->alerts, &g->cap, g->n, sizeof(*g->alerts))) {
		g->failed = true;
		return;
	}
	struct held *h = &g->alerts[g->n];
	*h = (struct held){
		.id = row->id,
		.received_at = row->received_at,
		.summary = strdup(row->summary ? row->summary : ""),
		.body = strdup(row->body ? row->body : ""),
		.cls = strdup(row->cls ? row->cls : "alert"),
		.updates = row->updates,
		.withdrawn = row->withdrawn,
	};
	if (!h->summary || !h->body || !h->cls) {
		free(h->summary);
		free(h->body);
		free(h->cls);
		g->failed = true;
		return;
	}
	g->n++;
}

/* The counts of every app, then the latest alerts of each, and when none were watched. */
static int read_alerts(struct present_store *store, int64_t session_id, size_t latest, struct catchup *c)
{
	int r = present_store_alert_groups(store, session_id, take_group, c);
	if (r >= 0)
		r = present_store_gaps_each(store, session_id, present_cli_gaps_take, &c->gaps);
	c->failed |= c->gaps.failed;
	for (size_t i = 0; r >= 0 && i < c->n; i++) {
		r = present_store_alerts_latest(store, session_id, c->groups[i].app, latest, take_alert, &c->groups[i]);
		c->failed |= c->groups[i].failed;
	}
	if (r >= 0 && c->noise.count)
		r = present_store_alerts_latest(store, session_id, NULL, latest, take_alert, &c->noise);
	c->failed |= c->noise.failed;
	return r;
}

static void group_finish(struct group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->alerts[i].summary);
		free(g->alerts[i].body);
		free(g->alerts[i].cls);
	}
	free(g->alerts);
	free(g->app);
}

static void catchup_finish(struct catchup *c)
{
	for (size_t i = 0; i < c->n; i++)
		group_finish(&c->groups[i]);
	free(c->groups);
	group_finish(&c->noise);
	present_cli_gaps_finish(&c->gaps);
}

static void print_session(const struct present_session_record *s, size_t total, bool colour)
{
	int64_t now = present_time_now(), end = s->ended_at ? s->ended_at : s->planned_end;
	char started[32], ended[32], lasted[32];
	present_time_clock(s->started_at, now, started, sizeof(started));
	present_time_clock(end, now, ended, sizeof(ended));
	present_duration_format((s->ended_at ? s->ended_at : now) - s->started_at, lasted, sizeof(lasted));
	printf("%sSession %lld, %s–%s (%s%s)", colour ? BOLD : "", (long long)s->id, started, ended,
		s->ended_at ? "" : "running, ", lasted);
	if (s->label && *s->label) {
		fputs(" · ", stdout);
		present_text_terminal(stdout, s->label);
	}
	fputs(colour ? RESET : "", stdout);
	if (total)
		printf(": %zu alert%s held\n", total, total == 1 ? "" : "s");
	else
		puts(": nothing came in");
}

/* Said before what came in: the counts and the list of who is waiting leave out what came then. */
static void print_gaps(const struct catchup *c, bool dated, bool colour)
{
	for (size_t i = 0; i < c->gaps.n; i++) {
		char from[24], to[24];
		const struct present_cli_gap *g = &c->gaps.gaps[i];
		present_time_of_day(g->from, true, dated, from, sizeof(from));
		present_time_of_day(g->to, true, dated, to, sizeof(to));
		printf("%sAlerts were not watched from %s to %s (", colour ? RED : "", from, to);
		present_text_terminal(stdout, g->reason);
		printf("): what came in then is missing here.%s\n", colour ? RESET : "");
	}
}

static void print_alert(const struct held *h, bool dated, bool colour)
{
	char when[24];
	present_time_of_day(h->received_at, false, dated, when, sizeof(when));
	printf("  %s%s%s  ", colour ? DIM : "", when, colour ? RESET : "");
	present_print_alert_text(stdout, h->summary, h->body, h->updates, h->withdrawn);
	putchar('\n');
}

static void print_owed_section(const struct present_cli_owed_rows *owed, int64_t now_ms, bool colour)
{
	int overdue = 0;
	for (size_t i = 0; i < owed->n; i++)
		overdue += present_cli_owed_overdue(&owed->rows[i], now_ms);
	if (owed->n == 0) {
		puts("Nothing owed: you are all caught up.");
		return;
	}
	printf("%s%zu response%s owed", colour ? BOLD : "", owed->n, owed->n == 1 ? "" : "s");
	if (overdue)
		printf(colour ? ", " RED "%d overdue" RESET BOLD : ", %d overdue", overdue);
	printf(":%s\n", colour ? RESET : "");
	for (size_t i = 0; i < owed->n; i++) {
		fputs("  ", stdout);
		present_print_owed(stdout, &owed->rows[i], now_ms, colour);
		putchar('\n');
	}
}

/* "?": the store's name for the group of alerts that gave none. */
static bool unnamed(const char *app)
{
	return strcmp(app, "?") == 0;
}

static void print_plain(const struct present_session_record *s, const struct catchup *c,
	const struct present_cli_owed_rows *owed, int64_t now_ms, bool colour)
{
	if (s->id)
		print_session(s, c->total, colour);
	else
		puts("No session yet: nothing was held.");
	/* Across midnight a time of day alone could be either day's. */
	bool dated = s->id && present_time_spans_days(s->started_at, s->ended_at ? s->ended_at : now_ms / 1000);
	print_gaps(c, dated, colour);
	for (size_t i = 0; i < c->n; i++) {
		const struct group *g = &c->groups[i];
		fputs(colour ? BOLD : "", stdout);
		present_text_terminal(stdout, unnamed(g->app) ? "(unnamed)" : g->app);
		printf("%s (%zu)\n", colour ? RESET : "", g->count);
		if (g->count > g->n)
			printf("  %s… %zu earlier (present catchup --all, or present alerts --last)%s\n", colour ? DIM : "",
				g->count - g->n, colour ? RESET : "");
		for (size_t j = 0; j < g->n; j++)
			print_alert(&g->alerts[j], dated, colour);
	}
	if (c->noise.count)
		printf("%s%zu system alert%s%s\n", colour ? DIM : "", c->noise.count, c->noise.count == 1 ? "" : "s",
			colour ? RESET : "");
	putchar('\n');
	print_owed_section(owed, now_ms, colour);
}

static void json_alerts(const struct group *g)
{
	fputs("[", stdout);
	for (size_t i = 0; i < g->n; i++) {
		const struct held *h = &g->alerts[i];
		char when[40];
		present_time_iso8601(h->received_at / 1000, when, sizeof(when));
		printf("%s{\"id\": %lld, \"received_at\": \"%s\", \"summary\": ", i ? ", " : "", (long long)h->id,
			when);
		present_text_json(stdout, h->summary);
		fputs(", \"body\": ", stdout);
		present_text_json(stdout, h->body);
		fputs(", \"class\": ", stdout);
		present_text_json_or_null(stdout, h->cls);
		printf(", \"updates\": %d, \"withdrawn\": %s}", h->updates, h->withdrawn ? "true" : "false");
	}
	fputs("]", stdout);
}

static void print_json(const struct present_session_record *s, const struct catchup *c,
	const struct present_cli_owed_rows *owed, int64_t now_ms)
{
	fputs("{\"session\": ", stdout);
	if (s->id) {
		printf("{\"id\": %lld, \"label\": ", (long long)s->id);
		present_text_json_or_null(stdout, s->label);
		present_time_json(stdout, "started_at", s->started_at);
		present_time_json(stdout, "planned_end", s->planned_end);
		present_time_json(stdout, "ended_at", s->ended_at);
		fputs(", \"end_reason\": ", stdout);
		if (s->end_reason)
			present_text_json(stdout, s->end_reason);
		else
			fputs("null", stdout);
		printf(", \"alerts\": %zu, \"gaps\": [", c->total);
		for (size_t i = 0; i < c->gaps.n; i++) {
			const struct present_cli_gap *g = &c->gaps.gaps[i];
			fputs(i ? ", {\"from\": " : "{\"from\": ", stdout);
			char when[40];
			present_time_iso8601(g->from / 1000, when, sizeof(when));
			printf("\"%s\"", when);
			present_time_json(stdout, "to", g->to / 1000);
			fputs(", \"reason\": ", stdout);
			present_text_json(stdout, g->reason);
			fputs("}", stdout);
		}
		fputs("]}", stdout);
	} else {
		fputs("null", stdout);
	}
	fputs(",\n \"apps\": [", stdout);
	for (size_t i = 0; i < c->n; i++) {
		fputs(i ? ",\n  {\"app\": " : "\n  {\"app\": ", stdout);
		present_text_json_or_null(stdout, unnamed(c->groups[i].app) ? NULL : c->groups[i].app);
		printf(", \"count\": %zu, \"earlier\": %zu, \"alerts\": ", c->groups[i].count,
			c->groups[i].count - c->groups[i].n);
		json_alerts(&c->groups[i]);
		fputs("}", stdout);
	}
	printf("],\n \"noise\": {\"count\": %zu, \"earlier\": %zu, \"alerts\": ", c->noise.count,
		c->noise.count - c->noise.n);
	json_alerts(&c->noise);
	fputs("},\n \"owed\": [", stdout);
	for (size_t i = 0; i < owed->n; i++) {
		fputs(i ? ",\n  " : "\n  ", stdout);
		present_print_owed_json(stdout, &owed->rows[i], now_ms);
	}
	puts("]}");
}

/* The terminal as it was, put back on every way out of a key read, signals included. */
static struct termios saved_termios;
static volatile sig_atomic_t raw_on;

static void restore_terminal(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		raw_on = 0;
	}
}

static void on_fatal_signal(int sig)
{
	restore_terminal();
	/* SA_RESETHAND made the default action current again: die of the signal as if never caught. */
	raise(sig);
}

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void catch_signals(bool on)
{
	struct sigaction sa = {.sa_handler = on ? on_fatal_signal : SIG_DFL, .sa_flags = on ? SA_RESETHAND : 0};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &sa, NULL);
}

#define KEY_INTERRUPT (-2)

/* Shows prompt and reads one key of accepted (NULL: any), unechoed, without Enter; -1 at end of
 * input, KEY_INTERRUPT for Ctrl-C or Ctrl-\. The terminal is raw only while waiting, so a slow call
 * to the daemon can still be interrupted; and raw before the prompt shows, so no key typed after it
 * is read the cooked way. */
static int read_key(const char *prompt, const char *accepted)
{
	struct termios raw;
	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -1;
	raw = saved_termios;
	/* ISIG off: Ctrl-C arrives as a key, and is handled on the same path as every other way out. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	raw_on = 1;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
		raw_on = 0;
		return -1;
	}
	fputs(prompt, stdout);
	fflush(stdout);
	int key = -1;
	for (;;) {
		unsigned char ch;
		ssize_t n = read(STDIN_FILENO, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == 4) {
			key = -1;
			break;
		}
		if (ch == 3 || ch == 28) {
			key = KEY_INTERRUPT;
			break;
		}
		/* strchr() finds the terminator too: a NUL (Ctrl-Space) is no key of the list. */
		if (!accepted || (ch && ch < 0x80 && strchr(accepted, ch))) {
			key = ch;
			break;
		}
	}
	restore_terminal();
	return key;
}

struct tally {
	int acknowledged, answered, dismissed, snoozed, skipped;
	int failed; /* not changed, for a reason said as it happened (the store locked, the daemon gone) */
};

static void print_tally(const struct tally *t, size_t left)
{
	const struct {
		int n;
		const char *what;
	} parts[] = {{t->acknowledged, "acknowledged"}, {t->answered, "answered"}, {t->dismissed, "dismissed"},
		{t->snoozed, "snoozed"}, {t->skipped, "skipped"}, {t->failed, "not changed (said above)"}};
	bool any = false;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!parts[i].n)
			continue;
		printf("%s%d %s", any ? ", " : "", parts[i].n, parts[i].what);
		any = true;
	}
	if (left)
		printf("%s%zu left for later", any ? ", " : "", left);
	puts(any || left ? "." : "Nothing changed.");
}

static int walk(struct present_store *store, const struct present_cli_owed_rows *owed, bool colour)
{
	struct present_client c = {0};
	int r = present_client_connect(&c);
	if (r)
		return r;
	struct tally t = {0};
	bool config_failed = false;
	size_t i = 0;
	catch_signals(true);
	puts("\nOne at a time: a acknowledge · d done (answered) · x dismiss · s snooze 1h · space/n skip · q quit");
	for (; i < owed->n; i++) {
		const struct present_owed_row *row = &owed->rows[i];
		printf("\n[%zu/%zu] ", i + 1, owed->n);
		present_print_owed(stdout, row, present_time_now() * 1000, colour);
		putchar('\n');
		int key = read_key("  a/d/x/s/n/q? ", "adxsnq ");
		const char *state = NULL;
		switch (key) {
		case 'a':
			state = "acknowledged";
			break;
		case 'd':
			state = "answered";
			break;
		case 'x':
			state = "dismissed";
			break;
		case 's':
			break;
		case 'n':
		case ' ':
			puts("skipped");
			t.skipped++;
			continue;
		case KEY_INTERRUPT:
			puts("^C");
			r = 130; /* as a shell reports death by SIGINT */
			goto out;
		default: /* q, or the end of input */
			puts("quit");
			goto out;
		}
		puts(state ? (key == 'a' ? "acknowledge" : key == 'd' ? "done" : "dismiss") : "snooze 1h");
		fflush(stdout);
		bool gone = false;
		r = present_cli_owed_act(&c, store, (uint64_t)row->id, state, 3600, &gone);
		/* Gone or closed already, it needs nothing more; else it is still
		 * owed, and the tally and the exit status must not hide it. Either
		 * way the others still wait: a file that breaks the acknowledgement
		 * (said once, and the status at the end) leaves d, x and s working. */
		if (r == PRESENT_EXIT_FAILURE || r == PRESENT_EXIT_CONFIG) {
			t.failed += !gone;
			config_failed |= r == PRESENT_EXIT_CONFIG;
			r = 0;
			continue;
		}
		if (r)
			goto out;
		/* Acknowledging again changes nothing (the text given then is shown again): not counted. */
		t.acknowledged += key == 'a' && strcmp(row->state, "acknowledged") != 0;
		t.answered += key == 'd';
		t.dismissed += key == 'x';
		t.snoozed += key == 's';
	}
out:
	catch_signals(false);
	putchar('\n');
	print_tally(&t, owed->n - (i < owed->n ? i : owed->n));
	present_client_disconnect(&c);
	return r ? r : config_failed ? PRESENT_EXIT_CONFIG : t.failed ? PRESENT_EXIT_FAILURE : PRESENT_EXIT_OK;
}

/* A window opened for the catch-up (the summary's button) closes when we
 * exit: the list, the tally or an error stay until they are read. Not after
 * a Ctrl-C, which asked to be out now. */
static void hold(const struct present_args *args, int r)
{
	if (!args->hold || r == 130)
		return;
	fflush(stderr);
	catch_signals(true);
	if (read_key("\nPress a key to close. ", NULL) >= 0)
		putchar('\n');
	catch_signals(false);
}

int present_cli_catchup(const struct present_args *args)
{
	if ((args->interactive || args->hold) && args->json) {
		fprintf(stderr, "present: '%s' is for a terminal; '--json' prints the list for a script: give one\n"
				"Usage: present catchup [-i] [--all] [--json|--hold]\n",
			args->interactive ? "-i" : "--hold");
		return PRESENT_EXIT_USAGE;
	}
	if ((args->interactive || args->hold) && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "present: 'catchup %s' reads single keys, so it needs a terminal on its input and output; "
				"'present catchup' alone prints the list\n",
			args->interactive ? "-i" : "--hold");
		return PRESENT_EXIT_USAGE;
	}
	struct present_store *store;
	int r = present_cli_store_open(&store);
	if (r) {
		hold(args, r);
		return r;
	}
	struct present_session_record session = {0};
	struct catchup c = {0};
	struct present_cli_owed_rows owed = {0};
	/* One view of a store the daemon may be writing to: an alert that came
	 * between two reads would be among an app's latest but not in its count. */
	if (store)
		r = present_store_snapshot_begin(store);
	if (store && r >= 0 && (r = present_store_session_get(store, 0, &session)) > 0)
		r = read_alerts(store, session.id, args->all ? SIZE_MAX : LATEST_PER_APP, &c);
	if (store && r >= 0)
		r = present_store_owed_each(store, false, present_cli_owed_rows_take, &owed);
	if (store)
		present_store_snapshot_end(store);
	if (r < 0 || c.failed || owed.failed) {
		fprintf(stderr, "present: cannot read the store: %s\n",
			r < 0 ? present_store_error(store) : "out of memory");
		r = PRESENT_EXIT_FAILURE;
		goto out;
	}
	int64_t now_ms = present_time_now() * 1000;
	bool colour = !args->json && present_cli_colour(stdout);
	if (args->json)
		print_json(&session, &c, &owed, now_ms);
	else
		print_plain(&session, &c, &owed, now_ms, colour);
	r = 0;
	if (args->interactive && owed.n)
		r = walk(store, &owed, colour);
out:
	hold(args, r);
	present_cli_owed_rows_finish(&owed);
	catchup_finish(&c);
	present_session_record_finish(&session);
	present_store_close(store);
	return r;
}
