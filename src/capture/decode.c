/*
 * The monitor's decoder. It runs on every message the monitor sees, at tens of
 * thousands a second, and on whatever any process on the bus chose to send:
 * so it checks a message's type, interface, member and whole signature before
 * reading an argument, checks the type of every variant before reading it
 * (a libdbus getter on the wrong type warns, or aborts under
 * DBUS_FATAL_WARNINGS), and copies only what an alert keeps. No GLib, so that
 * it can be fuzzed on its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "text.h"

#define NOTIFY_INTERFACE "org.freedesktop.Notifications"
#define GTK_INTERFACE "org.gtk.Notifications"
#define PORTAL_INTERFACE "org.freedesktop.portal.Notification"
#define IMPL_PORTAL_INTERFACE "org.freedesktop.impl.portal.Notification"

/* Urgency stays -1 ("not given") unless a message says otherwise. */
static const struct present_alert_event empty_event = {.urgency = -1};

/* present_text_clean on a counted string, which may hold NULs: they are dropped. */
static char *clean(const char *text, size_t len, size_t max, bool *cut, bool *repaired)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t limit = len < max ? len : max, i = 0, n, bad;

	/* Nearly all text is valid and short enough: one scan, one copy. */
	while (i < limit) {
		if (s[i] != 0 && s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] == 0 || (n = present_utf8_char(s + i, len - i, &bad)) == 0 || n > limit - i) {
			break;
		}
		i += n;
	}
	if (i == len) {
		char *copy = malloc(len + 1);
		if (copy) {
			memcpy(copy, text, len);
			copy[len] = '\0';
		}
		return copy;
	}

	/* Each replacement may turn one byte into three, but never beyond max. */
	size_t cap = len <= max / 3 ? 3 * len : max, o = i;
	char *out = malloc(cap + 1);
	if (!out) {
		return NULL;
	}
	memcpy(out, text, i);
	while (i < len) {
		const unsigned char *piece = s + i;
		if (s[i] == 0) {
			if (repaired) {
				*repaired = true;
			}
			i++;
			continue;
		}
		n = present_utf8_char(s + i, len - i, &bad);
		size_t consumed = n;
		if (n == 0) {
			piece = (const unsigned char *)"\xef\xbf\xbd";
			n = 3;
			consumed = bad;
		}
		if (n > max - o) {
			/* What follows is dropped: repaired describes only what is kept. */
			if (cut) {
				*cut = true;
			}
			break;
		}
		if (piece != s + i && repaired) {
			*repaired = true;
		}
		memcpy(out + o, piece, n);
		o += n;
		i += consumed;
	}
	out[o] = '\0';
	return out;
}

/*
 * The length of s, but no more than max + 1: a body can be megabytes, and
 * nothing past max + 1 changes what clean() keeps or whether it says cut
 * (each piece it keeps is at least as long as the bytes it stands for).
 */
static size_t bounded_len(const char *s, size_t max)
{
	return strnlen(s, max < SIZE_MAX ? max + 1 : max);
}

char *present_text_clean(const char *s, size_t max, bool *cut, bool *repaired)
{
	return clean(s, bounded_len(s, max), max, cut, repaired);
}

const char *present_alert_path_name(enum present_alert_path path)
{
	switch (path) {
	case PRESENT_PATH_NOTIFY:
		return "notify";
	case PRESENT_PATH_GTK:
		return "gtk";
	case PRESENT_PATH_PORTAL:
		return "portal";
	case PRESENT_PATH_IMPL_PORTAL:
		return "impl-portal";
	}
	return "unknown";
}

void present_alert_event_finish(struct present_alert_event *ev)
{
	free(ev->caller);
	free(ev->destination);
	free(ev->app);
	free(ev->app_name);
	free(ev->summary);
	free(ev->body);
	free(ev->icon);
	free(ev->category);
	free(ev->desktop_entry);
	free(ev->kde_appname);
	free(ev->kde_event_id);
	free(ev->sound_name);
	free(ev->notification_id);
	for (size_t i = 0; ev->actions && i < 2 * ev->n_actions; i++) {
		free(ev->actions[i]);
	}
	free(ev->actions);
	free(ev->action_key);
	free(ev->error_name);
	*ev = empty_event;
}

/* Copies len bytes of s (NULL stays NULL) into *field; false when out of memory. */
static bool keep_n(struct present_alert_event *ev, char **field, const char *s, size_t len, size_t max)
{
	if (!s) {
		return true;
	}
	*field = clean(s, len, max, &ev->cut, &ev->repaired);
	return *field != NULL;
}

static bool keep(struct present_alert_event *ev, char **field, const char *s, size_t max)
{
	return !s || keep_n(ev, field, s, bounded_len(s, max), max);
}

/* Only for an iterator whose type the signature already fixed. */
static const char *string_arg(DBusMessageIter *it)
{
	const char *s;
	dbus_message_iter_get_basic(it, &s);
	dbus_message_iter_next(it);
	return s;
}

static uint32_t uint32_arg(DBusMessageIter *it)
{
	dbus_uint32_t u;
	dbus_message_iter_get_basic(it, &u);
	dbus_message_iter_next(it);
	return u;
}

/* A variant's string, or NULL when it holds something else. */
static const char *string_value(DBusMessageIter *value)
{
	const char *s = NULL;
	if (dbus_message_iter_get_arg_type(value) == DBUS_TYPE_STRING) {
		dbus_message_iter_get_basic(value, &s);
	}
	return s;
}

/* Notes a string value; one of another type leaves what an earlier entry gave. */
static void note_string(DBusMessageIter *value, const char **out)
{
	const char *s = string_value(value);
	if (s) {
		*out = s;
	}
}

/* Any integer type, as senders disagree on widths (KDE's urgency is an int). */
static bool int_value(DBusMessageIter *value, int64_t *out)
{
	DBusBasicValue v;
	int type = dbus_message_iter_get_arg_type(value);
	switch (type) {
	case DBUS_TYPE_BYTE:
	case DBUS_TYPE_INT16:
	case DBUS_TYPE_UINT16:
	case DBUS_TYPE_INT32:
	case DBUS_TYPE_UINT32:
	case DBUS_TYPE_INT64:
	case DBUS_TYPE_UINT64:
		break;
	default:
		return false;
	}
	dbus_message_iter_get_basic(value, &v);
	switch (type) {
	case DBUS_TYPE_BYTE:
		*out = v.byt;
		return true;
	case DBUS_TYPE_INT16:
		*out = v.i16;
		return true;
	case DBUS_TYPE_UINT16:
		*out = v.u16;
		return true;
	case DBUS_TYPE_INT32:
		*out = v.i32;
		return true;
	case DBUS_TYPE_UINT32:
		*out = v.u32;
		return true;
	case DBUS_TYPE_INT64:
		*out = v.i64;
		return true;
	default:
		if (v.u64 > INT64_MAX) {
			return false;
		}
		*out = (int64_t)v.u64;
		return true;
	}
}

/* notify-send -h int:transient:1 is as common as the spec's boolean. */
static bool flag_value(DBusMessageIter *value, bool *out)
{
	int64_t i;
	if (dbus_message_iter_get_arg_type(value) == DBUS_TYPE_BOOLEAN) {
		dbus_bool_t b;
		dbus_message_iter_get_basic(value, &b);
		*out = b;
		return true;
	}
	if (int_value(value, &i)) {
		*out = i != 0;
		return true;
	}
	return false;
}

static int clamp_urgency(int64_t u)
{
	return u < 0 ? 0 : u > 2 ? 2 : (int)u;
}

/* Walks a{sv}: key is the entry's string key, value the variant's content. */
struct dict_walk {
	DBusMessageIter entries, value;
	const char *key;
};

static void dict_begin(struct dict_walk *w, DBusMessageIter *array)
{
	dbus_message_iter_recurse(array, &w->entries);
}

/* Entries whose key is not a string or value not a variant (only in a
 * variant's own a{?v}) are skipped. */
static bool dict_next(struct dict_walk *w)
{
	while (dbus_message_iter_get_arg_type(&w->entries) == DBUS_TYPE_DICT_ENTRY) {
		DBusMessageIter entry;
		dbus_message_iter_recurse(&w->entries, &entry);
		dbus_message_iter_next(&w->entries);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING) {
			continue;
		}
		dbus_message_iter_get_basic(&entry, &w->key);
		dbus_message_iter_next(&entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_VARIANT) {
			continue;
		}
		dbus_message_iter_recurse(&entry, &w->value);
		return true;
	}
	return false;
}

static bool add_action(struct present_alert_event *ev, const char *key, const char *label)
{
	if (ev->n_actions == PRESENT_ALERT_ACTIONS_MAX) {
		ev->cut = true;
		return true;
	}
	if (!ev->actions) {
		ev->actions = calloc(2 * PRESENT_ALERT_ACTIONS_MAX + 1, sizeof(*ev->actions));
		if (!ev->actions) {
			return false;
		}
	}
	char **pair = ev->actions + 2 * ev->n_actions;
	if (!keep(ev, &pair[0], key, PRESENT_ALERT_NAME_MAX) || !keep(ev, &pair[1], label, PRESENT_ALERT_NAME_MAX)) {
		free(pair[0]);
		pair[0] = NULL;
		return false;
	}
	ev->n_actions++;
	return true;
}

/* The first non-empty of the candidates, copied: all are already clean. */
static bool choose_app(struct present_alert_event *ev, const char *a, const char *b, const char *c)
{
	const char *app = a && *a ? a : b && *b ? b : c && *c ? c : NULL;
	if (!app) {
		return true;
	}
	ev->app = strdup(app);
	return ev->app != NULL;
}

static bool decode_notify(DBusMessageIter *it, struct present_alert_event *ev)
{
	DBusMessageIter array;
	const char *app_name = string_arg(it);
	ev->replaces_id = uint32_arg(it);
	const char *icon = string_arg(it), *summary = string_arg(it), *body = string_arg(it);
	if (!keep(ev, &ev->app_name, app_name, PRESENT_ALERT_NAME_MAX) ||
		!keep(ev, &ev->icon, *icon ? icon : NULL, PRESENT_ALERT_NAME_MAX) ||
		!keep(ev, &ev->summary, summary, PRESENT_ALERT_TEXT_MAX) ||
		!keep(ev, &ev->body, body, PRESENT_ALERT_TEXT_MAX)) {
		return false;
	}

	dbus_message_iter_recurse(it, &array);
	while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING) {
		const char *key = string_arg(&array);
		if (dbus_message_iter_get_arg_type(&array) != DBUS_TYPE_STRING) {
			break; /* a key without a label is no action */
		}
		const char *label = string_arg(&array);
		if (strcmp(key, "inline-reply") == 0) {
			ev->inline_reply = true;
		}
		if (!add_action(ev, key, label)) {
			return false;
		}
	}
	dbus_message_iter_next(it);

	/*
	 * Hints are noted as pointers into the message and copied once at the
	 * end, so a repeated key costs nothing and image-data, which can be tens
	 * of MiB, is stepped over by libdbus without being read.
	 */
	const char *category = NULL, *desktop_entry = NULL, *kde_appname = NULL, *kde_event_id = NULL;
	const char *sound_name = NULL;
	struct dict_walk w;
	int64_t i;
	dict_begin(&w, it);
	while (dict_next(&w)) {
		const char *k = w.key;
		if (strcmp(k, "urgency") == 0) {
			if (int_value(&w.value, &i)) {
				ev->urgency = clamp_urgency(i);
			}
		} else if (strcmp(k, "category") == 0) {
			note_string(&w.value, &category);
		} else if (strcmp(k, "desktop-entry") == 0) {
			note_string(&w.value, &desktop_entry);
		} else if (strcmp(k, "x-kde-appname") == 0) {
			note_string(&w.value, &kde_appname);
		} else if (strcmp(k, "x-kde-eventId") == 0) {
			note_string(&w.value, &kde_event_id);
		} else if (strcmp(k, "sound-name") == 0) {
			note_string(&w.value, &sound_name);
		} else if (strcmp(k, "sender-pid") == 0) {
			if (int_value(&w.value, &i)) {
				ev->sender_pid = i;
			}
		} else if (strcmp(k, "transient") == 0) {
			flag_value(&w.value, &ev->transient);
		} else if (strcmp(k, "resident") == 0) {
			flag_value(&w.value, &ev->resident);
		} else if (strcmp(k, "x-canonical-private-synchronous") == 0) {
			/* Its value is a free-form tag ("volume"): being there is what counts. */
			ev->synchronous = true;
		}
	}

	size_t entry_len = desktop_entry ? strlen(desktop_entry) : 0;
	static const char suffix[] = ".desktop";
	if (entry_len >= sizeof(suffix) - 1 && strcmp(desktop_entry + entry_len - (sizeof(suffix) - 1), suffix) == 0) {
		entry_len -= sizeof(suffix) - 1;
	}
	return keep(ev, &ev->category, category, PRESENT_ALERT_NAME_MAX) &&
		keep_n(ev, &ev->desktop_entry, desktop_entry, entry_len, PRESENT_ALERT_NAME_MAX) &&
		keep(ev, &ev->kde_appname, kde_appname, PRESENT_ALERT_NAME_MAX) &&
		keep(ev, &ev->kde_event_id, kde_event_id, PRESENT_ALERT_NAME_MAX) &&
		keep(ev, &ev->sound_name, sound_name, PRESENT_ALERT_NAME_MAX) &&
		choose_app(ev, ev->desktop_entry, ev->kde_appname, ev->app_name);
}

static bool decode_close_notification(DBusMessageIter *it, struct present_alert_event *ev)
{
	ev->server_id = uint32_arg(it);
	return true;
}

static bool decode_closed(DBusMessageIter *it, struct present_alert_event *ev)
{
	ev->server_id = uint32_arg(it);
	ev->reason = uint32_arg(it);
	return true;
}

static bool decode_action(DBusMessageIter *it, struct present_alert_event *ev)
{
	ev->server_id = uint32_arg(it);
	return keep(ev, &ev->action_key, string_arg(it), PRESENT_ALERT_NAME_MAX);
}

/*
 * A serialized GIcon: ("themed", <as>) from g_icon_serialize, or a bare
 * string (a name, or a path that g_icon_new_for_string would load). Files,
 * bytes and fds are not names, and a variant boxed once more is unwrapped.
 */
static const char *icon_name(DBusMessageIter *value)
{
	DBusMessageIter inner, field, names;
	int type = dbus_message_iter_get_arg_type(value);
	if (type == DBUS_TYPE_VARIANT) {
		dbus_message_iter_recurse(value, &inner);
		value = &inner;
		type = dbus_message_iter_get_arg_type(value);
	}
	if (type == DBUS_TYPE_STRING) {
		return string_value(value);
	}
	if (type != DBUS_TYPE_STRUCT) {
		return NULL;
	}
	dbus_message_iter_recurse(value, &field);
	const char *tag = string_value(&field);
	if (!tag || strcmp(tag, "themed") != 0) {
		return NULL;
	}
	dbus_message_iter_next(&field);
	if (dbus_message_iter_get_arg_type(&field) != DBUS_TYPE_VARIANT) {
		return NULL;
	}
	dbus_message_iter_recurse(&field, &names);
	if (dbus_message_iter_get_arg_type(&names) == DBUS_TYPE_ARRAY &&
		dbus_message_iter_get_element_type(&names) == DBUS_TYPE_STRING) {
		DBusMessageIter first;
		dbus_message_iter_recurse(&names, &first);
		return string_value(&first);
	}
	return string_value(&names);
}

/* GNotification's priorities: "high" is louder than normal but not critical. */
static int priority_urgency(const char *priority)
{
	if (!priority) {
		return -1;
	}
	if (strcmp(priority, "low") == 0) {
		return 0;
	}
	if (strcmp(priority, "normal") == 0 || strcmp(priority, "high") == 0) {
		return 1;
	}
	if (strcmp(priority, "urgent") == 0) {
		return 2;
	}
	return -1;
}

/* buttons: aa{sv} of {label, action, target, purpose (portal v2)}; kept as (action, label). */
static bool decode_buttons(DBusMessageIter *value, struct present_alert_event *ev)
{
	DBusMessageIter buttons;
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY ||
		dbus_message_iter_get_element_type(value) != DBUS_TYPE_ARRAY) {
		return true;
	}
	dbus_message_iter_recurse(value, &buttons);
	for (; dbus_message_iter_get_arg_type(&buttons) == DBUS_TYPE_ARRAY; dbus_message_iter_next(&buttons)) {
		if (dbus_message_iter_get_element_type(&buttons) != DBUS_TYPE_DICT_ENTRY) {
			continue;
		}
		const char *label = NULL, *action = NULL, *purpose = NULL;
		struct dict_walk w;
		dict_begin(&w, &buttons);
		while (dict_next(&w)) {
			if (strcmp(w.key, "label") == 0) {
				note_string(&w.value, &label);
			} else if (strcmp(w.key, "action") == 0) {
				note_string(&w.value, &action);
			} else if (strcmp(w.key, "purpose") == 0) {
				note_string(&w.value, &purpose);
			}
		}
		if (purpose && strcmp(purpose, "im.reply-with-text") == 0) {
			ev->inline_reply = true;
		}
		if (action && !add_action(ev, action, label ? label : "")) {
			return false;
		}
	}
	return true;
}

/* Whether value is an array of strings that holds s. */
static bool has_string(DBusMessageIter *value, const char *s)
{
	DBusMessageIter items;
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY ||
		dbus_message_iter_get_element_type(value) != DBUS_TYPE_STRING)
		return false;
	dbus_message_iter_recurse(value, &items);
	for (; dbus_message_iter_get_arg_type(&items) == DBUS_TYPE_STRING; dbus_message_iter_next(&items)) {
		const char *item;
		dbus_message_iter_get_basic(&items, &item);
		if (strcmp(item, s) == 0)
			return true;
	}
	return false;
}

/* The a{sv} of gtk and of both portal hops; the portal's keys are a superset. */
static bool decode_notification(DBusMessageIter *it, struct present_alert_event *ev)
{
	const char *title = NULL, *body = NULL, *markup_body = NULL, *icon = NULL, *priority = NULL;
	const char *category = NULL, *default_action = NULL;
	DBusMessageIter buttons;
	bool have_buttons = false;
	struct dict_walk w;
	dict_begin(&w, it);
	while (dict_next(&w)) {
		const char *k = w.key;
		if (strcmp(k, "title") == 0) {
			note_string(&w.value, &title);
		} else if (strcmp(k, "body") == 0) {
			note_string(&w.value, &body);
		} else if (strcmp(k, "markup-body") == 0) {
			note_string(&w.value, &markup_body);
		} else if (strcmp(k, "icon") == 0) {
			const char *name = icon_name(&w.value);
			if (name) {
				icon = name;
			}
		} else if (strcmp(k, "priority") == 0) {
			note_string(&w.value, &priority);
		} else if (strcmp(k, "category") == 0) {
			note_string(&w.value, &category);
		} else if (strcmp(k, "default-action") == 0) {
			note_string(&w.value, &default_action);
		} else if (strcmp(k, "buttons") == 0 && dbus_message_iter_get_arg_type(&w.value) == DBUS_TYPE_ARRAY) {
			buttons = w.value;
			have_buttons = true;
		} else if (strcmp(k, "display-hint") == 0) {
			/* Portal v2: the app says it is gone once seen, as the spec's "transient" hint does. */
			ev->transient = ev->transient || has_string(&w.value, "transient");
		}
	}
	ev->urgency = priority_urgency(priority);
	/* The click action comes first, with no label, as it has no button. */
	return keep(ev, &ev->summary, title, PRESENT_ALERT_TEXT_MAX) &&
		keep(ev, &ev->body, body ? body : markup_body, PRESENT_ALERT_TEXT_MAX) &&
		keep(ev, &ev->icon, icon && *icon ? icon : NULL, PRESENT_ALERT_NAME_MAX) &&
		keep(ev, &ev->category, category, PRESENT_ALERT_NAME_MAX) &&
		(!default_action || add_action(ev, default_action, "")) &&
		(!have_buttons || decode_buttons(&buttons, ev));
}

/* An empty app id (a host app, for the portal) names no app: the caller fills it. */
static bool app_id_arg(DBusMessageIter *it, struct present_alert_event *ev)
{
	const char *app_id = string_arg(it);
	return !*app_id || keep(ev, &ev->app, app_id, PRESENT_ALERT_NAME_MAX);
}

/* gtk and impl-portal: (app_id, id, a{sv}) and (app_id, id). */
static bool decode_app_add(DBusMessageIter *it, struct present_alert_event *ev)
{
	return app_id_arg(it, ev) && keep(ev, &ev->notification_id, string_arg(it), PRESENT_ALERT_NAME_MAX) &&
		decode_notification(it, ev);
}

static bool decode_app_remove(DBusMessageIter *it, struct present_alert_event *ev)
{
	return app_id_arg(it, ev) && keep(ev, &ev->notification_id, string_arg(it), PRESENT_ALERT_NAME_MAX);
}

/* portal: (id, a{sv}) and (id); the bus knows the app, the message does not. */
static bool decode_portal_add(DBusMessageIter *it, struct present_alert_event *ev)
{
	return keep(ev, &ev->notification_id, string_arg(it), PRESENT_ALERT_NAME_MAX) && decode_notification(it, ev);
}

static bool decode_portal_remove(DBusMessageIter *it, struct present_alert_event *ev)
{
	return keep(ev, &ev->notification_id, string_arg(it), PRESENT_ALERT_NAME_MAX);
}

static const struct route {
	int type;
	const char *interface, *member, *signature;
	enum present_event_kind kind;
	enum present_alert_path path;
	bool (*decode)(DBusMessageIter *it, struct present_alert_event *ev);
} routes[] = {
	{DBUS_MESSAGE_TYPE_METHOD_CALL, NOTIFY_INTERFACE, "Notify", "susssasa{sv}i", PRESENT_EVENT_ADD,
		PRESENT_PATH_NOTIFY, decode_notify},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, NOTIFY_INTERFACE, "CloseNotification", "u", PRESENT_EVENT_WITHDRAW,
		PRESENT_PATH_NOTIFY, decode_close_notification},
	{DBUS_MESSAGE_TYPE_SIGNAL, NOTIFY_INTERFACE, "NotificationClosed", "uu", PRESENT_EVENT_CLOSED,
		PRESENT_PATH_NOTIFY, decode_closed},
	{DBUS_MESSAGE_TYPE_SIGNAL, NOTIFY_INTERFACE, "ActionInvoked", "us", PRESENT_EVENT_ACTION,
		PRESENT_PATH_NOTIFY, decode_action},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, GTK_INTERFACE, "AddNotification", "ssa{sv}", PRESENT_EVENT_ADD,
		PRESENT_PATH_GTK, decode_app_add},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, GTK_INTERFACE, "RemoveNotification", "ss", PRESENT_EVENT_WITHDRAW,
		PRESENT_PATH_GTK, decode_app_remove},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, PORTAL_INTERFACE, "AddNotification", "sa{sv}", PRESENT_EVENT_ADD,
		PRESENT_PATH_PORTAL, decode_portal_add},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, PORTAL_INTERFACE, "RemoveNotification", "s", PRESENT_EVENT_WITHDRAW,
		PRESENT_PATH_PORTAL, decode_portal_remove},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, IMPL_PORTAL_INTERFACE, "AddNotification", "ssa{sv}", PRESENT_EVENT_ADD,
		PRESENT_PATH_IMPL_PORTAL, decode_app_add},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, IMPL_PORTAL_INTERFACE, "RemoveNotification", "ss", PRESENT_EVENT_WITHDRAW,
		PRESENT_PATH_IMPL_PORTAL, decode_app_remove},
};

static const struct route *find_route(DBusMessage *msg, int type)
{
	const char *interface = dbus_message_get_interface(msg), *member = dbus_message_get_member(msg);
	if (!interface || !member) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		if (r->type == type && strcmp(r->member, member) == 0 && strcmp(r->interface, interface) == 0) {
			return strcmp(r->signature, dbus_message_get_signature(msg)) == 0 ? r : NULL;
		}
	}
	return NULL;
}

static bool decode_routed(DBusMessage *msg, int type, struct present_alert_event *ev)
{
	const struct route *r = find_route(msg, type);
	DBusMessageIter it;
	if (!r) {
		return true;
	}
	ev->kind = r->kind;
	ev->path = r->path;
	dbus_message_iter_init(msg, &it);
	return r->decode(&it, ev);
}

bool present_alert_decode(DBusMessage *msg, struct present_alert_event *ev)
{
	DBusMessageIter it;
	bool ok = true;
	int type = dbus_message_get_type(msg);
	*ev = empty_event;
	switch (type) {
	case DBUS_MESSAGE_TYPE_METHOD_CALL:
	case DBUS_MESSAGE_TYPE_SIGNAL:
		ok = decode_routed(msg, type, ev);
		break;
	case DBUS_MESSAGE_TYPE_METHOD_RETURN:
		/* Only the caller knows whether this answers a Notify: it correlates. */
		if (strcmp(dbus_message_get_signature(msg), "u") == 0) {
			ev->kind = PRESENT_EVENT_REPLY;
			dbus_message_iter_init(msg, &it);
			ev->server_id = uint32_arg(&it);
		}
		break;
	case DBUS_MESSAGE_TYPE_ERROR:
		ev->kind = PRESENT_EVENT_ERROR;
		ok = keep(ev, &ev->error_name, dbus_message_get_error_name(msg), PRESENT_ALERT_NAME_MAX);
		break;
	default:
		break;
	}
	if (ok && ev->kind != PRESENT_EVENT_NONE) {
		ev->serial = dbus_message_get_serial(msg);
		ev->reply_serial = dbus_message_get_reply_serial(msg);
		ev->no_reply = dbus_message_get_no_reply(msg);
		ok = keep(ev, &ev->caller, dbus_message_get_sender(msg), PRESENT_ALERT_NAME_MAX) &&
			keep(ev, &ev->destination, dbus_message_get_destination(msg), PRESENT_ALERT_NAME_MAX);
	}
	if (!ok) {
		present_alert_event_finish(ev);
	}
	return ok;
}
