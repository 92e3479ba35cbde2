#include <stdio.h>

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

void present_print_started(const struct present_status *s, int64_t now)
{
	char until[32], length[32];
	present_time_clock(s->ends_at, now, until, sizeof(until));
	present_duration_format(s->ends_at - s->started_at, length, sizeof(length));
	printf("Present until %s (%s)", until, length);
	print_label(s);
	putchar('\n');
}

void present_print_stopped(bool stopped, const struct present_status *s, int64_t now)
{
	if (!stopped) {
		puts("No session is running.");
		return;
	}
	char lasted[32];
	present_duration_format(now - s->started_at, lasted, sizeof(lasted));
	printf("Session ended after %s", lasted);
	print_label(s);
	putchar('\n');
}

static void print_json(const struct present_status *s, int64_t now)
{
	char started[40], ends[40];
	if (!s->active) {
		puts("{\"active\": false, \"id\": null, \"started_at\": null, \"ends_at\": null, \"remaining_s\": 0, "
		     "\"label\": null}");
		return;
	}
	present_time_iso8601(s->started_at, started, sizeof(started));
	present_time_iso8601(s->ends_at, ends, sizeof(ends));
	int64_t remaining = s->ends_at > now ? s->ends_at - now : 0;
	printf("{\"active\": true, \"id\": %llu, \"started_at\": \"%s\", \"ends_at\": \"%s\", \"remaining_s\": %lld, "
	       "\"label\": ",
		(unsigned long long)s->id, started, ends, (long long)remaining);
	present_text_json(stdout, s->label ? s->label : "");
	puts("}");
}

void present_print_status(const struct present_status *s, int64_t now, bool json)
{
	if (json) {
		print_json(s, now);
		return;
	}
	if (!s->active) {
		puts("Not in a session.");
		return;
	}
	char until[32], left[32];
	present_time_clock(s->ends_at, now, until, sizeof(until));
	present_duration_format(s->ends_at > now ? s->ends_at - now : 0, left, sizeof(left));
	printf("Present until %s · %s left", until, left);
	print_label(s);
	putchar('\n');
}
