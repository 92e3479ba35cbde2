#ifndef PRESENT_SESSION_H
#define PRESENT_SESSION_H

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "dnd.h"
#include "protocol.h"

struct present_daemon;

/** The running focus session, if any: one wall-clock timer to its end. */
struct present_session {
	bool active;
	uint64_t id;
	int64_t started_at, ends_at;
	char *label;
	struct present_dnd_report dnd; /* what silencing did at the start */
	struct present_capture *capture; /* NULL when alerts cannot be held */
	char *capture_error; /* why not */
	char *store_error; /* why the session is not recorded in the store, or NULL */
	/* The store could not take the session's record at its start but may
	 * later (locked by another process, full): it is tried each second,
	 * and the alerts wait for it. */
	bool begin_owed;
	int timer_fd; /* CLOCK_REALTIME: fires on resume if the end passed during a suspend */
	guint timer_source;
	guint counts_source; /* a pending report of new alerts, at most one a second */
	guint dnd_retry_source; /* the next try at a server still starting, or 0 */
	guint dnd_retry_ms; /* the wait before it */
	/* Its end has begun: the capture is being closed, and what the monitor
	 * says meanwhile (a lost connection) is no news of a running session. */
	bool ending;
	uint32_t alerts_at_end; /* counted once the capture closed, for what the end says */
};

/** Prepares an inactive session. */
void present_session_init(struct present_session *s);

/** Ends nothing; frees what the struct owns (call present_session_end() first). */
void present_session_finish(struct present_session *s);

/**
 * Starts a session of seconds; fails with a D-Bus error name and message in
 * err. The caller is answered first, then present_session_announce().
 */
bool present_session_start(struct present_daemon *d, int64_t seconds, const char *label, DBusError *err);

/** Tells the log, the hooks and the bus's listeners of the session just started. */
void present_session_announce(struct present_daemon *d);

/**
 * Records the running session the store could not take at its start, its
 * alerts and changes under it. False while the store still cannot take it.
 */
bool present_session_record_late(struct present_daemon *d);

/**
 * Records what the running session changed and the store refused as it was
 * made (a server silenced while another process held the lock); the warning
 * that a crash could leave it on goes once all of it is recorded.
 */
void present_session_record_dnd(struct present_daemon *d);

/** Moves the end of the running session by seconds. */
bool present_session_extend(struct present_daemon *d, int64_t seconds, DBusError *err);

/** Ends the running session, recording why ("timer", "stop", "signal", ...). Returns false when none runs. */
bool present_session_end(struct present_daemon *d, const char *reason);

/**
 * The notification name changed hands (owner: its unique name, "" or NULL for
 * none): a new server is silenced if a session runs, and its status, mirror
 * and SessionChanged say what that did.
 */
void present_session_server_changed(struct present_daemon *d, const char *owner);

/** The responses owed changed (a state set, a snooze): the status mirror says so. */
void present_session_owed_changed(struct present_daemon *d);

/** Closes a session a killed daemon left behind in the store; its summary is then due. */
void present_session_recover(struct present_daemon *d);

/**
 * Shows the summary of a session a daemon died in, due since its recovery,
 * once a notification server runs and nothing is left silenced; between
 * sessions, in a daemon that serves.
 */
void present_session_replay_left(struct present_daemon *d);

/**
 * Makes the next session's capture ready (its monitor connection and
 * writer) once the loop is idle, so that a start does not wait on them,
 * and gives back the memory the last session took.
 */
void present_session_ready_next(struct present_daemon *d);

/**
 * Writes what present_session_describe() says to the status file, or removes
 * it when no session runs and nothing is left on.
 */
void present_session_mirror(struct present_daemon *d);

/** Removes the daemon's status file (a warning if it cannot): nothing is on. */
void present_session_mirror_remove(struct present_daemon *d);

/**
 * Describes the session, and between sessions what an earlier one left on
 * (its unrestored); what it points to is borrowed.
 */
void present_session_describe(const struct present_daemon *d, struct present_status *ret);

#endif
