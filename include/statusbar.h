#ifndef PRESENT_STATUSBAR_H
#define PRESENT_STATUSBAR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What status bars show of a session (`present status --waybar|--format`,
 * `present watch`): pure formatting, no bus and no files, so that it can be
 * tested on its own.
 */

/** A session as a status bar shows it. */
struct present_bar {
	bool active;
	int64_t ends_at; /* seconds since the epoch */
	const char *label; /* may be NULL */
	uint32_t alerts; /* alerts held so far */
	bool owed_known; /* whether owed and overdue are known */
	uint32_t owed, overdue; /* open responses owed; those past a deadline */
	/* With no session: the do-not-disturb an earlier one could not put
	 * back, one line each ("dunst: why"); NULL when none is left on. */
	const char *left_on;
};

/**
 * Checks a --format string: placeholders {state} {remaining} {until}
 * {label} {alerts} {owed} {overdue}, escapes {{ }} \n \t \\. Returns true,
 * or false with *ret_error set to why (free() it), naming the placeholder.
 */
bool present_bar_format_check(const char *format, char **ret_error);

/** Writes format (checked) for bar at now (seconds), without a newline of its own. */
void present_bar_format(FILE *f, const char *format, const struct present_bar *bar, int64_t now);

/** Writes the one-line JSON object of a Waybar custom module (return-type json), without the newline. */
void present_bar_waybar(FILE *f, const struct present_bar *bar, int64_t now);

/** The time left as a status bar says it, in whole minutes rounded up: "42m", "1h05m", "2h". */
void present_bar_remaining(int64_t seconds, char *buf, size_t size);

/**
 * When what a bar shows of the time left changes next (seconds since the
 * epoch), or 0 when it does not change by itself (no session).
 */
int64_t present_bar_next_change(const struct present_bar *bar, int64_t now);

#endif
