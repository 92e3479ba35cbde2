#include <errno.h>
#include <glib-unix.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backlog.h"
#include "bus-call.h"
#include "catchup.h"
#include "classify.h"
#include "daemon.h"
#include "duration.h"
#include "hooks.h"
#include "leftovers.h"
#include "service.h"
#include "session.h"
#include "statefile.h"
#include "timefmt.h"

void present_session_init(struct present_session *s)
{
	*s = (struct present_session){.timer_fd = -1};
}

void present_session_finish(struct present_session *s)
{
	if (s->timer_source)
		g_source_remove(s->timer_source);
	if (s->counts_source)
		g_source_remove(s->counts_source);
	if (s->dnd_retry_source)
		g_source_remove(s->dnd_retry_source);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	free(s->label);
	present_capture_stop(s->capture);
	free(s->capture_error);
	free(s->store_error);
	present_dnd_report_finish(&s->dnd);
	present_session_init(s);
}

/* The store is a record, not a precondition: a session runs without it. */
static void store_warn(struct present_daemon *d, int r)
{
	if (r < 0)
		present_log("warning", "session not recorded: %s", present_store_error(d->store));
}

/* Returns 0 or -errno. A clock set wakes the timer, so that we look again. */
static int arm(struct present_session *s)
{
	return present_time_timer_set(s->timer_fd, (struct timespec){.tv_sec = s->ends_at});
}

static gboolean timer_fired(gint fd, GIOCondition cond, gpointer data)
{
	struct present_daemon *d = data;
	uint64_t expirations;
	/* ECANCELED: the wall clock was set; the end may now be past, or not. */
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED && errno != EAGAIN)
		present_log("warning", "session timer: %s", strerror(errno));

	if (present_time_now() >= d->session.ends_at) {
		d->session.timer_source = 0;
		present_session_end(d, "timer");
		return G_SOURCE_REMOVE;
	}
	arm(&d->session);
	return G_SOURCE_CONTINUE;
}

void present_session_mirror_remove(struct present_daemon *d)
{
	if (d->statefile && unlink(d->statefile) < 0 && errno != ENOENT)
		present_log("warning", "%s: %s", d->statefile, strerror(errno));
}

/* Writes status to the daemon's file, or removes the file when there is
 * nothing to show: no session, nothing left on. */
static void mirror_write(struct present_daemon *d, const struct present_status *status,
	const struct present_statefile_owed *owed)
{
	if (!status->active && !status->n_unrestored) {
		present_session_mirror_remove(d);
		return;
	}
	int r = present_statefile_write_owed(d->statefile, getpid(), status, owed);
	if (r < 0)
		present_log("warning", "%s: %s", d->statefile, strerror(-r));
}

/* Between sessions, what an earlier one left on: it still silences the desktop. */
static void describe_left_on(const struct present_daemon *d, struct present_status *status)
{
	size_t n;
	status->unrestored = (struct present_unrestored *)present_dnd_leftovers(d->dnd, &n);
	status->n_unrestored = n;
}

/* `present status` reads this file instead of asking over the bus; status
 * bars show the alerts held and the responses owed from it too. */
void present_session_mirror(struct present_daemon *d)
{
	struct present_status status;
	struct present_statefile_owed owed = {0};
	if (!d->statefile)
		return;
	present_session_describe(d, &status);
	bool owed_known = status.active && d->store && present_statefile_owed_collect(d->store, &owed) == 0;
	mirror_write(d, &status, owed_known ? &owed : NULL);
	present_statefile_owed_finish(&owed);
}

static gboolean report_counts(gpointer data)
{
	struct present_daemon *d = data;
	d->session.counts_source = 0;
	if (d->session.active) {
		present_session_mirror(d);
		present_service_emit(d, "SessionChanged", NULL);
		present_service_properties_changed(d);
	}
	return G_SOURCE_REMOVE;
}

/* A burst of alerts is one report a second, and no traffic is no wake-up. */
static void alert_held(void *userdata)
{
	struct present_daemon *d = userdata;
	if (!d->session.counts_source)
		d->session.counts_source = g_timeout_add_seconds(1, report_counts, d);
}

/* A server still starting (swaync owns the notification name before its
 * object and its second name) is tried again after 50 ms, then after twice
 * as long each time, the last after 3.2 s: some 6 s in all. Never between
 * sessions, and nothing is left to wake the daemon once it is settled. */
#define DND_RETRY_FIRST_MS 50
#define DND_RETRY_LAST_MS 3200

static gboolean dnd_retry(gpointer data)
{
	struct present_daemon *d = data;
	struct present_session *s = &d->session;
	s->dnd_retry_source = 0;
	bool changed = present_dnd_try_again(d->dnd, &d->config, &s->dnd);
	if (present_dnd_late(d->dnd)) {
		if (s->dnd_retry_ms < DND_RETRY_LAST_MS) {
			s->dnd_retry_ms *= 2;
			s->dnd_retry_source = g_timeout_add(s->dnd_retry_ms, dnd_retry, d);
		} else {
			present_log("warning", "do-not-disturb: %s (given up)", s->dnd.note ? s->dnd.note : "failed");
		}
	}
	if (changed) {
		present_session_mirror(d);
		present_service_emit(d, "SessionChanged", NULL);
		/* A change the store refused as it was made is recorded once it takes it. */
		present_backlog_check(d);
	}
	return G_SOURCE_REMOVE;
}

/* After a start or a new server: tries again from the first wait, or not at all. */
static void dnd_retry_arm(struct present_daemon *d)
{
	struct present_session *s = &d->session;
	if (s->dnd_retry_source) {
		g_source_remove(s->dnd_retry_source);
		s->dnd_retry_source = 0;
	}
	if (!s->active || !present_dnd_late(d->dnd))
		return;
	s->dnd_retry_ms = DND_RETRY_FIRST_MS;
	s->dnd_retry_source = g_timeout_add(s->dnd_retry_ms, dnd_retry, d);
}

void present_session_server_changed(struct present_daemon *d, const char *owner)
{
	struct present_session *s = &d->session;
	bool silenced = present_dnd_server_changed(d->dnd, &d->config, owner, &s->dnd);
	dnd_retry_arm(d);
	/* Between sessions, what its absence left on was just tried again. */
	present_leftovers_check(d);
	if (!silenced)
		return;
	present_session_mirror(d);
	present_service_emit(d, "SessionChanged", NULL);
}

void present_session_owed_changed(struct present_daemon *d)
{
	if (d->session.active)
		present_session_mirror(d);
}

/* What the status says while no monitor watches: the user is told, and told again when it is back. */
static void watching(bool now, void *userdata)
{
	struct present_daemon *d = userdata;
	struct present_session *s = &d->session;
	/* Written now, the file would say a session runs after its end. */
	if (s->ending)
		return;
	free(s->capture_error);
	s->capture_error = now ? NULL : strdup("the monitor connection was lost; present is reconnecting");
	present_session_mirror(d);
	present_service_emit(d, "SessionChanged", NULL);
}

static void start_capture(struct present_daemon *d)
{
	struct present_session *s = &d->session;
	char *error = NULL;
	struct present_capture_spare *spare = d->capture_spare;
	d->capture_spare = NULL;
	if (!spare)
		error = strdup(present_daemon_store_error(d));
	else
		s->capture = present_capture_start(d->bus, spare, d->notifications_owner, (int64_t)s->id,
			&(struct present_capture_rules){
				.lists = {(const char *const *)d->config.mail_apps,
					(const char *const *)d->config.people_apps,
					(const char *const *)d->config.ignore_apps},
				.ack_within = d->config.ack_within,
				.answer_within = d->config.answer_within,
				.on_new = alert_held,
				.on_watching = watching,
				.userdata = d,
			},
			&error);
	if (!s->capture) {
		present_log("warning", "alerts are not held: %s", error ? error : "out of memory");
		s->capture_error = error ? error : strdup("out of memory");
	} else if (error) {
		if (asprintf(&s->capture_error, "%s; present keeps asking", error) < 0)
			s->capture_error = NULL;
		free(error);
	}
}

bool present_session_start(struct present_daemon *d, int64_t seconds, const char *label, DBusError *err)
{
	struct present_session *s = &d->session;
	if (s->active) {
		dbus_set_error(err, PRESENT_ERROR_ALREADY_ACTIVE, "a session is already running");
		return false;
	}
	if (seconds <= 0 || seconds > PRESENT_DURATION_MAX) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "the duration must be more than 0 and at most 24 hours");
		return false;
	}
	/* The label goes into every reply, signal and status file of the session. */
	if (label && strlen(label) > PRESENT_LABEL_MAX) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "a label is at most %d bytes", PRESENT_LABEL_MAX);
		return false;
	}

	s->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "cannot create the session timer: %s", strerror(errno));
		return false;
	}
	s->started_at = present_time_now();
	s->ends_at = s->started_at + seconds;
	s->label = strdup(label ? label : "");
	int r = arm(s);
	if (r < 0) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "cannot set the session timer: %s", strerror(-r));
		present_session_finish(s);
		return false;
	}
	s->timer_source = g_unix_fd_add(s->timer_fd, G_IO_IN, timer_fired, d);
	s->active = true;

	/* The bus makes us a monitor while the switch is read and the session
	 * recorded; capture waits for its answer only before the switch turns. */
	if (!d->capture_spare && d->store)
		d->capture_spare = present_capture_spare_make(present_store_path(d->store));
	if (d->capture_spare)
		present_capture_spare_ask(d->capture_spare);

	/* Before the switch is read: one the last session left on, or a daemon
	 * that died since this one started (another login's, sharing the store
	 * and, on GNOME, the switch), would pass for the user's choice, and be
	 * left on. */
	if (present_leftovers_to_put_back(d))
		present_leftovers_retry(d, NULL);

	/* The switch is read first, so that the session and the change about to
	 * be made are one commit. Committed before anything changes: the alert
	 * writer, on a connection of its own, must never wait on a transaction
	 * held open across calls to a server. */
	struct present_dnd_change change = {0};
	bool record_change = present_dnd_prepare(d->dnd, &d->config, &s->dnd, &change);
	int64_t id = 0;
	int r_begin = 0;
	if (!d->store) {
		s->store_error = strdup(present_daemon_store_error(d));
	} else if ((r_begin = present_store_session_begin(d->store, s->label, s->started_at, s->ends_at,
			    record_change ? &change : NULL, &id)) < 0) {
		/* The caller hears it too (store_error in the status): a crash could leave the desktop silenced. */
		store_warn(d, r_begin);
		s->store_error = strdup(present_store_error(d->store));
		s->begin_owed = present_store_later(r_begin);
	}
	s->id = (uint64_t)id;
	/* Listening starts before the desktop goes quiet, so nothing slips by. */
	start_capture(d);
	/* Stored under no session, they would be no meeting's: no summary, and nobody owed. */
	if (s->begin_owed && s->capture)
		present_capture_hold(s->capture);
	present_dnd_silence(d->dnd, &d->config, id, record_change ? &change : NULL, &s->dnd);
	dnd_retry_arm(d);

	present_session_mirror(d);
	present_backlog_check(d);
	return true;
}

bool present_session_record_late(struct present_daemon *d)
{
	struct present_session *s = &d->session;
	int64_t id = 0;
	int r = present_store_session_begin(d->store, s->label, s->started_at, s->ends_at, NULL, &id);
	if (r < 0 && present_store_later(r))
		return false;
	s->begin_owed = false;
	store_warn(d, r);
	s->id = (uint64_t)id;
	/* Before the writer is let go: its commits would keep these waiting on the lock. */
	if (id && present_dnd_record_late(d->dnd, id, &s->dnd) < 0)
		present_log("warning", "%s: a crash now could leave do-not-disturb on", present_store_error(d->store));
	if (id) {
		/* Recorded now; what a crash could still leave on is the report's to say. */
		present_log("info", "session %lld recorded, once the store took it", (long long)id);
		free(s->store_error);
		s->store_error = NULL;
	}
	present_capture_recorded(s->capture, id);
	present_session_mirror(d);
	present_service_properties_changed(d);
	return true;
}

void present_session_record_dnd(struct present_daemon *d)
{
	if (present_dnd_record_missing(d->dnd, &d->session.dnd) < 0)
		return;
	present_log("info", "do-not-disturb recorded, once the store took it");
	present_session_mirror(d);
	present_service_emit(d, "SessionChanged", NULL);
	present_service_properties_changed(d);
}

void present_session_announce(struct present_daemon *d)
{
	struct present_session *s = &d->session;
	present_log("info", "session %llu started, %lld s", (unsigned long long)s->id,
		(long long)(s->ends_at - s->started_at));
	present_replay_withdraw(d);
	/* The start tried again what the last end left on. */
	present_leftovers_check(d);
	present_hooks_session_started(d);
	present_service_emit(d, "SessionStarted", NULL);
	present_service_properties_changed(d);
}

bool present_session_extend(struct present_daemon *d, int64_t seconds, DBusError *err)
{
	struct present_session *s = &d->session;
	if (!s->active) {
		dbus_set_error(err, PRESENT_ERROR_NOT_ACTIVE, "no session is running");
		return false;
	}
	int64_t ends_at = s->ends_at + seconds;
	if (seconds <= 0 || ends_at - present_time_now() > PRESENT_DURATION_MAX) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "a session can last at most 24 hours from now");
		return false;
	}
	int64_t old = s->ends_at;
	s->ends_at = ends_at;
	int r = arm(s);
	if (r < 0) {
		s->ends_at = old;
		dbus_set_error(err, DBUS_ERROR_FAILED, "cannot set the session timer: %s", strerror(-r));
		return false;
	}
	if (d->store && s->id)
		store_warn(d, present_store_session_set_end(d->store, (int64_t)s->id, s->ends_at));
	present_session_mirror(d);
	present_service_emit(d, "SessionChanged", NULL);
	present_service_properties_changed(d);
	return true;
}

struct closing {
	DBusConnection *bus;
	unsigned n;
};

static void close_ignored(const char *server, uint32_t server_id, void *userdata)
{
	struct closing *c = userdata;
	DBusMessage *msg = dbus_message_new_method_call(server, PRESENT_NOTIFICATIONS_PATH, PRESENT_NOTIFICATIONS_NAME,
		"CloseNotification");
	if (!msg)
		return;
	/* Not waited for: the put-back that follows goes to the same server on
	 * the same connection, so the server reads these first. */
	dbus_message_set_no_reply(msg, TRUE);
	if (dbus_message_append_args(msg, DBUS_TYPE_UINT32, &server_id, DBUS_TYPE_INVALID) &&
		dbus_connection_send(c->bus, msg, NULL))
		c->n++;
	dbus_message_unref(msg);
}

/* dunst and mako show, once do-not-disturb ends, everything they held: an
 * alert of an app in ignore_apps would pop up after the meeting, or when
 * the user unpauses a server they had paused before it. It is closed where
 * it waits, on the server that gave its id (a server that has gone since
 * took it along). */
static void close_ignored_held(struct present_daemon *d, const char *holder)
{
	struct present_session *s = &d->session;
	const struct present_dnd_backend *b = holder ? present_dnd_backend_find(holder) : NULL;
	if (!s->capture || !b || !b->shows_held_again || !d->notifications_owner ||
		!dbus_connection_get_is_connected(d->bus))
		return;
	struct closing c = {d->bus, 0};
	present_capture_each_ignored(s->capture, close_ignored, &c);
	if (c.n)
		present_log("info", "closed %u alert(s) of ignore_apps held by %s", c.n, b->title);
}

/* The daemon's file says what the end left on before the caller hears of the
 * end: the end removed the file, and a status read then would say "not in a
 * session" with the desktop still silenced. */
static void mirror_left_on(struct present_daemon *d)
{
	struct present_status idle = {0};
	if (!d->statefile)
		return;
	describe_left_on(d, &idle);
	mirror_write(d, &idle, NULL);
}

bool present_session_end(struct present_daemon *d, const char *reason)
{
	struct present_session *s = &d->session;
	if (!s->active)
		return false;
	/* The file still says the session runs until the put-back has been
	 * tried: a daemon killed while a stalled server keeps it waiting leaves
	 * a file that has the next reader put the switches back. */
	/* The server that held the alerts last, taken before the put-back
	 * forgets it: what it still holds is closed or replayed by it. */
	const char *holder = present_dnd_active_backend(d->dnd);
	/* The desktop comes back first; alerts are watched until it has, and
	 * their writer has finished before the session's record is closed (it
	 * writes through a connection of its own, which our transaction would
	 * keep waiting). */
	close_ignored_held(d, holder);
	present_dnd_restore(d->dnd, &s->dnd);
	mirror_left_on(d);
	/* A caller waiting to hear that the session ended (Stop) hears it now,
	 * with what could not be put back: the rest can wait on a locked store
	 * or a slow disk. */
	present_service_reply_early(d);
	/* Restore's reply has tried again what the end could not put back: all
	 * of it back, nothing from here on (the file, the notification, the
	 * signal) may say that any is left on. */
	if (s->dnd.n_unrestored && !present_dnd_has_leftovers(d->dnd)) {
		present_unrestored_free(s->dnd.unrestored, s->dnd.n_unrestored);
		s->dnd.unrestored = NULL;
		s->dnd.n_unrestored = s->dnd.unrestored_cap = 0;
		mirror_left_on(d);
	}
	present_leftovers_say(d, s->dnd.unrestored, s->dnd.n_unrestored);
	present_hooks_session_ended(d, reason);
	s->ending = true;
	uint64_t held;
	struct present_writer *writer = present_capture_end(s->capture, &held);
	s->alerts_at_end = (uint32_t)held;
	s->capture = NULL;
	present_backlog_session_ended(d, &(struct present_backlog_end){
		.writer = writer,
		.session_id = (int64_t)s->id,
		.begin_owed = s->begin_owed,
		.label = s->label,
		.planned_end = s->ends_at,
		.started_at = s->started_at,
		.ended_at = present_time_now(),
		.reason = reason,
		.holder = holder,
	});
	present_reminders_reschedule(d->reminders);
	present_log("info", "session %llu ended: %s", (unsigned long long)s->id, reason);
	/* Emit while the details are still there, so listeners see what ended. */
	present_service_emit(d, "SessionEnded", reason);
	present_session_finish(s);
	present_leftovers_check(d);
	present_service_properties_changed(d);
	present_session_ready_next(d);
	return true;
}

static gboolean between_sessions(gpointer data)
{
	struct present_daemon *d = data;
	d->spare_source = 0;
	/* Not during a session: the writer numbers alerts on from those the store holds. */
	if (!d->capture_spare && d->store && !d->session.active)
		d->capture_spare = present_capture_spare_make(present_store_path(d->store));
	/* A burst of alerts grows the heap, and the summary's read SQLite's
	 * cache: a daemon that waits for the next session need not keep them. */
	if (d->store)
		present_store_release_memory(d->store);
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return G_SOURCE_REMOVE;
}

void present_session_ready_next(struct present_daemon *d)
{
	if (!d->spare_source && !d->capture_spare && d->store && d->loop)
		d->spare_source = g_idle_add(between_sessions, d);
}

struct closing_left {
	struct closing closing;
	const char *server;
};

static void close_if_ignored(uint32_t server_id, const char *rule, void *userdata)
{
	struct closing_left *c = userdata;
	if (present_classify_rule_is_ignored(rule))
		close_ignored(c->server, server_id, &c->closing);
}

/* What held a dead daemon's session's alerts, as its records say: the
 * backend whose server-wide switch did (NULL when none is recorded), and
 * the bus it is on when the record names one. */
struct holder {
	const struct present_dnd_backend *backend;
	char *bus, *address;
};

static void holder_finish(struct holder *h)
{
	free(h->bus);
	free(h->address);
	*h = (struct holder){0};
}

static void holder_left(struct present_daemon *d, int64_t session_id, struct holder *h)
{
	struct present_dnd_record *recs;
	size_t n;
	*h = (struct holder){0};
	if (present_store_dnd_list(d->store, &recs, &n) < 0)
		return;
	/* Newest first: a server that took another's place came later. */
	for (size_t i = 0; i < n && !h->backend; i++) {
		const struct present_dnd_backend *b = present_dnd_backend_find(recs[i].backend);
		if (recs[i].session_id != session_id || recs[i].app || !b)
			continue;
		h->backend = b;
		h->bus = recs[i].bus ? strdup(recs[i].bus) : NULL;
		h->address = recs[i].address ? strdup(recs[i].address) : NULL;
	}
	present_dnd_records_free(recs, n);
}

/* What close_ignored_held() does at an end, for a session whose daemon died:
 * its records say which server holds what. Only the same server process,
 * which still holds them, is asked: another gives its own ids. On another
 * login's bus, it is asked there: a server here may have the same unique
 * name, and ids of its own. It goes before the put-back that would show
 * them, and is answered first: the put-back goes on a connection of its own. */
static void close_ignored_left(struct present_daemon *d, int64_t session_id, const struct holder *h)
{
	if (!d->bus || !h->backend || !h->backend->shows_held_again)
		return;
	DBusConnection *there;
	if (!present_dnd_reach_bus(d->dnd, h->bus, h->address, &there))
		return; /* that bus is gone, and its server with what it held */
	DBusConnection *bus = there ? there : d->bus;
	char *server = present_bus_owner_of(bus, PRESENT_NOTIFICATIONS_NAME);
	struct closing_left c = {{bus, 0}, server};
	if (server)
		store_warn(d, present_store_shown_each(d->store, session_id, server, close_if_ignored, &c));
	if (c.closing.n)
		present_log("info", "closed %u alert(s) of ignore_apps that %s held for the interrupted session",
			c.closing.n, h->backend->title);
	/* Read once the closes are: the put-back, on another connection, comes after them. */
	if (there && c.closing.n)
		free(present_bus_owner_of(there, PRESENT_NOTIFICATIONS_NAME));
	present_bus_close_other(there);
	free(server);
}

void present_session_recover(struct present_daemon *d)
{
	if (!d->store)
		return;
	struct present_session_record rec;
	int r = present_store_session_unfinished(d->store, &rec);
	if (r < 0) {
		store_warn(d, r);
		return;
	}
	if (r == 0)
		return;
	int64_t now = present_time_now();
	struct holder holder;
	holder_left(d, rec.id, &holder);
	/* Whatever the daemon was guarding ended when it died; say so in
	 * history, and in the summary a serving daemon shows once the desktop
	 * is back (present_session_replay_left()). */
	store_warn(d, present_store_session_finish(d->store, rec.id, rec.planned_end < now ? rec.planned_end : now,
		"interrupted", true, holder.backend ? holder.backend->id : NULL));
	present_log("warning", "session %lld was interrupted (the daemon stopped during it)", (long long)rec.id);
	close_ignored_left(d, rec.id, &holder);
	holder_finish(&holder);
	present_session_record_finish(&rec);
}

static gboolean replay_left(gpointer data)
{
	struct present_daemon *d = data;
	d->replay_left_source = 0;
	/* A session started meanwhile makes it stale: its end clears it. So
	 * does one whose end waits for the store: its own summary follows once
	 * it is written. */
	if (!d->store || d->session.active || present_backlog_ends_waiting(d))
		return G_SOURCE_REMOVE;
	struct present_session_record rec;
	char *holder = NULL;
	int r = present_store_replay_due(d->store, &rec, &holder);
	if (r <= 0) {
		store_warn(d, r);
		d->summary_waits = false;
		present_daemon_update_idle(d);
		return G_SOURCE_REMOVE;
	}
	/* Into a silenced desktop it would pass unseen and count as shown: it
	 * waits for the switch to be back, as the check that calls this does.
	 * With no server there, its Notify starts one where the bus can, and an
	 * answer that none can be has the daemon wait for one to come. A shell
	 * that is the server, away for a moment, is waited for, not replaced by
	 * another the bus could start. */
	if (present_dnd_has_leftovers(d->dnd)) {
		/* present_leftovers_check() calls again once the switch is back. */
	} else if (!d->notifications_owner && present_dnd_shell_serves()) {
		d->summary_waits = true;
		present_daemon_update_idle(d);
	} else {
		present_replay(d, &rec, holder);
	}
	present_session_record_finish(&rec);
	free(holder);
	return G_SOURCE_REMOVE;
}

void present_session_replay_left(struct present_daemon *d)
{
	/* Once the calls already queued are served: a daemon the bus started
	 * for a `present start` would show the summary only for the start to
	 * close it at once. */
	if (!d->replay_left_source && d->loop)
		d->replay_left_source = g_idle_add(replay_left, d);
}

void present_session_describe(const struct present_daemon *d, struct present_status *ret)
{
	const struct present_session *s = &d->session;
	*ret = (struct present_status){
		.active = s->active,
		.id = s->id,
		.started_at = s->started_at,
		.ends_at = s->ends_at,
		.label = s->label,
		.dnd_state = s->dnd.state,
		.dnd_server = s->dnd.server,
		.dnd_backend = s->dnd.backend,
		.dnd_note = s->dnd.note,
		.muted = s->dnd.muted,
		.unrestored = s->dnd.unrestored,
		.n_unrestored = s->dnd.n_unrestored,
		.capture_error = s->capture_error,
		.store_error = s->store_error,
		.alerts = s->capture ? (uint32_t)present_capture_count(s->capture) : s->alerts_at_end,
	};
	if (!s->active)
		describe_left_on(d, ret);
}
