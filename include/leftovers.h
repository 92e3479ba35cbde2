#ifndef PRESENT_LEFTOVERS_H
#define PRESENT_LEFTOVERS_H

#include <stddef.h>

struct present_daemon;
struct present_unrestored;

/*
 * A do-not-disturb switch that could not be put back stays on after its
 * session. A stop's caller hears it, but a session that ends on its timer
 * has nobody reading an exit code: the daemon says it in a notification,
 * stays, and tries again on its own between sessions until it is back.
 */

/** Says what an end could not put back (n > 0), in a notification that stays until it is back. */
void present_leftovers_say(struct present_daemon *d, const struct present_unrestored *items, size_t n);

/**
 * After anything that may have put back or left something (an end, a start,
 * a server's return, a restore): tries again later while something is left
 * and no session runs; once nothing is, withdraws the notification. Shows
 * the change to `present status` and status bars, and re-arms the idle exit
 * (present_daemon_update_idle()).
 */
void present_leftovers_check(struct present_daemon *d);

/**
 * Tries now to put back what is left on (between sessions), then as
 * present_leftovers_check(). Returns how many changes it put back, or
 * -errno with *ret_error saying what is still left on (free() it; ret_error
 * may be NULL).
 */
int present_leftovers_retry(struct present_daemon *d, char **ret_error);

/** Stops trying; for the daemon's exit. */
void present_leftovers_finish(struct present_daemon *d);

#endif
