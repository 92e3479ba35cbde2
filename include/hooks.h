#ifndef PRESENT_HOOKS_H
#define PRESENT_HOOKS_H

struct present_daemon;

/*
 * The user's on_start and on_end commands (present.conf): run without a
 * shell, with the session in the environment (PRESENT_SESSION_ID,
 * PRESENT_LABEL, PRESENT_UNTIL, PRESENT_MINUTES; at the end also
 * PRESENT_END_REASON and PRESENT_ALERTS). They are started and left to run:
 * nothing waits on them, and a failure is logged, never fatal.
 */

/** Runs on_start for the session that just started, if configured. */
void present_hooks_session_started(struct present_daemon *d);

/** Runs on_end for the session that is ending for reason, if configured; call while its alerts are counted. */
void present_hooks_session_ended(struct present_daemon *d, const char *reason);

#endif
