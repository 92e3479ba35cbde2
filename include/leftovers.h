#ifndef PRESENT_LEFTOVERS_H
#define PRESENT_LEFTOVERS_H

#include <stdbool.h>
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
 * Whether anything is left to put back: what this daemon could not, or what
 * one that died since it started left in the store.
 */
bool present_leftovers_to_put_back(struct present_daemon *d);

/**
 * Tries now to put back what is left on (between sessions), this daemon's
 * and what one that died left, its session ended first, then as
 * present_leftovers_check(). Returns how many changes it put back, or
 * -errno with *ret_error saying what is still left on (free() it; ret_error
 * may be NULL).
 */
int present_leftovers_retry(struct present_daemon *d, char **ret_error);

/**
 * Waits while another process (a daemon starting, `present-daemon --restore`) takes over what a daemon
 * that died left, then holds that right, so that a put-back never undoes what a new daemon's first session
 * turns on. Returns the descriptor to close() once done, or -1 (no store, or no lock to be had: logged).
 */
int present_leftovers_lock(struct present_daemon *d);

/** Stops trying; for the daemon's exit. */
void present_leftovers_finish(struct present_daemon *d);

#endif
