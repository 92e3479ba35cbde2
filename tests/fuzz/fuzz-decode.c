/*
 * libFuzzer target for the monitor's decoder. Each input is used three ways:
 * as a marshalled D-Bus message, as the monitor receives it from the bus; as
 * the recipe for a message built with libdbus (libdbus is not instrumented,
 * so byte mutations rarely get past its validation: the recipe reaches the
 * decoder's type checks with every input); and as text for
 * present_text_clean. Each result is checked against what alert.h promises,
 * not only for crashes.
 */
#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "oracle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz-decode: %s: \"%s\"\n", what, text ? text : "(null)");
	abort();
}


static void check_text(const char *what, const char *s, size_t max)
{
	if (s && (strlen(s) > max || !valid_utf8((const unsigned char *)s))) {
		fail(what, s);
	}
}

static void check_event(const struct present_alert_event *ev)
{
	const size_t name = PRESENT_ALERT_NAME_MAX, text = PRESENT_ALERT_TEXT_MAX;
	check_text("caller", ev->caller, name);
	check_text("destination", ev->destination, name);
	check_text("app", ev->app, name);
	check_text("app_name", ev->app_name, name);
	check_text("summary", ev->summary, text);
	check_text("body", ev->body, text);
	check_text("icon", ev->icon, name);
	check_text("category", ev->category, name);
	check_text("desktop_entry", ev->desktop_entry, name);
	check_text("kde_appname", ev->kde_appname, name);
	check_text("kde_event_id", ev->kde_event_id, name);
	check_text("sound_name", ev->sound_name, name);
	check_text("notification_id", ev->notification_id, name);
	check_text("action_key", ev->action_key, name);
	check_text("error_name", ev->error_name, name);
	if (ev->n_actions > PRESENT_ALERT_ACTIONS_MAX || (ev->n_actions && !ev->actions)) {
		fail("n_actions", NULL);
	}
	for (size_t i = 0; i < 2 * ev->n_actions; i++) {
		if (!ev->actions[i]) {
			fail("an action is NULL", NULL);
		}
		check_text("action", ev->actions[i], name);
	}
	if (ev->urgency < -1 || ev->urgency > 2) {
		fail("urgency", NULL);
	}
	if (ev->kind == PRESENT_EVENT_NONE && (ev->caller || ev->summary || ev->actions)) {
		fail("NONE with content", ev->caller);
	}
	if (ev->kind == PRESENT_EVENT_ADD && ev->path == PRESENT_PATH_NOTIFY && (!ev->summary || !ev->body)) {
		fail("Notify without summary or body", NULL);
	}
}

/* The first byte is the limit; the rest, up to a NUL, the text. */
static void fuzz_clean(const uint8_t *data, size_t size)
{
	if (size == 0) {
		return;
	}
	size_t max = data[0];
	char *in = malloc(size);
	if (!in) {
		return;
	}
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	bool cut = false, repaired = false;
	char *out = present_text_clean(in, max, &cut, &repaired);
	if (!out) {
		abort();
	}
	size_t in_len = strlen(in), out_len = strlen(out);
	check_text("clean", out, max);
	if (!cut && !repaired && strcmp(in, out) != 0) {
		fail("changed without saying so", out);
	}
	if (!repaired && memcmp(in, out, out_len) != 0) {
		fail("not a prefix though nothing was repaired", out);
	}
	if (valid_utf8((const unsigned char *)in) && (repaired || (cut != (in_len > max)))) {
		fail("valid text misjudged", out);
	}
	/* Cleaning what is clean changes nothing. */
	bool cut2 = false, repaired2 = false;
	char *again = present_text_clean(out, max, &cut2, &repaired2);
	if (!again || strcmp(again, out) != 0 || cut2 || repaired2) {
		fail("not idempotent", out);
	}
	free(again);
	free(out);
	free(in);
}

/* The recipe: bytes read one at a time, then zeros. */
struct recipe {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct recipe *r)
{
	if (!r->n) {
		return 0;
	}
	r->n--;
	return *r->p++;
}

/* What the decoder compares strings with, and text that tests the cleaner. */
static const char *const tokens[] = {
	"urgency", "category", "desktop-entry", "x-kde-appname", "x-kde-eventId", "sound-name", "sender-pid",
	"transient", "resident", "x-canonical-private-synchronous", "image-data", "image_data", "inline-reply",
	"title", "body", "markup-body", "icon", "priority", "default-action", "buttons", "label", "action",
	"display-hint",
	"purpose", "themed", "file", "bytes", "low", "normal", "high", "urgent", "im.reply-with-text",
	"thunderbird.desktop", ".desktop", "", "Zoë · 会议 🎉", "\xef\xbf\xbd",
};

static void append_string(struct recipe *r, DBusMessageIter *it, int type)
{
	char buf[64];
	const char *s = buf;
	uint8_t b = next(r);
	if (type == DBUS_TYPE_OBJECT_PATH) {
		s = b & 1 ? "/" : "/org/freedesktop/Notifications";
	} else if (type == DBUS_TYPE_SIGNATURE) {
		s = b & 1 ? "" : "a{sv}";
	} else if (b < 0xc0) {
		s = tokens[b % (sizeof(tokens) / sizeof(tokens[0]))];
	} else {
		/* Printable ASCII only, as libdbus refuses invalid UTF-8 (fatally here). */
		size_t len = b - 0xc0;
		for (size_t i = 0; i < len; i++) {
			buf[i] = (char)(0x20 + next(r) % 0x5f);
		}
		buf[len] = '\0';
	}
	dbus_message_iter_append_basic(it, type, &s);
}

/* Writes one random complete type at *sig (room for end - *sig bytes). */
static void random_type(struct recipe *r, char **sig, const char *end, int depth)
{
	static const char basic[] = "sybnqiuxtdog";
	uint8_t b = next(r);
	if (depth <= 0 || end - *sig < 16 || b % 16 < 12) {
		*(*sig)++ = basic[b % 12];
		return;
	}
	switch (b % 16) {
	case 12:
		*(*sig)++ = 'a';
		random_type(r, sig, end, depth - 1);
		return;
	case 13:
		*(*sig)++ = 'a';
		*(*sig)++ = '{';
		*(*sig)++ = next(r) & 1 ? 's' : 'u';
		random_type(r, sig, end, depth - 1);
		*(*sig)++ = '}';
		return;
	case 14:
		*(*sig)++ = '(';
		for (int i = 0, n = 1 + next(r) % 3; i < n && end - *sig > 2; i++) {
			random_type(r, sig, end, depth - 1);
		}
		*(*sig)++ = ')';
		return;
	default:
		*(*sig)++ = 'v';
		return;
	}
}

/* Past the complete type at sig (a dict entry counts as one). */
static const char *skip_type(const char *sig)
{
	switch (*sig) {
	case 'a':
		return skip_type(sig + 1);
	case '(':
	case '{':
		sig++;
		while (*sig != ')' && *sig != '}') {
			sig = skip_type(sig);
		}
		return sig + 1;
	default:
		return sig + 1;
	}
}

/* Appends a value of the complete type at *sig, and moves past it. */
static void append_value(struct recipe *r, DBusMessageIter *it, const char **sig, int depth)
{
	DBusMessageIter sub;
	DBusBasicValue v = {0};
	char type = *(*sig)++;
	switch (type) {
	case 's':
	case 'o':
	case 'g':
		append_string(r, it, type);
		return;
	case 'b':
		v.bool_val = next(r) & 1;
		dbus_message_iter_append_basic(it, type, &v);
		return;
	case 'y':
	case 'n':
	case 'q':
	case 'i':
	case 'u':
	case 'x':
	case 't':
	case 'd':
		for (size_t i = 0; i < sizeof(v.bytes); i++) {
			v.bytes[i] = next(r);
		}
		dbus_message_iter_append_basic(it, type, &v);
		return;
	case 'v': {
		char content[256], *end = content;
		random_type(r, &end, content + sizeof(content) - 1, depth);
		*end = '\0';
		const char *c = content;
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, content, &sub);
		append_value(r, &sub, &c, depth - 1);
		dbus_message_iter_close_container(it, &sub);
		return;
	}
	case '(':
		dbus_message_iter_open_container(it, DBUS_TYPE_STRUCT, NULL, &sub);
		while (**sig != ')') {
			append_value(r, &sub, sig, depth);
		}
		(*sig)++;
		dbus_message_iter_close_container(it, &sub);
		return;
	case 'a': {
		const char *element = *sig, *after = skip_type(element);
		char element_sig[256];
		memcpy(element_sig, element, (size_t)(after - element));
		element_sig[after - element] = '\0';
		dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, element_sig, &sub);
		for (int i = 0, n = next(r) % 4; i < n; i++) {
			const char *e = element;
			if (*e == '{') {
				DBusMessageIter entry;
				e++;
				dbus_message_iter_open_container(&sub, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
				append_value(r, &entry, &e, depth);
				append_value(r, &entry, &e, depth);
				dbus_message_iter_close_container(&sub, &entry);
			} else {
				append_value(r, &sub, &e, depth);
			}
		}
		dbus_message_iter_close_container(it, &sub);
		*sig = after;
		return;
	}
	default:
		abort();
	}
}

/* The decoder's routes, and ones next to them. */
static const struct {
	int type;
	const char *interface, *member, *signature;
} routes[] = {
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.Notifications", "Notify", "susssasa{sv}i"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.Notifications", "CloseNotification", "u"},
	{DBUS_MESSAGE_TYPE_SIGNAL, "org.freedesktop.Notifications", "NotificationClosed", "uu"},
	{DBUS_MESSAGE_TYPE_SIGNAL, "org.freedesktop.Notifications", "ActionInvoked", "us"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.gtk.Notifications", "AddNotification", "ssa{sv}"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.gtk.Notifications", "RemoveNotification", "ss"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.portal.Notification", "AddNotification", "sa{sv}"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.portal.Notification", "RemoveNotification", "s"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.impl.portal.Notification", "AddNotification", "ssa{sv}"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.freedesktop.impl.portal.Notification", "RemoveNotification", "ss"},
	{DBUS_MESSAGE_TYPE_SIGNAL, "org.freedesktop.Notifications", "Notify", "susssasa{sv}i"},
	{DBUS_MESSAGE_TYPE_METHOD_CALL, "org.example.Other", "Notify", "susssasa{sv}i"},
	{DBUS_MESSAGE_TYPE_METHOD_RETURN, NULL, NULL, "u"},
	{DBUS_MESSAGE_TYPE_ERROR, NULL, NULL, "s"},
};

/* A message built as the recipe says: a route, then its own arguments or random ones. */
static DBusMessage *build(struct recipe *r)
{
	uint8_t b = next(r);
	size_t k = b % (sizeof(routes) / sizeof(routes[0]));
	DBusMessage *msg;
	DBusMessageIter it;
	char sig[256];
	if (routes[k].type == DBUS_MESSAGE_TYPE_SIGNAL) {
		msg = dbus_message_new_signal("/x", routes[k].interface, routes[k].member);
	} else if (routes[k].type == DBUS_MESSAGE_TYPE_METHOD_CALL) {
		msg = dbus_message_new_method_call("org.freedesktop.Notifications", "/x", routes[k].interface,
			routes[k].member);
	} else {
		msg = dbus_message_new(routes[k].type);
		if (msg) {
			dbus_message_set_reply_serial(msg, 1u + next(r));
			dbus_message_set_destination(msg, ":1.42");
			if (routes[k].type == DBUS_MESSAGE_TYPE_ERROR) {
				dbus_message_set_error_name(msg, "org.freedesktop.DBus.Error.Failed");
			}
		}
	}
	if (!msg) {
		return NULL;
	}
	dbus_message_set_serial(msg, 1u + next(r));
	if (b & 0x80) {
		dbus_message_set_sender(msg, ":1.7");
	}
	if (next(r) & 1) {
		snprintf(sig, sizeof(sig), "%s", routes[k].signature);
	} else {
		char *end = sig;
		for (int i = 0, n = next(r) % 5; i < n; i++) {
			random_type(r, &end, sig + sizeof(sig) - 1, 2);
		}
		*end = '\0';
	}
	dbus_message_iter_init_append(msg, &it);
	for (const char *c = sig; *c;) {
		append_value(r, &it, &c, 3);
	}
	return msg;
}

/*
 * decode.c is built for this target with malloc, calloc and strdup renamed to
 * these (tests/fuzz/meson.build), so that a run can make the nth allocation
 * fail and check that the decoder then returns false, leaves the event empty
 * and leaks nothing (LeakSanitizer).
 */
void *present_fuzz_malloc(size_t n);
void *present_fuzz_calloc(size_t n, size_t size);
char *present_fuzz_strdup(const char *s);

static long allocations, fail_at = -1;

static bool allocation_fails(void)
{
	return allocations++ == fail_at;
}

void *present_fuzz_malloc(size_t n)
{
	return allocation_fails() ? NULL : malloc(n);
}

void *present_fuzz_calloc(size_t n, size_t size)
{
	return allocation_fails() ? NULL : calloc(n, size);
}

char *present_fuzz_strdup(const char *s)
{
	return allocation_fails() ? NULL : strdup(s);
}

static void check_cleared(const struct present_alert_event *ev)
{
	if (ev->kind != PRESENT_EVENT_NONE || ev->caller || ev->destination || ev->app || ev->app_name ||
		ev->summary || ev->body || ev->icon || ev->category || ev->desktop_entry || ev->kde_appname ||
		ev->kde_event_id || ev->sound_name || ev->notification_id || ev->actions || ev->n_actions ||
		ev->action_key || ev->error_name) {
		fail("not cleared after running out of memory", NULL);
	}
}

static void decode_and_check(DBusMessage *msg, bool out_of_memory)
{
	struct present_alert_event ev;
	allocations = 0;
	fail_at = -1;
	if (!present_alert_decode(msg, &ev)) {
		fail("out of memory with memory to spare", NULL);
	}
	check_event(&ev);
	present_alert_event_finish(&ev);
	check_cleared(&ev);
	for (long n = allocations, i = 0; out_of_memory && i < n; i++) {
		allocations = 0;
		fail_at = i;
		if (present_alert_decode(msg, &ev)) {
			fail("an allocation failed unnoticed", NULL);
		}
		check_cleared(&ev);
		present_alert_event_finish(&ev);
	}
	fail_at = -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* A libdbus getter used on the wrong type must crash the run, not warn. */
	setenv("DBUS_FATAL_WARNINGS", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DBusError err = DBUS_ERROR_INIT;
	if (size < (1u << 28)) {
		DBusMessage *msg = dbus_message_demarshal((const char *)data, (int)size, &err);
		if (msg) {
			decode_and_check(msg, false);
			dbus_message_unref(msg);
		} else {
			dbus_error_free(&err);
		}
	}
	struct recipe r = {data, size};
	DBusMessage *built = build(&r);
	if (built) {
		decode_and_check(built, true);
		dbus_message_unref(built);
	}
	fuzz_clean(data, size);
	return 0;
}
