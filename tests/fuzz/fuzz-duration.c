/*
 * libFuzzer target for durations. Each input is used three ways: as text for
 * present_duration_parse(), whose answer must agree with the reference
 * reading of the grammar below (written from duration.h, not from
 * duration.c); a duration that parses is written back as "XhYmZs" and must
 * parse to the same seconds; and its first bytes are a number of seconds and
 * a buffer size for present_duration_format(), whose text must say what the
 * header promises and fit the buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, long long a, long long b)
{
	fprintf(stderr, "fuzz-duration: %s: \"%s\" (%lld, %lld)\n", what, text ? text : "(null)", a, b);
	abort();
}

/*
 * duration.h: terms of digits and a unit h, m or s, the units strictly
 * decreasing; a bare number is minutes, alone ("60") or after hours
 * ("1h30"). Text that is not that is -EINVAL, whatever its numbers; then
 * zero or more than PRESENT_DURATION_MAX is -ERANGE.
 */
static int reference(const char *text, int64_t *ret)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = {{'h', 3600}, {'m', 60}, {'s', 1}};
	size_t len = strlen(text), i = 0, next_unit = 0; /* units[next_unit..] may still come */
	double total = 0; /* exact for what matters: anything past 2^53 is out of range anyway */
	if (len == 0) {
		return -EINVAL;
	}
	while (i < len) {
		size_t start = i;
		double n = 0;
		while (i < len && text[i] >= '0' && text[i] <= '9') {
			n = n * 10 + (text[i++] - '0');
		}
		if (i == start) {
			return -EINVAL;
		}
		if (i == len) {
			/* A bare number: the whole text, or right after hours. */
			if (!(start == 0 || (next_unit == 1 && text[start - 1] == 'h'))) {
				return -EINVAL;
			}
			total += n * 60;
			break;
		}
		size_t u = next_unit;
		while (u < 3 && units[u].unit != text[i]) {
			u++;
		}
		if (u == 3) {
			return -EINVAL;
		}
		total += n * (double)units[u].seconds;
		next_unit = u + 1;
		i++;
	}
	if (total <= 0 || total > PRESENT_DURATION_MAX) {
		return -ERANGE;
	}
	*ret = (int64_t)total;
	return 0;
}

static void check_parse(const char *text)
{
	int64_t got = -42, want = -42;
	int r = present_duration_parse(text, &got), expected = reference(text, &want);
	if (r != expected) {
		fail("parse disagrees with the grammar (got, want)", text, r, expected);
	}
	if (r < 0) {
		if (got != -42) {
			fail("a refused duration changed its result", text, got, 0);
		}
		return;
	}
	if (got != want || got < 1 || got > PRESENT_DURATION_MAX) {
		fail("wrong seconds (got, want)", text, got, want);
	}
	char canonical[32];
	int64_t again = 0;
	snprintf(canonical, sizeof(canonical), "%" PRId64 "h%" PRId64 "m%" PRId64 "s", got / 3600, got % 3600 / 60,
		got % 60);
	if (present_duration_parse(canonical, &again) != 0 || again != got) {
		fail("the canonical form does not parse back", canonical, again, got);
	}
}

/* "45 s", "4 min 30 s", "10 min", "1 h", "1 h 30 min": what it shows is the time, rounded down. */
static void check_format(int64_t seconds, size_t size)
{
	char full[64];
	present_duration_format(seconds, full, sizeof(full));
	long long h = 0, m = 0, s = 0;
	int used = 0;
	const int64_t t = seconds < 0 ? 0 : seconds;
	if (sscanf(full, "%lld h %lld min%n", &h, &m, &used) == 2 && full[used] == '\0') {
		if (h < 1 || m < 1 || m > 59 || h * 3600 + m * 60 > t || t - (h * 3600 + m * 60) >= 60) {
			fail("wrong h min", full, t, 0);
		}
	} else if (sscanf(full, "%lld h%n", &h, &used) == 1 && full[used] == '\0') {
		if (h < 1 || h * 3600 > t || t - h * 3600 >= 60) {
			fail("wrong h", full, t, 0);
		}
	} else if (sscanf(full, "%lld min %lld s%n", &m, &s, &used) == 2 && full[used] == '\0') {
		if (m < 1 || m > 9 || s < 1 || s > 59 || m * 60 + s != t) {
			fail("wrong min s", full, t, 0);
		}
	} else if (sscanf(full, "%lld min%n", &m, &used) == 1 && full[used] == '\0') {
		if (m < 1 || m > 59 || m * 60 > t || t - m * 60 >= 60 || (m < 10 && t != m * 60)) {
			fail("wrong min", full, t, 0);
		}
	} else if (sscanf(full, "%lld s%n", &s, &used) == 1 && full[used] == '\0') {
		if (s != t) {
			fail("wrong s", full, t, 0);
		}
	} else {
		fail("not a documented shape", full, t, 0);
	}

	/* A buffer of exactly size bytes on the heap: ASan sees a write past it. */
	if (size == 0) {
		return;
	}
	char *small = malloc(size);
	present_duration_format(seconds, small, size);
	if (strlen(small) >= size || strncmp(small, full, size - 1) != 0) {
		fail("truncated wrong", small, (long long)size, 0);
	}
	free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	check_parse(text);
	free(text);

	if (size >= 9) {
		int64_t seconds;
		memcpy(&seconds, data, sizeof(seconds));
		/* Mostly the range people see, sometimes anything at all. */
		if (!(data[8] & 0x80)) {
			seconds = (int64_t)((uint64_t)seconds % (2 * PRESENT_DURATION_MAX + 2)) - 1;
		}
		check_format(seconds, data[8] & 0x3f);
	}
	return 0;
}
