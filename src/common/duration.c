#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "duration.h"

static int unit_seconds(char c)
{
	switch (c) {
	case 'h':
		return 3600;
	case 'm':
		return 60;
	case 's':
		return 1;
	default:
		return 0;
	}
}

int present_duration_parse(const char *text, int64_t *ret_seconds)
{
	if (!text || !*text)
		return -EINVAL;

	/* The whole text is read before the range is judged: "99999999999x" is
	 * not a duration at all, which says more than "out of range". Numbers
	 * saturate above the maximum, so nothing can overflow. */
	const int64_t cap = (int64_t)PRESENT_DURATION_MAX + 1;
	int64_t total = 0;
	int last_unit = 0; /* units must come in decreasing order: h, m, s */
	const char *p = text;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		int64_t n = 0;
		for (; isdigit((unsigned char)*p); p++)
			n = n < cap ? n * 10 + (*p - '0') : cap;

		int unit;
		if (*p == '\0') {
			/* A bare number is minutes, and so is the tail of "1h30". */
			if (last_unit == 0 || last_unit == 3600)
				unit = 60;
			else
				return -EINVAL;
		} else {
			unit = unit_seconds(*p);
			if (unit == 0 || (last_unit != 0 && unit >= last_unit))
				return -EINVAL;
			p++;
		}
		last_unit = unit;
		total += (n < cap ? n : cap) * unit;
		if (total > cap)
			total = cap;
	}

	if (total <= 0 || total > PRESENT_DURATION_MAX)
		return -ERANGE;
	*ret_seconds = total;
	return 0;
}

void present_duration_format(int64_t seconds, char *buf, size_t size)
{
	if (seconds < 0)
		seconds = 0;
	long long h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;

	if (h == 0 && m == 0)
		snprintf(buf, size, "%lld s", s);
	else if (h == 0 && m < 10 && s != 0)
		snprintf(buf, size, "%lld min %lld s", m, s);
	else if (h == 0)
		snprintf(buf, size, "%lld min", m);
	else if (m == 0)
		snprintf(buf, size, "%lld h", h);
	else
		snprintf(buf, size, "%lld h %lld min", h, m);
}
