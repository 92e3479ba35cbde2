#ifndef PRESENT_ALERT_H
#define PRESENT_ALERT_H

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One message seen by the monitor, decoded into what capture needs. The
 * decoder is pure: it reads a DBusMessage and never fails on bad input;
 * what it cannot use it reports as PRESENT_EVENT_NONE.
 */

/** The four ways an alert travels on the session bus. */
enum present_alert_path {
	PRESENT_PATH_NOTIFY, /* org.freedesktop.Notifications */
	PRESENT_PATH_GTK, /* org.gtk.Notifications */
	PRESENT_PATH_PORTAL, /* org.freedesktop.portal.Notification: a sandboxed app */
	PRESENT_PATH_IMPL_PORTAL, /* org.freedesktop.impl.portal.Notification: the portal to its backend */
};

enum present_event_kind {
	PRESENT_EVENT_NONE, /* nothing capture needs (or a message too malformed to use) */
	PRESENT_EVENT_ADD, /* Notify, AddNotification: a new alert, or one replacing another */
	PRESENT_EVENT_REPLY, /* the server's answer to Notify: server_id for (destination, reply_serial) */
	PRESENT_EVENT_ERROR, /* the server refused a Notify: error_name for (destination, reply_serial) */
	PRESENT_EVENT_WITHDRAW, /* the app took it back: CloseNotification(server_id), RemoveNotification(id) */
	PRESENT_EVENT_CLOSED, /* NotificationClosed(server_id, reason) from the server */
	PRESENT_EVENT_ACTION, /* ActionInvoked(server_id, action_key) from the server */
};

/* Limits on what is kept of an alert; longer text is cut at a UTF-8 boundary. */
#define PRESENT_ALERT_TEXT_MAX 4096 /* summary, body */
#define PRESENT_ALERT_NAME_MAX 256 /* app names, ids, icons, categories, hint values */
#define PRESENT_ALERT_ACTIONS_MAX 16 /* action pairs kept */

struct present_alert_event {
	enum present_event_kind kind;
	enum present_alert_path path;
	char *caller; /* the sender's unique name */
	char *destination; /* as addressed: a unique or well-known name, or NULL */
	uint32_t serial, reply_serial;
	bool no_reply; /* the caller asked for no answer (NO_REPLY_EXPECTED): none will come to match */

	/* PRESENT_EVENT_ADD */
	char *app; /* the identity: portal/gtk app id, else desktop-entry, x-kde-appname, app_name */
	char *app_name, *summary, *body, *icon, *category;
	char *desktop_entry, *kde_appname, *kde_event_id, *sound_name;
	char *notification_id; /* gtk and portal ids (strings) */
	uint32_t replaces_id; /* Notify's replaces_id; 0 for a new alert */
	int urgency; /* 0 low, 1 normal, 2 critical; -1 when not given */
	int64_t sender_pid; /* 0 when not given */
	bool transient, resident, synchronous; /* synchronous: x-canonical-private-synchronous (OSDs) */
	bool inline_reply; /* an action that lets the user answer in place */
	char **actions; /* key, label, key, label...: 2 * n_actions entries */
	size_t n_actions;

	/* PRESENT_EVENT_REPLY, _WITHDRAW (Notify path), _CLOSED, _ACTION */
	uint32_t server_id;
	uint32_t reason; /* _CLOSED */
	char *action_key; /* _ACTION */
	char *error_name; /* _ERROR */

	bool cut; /* some text was longer than its limit */
	bool repaired; /* some text was not valid UTF-8 and was repaired */
};

/**
 * Decodes msg into ev (which it clears first). Never fails: a message that
 * is not about alerts, or is too malformed to use, gives PRESENT_EVENT_NONE.
 * Returns false only when out of memory, and then ev is already finished.
 * image-data and image_data are never copied. `path` means nothing for
 * REPLY and ERROR (they answer a Notify). Only calls that name their
 * interface are decoded, as the monitor's match rules only see those.
 */
bool present_alert_decode(DBusMessage *msg, struct present_alert_event *ev);

/** Frees what ev owns and clears it. */
void present_alert_event_finish(struct present_alert_event *ev);

/** The name of a path as stored and printed: "notify", "gtk", "portal", "impl-portal". */
const char *present_alert_path_name(enum present_alert_path path);

/**
 * Copies at most max bytes of s, cut at a UTF-8 character boundary, with
 * invalid sequences replaced by U+FFFD. Sets *cut / *repaired to true when it
 * did so, never back to false, so they add up over an event's fields (either
 * may be NULL). Returns NULL only when out of memory.
 */
char *present_text_clean(const char *s, size_t max, bool *cut, bool *repaired);

#endif
