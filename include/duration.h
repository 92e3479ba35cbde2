#ifndef PRESENT_DURATION_H
#define PRESENT_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* A session longer than a day is a mistake, not a meeting. */
#define PRESENT_DURATION_MAX (24 * 3600)

/**
 * Parses a duration as people type it: "60" (minutes), "45m", "90s", "2h",
 * "1h30" (the trailing number is minutes), "1h30m", "1h30m15s".
 * Returns 0 and the seconds in ret_seconds; -EINVAL for text that is not a
 * duration, -ERANGE for zero or one longer than PRESENT_DURATION_MAX.
 */
int present_duration_parse(const char *text, int64_t *ret_seconds);

/** Formats seconds the way the CLI prints them: "45 s", "60 min", "1 h 30 min". */
void present_duration_format(int64_t seconds, char *buf, size_t size);

#endif
