#include <glib.h>
#include <stdlib.h>

#include "classify.h"
#include "config.h"
#include "text.h"

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
	/* A daemon that did not classify it tells an ignored app's alert by the rule stored with it. */
	g_assert_cmpint(present_classify_rule_is_ignored(c.rule), ==, c.ignored);
}

static void test_rule_is_ignored(void)
{
	g_assert_true(present_classify_rule_is_ignored("noise: com.spotify.Client is in ignore_apps"));
	g_assert_false(present_classify_rule_is_ignored("noise: transient"));
	g_assert_false(present_classify_rule_is_ignored("noise:  is in ignore_apps"));
	g_assert_false(present_classify_rule_is_ignored("mail: x is in ignore_apps"));
	g_assert_false(present_classify_rule_is_ignored(""));

	/* A name too long for the rule is cut between characters, and the rule still says what it is. */
	/* One ASCII byte more, and the cut falls inside an "é". */
	GString *name = g_string_new("org.example.x");
	while (name->len < 200)
		g_string_append(name, "é");
	const char *const long_ignored[] = {name->str, NULL};
	const struct present_classify_lists with_long = {mail, people, long_ignored};
	struct present_alert_event ev = alert(name->str, "Hi", "");
	struct present_classification c;
	present_classify(&ev, &with_long, &c);
	g_assert_true(c.ignored);
	g_assert_true(present_classify_rule_is_ignored(c.rule));
	g_assert_true(present_utf8_valid(c.rule));
	g_assert_true(g_str_has_prefix(c.rule, "noise: org.example.xéé"));
	g_string_erase(name, 0, strlen("org.example.x"));
	g_string_prepend(name, "email.arrived.x");
	ev = alert("x", "Hi", "");
	ev.category = name->str;
	present_classify(&ev, &lists, &c);
	g_assert_cmpstr(present_class_name(c.cls), ==, "mail");
	g_assert_true(present_utf8_valid(c.rule));
	g_string_free(name, TRUE);
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
	ev.category = "call.unanswered";
	check(&ev, PRESENT_CLASS_PERSON, "person: category call.unanswered");
	/* A call under way, or over, leaves nobody waiting for an answer. */
	ev.category = "call.ongoing";
	check(&ev, PRESENT_CLASS_ALERT, "alert: no rule says a response is owed");
	ev.category = "call.ended";
	check(&ev, PRESENT_CLASS_ALERT, "alert: no rule says a response is owed");
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

/* Mail and chat clients' alerts as each sends them (its app id, app_name,
 * desktop-entry, KDE hints), sorted with the default lists: the ids the
 * README gives are the ones that match. */
static void test_real_clients_with_the_defaults(void)
{
	static const struct {
		const char *app, *app_name, *desktop_entry, *kde_appname, *kde_event_id, *rule;
	} cases[] = {
		{"thunderbird", "Thunderbird", "thunderbird", NULL, NULL, "mail: thunderbird is in mail_apps"},
		{"org.mozilla.Thunderbird", "Thunderbird", "org.mozilla.Thunderbird", NULL, NULL,
			"mail: Thunderbird is in mail_apps"},
		{"org.gnome.Evolution", "evolution-mail-notification", "org.gnome.Evolution", NULL, NULL,
			"mail: org.gnome.Evolution is in mail_apps"},
		{"org.gnome.Geary", NULL, NULL, NULL, NULL, "mail: org.gnome.Geary is in mail_apps"},
		/* KMail's new mail comes from Akonadi's agent, under a localized app_name. */
		{"akonadi_newmailnotifier_agent", "Neue E-Mail", NULL, "akonadi_newmailnotifier_agent", "new-email",
			"mail: KDE event new-email"},
		{"akonadi_newmailnotifier_agent", "Neue E-Mail", NULL, "akonadi_newmailnotifier_agent", NULL,
			"mail: akonadi_newmailnotifier_agent is in mail_apps"},
		{"Mailspring", "Mailspring", "Mailspring", NULL, NULL, "mail: Mailspring is in mail_apps"},
		{"slack", "Slack", "slack", NULL, NULL, "person: slack is in people_apps"},
		{"signal-desktop", "Signal", "signal-desktop", NULL, NULL, "person: Signal is in people_apps"},
		{"element-desktop", "Element", "element-desktop", NULL, NULL, "person: Element is in people_apps"},
		/* Element's Flatpak, through the portal: its app id alone. */
		{"im.riot.Riot", NULL, NULL, NULL, NULL, "person: im.riot.Riot is in people_apps"},
		{"org.telegram.desktop", "Telegram Desktop", "org.telegram.desktop", NULL, NULL,
			"person: org.telegram.desktop is in people_apps"},
		/* Its Notify: the decoder takes ".desktop" off the entry, which here was part of the id. */
		{"org.telegram", "Telegram", "org.telegram", NULL, NULL, "person: org.telegram.desktop is in people_apps"},
		{"discord", "discord", "discord", NULL, NULL, "person: discord is in people_apps"},
		{"org.gnome.Fractal", NULL, NULL, NULL, NULL, "person: org.gnome.Fractal is in people_apps"},
	};
	struct present_config cfg;
	present_config_init(&cfg);
	const struct present_classify_lists defaults = {(const char *const *)cfg.mail_apps,
		(const char *const *)cfg.people_apps, (const char *const *)cfg.ignore_apps};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct present_alert_event ev = alert(cases[i].app, "Ana Lima", "are you free at 3?");
		ev.app_name = (char *)cases[i].app_name;
		ev.desktop_entry = (char *)cases[i].desktop_entry;
		ev.kde_appname = (char *)cases[i].kde_appname;
		ev.kde_event_id = (char *)cases[i].kde_event_id;
		struct present_classification c;
		present_classify(&ev, &defaults, &c);
		g_assert_cmpstr(c.rule, ==, cases[i].rule);
	}
	present_config_finish(&cfg);
}

static void extract_in(const char *const *languages, const struct present_alert_event *ev, const char *from,
	const char *subject)
{
	char *f, *s;
	g_assert_true(present_owed_extract(ev, languages, &f, &s));
	g_assert_cmpstr(f, ==, from);
	g_assert_cmpstr(s, ==, subject);
	free(f);
	free(s);
}

/* Thunderbird's first body line, read in languages. */
static void thunderbird_in(const char *const *languages, const char *line, const char *from, const char *subject)
{
	struct present_alert_event ev = alert("thunderbird", "Acme", line);
	extract_in(languages, &ev, from, subject);
}

static void extract(const struct present_alert_event *ev, const char *from, const char *subject)
{
	extract_in(NULL, ev, from, subject);
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
	/* Only the room, a trailing balanced group, whatever it holds. */
	ev = alert("element-desktop", "Ana Lima (Design (EU))", "ping");
	extract(&ev, "Ana Lima", "ping");
	ev = alert("element-desktop", "Ana (Lima) (Design)", "ping");
	extract(&ev, "Ana (Lima)", "ping");
	ev = alert("element-desktop", "Ana Lima", "dm");
	extract(&ev, "Ana Lima", "dm");
	ev = alert("element-desktop", "Ana (Design", "ping");
	extract(&ev, "Ana (Design", "ping");
	ev = alert("element-desktop", "Ana Design)", "ping");
	extract(&ev, "Ana Design)", "ping");
	ev = alert("im.riot.Riot", "(Board)", "ping");
	extract(&ev, "(Board)", "ping");
	ev = alert("im.riot.Riot", "Eve (Board)", "ping");
	extract(&ev, "Eve", "ping");
	ev = alert("org.signal.Signal", "Frank", "");
	extract(&ev, "Frank", "");
	/* What is about is the first line people saw: a <br> ends it, and empty lines come before it. */
	ev = alert("org.signal.Signal", "Frank", "Meeting moved<br/>to 3 pm");
	extract(&ev, "Frank", "Meeting moved");
	ev = alert("org.signal.Signal", "Frank", "\n  \nMeeting moved \r\nto 3 pm");
	extract(&ev, "Frank", "Meeting moved");
	ev = alert("org.signal.Signal", "Frank", "<br>Meeting moved");
	extract(&ev, "Frank", "Meeting moved");
	ev = alert("org.signal.Signal", "Frank", "<b>\n</b>Meeting moved");
	extract(&ev, "Frank", "Meeting moved");
	/* Telegram in a group: the sender in bold above the message where markup shows. Without, the title is
	 * "Sender (Group)", kept whole as a contact's own name may be "Ana (work)". */
	ev = alert("org.telegram.desktop", "Design team", "<b>Ana &amp; Bo</b>\ncan you review the PR?\nthanks");
	extract(&ev, "Ana & Bo", "can you review the PR?");
	ev = alert("telegramdesktop", "Ana Lima (work)", "can you review the PR?");
	extract(&ev, "Ana Lima (work)", "can you review the PR?");
	ev = alert("telegramdesktop", "Ana Lima", "<b>bold</b> news\nmore");
	extract(&ev, "Ana Lima", "bold news");
	ev = alert("telegramdesktop", "Ana Lima", "<b>one</b> and <b>two</b>\nmore");
	extract(&ev, "Ana Lima", "one and two");
	ev = alert("telegramdesktop", "Ana Lima", "<b>just bold</b>");
	extract(&ev, "Ana Lima", "just bold");
}

/* A mail client's alert that its own rule finds no sender in. */
static void nobody_in(const char *const *languages, const struct present_alert_event *ev)
{
	char *f, *s;
	g_assert_false(present_owed_extract(ev, languages, &f, &s));
	g_assert_cmpstr(f, ==, "");
	g_assert_cmpstr(s, ==, "");
	free(f);
	free(s);
}

static void nobody(const struct present_alert_event *ev)
{
	nobody_in(NULL, ev);
}

/* From: and Subject: lines are Evolution's and KMail's, as they write them:
 * a chat message's own lines say nothing about who sent it. */
static void test_from_lines_only_where_the_client_writes_them(void)
{
	struct present_alert_event ev = alert("org.signal.Signal", "Carla Souza",
		"can you check this?\nFrom: Acme billing\nSubject: overdue");
	extract(&ev, "Carla Souza", "can you check this?");
	ev = alert("org.signal.Signal", "Carla Souza", "from: 3pm I'm free");
	extract(&ev, "Carla Souza", "from: 3pm I'm free");
	ev = alert("Mailspring", "Dana Reyes", "Fwd: invoice\nFrom: Acme billing");
	extract(&ev, "Dana Reyes", "Fwd: invoice");
	ev = alert("org.gnome.Evolution", "New email in Evolution",
		"You have received 1 new message.\nfrom: nobody\nFrom: Bob\nSubject: Contract");
	extract(&ev, "Bob", "Contract");
	/* KMail, known by its event alone (app_name is localized). */
	ev = alert("Neuer Mail-Benachrichtiger", "Neue E-Mail", "From: Carla\nSubject: Lunch");
	ev.kde_event_id = "new-email";
	extract(&ev, "Carla", "Lunch");
}

/* The clients write their sentences in the desktop's language, as their
 * catalogues give them; what a catalogue leaves untranslated, in English. */
static void test_in_the_users_language(void)
{
	const char *const de[] = {"de_DE.UTF-8", "de_DE", "de.UTF-8", "de", "C", NULL};
	struct present_alert_event ev = alert("thunderbird", "Acme: 1 neue Nachricht", "Rechnung von Ana Lima");
	extract_in(de, &ev, "Ana Lima", "Rechnung");
	nobody(&ev);
	thunderbird_in(de, "Grüße von Bob von Ana Lima\nVorschau", "Ana Lima", "Grüße von Bob");
	/* A Thunderbird without the language pack speaks English. */
	ev = alert("thunderbird", "Acme: 1 new message", "Invoice from Ana Lima");
	extract_in(de, &ev, "Ana Lima", "Invoice");
	const char *const nl[] = {"nl_NL", "nl", NULL}, *const es_es[] = {"es_ES", "es", NULL};
	thunderbird_in(es_es, "Informe de ventas from Ana", "Ana", "Informe de ventas");
	thunderbird_in(es_es, "Tu factura de Sarah from Stripe", "Sarah from Stripe", "Tu factura");
	/* Where the separator is also a particle of names, a surname after it
	 * takes the given name before an earlier one. */
	thunderbird_in(nl, "Offerte van Jan van Dijk", "Jan van Dijk", "Offerte");
	thunderbird_in(nl, "Verslag van de vergadering van Els van der Berg", "Els van der Berg",
		"Verslag van de vergadering");
	thunderbird_in(es_es, "Informe de Juan de la Cruz", "Juan de la Cruz", "Informe");
	thunderbird_in(es_es, "Factura de marzo de Ana", "Ana", "Factura de marzo");
	thunderbird_in(nl, "Jan van Dijk", "Dijk", "Jan");
	thunderbird_in(nl, "Notes from Ana from Bob", "Bob", "Notes from Ana");
	thunderbird_in(de, "Protokoll von Montag von Jonas", "Jonas", "Protokoll von Montag");
	ev = alert("thunderbird", "Acme", "Offerte van Jan van ");
	nobody_in(nl, &ev);
	/* The sender first; a region's own way before its language's. */
	const char *const hu[] = {"hu_HU", "hu", NULL}, *const ja[] = {"ja_JP", "ja", NULL};
	const char *const es_mx[] = {"es_MX", "es", NULL}, *const zh_hk[] = {"zh_HK", "zh", NULL};
	thunderbird_in(hu, "Ana Lima küldi: Számla", "Ana Lima", "Számla");
	thunderbird_in(ja, "Ana より: 請求書", "Ana", "請求書");
	thunderbird_in(es_mx, "Factura desde Ana", "Ana", "Factura");
	thunderbird_in(es_mx, "Factura de Ana", "Ana", "Factura");
	thunderbird_in(zh_hk, "來自 Ana 的 發票", "Ana", "發票");
	/* A line that only starts or ends as the sentence does names nobody. */
	ev = alert("thunderbird", "Acme", "Ana küldi:");
	nobody_in(hu, &ev);
	ev = alert("thunderbird", "Acme", " von Ana");
	nobody_in(de, &ev);

	const char *const fr[] = {"fr_FR.UTF-8", "fr_FR", "fr", NULL}, *const ka[] = {"ka_GE", "ka", NULL};
	ev = alert("org.gnome.Evolution", "Nouveau courriel dans Evolution",
		"Vous avez reçu 1 nouveau message.\nDe\u00a0: Ana &lt;ana@example.org&gt;\nObjet\u00a0: Facture");
	extract_in(fr, &ev, "Ana <ana@example.org>", "Facture");
	/* Georgian Evolution leaves "Subject: %s" untranslated. */
	ev = alert("org.gnome.Evolution", "Evolution", "ვისგან: Ana\nSubject: Invoice");
	extract_in(ka, &ev, "Ana", "Invoice");
	ev = alert(NULL, "Neue E-Mail", "Von: Carla\nBetreff: Mittagessen\nIn: Posteingang");
	ev.kde_event_id = "new-email";
	extract_in(de, &ev, "Carla", "Mittagessen");
	/* KMail's Spanish differs from Evolution's. */
	const char *const es[] = {"es", NULL};
	ev.body = "Desde: Carla\nAsunto: Comida";
	extract_in(es, &ev, "Carla", "Comida");
	ev = alert("org.gnome.Evolution", "Evolution", "Desde: Carla\nAsunto: Comida");
	nobody_in(es, &ev);
}

/* A mail client's alerts that are not one message from someone: kept, but
 * nobody is waiting. Each client's real per-message alert is still owed. */
static void test_mail_that_names_nobody(void)
{
	struct present_alert_event ev = alert("thunderbird", "Acme: 2 new messages", "");
	nobody(&ev);
	ev = alert("thunderbird", "Quarterly review", "Today 14:00 - 15:00");
	nobody(&ev);
	ev = alert("org.gnome.Evolution", "New email in Evolution", "You have received 3 new messages.");
	nobody(&ev);
	ev = alert(NULL, "New mail", "3 new messages in Inbox");
	ev.kde_appname = "akonadi_newmailnotifier_agent";
	nobody(&ev);
	ev = alert("org.gnome.Geary", "Work", "3 new messages, 4 new messages total");
	nobody(&ev);
	ev = alert("org.gnome.Geary", "ana@acme.org", "1 new message");
	nobody(&ev);
	ev = alert("org.gnome.Geary", "Work", "2 new messages");
	nobody(&ev);
	ev = alert("org.gnome.Geary", "Ana Lima", "Re: contract\n(2 other new messages for Work)");
	extract(&ev, "Ana Lima", "Re: contract");
	ev = alert("org.gnome.Geary", "Ana Lima", "3 new messages, and a question");
	extract(&ev, "Ana Lima", "3 new messages, and a question");
	/* An app with no rule of its own: its title is who wrote. */
	ev = alert("mutt", "Bob", "Contract");
	ev.category = "email";
	extract(&ev, "Bob", "Contract");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/rules-in-order", test_rules_in_order);
	g_test_add_func("/classify/rule-is-ignored", test_rule_is_ignored);
	g_test_add_func("/classify/who-and-what", test_who_and_what);
	g_test_add_func("/classify/from-lines-only-where-the-client-writes-them",
		test_from_lines_only_where_the_client_writes_them);
	g_test_add_func("/classify/mail-that-names-nobody", test_mail_that_names_nobody);
	g_test_add_func("/classify/in-the-users-language", test_in_the_users_language);
	g_test_add_func("/classify/real-clients-with-the-defaults", test_real_clients_with_the_defaults);
	return g_test_run();
}
