#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "statusbar.h"

/* 2026-03-02 12:00:00 UTC */
#define NOW 1772452800

static const struct present_bar active = {
	.active = true,
	.ends_at = NOW + 41 * 60 + 30,
	.label = "R&D <review> \"Q3\"\n",
	.alerts = 3,
	.owed_known = true,
	.owed = 2,
	.overdue = 1,
};

static const struct present_bar idle = {0};

static char *format(const char *fmt, const struct present_bar *bar)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	present_bar_format(f, fmt, bar, NOW);
	fclose(f);
	return buf;
}

static char *waybar(const struct present_bar *bar)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	present_bar_waybar(f, bar, NOW);
	fclose(f);
	return buf;
}

static void test_format_fields(void)
{
	const char *fmt = "{state}|{remaining}|{until}|{label}|{alerts}|{owed}|{overdue}";
	char *out = format(fmt, &active);
	g_assert_cmpstr(out, ==, "active|42m|12:41|R&D <review> \"Q3\"?|3|2|1");
	free(out);
	out = format(fmt, &idle);
	g_assert_cmpstr(out, ==, "idle||||||");
	free(out);
	/* Not recorded by the daemon: empty, not a wrong zero. */
	struct present_bar unknown = active;
	unknown.owed_known = false;
	out = format("[{owed}][{overdue}]", &unknown);
	g_assert_cmpstr(out, ==, "[][]");
	free(out);
}

static void test_format_escapes(void)
{
	char *out = format("{{{state}}}\\n#FF0000\\t\\\\ \\x", &active);
	g_assert_cmpstr(out, ==, "{active}\n#FF0000\t\\ \\x");
	free(out);
}

static void test_format_check(void)
{
	char *error = NULL;
	g_assert_true(present_bar_format_check("{state} {{x}} {remaining}\\n", &error));
	g_assert_null(error);
	static const struct {
		const char *format, *error;
	} bad[] = {
		{"{nope}", "the format has an unknown placeholder '{nope}' (known: {state} {remaining} {until} {label} "
			   "{alerts} {owed} {overdue})"},
		{"{}", "the format has an unknown placeholder '{}' (known: {state} {remaining} {until} {label} {alerts} "
		       "{owed} {overdue})"},
		{"{state", "the format has a '{' that no '}' closes (write '{{' for a '{')"},
		{"{sta{te}", "the format has a '{' that no '}' closes (write '{{' for a '{')"},
		{"state}", "the format has a '}' that no '{' opens (write '}}' for a '}')"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(present_bar_format_check(bad[i].format, &error));
		g_assert_cmpstr(error, ==, bad[i].error);
		free(error);
	}
}

static void test_waybar(void)
{
	char *out = waybar(&active);
	g_assert_cmpstr(out, ==,
		"{\"text\": \"42m\", \"tooltip\": \"R&amp;D &lt;review&gt; \\\"Q3\\\" \\nPresent until 12:41 (42m left)\\n"
		"3 alerts held\\n2 replies owed, 1 overdue\", \"class\": \"active\", \"alt\": \"active\"}");
	free(out);
	out = waybar(&idle);
	g_assert_cmpstr(out, ==,
		"{\"text\": \"\", \"tooltip\": \"Not in a session\", \"class\": \"idle\", \"alt\": \"idle\"}");
	free(out);
	struct present_bar one = {.active = true, .ends_at = NOW + 3600, .alerts = 1, .owed_known = true, .owed = 1};
	out = waybar(&one);
	g_assert_cmpstr(out, ==,
		"{\"text\": \"1h\", \"tooltip\": \"Present until 13:00 (1h left)\\n1 alert held\\n1 reply owed\", "
		"\"class\": \"active\", \"alt\": \"active\"}");
	free(out);
}

static void test_left_on(void)
{
	/* No session, yet do-not-disturb is on: never shown as idle. */
	struct present_bar left = {.left_on = "dunst: <refused> & more\nGNOME Shell (muting a.desktop): gone"};
	char *out = format("{state}|{remaining}|{alerts}", &left);
	g_assert_cmpstr(out, ==, "left-on||");
	free(out);
	out = waybar(&left);
	g_assert_cmpstr(out, ==,
		"{\"text\": \"left on\", \"tooltip\": \"Not in a session; do-not-disturb is still on:\\ndunst: "
		"&lt;refused&gt; &amp; more\\nGNOME Shell (muting a.desktop): gone\\npresent keeps trying; 'present "
		"restore' tries now\", \"class\": \"left-on\", \"alt\": \"left-on\"}");
	free(out);
	/* A session's own state wins: it is what silences the desktop now. */
	struct present_bar both = active;
	both.left_on = left.left_on;
	out = format("{state}", &both);
	g_assert_cmpstr(out, ==, "active");
	free(out);
}

static void test_remaining(void)
{
	static const struct {
		int64_t seconds;
		const char *text;
	} cases[] = {
		{-5, "0m"}, {0, "0m"}, {1, "1m"}, {60, "1m"}, {61, "2m"}, {3599, "1h"}, {3600, "1h"}, {3601, "1h01m"},
		{5400, "1h30m"}, {86400, "24h"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char buf[32];
		present_bar_remaining(cases[i].seconds, buf, sizeof(buf));
		g_assert_cmpstr(buf, ==, cases[i].text);
	}
}

static void test_next_change(void)
{
	/* 41:30 left shows "42m" until 41:00 is left, 30 s from now. */
	g_assert_cmpint(present_bar_next_change(&active, NOW), ==, NOW + 30);
	struct present_bar whole = {.active = true, .ends_at = NOW + 120};
	g_assert_cmpint(present_bar_next_change(&whole, NOW), ==, NOW + 60);
	struct present_bar last = {.active = true, .ends_at = NOW + 20};
	g_assert_cmpint(present_bar_next_change(&last, NOW), ==, NOW + 20);
	g_assert_cmpint(present_bar_next_change(&idle, NOW), ==, 0);
	g_assert_cmpint(present_bar_next_change(&last, NOW + 20), ==, 0);
}

int main(int argc, char **argv)
{
	/* {until} is local time. */
	setenv("TZ", "UTC", 1);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/statusbar/format-fields", test_format_fields);
	g_test_add_func("/statusbar/format-escapes", test_format_escapes);
	g_test_add_func("/statusbar/format-check", test_format_check);
	g_test_add_func("/statusbar/waybar", test_waybar);
	g_test_add_func("/statusbar/left-on", test_left_on);
	g_test_add_func("/statusbar/remaining", test_remaining);
	g_test_add_func("/statusbar/next-change", test_next_change);
	return g_test_run();
}
