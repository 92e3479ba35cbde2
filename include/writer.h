#ifndef PRESENT_WRITER_H
#define PRESENT_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * The alert writer: capture hands it what it saw and goes straight back to
 * the bus; a thread of its own writes to the store, everything that arrived
 * meanwhile in one transaction (group commit), so the monitor never waits on
 * the disk and a burst costs one sync per batch, not one per alert. A batch
 * goes in whole or not at all: when the store cannot take it (locked by
 * another process, full), it is kept and tried again.
 */

enum present_write_op {
	PRESENT_WRITE_INSERT,
	PRESENT_WRITE_UPDATE,
	PRESENT_WRITE_SET_APP,
	PRESENT_WRITE_SERVER_ID,
	PRESENT_WRITE_WITHDRAW,
	PRESENT_WRITE_CLOSED,
	PRESENT_WRITE_REFUSED,
	PRESENT_WRITE_GAP,
};

struct present_writer;

/**
 * Opens its own connection to the store at path and starts the thread.
 * NULL (with *ret_error set) when the store cannot be opened.
 */
struct present_writer *present_writer_create(const char *path, char **ret_error);

/**
 * Writes what is queued, stops the thread and closes; accepts NULL. While
 * the store cannot be written (locked by another process, full) this waits
 * a short while only, then drops what is queued and logs how much.
 */
void present_writer_destroy(struct present_writer *w);

/**
 * The session is over: tries at once to write what is queued, waiting a
 * short while only on a lock held elsewhere. True when all of it is
 * written; false when the store could not take it (the thread keeps it
 * and tries again each second, until present_writer_idle() or destroy), or
 * while the writer is held.
 */
bool present_writer_end(struct present_writer *w);

/**
 * The session these alerts belong to is not recorded yet (the store was
 * locked at its start): nothing is written until present_writer_recorded(),
 * or until destroy, which tries it under no session rather than drop it.
 */
void present_writer_hold(struct present_writer *w);

/** The session is recorded as session_id (0: it will not be): what was held is written, under it. */
void present_writer_recorded(struct present_writer *w, int64_t session_id);

/**
 * Whether everything queued is written, or given up: after
 * present_writer_end(), a failure the store will not get over (I/O,
 * corruption) gives up what it could not write, and logs it.
 */
bool present_writer_idle(struct present_writer *w);

/**
 * The number the next alert takes, so that later events can name it: this
 * writer's own numbering, from 1. The store gives the alert its id when it
 * is written, which is the same unless another daemon wrote alerts to the
 * store meanwhile; every op of this writer names its alerts by this number.
 */
int64_t present_writer_next_id(struct present_writer *w);

/**
 * Queues a new alert or new content for one (INSERT, UPDATE), or the app a
 * later hop names and what the alert is with it (SET_APP: id, app, cls and
 * rule), with the response owed it adds to (note, or NULL) in the same
 * operation: they are written in one transaction, so a crash cannot keep
 * one and lose the other. The strings are copied.
 */
void present_writer_alert(struct present_writer *w, enum present_write_op op, const struct present_alert_record *a,
	const struct present_owed_note *note);

/**
 * Queues a change to one alert: SERVER_ID (number, and text: the server's unique name), WITHDRAW (number:
 * ms), CLOSED (number), REFUSED (text).
 */
void present_writer_change(struct present_writer *w, enum present_write_op op, int64_t id, int64_t number,
	const char *text);

/** Queues a gap in the capture (times in ms). */
void present_writer_gap(struct present_writer *w, int64_t session_id, int64_t from, int64_t to, const char *reason);

/** Blocks until everything queued so far is committed or dropped (for tests). */
void present_writer_sync(struct present_writer *w);

/** How many writes failed so far (each logged once). */
uint64_t present_writer_failures(struct present_writer *w);

#endif
