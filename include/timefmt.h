#ifndef PRESENT_TIMEFMT_H
#define PRESENT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Current wall-clock time in seconds since the epoch. */
int64_t present_time_now(void);

/** "2026-11-22T15:30:00+01:00": local time with its offset, for JSON. */
void present_time_iso8601(int64_t t, char *buf, size_t size);

/** Writes `, "key": "<present_time_iso8601>"`, or `, "key": null` when seconds is 0. */
void present_time_json(FILE *f, const char *key, int64_t seconds);

/**
 * The time as people read it on a clock: "15:30" today, "Mon 15:30" within a
 * week, "2026-12-01 15:30" beyond; "now" is the reference point.
 */
void present_time_clock(int64_t t, int64_t now, char *buf, size_t size);

#endif
