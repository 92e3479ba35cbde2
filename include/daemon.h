#ifndef PRESENT_DAEMON_H
#define PRESENT_DAEMON_H

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>

#include "capture.h"
#include "config.h"
#include "direct.h"
#include "dnd.h"
#include "catchup.h"
#include "log.h"
#include "notifier.h"
#include "session.h"
#include "store.h"

/** The daemon's whole state, handed to every handler. */
struct present_daemon {
	GMainLoop *loop;
	DBusConnection *bus;
	struct present_direct *direct; /* listening while the bus name is ours, else NULL */
	DBusConnection *calling; /* the connection of the call being handled, or NULL */
	struct present_config config;
	struct present_store *store; /* NULL when the store cannot be opened */
	char *store_error; /* then which store, and why: for the user, who may never see the log */
	struct present_session session;
	struct present_dnd *dnd;
	struct present_notifier *notifier;
	struct present_reminders *reminders;
	struct present_capture_spare *capture_spare; /* the next session's, made ahead; or NULL */
	guint idle_source, spare_source, replay_left_source;
	/* Trying again to put back what an end left on (leftovers.c). */
	guint leftovers_source;
	unsigned leftovers_tries;
	char *leftovers_shown; /* what the status file and the last signal say is left on; NULL for nothing */
	/* What ended sessions still owe the store (backlog.c), and its retry. */
	GQueue *backlog;
	guint backlog_source;
	bool backlog_was_owed;
	char *notifications_owner; /* who owns org.freedesktop.Notifications, or NULL */
	int64_t summary_sent; /* the session whose summary (or replay) the server has yet to answer for, or 0 */
	bool summary_waits; /* one is due, for a server to come (or change) and take it: the daemon stays */
	GHashTable *callers; /* unique name -> 1 allowed, 2 refused */
	char *statefile; /* where the session is mirrored for `present status`, or NULL */
	/* A reply to send before the slower part of a call: a start's, before
	 * the signals and hooks; replied_early once it has gone. */
	DBusMessage *early_reply;
	bool replied_early;
	/* A call that ends the session (Stop, Toggle, Restore): answered as soon
	 * as the desktop is back, with what could not be put back, before the
	 * slower end of the session. */
	DBusMessage *ending_call;
	bool name_released; /* exiting when idle: calls that would change anything are refused */
	int exit_code;
};

/**
 * Re-reads the configuration; a bad file is reported and the old one kept. Unknown keys go to warn, or to
 * the log when it is NULL. Returns 0 or -errno.
 */
int present_daemon_reload_config(struct present_daemon *d, present_config_warn_fn warn, void *userdata,
	char **ret_error);

/** Arms or disarms the idle exit after anything that can change whether the daemon is needed. */
void present_daemon_update_idle(struct present_daemon *d);

/**
 * The same after what is no activity (a retry on a timer): an idle exit
 * already armed keeps counting.
 */
void present_daemon_check_idle(struct present_daemon *d);

/** Why there is no store: its path and the reason, as opening it said. */
const char *present_daemon_store_error(const struct present_daemon *d);

/** Ends the main loop: the session (if any) is ended first with reason. */
void present_daemon_quit(struct present_daemon *d, const char *reason);

#endif
