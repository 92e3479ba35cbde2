#ifndef PRESENT_STORE_H
#define PRESENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one module that writes present's SQLite database. Every function
 * returns 0 (or a count) on success and -errno on failure, leaving a
 * message for present_store_error(); it logs nothing itself.
 */

struct present_store;

struct present_session_record {
	int64_t id;
	char *label;
	int64_t started_at, planned_end, ended_at; /* ended_at is 0 while running */
	char *end_reason; /* NULL while running */
};

/** The schema version this build writes. */
#define PRESENT_STORE_SCHEMA 11

/**
 * Opens (creating if needed) the database at path, in a private directory,
 * as a 0600 file in WAL mode, and migrates it to PRESENT_STORE_SCHEMA.
 * On failure *ret is NULL and *ret_error says why (free() it).
 */
int present_store_open(const char *path, struct present_store **ret, char **ret_error);

/**
 * Opens an existing store to read it (the CLI's listings); -ENOENT when there is none yet (or its schema is
 * not written yet), -EPROTO when it has another schema than this build's, which only the daemon migrates.
 */
int present_store_open_readonly(const char *path, struct present_store **ret, char **ret_error);

/** Closes the store; accepts NULL. */
void present_store_close(struct present_store *store);

/**
 * Waits for, then holds, the right to take over what a daemon that died left
 * in the store (its unfinished session, its do-not-disturb changes), so that
 * two processes never do it at once. Returns a descriptor to close() to let
 * go, or -errno.
 */
int present_store_lock_takeover(const struct present_store *store);

/**
 * Makes what this process records from now on (sessions, do-not-disturb
 * changes) its own for as long as it runs: present_store_session_unfinished()
 * and present_store_dnd_list() leave it out in other processes until it
 * exits or dies. For a daemon, once it owns its bus name; a daemon on another
 * session bus sharing the store then never takes its running session for one
 * a dead daemon left. Returns 0 or -errno (what it records is then anyone's).
 */
int present_store_own(struct present_store *store);

/** Gives back the memory the store keeps for pages it has read, until it reads again. */
void present_store_release_memory(struct present_store *store);

/** The database file's path. */
const char *present_store_path(struct present_store *store);

/** The last error's message, naming what failed. */
const char *present_store_error(struct present_store *store);

/**
 * Groups the writes that follow into one transaction, so that they cost one
 * sync, until present_store_flush().
 */
int present_store_defer(struct present_store *store);

/** Commits deferred writes, durably; does nothing when nothing is deferred. */
int present_store_flush(struct present_store *store);

/**
 * Whether writes are deferred now: false once a failure (I/O, memory) has
 * rolled the transaction back, and the writes deferred before it with it.
 */
bool present_store_deferring(struct present_store *store);

/** Drops deferred writes (rolls the transaction back); does nothing when nothing is deferred. */
void present_store_abandon(struct present_store *store);

/**
 * Reads that follow see the store as it is at the first of them, whatever
 * a daemon writes meanwhile, until present_store_snapshot_end(): counts
 * and the rows counted then agree.
 */
int present_store_snapshot_begin(struct present_store *store);

/** Ends present_store_snapshot_begin(); does nothing outside one. */
void present_store_snapshot_end(struct present_store *store);

/**
 * Replaces the wait on a lock another connection holds (2 s by default):
 * fn is called with data and how often it was called for this lock, and
 * returns nonzero to wait and try again, 0 to fail with -EBUSY.
 */
void present_store_busy_handler(struct present_store *store, int (*fn)(void *data, int count), void *data);

/**
 * Whether a -errno of a write means the store cannot take writes now but
 * may later: locked by another process, full, read-only.
 */
bool present_store_later(int r);

/** How long to wait on a lock another connection holds, in ms; 0 puts back the default of 2 s. */
void present_store_busy_timeout(struct present_store *store, int ms);

/** A do-not-disturb change not yet put back. */
struct present_dnd_record {
	int64_t id, session_id;
	char *backend, *app, *saved; /* app is NULL for the server-wide switch */
	char *bus, *address, *server; /* as present_dnd_change has them; NULL when not recorded */
};

/** A do-not-disturb change to record with the session that makes it. */
struct present_dnd_change {
	const char *backend, *app, *saved; /* app is NULL for the server-wide switch */
	bool durable; /* the switch outlives a power cut, so must its record (present_store_dnd_save()) */
	/* For a switch kept in a server's memory: the bus's id and address, and
	 * the server's unique name there (the one that answered last); NULL when
	 * not known. */
	const char *bus, *address, *server;
	int64_t id; /* filled in once recorded */
};

/**
 * Records a session that has just started and, unless change is NULL, the
 * do-not-disturb change about to be made for it: one commit for both. It
 * waits for the disk only for a durable change; a session alone is safe
 * with a commit that outlives a crash of the process (its first alert's
 * commit makes it durable).
 */
int present_store_session_begin(struct present_store *store, const char *label, int64_t started_at,
	int64_t planned_end, struct present_dnd_change *change, int64_t *ret_id);

/** Moves a running session's planned end (extend). */
int present_store_session_set_end(struct present_store *store, int64_t id, int64_t planned_end);

/**
 * Records how and when a session ended and, with summary_due, that its
 * summary is to be shown (until present_store_replay_done()): holder is the
 * do-not-disturb backend that held its alerts, or NULL. A summary due of an
 * earlier session is dropped: its alerts are in `present catchup`.
 */
int present_store_session_finish(struct present_store *store, int64_t id, int64_t ended_at, const char *reason,
	bool summary_due, const char *holder);

/**
 * Finds a session that never ended (the daemon died during it), leaving out
 * those of another process that still runs (present_store_own()) and this
 * process's own: one whose end waits for the store is not a dead daemon's.
 * Returns 1 and fills ret, 0 when there is none, or -errno.
 */
int present_store_session_unfinished(struct present_store *store, struct present_session_record *ret);

/**
 * The latest session whose summary is due (present_store_session_finish()),
 * with the backend that held its alerts in *ret_holder (NULL for none; free()
 * it). Returns 1, 0 when none is due, or -errno.
 */
int present_store_replay_due(struct present_store *store, struct present_session_record *ret, char **ret_holder);

/** Session id's summary is not due any more: the server has taken it, or there was nothing to show. */
int present_store_replay_done(struct present_store *store, int64_t id);

/** Frees what a record owns. */
void present_session_record_finish(struct present_session_record *rec);

/**
 * Records a change about to be made (change->id filled in): what to put
 * back, and how. The record has to last as long as the switch it undoes:
 * durable (waiting for the disk) for a switch kept in settings, which
 * outlive a power cut; for one that lives in a server's memory, a commit
 * that survives a crash of the process is enough, as the switch itself does
 * not survive the machine's.
 */
int present_store_dnd_save(struct present_store *store, int64_t session_id, struct present_dnd_change *change,
	int64_t made_at);

/** Puts change id, recorded under no session, under session_id, once the session is recorded. */
int present_store_dnd_set_session(struct present_store *store, int64_t id, int64_t session_id);

/** Records which server (bus id and address, unique name) confirmed change id, once it has answered. */
int present_store_dnd_set_server(struct present_store *store, int64_t id, const char *bus, const char *address,
	const char *server);

/**
 * Forgets a change once it is put back. Not waiting for the disk: a record
 * a power cut brings back names a switch that now reads as put back, and
 * is then dropped without touching it.
 */
int present_store_dnd_forget(struct present_store *store, int64_t id);

/**
 * Every change not yet put back, newest first (so they undo in reverse
 * order), but those of another process that still runs (present_store_own()).
 */
int present_store_dnd_list(struct present_store *store, struct present_dnd_record **ret, size_t *ret_n);

void present_dnd_records_free(struct present_dnd_record *recs, size_t n);

/**
 * Whether a daemon that died left something to put back: a session it never
 * ended, or a do-not-disturb change still recorded (a live daemon's left
 * out, as above). A store that cannot be read says yes: the restore that
 * follows reports why.
 */
bool present_store_left_behind(struct present_store *store);

/** An alert as stored; times in milliseconds since the epoch. */
struct present_alert_record {
	int64_t id; /* chosen by the caller (capture numbers alerts itself) */
	int64_t session_id, received_at;
	const char *path, *caller, *app, *app_name, *summary, *body, *icon, *category;
	const char *actions, *hints; /* JSON */
	const char *notification_id;
	int urgency; /* -1: not given */
	int64_t sender_pid; /* 0: not given */
	const char *cls, *rule; /* what classify said, and why */
};

/** Stores a new alert. */
int present_store_alert_insert(struct present_store *store, const struct present_alert_record *alert);

/** Replaces the content of alert->id (an update through replaces_id, or a later hop), counting updates. */
int present_store_alert_update(struct present_store *store, const struct present_alert_record *alert, int64_t at);

/**
 * Names the app of an alert first seen without one (a portal request, before
 * its backend hop), and the response owed it opened, if any, with what
 * classify makes of it now (cls, rule); not an update.
 */
int present_store_alert_set_app(struct present_store *store, int64_t id, const char *app, const char *cls,
	const char *rule);

/** Records the id the notification server gave the alert, and the server (its unique bus name). */
int present_store_alert_set_server_id(struct present_store *store, int64_t id, uint32_t server_id, const char *server);

/** The app took the alert back (at, in ms). */
int present_store_alert_withdraw(struct present_store *store, int64_t id, int64_t at);

/** The server closed the alert, for reason (1 expired, 2 dismissed, 3 closed by call, 4 undefined). */
int present_store_alert_closed(struct present_store *store, int64_t id, uint32_t reason);

/** The server refused the alert with this D-Bus error. */
int present_store_alert_refused(struct present_store *store, int64_t id, const char *error);

/** An alert of a session that a server was given and has not closed: its id there, and its rule. */
typedef void (*present_shown_fn)(uint32_t server_id, const char *rule, void *userdata);

/**
 * Calls fn for each alert of session_id given to server (a unique bus name)
 * that neither the app withdrew nor the server closed, oldest first.
 */
int present_store_shown_each(struct present_store *store, int64_t session_id, const char *server,
	present_shown_fn fn, void *userdata);

/** Records that alerts were not watched from `from` to `to` (ms) during a session. */
int present_store_capture_gap(struct present_store *store, int64_t session_id, int64_t from, int64_t to,
	const char *reason);

/** An alert as listed. Strings are valid during the callback only. */
struct present_alert_row {
	int64_t id, session_id, received_at; /* ms */
	const char *path, *app, *app_name, *summary, *body, *category, *icon;
	const char *cls; /* "noise", "alert", "mail", "person" */
	const char *rule; /* the rule that gave cls, such as "mail: thunderbird is in mail_apps"; may be NULL */
	int urgency; /* -1: not given */
	int updates;
	bool withdrawn;
	const char *server; /* the server process (its unique bus name) that took it, or NULL: not known */
};

typedef void (*present_alert_row_fn)(const struct present_alert_row *row, void *userdata);

/** Calls fn for each alert of session_id, oldest first. */
int present_store_alerts_each(struct present_store *store, int64_t session_id, present_alert_row_fn fn,
	void *userdata);

/** A session's alerts from one app, counted: what `present catchup` shows first. */
struct present_alert_group {
	const char *app; /* the app's name as it gave it, or "?" */
	bool noise; /* its system alerts (class "noise"), which the summary counts apart */
	int64_t count;
};

typedef void (*present_alert_group_fn)(const struct present_alert_group *g, void *userdata);

/** Calls fn for each app (and each app's noise) that sent alerts in session_id, in the order each first did. */
int present_store_alert_groups(struct present_store *store, int64_t session_id, present_alert_group_fn fn,
	void *userdata);

/**
 * Calls fn for the latest limit alerts (oldest of them first) of one app in
 * session_id, noise apart; or, with app NULL, of all of its noise.
 */
int present_store_alerts_latest(struct present_store *store, int64_t session_id, const char *app, size_t limit,
	present_alert_row_fn fn, void *userdata);

/** A gap in the capture, as listed (ms). */
typedef void (*present_gap_fn)(int64_t from, int64_t to, const char *reason, void *userdata);

/** Calls fn for each gap of session_id. */
int present_store_gaps_each(struct present_store *store, int64_t session_id, present_gap_fn fn, void *userdata);

/**
 * Reads one session into ret (free with present_session_record_finish());
 * id 0 means the latest. Returns 1, 0 when there is none, or -errno.
 */
int present_store_session_get(struct present_store *store, int64_t id, struct present_session_record *ret);

/** A response owed, as capture reports it (times in ms). */
struct present_owed_note {
	int64_t session_id;
	const char *kind; /* "mail" or "person" */
	const char *app, *sender, *subject;
	int64_t at, ack_by, answer_by;
};

/**
 * Counts alert_id towards the open item for its sender and app, or opens
 * one: several messages from one person are one response owed.
 */
int present_store_owed_note(struct present_store *store, int64_t alert_id, const struct present_owed_note *note);

/** A response owed, as listed. Strings are valid during the callback only. */
struct present_owed_row {
	int64_t id, session_id;
	const char *kind, *app, *sender, *subject, *state;
	int count;
	int64_t received_at, last_at, ack_by, answer_by, snoozed_until; /* ms; snoozed_until 0: not snoozed */
	int reminded; /* PRESENT_OWED_REMINDED_* bits */
	int64_t acked_at; /* ms; 0: never acknowledged */
	const char *ack_text; /* the acknowledgement given; NULL when none was recorded */
};

#define PRESENT_OWED_REMINDED_ACK 1
#define PRESENT_OWED_REMINDED_ANSWER 2

typedef void (*present_owed_row_fn)(const struct present_owed_row *row, void *userdata);

/** Calls fn for each open item (owed or acknowledged), or every item when all; earliest deadline first. */
int present_store_owed_each(struct present_store *store, bool all, present_owed_row_fn fn, void *userdata);

/**
 * Calls fn for each open item that session session_id opened or that a message of it went to, wherever the
 * item was opened (a sender who wrote in an earlier session too has one item); earliest deadline first.
 */
int present_store_owed_of_session_each(struct present_store *store, int64_t session_id, present_owed_row_fn fn,
	void *userdata);

/** Calls fn with item id; returns 1, 0 when there is no such item, or -errno. */
int present_store_owed_get(struct present_store *store, int64_t id, present_owed_row_fn fn, void *userdata);

/**
 * Moves open item id to state ("acknowledged", "answered", "dismissed") at `at` (ms); 0 when there is no
 * such open item. "acknowledged" is present_store_owed_ack() with no text.
 */
int present_store_owed_set_state(struct present_store *store, int64_t id, const char *state, int64_t at);

#define PRESENT_OWED_ACKED 1
#define PRESENT_OWED_ALREADY_ACKED 2

/**
 * Acknowledges item id, still owed, at `at` (ms), recording text (NULL: none) as the acknowledgement given.
 * An item is acknowledged once: when it already was, nothing changes. Either way *ret_at and *ret_text (free()
 * it; NULL when none was recorded) are the acknowledgement on record. Returns PRESENT_OWED_ACKED,
 * PRESENT_OWED_ALREADY_ACKED, 0 when there is no such item or it is closed, or -errno.
 */
int present_store_owed_ack(struct present_store *store, int64_t id, int64_t at, const char *text, int64_t *ret_at,
	char **ret_text);

/** Snoozes item id until `until` (ms). */
int present_store_owed_snooze(struct present_store *store, int64_t id, int64_t until);

/**
 * Records that the reminders `which` (PRESENT_OWED_REMINDED_* bits) were
 * given for item id, or, given false, that they are due again.
 */
int present_store_owed_reminded(struct present_store *store, int64_t id, int which, bool given);

/** The highest id an alert has in *ret_top (0: none). Returns 0 or -errno. */
int present_store_alert_top(struct present_store *store, int64_t *ret_top);

/** A past or running session as `present history` lists it. Strings are valid during the callback only. */
struct present_history_row {
	int64_t id;
	const char *label, *end_reason; /* end_reason is NULL while running */
	int64_t started_at, planned_end, ended_at; /* seconds; ended_at is 0 while running */
	int alerts; /* alerts held */
	int owed; /* responses owed it opened, and those its messages went to wherever opened */
};

typedef void (*present_history_fn)(const struct present_history_row *row, void *userdata);

/** Calls fn for each session, newest first. */
int present_store_history_each(struct present_store *store, present_history_fn fn, void *userdata);

/**
 * Calls fn for each open item with a deadline still to reach within [from, to] (ms): an owed item's
 * ack_by, or any open item's answer_by; earliest deadline first.
 */
int present_store_owed_due_each(struct present_store *store, int64_t from, int64_t to, present_owed_row_fn fn,
	void *userdata);

#endif
