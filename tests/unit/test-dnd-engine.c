/*
 * The do-not-disturb engine (src/dnd/dnd.c) against a backend of the test's
 * own, in place of the registry: what it does when memory runs out while a
 * switch is turned on. No bus: the calls the engine makes itself are
 * answered here.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "config.h"
#include "dnd.h"
#include "store.h"

/* strdup() of this text fails, as it would with no memory left. */
static const char *fail_strdup;

char *strdup(const char *s)
{
	if (fail_strdup && strcmp(s, fail_strdup) == 0)
		return NULL;
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	return copy ? memcpy(copy, s, n) : NULL;
}

/* The backend's switches: the server-wide one and one mail app's mute. */
static struct fake {
	bool wide, mail;
	bool read_saves_nothing; /* its copy of what to put back failed */
	const char *refuse_off; /* off() of this app ("" for the server-wide switch) fails */
	int offs;
	int undecided; /* the probe cannot tell this many more times (a server still starting) */
	int probes;
	int unregistered; /* on() answers as a server whose object is not registered, this many more times */
	int late_answers; /* on() acts but answers too late for its caller, this many more times */
	int unread; /* read() fails, this many more times */
} fake;

static bool *switch_of(const char *app)
{
	return app ? &fake.mail : &fake.wide;
}

static int fake_probe(const struct present_dnd_ctx *ctx)
{
	fake.probes++;
	return fake.undecided-- > 0 ? -EAGAIN : 1;
}

static int fake_read(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	*ret_on = *switch_of(app);
	if (ret_saved)
		*ret_saved = fake.read_saves_nothing ? NULL : strdup(*ret_on ? "true" : "false");
	return 0;
}

static int fake_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	if (fake.unregistered-- > 0) {
		*ret_error = strdup("Fake: no such object yet");
		return -EOPNOTSUPP;
	}
	*switch_of(app) = true;
	if (fake.late_answers-- > 0) {
		*ret_error = strdup("Fake: no reply in time");
		return -ETIMEDOUT;
	}
	return 0;
}

static int fake_off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	g_assert_nonnull(saved);
	if (fake.refuse_off && strcmp(fake.refuse_off, app ? app : "") == 0) {
		*ret_error = strdup("Fake: refused by the test");
		return -EIO;
	}
	*switch_of(app) = strcmp(saved, "true") == 0;
	fake.offs++;
	return 0;
}

static bool fake_can_mute(const struct present_dnd_ctx *ctx, const char *app, char **ret_title)
{
	*ret_title = strdup("Mail");
	return true;
}

static const struct present_dnd_backend fake_backend = {
	.id = "fake",
	.title = "Fake",
	.probe = fake_probe,
	.read = fake_read,
	.on = fake_on,
	.off = fake_off,
	.can_mute = fake_can_mute,
};

/* A hold, as Plasma's: its handle from on(), ended by off(), dropped by the server with our connection. */
static int hold_read(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	if (fake.unread-- > 0) {
		*ret_error = strdup("Fake: no reply in time");
		return -ETIMEDOUT;
	}
	*ret_on = fake.wide;
	return 0;
}

static int hold_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	fake.wide = true;
	*ret_saved = strdup("1");
	return 0;
}

static const struct present_dnd_backend fake_hold = {
	.id = "fakehold",
	.title = "Fake hold",
	.held = true,
	.released_on_disconnect = true,
	.probe = fake_probe,
	.read = hold_read,
	.on = hold_on,
	.off = fake_off,
};

const struct present_dnd_backend *const present_dnd_backends[] = {&fake_backend, &fake_hold, NULL};

bool present_bus_has_owner(DBusConnection *bus, const char *name)
{
	return strcmp(name, PRESENT_NOTIFICATIONS_NAME) == 0;
}

int present_bus_call(DBusConnection *bus, const char *dest, const char *path, const char *iface,
	const char *method, DBusMessage **ret_reply, char **ret_error, int first_type, ...)
{
	g_assert_cmpstr(method, ==, "GetServerInformation");
	const char *name = "fake", *vendor = "test", *version = "1", *spec = "1.2";
	DBusMessage *call = dbus_message_new_method_call(dest, path, iface, method);
	dbus_message_set_serial(call, 1); /* as sent: a reply names it */
	DBusMessage *reply = dbus_message_new_method_return(call);
	g_assert_true(dbus_message_append_args(reply, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &vendor,
		DBUS_TYPE_STRING, &version, DBUS_TYPE_STRING, &spec, DBUS_TYPE_INVALID));
	dbus_message_unref(call);
	*ret_reply = reply;
	return 0;
}

const char *present_bus_last_replier(DBusConnection *bus)
{
	return ":1.7";
}

char *present_bus_owner_of(DBusConnection *bus, const char *name)
{
	return strdup(":1.7");
}

/* One bus only: no record here names another. */
DBusConnection *present_bus_open_other(const char *address, const char *id)
{
	g_assert_not_reached();
}

void present_bus_close_other(DBusConnection *bus)
{
	g_assert_null(bus);
}

static void start(struct present_dnd *dnd, const struct present_config *cfg, struct present_dnd_report *report)
{
	struct present_dnd_change change;
	g_assert_false(present_dnd_prepare(dnd, cfg, report, &change)); /* no store: nothing to record */
	present_dnd_silence(dnd, cfg, 1, NULL, report);
}

/* An engine watching its server, started on backend (its configuration in *cfg) against the fake f. */
static struct present_dnd *started(const char *backend, struct fake f, struct present_config *cfg,
	struct present_dnd_report *report)
{
	static char *no_apps[] = {NULL};
	*cfg = (struct present_config){.dnd_backend = (char *)backend, .mail_apps = no_apps};
	struct present_dnd *dnd = present_dnd_create(NULL, NULL);
	present_dnd_watching(dnd);
	fake = f;
	start(dnd, cfg, report);
	return dnd;
}

static void test_nothing_saved_changes_nothing(void)
{
	char *no_apps[] = {NULL};
	struct present_config cfg = {.dnd_backend = "auto", .mail_apps = no_apps};
	struct present_dnd *dnd = present_dnd_create(NULL, NULL);
	struct present_dnd_report report = {0};
	fake = (struct fake){.read_saves_nothing = true};
	fail_strdup = "";
	start(dnd, &cfg, &report);
	fail_strdup = NULL;
	/* Turned on, it could not have been put back as it was. */
	g_assert_false(fake.wide);
	g_assert_cmpstr(report.state, ==, "failed");
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 0);
	g_assert_cmpint(fake.offs, ==, 0);
	g_assert_cmpuint(report.n_unrestored, ==, 0);
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

static void test_a_mute_is_never_kept_as_the_whole_switch(void)
{
	char mail[] = "org.example.Mail", *apps[] = {mail, NULL};
	struct present_config cfg = {.dnd_backend = "auto", .mail_apps = apps};
	struct present_dnd *dnd = present_dnd_create(NULL, NULL);
	struct present_dnd_report report = {0};
	fake = (struct fake){0};
	fail_strdup = mail;
	start(dnd, &cfg, &report);
	fail_strdup = NULL;
	g_assert_cmpstr(report.state, ==, "on");
	g_assert_true(fake.wide);
	g_assert_false(fake.mail);
	g_assert_null(report.muted);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_cmpuint(report.n_unrestored, ==, 0);
	g_assert_false(fake.wide);
	g_assert_false(fake.mail);
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

/* A switch that could not be put back is named to the caller of a stop, with why; the others are put back. */
static void test_refused_put_back_is_reported(void)
{
	char mail[] = "org.example.Mail", *apps[] = {mail, NULL};
	struct present_config cfg = {.dnd_backend = "auto", .mail_apps = apps};
	struct present_dnd *dnd = present_dnd_create(NULL, NULL);
	struct present_dnd_report report = {0};
	fake = (struct fake){.refuse_off = ""};
	start(dnd, &cfg, &report);
	g_assert_cmpstr(report.state, ==, "on");
	g_assert_true(fake.wide && fake.mail);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_false(fake.mail);
	g_assert_true(fake.wide);
	g_assert_cmpuint(report.n_unrestored, ==, 1);
	g_assert_cmpstr(report.unrestored[0].backend, ==, "Fake");
	g_assert_cmpstr(report.unrestored[0].app, ==, "");
	g_assert_cmpstr(report.unrestored[0].reason, ==, "Fake: refused by the test");
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);

	dnd = present_dnd_create(NULL, NULL);
	fake = (struct fake){.refuse_off = mail};
	start(dnd, &cfg, &report);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_cmpuint(report.n_unrestored, ==, 1);
	g_assert_cmpstr(report.unrestored[0].app, ==, mail);
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

/* A probe that cannot tell yet settles nothing: the next try probes again, and silences. */
static void test_undecided_detection_is_not_kept(void)
{
	struct present_config cfg;
	struct present_dnd_report report = {0};
	struct present_dnd *dnd = started("auto", (struct fake){.undecided = 1}, &cfg, &report);
	g_assert_cmpstr(report.state, ==, "failed");
	g_assert_true(present_dnd_late(dnd));
	g_assert_false(fake.wide);
	g_assert_true(present_dnd_try_again(dnd, &cfg, &report));
	g_assert_cmpstr(report.state, ==, "on");
	g_assert_false(present_dnd_late(dnd));
	g_assert_cmpint(fake.probes, ==, 2);
	g_assert_true(fake.wide);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_false(fake.wide);
	g_assert_false(present_dnd_try_again(dnd, &cfg, &report));
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

/* A change kept after a call that failed is turned on again at the next try,
 * not taken for done: the session says "on" only once it reads on. */
static void test_a_change_a_failed_call_left_is_turned_on_again(void)
{
	struct present_config cfg;
	struct present_dnd_report report = {0};
	struct present_dnd *dnd = started("auto", (struct fake){.unregistered = 1}, &cfg, &report);
	g_assert_cmpstr(report.state, ==, "failed");
	g_assert_cmpstr(report.note, ==, "Fake: no such object yet");
	g_assert_true(present_dnd_late(dnd));
	g_assert_true(present_dnd_try_again(dnd, &cfg, &report));
	g_assert_cmpstr(report.state, ==, "on");
	g_assert_true(fake.wide);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_false(fake.wide);
	g_assert_cmpint(fake.offs, ==, 1);
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

/* A server that took the name while a start's call was on its way: the call
 * acted on it, but failed for its caller, and the news of the new server
 * came after. That change is the session's, and is put back at its end; read
 * as the switch already on, it would pass for the user's and stay on. */
static void test_a_failed_call_that_reached_the_new_server_is_put_back(void)
{
	struct present_config cfg;
	struct present_dnd_report report = {0};
	struct present_dnd *dnd = started("auto", (struct fake){.late_answers = 1}, &cfg, &report);
	g_assert_cmpstr(report.state, ==, "failed");
	g_assert_true(fake.wide);
	g_assert_true(present_dnd_server_changed(dnd, &cfg, ":1.8", &report));
	g_assert_cmpstr(report.state, ==, "on");
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 1);
	g_assert_false(fake.wide);
	g_assert_cmpint(fake.offs, ==, 1);
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

/* A hold the server gave, whose read-back failed (so which process gave it
 * is not known), and whose release failed at the end: once the name changes
 * hands, its handle may be another app's on the new server, and is not
 * released there. */
static void test_a_hold_of_an_unknown_server_is_not_released_on_the_next(void)
{
	struct present_config cfg;
	struct present_dnd_report report = {0};
	struct present_dnd *dnd = started("fakehold", (struct fake){.unread = 1, .refuse_off = ""}, &cfg, &report);
	g_assert_true(fake.wide);
	g_assert_cmpint(present_dnd_restore(dnd, &report), ==, 0);
	g_assert_true(present_dnd_has_leftovers(dnd));
	g_assert_false(present_dnd_leftovers_outlive(dnd));
	fake.refuse_off = NULL;
	fake.wide = false; /* the server that had it is gone, and the hold with it */
	present_dnd_server_changed(dnd, &cfg, ":1.9", &report);
	g_assert_cmpint(fake.offs, ==, 0);
	g_assert_false(present_dnd_has_leftovers(dnd));
	present_dnd_report_finish(&report);
	present_dnd_destroy(dnd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dnd/engine/out-of-memory/nothing-saved-changes-nothing", test_nothing_saved_changes_nothing);
	g_test_add_func("/dnd/engine/out-of-memory/a-mute-is-never-kept-as-the-whole-switch",
		test_a_mute_is_never_kept_as_the_whole_switch);
	g_test_add_func("/dnd/engine/refused-put-back-is-reported", test_refused_put_back_is_reported);
	g_test_add_func("/dnd/engine/late/undecided-detection-is-not-kept", test_undecided_detection_is_not_kept);
	g_test_add_func("/dnd/engine/late/a-change-a-failed-call-left-is-turned-on-again",
		test_a_change_a_failed_call_left_is_turned_on_again);
	g_test_add_func("/dnd/engine/server-changed/a-failed-call-that-reached-the-new-server-is-put-back",
		test_a_failed_call_that_reached_the_new_server_is_put_back);
	g_test_add_func("/dnd/engine/server-changed/a-hold-of-an-unknown-server-is-not-released-on-the-next",
		test_a_hold_of_an_unknown_server_is_not_released_on_the_next);
	return g_test_run();
}
