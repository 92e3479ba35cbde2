#ifndef PRESENT_STATEFILE_H
#define PRESENT_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

/*
 * The running session, mirrored by the daemon into a small file in
 * $XDG_RUNTIME_DIR/present/, one per session bus, so that `present status`
 * (run by status bars every few seconds) answers without a bus connection,
 * and for its own bus alone. The daemon writes it
 * atomically on every change and removes it when the session ends; between
 * sessions it writes one (not active) only while an earlier session's
 * do-not-disturb is left on.
 *
 * The writer holds a lock on the file it wrote for as long as it lives: the
 * kernel drops the lock the moment the daemon dies, even before its parent
 * reaps it, so a file nobody holds is stale and means "no session".
 */

struct present_store;

/** The open responses owed, as the mirror keeps them: each one's next deadline (ms). */
struct present_statefile_owed {
	int64_t *due;
	size_t n;
};

/** What the mirror says beyond the session: counts for a status bar, computed when it is read. */
struct present_statefile_counts {
	bool owed_known; /* false when the writer did not record the responses owed */
	uint32_t owed; /* open responses owed */
	uint32_t overdue; /* of those, how many have a deadline already past */
};

/** present_path_for_bus("status"): $XDG_RUNTIME_DIR/present/status-HASH, or NULL as that; free() it. */
char *present_statefile_path(void);

/** Writes status for the daemon pid, atomically. Returns 0 or -errno. */
int present_statefile_write(const char *path, pid_t pid, const struct present_status *status);

/** present_statefile_write() with the responses owed (NULL: not known). */
int present_statefile_write_owed(const char *path, pid_t pid, const struct present_status *status,
	const struct present_statefile_owed *owed);

/**
 * Reads the open responses owed from store into owed, for the daemon to
 * mirror (free with present_statefile_owed_finish()). Returns 0 or -errno.
 */
int present_statefile_owed_collect(struct present_store *store, struct present_statefile_owed *owed);

/** Frees what owed holds. */
void present_statefile_owed_finish(struct present_statefile_owed *owed);

/**
 * Reads the file into status (present_status_finish() it). Returns 0;
 * -ENOENT when there is no session and nothing left on: no file, or one
 * whose writer exited; or -EOWNERDEAD when its writer died in a session or
 * with a switch left on, which a daemon started now puts back.
 */
int present_statefile_read(const char *path, struct present_status *status);

/**
 * Whether this bus's file says its writer died in a session or with a switch
 * left on (-EOWNERDEAD above); with in_session, in a session only.
 */
bool present_statefile_writer_died(bool in_session);

/** present_statefile_read(), and the counts (may be NULL) as they stand at now (seconds). */
int present_statefile_read_counts(const char *path, struct present_status *status, int64_t now,
	struct present_statefile_counts *counts);

#endif
