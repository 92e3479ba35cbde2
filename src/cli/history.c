/* `present history`: the sessions in the store, newest first; the daemon need not run. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "duration.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

struct listing {
	bool json;
	int64_t now;
	int n;
};

/* The daemon's end reasons (see SessionEnded in the interface XML), for people. */
static const char *ended_how(const char *reason)
{
	static const struct {
		const char *reason, *words;
	} table[] = {
		{"timer", "time up"},
		{"stop", "stopped"},
		{"restore", "restore"},
		{"signal", "daemon quit"},
		{"disconnected", "bus lost"},
		{"interrupted", "interrupted"},
	};
	if (!reason)
		return "running";
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].reason, reason) == 0)
			return table[i].words;
	/* A later present's word, shown as it is; anything else in a store edited by hand is not for a terminal. */
	for (const char *p = reason; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return "?";
	return reason;
}

static void print_row(const struct present_history_row *row, void *userdata)
{
	struct listing *l = userdata;
	int64_t lasted = (row->ended_at ? row->ended_at : l->now) - row->started_at;
	if (lasted < 0)
		lasted = 0;
	if (l->json) {
		printf("%s\n  {\"id\": %lld, \"label\": ", l->n ? "," : "", (long long)row->id);
		present_text_json_or_null(stdout, row->label);
		present_time_json(stdout, "started_at", row->started_at);
		present_time_json(stdout, "planned_end", row->planned_end);
		present_time_json(stdout, "ended_at", row->ended_at);
		printf(", \"duration_s\": %lld, \"end_reason\": ", (long long)lasted);
		if (row->end_reason)
			present_text_json(stdout, row->end_reason);
		else
			fputs("null", stdout);
		printf(", \"alerts\": %d, \"owed\": %d}", row->alerts, row->owed);
	} else {
		char when[32], length[32];
		/* The number is what `present alerts --session` takes. */
		if (l->n == 0)
			printf("%7s  %-17s %-12s %-12s %6s %5s  %s\n", "Session", "When", "Lasted", "Ended", "Alerts",
				"Owed", "Label");
		present_time_clock(row->started_at, l->now, when, sizeof(when));
		present_duration_format(lasted, length, sizeof(length));
		printf("%7lld  %-17s %-12s %-12s %6d %5d", (long long)row->id, when, length, ended_how(row->end_reason),
			row->alerts, row->owed);
		if (row->label && *row->label) {
			fputs("  ", stdout);
			present_text_terminal(stdout, row->label);
		}
		putchar('\n');
	}
	l->n++;
}

int present_cli_history(const struct present_args *args)
{
	struct present_store *store;
	int r = present_cli_store_open(&store);
	if (r)
		return r;
	struct listing l = {.json = args->json, .now = present_time_now()};
	if (l.json)
		fputs("[", stdout);
	r = store ? present_store_history_each(store, print_row, &l) : 0;
	if (l.json)
		puts(l.n ? "\n]" : "]");
	else if (r == 0 && l.n == 0)
		puts("No session yet.");
	if (r < 0)
		fprintf(stderr, "present: cannot read the store: %s\n", present_store_error(store));
	present_store_close(store);
	return r < 0 ? PRESENT_EXIT_FAILURE : PRESENT_EXIT_OK;
}
