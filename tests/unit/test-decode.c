#include <dbus/dbus.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

/*
 * Messages are built with libdbus as the clients build them, then decoded.
 * With PRESENT_DECODE_CORPUS=dir, every message decoded here is also written
 * to dir, marshalled: that is how tests/fuzz/corpus/decode/ was made.
 */

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define CALLER ":1.42"
#define SERIAL 7

/* Seeds are named by test and content, so that the same message is written once. */
static void write_seed(DBusMessage *msg)
{
	const char *dir = g_getenv("PRESENT_DECODE_CORPUS");
	char *bytes = NULL;
	int len = 0;
	if (!dir) {
		return;
	}
	g_assert_true(dbus_message_marshal(msg, &bytes, &len));
	/* A fuzzer mutates small inputs best; the huge ones have small twins. */
	if (len <= 64 * 1024) {
		char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA1, (const guchar *)bytes, (gsize)len);
		char *name = g_strdelimit(g_strdup(g_test_get_path() + strlen("/decode/")), "/", '-');
		char *file = g_strdup_printf("%s/%s-%.8s", dir, name, sum);
		g_assert_true(g_file_set_contents(file, bytes, len, NULL));
		g_free(file);
		g_free(name);
		g_free(sum);
	}
	dbus_free(bytes);
}

/* Decodes msg (then unrefs it) into ev, which must then be finished. */
static void decode(DBusMessage *msg, struct present_alert_event *ev)
{
	if (!dbus_message_get_serial(msg)) {
		dbus_message_set_serial(msg, SERIAL);
	}
	if (!dbus_message_get_sender(msg)) {
		g_assert_true(dbus_message_set_sender(msg, CALLER));
	}
	write_seed(msg);
	g_assert_true(present_alert_decode(msg, ev));
	dbus_message_unref(msg);
}

static void assert_none(DBusMessage *msg)
{
	struct present_alert_event ev;
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_NONE);
	/* Nothing is copied for a message that is not about alerts. */
	g_assert_null(ev.caller);
	g_assert_null(ev.destination);
	g_assert_null(ev.summary);
	g_assert_cmpint(ev.urgency, ==, -1);
	present_alert_event_finish(&ev);
}

/* A message being built: top-level arguments, and the a{sv} open in it. */
struct build {
	DBusMessage *msg;
	DBusMessageIter top, dict;
};

static void append(DBusMessageIter *it, int type, const void *value)
{
	g_assert_true(dbus_message_iter_append_basic(it, type, value));
}

static void append_string(DBusMessageIter *it, const char *s)
{
	append(it, DBUS_TYPE_STRING, &s);
}

static void notify_open(struct build *b, const char *app_name, uint32_t replaces_id, const char *icon,
	const char *summary, const char *body, const char *const *actions)
{
	DBusMessageIter array;
	b->msg = dbus_message_new_method_call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "Notify");
	dbus_message_iter_init_append(b->msg, &b->top);
	append_string(&b->top, app_name);
	append(&b->top, DBUS_TYPE_UINT32, &replaces_id);
	append_string(&b->top, icon);
	append_string(&b->top, summary);
	append_string(&b->top, body);
	g_assert_true(dbus_message_iter_open_container(&b->top, DBUS_TYPE_ARRAY, "s", &array));
	for (size_t i = 0; actions && actions[i]; i++) {
		append_string(&array, actions[i]);
	}
	g_assert_true(dbus_message_iter_close_container(&b->top, &array));
	g_assert_true(dbus_message_iter_open_container(&b->top, DBUS_TYPE_ARRAY, "{sv}", &b->dict));
}

static DBusMessage *notify_close(struct build *b)
{
	int32_t timeout = -1;
	g_assert_true(dbus_message_iter_close_container(&b->top, &b->dict));
	append(&b->top, DBUS_TYPE_INT32, &timeout);
	return b->msg;
}

/* gtk (app_id, id, a{sv}), impl-portal (app_id, id, a{sv}), portal (id, a{sv}: app_id NULL). */
static void add_open(struct build *b, const char *name, const char *interface, const char *app_id, const char *id)
{
	b->msg = dbus_message_new_method_call(name, "/x", interface, "AddNotification");
	dbus_message_iter_init_append(b->msg, &b->top);
	if (app_id) {
		append_string(&b->top, app_id);
	}
	append_string(&b->top, id);
	g_assert_true(dbus_message_iter_open_container(&b->top, DBUS_TYPE_ARRAY, "{sv}", &b->dict));
}

static DBusMessage *add_close(struct build *b)
{
	g_assert_true(dbus_message_iter_close_container(&b->top, &b->dict));
	return b->msg;
}

static void entry_open(struct build *b, const char *key, const char *signature, DBusMessageIter *entry,
	DBusMessageIter *variant)
{
	g_assert_true(dbus_message_iter_open_container(&b->dict, DBUS_TYPE_DICT_ENTRY, NULL, entry));
	append_string(entry, key);
	g_assert_true(dbus_message_iter_open_container(entry, DBUS_TYPE_VARIANT, signature, variant));
}

static void entry_close(struct build *b, DBusMessageIter *entry, DBusMessageIter *variant)
{
	g_assert_true(dbus_message_iter_close_container(entry, variant));
	g_assert_true(dbus_message_iter_close_container(&b->dict, entry));
}

/* One hint or dict entry of a basic type. */
static void put(struct build *b, const char *key, int type, const void *value)
{
	char signature[2] = {(char)type, '\0'};
	DBusMessageIter entry, variant;
	entry_open(b, key, signature, &entry, &variant);
	append(&variant, type, value);
	entry_close(b, &entry, &variant);
}

static void put_string(struct build *b, const char *key, const char *value)
{
	put(b, key, DBUS_TYPE_STRING, &value);
}

static void put_strings(struct build *b, const char *key, const char *const *values)
{
	DBusMessageIter entry, variant, array;
	entry_open(b, key, "as", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &array));
	for (size_t i = 0; values[i]; i++) {
		append_string(&array, values[i]);
	}
	g_assert_true(dbus_message_iter_close_container(&variant, &array));
	entry_close(b, &entry, &variant);
}

/* image-data as libnotify sends it: (iiibiiay), width, height, rowstride, alpha, bits, channels, pixels. */
static void put_image(struct build *b, const char *key, size_t size)
{
	DBusMessageIter entry, variant, st, pixels;
	int32_t w = 512, h = (int32_t)(size / 2048), stride = 2048, bits = 8, channels = 4;
	dbus_bool_t alpha = TRUE;
	unsigned char *data = g_malloc(size);
	memset(data, 0xab, size);
	entry_open(b, key, "(iiibiiay)", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_STRUCT, NULL, &st));
	append(&st, DBUS_TYPE_INT32, &w);
	append(&st, DBUS_TYPE_INT32, &h);
	append(&st, DBUS_TYPE_INT32, &stride);
	append(&st, DBUS_TYPE_BOOLEAN, &alpha);
	append(&st, DBUS_TYPE_INT32, &bits);
	append(&st, DBUS_TYPE_INT32, &channels);
	g_assert_true(dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "y", &pixels));
	g_assert_true(dbus_message_iter_append_fixed_array(&pixels, DBUS_TYPE_BYTE, &data, (int)size));
	g_assert_true(dbus_message_iter_close_container(&st, &pixels));
	g_assert_true(dbus_message_iter_close_container(&variant, &st));
	entry_close(b, &entry, &variant);
	g_free(data);
}

/* A serialized GIcon as g_icon_serialize() makes it: (tag, <value>). */
static void put_icon(struct build *b, const char *tag, const char *value_signature, const char *const *names)
{
	DBusMessageIter entry, variant, st, inner, array;
	entry_open(b, "icon", "(sv)", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_STRUCT, NULL, &st));
	append_string(&st, tag);
	g_assert_true(dbus_message_iter_open_container(&st, DBUS_TYPE_VARIANT, value_signature, &inner));
	if (strcmp(value_signature, "as") == 0) {
		g_assert_true(dbus_message_iter_open_container(&inner, DBUS_TYPE_ARRAY, "s", &array));
		for (size_t i = 0; names[i]; i++) {
			append_string(&array, names[i]);
		}
		g_assert_true(dbus_message_iter_close_container(&inner, &array));
	} else if (strcmp(value_signature, "ay") == 0) {
		const unsigned char png[] = {0x89, 'P', 'N', 'G'};
		const unsigned char *p = png;
		g_assert_true(dbus_message_iter_open_container(&inner, DBUS_TYPE_ARRAY, "y", &array));
		g_assert_true(dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &p, sizeof(png)));
		g_assert_true(dbus_message_iter_close_container(&inner, &array));
	} else {
		append_string(&inner, names[0]);
	}
	g_assert_true(dbus_message_iter_close_container(&st, &inner));
	g_assert_true(dbus_message_iter_close_container(&variant, &st));
	entry_close(b, &entry, &variant);
}

/* buttons: aa{sv}, each {label, action[, purpose]}; NULL fields are left out. */
static void put_buttons(struct build *b, const char *const (*buttons)[3], size_t n)
{
	DBusMessageIter entry, variant, array, dict, e, v;
	const char *keys[] = {"label", "action", "purpose"};
	entry_open(b, "buttons", "aa{sv}", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "a{sv}", &array));
	for (size_t i = 0; i < n; i++) {
		g_assert_true(dbus_message_iter_open_container(&array, DBUS_TYPE_ARRAY, "{sv}", &dict));
		for (size_t k = 0; k < 3; k++) {
			if (!buttons[i][k]) {
				continue;
			}
			g_assert_true(dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &e));
			append_string(&e, keys[k]);
			g_assert_true(dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, "s", &v));
			append_string(&v, buttons[i][k]);
			g_assert_true(dbus_message_iter_close_container(&e, &v));
			g_assert_true(dbus_message_iter_close_container(&dict, &e));
		}
		g_assert_true(dbus_message_iter_close_container(&array, &dict));
	}
	g_assert_true(dbus_message_iter_close_container(&variant, &array));
	entry_close(b, &entry, &variant);
}

/* Compares the actions with a NULL-terminated key, label, key, label... list. */
static void assert_actions(const struct present_alert_event *ev, const char *const *expected)
{
	size_t n = 0;
	while (expected[n]) {
		n++;
	}
	g_assert_cmpuint(ev->n_actions * 2, ==, n);
	for (size_t i = 0; i < n; i++) {
		g_assert_cmpstr(ev->actions[i], ==, expected[i]);
	}
}

static void test_thunderbird(void)
{
	struct build b;
	struct present_alert_event ev;
	notify_open(&b, "Thunderbird", 0, "", "work@example.com received 1 new message",
		"Quarterly numbers from Alice Example\nHi, here are", NULL);
	put_string(&b, "desktop-entry", "thunderbird");
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_NOTIFY);
	g_assert_cmpstr(ev.caller, ==, CALLER);
	g_assert_cmpstr(ev.destination, ==, NOTIFY_NAME);
	g_assert_cmpuint(ev.serial, ==, SERIAL);
	g_assert_cmpuint(ev.reply_serial, ==, 0);
	g_assert_cmpstr(ev.app, ==, "thunderbird");
	g_assert_cmpstr(ev.app_name, ==, "Thunderbird");
	g_assert_cmpstr(ev.desktop_entry, ==, "thunderbird");
	g_assert_cmpstr(ev.summary, ==, "work@example.com received 1 new message");
	g_assert_cmpstr(ev.body, ==, "Quarterly numbers from Alice Example\nHi, here are");
	g_assert_null(ev.icon); /* "" is no icon */
	g_assert_null(ev.category);
	g_assert_null(ev.kde_appname);
	g_assert_null(ev.sound_name);
	g_assert_null(ev.notification_id);
	g_assert_cmpuint(ev.replaces_id, ==, 0);
	g_assert_cmpint(ev.urgency, ==, -1);
	g_assert_cmpint(ev.sender_pid, ==, 0);
	g_assert_false(ev.transient || ev.resident || ev.synchronous || ev.inline_reply);
	g_assert_cmpuint(ev.n_actions, ==, 0);
	g_assert_null(ev.actions);
	g_assert_false(ev.cut || ev.repaired);
	present_alert_event_finish(&ev);

	/* A .desktop suffix is not part of the identity; case is kept. */
	notify_open(&b, "Thunderbird", 0, "", "s", "b", NULL);
	put_string(&b, "desktop-entry", "org.mozilla.Thunderbird.desktop");
	decode(notify_close(&b), &ev);
	g_assert_cmpstr(ev.desktop_entry, ==, "org.mozilla.Thunderbird");
	g_assert_cmpstr(ev.app, ==, "org.mozilla.Thunderbird");
	present_alert_event_finish(&ev);

	/* Nothing but the suffix: no identity from it. */
	notify_open(&b, "Thunderbird", 0, "", "s", "b", NULL);
	put_string(&b, "desktop-entry", ".desktop");
	decode(notify_close(&b), &ev);
	g_assert_cmpstr(ev.desktop_entry, ==, "");
	g_assert_cmpstr(ev.app, ==, "Thunderbird");
	present_alert_event_finish(&ev);
}

static void test_evolution(void)
{
	struct build b;
	struct present_alert_event ev;
	const char *actions[] = {"default", "Show in Evolution", NULL};
	notify_open(&b, "evolution-mail-notification", 12, "evolution", "New email in Evolution",
		"You have received 2 new messages.\nFrom: Bob <bob@example.com>\nSubject: Lunch", actions);
	put_string(&b, "desktop-entry", "org.gnome.Evolution");
	put_string(&b, "sound-name", "message-new-email");
	unsigned char urgency = 1;
	put(&b, "urgency", DBUS_TYPE_BYTE, &urgency);
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpstr(ev.app, ==, "org.gnome.Evolution");
	g_assert_cmpstr(ev.app_name, ==, "evolution-mail-notification");
	g_assert_cmpuint(ev.replaces_id, ==, 12);
	g_assert_cmpstr(ev.icon, ==, "evolution");
	g_assert_cmpstr(ev.sound_name, ==, "message-new-email");
	g_assert_cmpstr(ev.body, ==, "You have received 2 new messages.\nFrom: Bob <bob@example.com>\nSubject: Lunch");
	g_assert_cmpint(ev.urgency, ==, 1);
	assert_actions(&ev, actions);
	g_assert_false(ev.inline_reply);
	present_alert_event_finish(&ev);
}

static void test_kmail(void)
{
	struct build b;
	struct present_alert_event ev;
	notify_open(&b, "Neue E-Mail", 0, "kmail", "Neue E-Mail",
		"From: Carol <carol@example.com>\nSubject: Invoice\nIn: INBOX", NULL);
	put_string(&b, "x-kde-appname", "akonadi_newmailnotifier_agent");
	put_string(&b, "x-kde-eventId", "new-email");
	put_string(&b, "x-kde-origin-name", "carol@example.com");
	int32_t urgency = 1;
	put(&b, "urgency", DBUS_TYPE_INT32, &urgency);
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	/* app_name is localized: the identity is the agent's name. */
	g_assert_cmpstr(ev.app, ==, "akonadi_newmailnotifier_agent");
	g_assert_cmpstr(ev.kde_appname, ==, "akonadi_newmailnotifier_agent");
	g_assert_cmpstr(ev.kde_event_id, ==, "new-email");
	g_assert_cmpstr(ev.app_name, ==, "Neue E-Mail");
	g_assert_null(ev.desktop_entry);
	g_assert_cmpint(ev.urgency, ==, 1);
	present_alert_event_finish(&ev);
}

static void test_urgency_types(void)
{
	const struct {
		int type;
		int64_t value;
		int expected;
	} cases[] = {
		{DBUS_TYPE_BYTE, 0, 0},
		{DBUS_TYPE_BYTE, 2, 2},
		{DBUS_TYPE_BYTE, 200, 2},
		{DBUS_TYPE_INT32, 2, 2},
		{DBUS_TYPE_INT32, 5, 2},
		{DBUS_TYPE_INT32, -3, 0},
		{DBUS_TYPE_UINT32, 1, 1},
		{DBUS_TYPE_UINT32, 4000000000, 2},
		{DBUS_TYPE_INT64, 0, 0},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct build b;
		struct present_alert_event ev;
		unsigned char y = (unsigned char)cases[i].value;
		int32_t n = (int32_t)cases[i].value;
		uint32_t u = (uint32_t)cases[i].value;
		int64_t x = cases[i].value;
		const void *value = &x;
		if (cases[i].type == DBUS_TYPE_BYTE) {
			value = &y;
		} else if (cases[i].type == DBUS_TYPE_INT32) {
			value = &n;
		} else if (cases[i].type == DBUS_TYPE_UINT32) {
			value = &u;
		}
		notify_open(&b, "a", 0, "", "s", "b", NULL);
		put(&b, "urgency", cases[i].type, value);
		decode(notify_close(&b), &ev);
		g_assert_cmpint(ev.urgency, ==, cases[i].expected);
		present_alert_event_finish(&ev);
	}
}

static void test_signal_element(void)
{
	struct build b;
	struct present_alert_event ev;
	const char *actions[] = {"default", "", "inline-reply", "Reply", NULL};
	notify_open(&b, "Signal", 0, "/tmp/.org.chromium.Chromium.x/avatar.png", "Dave", "See you at 3?", actions);
	put_string(&b, "desktop-entry", "signal-desktop");
	int64_t pid = 4242;
	put(&b, "sender-pid", DBUS_TYPE_INT64, &pid);
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpstr(ev.app, ==, "signal-desktop");
	g_assert_cmpstr(ev.app_name, ==, "Signal");
	g_assert_cmpstr(ev.icon, ==, "/tmp/.org.chromium.Chromium.x/avatar.png");
	g_assert_cmpstr(ev.summary, ==, "Dave");
	g_assert_cmpint(ev.sender_pid, ==, 4242);
	g_assert_true(ev.inline_reply);
	assert_actions(&ev, actions);
	present_alert_event_finish(&ev);

	notify_open(&b, "Element", 0, "", "Erin (Project room)", "the build is green", NULL);
	put_string(&b, "desktop-entry", "element-desktop");
	uint32_t pid32 = 777;
	put(&b, "sender-pid", DBUS_TYPE_UINT32, &pid32);
	decode(notify_close(&b), &ev);
	g_assert_cmpstr(ev.app, ==, "element-desktop");
	g_assert_cmpstr(ev.summary, ==, "Erin (Project room)");
	g_assert_cmpint(ev.sender_pid, ==, 777);
	g_assert_false(ev.inline_reply);
	present_alert_event_finish(&ev);
}

static void test_flags_and_category(void)
{
	struct build b;
	struct present_alert_event ev;
	dbus_bool_t yes = TRUE, no = FALSE;
	int32_t one = 1;
	notify_open(&b, "gnome-settings-daemon", 0, "audio-volume-high", "Volume", "", NULL);
	put(&b, "transient", DBUS_TYPE_BOOLEAN, &yes);
	put(&b, "resident", DBUS_TYPE_BOOLEAN, &no);
	put_string(&b, "x-canonical-private-synchronous", "volume");
	put_string(&b, "category", "device");
	decode(notify_close(&b), &ev);
	g_assert_true(ev.transient);
	g_assert_false(ev.resident);
	g_assert_true(ev.synchronous);
	g_assert_cmpstr(ev.category, ==, "device");
	g_assert_cmpstr(ev.app, ==, "gnome-settings-daemon");
	present_alert_event_finish(&ev);

	/* notify-send -h int:transient:1; a synchronous hint counts whatever its value. */
	notify_open(&b, "notify-send", 0, "", "s", "b", NULL);
	put(&b, "transient", DBUS_TYPE_INT32, &one);
	put(&b, "resident", DBUS_TYPE_BOOLEAN, &yes);
	put(&b, "x-canonical-private-synchronous", DBUS_TYPE_BOOLEAN, &no);
	decode(notify_close(&b), &ev);
	g_assert_true(ev.transient);
	g_assert_true(ev.resident);
	g_assert_true(ev.synchronous);
	present_alert_event_finish(&ev);
}

static void test_wrong_hint_types(void)
{
	struct build b;
	struct present_alert_event ev;
	int32_t entry = 5;
	double d = 1.5;
	notify_open(&b, "Mailspring", 0, "", "Frank", "Contract", NULL);
	put_string(&b, "urgency", "critical");
	put(&b, "desktop-entry", DBUS_TYPE_INT32, &entry);
	put(&b, "category", DBUS_TYPE_DOUBLE, &d);
	put_string(&b, "sender-pid", "123");
	put_string(&b, "transient", "true");
	dbus_bool_t yes = TRUE;
	put(&b, "x-kde-appname", DBUS_TYPE_BOOLEAN, &yes);
	put_string(&b, "sound-name", "message-new-instant");
	put_string(&b, "x-unknown-hint", "whatever");
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.urgency, ==, -1);
	g_assert_null(ev.desktop_entry);
	g_assert_null(ev.category);
	g_assert_null(ev.kde_appname);
	g_assert_cmpint(ev.sender_pid, ==, 0);
	g_assert_false(ev.transient);
	/* What was well typed is still kept. */
	g_assert_cmpstr(ev.sound_name, ==, "message-new-instant");
	g_assert_cmpstr(ev.app, ==, "Mailspring");
	g_assert_cmpstr(ev.summary, ==, "Frank");
	present_alert_event_finish(&ev);

	/* A repeated key: the last one wins, and nothing leaks; one of the wrong type does not count. */
	notify_open(&b, "a", 0, "", "s", "b", NULL);
	put_string(&b, "category", "email");
	put_string(&b, "category", "email.arrived");
	put_string(&b, "desktop-entry", "org.gnome.Geary");
	put(&b, "desktop-entry", DBUS_TYPE_INT32, &entry);
	decode(notify_close(&b), &ev);
	g_assert_cmpstr(ev.category, ==, "email.arrived");
	g_assert_cmpstr(ev.desktop_entry, ==, "org.gnome.Geary");
	g_assert_cmpstr(ev.app, ==, "org.gnome.Geary");
	present_alert_event_finish(&ev);
}

static void test_image_data(void)
{
	struct build b;
	struct present_alert_event ev;
	notify_open(&b, "Slack", 0, "", "Grace", "hello", NULL);
	put_image(&b, "image-data", 4 << 20);
	put_string(&b, "desktop-entry", "slack");
	put_image(&b, "image_data", 2048);
	put_image(&b, "icon_data", 2048);
	put_string(&b, "image-path", "/usr/share/icons/slack.png");
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpstr(ev.app, ==, "slack");
	g_assert_cmpstr(ev.summary, ==, "Grace");
	g_assert_cmpstr(ev.body, ==, "hello");
	g_assert_null(ev.icon);
	g_assert_false(ev.cut);
	present_alert_event_finish(&ev);
}

static void test_actions(void)
{
	struct build b;
	struct present_alert_event ev;
	const char *odd[] = {"default", "Open", "inline-reply", NULL};
	notify_open(&b, "a", 0, "", "s", "b", odd);
	decode(notify_close(&b), &ev);
	const char *kept[] = {"default", "Open", NULL};
	assert_actions(&ev, kept);
	g_assert_false(ev.inline_reply); /* a key without a label is no action */
	present_alert_event_finish(&ev);

	const char *many[2 * (PRESENT_ALERT_ACTIONS_MAX + 2) + 1] = {0};
	char keys[PRESENT_ALERT_ACTIONS_MAX + 2][8];
	for (size_t i = 0; i < PRESENT_ALERT_ACTIONS_MAX + 2; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		many[2 * i] = keys[i];
		many[2 * i + 1] = "label";
	}
	many[2 * (PRESENT_ALERT_ACTIONS_MAX + 1)] = "inline-reply";
	notify_open(&b, "a", 0, "", "s", "b", many);
	decode(notify_close(&b), &ev);
	g_assert_cmpuint(ev.n_actions, ==, PRESENT_ALERT_ACTIONS_MAX);
	g_assert_cmpstr(ev.actions[2 * PRESENT_ALERT_ACTIONS_MAX - 2], ==, "k15");
	g_assert_cmpstr(ev.actions[2 * PRESENT_ALERT_ACTIONS_MAX - 1], ==, "label");
	g_assert_true(ev.cut);
	/* Seen even past the limit. */
	g_assert_true(ev.inline_reply);
	present_alert_event_finish(&ev);
}

static void test_empty_strings(void)
{
	struct build b;
	struct present_alert_event ev;
	const char *actions[] = {"", "", NULL};
	notify_open(&b, "", 0, "", "", "", actions);
	put_string(&b, "desktop-entry", "");
	put_string(&b, "x-kde-appname", "");
	put_string(&b, "category", "");
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_null(ev.app);
	g_assert_cmpstr(ev.app_name, ==, "");
	g_assert_cmpstr(ev.summary, ==, "");
	g_assert_cmpstr(ev.body, ==, "");
	g_assert_null(ev.icon);
	g_assert_cmpstr(ev.desktop_entry, ==, "");
	g_assert_cmpstr(ev.kde_appname, ==, "");
	g_assert_cmpstr(ev.category, ==, "");
	assert_actions(&ev, actions);
	g_assert_false(ev.cut || ev.repaired);
	present_alert_event_finish(&ev);

	/* No hints at all. */
	notify_open(&b, "notify-send", 0, "", "Hi", "", NULL);
	decode(notify_close(&b), &ev);
	g_assert_cmpstr(ev.app, ==, "notify-send");
	g_assert_cmpint(ev.urgency, ==, -1);
	g_assert_null(ev.desktop_entry);
	present_alert_event_finish(&ev);
}

static void test_long_text(void)
{
	struct build b;
	struct present_alert_event ev;
	GString *summary = g_string_new("a"), *body = g_string_new(NULL), *app = g_string_new(NULL);
	while (summary->len < PRESENT_ALERT_TEXT_MAX + 100) {
		g_string_append(summary, "é");
	}
	while (body->len < PRESENT_ALERT_TEXT_MAX) {
		g_string_append_c(body, 'x');
	}
	while (app->len < PRESENT_ALERT_NAME_MAX + 10) {
		g_string_append(app, "会");
	}
	notify_open(&b, app->str, 0, "", summary->str, body->str, NULL);
	decode(notify_close(&b), &ev);
	/* "a" and 2047 "é" fill 4095 bytes: the next one would split at 4096. */
	g_assert_cmpuint(strlen(ev.summary), ==, PRESENT_ALERT_TEXT_MAX - 1);
	g_assert_cmpint(memcmp(ev.summary, summary->str, PRESENT_ALERT_TEXT_MAX - 1), ==, 0);
	g_assert_true(g_utf8_validate(ev.summary, -1, NULL));
	/* Exactly at the limit is not cut. */
	g_assert_cmpstr(ev.body, ==, body->str);
	/* 85 of the three-byte character fit in 256. */
	g_assert_cmpuint(strlen(ev.app_name), ==, 255);
	g_assert_cmpint(memcmp(ev.app_name, app->str, 255), ==, 0);
	g_assert_true(g_utf8_validate(ev.app_name, -1, NULL));
	g_assert_cmpstr(ev.app, ==, ev.app_name);
	g_assert_true(ev.cut);
	g_assert_false(ev.repaired);
	present_alert_event_finish(&ev);

	/* One byte more than the limit is cut. */
	g_string_append_c(body, 'y');
	notify_open(&b, "a", 0, "", "s", body->str, NULL);
	decode(notify_close(&b), &ev);
	g_assert_cmpuint(strlen(ev.body), ==, PRESENT_ALERT_TEXT_MAX);
	g_assert_null(strchr(ev.body, 'y'));
	g_assert_true(ev.cut);
	present_alert_event_finish(&ev);
	g_string_free(summary, TRUE);
	g_string_free(body, TRUE);
	g_string_free(app, TRUE);
}

static void test_geary_gtk(void)
{
	struct build b;
	struct present_alert_event ev;
	const char *names[] = {"mail-unread-symbolic", "mail-symbolic", "mail-unread", "mail", NULL};
	const char *const buttons[][3] = {{"Delete", "app.delete-message", NULL}, {"Archive", "app.archive", NULL}};
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "org.gnome.Geary", "email-arrived");
	put_string(&b, "title", "Heidi Example");
	put_string(&b, "body", "Re: the offsite");
	put_icon(&b, "themed", "as", names);
	put_string(&b, "priority", "normal");
	put_string(&b, "default-action", "app.show-message");
	put_buttons(&b, buttons, 2);
	decode(add_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_GTK);
	g_assert_cmpstr(ev.caller, ==, CALLER);
	g_assert_cmpstr(ev.destination, ==, "org.gtk.Notifications");
	g_assert_cmpstr(ev.app, ==, "org.gnome.Geary");
	g_assert_null(ev.app_name);
	g_assert_cmpstr(ev.notification_id, ==, "email-arrived");
	g_assert_cmpstr(ev.summary, ==, "Heidi Example");
	g_assert_cmpstr(ev.body, ==, "Re: the offsite");
	g_assert_cmpstr(ev.icon, ==, "mail-unread-symbolic");
	g_assert_cmpint(ev.urgency, ==, 1);
	g_assert_null(ev.category);
	const char *actions[] = {"app.show-message", "", "app.delete-message", "Delete", "app.archive", "Archive", NULL};
	assert_actions(&ev, actions);
	g_assert_false(ev.inline_reply);
	present_alert_event_finish(&ev);

	/* Priorities, a plain string icon, a category, and unknown keys. */
	const struct {
		const char *priority;
		int urgency;
	} priorities[] = {{"low", 0}, {"normal", 1}, {"high", 1}, {"urgent", 2}, {"loud", -1}};
	for (size_t i = 0; i < G_N_ELEMENTS(priorities); i++) {
		add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "org.gnome.Calendar", "ev");
		put_string(&b, "priority", priorities[i].priority);
		put_string(&b, "icon", "x-office-calendar");
		put_string(&b, "category", "reminder");
		put_string(&b, "default-action-target", "ignored");
		decode(add_close(&b), &ev);
		g_assert_cmpint(ev.urgency, ==, priorities[i].urgency);
		g_assert_cmpstr(ev.icon, ==, "x-office-calendar");
		g_assert_cmpstr(ev.category, ==, "reminder");
		g_assert_null(ev.summary);
		g_assert_null(ev.body);
		g_assert_cmpuint(ev.n_actions, ==, 0);
		present_alert_event_finish(&ev);
	}

	/* A file or bytes icon is not a name. */
	const char *file[] = {"file:///tmp/a.png", NULL};
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "org.gnome.Geary", "a");
	put_icon(&b, "file", "s", file);
	decode(add_close(&b), &ev);
	g_assert_null(ev.icon);
	present_alert_event_finish(&ev);
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "org.gnome.Geary", "a");
	put_icon(&b, "bytes", "ay", NULL);
	put_string(&b, "title", "t");
	decode(add_close(&b), &ev);
	g_assert_null(ev.icon);
	g_assert_cmpstr(ev.summary, ==, "t");
	present_alert_event_finish(&ev);

	/* Wrong types in the dict are ignored. */
	int32_t n = 3;
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "org.gnome.Geary", "a");
	put(&b, "title", DBUS_TYPE_INT32, &n);
	put(&b, "icon", DBUS_TYPE_INT32, &n);
	put(&b, "priority", DBUS_TYPE_INT32, &n);
	put_buttons(&b, (const char *const[][3]){{"Open", "app.open", NULL}}, 1);
	put_string(&b, "buttons", "not buttons");
	put_string(&b, "body", "still here");
	decode(add_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_null(ev.summary);
	g_assert_null(ev.icon);
	g_assert_cmpint(ev.urgency, ==, -1);
	assert_actions(&ev, (const char *[]){"app.open", "Open", NULL});
	g_assert_cmpstr(ev.body, ==, "still here");
	present_alert_event_finish(&ev);

	DBusMessage *msg = dbus_message_new_method_call("org.gtk.Notifications", "/org/gtk/Notifications",
		"org.gtk.Notifications", "RemoveNotification");
	const char *app = "org.gnome.Geary", *id = "email-arrived";
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &app, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_WITHDRAW);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_GTK);
	g_assert_cmpstr(ev.app, ==, "org.gnome.Geary");
	g_assert_cmpstr(ev.notification_id, ==, "email-arrived");
	g_assert_cmpstr(ev.caller, ==, CALLER);
	present_alert_event_finish(&ev);
}

static void portal_dict(struct build *b)
{
	const char *names[] = {"im-message-new", NULL};
	const char *const buttons[][3] = {
		{"Reply", "app.reply", "im.reply-with-text"},
		{"Mark as read", "app.mark-read", NULL},
		{"no action", NULL, NULL},
	};
	put_string(b, "title", "Ivan");
	put_string(b, "body", "are you coming?");
	put_icon(b, "themed", "as", names);
	put_string(b, "priority", "high");
	put_string(b, "category", "im.received");
	put_string(b, "default-action", "app.open-chat");
	put_buttons(b, buttons, 3);
}

static void assert_portal_dict(const struct present_alert_event *ev)
{
	const char *actions[] = {"app.open-chat", "", "app.reply", "Reply", "app.mark-read", "Mark as read", NULL};
	g_assert_cmpstr(ev->notification_id, ==, "new-message");
	g_assert_cmpstr(ev->summary, ==, "Ivan");
	g_assert_cmpstr(ev->body, ==, "are you coming?");
	g_assert_cmpstr(ev->icon, ==, "im-message-new");
	g_assert_cmpint(ev->urgency, ==, 1);
	g_assert_cmpstr(ev->category, ==, "im.received");
	g_assert_true(ev->inline_reply);
	assert_actions(ev, actions);
}

static void test_portal(void)
{
	struct build b;
	struct present_alert_event ev;
	add_open(&b, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Notification", NULL, "new-message");
	portal_dict(&b);
	decode(add_close(&b), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_PORTAL);
	g_assert_null(ev.app); /* the caller fills it in */
	g_assert_cmpstr(ev.destination, ==, "org.freedesktop.portal.Desktop");
	assert_portal_dict(&ev);
	present_alert_event_finish(&ev);

	/* Its hop from the portal to the backend names the app. */
	add_open(&b, "org.freedesktop.impl.portal.desktop.gnome", "org.freedesktop.impl.portal.Notification",
		"org.signal.Signal", "new-message");
	portal_dict(&b);
	DBusMessage *msg = add_close(&b);
	dbus_message_set_sender(msg, ":1.9");
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_IMPL_PORTAL);
	g_assert_cmpstr(ev.app, ==, "org.signal.Signal");
	g_assert_cmpstr(ev.caller, ==, ":1.9");
	assert_portal_dict(&ev);
	present_alert_event_finish(&ev);

	/* A host app has an empty app id: no identity. */
	add_open(&b, "org.freedesktop.impl.portal.desktop.gnome", "org.freedesktop.impl.portal.Notification", "", "n");
	decode(add_close(&b), &ev);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_IMPL_PORTAL);
	g_assert_null(ev.app);
	g_assert_cmpstr(ev.notification_id, ==, "n");
	present_alert_event_finish(&ev);

	/* v2: a display hint says it is transient, as the spec's hint does; other hints do not. */
	add_open(&b, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Notification", NULL, "t");
	put_strings(&b, "display-hint", (const char *[]){"tray", "transient", NULL});
	decode(add_close(&b), &ev);
	g_assert_true(ev.transient);
	present_alert_event_finish(&ev);
	add_open(&b, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Notification", NULL, "t");
	put_strings(&b, "display-hint", (const char *[]){"persistent", "show-as-new", NULL});
	decode(add_close(&b), &ev);
	g_assert_false(ev.transient);
	present_alert_event_finish(&ev);

	/* v2: markup-body stands in for a missing body, never over one. */
	add_open(&b, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Notification", NULL, "m");
	put_string(&b, "markup-body", "<b>bold</b> move");
	decode(add_close(&b), &ev);
	g_assert_cmpstr(ev.body, ==, "<b>bold</b> move");
	present_alert_event_finish(&ev);
	add_open(&b, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Notification", NULL, "m");
	put_string(&b, "markup-body", "<b>bold</b>");
	put_string(&b, "body", "plain");
	decode(add_close(&b), &ev);
	g_assert_cmpstr(ev.body, ==, "plain");
	present_alert_event_finish(&ev);

	const char *id = "new-message", *app = "org.signal.Signal";
	msg = dbus_message_new_method_call("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
		"org.freedesktop.portal.Notification", "RemoveNotification");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_WITHDRAW);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_PORTAL);
	g_assert_null(ev.app);
	g_assert_cmpstr(ev.notification_id, ==, "new-message");
	present_alert_event_finish(&ev);

	msg = dbus_message_new_method_call("org.freedesktop.impl.portal.desktop.gnome", "/org/freedesktop/portal/desktop",
		"org.freedesktop.impl.portal.Notification", "RemoveNotification");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &app, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_WITHDRAW);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_IMPL_PORTAL);
	g_assert_cmpstr(ev.app, ==, "org.signal.Signal");
	g_assert_cmpstr(ev.notification_id, ==, "new-message");
	present_alert_event_finish(&ev);
}

/* Shapes no client is known to send, built by hand with entry_open(). */
static void test_odd_shapes(void)
{
	struct build b;
	struct present_alert_event ev;
	DBusMessageIter entry, variant, inner, st, array, dict, e, v;
	int16_t i16 = -4;
	uint16_t u16 = 2;
	uint64_t big = UINT64_MAX, small = 31337;

	/* Integers of every width. */
	notify_open(&b, "a", 0, "", "s", "b", NULL);
	put(&b, "urgency", DBUS_TYPE_INT16, &i16);
	put(&b, "sender-pid", DBUS_TYPE_UINT64, &small);
	put(&b, "transient", DBUS_TYPE_UINT16, &u16);
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.urgency, ==, 0);
	g_assert_cmpint(ev.sender_pid, ==, 31337);
	g_assert_true(ev.transient);
	present_alert_event_finish(&ev);
	notify_open(&b, "a", 0, "", "s", "b", NULL);
	put(&b, "urgency", DBUS_TYPE_UINT16, &u16);
	put(&b, "sender-pid", DBUS_TYPE_UINT64, &big); /* no pid is that large */
	decode(notify_close(&b), &ev);
	g_assert_cmpint(ev.urgency, ==, 2);
	g_assert_cmpint(ev.sender_pid, ==, 0);
	present_alert_event_finish(&ev);

	/* An icon boxed in one variant more, ("themed", <'name'>), an empty list, a tag that is no string. */
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	entry_open(&b, "icon", "v", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_VARIANT, "s", &inner));
	append_string(&inner, "boxed-name");
	g_assert_true(dbus_message_iter_close_container(&variant, &inner));
	entry_close(&b, &entry, &variant);
	decode(add_close(&b), &ev);
	g_assert_cmpstr(ev.icon, ==, "boxed-name");
	present_alert_event_finish(&ev);

	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	put_icon(&b, "themed", "s", (const char *[]){"single-name", NULL});
	decode(add_close(&b), &ev);
	g_assert_cmpstr(ev.icon, ==, "single-name");
	present_alert_event_finish(&ev);

	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	put_icon(&b, "themed", "as", (const char *[]){NULL});
	decode(add_close(&b), &ev);
	g_assert_null(ev.icon);
	present_alert_event_finish(&ev);

	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	entry_open(&b, "icon", "(us)", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_STRUCT, NULL, &st));
	append(&st, DBUS_TYPE_UINT32, &(uint32_t){1});
	append_string(&st, "themed");
	g_assert_true(dbus_message_iter_close_container(&variant, &st));
	entry_close(&b, &entry, &variant);
	decode(add_close(&b), &ev);
	g_assert_null(ev.icon);
	present_alert_event_finish(&ev);

	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	entry_open(&b, "icon", "(ss)", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_STRUCT, NULL, &st));
	append_string(&st, "themed");
	append_string(&st, "not-in-a-variant");
	g_assert_true(dbus_message_iter_close_container(&variant, &st));
	entry_close(&b, &entry, &variant);
	decode(add_close(&b), &ev);
	g_assert_null(ev.icon);
	present_alert_event_finish(&ev);

	/* Buttons: a list of strings is no button; a{uv} entries are skipped; a missing label is "". */
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	entry_open(&b, "buttons", "aas", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "as", &array));
	g_assert_true(dbus_message_iter_open_container(&array, DBUS_TYPE_ARRAY, "s", &inner));
	append_string(&inner, "label");
	g_assert_true(dbus_message_iter_close_container(&array, &inner));
	g_assert_true(dbus_message_iter_close_container(&variant, &array));
	entry_close(&b, &entry, &variant);
	decode(add_close(&b), &ev);
	g_assert_cmpuint(ev.n_actions, ==, 0);
	present_alert_event_finish(&ev);

	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	entry_open(&b, "buttons", "aa{uv}", &entry, &variant);
	g_assert_true(dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "a{uv}", &array));
	g_assert_true(dbus_message_iter_open_container(&array, DBUS_TYPE_ARRAY, "{uv}", &dict));
	g_assert_true(dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &e));
	append(&e, DBUS_TYPE_UINT32, &(uint32_t){7});
	g_assert_true(dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, "s", &v));
	append_string(&v, "app.action");
	g_assert_true(dbus_message_iter_close_container(&e, &v));
	g_assert_true(dbus_message_iter_close_container(&dict, &e));
	g_assert_true(dbus_message_iter_close_container(&array, &dict));
	g_assert_true(dbus_message_iter_close_container(&variant, &array));
	entry_close(&b, &entry, &variant);
	decode(add_close(&b), &ev);
	g_assert_cmpuint(ev.n_actions, ==, 0);
	present_alert_event_finish(&ev);

	const char *const unlabelled[][3] = {{NULL, "app.open", NULL}};
	add_open(&b, "org.gtk.Notifications", "org.gtk.Notifications", "app", "1");
	put_buttons(&b, unlabelled, 1);
	decode(add_close(&b), &ev);
	assert_actions(&ev, (const char *[]){"app.open", "", NULL});
	present_alert_event_finish(&ev);
}

static void test_server_messages(void)
{
	struct present_alert_event ev;
	uint32_t id = 42, reason = 2;
	const char *key = "default";

	DBusMessage *msg = dbus_message_new_method_call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "CloseNotification");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &id, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_WITHDRAW);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_NOTIFY);
	g_assert_cmpuint(ev.server_id, ==, 42);
	g_assert_cmpstr(ev.caller, ==, CALLER);
	present_alert_event_finish(&ev);

	msg = dbus_message_new_signal(NOTIFY_PATH, NOTIFY_NAME, "NotificationClosed");
	dbus_message_set_destination(msg, ":1.42");
	dbus_message_set_sender(msg, ":1.5");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &id, DBUS_TYPE_UINT32, &reason, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_CLOSED);
	g_assert_cmpuint(ev.server_id, ==, 42);
	g_assert_cmpuint(ev.reason, ==, 2);
	g_assert_cmpstr(ev.caller, ==, ":1.5");
	g_assert_cmpstr(ev.destination, ==, ":1.42");
	present_alert_event_finish(&ev);

	msg = dbus_message_new_signal(NOTIFY_PATH, NOTIFY_NAME, "ActionInvoked");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &id, DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ACTION);
	g_assert_cmpuint(ev.server_id, ==, 42);
	g_assert_cmpstr(ev.action_key, ==, "default");
	g_assert_null(ev.destination);
	present_alert_event_finish(&ev);

	/* The reply to a Notify, and a refusal. */
	DBusMessage *call = dbus_message_new_method_call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "Notify");
	dbus_message_set_serial(call, 31);
	dbus_message_set_sender(call, ":1.42");
	msg = dbus_message_new_method_return(call);
	dbus_message_set_sender(msg, ":1.5");
	dbus_message_set_serial(msg, 900);
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &id, DBUS_TYPE_INVALID);
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_REPLY);
	g_assert_cmpuint(ev.server_id, ==, 42);
	g_assert_cmpuint(ev.reply_serial, ==, 31);
	g_assert_cmpuint(ev.serial, ==, 900);
	g_assert_cmpstr(ev.destination, ==, ":1.42");
	g_assert_cmpstr(ev.caller, ==, ":1.5");
	present_alert_event_finish(&ev);

	msg = dbus_message_new_error(call, "org.freedesktop.Notifications.Error.ExcessNotificationGeneration", "slow down");
	decode(msg, &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ERROR);
	g_assert_cmpstr(ev.error_name, ==, "org.freedesktop.Notifications.Error.ExcessNotificationGeneration");
	g_assert_cmpuint(ev.reply_serial, ==, 31);
	g_assert_cmpstr(ev.destination, ==, ":1.42");
	present_alert_event_finish(&ev);

	/* Other replies are not the caller's business. */
	assert_none(dbus_message_new_method_return(call));
	msg = dbus_message_new_method_return(call);
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &id, DBUS_TYPE_UINT32, &id, DBUS_TYPE_INVALID);
	assert_none(msg);
	msg = dbus_message_new_method_return(call);
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID);
	assert_none(msg);
	dbus_message_unref(call);
}

/* A message of type with interface.member and the arguments of signature, built from canned values. */
static DBusMessage *message(int type, const char *interface, const char *member, const char *signature)
{
	DBusMessage *msg = type == DBUS_MESSAGE_TYPE_SIGNAL ? dbus_message_new_signal("/x", interface, member)
							     : dbus_message_new_method_call(":1.1", "/x", interface, member);
	DBusMessageIter it, sub;
	const char *s = "text";
	uint32_t u = 1;
	int32_t i = -1;
	dbus_message_iter_init_append(msg, &it);
	for (const char *c = signature; *c; c++) {
		switch (*c) {
		case 's':
			append(&it, DBUS_TYPE_STRING, &s);
			break;
		case 'u':
			append(&it, DBUS_TYPE_UINT32, &u);
			break;
		case 'i':
			append(&it, DBUS_TYPE_INT32, &i);
			break;
		case 'S': /* as */
			g_assert_true(dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &sub));
			append(&sub, DBUS_TYPE_STRING, &s);
			g_assert_true(dbus_message_iter_close_container(&it, &sub));
			break;
		case 'D': /* a{sv}, empty */
			g_assert_true(dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &sub));
			g_assert_true(dbus_message_iter_close_container(&it, &sub));
			break;
		case 'T': /* a{ss}, empty */
			g_assert_true(dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{ss}", &sub));
			g_assert_true(dbus_message_iter_close_container(&it, &sub));
			break;
		default:
			g_assert_not_reached();
		}
	}
	return msg;
}

static void test_wrong_signatures(void)
{
	const int call = DBUS_MESSAGE_TYPE_METHOD_CALL, signal = DBUS_MESSAGE_TYPE_SIGNAL;
	const char *gtk = "org.gtk.Notifications", *portal = "org.freedesktop.portal.Notification",
		   *impl = "org.freedesktop.impl.portal.Notification";
	const struct {
		int type;
		const char *interface, *member, *signature;
	} cases[] = {
		{call, NOTIFY_NAME, "Notify", "susssSD"}, /* no expire_timeout */
		{call, NOTIFY_NAME, "Notify", "sisssSDi"},
		{call, NOTIFY_NAME, "Notify", "susssSTi"},
		{call, NOTIFY_NAME, "Notify", "susssSDii"},
		{call, NOTIFY_NAME, "Notify", ""},
		{signal, NOTIFY_NAME, "Notify", "susssSDi"},
		{call, NOTIFY_NAME, "CloseNotification", "i"},
		{call, NOTIFY_NAME, "CloseNotification", "s"},
		{call, NOTIFY_NAME, "CloseNotification", ""},
		{call, NOTIFY_NAME, "CloseNotification", "uu"},
		{signal, NOTIFY_NAME, "NotificationClosed", "u"},
		{signal, NOTIFY_NAME, "NotificationClosed", "us"},
		{call, NOTIFY_NAME, "NotificationClosed", "uu"},
		{signal, NOTIFY_NAME, "ActionInvoked", "uu"},
		{signal, NOTIFY_NAME, "ActionInvoked", "u"},
		{signal, NOTIFY_NAME, "ActivationToken", "us"},
		{call, NOTIFY_NAME, "GetCapabilities", ""},
		{call, gtk, "AddNotification", "sD"},
		{call, gtk, "AddNotification", "ssT"},
		{call, gtk, "AddNotification", "ss"},
		{call, gtk, "RemoveNotification", "s"},
		{call, gtk, "RemoveNotification", "su"},
		{signal, gtk, "AddNotification", "ssD"},
		{call, portal, "AddNotification", "ssD"},
		{call, portal, "AddNotification", "s"},
		{call, portal, "RemoveNotification", "ss"},
		{call, portal, "RemoveNotification", "u"},
		{call, impl, "AddNotification", "sD"},
		{call, impl, "RemoveNotification", "s"},
		{call, "org.example.Notifications", "Notify", "susssSDi"},
		{call, "org.freedesktop.DBus.Properties", "Get", "ss"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		assert_none(message(cases[i].type, cases[i].interface, cases[i].member, cases[i].signature));
	}
	/* The right signatures, built the same way, do decode. */
	struct present_alert_event ev;
	decode(message(call, NOTIFY_NAME, "Notify", "susssSDi"), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpstr(ev.destination, ==, ":1.1");
	assert_actions(&ev, (const char *[]){NULL}); /* one key, no label */
	present_alert_event_finish(&ev);
	decode(message(call, portal, "AddNotification", "sD"), &ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_ADD);
	g_assert_cmpint(ev.path, ==, PRESENT_PATH_PORTAL);
	g_assert_cmpint(ev.urgency, ==, -1);
	present_alert_event_finish(&ev);

	/* A method call without an interface is not guessed at. */
	DBusMessage *msg = message(call, NOTIFY_NAME, "CloseNotification", "u");
	dbus_message_set_interface(msg, NULL);
	assert_none(msg);
}

static void assert_same_event(const struct present_alert_event *a, const struct present_alert_event *b)
{
	g_assert_cmpint(a->kind, ==, b->kind);
	g_assert_cmpint(a->path, ==, b->path);
	g_assert_cmpstr(a->caller, ==, b->caller);
	g_assert_cmpstr(a->destination, ==, b->destination);
	g_assert_cmpuint(a->serial, ==, b->serial);
	g_assert_cmpstr(a->app, ==, b->app);
	g_assert_cmpstr(a->app_name, ==, b->app_name);
	g_assert_cmpstr(a->summary, ==, b->summary);
	g_assert_cmpstr(a->body, ==, b->body);
	g_assert_cmpstr(a->icon, ==, b->icon);
	g_assert_cmpstr(a->desktop_entry, ==, b->desktop_entry);
	g_assert_cmpstr(a->sound_name, ==, b->sound_name);
	g_assert_cmpuint(a->replaces_id, ==, b->replaces_id);
	g_assert_cmpint(a->urgency, ==, b->urgency);
	g_assert_cmpint(a->sender_pid, ==, b->sender_pid);
	g_assert_cmpuint(a->n_actions, ==, b->n_actions);
	for (size_t i = 0; i < 2 * a->n_actions; i++) {
		g_assert_cmpstr(a->actions[i], ==, b->actions[i]);
	}
	g_assert_cmpint(a->inline_reply, ==, b->inline_reply);
}

static void test_round_trip(void)
{
	struct build b;
	struct present_alert_event direct, wire;
	const char *actions[] = {"default", "", "inline-reply", "Reply", NULL};
	notify_open(&b, "Signal", 3, "signal", "Judy", "Zoë · 会议 🎉", actions);
	put_string(&b, "desktop-entry", "signal-desktop.desktop");
	put_string(&b, "sound-name", "message-new-instant");
	unsigned char urgency = 2;
	put(&b, "urgency", DBUS_TYPE_BYTE, &urgency);
	int64_t pid = 99;
	put(&b, "sender-pid", DBUS_TYPE_INT64, &pid);
	put_image(&b, "image-data", 4 * 2048);
	DBusMessage *msg = notify_close(&b);
	dbus_message_set_serial(msg, 1234);
	dbus_message_set_sender(msg, ":1.77");

	char *bytes = NULL;
	int len = 0;
	DBusError err = DBUS_ERROR_INIT;
	g_assert_true(dbus_message_marshal(msg, &bytes, &len));
	g_assert_cmpint(dbus_message_demarshal_bytes_needed(bytes, len), ==, len);
	DBusMessage *copy = dbus_message_demarshal(bytes, len, &err);
	g_assert_false(dbus_error_is_set(&err));
	g_assert_nonnull(copy);
	dbus_free(bytes);

	decode(msg, &direct);
	decode(copy, &wire);
	assert_same_event(&direct, &wire);
	g_assert_cmpuint(wire.serial, ==, 1234);
	g_assert_cmpstr(wire.caller, ==, ":1.77");
	g_assert_cmpstr(wire.app, ==, "signal-desktop");
	g_assert_cmpstr(wire.body, ==, "Zoë · 会议 🎉");
	g_assert_cmpint(wire.urgency, ==, 2);
	g_assert_cmpint(wire.sender_pid, ==, 99);
	present_alert_event_finish(&direct);
	present_alert_event_finish(&wire);
}

static void test_clean(void)
{
	const struct {
		const char *in;
		size_t max;
		const char *out;
		bool cut, repaired;
	} cases[] = {
		{"", 0, "", false, false},
		{"", 10, "", false, false},
		{"abc", 3, "abc", false, false},
		{"abc", 2, "ab", true, false},
		{"abc", 0, "", true, false},
		{"é", 1, "", true, false},
		{"aé", 2, "a", true, false},
		{"会", 2, "", true, false},
		{"𝄞x", 4, "𝄞", true, false},
		{"𝄞", 3, "", true, false},
		{"ab\xf0\x9f\x8e\x89", 5, "ab", true, false}, /* a four-byte character one byte too long */
		{"ab\xf0\x9f\x8e\x89", 3, "ab", true, false},
		{"ab\xf0\x9f\x8e\x89", 6, "ab\xf0\x9f\x8e\x89", false, false},
		{"\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf", false, false}, /* U+10FFFF */
		{"\xef\xbf\xbf\xef\xbf\xbe", 6, "\xef\xbf\xbf\xef\xbf\xbe", false, false}, /* noncharacters are valid */
		{"\xc0\x80", 10, "\xef\xbf\xbd\xef\xbf\xbd", false, true}, /* overlong NUL */
		{"\xc1\xbf", 10, "\xef\xbf\xbd\xef\xbf\xbd", false, true},
		{"\xe0\x80\xaf", 10, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false, true}, /* overlong "/" */
		{"\xf0\x8f\xbf\xbf", 20, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false, true},
		{"\xed\xa0\x80", 10, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false, true}, /* a surrogate */
		{"\xed\x9f\xbf", 10, "\xed\x9f\xbf", false, false}, /* U+D7FF, just below */
		{"\xf4\x90\x80\x80", 20, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false, true}, /* U+110000 */
		{"\xf5\x80", 10, "\xef\xbf\xbd\xef\xbf\xbd", false, true},
		{"\xff\xfe", 10, "\xef\xbf\xbd\xef\xbf\xbd", false, true},
		{"\x80", 10, "\xef\xbf\xbd", false, true}, /* a lone continuation byte */
		{"a\xe2\x82", 10, "a\xef\xbf\xbd", false, true}, /* truncated: one U+FFFD for the whole of it */
		{"\xe2\x82" "a", 10, "\xef\xbf\xbd" "a", false, true},
		{"\xf0\x9d\x84" "b", 10, "\xef\xbf\xbd" "b", false, true},
		{"\xc3" "\xc3\xa9", 10, "\xef\xbf\xbd\xc3\xa9", false, true}, /* a lead where a continuation should be */
		{"ab\xff", 4, "ab", true, false}, /* the replacement does not fit: only cut */
		{"ab\xff", 5, "ab\xef\xbf\xbd", false, true},
		{"ab\xff" "c", 5, "ab\xef\xbf\xbd", true, true},
		{"\xff", 0, "", true, false},
		{"\xff\xff\xff", 7, "\xef\xbf\xbd\xef\xbf\xbd", true, true},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		bool cut = false, repaired = false;
		char *out = present_text_clean(cases[i].in, cases[i].max, &cut, &repaired);
		g_test_message("case %zu", i);
		g_assert_cmpstr(out, ==, cases[i].out);
		g_assert_cmpint(cut, ==, cases[i].cut);
		g_assert_cmpint(repaired, ==, cases[i].repaired);
		g_assert_true(g_utf8_validate(out, -1, NULL));
		free(out);
	}

	/* The flags are only ever set, so that a caller can gather them; either may be NULL. */
	bool cut = true, repaired = true;
	char *out = present_text_clean("fine", 10, &cut, &repaired);
	g_assert_cmpstr(out, ==, "fine");
	g_assert_true(cut && repaired);
	free(out);
	out = present_text_clean("\xff long", 3, NULL, NULL);
	g_assert_cmpstr(out, ==, "\xef\xbf\xbd");
	free(out);
}

static void test_path_names(void)
{
	g_assert_cmpstr(present_alert_path_name(PRESENT_PATH_NOTIFY), ==, "notify");
	g_assert_cmpstr(present_alert_path_name(PRESENT_PATH_GTK), ==, "gtk");
	g_assert_cmpstr(present_alert_path_name(PRESENT_PATH_PORTAL), ==, "portal");
	g_assert_cmpstr(present_alert_path_name(PRESENT_PATH_IMPL_PORTAL), ==, "impl-portal");

	/* finish clears, and a cleared event can be finished again. */
	struct present_alert_event ev;
	struct build b;
	notify_open(&b, "a", 0, "i", "s", "b", (const char *[]){"k", "l", NULL});
	decode(notify_close(&b), &ev);
	present_alert_event_finish(&ev);
	g_assert_cmpint(ev.kind, ==, PRESENT_EVENT_NONE);
	g_assert_null(ev.summary);
	g_assert_null(ev.actions);
	g_assert_cmpuint(ev.n_actions, ==, 0);
	present_alert_event_finish(&ev);
}

int main(int argc, char **argv)
{
	/* Any libdbus getter used on the wrong type would warn: make that fatal here. */
	g_setenv("DBUS_FATAL_WARNINGS", "1", TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/decode/notify/thunderbird", test_thunderbird);
	g_test_add_func("/decode/notify/evolution", test_evolution);
	g_test_add_func("/decode/notify/kmail", test_kmail);
	g_test_add_func("/decode/notify/urgency-types", test_urgency_types);
	g_test_add_func("/decode/notify/signal-element", test_signal_element);
	g_test_add_func("/decode/notify/flags-category", test_flags_and_category);
	g_test_add_func("/decode/notify/wrong-hint-types", test_wrong_hint_types);
	g_test_add_func("/decode/notify/image-data", test_image_data);
	g_test_add_func("/decode/notify/actions", test_actions);
	g_test_add_func("/decode/notify/empty-strings", test_empty_strings);
	g_test_add_func("/decode/notify/long-text", test_long_text);
	g_test_add_func("/decode/gtk/geary", test_geary_gtk);
	g_test_add_func("/decode/portal", test_portal);
	g_test_add_func("/decode/odd-shapes", test_odd_shapes);
	g_test_add_func("/decode/server", test_server_messages);
	g_test_add_func("/decode/wrong-signatures", test_wrong_signatures);
	g_test_add_func("/decode/round-trip", test_round_trip);
	g_test_add_func("/decode/text-clean", test_clean);
	g_test_add_func("/decode/path-names", test_path_names);
	return g_test_run();
}
