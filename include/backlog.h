#ifndef PRESENT_BACKLOG_H
#define PRESENT_BACKLOG_H

#include <stdbool.h>
#include <stdint.h>

struct present_daemon;
struct present_writer;

/*
 * What a session's end owes the store when the store cannot take it (locked
 * by another process, full): the alerts its writer still holds, the end of
 * the session's record, then its summary, which counts those alerts; and
 * the records of changes put back. The user's messages must not be lost
 * to a lock: the daemon tries again each second while anything is owed,
 * stays meanwhile, and gives it one last try when it must leave.
 */

struct present_backlog_end {
	struct present_writer *writer; /* taken by present_backlog_session_ended(); NULL for none */
	int64_t session_id; /* 0: the session was never recorded */
	/* The session's record itself is owed (the store could not take it at
	 * its start): written first, its alerts then go in under it. */
	bool begin_owed;
	const char *label;
	int64_t planned_end;
	int64_t started_at, ended_at;
	const char *reason;
	const char *holder; /* the backend whose server holds the session's alerts, or NULL */
};

/** Closes a session that has ended, now if the store takes it, else later, in the order the sessions ended. */
void present_backlog_session_ended(struct present_daemon *d, const struct present_backlog_end *end);

/**
 * After anything that may have left something owed: tries again each second
 * while it is; re-arms the idle exit when that changes.
 */
void present_backlog_check(struct present_daemon *d);

/** Whether an ended session waits for the store: the summary due is its own, once it is written. */
bool present_backlog_ends_waiting(const struct present_daemon *d);

/** Whether anything is owed to the store. */
bool present_backlog_owed(const struct present_daemon *d);

/** The daemon's exit: one last try, then logs what is given up. */
void present_backlog_finish(struct present_daemon *d);

#endif
