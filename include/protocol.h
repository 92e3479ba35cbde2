#ifndef PRESENT_PROTOCOL_H
#define PRESENT_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

/** The CLI's exit codes (documented in present(1)), also present-daemon's where it acts for the CLI
 * (--end); sysexits.h values where one fits. */
enum present_exit {
	PRESENT_EXIT_OK = 0,
	PRESENT_EXIT_FAILURE = 1,
	PRESENT_EXIT_USAGE = 2,
	PRESENT_EXIT_NOT_SILENCED = 3, /* a session runs, but do-not-disturb could not be turned on */
	PRESENT_EXIT_NOT_PUT_BACK = 4, /* the session ended, but a switch could not be put back */
	PRESENT_EXIT_UNAVAILABLE = 69, /* no session bus, or the daemon cannot be reached */
	PRESENT_EXIT_CONFIG = 78, /* the configuration file is invalid */
};

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
#define PRESENT_ERROR_EXITING "dev.present.Error.Exiting"

/** The longest label Start and Toggle take, in bytes: longer does not fit a notification or a status bar. */
#define PRESENT_LABEL_MAX 200

/** The longest acknowledgement text Acknowledge takes, in bytes: a template of 1000 and what fills it in. */
#define PRESENT_ACK_TEXT_MAX 65536

struct present_store;

/** A response owed that falls due during a session, as the reply to a start lists it. */
struct present_status_due {
	uint64_t id;
	char *state, *sender, *app, *subject;
	int64_t ack_by, answer_by; /* ms */
};

/** A do-not-disturb switch that a session's end could not put back (`present restore` tries again). */
struct present_unrestored {
	char *backend; /* the backend's title: "dunst", "GNOME Shell" */
	char *app; /* "" for the server-wide switch, else the desktop id of the app whose alerts were muted */
	char *reason;
};

/**
 * Appends a copy of (backend, app, reason) to the n items at *items, *cap of
 * them allocated (present_grow()). Returns false, the list as it was, when
 * memory runs out.
 */
bool present_unrestored_add(struct present_unrestored **items, size_t *n, size_t *cap, const char *backend,
	const char *app, const char *reason);

/** Frees the n items at items, and the array. */
void present_unrestored_free(struct present_unrestored *items, size_t n);

/** The n items for people, one line each ("dunst: why", "GNOME Shell (muting app): why"); NULL when n is 0. */
char *present_unrestored_text(const struct present_unrestored *items, size_t n);

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
	/* In the reply to a start only: the open responses owed falling due
	 * before the session's planned end, earliest first. */
	struct present_status_due *due;
	size_t n_due;
	/* In the reply to a start only: what the daemon's own configuration
	 * file has that it does not know, for the caller to warn about (the
	 * daemon may read another file than the caller would). NULL-terminated,
	 * or NULL. */
	char **config_warnings;
	/* Once the session ended (Stop, Toggle, SessionEnded): the switches
	 * that could not be put back. With no session: those an earlier one
	 * left on that still are. */
	struct present_unrestored *unrestored;
	size_t n_unrestored;
};

/**
 * Fills status->due from store with what falls due between from and to
 * (ms), for the reply to a start: the caller says it before going dark,
 * without opening the store itself. Returns 0 or -errno.
 */
int present_status_due_collect(struct present_store *store, int64_t from, int64_t to, struct present_status *status);

/** Frees status->due alone (the daemon's statuses borrow the rest). */
void present_status_due_free(struct present_status *status);

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
