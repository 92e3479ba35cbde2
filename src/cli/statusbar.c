/*
 * What status bars show: a FORMAT of the user's (i3blocks, polybar, ...)
 * and Waybar's JSON. Pure: the caller reads the session and the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "statusbar.h"
#include "text.h"

static const char *const placeholders[] = {"state", "remaining", "until", "label", "alerts", "owed", "overdue", NULL};

static bool known(const char *name, size_t len)
{
	for (size_t i = 0; placeholders[i]; i++)
		if (strlen(placeholders[i]) == len && strncmp(placeholders[i], name, len) == 0)
			return true;
	return false;
}

bool present_bar_format_check(const char *format, char **ret_error)
{
	*ret_error = NULL;
	for (const char *p = format; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
		} else if (*p == '{') {
			const char *end = strchr(p, '}');
			size_t len = end ? (size_t)(end - p - 1) : 0;
			if (!end || memchr(p + 1, '{', len)) {
				if (asprintf(ret_error, "the format has a '{' that no '}' closes (write '{{' for a '{')") < 0)
					*ret_error = NULL;
				return false;
			}
			if (!known(p + 1, len)) {
				if (asprintf(ret_error,
					    "the format has an unknown placeholder '{%.*s}' (known: {state} {remaining} {until} "
					    "{label} {alerts} {owed} {overdue})",
					    (int)len, p + 1) < 0)
					*ret_error = NULL;
				return false;
			}
			p = end;
		} else if (*p == '}') {
			if (asprintf(ret_error, "the format has a '}' that no '{' opens (write '}}' for a '}')") < 0)
				*ret_error = NULL;
			return false;
		}
	}
	return true;
}

void present_bar_remaining(int64_t seconds, char *buf, size_t size)
{
	int64_t minutes = seconds > 0 ? (seconds + 59) / 60 : 0;
	if (minutes < 60)
		snprintf(buf, size, "%lldm", (long long)minutes);
	else if (minutes % 60)
		snprintf(buf, size, "%lldh%02lldm", (long long)(minutes / 60), (long long)(minutes % 60));
	else
		snprintf(buf, size, "%lldh", (long long)(minutes / 60));
}

int64_t present_bar_next_change(const struct present_bar *bar, int64_t now)
{
	if (!bar->active || bar->ends_at <= now)
		return 0;
	int64_t minutes = (bar->ends_at - now + 59) / 60;
	/* The shown minutes drop by one when the time left reaches a whole minute. */
	return bar->ends_at - (minutes - 1) * 60;
}

static void clock_of(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, size, "%H:%M", &tm);
}

/* "left-on": no session, yet the desktop is still silenced, which a bar must not show as idle. */
static const char *state(const struct present_bar *bar)
{
	return bar->active ? "active" : bar->left_on ? "left-on" : "idle";
}

/* One placeholder's value; empty when there is no session (or the count is not known). */
static void field(FILE *f, const char *name, size_t len, const struct present_bar *bar, int64_t now)
{
	char buf[32] = "";
#define IS(s) (len == sizeof(s) - 1 && strncmp(name, s, len) == 0)
	if (IS("state")) {
		fputs(state(bar), f);
		return;
	}
	if (!bar->active)
		return;
	if (IS("remaining"))
		present_bar_remaining(bar->ends_at - now, buf, sizeof(buf));
	else if (IS("until"))
		clock_of(bar->ends_at, buf, sizeof(buf));
	else if (IS("label"))
		present_text_terminal(f, bar->label);
	else if (IS("alerts"))
		snprintf(buf, sizeof(buf), "%u", (unsigned)bar->alerts);
	else if (IS("owed") && bar->owed_known)
		snprintf(buf, sizeof(buf), "%u", (unsigned)bar->owed);
	else if (IS("overdue") && bar->owed_known)
		snprintf(buf, sizeof(buf), "%u", (unsigned)bar->overdue);
#undef IS
	fputs(buf, f);
}

void present_bar_format(FILE *f, const char *format, const struct present_bar *bar, int64_t now)
{
	for (const char *p = format; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			fputc(*p++, f);
		} else if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end)
				return;
			field(f, p + 1, (size_t)(end - p - 1), bar, now);
			p = end;
		} else if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't' || p[1] == '\\')) {
			fputc(p[1] == 'n' ? '\n' : p[1] == 't' ? '\t' : '\\', f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
}

/* Waybar reads text and tooltip as Pango markup: the label is text, not
 * markup. lines: the text's newlines are kept, as lines of the tooltip. */
static void markup(FILE *f, const char *s, bool lines)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
		if (lines && *p == '\n') {
			fputc('\n', f);
		} else if (*p == '&') {
			fputs("&amp;", f);
		} else if (*p == '<') {
			fputs("&lt;", f);
		} else if (*p == '>') {
			fputs("&gt;", f);
		} else if (c1 || *p < 0x20 || *p == 0x7f) {
			/* A control character has no business in a bar (C1 is two bytes in UTF-8). */
			fputc(' ', f);
			p += c1;
		} else {
			fputc(*p, f);
		}
	}
}

static void tooltip(FILE *f, const struct present_bar *bar, int64_t now)
{
	char until[16], left[32];
	if (!bar->active && bar->left_on) {
		fputs("Not in a session; do-not-disturb is still on:\n", f);
		markup(f, bar->left_on, true);
		fputs("\npresent keeps trying; 'present restore' tries now", f);
		return;
	}
	if (!bar->active) {
		fputs("Not in a session", f);
		return;
	}
	if (bar->label && *bar->label) {
		markup(f, bar->label, false);
		fputc('\n', f);
	}
	clock_of(bar->ends_at, until, sizeof(until));
	present_bar_remaining(bar->ends_at - now, left, sizeof(left));
	fprintf(f, "Present until %s (%s left)\n%u alert%s held", until, left, (unsigned)bar->alerts,
		bar->alerts == 1 ? "" : "s");
	if (bar->owed_known) {
		fprintf(f, "\n%u repl%s owed", (unsigned)bar->owed, bar->owed == 1 ? "y" : "ies");
		if (bar->overdue)
			fprintf(f, ", %u overdue", (unsigned)bar->overdue);
	}
}

/* Writes what fn writes to a memory stream as one JSON string. */
static void json_of(FILE *f, void (*fn)(FILE *, const struct present_bar *, int64_t), const struct present_bar *bar,
	int64_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m) {
		fn(m, bar, now);
		fclose(m);
	}
	present_text_json(f, buf ? buf : "");
	free(buf);
}

static void text(FILE *f, const struct present_bar *bar, int64_t now)
{
	char left[32] = "";
	if (bar->active)
		present_bar_remaining(bar->ends_at - now, left, sizeof(left));
	fputs(bar->left_on && !bar->active ? "left on" : left, f);
}

void present_bar_waybar(FILE *f, const struct present_bar *bar, int64_t now)
{
	const char *class = state(bar);
	fputs("{\"text\": ", f);
	json_of(f, text, bar, now);
	fputs(", \"tooltip\": ", f);
	json_of(f, tooltip, bar, now);
	fprintf(f, ", \"class\": \"%s\", \"alt\": \"%s\"}", class, class);
}
