#ifndef PRESENT_STATEFILE_H
#define PRESENT_STATEFILE_H

#include <sys/types.h>

#include "protocol.h"

/*
 * The running session, mirrored by the daemon into a small file in
 * $XDG_RUNTIME_DIR/present/, so that `present status` (run by status bars
 * every few seconds) answers without a bus connection. The daemon writes it
 * atomically on every change and removes it when the session ends; a file
 * whose daemon is gone is stale and means "no session".
 */

/** $XDG_RUNTIME_DIR/present/status, or NULL when there is no runtime directory; free() it. */
char *present_statefile_path(void);

/** Writes status (an active session) for the daemon pid, atomically. Returns 0 or -errno. */
int present_statefile_write(const char *path, pid_t pid, const struct present_status *status);

/**
 * Reads the file into status (present_status_finish() it). Returns 0, or
 * -ENOENT when there is no session: no file, or one left by a daemon that is
 * no longer running.
 */
int present_statefile_read(const char *path, struct present_status *status);

#endif
