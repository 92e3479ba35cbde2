#ifndef PRESENT_PROTOCOL_H
#define PRESENT_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

/*
 * The daemon's D-Bus contract, shared by the daemon and the CLI. The
 * interface XML in conf/ is the authoritative description.
 */
#define PRESENT_BUS_NAME "dev.present.Present"
#define PRESENT_OBJECT_PATH "/dev/present/Present"
#define PRESENT_INTERFACE "dev.present.Present1"

#define PRESENT_ERROR_ALREADY_ACTIVE "dev.present.Error.AlreadyActive"
#define PRESENT_ERROR_NOT_ACTIVE "dev.present.Error.NotActive"
#define PRESENT_ERROR_CONFIG "dev.present.Error.Config"
#define PRESENT_ERROR_NO_SUCH_ITEM "dev.present.Error.NoSuchItem"

/** A session as the daemon describes it: the a{sv} of GetStatus and the signals. */
struct present_status {
	bool active;
	uint64_t id;
	int64_t started_at, ends_at; /* seconds since the epoch */
	char *label;
	/* What do-not-disturb did at the start: see struct present_dnd_report. */
	char *dnd_state, *dnd_server, *dnd_backend, *dnd_note;
	char **muted; /* NULL-terminated, or NULL */
	char *capture_error; /* why alerts are not held; NULL when they are */
	char *store_error; /* why the session is not recorded in the store; NULL when it is */
	uint32_t alerts; /* alerts held so far in the session */
};

/**
 * Reads an a{sv} at iter into status, ignoring keys it does not know so that
 * an older CLI works with a newer daemon. Returns false on a wrong signature.
 */
bool present_status_read(struct present_wire_iter *iter, struct present_status *status);

/** Prints the outcome of a restore, the same from the CLI and from `present-daemon --restore`. */
void present_print_restored(int restored);

/** Frees what status owns and clears it (for a status filled by present_status_read()). */
void present_status_finish(struct present_status *status);

#endif
