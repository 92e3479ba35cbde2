#ifndef PRESENT_STORE_H
#define PRESENT_STORE_H

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
#define PRESENT_STORE_SCHEMA 2

/**
 * Opens (creating if needed) the database at path, in a private directory,
 * as a 0600 file in WAL mode, and migrates it to PRESENT_STORE_SCHEMA.
 * On failure *ret is NULL and *ret_error says why (free() it).
 */
int present_store_open(const char *path, struct present_store **ret, char **ret_error);

/** Closes the store; accepts NULL. */
void present_store_close(struct present_store *store);

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

/** Records a session that has just started. */
int present_store_session_begin(struct present_store *store, const char *label, int64_t started_at,
	int64_t planned_end, int64_t *ret_id);

/** Moves a running session's planned end (extend). */
int present_store_session_set_end(struct present_store *store, int64_t id, int64_t planned_end);

/** Records how and when a session ended. */
int present_store_session_finish(struct present_store *store, int64_t id, int64_t ended_at, const char *reason);

/**
 * Finds a session that never ended (the daemon died during it).
 * Returns 1 and fills ret, 0 when there is none, or -errno.
 */
int present_store_session_unfinished(struct present_store *store, struct present_session_record *ret);

/** Frees what a record owns. */
void present_session_record_finish(struct present_session_record *rec);

/** A do-not-disturb change not yet put back. */
struct present_dnd_record {
	int64_t id, session_id;
	char *backend, *app, *saved; /* app is NULL for the server-wide switch */
};

/** Records, durably, a change about to be made: what to put back, and how. */
int present_store_dnd_save(struct present_store *store, int64_t session_id, const char *backend, const char *app,
	const char *saved, int64_t made_at, int64_t *ret_id);

/** Forgets a change once it is put back. */
int present_store_dnd_forget(struct present_store *store, int64_t id);

/** Every change not yet put back, newest first (so they undo in reverse order). */
int present_store_dnd_list(struct present_store *store, struct present_dnd_record **ret, size_t *ret_n);

void present_dnd_records_free(struct present_dnd_record *recs, size_t n);

#endif
