#include <errno.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>

#include "timefmt.h"

int64_t present_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

int present_time_timer_set(int fd, struct timespec at)
{
	struct itimerspec its = {.it_value = at};
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == 0)
		return 0;
	/* A clock set that nobody has read from fd yet is said once, here, and
	 * fd is armed all the same (timerfd_settime(2), NOTES): whoever arms it
	 * has just looked at the clock. */
	return errno == ECANCELED ? 0 : -errno;
}

void present_time_iso8601(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s%c%02ld:%02ld", stamp, sign, off / 3600, off % 3600 / 60);
}

void present_time_clock(int64_t t, int64_t now, char *buf, size_t size)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tm_now;
	localtime_r(&tt, &tm);
	localtime_r(&tn, &tm_now);

	const char *fmt = "%Y-%m-%d %H:%M";
	if (tm.tm_year == tm_now.tm_year && tm.tm_yday == tm_now.tm_yday)
		fmt = "%H:%M";
	else if (t > now - 6 * 86400 && t < now + 6 * 86400)
		fmt = "%a %H:%M";
	strftime(buf, size, fmt, &tm);
}

void present_time_json(FILE *f, const char *key, int64_t seconds)
{
	char when[40];
	if (!seconds) {
		fprintf(f, ", \"%s\": null", key);
		return;
	}
	present_time_iso8601(seconds, when, sizeof(when));
	fprintf(f, ", \"%s\": \"%s\"", key, when);
}

bool present_time_spans_days(int64_t from, int64_t to)
{
	time_t a = (time_t)from, b = (time_t)to;
	struct tm ta, tb;
	localtime_r(&a, &ta);
	localtime_r(&b, &tb);
	return ta.tm_year != tb.tm_year || ta.tm_yday != tb.tm_yday;
}

void present_time_of_day(int64_t ms, bool seconds, bool dated, char *buf, size_t size)
{
	static const char *const formats[2][2] = {{"%H:%M", "%H:%M:%S"}, {"%a %H:%M", "%a %H:%M:%S"}};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, size, formats[dated][seconds], &tm);
}
