/*
 * The end of a session: what came in is shown as replay.mode says. The
 * desktop's own settings are already back (a per-app mute still in force
 * would swallow this), and the alert writer has finished, so the store
 * holds everything.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catchup.h"
#include "daemon.h"
#include "dnd.h"
#include "notifier.h"
#include "review.h"
#include "store.h"
#include "duration.h"
#include "text.h"
#include "timefmt.h"

/* More alerts than this from one app are replayed as one notification. */
#define GROUP_ABOVE 3
/* It lists this many, and says how many more: a flood's would fill the screen. */
#define GROUP_LINES 10
/* The end-of-session summary's tag: one is on screen at a time. */
#define SUMMARY_TAG "summary"

struct app_alerts {
	char *app;
	GPtrArray *alerts; /* struct held */
};

struct held {
	char *app_name, *summary, *body, *icon;
	int urgency;
	int64_t at;
};

struct tally {
	int alerts, owed, overdue;
	int64_t now_ms, first_due; /* ms; 0: none still to come */
	int64_t unwatched_ms; /* the capture's gaps: what came then is not counted */
	GHashTable *senders; /* every app that sent anything, noise included */
	GHashTable *apps; /* app -> struct app_alerts, non-noise alerts only */
	GPtrArray *order; /* apps in order of their first alert */
	/* Held by a server that shows them itself once do-not-disturb ends:
	 * only what another server process took (one that has left since, with
	 * what it held) is shown again. */
	bool lost_only;
	const char *server; /* the server process there now, or NULL */
};

static void held_free(gpointer p)
{
	struct held *h = p;
	g_free(h->app_name);
	g_free(h->summary);
	g_free(h->body);
	g_free(h->icon);
	g_free(h);
}

static void app_free(gpointer p)
{
	struct app_alerts *a = p;
	g_free(a->app);
	g_ptr_array_unref(a->alerts);
	g_free(a);
}

/* Whether nobody holds an alert to show it: taken by another server process
 * than the one there now (what it held went with it), or by none that
 * answered (one that hung and died leaves its calls to an error from the
 * bus, which the monitor does not see). (A unique name is never given twice
 * on one bus; on the next login's bus it may be, and what the server of the
 * same name held then is taken for still held.) */
static bool held_by_nobody(const struct tally *t, const struct present_alert_row *row)
{
	return !row->server || !t->server || strcmp(row->server, t->server) != 0;
}

static void count_alert(const struct present_alert_row *row, void *userdata)
{
	struct tally *t = userdata;
	const char *app = row->app ? row->app : row->app_name ? row->app_name : "";
	/* The summary says what came in, as history and the status do, taken back or not. */
	t->alerts++;
	g_hash_table_add(t->senders, g_strdup(app));
	/* What the app took back (read elsewhere, deleted) is not news to show again. */
	if (strcmp(row->cls, "noise") == 0 || row->withdrawn || (t->lost_only && !held_by_nobody(t, row)))
		return;
	struct app_alerts *a = g_hash_table_lookup(t->apps, app);
	if (!a) {
		a = g_new0(struct app_alerts, 1);
		a->app = g_strdup(app);
		a->alerts = g_ptr_array_new_with_free_func(held_free);
		g_hash_table_insert(t->apps, a->app, a);
		g_ptr_array_add(t->order, a);
	}
	struct held *h = g_new0(struct held, 1);
	*h = (struct held){g_strdup(row->app_name), g_strdup(row->summary), g_strdup(row->body), g_strdup(row->icon),
		row->urgency < 0 ? 1 : row->urgency, row->received_at};
	g_ptr_array_add(a->alerts, h);
}

static void count_owed(const struct present_owed_row *row, void *userdata)
{
	struct tally *t = userdata;
	/* The deadline that matters next, as for `present owed`: an acknowledged item still owes its answer, and
	 * one whose deadline has passed (the sender wrote in an earlier session too) is late, not due by then. */
	int64_t due = strcmp(row->state, "owed") == 0 ? row->ack_by : row->answer_by;
	t->owed++;
	if (due < t->now_ms)
		t->overdue++;
	else if (!t->first_due || due < t->first_due)
		t->first_due = due;
}

static void count_gap(int64_t from, int64_t to, const char *reason, void *userdata)
{
	struct tally *t = userdata;
	t->unwatched_ms += to > from ? to - from : 0;
}

/* Returns whether it went to the bus, to be answered. */
static bool summary(struct present_daemon *d, const struct tally *t, const struct present_session_record *rec)
{
	char length[32], due[32], *text = NULL;
	present_duration_format(rec->ended_at - rec->started_at, length, sizeof(length));
	GString *body = g_string_new(NULL);
	/* A count that left out what came while nobody watched must say so: "nothing" would be a promise. */
	char unwatched[32];
	present_duration_format((t->unwatched_ms + 999) / 1000, unwatched, sizeof(unwatched));
	if (t->alerts == 0 && t->unwatched_ms)
		g_string_append_printf(body, "Alerts were not watched for %s: what came then is missing.", unwatched);
	else if (t->alerts == 0)
		g_string_append(body, "Nothing came in.");
	else
		g_string_append_printf(body, "%d alert%s from %u app%s", t->alerts, t->alerts == 1 ? "" : "s",
			g_hash_table_size(t->senders), g_hash_table_size(t->senders) == 1 ? "" : "s");
	if (t->alerts && t->unwatched_ms)
		g_string_append_printf(body, " (not watched for %s)", unwatched);
	if (t->owed) {
		g_string_append_printf(body, " · %d repl%s owed", t->owed, t->owed == 1 ? "y" : "ies");
		if (t->overdue)
			g_string_append_printf(body, ", %d overdue", t->overdue);
		if (t->first_due) {
			present_time_clock(t->first_due / 1000, present_time_now(), due, sizeof(due));
			g_string_append_printf(body, ", %s by %s", t->overdue ? "next" : "first", due);
		}
	}
	/* Cut short by the daemon's end, the session may have left the user
	 * thinking the desktop is still silenced. */
	bool interrupted = g_strcmp0(rec->end_reason, "interrupted") == 0;
	bool labelled = rec->label && *rec->label;
	if (asprintf(&text, "While you were present%s%s (%s%s)", labelled ? ": " : "", labelled ? rec->label : "", length,
		    interrupted ? "; interrupted" : "") < 0)
		text = NULL;
	char **review = t->alerts ? present_review_command(&d->config) : NULL;
	bool sent = present_notify(d->notifier, &(struct present_notice){
		.summary = text ? text : "While you were present",
		.body = body->str,
		.icon = "appointment-missed",
		.urgency = 1,
		.command = review,
		.action_label = "Catch up",
		.tag = SUMMARY_TAG,
		.ref = rec->id,
	});
	g_strfreev(review);
	free(text);
	g_string_free(body, TRUE);
	return sent;
}

/* Shows each held alert again, answered under the session's id. Returns how many notices went to the bus;
 * *tried, how many there were to show. */
static guint each(struct present_daemon *d, const struct tally *t, int64_t session_id, guint *tried)
{
	guint sent = 0;
	*tried = 0;
	for (guint i = 0; i < t->order->len; i++) {
		const struct app_alerts *a = t->order->pdata[i];
		const struct held *first = a->alerts->pdata[0];
		char when[32];
		if (a->alerts->len > GROUP_ABOVE) {
			GString *body = g_string_new(NULL);
			for (guint j = 0; j < a->alerts->len && j < GROUP_LINES; j++) {
				const struct held *h = a->alerts->pdata[j];
				present_time_clock(h->at / 1000, present_time_now(), when, sizeof(when));
				g_string_append_printf(body, "%s%s %s", j ? "\n" : "", when, h->summary);
			}
			if (a->alerts->len > GROUP_LINES)
				g_string_append_printf(body, "\n… and %u more", a->alerts->len - GROUP_LINES);
			char *title = g_strdup_printf("%u alerts while you were present", a->alerts->len);
			(*tried)++;
			sent += present_notify(d->notifier, &(struct present_notice){
				.app_name = first->app_name ? first->app_name : a->app,
				.summary = title,
				.body = body->str,
				.icon = first->icon,
				.urgency = 1,
				.ref = session_id,
			});
			g_free(title);
			g_string_free(body, TRUE);
			continue;
		}
		for (guint j = 0; j < a->alerts->len; j++) {
			const struct held *h = a->alerts->pdata[j];
			present_time_clock(h->at / 1000, present_time_now(), when, sizeof(when));
			/* The body was markup, and the notifier escapes what it is given: it goes as the text shown. */
			char *text = present_text_unmarkup(g_strdup(h->body ? h->body : ""));
			char *body = g_strdup_printf("%s%s(at %s)", text, *text ? "\n" : "", when);
			g_free(text);
			(*tried)++;
			sent += present_notify(d->notifier, &(struct present_notice){
				.app_name = h->app_name ? h->app_name : a->app,
				.summary = h->summary,
				.body = body,
				.icon = h->icon,
				.urgency = h->urgency,
				.ref = session_id,
			});
			g_free(body);
		}
	}
	return sent;
}

void present_replay(struct present_daemon *d, const struct present_session_record *rec, const char *backend_id)
{
	if (!d->store)
		return;
	/* Already on its way: the server's answer says whether it is still due. */
	if (d->summary_sent == rec->id)
		return;
	if (strcmp(d->config.replay_mode, "none") == 0) {
		present_replay_answered(d, rec->id, true, false);
		return;
	}
	/* Where the server shows what it held by itself, a replay would show it twice: only what a server
	 * that left took with it is shown again. */
	const struct present_dnd_backend *b = backend_id ? present_dnd_backend_find(backend_id) : NULL;
	bool each_mode = strcmp(d->config.replay_mode, "each") == 0;
	struct tally t = {
		.now_ms = present_time_now() * 1000,
		.apps = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, app_free),
		.senders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.order = g_ptr_array_new(),
		.lost_only = each_mode && b && b->shows_held_again,
		.server = d->notifications_owner,
	};
	/* What the store cannot read is not nothing: shown, the summary would
	 * say "Nothing came in", and count as shown. It stays due instead. */
	if (present_store_alerts_each(d->store, rec->id, count_alert, &t) < 0 ||
		present_store_owed_of_session_each(d->store, rec->id, count_owed, &t) < 0 ||
		present_store_gaps_each(d->store, rec->id, count_gap, &t) < 0) {
		present_log("warning", "the summary of session %lld waits: %s", (long long)rec->id,
			present_store_error(d->store));
		goto out;
	}
	if (!each_mode) {
		/* Due until the server takes it: one the bus could not reach, or a
		 * daemon killed first, leaves it to be shown later. */
		if (summary(d, &t, rec))
			d->summary_sent = rec->id;
	} else {
		/* As the summary: due until the server takes one of them (a server
		 * takes all or none). Nothing to show, or nothing held them
		 * (dnd.backend "none", a switch that failed: each was shown as it
		 * came, and would come twice): done. */
		guint tried = 0;
		if (b && each(d, &t, rec->id, &tried) > 0)
			d->summary_sent = rec->id;
		else if (tried == 0)
			present_replay_answered(d, rec->id, true, false);
	}
out:
	g_ptr_array_unref(t.order);
	g_hash_table_destroy(t.apps);
	g_hash_table_destroy(t.senders);
}

void present_replay_answered(struct present_daemon *d, int64_t session_id, bool taken, bool no_server)
{
	if (d->summary_sent == session_id)
		d->summary_sent = 0;
	/* Refused by a server that is there, it is shown when another comes, or by the next daemon: this one
	 * need not stay for that. */
	d->summary_waits = !taken && no_server;
	if (taken && d->store) {
		int r = present_store_replay_done(d->store, session_id);
		if (r < 0)
			present_log("warning", "cannot record that the summary of session %lld is done with: %s",
				(long long)session_id, present_store_error(d->store));
	}
}

void present_replay_withdraw(struct present_daemon *d)
{
	present_notifier_withdraw(d->notifier, SUMMARY_TAG);
}
