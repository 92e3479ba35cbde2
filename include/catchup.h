#ifndef PRESENT_CATCHUP_H
#define PRESENT_CATCHUP_H

#include <stdbool.h>
#include <stdint.h>

struct present_daemon;
struct present_session_record;

/*
 * After the meeting, on the daemon's side: the replay at the end of a
 * session, and reminders before a response owed falls due.
 */

/**
 * Shows what came in during the session that ended as rec says, as
 * replay.mode says: one summary, each alert again (grouped per app when one
 * app sent many; not at all where the server shows held alerts again by
 * itself), or nothing. backend_id is the do-not-disturb backend that held
 * them ("dunst"...), or NULL. The session's summary stays due in the store
 * until the server has taken it, and nothing is sent while one is on its way.
 */
void present_replay(struct present_daemon *d, const struct present_session_record *rec, const char *backend_id);

/**
 * The server has answered for session_id's summary: taken, it is no longer
 * due; refused or unanswered, it stays due, to be shown when a server
 * comes or by the next daemon (present_session_replay_left()). no_server:
 * none was there to take it, and the daemon stays for one to come.
 */
void present_replay_answered(struct present_daemon *d, int64_t session_id, bool taken, bool no_server);

/**
 * Closes the last session's summary if it is still shown: a session is
 * starting, which makes it stale, and a server that holds notices through
 * the session would show it again at the end.
 */
void present_replay_withdraw(struct present_daemon *d);

struct present_reminders;

struct present_reminders *present_reminders_create(struct present_daemon *d);
void present_reminders_destroy(struct present_reminders *r);

/** When the next reminder falls due, read from the store (ms since the epoch; 0: none to come; -1: the store
 * could not be read). */
int64_t present_reminders_next(const struct present_reminders *r);

/** Reads the responses owed again and arms the one timer for the next reminder. */
void present_reminders_reschedule(struct present_reminders *r);

/** Whether a reminder is still to come (the daemon stays for it). */
bool present_reminders_pending(const struct present_reminders *r);

/**
 * The server answered a notice whose ref is negative, a reminder's: one it
 * did not take is due again, in a while or once a server comes; with
 * no_server (none on the bus, none to start), only then. Returns false for
 * any other ref.
 */
bool present_reminders_answered(struct present_reminders *r, int64_t ref, bool taken, bool no_server);

/** A notification server came on the bus: reminders none took are tried again now. */
void present_reminders_server_came(struct present_reminders *r);

#endif
