/* `present alerts`: reads the store directly; the daemon need not run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "grow.h"
#include "paths.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

struct listing {
	bool json;
	bool dated; /* the session ran across midnight: each time says its day */
	int n;
	struct present_cli_gaps gaps; /* each said among the alerts, where it began */
	size_t next_gap;
};

/* A name the alert gave, if any: "" and "?" (what the listings print for none) name nothing. */
static const char *known(const char *name)
{
	return name && *name && strcmp(name, "?") != 0 ? name : NULL;
}

static void print_gap(const struct listing *l, const struct present_cli_gap *g)
{
	char a[24], b[24];
	present_time_of_day(g->from, true, l->dated, a, sizeof(a));
	present_time_of_day(g->to, true, l->dated, b, sizeof(b));
	printf("%s  (alerts not watched until %s: ", a, b);
	present_text_terminal(stdout, g->reason);
	puts(")");
}

/* The gaps that began before `before` (ms), not yet printed. */
static void print_gaps_before(struct listing *l, int64_t before)
{
	for (; l->next_gap < l->gaps.n && l->gaps.gaps[l->next_gap].from <= before; l->next_gap++)
		print_gap(l, &l->gaps.gaps[l->next_gap]);
}

/* One alert: a line of the listing, or an object of --json's array. */
static void print_row(const struct present_alert_row *row, void *userdata)
{
	struct listing *l = userdata;
	if (!l->json)
		print_gaps_before(l, row->received_at);
	/* An empty name is none, and none reads as it does in the catch-up. */
	const char *app = known(row->app) ? row->app : known(row->app_name) ? row->app_name : "(unnamed)";
	if (l->json) {
		char when[40];
		present_time_iso8601(row->received_at / 1000, when, sizeof(when));
		printf("%s\n  {\"id\": %lld, \"session\": %lld, \"received_at\": \"%s\", \"app\": ", l->n ? "," : "",
			(long long)row->id, (long long)row->session_id, when);
		present_text_json_or_null(stdout, known(row->app) ? row->app : known(row->app_name));
		fputs(", \"app_name\": ", stdout);
		present_text_json_or_null(stdout, known(row->app_name));
		fputs(", \"summary\": ", stdout);
		present_text_json(stdout, row->summary);
		fputs(", \"body\": ", stdout);
		present_text_json(stdout, row->body);
		if (row->urgency >= 0)
			printf(", \"urgency\": %d", row->urgency);
		else
			fputs(", \"urgency\": null", stdout);
		fputs(", \"category\": ", stdout);
		present_text_json_or_null(stdout, row->category);
		fputs(", \"class\": ", stdout);
		present_text_json(stdout, row->cls);
		fputs(", \"rule\": ", stdout);
		present_text_json_or_null(stdout, row->rule);
		fputs(", \"path\": ", stdout);
		present_text_json(stdout, row->path);
		printf(", \"updates\": %d, \"withdrawn\": %s}", row->updates, row->withdrawn ? "true" : "false");
	} else {
		char when[24];
		present_time_of_day(row->received_at, true, l->dated, when, sizeof(when));
		printf("%s  ", when);
		present_text_terminal(stdout, app);
		fputs(": ", stdout);
		present_print_alert_text(stdout, row->summary, row->body, row->updates, row->withdrawn);
		/* Under the time: why the alert is what it is, which decides what is owed. */
		fputs("\n          ", stdout);
		present_text_terminal(stdout, row->rule ? row->rule : row->cls);
		putchar('\n');
	}
	l->n++;
}

void present_cli_gaps_take(int64_t from, int64_t to, const char *reason, void *userdata)
{
	struct present_cli_gaps *l = userdata;
	char *copy = NULL;
	if (!present_grow(&l->gaps, &l->cap, l->n, sizeof(*l->gaps)) || !(copy = strdup(reason ? reason : ""))) {
		l->failed = true;
		return;
	}
	l->gaps[l->n++] = (struct present_cli_gap){from, to, copy};
}

void present_cli_gaps_finish(struct present_cli_gaps *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->gaps[i].reason);
	free(l->gaps);
	*l = (struct present_cli_gaps){0};
}

static int parse_id(const char *text, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	/* Digits only, as every ID present takes: strtoll would also take " 5" and "+5". */
	if (errno || *end || text[0] < '0' || text[0] > '9' || v <= 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int present_cli_alerts(const struct present_args *args)
{
	int64_t id = 0;
	if (args->session && parse_id(args->session, &id) < 0) {
		fprintf(stderr, "present: '%s' is not a session number\nUsage: present alerts [--session ID|--last] [--json]\n",
			args->session);
		return PRESENT_EXIT_USAGE;
	}
	struct present_store *store = NULL;
	int code = present_cli_store_open(&store);
	if (code)
		return code;
	struct present_session_record session = {0};
	int r = store ? present_store_session_get(store, id, &session) : 0;
	if (r <= 0) {
		if (r < 0) {
			fprintf(stderr, "present: cannot read the store: %s\n", present_store_error(store));
			code = PRESENT_EXIT_FAILURE;
		} else if (id) {
			fprintf(stderr, "present: there is no session %lld\n", (long long)id);
			code = PRESENT_EXIT_FAILURE;
		} else if (args->json) {
			puts("[]");
		} else {
			puts("No session yet: nothing was held.");
		}
		present_store_close(store);
		return code;
	}

	struct listing l = {
		.json = args->json,
		.dated = present_time_spans_days(session.started_at, session.ended_at ? session.ended_at : present_time_now()),
	};
	if (!args->json) {
		char started[32], ended[32];
		present_time_clock(session.started_at, present_time_now(), started, sizeof(started));
		present_time_clock(session.ended_at ? session.ended_at : session.planned_end, present_time_now(), ended,
			sizeof(ended));
		printf("Session %lld, %s–%s%s", (long long)session.id, started, ended, session.ended_at ? "" : " (running)");
		if (session.label && *session.label) {
			fputs(" · ", stdout);
			present_text_terminal(stdout, session.label);
		}
		putchar('\n');
	} else {
		fputs("[", stdout);
	}
	/* Read first, so that each is said where it happened, among the alerts. */
	r = args->json ? 0 : present_store_gaps_each(store, session.id, present_cli_gaps_take, &l.gaps);
	if (r == 0 && l.gaps.failed) {
		fputs("present: out of memory\n", stderr);
		r = 1;
	}
	if (r == 0)
		r = present_store_alerts_each(store, session.id, print_row, &l);
	if (r == 0 && !args->json)
		print_gaps_before(&l, INT64_MAX);
	present_cli_gaps_finish(&l.gaps);
	if (args->json)
		puts(l.n ? "\n]" : "]");
	else if (r == 0)
		printf(l.n == 1 ? "1 alert held.\n" : "%d alerts held.\n", l.n);
	if (r < 0)
		fprintf(stderr, "present: cannot read the store: %s\n", present_store_error(store));
	present_session_record_finish(&session);
	present_store_close(store);
	return r != 0 ? PRESENT_EXIT_FAILURE : PRESENT_EXIT_OK;
}
