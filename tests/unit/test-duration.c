#include <errno.h>
#include <glib.h>

#include "duration.h"

static void test_parse_valid(void)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} cases[] = {
		{"60", 3600}, {"1", 60}, {"45m", 2700}, {"90s", 90}, {"2h", 7200}, {"1h30", 5400},
		{"1h30m", 5400}, {"1h30m15s", 5415}, {"1m30s", 90}, {"24h", 86400}, {"1440", 86400},
		{"007", 420},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t s = -1;
		g_assert_cmpint(present_duration_parse(cases[i].text, &s), ==, 0);
		g_assert_cmpint(s, ==, cases[i].seconds);
	}
}

static void test_parse_invalid(void)
{
	static const char *const bad[] = {
		"", "abc", "-5", "+5", "5x", "h", "1h2h", "30m1h", "1.5h", "1 h", "5m30", "90s10", " 5", "5 ",
		"0x10", "1hh",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		int64_t s = 42;
		g_assert_cmpint(present_duration_parse(bad[i], &s), ==, -EINVAL);
		g_assert_cmpint(s, ==, 42);
	}
	g_assert_cmpint(present_duration_parse(NULL, &(int64_t){0}), ==, -EINVAL);
}

static void test_parse_range(void)
{
	static const char *const out[] = {
		"0", "0m", "0h0m", "24h1s", "1441", "100000h", "99999999999999999999999", "86401s",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(out); i++)
		g_assert_cmpint(present_duration_parse(out[i], &(int64_t){0}), ==, -ERANGE);
}

static void test_format(void)
{
	static const struct {
		int64_t seconds;
		const char *text;
	} cases[] = {
		{0, "0 s"}, {45, "45 s"}, {60, "1 min"}, {270, "4 min 30 s"}, {600, "10 min"}, {659, "10 min"},
		{3600, "1 h"}, {5400, "1 h 30 min"}, {-5, "0 s"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char buf[32];
		present_duration_format(cases[i].seconds, buf, sizeof(buf));
		g_assert_cmpstr(buf, ==, cases[i].text);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/duration/parse-valid", test_parse_valid);
	g_test_add_func("/duration/parse-invalid", test_parse_invalid);
	g_test_add_func("/duration/parse-range", test_parse_range);
	g_test_add_func("/duration/format", test_format);
	return g_test_run();
}
