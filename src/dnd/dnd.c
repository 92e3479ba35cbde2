/*
 * The do-not-disturb engine: picks the backend for the running server and
 * keeps the rule that makes it safe. Before a switch is changed, what to put
 * back goes to the store; at the end a switch is put back only if it is
 * still as we left it; whatever a dead daemon left in the store is put back
 * at the next start of a daemon, by `present restore`, or by a running
 * daemon before its next session.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bus-call.h"
#include "config.h"
#include "log.h"
#include "paths.h"
#include "dnd.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

struct change {
	const struct present_dnd_backend *backend;
	char *app; /* NULL: the server-wide switch */
	char *saved;
	int64_t row; /* 0 when not in the store */
	char *owner; /* the unique name of the server that confirmed it; NULL: not known */
	bool confirmed; /* it read back on; else a call failed that may have acted all the same */
	bool unrecordable; /* the store refused its record for good (not busy, nor full): not tried again */
};

struct present_dnd {
	DBusConnection *bus;
	struct present_store *store;
	char *bus_id; /* the bus's own id, asked once it is needed: a server is known by it and its unique name */
	char *address; /* the bus's address, recorded with its id: a daemon on another bus can reach this one */
	bool bus_id_asked;
	/* The server as it last introduced itself. Kept only while the daemon
	 * follows NameOwnerChanged, which says when it must be asked again. */
	struct present_server_info server;
	char *server_error; /* the name has an owner that did not answer */
	bool have_server, server_known, watching;
	bool server_late; /* that owner has no such object or method yet: it is still starting */
	/* The backend auto-detection found for that server (NULL: none fits):
	 * a probe may ask the server (swaync's introspection), and the answer
	 * holds as long as the server does (context() forgets it with it). */
	const struct present_dnd_backend *detected;
	bool detected_known;
	bool active;
	/* The session's server-wide switch could not be set because the server
	 * is still registering what present needs (swaync's object and second
	 * name come after the notification name): present_dnd_try_again() can
	 * do it shortly. late_was is the backend that held before that server
	 * came, as silence() takes it. */
	bool late;
	const struct present_dnd_backend *late_was;
	/* The backend whose server-wide switch is on for the session, set by
	 * present_dnd_silence() or found on: its server holds what comes. */
	const struct present_dnd_backend *holding;
	int64_t session_id;
	struct change *changes;
	size_t n_changes;
	/* Records of changes put back (or dropped) that the store could not
	 * delete yet (locked, full): done, so never to be put back again, and
	 * deleted at the next chance. Put back again, they would undo what the
	 * user chose since. */
	int64_t *done;
	size_t n_done;
	bool done_later; /* a delete of them failed only because the store could not take it then */
	char *save_error; /* why this session's changes could not be recorded, or NULL */
	bool leftovers; /* a put-back failed: its record waits in the store */
	/* One of those outlives this daemon: not a hold the server drops with
	 * our connection, which the daemon's exit ends as surely as a retry. */
	bool leftovers_outlive;
	/* Those switches, each with the reason, for whoever asks meanwhile. The
	 * flag above stands apart: a failure is tried again even when memory
	 * ran out for its line here. */
	struct present_unrestored *left;
	size_t n_left, left_cap;
	/* Changes whose put-back failed and that the store has no record of
	 * (it could not be written when the session began): the only copy,
	 * tried again with the records while this daemon runs. */
	struct change *unrecorded;
	size_t n_unrecorded;
	/* What present_dnd_prepare() found for present_dnd_silence() to turn on. */
	struct {
		const struct present_dnd_backend *backend; /* NULL: nothing to turn on */
		char *saved; /* what to put back; NULL for a hold */
		char *server; /* the unique name of the server that answered the read, recorded with the change */
		bool on_already, recorded;
	} plan;
};

const struct present_dnd_backend *present_dnd_backend_find(const char *id)
{
	for (size_t i = 0; present_dnd_backends[i]; i++)
		if (strcmp(present_dnd_backends[i]->id, id) == 0)
			return present_dnd_backends[i];
	return NULL;
}

void present_server_info_finish(struct present_server_info *info)
{
	free(info->name);
	free(info->vendor);
	free(info->version);
	free(info->spec_version);
	*info = (struct present_server_info){0};
}

int present_dnd_server_info(DBusConnection *bus, struct present_server_info *ret, char **ret_error)
{
	*ret = (struct present_server_info){0};
	*ret_error = NULL;
	/* Asking an unowned name would activate whichever server the bus finds first. */
	if (!present_bus_has_owner(bus, PRESENT_NOTIFICATIONS_NAME))
		return 0;
	DBusMessage *reply;
	int r = present_bus_call(bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH,
		PRESENT_NOTIFICATIONS_NAME, "GetServerInformation", &reply, ret_error, DBUS_TYPE_INVALID);
	/* It went away while we asked: that is no server. */
	if (r == -ENOENT) {
		free(*ret_error);
		*ret_error = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	const char *name, *vendor, *version, *spec;
	bool ok = dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &vendor,
		DBUS_TYPE_STRING, &version, DBUS_TYPE_STRING, &spec, DBUS_TYPE_INVALID);
	if (ok)
		*ret = (struct present_server_info){strdup(name), strdup(vendor), strdup(version), strdup(spec)};
	else if (asprintf(ret_error, "GetServerInformation answered with (%s), not (ssss)",
			 dbus_message_get_signature(reply)) < 0)
		*ret_error = NULL;
	dbus_message_unref(reply);
	return ok ? 1 : -EPROTO;
}

/* The running server, asked once per owner of the notification name. */
static struct present_dnd_ctx context(struct present_dnd *dnd)
{
	if (!dnd->server_known || !dnd->watching) {
		present_server_info_finish(&dnd->server);
		free(dnd->server_error);
		int r = present_dnd_server_info(dnd->bus, &dnd->server, &dnd->server_error);
		if (r < 0 && !dnd->server_error)
			dnd->server_error = strdup(strerror(-r));
		dnd->have_server = r > 0;
		dnd->server_late = r == -EOPNOTSUPP;
		dnd->detected_known = false;
		/* One that did not answer is asked again next time: no signal says it woke. */
		dnd->server_known = r >= 0;
	}
	return (struct present_dnd_ctx){
		.bus = dnd->bus,
		.server = dnd->have_server ? &dnd->server : NULL,
		.server_error = dnd->have_server ? NULL : dnd->server_error,
	};
}

void present_dnd_watching(struct present_dnd *dnd)
{
	dnd->watching = true;
}

void present_dnd_report_finish(struct present_dnd_report *report)
{
	free(report->state);
	free(report->server);
	free(report->backend);
	free(report->note);
	present_strv_free(report->muted);
	present_unrestored_free(report->unrestored, report->n_unrestored);
	*report = (struct present_dnd_report){0};
}

struct present_dnd *present_dnd_create(DBusConnection *bus, struct present_store *store)
{
	struct present_dnd *dnd = calloc(1, sizeof(*dnd));
	if (dnd) {
		dnd->bus = bus;
		dnd->store = store;
	}
	return dnd;
}

static void change_free(struct change *c)
{
	free(c->app);
	free(c->saved);
	free(c->owner);
}

/* Deletes the record of a change that needs no putting back any more; one
 * the store cannot delete now is kept as done. */
static void forget(struct present_dnd *dnd, int64_t row)
{
	if (!row || !dnd->store)
		return;
	int r = present_store_dnd_forget(dnd->store, row);
	if (r == 0)
		return;
	dnd->done_later = dnd->done_later || present_store_later(r);
	int64_t *grown = realloc(dnd->done, (dnd->n_done + 1) * sizeof(*grown));
	if (!grown) {
		present_log("warning", "%s: a later restore could undo do-not-disturb set since",
			present_store_error(dnd->store));
		return;
	}
	present_log("warning", "%s: the record stays until the store can delete it (kept as done meanwhile)",
		present_store_error(dnd->store));
	dnd->done = grown;
	dnd->done[dnd->n_done++] = row;
}

/* Deletes what forget() could not; returns how many records are still kept. */
static size_t forget_done(struct present_dnd *dnd)
{
	size_t kept = 0;
	dnd->done_later = false;
	for (size_t i = 0; i < dnd->n_done; i++) {
		int r = present_store_dnd_forget(dnd->store, dnd->done[i]);
		if (r < 0) {
			dnd->done[kept++] = dnd->done[i];
			dnd->done_later = dnd->done_later || present_store_later(r);
		}
	}
	dnd->n_done = kept;
	return kept;
}

size_t present_dnd_forget_put_back(struct present_dnd *dnd)
{
	return dnd->n_done ? forget_done(dnd) : 0;
}

size_t present_dnd_put_back_kept(const struct present_dnd *dnd)
{
	return dnd && dnd->done_later ? dnd->n_done : 0;
}

static bool is_done(const struct present_dnd *dnd, int64_t row)
{
	for (size_t i = 0; i < dnd->n_done; i++)
		if (dnd->done[i] == row)
			return true;
	return false;
}

/* What the backends kept open for a session's next call is closed when no
 * session needs it: an idle daemon follows no switch. */
static void release(struct present_dnd *dnd)
{
	struct present_dnd_ctx ctx = {.bus = dnd->bus};
	for (size_t i = 0; present_dnd_backends[i]; i++)
		if (present_dnd_backends[i]->release)
			present_dnd_backends[i]->release(&ctx);
}

static void forget_left(struct present_dnd *dnd)
{
	present_unrestored_free(dnd->left, dnd->n_left);
	dnd->left = NULL;
	dnd->n_left = dnd->left_cap = 0;
}

void present_dnd_destroy(struct present_dnd *dnd)
{
	if (!dnd)
		return;
	release(dnd);
	for (size_t i = 0; i < dnd->n_changes; i++)
		change_free(&dnd->changes[i]);
	free(dnd->changes);
	size_t stay = 0;
	for (size_t i = 0; i < dnd->n_unrecorded; i++) {
		stay += !dnd->unrecorded[i].backend->released_on_disconnect;
		change_free(&dnd->unrecorded[i]);
	}
	if (stay)
		present_log("warning", "%zu do-not-disturb change(s) that could be neither recorded nor put back stay "
				       "on: nothing will try again; turn them off by hand",
			stay);
	free(dnd->unrecorded);
	if (dnd->n_done && forget_done(dnd))
		present_log("warning", "%s: %zu do-not-disturb change(s) already put back stay recorded; the next start "
				       "puts them back only if they still read as set",
			present_store_error(dnd->store), dnd->n_done);
	free(dnd->done);
	free(dnd->plan.saved);
	free(dnd->plan.server);
	free(dnd->save_error);
	free(dnd->server_error);
	free(dnd->bus_id);
	free(dnd->address);
	forget_left(dnd);
	present_server_info_finish(&dnd->server);
	free(dnd);
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct change *find_change(struct present_dnd *dnd, const struct present_dnd_backend *b, const char *app)
{
	for (size_t i = 0; i < dnd->n_changes; i++)
		if (dnd->changes[i].backend == b && same_text(dnd->changes[i].app, app))
			return &dnd->changes[i];
	return NULL;
}

static const char *describe(const struct present_dnd_backend *b, const char *app)
{
	static char buf[160];
	if (!app)
		return b->title;
	snprintf(buf, sizeof(buf), "%s (%s)", b->title, app);
	return buf;
}

static struct present_dnd_ctx for_backend(const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b)
{
	struct present_dnd_ctx c = *ctx;
	c.data = b->data;
	return c;
}

/* Reads a switch before it changes: 1 if it is on already (nothing to
 * undo), 0 with what to put back in *ret_saved (NULL for a hold), or -errno. */
static int look(const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b, const char *app,
	char **ret_saved, char **ret_error)
{
	bool on = false;
	*ret_saved = NULL;
	if (b->held)
		return 0;
	int r = b->read(ctx, app, &on, ret_saved, ret_error);
	if (r < 0 || !on)
		return r;
	free(*ret_saved);
	*ret_saved = NULL;
	return 1;
}

/* What to put back goes to the store before anything changes, so a crash
 * from there on is undone at the next start; a hold the server drops by
 * itself needs no record. */
static bool needs_record(const struct present_dnd *dnd, const struct present_dnd_backend *b)
{
	return dnd->store && !b->released_on_disconnect;
}

/* A switch kept in the server's memory dies with its process: its record
 * says which process that was (in_memory_server()). */
static bool in_memory(const struct present_dnd_backend *b)
{
	return !b->persistent && !b->released_on_disconnect;
}

/* This bus's id (GetId): unique names are unique on one bus alone. NULL
 * when the bus cannot say; the record then names no bus. */
static const char *bus_id(struct present_dnd *dnd)
{
	if (dnd->bus_id_asked || !dnd->bus)
		return dnd->bus_id;
	dnd->bus_id_asked = true;
	DBusError err;
	dbus_error_init(&err);
	char *id = dbus_bus_get_id(dnd->bus, &err);
	if (id) {
		dnd->bus_id = strdup(id);
		dnd->address = present_path_session_bus();
		dbus_free(id);
	} else {
		present_log("warning", "cannot read the session bus's id (%s): a crash now could see do-not-disturb put "
				       "back on another server", err.message);
		dbus_error_free(&err);
	}
	return dnd->bus_id;
}

bool present_dnd_reach_bus(struct present_dnd *dnd, const char *id, const char *address, DBusConnection **there)
{
	*there = NULL;
	const char *here = bus_id(dnd);
	if (!id || !here || strcmp(id, here) == 0)
		return true;
	*there = address ? present_bus_open_other(address, id) : NULL;
	return *there != NULL;
}

/* This bus's address, known with its id: NULL when the id is not. */
static const char *bus_address(struct present_dnd *dnd)
{
	return bus_id(dnd) ? dnd->address : NULL;
}

/* The server whose switch is about to change, as the read before the change
 * found it (the one that answered last): recorded with the change, and
 * replaced by the one that confirms it. A hold reads nothing first. Free it. */
static char *in_memory_server(const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b)
{
	const char *server = in_memory(b) && !b->held ? present_bus_last_replier(ctx->bus) : NULL;
	return server ? strdup(server) : NULL;
}

/* The record of a change about to be made to b's switch (saved: what to put
 * back; server: the in-memory switch's process, or NULL), for the store. */
static struct present_dnd_change record_of(struct present_dnd *dnd, const struct present_dnd_backend *b,
	const char *app, const char *saved, const char *server)
{
	return (struct present_dnd_change){
		.backend = b->id,
		.app = app,
		.saved = saved ? saved : "",
		.durable = b->persistent,
		.bus = server ? bus_id(dnd) : NULL,
		.address = server ? bus_address(dnd) : NULL,
		.server = server,
	};
}

static void save_failed(struct present_dnd *dnd)
{
	present_log("warning", "%s: a crash now could leave do-not-disturb on", present_store_error(dnd->store));
	if (!dnd->save_error)
		dnd->save_error = strdup(present_store_error(dnd->store));
}

/* Turns b's switch on and reads it back (a hold's handle in *saved): 0 once
 * it reads on, -EIO with *ret_off when it still reads off, or -errno. */
static int switch_on(const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b, const char *app,
	char **saved, bool *ret_off, char **ret_error)
{
	bool on = false;
	int r;
	if (b->on_read) {
		r = b->on_read(ctx, app, b->held ? saved : NULL, &on, ret_error);
	} else {
		r = b->on(ctx, app, b->held ? saved : NULL, ret_error);
		if (r == 0 && b->read)
			r = b->read(ctx, app, &on, NULL, ret_error);
	}
	*ret_off = r == 0 && b->read && !on;
	if (*ret_off) {
		r = -EIO;
		if (asprintf(ret_error, "%s did not confirm do-not-disturb: it still reads off", describe(b, app)) < 0)
			*ret_error = NULL;
	}
	return r;
}

/* After a crash the change is put back on the process that has it alone:
 * the record names the one that confirmed it (recorded: the one it names). */
static void note_server(struct present_dnd *dnd, const struct change *c, const char *recorded)
{
	if (c->row && c->owner && in_memory(c->backend) && !(recorded && strcmp(recorded, c->owner) == 0) &&
		present_store_dnd_set_server(dnd->store, c->row, bus_id(dnd), bus_address(dnd), c->owner) < 0)
		present_log("warning", "%s: after a crash, the record of %s could be taken for another server's",
			present_store_error(dnd->store), describe(c->backend, c->app));
}

/* Turns a switch on once its record (row; 0: none, recorded: the server it
 * names) is written, and reads it back. Takes saved. Returns 0, or -errno
 * with *ret_error set; the change is kept to be put back even then, unless
 * the switch reads off. */
static int turn_on(struct present_dnd *dnd, const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b,
	const char *app, char *saved, int64_t row, const char *recorded, char **ret_error)
{
	/* All that keeping the change takes is allocated before anything
	 * changes: out of memory after it, the change could not be kept, or
	 * would be kept wrong (a mail app's mute as the server-wide switch,
	 * nothing saved to put back). */
	char *copy = app ? strdup(app) : NULL, *none = saved ? NULL : strdup("");
	struct change *grown = realloc(dnd->changes, (dnd->n_changes + 1) * sizeof(*grown));
	if (grown)
		dnd->changes = grown;
	/* A read that gave nothing to put back ran out of memory; a hold's comes from turning it on. */
	if (!grown || (app && !copy) || (!saved && (!b->held || !none))) {
		free(copy);
		free(none);
		free(saved);
		forget(dnd, row);
		return -ENOMEM;
	}

	bool off;
	int r = switch_on(ctx, b, app, &saved, &off, ret_error);
	/* A call that failed may have acted all the same (one that timed out
	 * can land later, a read back can fail after the change), and forgotten,
	 * such a change would be left on for good: only a switch that reads off
	 * is known to need nothing put back, and a hold that gave no handle to
	 * release it cannot be put back. */
	if (off || (r < 0 && b->held && !saved)) {
		forget(dnd, row);
		free(copy);
		free(none);
		free(saved);
		return r;
	}
	if (saved)
		free(none);
	/* Unknown (out of memory), a change is taken for the old server's when the server changes hands. */
	const char *owner = r == 0 ? present_bus_last_replier(ctx->bus) : NULL;
	dnd->changes[dnd->n_changes++] = (struct change){
		.backend = b,
		.app = copy,
		.saved = saved ? saved : none,
		.row = row,
		.owner = owner ? strdup(owner) : NULL,
		.confirmed = r == 0,
	};
	note_server(dnd, &dnd->changes[dnd->n_changes - 1], recorded);
	return r;
}

/* A change kept after a call that failed is turned on again under the
 * record it has: tried again, it may be a server that was still starting. */
static int again(struct present_dnd *dnd, const struct present_dnd_ctx *ctx, struct change *c, char **ret_error)
{
	char *handle = NULL;
	bool off;
	int r = switch_on(ctx, c->backend, c->app, &handle, &off, ret_error);
	/* The latest handle releases what the latest call may have taken. */
	if (handle) {
		free(c->saved);
		c->saved = handle;
	}
	if (r == 0) {
		const char *owner = present_bus_last_replier(ctx->bus);
		free(c->owner);
		c->owner = owner ? strdup(owner) : NULL;
		c->confirmed = true;
		note_server(dnd, c, NULL);
	}
	return r;
}

/* Turns one switch on. Returns 1 if it was on already (nothing to undo), 0 when
 * we turned it on and it reads back on, or -errno with *ret_error set. */
static int apply(struct present_dnd *dnd, const struct present_dnd_ctx *outer, const struct present_dnd_backend *b,
	const char *app, char **ret_error)
{
	struct present_dnd_ctx ctx = for_backend(outer, b);
	char *saved = NULL;
	int64_t row = 0;
	struct change *c = find_change(dnd, b, app);
	if (c)
		return c->confirmed ? 0 : again(dnd, &ctx, c, ret_error);
	int r = look(&ctx, b, app, &saved, ret_error);
	if (r != 0)
		return r;
	char *server = NULL;
	if (needs_record(dnd, b)) {
		server = in_memory_server(&ctx, b);
		struct present_dnd_change change = record_of(dnd, b, app, saved, server);
		if (present_store_dnd_save(dnd->store, dnd->session_id, &change, present_time_now()) < 0)
			save_failed(dnd);
		row = change.id;
	}
	r = turn_on(dnd, &ctx, b, app, saved, row, server, ret_error);
	free(server);
	return r;
}

/* Puts one switch back, unless the user changed it by hand meanwhile. */
static int put_back(const struct present_dnd_ctx *outer, const struct present_dnd_backend *b, const char *app,
	const char *saved, char **ret_error)
{
	struct present_dnd_ctx c = for_backend(outer, b), *ctx = &c;
	int r;
	if (b->held || b->plain) {
		r = b->off(ctx, app, saved, ret_error);
	} else {
		bool on = false;
		r = b->read(ctx, app, &on, NULL, ret_error);
		/* Off already: the user turned it off by hand, and that stands. */
		if (r == 0 && on)
			r = b->off(ctx, app, saved, ret_error);
	}
	/* A server that went away took its in-memory switch with it; one that
	 * answers it has no such switch is another server (mako where dunst
	 * was), and the switch went with the one that had it. */
	if ((r == -ENOENT || r == -EOPNOTSUPP) && !b->persistent) {
		free(*ret_error);
		*ret_error = NULL;
		r = 0;
	}
	return r;
}

static void push_muted(struct present_dnd_report *report, char *title)
{
	size_t n = 0;
	while (report->muted && report->muted[n]) {
		if (strcmp(report->muted[n], title) == 0) {
			free(title);
			return;
		}
		n++;
	}
	char **grown = realloc(report->muted, (n + 2) * sizeof(*grown));
	if (!grown) {
		free(title);
		return;
	}
	grown[n] = title;
	grown[n + 1] = NULL;
	report->muted = grown;
}

static void report_set(struct present_dnd_report *report, const char *state, char *note)
{
	free(report->state);
	report->state = strdup(state);
	free(report->note);
	report->note = note;
}

/* The backend for the server in ctx, or NULL: none, or *ret_late when a
 * probe could not tell yet. Such an answer is not kept: kept, a swaync still
 * starting would pass for 0.7 as long as it runs. */
static const struct present_dnd_backend *detect(struct present_dnd *dnd, const struct present_dnd_ctx *ctx,
	bool *ret_late)
{
	*ret_late = false;
	if (dnd->detected_known)
		return dnd->detected;
	dnd->detected = NULL;
	int r = 0;
	for (size_t i = 0; r == 0 && present_dnd_backends[i]; i++) {
		struct present_dnd_ctx c = for_backend(ctx, present_dnd_backends[i]);
		if ((r = present_dnd_backends[i]->probe(&c)) > 0)
			dnd->detected = present_dnd_backends[i];
	}
	*ret_late = r < 0;
	dnd->detected_known = r >= 0;
	return dnd->detected;
}

/* The backend for the running server, or NULL with the report saying why;
 * *ret_late when that is a server still starting. */
static const struct present_dnd_backend *choose(struct present_dnd *dnd, const struct present_config *cfg,
	const struct present_dnd_ctx *ctx, struct present_dnd_report *report, bool *ret_late)
{
	char *note = NULL;
	*ret_late = false;
	if (strcmp(cfg->dnd_backend, "none") == 0) {
		report_set(report, "disabled", strdup("turned off in the configuration (dnd.backend = \"none\")"));
		return NULL;
	}
	if (strcmp(cfg->dnd_backend, "auto") != 0)
		return present_dnd_backend_find(cfg->dnd_backend);
	if (!ctx->server && ctx->server_error && dnd->server_late) {
		*ret_late = true;
		if (asprintf(&note, "the notification server has not registered its object yet (%s): do-not-disturb is "
				    "tried again for a few seconds while it starts", ctx->server_error) < 0)
			note = NULL;
		report_set(report, "failed", note);
		return NULL;
	}
	if (!ctx->server && ctx->server_error) {
		if (asprintf(&note, "the notification server is not answering (%s): do-not-disturb could not be set, and "
				    "what it holds may all show once it answers", ctx->server_error) < 0)
			note = NULL;
		report_set(report, "failed", note);
		return NULL;
	}
	if (!ctx->server) {
		report_set(report, "none", strdup("no notification server is running: nothing needed silencing"));
		return NULL;
	}
	const struct present_dnd_backend *b = detect(dnd, ctx, ret_late);
	if (b)
		return b;
	if (*ret_late) {
		if (asprintf(&note, "%s has not registered its do-not-disturb yet: it is tried again for a few seconds "
				    "while the server starts", ctx->server->name) < 0)
			note = NULL;
		report_set(report, "failed", note);
		return NULL;
	}
	if (asprintf(&note, "%s (%s) has no do-not-disturb that present can set; its alerts will still show",
		    ctx->server->name, ctx->server->vendor) < 0)
		note = NULL;
	report_set(report, "unsupported", note);
	return NULL;
}

static void mute_mail(struct present_dnd *dnd, const struct present_config *cfg, const struct present_dnd_ctx *ctx,
	const struct present_dnd_backend *b, struct present_dnd_report *report)
{
	char *error = NULL;
	int r;
	for (size_t i = 0; b->can_mute && cfg->mail_apps[i]; i++) {
		char *title = NULL;
		if (!b->can_mute(ctx, cfg->mail_apps[i], &title))
			continue;
		if ((r = apply(dnd, ctx, b, cfg->mail_apps[i], &error)) < 0) {
			present_log("warning", "muting %s: %s", title, error ? error : strerror(-r));
			free(error);
			error = NULL;
			free(title);
		} else {
			push_muted(report, title);
		}
	}
}

/* The backend that would silence the running server, with ctx made for it;
 * NULL when there is none, and the report says why. Changes nothing. */
static const struct present_dnd_backend *pick(struct present_dnd *dnd, const struct present_config *cfg,
	struct present_dnd_ctx *ctx, struct present_dnd_report *report)
{
	*ctx = context(dnd);
	if (ctx->server)
		report->server = strdup(ctx->server->name);

	const struct present_dnd_backend *b = choose(dnd, cfg, ctx, report, &dnd->late);
	/* A server still starting is tried again: what that comes to is logged. */
	if (!b && !dnd->late && report->state && strcmp(report->state, "failed") == 0)
		present_log("warning", "do-not-disturb: %s", report->note ? report->note : "failed");
	if (!b)
		return NULL;
	report->backend = strdup(b->title);
	ctx->data = b->data;

	char *why = b->check ? b->check(ctx) : NULL;
	if (why) {
		report_set(report, "unsupported", why);
		return NULL;
	}
	return b;
}

/* What turning the server-wide switch on gave (r as apply() returns it,
 * error taken), then the mail apps muted. */
static void silenced(struct present_dnd *dnd, const struct present_config *cfg, const struct present_dnd_ctx *ctx,
	const struct present_dnd_backend *b, int r, char *error, struct present_dnd_report *report)
{
	if (r < 0) {
		/* A name not owned yet, an object or interface not registered yet:
		 * a server still starting, tried again. */
		dnd->late = r == -ENOENT || r == -EOPNOTSUPP;
		if (!dnd->late)
			present_log("warning", "do-not-disturb: %s", error ? error : strerror(-r));
		report_set(report, "failed", error);
		return;
	}
	report_set(report, r == 1 ? "already-on" : "on", NULL);
	dnd->holding = b;
	mute_mail(dnd, cfg, ctx, b, report);
	/* The user hears it, not only the log: this is what a crash would leave behind. */
	if (dnd->save_error) {
		char *note = NULL;
		if (asprintf(&note, "do-not-disturb is not recorded in the store (%s): a crash now could leave it on",
			    dnd->save_error) < 0)
			note = NULL;
		free(report->note);
		report->note = note;
	}
}

/* Silences a server that took the name during a session, the one before
 * having held was. Returns false, touching nothing, for a restart of a
 * server that keeps its switch outside itself (GSettings, Xfconf) when the
 * session found that switch on: it was the user's, and is as they have it
 * now (off since: their choice). */
static bool silence(struct present_dnd *dnd, const struct present_config *cfg, const struct present_dnd_backend *was,
	struct present_dnd_report *report)
{
	struct present_dnd_ctx ctx;
	const struct present_dnd_backend *b = pick(dnd, cfg, &ctx, report);
	char *error = NULL;
	if (!b)
		return true;
	if (b == was && b->persistent && !find_change(dnd, b, NULL))
		return false;
	/* Not one call: apply() fills error, and the order of a call's arguments is unspecified. */
	int r = apply(dnd, &ctx, b, NULL, &error);
	silenced(dnd, cfg, &ctx, b, r, error, report);
	return true;
}

const char *present_dnd_active_backend(const struct present_dnd *dnd)
{
	/* The server that holds what comes now: a switch kept in settings
	 * (swaync 0.7, Xfconf) outlives its server, and stays among the changes
	 * once another has taken its place. */
	if (dnd->holding)
		return dnd->holding->id;
	for (size_t i = dnd->n_changes; i-- > 0;)
		if (!dnd->changes[i].app)
			return dnd->changes[i].backend->id;
	/* One that held them and left, or whose successor could not be
	 * silenced: what it held went with it, to be shown again. */
	return dnd->active && dnd->late_was ? dnd->late_was->id : NULL;
}

bool present_dnd_left_by_the_dead(struct present_dnd *dnd)
{
	struct present_dnd_record *recs = NULL;
	size_t n = 0;
	if (!dnd->store || present_store_dnd_list(dnd->store, &recs, &n) < 0)
		return false;
	present_dnd_records_free(recs, n);
	return n > 0;
}

/* present_dnd_restore_leftovers() by a daemon already serving. */
static int put_back_left(struct present_dnd *dnd, char **ret_error)
{
	/* A new daemon on a dead one's bus takes over its records under the lock
	 * as it starts, then may turn the switch on for its first session. */
	int lock = dnd->store ? present_store_lock_takeover(dnd->store) : -1;
	if (dnd->store && lock < 0)
		present_log("warning", "cannot lock the store to put back what is left: %s", strerror(-lock));
	int r = present_dnd_restore_leftovers(dnd, NULL, ret_error);
	if (lock >= 0)
		close(lock);
	return r;
}

/* put_back_left(), logged: "put back N change(s) <when>". */
static void retry_leftovers(struct present_dnd *dnd, const char *when)
{
	char *error = NULL;
	int r = put_back_left(dnd, &error);
	if (r > 0)
		present_log("info", "put back %d do-not-disturb change(s) %s", r, when);
	else if (r < 0)
		present_log("warning", "cannot put back yet: %s", error ? error : strerror(-r));
	free(error);
}

bool present_dnd_shell_serves(void)
{
	static const char *const shells[] = {"GNOME", "KDE", "X-Cinnamon", "Cinnamon", "Budgie", "Pantheon", NULL};
	const char *current = getenv("XDG_CURRENT_DESKTOP");
	/* A list, most specific first ("Budgie:GNOME"): any of them is enough. */
	for (const char *p = current; p && *p;) {
		size_t len = strcspn(p, ":");
		for (size_t i = 0; shells[i]; i++)
			if (strlen(shells[i]) == len && strncasecmp(shells[i], p, len) == 0)
				return true;
		p += len + (p[len] == ':');
	}
	return false;
}

/* No server runs, and the bus can start one (dunst, mako, swaync and
 * xfce4-notifyd ship activation files): the session's first alert would
 * start it, and it would show that alert before present heard of it and
 * silenced it. Started now, as that alert would have, it is silenced
 * before the meeting begins. A bus that can start none says so at once. */
static void start_server(struct present_dnd *dnd)
{
	const char *name = PRESENT_NOTIFICATIONS_NAME;
	dbus_uint32_t flags = 0;
	char *error = NULL;
	/* What the daemon knows of the server already (context() asks only when it does not): no round trip
	 * more for a start where one runs. One that does not answer is there all the same. */
	struct present_dnd_ctx known = context(dnd);
	if (known.server || known.server_error || present_dnd_shell_serves())
		return;
	int r = present_bus_call(dnd->bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "StartServiceByName",
		NULL, &error, DBUS_TYPE_STRING, &name, DBUS_TYPE_UINT32, &flags, DBUS_TYPE_INVALID);
	if (r == 0) {
		/* Asked again: the news of its arrival comes after this start. */
		dnd->server_known = false;
		present_log("info", "started the notification server the bus knows, to silence it before any alert");
	} else if (r != -ENOENT) {
		present_log("warning", "cannot start the notification server: %s", error ? error : strerror(-r));
	}
	free(error);
}

bool present_dnd_prepare(struct present_dnd *dnd, const struct present_config *cfg, struct present_dnd_report *ret,
	struct present_dnd_change *ret_change)
{
	*ret = (struct present_dnd_report){0};
	if (strcmp(cfg->dnd_backend, "none") != 0)
		start_server(dnd);
	dnd->holding = NULL;
	dnd->late_was = NULL;
	free(dnd->plan.saved);
	dnd->plan.saved = NULL;
	free(dnd->plan.server);
	dnd->plan.server = NULL;
	free(dnd->save_error);
	dnd->save_error = NULL;
	if (dnd->n_done)
		forget_done(dnd);

	struct present_dnd_ctx ctx;
	const struct present_dnd_backend *b = pick(dnd, cfg, &ctx, ret);
	char *error = NULL;
	int r = b ? look(&ctx, b, NULL, &dnd->plan.saved, &error) : 0;
	if (r < 0) {
		silenced(dnd, cfg, &ctx, b, r, error, ret);
		return false;
	}
	dnd->plan.backend = b;
	dnd->plan.on_already = r == 1;
	dnd->plan.recorded = b && r == 0 && needs_record(dnd, b);
	if (dnd->plan.recorded) {
		dnd->plan.server = in_memory_server(&ctx, b);
		*ret_change = record_of(dnd, b, NULL, dnd->plan.saved, dnd->plan.server);
	}
	return dnd->plan.recorded;
}

void present_dnd_silence(struct present_dnd *dnd, const struct present_config *cfg, int64_t session_id,
	const struct present_dnd_change *change, struct present_dnd_report *ret)
{
	dnd->active = true;
	dnd->session_id = session_id;
	const struct present_dnd_backend *b = dnd->plan.backend;
	if (!b)
		return;
	struct present_dnd_ctx outer = context(dnd), ctx = for_backend(&outer, b);
	char *saved = dnd->plan.saved, *error = NULL;
	dnd->plan.saved = NULL;
	dnd->plan.backend = NULL;
	if (dnd->plan.on_already) {
		silenced(dnd, cfg, &ctx, b, 1, NULL, ret);
		return;
	}
	int64_t row = dnd->plan.recorded && change ? change->id : 0;
	if (dnd->plan.recorded && !row)
		save_failed(dnd);
	int r = turn_on(dnd, &ctx, b, NULL, saved, row, dnd->plan.server, &error);
	free(dnd->plan.server);
	dnd->plan.server = NULL;
	silenced(dnd, cfg, &ctx, b, r, error, ret);
}

int present_dnd_record_late(struct present_dnd *dnd, int64_t session_id, struct present_dnd_report *report)
{
	dnd->session_id = session_id;
	int first = 0;
	/* Saved as the store freed up, before the session was recorded: under
	 * none, which a crash puts back all the same. */
	for (size_t i = 0; i < dnd->n_changes; i++) {
		int r = dnd->changes[i].row ? present_store_dnd_set_session(dnd->store, dnd->changes[i].row, session_id) : 0;
		if (r < 0 && !first)
			first = r;
	}
	int r = present_dnd_record_missing(dnd, report);
	return first ? first : r;
}

bool present_dnd_records_missing(const struct present_dnd *dnd)
{
	for (size_t i = 0; i < dnd->n_changes; i++)
		if (!dnd->changes[i].row && !dnd->changes[i].unrecordable && needs_record(dnd, dnd->changes[i].backend))
			return true;
	return false;
}

int present_dnd_record_missing(struct present_dnd *dnd, struct present_dnd_report *report)
{
	int first = 0;
	/* Each is tried: one the store refuses must not keep the others from it. */
	for (size_t i = 0; i < dnd->n_changes; i++) {
		struct change *c = &dnd->changes[i];
		if (c->row || c->unrecordable || !needs_record(dnd, c->backend))
			continue;
		/* Its server is the one that confirmed it, as note_server() records it. */
		const char *server = in_memory(c->backend) && !c->backend->held ? c->owner : NULL;
		struct present_dnd_change change = record_of(dnd, c->backend, c->app, c->saved, server);
		int r = present_store_dnd_save(dnd->store, dnd->session_id, &change, present_time_now());
		if (r < 0 && !first)
			first = r;
		c->row = r < 0 ? 0 : change.id;
		/* Tried each second, an error that will not pass would be tried for the whole session. */
		if (r < 0 && !present_store_later(r)) {
			c->unrecordable = true;
			present_log("warning", "%s: not tried again: a crash could leave %s on", present_store_error(dnd->store),
				describe(c->backend, c->app));
		}
	}
	if (first)
		return first;
	/* The note silenced() gave a switch that went on is that warning alone. */
	if (dnd->save_error && report && report->state &&
		(strcmp(report->state, "on") == 0 || strcmp(report->state, "already-on") == 0)) {
		free(report->note);
		report->note = NULL;
	}
	free(dnd->save_error);
	dnd->save_error = NULL;
	return 0;
}

/* A switch that could not be put back: logged, and added to report (may be
 * NULL) for whoever must hear what stays as the session left it. One with a
 * record in the store (recorded) is tried again later: kept, and the reason,
 * for whoever asks what is left on meanwhile. */
static void left_on(struct present_dnd *dnd, struct present_dnd_report *report, const struct present_dnd_backend *b,
	const char *app, const char *why, bool recorded)
{
	present_log("warning", "cannot put back %s: %s", describe(b, app), why);
	if (report)
		present_unrestored_add(&report->unrestored, &report->n_unrestored, &report->unrestored_cap, b->title,
			app ? app : "", why);
	if (recorded) {
		dnd->leftovers = true;
		dnd->leftovers_outlive |= !b->released_on_disconnect;
		present_unrestored_add(&dnd->left, &dnd->n_left, &dnd->left_cap, b->title, app ? app : "", why);
	}
}

/* Takes c over (on success) into the changes only this daemon knows of. */
static bool keep_unrecorded(struct present_dnd *dnd, struct change *c)
{
	struct change *grown = realloc(dnd->unrecorded, (dnd->n_unrecorded + 1) * sizeof(*grown));
	if (!grown)
		return false;
	dnd->unrecorded = grown;
	dnd->unrecorded[dnd->n_unrecorded++] = *c;
	return true;
}

int present_dnd_restore(struct present_dnd *dnd, struct present_dnd_report *report)
{
	int restored = 0;
	struct present_dnd_ctx ctx = context(dnd);

	/* Newest first: per-app mutes go before the server-wide switch. */
	for (size_t i = dnd->n_changes; i-- > 0;) {
		struct change *c = &dnd->changes[i];
		char *error = NULL;
		int r = put_back(&ctx, c->backend, c->app, c->saved, &error);
		if (r < 0) {
			/* Left in the store, or failing that kept here: the next start or
			 * `present restore` tries again. So is a hold the server drops with
			 * our connection: a daemon kept by a reminder would keep it till
			 * then. It alone does not keep the daemon, whose exit drops it. */
			bool kept = !c->row && keep_unrecorded(dnd, c);
			left_on(dnd, report, c->backend, c->app, error ? error : strerror(-r), c->row || kept);
			if (kept) {
				free(error);
				continue;
			}
		} else {
			restored++;
			forget(dnd, c->row);
		}
		free(error);
		change_free(c);
	}
	dnd->n_changes = 0;
	dnd->active = false;
	dnd->late = false;
	dnd->holding = NULL;
	release(dnd);
	if (report)
		report->restored += restored;
	return restored;
}

/* Whether server no longer owns the notification name on our bus; *owner
 * is the owner, asked once per restore (when *asked). */
static bool owner_gone(struct present_dnd *dnd, const char *server, char **owner, bool *asked)
{
	if (!*asked) {
		*owner = present_bus_owner_of(dnd->bus, PRESENT_NOTIFICATIONS_NAME);
		*asked = true;
	}
	return !*owner || strcmp(*owner, server) != 0;
}

/* Whether the server that confirmed rec, a change to a switch kept in its
 * memory, is gone: no longer the owner of the notification name on its bus
 * (*owner: the owner here, asked once per restore, when *asked), or on a bus
 * that is gone. Its switch went with it; put back on the server that runs
 * now, the record would turn off what the user set since in that process (a
 * mako mode, a paused dunst). On another bus that still runs, found at the
 * address recorded, a server still there has its switch put back through
 * *there, a connection to that bus (present_bus_close_other() it); a record
 * that names no address (schema 9) is taken for gone. A record that names
 * no server (an older store, or a crash before the server answered) is put
 * back as before. */
static bool server_gone(struct present_dnd *dnd, const struct present_dnd_backend *b,
	const struct present_dnd_record *rec, char **owner, bool *asked, DBusConnection **there)
{
	*there = NULL;
	if (!in_memory(b) || !rec->server)
		return false;
	if (!present_dnd_reach_bus(dnd, rec->bus, rec->address, there))
		return true;
	if (*there) {
		char *other = present_bus_owner_of(*there, PRESENT_NOTIFICATIONS_NAME);
		bool gone = !other || strcmp(other, rec->server) != 0;
		free(other);
		if (gone) {
			present_bus_close_other(*there);
			*there = NULL;
		}
		return gone;
	}
	return owner_gone(dnd, rec->server, owner, asked);
}

/* A leftover that failed again (r, error taken): said, and its reason is the call's. */
static void failed_again(struct present_dnd *dnd, struct present_dnd_report *report,
	const struct present_dnd_backend *b, const char *app, int r, char *error, char **ret_error)
{
	if (!error)
		error = strdup(strerror(-r));
	left_on(dnd, report, b, app, error ? error : "out of memory", true);
	free(*ret_error);
	*ret_error = error;
}

/* The changes only this daemon knows of, put back as the records are: one
 * to a switch in a server's memory went with the server that confirmed it,
 * and so did a hold, whose handle another process may have given since to
 * someone else (Plasma counts its cookies from 1). */
static void restore_unrecorded(struct present_dnd *dnd, const struct present_dnd_ctx *ctx,
	struct present_dnd_report *report, char **owner, bool *asked, int *restored, char **ret_error)
{
	size_t kept = 0;
	for (size_t i = 0; i < dnd->n_unrecorded; i++) {
		struct change *c = &dnd->unrecorded[i];
		char *error = NULL;
		if (!c->backend->persistent && c->owner && owner_gone(dnd, c->owner, owner, asked)) {
			present_log("info", "not putting back %s: the server that had it (%s) is gone, and the switch with it",
				describe(c->backend, c->app), c->owner);
			change_free(c);
			continue;
		}
		int r = put_back(ctx, c->backend, c->app, c->saved, &error);
		if (r < 0) {
			failed_again(dnd, report, c->backend, c->app, r, error, ret_error);
			dnd->unrecorded[kept++] = *c;
			continue;
		}
		(*restored)++;
		free(error);
		change_free(c);
	}
	dnd->n_unrecorded = kept;
}

int present_dnd_restore_leftovers(struct present_dnd *dnd, struct present_dnd_report *report, char **ret_error)
{
	*ret_error = NULL;
	struct present_dnd_record *recs = NULL;
	size_t n = 0;
	if (dnd->store) {
		/* What was put back already but is still recorded goes first, so that it is not put back twice. */
		if (dnd->n_done)
			forget_done(dnd);
		int r = present_store_dnd_list(dnd->store, &recs, &n);
		if (r < 0) {
			*ret_error = strdup(present_store_error(dnd->store));
			return r;
		}
	}
	struct present_dnd_ctx ctx = {.bus = dnd->bus};
	if (n || dnd->n_unrecorded)
		ctx = context(dnd);
	/* Each is tried now: what is left on is what fails again. */
	forget_left(dnd);
	dnd->leftovers = dnd->leftovers_outlive = false;
	int restored = 0;
	char *owner = NULL;
	bool asked = false;
	restore_unrecorded(dnd, &ctx, report, &owner, &asked, &restored, ret_error);
	int failed = (int)dnd->n_unrecorded;
	for (size_t i = 0; i < n; i++) {
		const struct present_dnd_backend *b = present_dnd_backend_find(recs[i].backend);
		char *error = NULL;
		if (is_done(dnd, recs[i].id))
			continue;
		DBusConnection *there = NULL;
		if (b && server_gone(dnd, b, &recs[i], &owner, &asked, &there)) {
			present_log("info", "not putting back %s: the server that had it (%s%s%s) is gone, and the switch "
					    "with it; its record is dropped, nothing touched",
				describe(b, recs[i].app), recs[i].server, recs[i].bus ? " on bus " : "",
				recs[i].bus ? recs[i].bus : "");
			forget(dnd, recs[i].id);
			continue;
		}
		struct present_dnd_ctx elsewhere = {.bus = there};
		int put = b ? put_back(there ? &elsewhere : &ctx, b, recs[i].app, recs[i].saved, &error) : 0;
		present_bus_close_other(there);
		if (put < 0) {
			failed_again(dnd, report, b, recs[i].app, put, error, ret_error);
			failed++;
			continue;
		}
		if (b)
			restored++;
		forget(dnd, recs[i].id);
	}
	present_dnd_records_free(recs, n);
	free(owner);
	if (!dnd->active)
		release(dnd);
	return failed ? -EIO : restored;
}

bool present_dnd_has_leftovers(const struct present_dnd *dnd)
{
	return dnd->leftovers;
}

bool present_dnd_leftovers_outlive(const struct present_dnd *dnd)
{
	return dnd->leftovers_outlive;
}

const struct present_unrestored *present_dnd_leftovers(const struct present_dnd *dnd, size_t *ret_n)
{
	*ret_n = dnd->n_left;
	return dnd->left;
}

/* A kept hold whose giver is not known (the read after it failed) was given
 * before the name changed hands, by a server that took it along: released
 * on the one that comes, its handle could end another app's hold there
 * (Plasma counts them from 1). */
static void forget_holds_of_unknown_servers(struct present_dnd *dnd)
{
	size_t kept = 0;
	for (size_t i = 0; i < dnd->n_unrecorded; i++) {
		struct change *c = &dnd->unrecorded[i];
		if (c->backend->released_on_disconnect && !c->owner) {
			present_log("info", "not putting back %s: the server that had it is gone, and the hold with it",
				describe(c->backend, c->app));
			change_free(c);
			continue;
		}
		dnd->unrecorded[kept++] = *c;
	}
	dnd->n_unrecorded = kept;
}

bool present_dnd_server_changed(struct present_dnd *dnd, const struct present_config *cfg, const char *owner,
	struct present_dnd_report *report)
{
	forget_holds_of_unknown_servers(dnd);
	dnd->server_known = false;
	dnd->late = false;
	bool gone = !owner || !*owner;
	/* Between sessions there is nothing to say; a switch kept outside the
	 * server (GSettings, Xfconf) is still on without it. And the news may
	 * be old: a server that took the name since, which a start may have
	 * silenced already, has its own news on the way. */
	if (gone && (!dnd->active || !dnd->holding || dnd->holding->persistent ||
			    present_bus_has_owner(dnd->bus, PRESENT_NOTIFICATIONS_NAME)))
		return false;
	if (!dnd->active) {
		/* A server that was away when a session ended (swaync keeps its
		 * switch in its settings) can be put back now that it is here. */
		retry_leftovers(dnd, "now that the server is back");
		return false;
	}
	/* A new server process starts with its in-memory switches off; drop
	 * what we had set on the old one and silence the new one. What the new
	 * one confirmed is its own: a start's calls reach it while the news of
	 * its arrival waits behind that start. A call that failed may have
	 * reached either, so its change stays, to be turned on again and put
	 * back: dropped, the switch it left on would read as the user's. A hold
	 * stays only as a handle of the server that gave it. */
	size_t kept = 0;
	for (size_t i = 0; i < dnd->n_changes; i++) {
		struct change *c = &dnd->changes[i];
		if (c->backend->persistent || (!c->confirmed && !c->backend->held) ||
			(c->owner && !gone && strcmp(c->owner, owner) == 0)) {
			dnd->changes[kept++] = *c;
			continue;
		}
		forget(dnd, c->row);
		change_free(c);
	}
	dnd->n_changes = kept;

	struct present_dnd_report fresh = {0};
	const struct present_dnd_backend *was = dnd->holding;
	dnd->holding = NULL;
	dnd->late_was = was;
	if (gone) {
		/* Its switch went with it, and nothing shows alerts until another
		 * takes the name (an app's notification may start one). */
		char *note = NULL;
		if (asprintf(&note, "%s left during the session: alerts are still held, and a server that takes its "
				    "place is silenced", was->title) < 0)
			note = NULL;
		report_set(&fresh, "none", note);
		present_log("info", "notification server left: %s", note ? note : "do-not-disturb went with it");
	} else if (!silence(dnd, cfg, was, &fresh)) {
		dnd->holding = was;
		present_log("info", "notification server changed: its do-not-disturb, kept in its settings, was yours and "
				    "is left as it is");
		present_dnd_report_finish(&fresh);
		return false;
	} else {
		present_log("info", "notification server changed: do-not-disturb %s%s%s", fresh.state,
			fresh.note ? ": " : "", fresh.note ? fresh.note : "");
	}
	if (!report) {
		present_dnd_report_finish(&fresh);
		return false;
	}
	/* What the start did was done to a server that is gone: the session
	 * says what this one did, or it would show the old one as silenced. */
	present_dnd_report_finish(report);
	*report = fresh;
	return true;
}

bool present_dnd_late(const struct present_dnd *dnd)
{
	return dnd->active && dnd->late;
}

bool present_dnd_try_again(struct present_dnd *dnd, const struct present_config *cfg,
	struct present_dnd_report *report)
{
	if (!present_dnd_late(dnd))
		return false;
	struct present_dnd_report fresh = {0};
	if (!silence(dnd, cfg, dnd->late_was, &fresh)) {
		/* As present_dnd_server_changed() leaves it: the switch the session
		 * found on was the user's. */
		dnd->holding = dnd->late_was;
		report_set(&fresh, "already-on", NULL);
		present_log("info", "notification server ready: its do-not-disturb, kept in its settings, was yours and "
				    "is left as it is");
	} else if (!dnd->late) {
		present_log("info", "notification server ready: do-not-disturb %s%s%s", fresh.state,
			fresh.note ? ": " : "", fresh.note ? fresh.note : "");
	}
	bool changed = !same_text(report->state, fresh.state) || !same_text(report->note, fresh.note);
	present_dnd_report_finish(report);
	*report = fresh;
	return changed;
}

__attribute__((format(printf, 5, 6))) static void say(present_diagnosis_fn add, void *userdata, const char *level,
	const char *topic, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	add(level, topic, msg ? msg : "out of memory", userdata);
	free(msg);
}

/* Turns the switch on and back, as a session would, to prove both work. */
static void try_switch(struct present_dnd *dnd, const struct present_dnd_ctx *ctx, const struct present_dnd_backend *b,
	present_diagnosis_fn add, void *userdata)
{
	char *error = NULL;
	int r = apply(dnd, ctx, b, NULL, &error);
	if (r == 1) {
		say(add, userdata, "ok", "do-not-disturb", "%s: already on (your choice); a session leaves it on", b->title);
	} else if (r < 0) {
		/* It may have turned on all the same. */
		present_dnd_restore(dnd, NULL);
		say(add, userdata, "failure", "do-not-disturb", "%s cannot be set: %s", b->title,
			error ? error : strerror(-r));
	} else if (present_dnd_restore(dnd, NULL) == 1) {
		say(add, userdata, "ok", "do-not-disturb", "%s: set, read back and put back", b->title);
	} else {
		say(add, userdata, "failure", "do-not-disturb",
			"%s was set but could not be put back; present keeps trying, and 'present restore' tries now",
			b->title);
	}
	free(error);
}

static void diagnose_mail(const struct present_dnd_ctx *ctx, const struct present_config *cfg,
	const struct present_dnd_backend *b, present_diagnosis_fn add, void *userdata)
{
	if (!b->can_mute) {
		say(add, userdata, "ok", "mail", "%s cannot mute apps one by one: do-not-disturb covers mail too", b->title);
		return;
	}
	int n = 0;
	for (size_t i = 0; cfg->mail_apps[i]; i++) {
		char *title = NULL;
		if (b->can_mute(ctx, cfg->mail_apps[i], &title)) {
			say(add, userdata, "ok", "mail", "will mute %s (%s)", title, cfg->mail_apps[i]);
			n++;
		}
		free(title);
	}
	if (n == 0)
		say(add, userdata, "ok", "mail", "none of the apps in mail_apps is installed");
}

void present_dnd_diagnose(struct present_dnd *dnd, const struct present_config *cfg, present_diagnosis_fn add,
	void *userdata)
{
	struct present_dnd_ctx ctx = context(dnd);
	struct present_dnd_report report = {0};

	if (ctx.server)
		say(add, userdata, "ok", "notification server", "%s %s (%s)", ctx.server->name, ctx.server->version,
			ctx.server->vendor);
	else if (ctx.server_error)
		say(add, userdata, "failure", "notification server", "not answering: %s", ctx.server_error);
	else
		say(add, userdata, "warning", "notification server", "none is running: a session has nothing to silence");

	bool late;
	const struct present_dnd_backend *b = choose(dnd, cfg, &ctx, &report, &late);
	if (!b) {
		if (strcmp(report.state, "none") != 0)
			say(add, userdata, strcmp(report.state, "disabled") == 0 ? "ok" : "warning", "do-not-disturb", "%s",
				report.note);
		goto out;
	}
	ctx.data = b->data;
	say(add, userdata, "ok", "backend", "%s (%s)", b->title,
		strcmp(cfg->dnd_backend, "auto") == 0 ? "detected" : "set by dnd.backend");
	char *why = b->check ? b->check(&ctx) : NULL;
	if (why)
		say(add, userdata, "failure", "do-not-disturb", "%s", why);
	else if (dnd->active && dnd->holding)
		say(add, userdata, "ok", "do-not-disturb", "%s: on for the running session, so not tried now", b->title);
	else if (dnd->active)
		/* The session could not turn it on: saying "on" would hide the very thing to fix. */
		say(add, userdata, "warning", "do-not-disturb",
			"%s: the running session could not turn it on ('present status' says why); not tried now", b->title);
	else if (dnd->leftovers)
		/* Trying it would read it as on, and call that the user's choice. */
		say(add, userdata, "failure", "do-not-disturb",
			"left on: a session could not put it back; present keeps trying, and 'present restore' tries now");
	else
		try_switch(dnd, &ctx, b, add, userdata);
	free(why);
	diagnose_mail(&ctx, cfg, b, add, userdata);
out:
	if (!dnd->active)
		release(dnd);
	present_dnd_report_finish(&report);
}
