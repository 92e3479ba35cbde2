#ifndef PRESENT_TIMEFMT_H
#define PRESENT_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/** Current wall-clock time in seconds since the epoch. */
int64_t present_time_now(void);

/**
 * Arms fd, a CLOCK_REALTIME timerfd, to fire at the wall-clock time at, and
 * to wake its reader when the clock is set (TFD_TIMER_CANCEL_ON_SET); a
 * zero at disarms it. Returns 0 or -errno.
 */
int present_time_timer_set(int fd, struct timespec at);

/** "2026-11-22T15:30:00+01:00": local time with its offset, for JSON. */
void present_time_iso8601(int64_t t, char *buf, size_t size);

/** Writes `, "key": "<present_time_iso8601>"`, or `, "key": null` when seconds is 0. */
void present_time_json(FILE *f, const char *key, int64_t seconds);

/**
 * The time as people read it on a clock: "15:30" today, "Mon 15:30" within a
 * week, "2026-12-01 15:30" beyond; "now" is the reference point.
 */
void present_time_clock(int64_t t, int64_t now, char *buf, size_t size);

/** Whether from and to (seconds since the epoch) fall on different local days. */
bool present_time_spans_days(int64_t from, int64_t to);

/**
 * A time of day, ms since the epoch: "15:30", or "15:30:07" with seconds;
 * with the weekday in front ("Sun 00:10") when dated, for the times of a
 * session that ran across midnight.
 */
void present_time_of_day(int64_t ms, bool seconds, bool dated, char *buf, size_t size);

#endif
