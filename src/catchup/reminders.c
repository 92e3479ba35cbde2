/*
 * Reminders: one wall-clock timer to the next moment a response owed needs
 * the user: `remind_ack_before` its acknowledge-by time, `remind_answer_before`
 * its answer-by time, or the end of a snooze. No polling; the state lives
 * in the store, so reminders survive a restart of the daemon.
 */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "catchup.h"
#include "daemon.h"
#include "grow.h"
#include "notifier.h"
#include "review.h"
#include "timefmt.h"

/* How long a reminder waits when the store would not take its mark. */
#define RETRY_MS 5000
/* How long one a server refused waits, unless another server comes first. */
#define NOT_SHOWN_RETRY_MS 60000
/* How long a store that could not be read waits to be read again. */
#define UNREAD_RETRY_MS 10000

struct present_reminders {
	struct present_daemon *d;
	int fd;
	guint source;
	int64_t next_ms; /* 0: nothing to come */
	int64_t retry_at; /* ms; while the store refuses marks, nothing fires before it */
	/* One was refused for want of any server: what is due waits for one to
	 * come, with no timer, as a bus with none refuses at once, each time. */
	bool awaiting_server;
	bool unread; /* the last read of the store failed, and said so */
};

/* A reminder that fell due in a scan: answer's, with the acknowledgement's
 * (due too, or given already), or the acknowledgement's alone. */
struct due {
	int64_t id;
	bool answer, ack;
};

struct scan {
	const struct present_config *cfg;
	int64_t now, next;
	int64_t after; /* next: only a time later than this */
	bool firing; /* collect what is due */
	struct due *due;
	size_t n_due, due_cap;
};

static int64_t later(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* When each reminder of row falls due (0: none to come), snoozes included. */
static void due_times(const struct present_owed_row *row, const struct present_config *cfg, int64_t *ack,
	int64_t *answer)
{
	*ack = *answer = 0;
	if (strcmp(row->state, "owed") == 0 && !(row->reminded & PRESENT_OWED_REMINDED_ACK))
		*ack = later(row->ack_by - cfg->remind_ack_before * 1000, row->snoozed_until);
	if (!(row->reminded & PRESENT_OWED_REMINDED_ANSWER))
		*answer = later(row->answer_by - cfg->remind_answer_before * 1000, row->snoozed_until);
}

/* What remind() is called with. */
struct reminding {
	struct present_daemon *d;
	int which; /* the PRESENT_OWED_REMINDED_* bits it gives */
	bool sent; /* set by remind(): it went to the bus */
};

/* A reminder's notice names its item and its bits, for the server's answer;
 * negative, apart from the summaries' (session ids). */
static int64_t notice_ref(int64_t id, int which)
{
	return -(id * 4 + which);
}

static void remind(const struct present_owed_row *row, void *userdata)
{
	struct reminding *rm = userdata;
	struct present_daemon *d = rm->d;
	int which = rm->which;
	bool answer = which & PRESENT_OWED_REMINDED_ANSWER;
	char when[32], *summary = NULL, *body = NULL;
	int64_t by = answer ? row->answer_by : row->ack_by;
	present_time_clock(by / 1000, present_time_now(), when, sizeof(when));
	if (asprintf(&summary, *row->app ? "%s is waiting (%s)" : "%s is waiting", row->sender, row->app) < 0)
		summary = NULL;
	/* Given late (after a session, a suspend, a daemon down), "by" a time
	 * gone would read as a slip of the clock. */
	bool late = by <= g_get_real_time() / 1000;
	if (asprintf(&body, "%s%s%s%s%s%s", answer ? "Answer in full" : "Acknowledge", late ? ", overdue since " : " by ",
		    when, *row->subject ? ": “" : "", row->subject, *row->subject ? "”" : "") < 0)
		body = NULL;
	char **review = present_review_command(&d->config);
	rm->sent = present_notify(d->notifier, &(struct present_notice){
		.summary = summary ? summary : "A response is owed",
		.body = body,
		.icon = "mail-unread",
		.urgency = 1,
		.command = review,
		.action_label = "Catch up",
		.ref = notice_ref(row->id, which),
	});
	g_strfreev(review);
	free(summary);
	free(body);
}

static void visit(const struct present_owed_row *row, void *userdata)
{
	struct scan *s = userdata;
	int64_t ack, answer;
	due_times(row, s->cfg, &ack, &answer);
	if (s->firing && ((answer && answer <= s->now) || (ack && ack <= s->now))) {
		/* Out of memory, it stays due and is reminded at the next scan. */
		if (present_grow(&s->due, &s->due_cap, s->n_due, sizeof(*s->due)))
			s->due[s->n_due++] = (struct due){row->id, answer && answer <= s->now, !ack || ack <= s->now};
		return;
	}
	for (int i = 0; i < 2; i++) {
		int64_t t = i ? answer : ack;
		if (t && t > s->after && (!s->next || t < s->next))
			s->next = t;
	}
}

static gboolean fired(gint fd, GIOCondition cond, gpointer data);

/* Left marked, a reminder no server took would count as given, and never
 * come: it is due again, after a while or once a server comes. */
static void not_shown(struct present_reminders *r, int64_t id, int which, bool no_server)
{
	struct present_store *store = r->d->store;
	if (!store || present_store_owed_reminded(store, id, which, false) < 0) {
		present_log("warning", "a reminder no server took is not given again: %s",
			store ? present_store_error(store) : "no store");
		return;
	}
	if (no_server) {
		if (!r->awaiting_server)
			present_log("info", "a reminder no server took comes again once a server is there");
		r->awaiting_server = true;
		return;
	}
	present_log("info", "a reminder no server took comes again once a server is there, or in %d s",
		NOT_SHOWN_RETRY_MS / 1000);
	int64_t at = g_get_real_time() / 1000 + NOT_SHOWN_RETRY_MS;
	if (at > r->retry_at)
		r->retry_at = at;
}

/* The first reminder due later than after; -1: the store could not be read. */
static int64_t next_after(const struct present_reminders *r, int64_t after)
{
	struct present_daemon *d = r->d;
	struct scan s = {.cfg = &d->config, .now = g_get_real_time() / 1000, .after = after};
	if (d->store && present_store_owed_each(d->store, false, visit, &s) < 0)
		return -1;
	return s.next;
}

int64_t present_reminders_next(const struct present_reminders *r)
{
	return next_after(r, 0);
}

/* next_after(), or, when the store cannot be read (another program holds
 * it locked, a disk comes back), a time to read it again: with no timer,
 * nothing would look again, and the daemon would leave with reminders to
 * come. Said once, until a read succeeds. */
static int64_t next_or_retry(struct present_reminders *r, int64_t after, int64_t now)
{
	int64_t next = next_after(r, after);
	if (next >= 0) {
		r->unread = false;
		return next;
	}
	if (!r->unread)
		present_log("warning", "reminders: cannot read the responses owed: %s; trying again every %d s",
			present_store_error(r->d->store), UNREAD_RETRY_MS / 1000);
	r->unread = true;
	return now + UNREAD_RETRY_MS;
}

void present_reminders_reschedule(struct present_reminders *r)
{
	int64_t now = g_get_real_time() / 1000, next = next_or_retry(r, 0, now);
	if (next && next < r->retry_at)
		next = r->retry_at;
	/* What is due keeps the daemon for a server to come; only what falls due
	 * later wakes it. */
	r->next_ms = next;
	if (r->awaiting_server && next && next <= now)
		next = next_or_retry(r, now, now);
	struct timespec at = {.tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000};
	/* A due time already past still arms: it fires at once. */
	if (next && next <= now)
		at = (struct timespec){.tv_nsec = 1};
	if (!next) {
		if (r->source)
			g_source_remove(r->source);
		r->source = 0;
		return;
	}
	if (r->fd < 0)
		r->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	int e = r->fd < 0 ? errno : -present_time_timer_set(r->fd, at);
	if (e) {
		present_log("warning", "reminders: cannot set the timer: %s", strerror(e));
		return;
	}
	if (!r->source)
		r->source = g_unix_fd_add(r->fd, G_IO_IN, fired, r);
}

static gboolean fired(gint fd, GIOCondition cond, gpointer data)
{
	struct present_reminders *r = data;
	uint64_t n;
	/* ECANCELED: the clock was set; the scan below decides what is due now. */
	if (read(fd, &n, sizeof(n)) < 0 && errno != ECANCELED && errno != EAGAIN)
		present_log("warning", "reminders: %s", strerror(errno));
	/* In a meeting nothing reaches the user, and a reminder sent now would be
	 * held unseen and count as given: the session's end arms the timer again,
	 * and what fell due meanwhile comes then. */
	if (r->d->session.active)
		return G_SOURCE_CONTINUE;
	struct scan s = {.cfg = &r->d->config, .now = g_get_real_time() / 1000, .firing = true};
	if (r->d->store)
		present_store_owed_each(r->d->store, false, visit, &s);
	/* Set anew below by what fails now; a refusal already waited on is not logged again. */
	bool waited = r->retry_at != 0;
	r->retry_at = 0;
	r->awaiting_server = false;
	/* Marked once the scan has ended, when the store waits for a lock
	 * another writer holds: during the scan it would refuse at once. A
	 * reminder is sent only once marked, so none is given twice, and one
	 * the store refuses waits a while: due, it would fire again at once.
	 * One no server takes is unmarked (present_reminders_answered()). The
	 * first refusal ends the round: each mark waits out the lock, and the
	 * loop must not stand still that long for each reminder due. */
	bool refused = false;
	for (size_t i = 0; i < s.n_due; i++) {
		/* Both due at once (after a session, a suspend): answering in full is
		 * past acknowledging, and one reminder is enough. An answer due
		 * first (a short answer_within) leaves the acknowledgement's to come. */
		int which = (s.due[i].answer ? PRESENT_OWED_REMINDED_ANSWER : 0) |
			(s.due[i].ack ? PRESENT_OWED_REMINDED_ACK : 0);
		if (present_store_owed_reminded(r->d->store, s.due[i].id, which, true) < 0) {
			if (!waited)
				present_log("warning", "reminders: %s; trying again in %d s",
					present_store_error(r->d->store), RETRY_MS / 1000);
			refused = true;
			break;
		}
		struct reminding rm = {r->d, which, false};
		present_store_owed_get(r->d->store, s.due[i].id, remind, &rm);
		/* Not from remind(): the store is still reading there. */
		if (!rm.sent)
			not_shown(r, s.due[i].id, which, false);
	}
	free(s.due);
	/* From now, not the scan: the wait on the lock came in between. */
	int64_t retry = refused ? g_get_real_time() / 1000 + RETRY_MS : 0;
	if (retry > r->retry_at)
		r->retry_at = retry;
	present_reminders_reschedule(r);
	present_daemon_update_idle(r->d);
	return G_SOURCE_CONTINUE;
}

struct present_reminders *present_reminders_create(struct present_daemon *d)
{
	struct present_reminders *r = g_new0(struct present_reminders, 1);
	r->d = d;
	r->fd = -1;
	return r;
}

void present_reminders_destroy(struct present_reminders *r)
{
	if (!r)
		return;
	if (r->source)
		g_source_remove(r->source);
	if (r->fd >= 0)
		close(r->fd);
	g_free(r);
}

bool present_reminders_pending(const struct present_reminders *r)
{
	return r->next_ms != 0;
}

bool present_reminders_answered(struct present_reminders *r, int64_t ref, bool taken, bool no_server)
{
	if (ref >= 0)
		return false;
	if (!r || taken)
		return true;
	not_shown(r, -ref / 4, (int)(-ref % 4), no_server);
	present_reminders_reschedule(r);
	present_daemon_update_idle(r->d);
	return true;
}

void present_reminders_server_came(struct present_reminders *r)
{
	if (!r || (!r->retry_at && !r->awaiting_server))
		return;
	r->retry_at = 0;
	r->awaiting_server = false;
	present_reminders_reschedule(r);
}
