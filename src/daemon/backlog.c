#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "backlog.h"
#include "catchup.h"
#include "daemon.h"
#include "dnd.h"
#include "session.h"
#include "writer.h"

/* A try in the background waits this long on a lock held elsewhere: the
 * daemon's one loop must not stand still each second while it is held. */
#define TRY_WAIT_MS 50

/* A queued end owns its writer and its strings. */
static void end_free(struct present_backlog_end *e)
{
	present_writer_destroy(e->writer);
	free((char *)e->label);
	free((char *)e->reason);
	free((char *)e->holder);
	free(e);
}

/* The session's record the store could not take at its start, with the end
 * already known. False while the store still cannot take it; else its
 * alerts are written, under it, or under none when the store refused it
 * for good. */
static bool record_begin(struct present_daemon *d, struct present_backlog_end *e)
{
	if (!e->begin_owed)
		return true;
	int r = present_store_session_begin(d->store, e->label, e->started_at, e->planned_end, NULL, &e->session_id);
	if (r < 0 && present_store_later(r))
		return false;
	if (r < 0)
		present_log("warning", "session not recorded: %s", present_store_error(d->store));
	e->begin_owed = false;
	if (e->writer)
		present_writer_recorded(e->writer, e->session_id);
	return true;
}

/* The session's record if owed, its alerts, then its end: the summary the
 * end makes due counts what the store holds. False while the store cannot
 * take them. */
static bool close_session(struct present_daemon *d, struct present_backlog_end *e)
{
	bool owed = e->begin_owed;
	if (!record_begin(d, e))
		return false;
	if (e->writer) {
		/* Just released, its alerts have not been tried yet: now, not in a second. */
		if (!(owed ? present_writer_end(e->writer) : present_writer_idle(e->writer)))
			return false;
		present_writer_destroy(e->writer);
		e->writer = NULL;
	}
	if (!d->store || !e->session_id)
		return true;
	int r = present_store_session_finish(d->store, e->session_id, e->ended_at, e->reason, true, e->holder);
	if (r < 0 && present_store_later(r))
		return false;
	if (r < 0)
		present_log("warning", "session %lld's end not recorded: %s", (long long)e->session_id,
			present_store_error(d->store));
	return true;
}

/* A copy that owns its strings, or NULL without memory. */
static struct present_backlog_end *end_copy(const struct present_backlog_end *now)
{
	struct present_backlog_end *later = malloc(sizeof(*later));
	if (!later)
		return NULL;
	*later = *now;
	later->label = strdup(now->label ? now->label : "");
	later->reason = strdup(now->reason);
	later->holder = now->holder ? strdup(now->holder) : NULL;
	if (later->label && later->reason && (later->holder || !now->holder))
		return later;
	later->writer = NULL;
	end_free(later);
	return NULL;
}

void present_backlog_session_ended(struct present_daemon *d, const struct present_backlog_end *end)
{
	struct present_backlog_end now = *end;
	if (now.writer && present_writer_end(now.writer)) {
		present_writer_destroy(now.writer);
		now.writer = NULL;
	}
	/* Sessions close in the order they ended: the last one's summary is the one due. */
	if ((!d->backlog || g_queue_is_empty(d->backlog)) && close_session(d, &now)) {
		/* Into a desktop still silenced (a switch the end could not put
		 * back) it would pass unseen and count as shown: it stays due, and
		 * comes once the switch is back (present_session_replay_left()).
		 * With no server running, its Notify starts one where the bus can,
		 * and stays due where it cannot. */
		if (d->store && now.session_id && !present_dnd_has_leftovers(d->dnd))
			present_replay(d,
				&(struct present_session_record){.id = now.session_id, .label = (char *)now.label,
					.started_at = now.started_at, .ended_at = now.ended_at,
					.end_reason = (char *)now.reason},
				now.holder);
		return;
	}
	struct present_backlog_end *later = end_copy(&now);
	if (!later) {
		present_log("warning", "session %lld: out of memory: what the store could not take is given up",
			(long long)now.session_id);
		present_writer_destroy(now.writer);
		return;
	}
	present_log("warning", "session %lld: %s; tried again each second", (long long)now.session_id,
		now.begin_owed ? "its record waits for the store"
		: now.writer   ? "its alerts wait for the store"
			       : "its end waits for the store");
	if (!d->backlog)
		d->backlog = g_queue_new();
	g_queue_push_tail(d->backlog, later);
	present_backlog_check(d);
}

static gboolean try_again(gpointer data)
{
	struct present_daemon *d = data;
	d->backlog_source = 0;
	if (d->store)
		present_store_busy_timeout(d->store, TRY_WAIT_MS);
	bool closed = false;
	struct present_backlog_end *e;
	while (d->backlog && (e = g_queue_peek_head(d->backlog)) && close_session(d, e)) {
		present_log("info", "session %lld: what the store was owed is written", (long long)e->session_id);
		g_queue_pop_head(d->backlog);
		end_free(e);
		closed = true;
	}
	/* Not behind the sessions before it: one whose alerts a full disk
	 * cannot take would keep this one unrecorded, its alerts held in memory. */
	if (d->session.active && d->session.begin_owed)
		present_session_record_late(d);
	else if (d->session.active && present_dnd_records_missing(d->dnd))
		present_session_record_dnd(d);
	present_dnd_forget_put_back(d->dnd);
	if (d->store)
		present_store_busy_timeout(d->store, 0);
	/* The summary, held until the alerts it counts are stored; and the
	 * reminders, which the end scheduled before the messages were owed. */
	if (closed) {
		present_session_replay_left(d);
		present_reminders_reschedule(d->reminders);
	}
	present_backlog_check(d);
	return G_SOURCE_REMOVE;
}

bool present_backlog_ends_waiting(const struct present_daemon *d)
{
	return d->backlog && !g_queue_is_empty(d->backlog);
}

bool present_backlog_owed(const struct present_daemon *d)
{
	return present_backlog_ends_waiting(d) || present_dnd_put_back_kept(d->dnd) ||
		(d->session.active && (d->session.begin_owed || present_dnd_records_missing(d->dnd)));
}

void present_backlog_check(struct present_daemon *d)
{
	bool owed = present_backlog_owed(d);
	if (owed && !d->backlog_source && d->loop)
		d->backlog_source = g_timeout_add_seconds(1, try_again, d);
	else if (!owed && d->backlog_source) {
		g_source_remove(d->backlog_source);
		d->backlog_source = 0;
	}
	/* Only when that changes: each try re-arming it would put off the idle exit for good. */
	if (owed != d->backlog_was_owed) {
		d->backlog_was_owed = owed;
		present_daemon_update_idle(d);
	}
}

void present_backlog_finish(struct present_daemon *d)
{
	if (d->backlog_source)
		g_source_remove(d->backlog_source);
	d->backlog_source = 0;
	if (!d->backlog)
		return;
	struct present_backlog_end *e;
	while ((e = g_queue_pop_head(d->backlog))) {
		/* Its last try, which logs what it gives up; a writer still held
		 * tries its alerts under no session as it is destroyed. */
		if (!record_begin(d, e)) {
			present_log("warning", "session not recorded: %s: its alerts get one last try, under no session",
				present_store_error(d->store));
			e->begin_owed = false;
		}
		present_writer_destroy(e->writer);
		e->writer = NULL;
		if (!close_session(d, e))
			present_log("warning", "session %lld's end not recorded: %s: the next daemon records it as interrupted",
				(long long)e->session_id, present_store_error(d->store));
		end_free(e);
	}
	g_queue_free(d->backlog);
	d->backlog = NULL;
}
