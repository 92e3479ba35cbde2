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
#include "notifier.h"
#include "timefmt.h"

struct present_reminders {
	struct present_daemon *d;
	int fd;
	guint source;
	int64_t next_ms; /* 0: nothing to come */
};

struct scan {
	const struct present_config *cfg;
	int64_t now, next;
	struct present_daemon *d; /* set when firing: remind what is due */
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

static void remind(struct present_daemon *d, const struct present_owed_row *row, bool answer)
{
	char when[32], *summary = NULL, *body = NULL;
	present_time_clock((answer ? row->answer_by : row->ack_by) / 1000, present_time_now(), when, sizeof(when));
	if (asprintf(&summary, "%s is waiting (%s)", row->sender, row->app) < 0)
		summary = NULL;
	if (asprintf(&body, "%s by %s%s%s%s", answer ? "Answer in full" : "Acknowledge", when,
		    *row->subject ? ": “" : "", row->subject, *row->subject ? "”" : "") < 0)
		body = NULL;
	present_notify(d->notifier, &(struct present_notice){
		.summary = summary ? summary : "A response is owed",
		.body = body,
		.icon = "mail-unread",
		.urgency = 1,
		.command = d->config.review_command,
		.action_label = "Catch up",
	});
	free(summary);
	free(body);
	/* Answering in full is past acknowledging: one reminder is enough. */
	present_store_owed_reminded(d->store, row->id,
		answer ? PRESENT_OWED_REMINDED_ACK | PRESENT_OWED_REMINDED_ANSWER : PRESENT_OWED_REMINDED_ACK);
}

static void visit(const struct present_owed_row *row, void *userdata)
{
	struct scan *s = userdata;
	int64_t ack, answer;
	due_times(row, s->cfg, &ack, &answer);
	if (s->d && ((answer && answer <= s->now) || (ack && ack <= s->now))) {
		remind(s->d, row, answer && answer <= s->now);
		return;
	}
	for (int i = 0; i < 2; i++) {
		int64_t t = i ? answer : ack;
		if (t && (!s->next || t < s->next))
			s->next = t;
	}
}

static gboolean fired(gint fd, GIOCondition cond, gpointer data);

void present_reminders_reschedule(struct present_reminders *r)
{
	struct present_daemon *d = r->d;
	struct scan s = {.cfg = &d->config, .now = g_get_real_time() / 1000};
	if (d->store && present_store_owed_each(d->store, false, visit, &s) < 0)
		present_log("warning", "reminders: %s", present_store_error(d->store));
	r->next_ms = s.next;
	struct itimerspec its = {
		.it_value = {.tv_sec = s.next / 1000, .tv_nsec = (s.next % 1000) * 1000000},
	};
	/* A due time already past still arms: it fires at once. */
	if (s.next && s.next <= s.now)
		its.it_value = (struct timespec){.tv_nsec = 1};
	if (!s.next) {
		if (r->source)
			g_source_remove(r->source);
		r->source = 0;
		return;
	}
	if (r->fd < 0)
		r->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->fd < 0 || timerfd_settime(r->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0) {
		present_log("warning", "reminders: cannot set the timer: %s", strerror(errno));
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
	struct scan s = {.cfg = &r->d->config, .now = g_get_real_time() / 1000, .d = r->d};
	if (r->d->store)
		present_store_owed_each(r->d->store, false, visit, &s);
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
