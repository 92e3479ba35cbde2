#ifndef PRESENT_DND_H
#define PRESENT_DND_H

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

struct present_config;
struct present_dnd_change;
struct present_store;

/** The notification server as GetServerInformation introduces it. */
struct present_server_info {
	char *name, *vendor, *version, *spec_version;
};

/** What a backend is handed: the bus, and the server if one runs. */
struct present_dnd_ctx {
	DBusConnection *bus;
	const struct present_server_info *server; /* NULL when nobody owns org.freedesktop.Notifications */
	const char *server_error; /* server is NULL although the name has an owner: why (it did not answer) */
	const void *data; /* the backend's own data (its `data` field) */
};

/*
 * One way of silencing one desktop, in one file under src/dnd/, registered
 * in the table of src/dnd/registry.c. A backend works on one "switch": the
 * server-wide do-not-disturb when app is NULL, or one application's alerts
 * (where the desktop can mute apps one by one). Every function returns 0 or
 * -errno with a message naming the server in *ret_error (free() it);
 * -ENOENT means the server (and so any state it held) is gone, -EOPNOTSUPP
 * that the one answering has no such switch.
 */
struct present_dnd_backend {
	const char *id; /* what dnd.backend names and the store records: "dunst" */
	const char *title; /* for people: "dunst", "GNOME Shell" */
	/* Our own hold (KDE's Inhibit) that never touches the user's switch:
	 * taken even when do-not-disturb is already on, released at the end. */
	bool held;
	/* A hold the server itself drops when our connection closes, so a crash
	 * leaves nothing to restore and nothing is written to the store. */
	bool released_on_disconnect;
	/* The switch lives outside the server (GSettings, Xfconf) and survives
	 * it: restoring it needs no running server. */
	bool persistent;
	/* The switch is one boolean that a session changes only from off, and
	 * off() sets it off whatever it holds: one the user turned off by hand
	 * stays off all the same, so putting it back needs no look first (a
	 * round trip less at every stop). */
	bool plain;
	/* The server holds what comes while silenced and shows it all when
	 * that ends (dunst, mako): present shows none of it again, and closes
	 * there first what must never be seen. */
	bool shows_held_again;
	const void *data; /* handed to the functions below in ctx->data */

	/** Whether this backend drives the server in ctx: 1 or 0; -EAGAIN when it
	 * cannot tell yet, the server having taken the notification name before
	 * the name or object that tells (swaync): nothing is concluded then. */
	int (*probe)(const struct present_dnd_ctx *ctx);
	/** Reads the switch: whether it is on, and what to put back later. */
	int (*read)(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
		char **ret_error);
	/** Turns the switch on; a held backend returns what releases it in ret_saved. */
	int (*on)(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error);
	/** Optional: on() and the read that confirms it, in one round trip. */
	int (*on_read)(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, bool *ret_on,
		char **ret_error);
	/** Puts the switch back as saved says (or releases the hold). */
	int (*off)(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error);
	/** Optional: whether app (a desktop id) is installed and can be muted; its name in ret_title. */
	bool (*can_mute)(const struct present_dnd_ctx *ctx, const char *app, char **ret_title);
	/** Optional: why turning it on would change nothing (mako without the mode), or NULL. */
	char *(*check)(const struct present_dnd_ctx *ctx);
	/** Optional: closes what the calls above kept open for the next one (a session's switches). */
	void (*release)(const struct present_dnd_ctx *ctx);
};

/** Every backend, in the order auto-detection tries them; NULL-terminated. */
extern const struct present_dnd_backend *const present_dnd_backends[];

/** The backend with this id, or NULL. */
const struct present_dnd_backend *present_dnd_backend_find(const char *id);

/** What silencing did, for `present start` and `present doctor`. */
struct present_dnd_report {
	char *state; /* "on", "already-on", "none" (nothing to silence), "unsupported", "disabled", "failed" */
	char *server; /* the server's name as it gives it, or NULL */
	char *backend; /* the backend's title, or NULL */
	char *note; /* why it is not "on", for people; or NULL */
	char **muted; /* titles of the mail apps muted, NULL-terminated; may be NULL */
	/* Filled at the end by present_dnd_restore(): how many switches were
	 * put back, and what could not be. */
	int restored;
	struct present_unrestored *unrestored;
	size_t n_unrestored, unrestored_cap;
};

void present_dnd_report_finish(struct present_dnd_report *report);

struct present_dnd;

/** The daemon's do-not-disturb state: what it changed, to put back. */
struct present_dnd *present_dnd_create(DBusConnection *bus, struct present_store *store);

/** Frees the state; changes not restored stay in the store for the next start. Accepts NULL. */
void present_dnd_destroy(struct present_dnd *dnd);

/**
 * The first half of silencing the desktop for a session, before the session
 * is recorded: finds the server and its backend and reads the server-wide
 * switch, changing nothing. Returns true, with ret_change filled (pointing
 * into dnd, valid until present_dnd_silence()), when the change about to be
 * made must be recorded first: present_store_session_begin() writes it in
 * the session's own commit. The report is started in ret.
 */
bool present_dnd_prepare(struct present_dnd *dnd, const struct present_config *cfg, struct present_dnd_report *ret,
	struct present_dnd_change *ret_change);

/**
 * The second half: turns on the switch prepare read (change: its record,
 * with id 0 if it could not be written, or NULL when none was asked for) and
 * reads it back; then the mail apps in cfg are muted where the desktop can,
 * each recorded first. Never fails the session: what went wrong is in the
 * report.
 */
void present_dnd_silence(struct present_dnd *dnd, const struct present_config *cfg, int64_t session_id,
	const struct present_dnd_change *change, struct present_dnd_report *ret);

/**
 * The session is recorded late, as session_id (the store was locked at its
 * start): what this session changed is recorded under it, so that a crash
 * from now on leaves nothing on, and report's warning that one could goes.
 * Returns 0, or -errno when the store did not take it (the warning stays).
 */
int present_dnd_record_late(struct present_dnd *dnd, int64_t session_id, struct present_dnd_report *report);

/** Whether a change of this session has no record yet: the store refused it as the switch turned. */
bool present_dnd_records_missing(const struct present_dnd *dnd);

/**
 * Records each change of this session that has no record yet, so that a crash from now on leaves nothing
 * on; once all have one, report's warning that one could goes. Returns 0, or the first -errno the store
 * gave (the warning stays, and what it did not take is tried at the next call).
 */
int present_dnd_record_missing(struct present_dnd *dnd, struct present_dnd_report *report);

/**
 * The id of the backend that silenced the desktop in this session, or whose
 * switch the session found on already, even if its server has left since;
 * NULL when neither.
 */
const char *present_dnd_active_backend(const struct present_dnd *dnd);

/**
 * Whether the desktop's shell is its notification server (GNOME, Plasma,
 * Cinnamon, Budgie, Pantheon, by XDG_CURRENT_DESKTOP): one that is away for
 * a moment (restarting) must not find the name taken by whatever server the
 * bus can start.
 */
bool present_dnd_shell_serves(void);

/**
 * Puts back everything this session changed, leaving alone what the user
 * changed by hand meanwhile. Returns how many switches were put back; each
 * that could not be is added to report->unrestored (report may be NULL). A
 * record of a change put back that the store cannot delete yet is kept in
 * memory as done and deleted at the next chance, never put back again.
 */
int present_dnd_restore(struct present_dnd *dnd, struct present_dnd_report *report);

/**
 * Puts back what is left in the store: what a daemon that died left, and
 * what an end could not put back. Returns how many changes were restored,
 * or -errno when some could not be (they stay): each is added to
 * report->unrestored (report may be NULL).
 */
int present_dnd_restore_leftovers(struct present_dnd *dnd, struct present_dnd_report *report, char **ret_error);

/**
 * Whether the store holds a change that no live daemon answers for. Between sessions, and with nothing
 * this daemon failed to put back (present_dnd_has_leftovers()), it is one a daemon that died since this
 * one started left (another login's, sharing the store).
 */
bool present_dnd_left_by_the_dead(struct present_dnd *dnd);

/**
 * Where something recorded on the bus of id at address is found again. On this bus (or one whose id is not
 * known), true with *there NULL. On another login's bus that still runs, true with *there a connection to it
 * (present_bus_close_other() it). False when that bus cannot be reached: gone, and its server with it.
 */
bool present_dnd_reach_bus(struct present_dnd *dnd, const char *id, const char *address, DBusConnection **there);

/** Whether a put-back failed and its record waits in the store to be tried again. */
bool present_dnd_has_leftovers(const struct present_dnd *dnd);

/**
 * Whether one of those would stay on after this daemon exits: any but a
 * hold the server drops with the daemon's connection.
 */
bool present_dnd_leftovers_outlive(const struct present_dnd *dnd);

/**
 * Deletes now the records of changes put back that the store could not
 * delete then; returns how many are still kept (0: none is).
 */
size_t present_dnd_forget_put_back(struct present_dnd *dnd);

/**
 * How many records of changes put back the store could not delete yet,
 * for a reason that may pass (locked, full); 0 when none is, or the store
 * failed otherwise: trying again would not help.
 */
size_t present_dnd_put_back_kept(const struct present_dnd *dnd);

/** Those put-backs, each with why it failed last (*ret_n of them); valid until the next put-back. */
const struct present_unrestored *present_dnd_leftovers(const struct present_dnd *dnd, size_t *ret_n);

/**
 * The notification name changed hands (owner: its unique name now, NULL or
 * "" for none): the server is asked again; silenced again if a session runs,
 * and between sessions, what could not be put back while it was away is put
 * back. Returns true when a new server was silenced for the running session:
 * report (the session's) then says what that did, as it would at a start.
 */
bool present_dnd_server_changed(struct present_dnd *dnd, const struct present_config *cfg, const char *owner,
	struct present_dnd_report *report);

/**
 * Whether the running session's server could not be silenced because it is
 * still starting: it owns the notification name, but not yet the object or
 * the name that do-not-disturb needs (swaync registers those after it).
 * present_dnd_try_again() may then succeed shortly.
 */
bool present_dnd_late(const struct present_dnd *dnd);

/**
 * Tries again to silence the server of the running session, as the start or
 * the server's arrival did (records first, the user's own switch left
 * alone), if present_dnd_late(). report (the session's) then says what this
 * did; returns true when that differs from what it said.
 */
bool present_dnd_try_again(struct present_dnd *dnd, const struct present_config *cfg,
	struct present_dnd_report *report);

/** The caller follows NameOwnerChanged for the notification name, so what the server said may be kept. */
void present_dnd_watching(struct present_dnd *dnd);

/** One finding of `present doctor`: level is "ok", "warning" or "failure". */
typedef void (*present_diagnosis_fn)(const char *level, const char *topic, const char *message, void *userdata);

/**
 * Checks what a session would do: the server, the backend, whether the
 * switch can be set and read back (tried for real, and put back, when no
 * session runs), and which mail apps would be muted.
 */
void present_dnd_diagnose(struct present_dnd *dnd, const struct present_config *cfg, present_diagnosis_fn add,
	void *userdata);

/**
 * Reads GetServerInformation without activating anything: 1 with ret
 * filled, 0 when no server runs, or -errno (-ETIMEDOUT: it owns the name
 * but does not answer) with a message in *ret_error (free() it).
 */
int present_dnd_server_info(DBusConnection *bus, struct present_server_info *ret, char **ret_error);

void present_server_info_finish(struct present_server_info *info);

#endif
