#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backlog.h"
#include "daemon.h"
#include "leftovers.h"
#include "log.h"
#include "service.h"
#include "store.h"
#include "session.h"

/* One notification at a time says what is left on: the last one replaces it. */
#define LEFT_ON_TAG "left-on"

/* Seconds before each try: soon after the end, for a server that was only
 * busy, then each minute. Only while something is left: an idle daemon
 * with nothing to put back has no timer. */
static const guint delays[] = {5, 15, 30, 60};

static gboolean try_again(gpointer data)
{
	struct present_daemon *d = data;
	d->leftovers_source = 0;
	/* A session's start stops the tries; should one be under way all the
	 * same, putting back now would undo its do-not-disturb. */
	if (d->session.active)
		return G_SOURCE_REMOVE;
	if (d->leftovers_tries + 1 < G_N_ELEMENTS(delays))
		d->leftovers_tries++;
	present_leftovers_retry(d, NULL);
	return G_SOURCE_REMOVE;
}

int present_leftovers_lock(struct present_daemon *d)
{
	int fd = d->store ? present_store_lock_takeover(d->store) : -1;
	if (d->store && fd < 0)
		present_log("warning", "cannot lock the store to take over what a daemon that died left: %s",
			strerror(-fd));
	return fd;
}

bool present_leftovers_to_put_back(struct present_daemon *d)
{
	/* This daemon's own first: known without reading the store. */
	return present_dnd_has_leftovers(d->dnd) || present_dnd_left_by_the_dead(d->dnd);
}

int present_leftovers_retry(struct present_daemon *d, char **ret_error)
{
	char *error = NULL;
	/* What is left may be a daemon's that died since this one started
	 * (another login's): its session is ended first, while its records still
	 * say which server held its alerts, and under the lock a daemon starting
	 * on its bus takes for the same. */
	int lock = present_leftovers_lock(d);
	present_session_recover(d);
	/* Each switch that still cannot be put back is logged as it is tried. */
	int r = present_dnd_restore_leftovers(d->dnd, NULL, &error);
	if (lock >= 0)
		close(lock);
	if (r > 0)
		present_log("info", "put back %d do-not-disturb change(s) left on", r);
	if (ret_error)
		*ret_error = error;
	else
		free(error);
	present_leftovers_check(d);
	return r;
}

static void stop_trying(struct present_daemon *d)
{
	if (d->leftovers_source)
		g_source_remove(d->leftovers_source);
	d->leftovers_source = 0;
}

/* Status bars and `present status` show a switch left on, as they show a
 * session: the mirror and SessionChanged follow each change of them, the
 * reason as much as the count (a refusal, then the server gone). */
static void show(struct present_daemon *d)
{
	size_t n;
	const struct present_unrestored *items = present_dnd_leftovers(d->dnd, &n);
	/* A session's own mirror and signals have replaced what was shown. */
	if (d->session.active) {
		free(d->leftovers_shown);
		d->leftovers_shown = NULL;
		return;
	}
	char *text = present_unrestored_text(items, n);
	/* Without memory for the text, each check shows it again rather than never. */
	if ((n && !text) || g_strcmp0(text, d->leftovers_shown) != 0) {
		free(d->leftovers_shown);
		d->leftovers_shown = text || !n ? text : strdup("");
		present_session_mirror(d);
		present_service_emit(d, "SessionChanged", NULL);
	} else {
		free(text);
	}
}

void present_leftovers_check(struct present_daemon *d)
{
	bool left = present_dnd_has_leftovers(d->dnd);
	show(d);
	/* During a session the switch is on by the session's will: putting the
	 * last one's back would undo it. Its end tries again. */
	if (!left || d->session.active)
		stop_trying(d);
	else if (!d->leftovers_source && d->loop)
		d->leftovers_source = g_timeout_add_seconds(delays[d->leftovers_tries], try_again, d);
	if (!left) {
		d->leftovers_tries = 0;
		/* Also one an earlier daemon showed: the notifier kept its id. */
		present_notifier_withdraw(d->notifier, LEFT_ON_TAG);
		/* The desktop is back as it was: a session cut short by a daemon's death can be summed up. */
		present_session_replay_left(d);
	}
	/* A put-back's record the store could not delete is tried again with the rest it is owed. */
	present_backlog_check(d);
	/* What is left keeps the daemon; once nothing is, it may leave. A retry
	 * is no activity: a hold left on alone must let it leave, which the
	 * next retry would put off each time. */
	present_daemon_check_idle(d);
}

void present_leftovers_say(struct present_daemon *d, const struct present_unrestored *items, size_t n)
{
	if (!n)
		return;
	d->leftovers_tries = 0;
	char *what = present_unrestored_text(items, n);
	char *body = g_strdup_printf("%s\npresent keeps trying; 'present restore' tries now.", what ? what : "");
	free(what);
	/* Critical: most servers show those even with do-not-disturb on, which
	 * is what this one is about. */
	present_notify(d->notifier, &(struct present_notice){
		.summary = "Do-not-disturb could not be turned off",
		.body = body,
		.icon = "dialog-warning",
		.urgency = 2,
		.tag = LEFT_ON_TAG,
	});
	g_free(body);
}

void present_leftovers_finish(struct present_daemon *d)
{
	stop_trying(d);
	/* Holds the server drops with our connection end as we leave: saying
	 * they are on would be wrong from then on, here and in the status file
	 * (whose writer gone, it would read as a crash that left them). */
	if (d->dnd && present_dnd_has_leftovers(d->dnd) && !present_dnd_leftovers_outlive(d->dnd)) {
		present_notifier_withdraw(d->notifier, LEFT_ON_TAG);
		if (!d->session.active)
			present_session_mirror_remove(d);
	}
	free(d->leftovers_shown);
	d->leftovers_shown = NULL;
}
