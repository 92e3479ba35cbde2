#include <glib.h>
#include <stdlib.h>

#include "classify.h"

static const char *const mail[] = {"thunderbird", "org.gnome.Evolution", "org.gnome.Geary", NULL};
static const char *const people[] = {"org.signal.Signal", "io.element.Element", NULL};
static const char *const ignored[] = {"org.gnome.Calendar", NULL};
static const struct present_classify_lists lists = {mail, people, ignored};

static struct present_alert_event alert(const char *app, const char *summary, const char *body)
{
	return (struct present_alert_event){
		.kind = PRESENT_EVENT_ADD,
		.app = (char *)app,
		.app_name = (char *)app,
		.summary = (char *)summary,
		.body = (char *)body,
		.urgency = -1,
	};
}

static void check(const struct present_alert_event *ev, enum present_alert_class cls, const char *rule)
{
	struct present_classification c;
	present_classify(ev, &lists, &c);
	g_assert_cmpstr(present_class_name(c.cls), ==, present_class_name(cls));
	g_assert_cmpstr(c.rule, ==, rule);
	g_assert_cmpint(c.ignored, ==, g_str_has_suffix(rule, " is in ignore_apps"));
}

static void test_rules_in_order(void)
{
	struct present_alert_event ev = alert("org.gnome.Calendar", "Standup", "");
	ev.category = "email.arrived";
	check(&ev, PRESENT_CLASS_NOISE, "noise: org.gnome.Calendar is in ignore_apps");

	ev = alert("Slack", "Bob", "hi");
	ev.transient = true;
	check(&ev, PRESENT_CLASS_NOISE, "noise: transient");
	ev = alert("gnome-settings-daemon", "Volume", "");
	ev.synchronous = true;
	check(&ev, PRESENT_CLASS_NOISE, "noise: an on-screen display (x-canonical-private-synchronous)");
	ev = alert("x", "USB stick", "");
	ev.category = "device.added";
	check(&ev, PRESENT_CLASS_NOISE, "noise: category device.added");
	ev = alert("NetworkManager", "Connected", "");
	check(&ev, PRESENT_CLASS_NOISE, "noise: NetworkManager is a system app");

	ev = alert("mutt", "New mail", "");
	ev.category = "email";
	check(&ev, PRESENT_CLASS_MAIL, "mail: category email");
	ev = alert(NULL, "Neue E-Mail", "From: Bob\nSubject: Contract");
	ev.kde_appname = "akonadi_newmailnotifier_agent";
	ev.kde_event_id = "new-email";
	check(&ev, PRESENT_CLASS_MAIL, "mail: KDE event new-email");
	ev = alert("THUNDERBIRD", "Acme: 1 new message", "Invoice from Ana");
	check(&ev, PRESENT_CLASS_MAIL, "mail: THUNDERBIRD is in mail_apps");
	ev = alert("evo", "New email", "");
	ev.sound_name = "message-new-email";
	check(&ev, PRESENT_CLASS_MAIL, "mail: sound message-new-email");
	ev = alert("x", "bounce", "");
	ev.category = "email.bounced";
	check(&ev, PRESENT_CLASS_ALERT, "alert: no rule says a response is owed");

	ev = alert("pidgin", "Ana", "hi");
	ev.category = "im.received";
	check(&ev, PRESENT_CLASS_PERSON, "person: category im.received");
	ev = alert("x", "Ana calling", "");
	ev.category = "call.incoming";
	check(&ev, PRESENT_CLASS_PERSON, "person: category call.incoming");
	ev = alert("telegram", "Ana", "hi");
	ev.inline_reply = true;
	check(&ev, PRESENT_CLASS_PERSON, "person: it can be answered in place (inline-reply)");
	ev = alert("io.element.Element", "Ana (Board)", "hi");
	check(&ev, PRESENT_CLASS_PERSON, "person: io.element.Element is in people_apps");
	ev = alert("x", "Ana", "hi");
	ev.sound_name = "message-new-instant";
	check(&ev, PRESENT_CLASS_PERSON, "person: sound message-new-instant");

	ev = alert("upower", "Battery low", "5% left");
	ev.urgency = 2;
	check(&ev, PRESENT_CLASS_ALERT, "alert: critical, but nobody is waiting");
	ev = alert("org.gnome.Calendar.Other", "Standup", "");
	check(&ev, PRESENT_CLASS_ALERT, "alert: no rule says a response is owed");
}

static void extract(const struct present_alert_event *ev, const char *from, const char *subject)
{
	char *f, *s;
	present_owed_extract(ev, &f, &s);
	g_assert_cmpstr(f, ==, from);
	g_assert_cmpstr(s, ==, subject);
	free(f);
	free(s);
}

static void test_who_and_what(void)
{
	struct present_alert_event ev = alert("thunderbird", "Acme: 1 new message",
		"Re: invoice from the north office from Ana Lima\nPreview of the text");
	extract(&ev, "Ana Lima", "Re: invoice from the north office");
	ev = alert("org.gnome.Evolution", "New email in Evolution",
		"You have received 1 new message.\nFrom: Bob Smith <bob@example.com>\nSubject: Contract draft");
	extract(&ev, "Bob Smith <bob@example.com>", "Contract draft");
	/* Bodies are markup: Evolution escapes its text. */
	ev = alert("org.gnome.Evolution", "New email in Evolution",
		"From: Bob &lt;bob@example.com&gt;\nSubject: Lunch &amp; budget");
	extract(&ev, "Bob <bob@example.com>", "Lunch & budget");
	ev = alert(NULL, "New mail", "From: Carla\nSubject: Lunch\nIn: Inbox");
	ev.kde_appname = "akonadi_newmailnotifier_agent";
	extract(&ev, "Carla", "Lunch");
	ev = alert("org.gnome.Geary", "Dana Reyes", "Quarterly numbers");
	extract(&ev, "Dana Reyes", "Quarterly numbers");
	ev = alert("io.element.Element", "Eve (Board room)", "are we on?\nsecond line");
	extract(&ev, "Eve", "are we on?");
	ev = alert("org.signal.Signal", "Frank", "");
	extract(&ev, "Frank", "");
	ev = alert("thunderbird", "Acme: 2 new messages", "");
	extract(&ev, "Acme: 2 new messages", "");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/rules-in-order", test_rules_in_order);
	g_test_add_func("/classify/who-and-what", test_who_and_what);
	return g_test_run();
}
