#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "classify.h"
#include "mail-formats.h"
#include "text.h"

/* Apps whose alerts are about the machine, not about anyone waiting. */
static const char *const system_apps[] = {
	"networkmanager", "nm-applet", "org.freedesktop.network-manager-applet", "gnome-settings-daemon",
	"org.gnome.settingsdaemon.power", "org.gnome.settingsdaemon.color", "org.gnome.settingsdaemon.media-keys",
	"org.gnome.settings", "org.gnome.software", "gnome-software", "update-notifier", "packagekit",
	"org.kde.discover", "org.kde.powerdevil", "powerdevil", "xfce4-power-manager", "blueman", "udiskie",
	"present", NULL,
};

/* Categories that are the machine's business (prefixes). */
static const char *const noise_categories[] = {"device", "network", "presence", "transfer", NULL};

/* The names this alert goes by, to match a list against. */
static const char *const *names(const struct present_alert_event *ev, const char *out[5])
{
	out[0] = ev->app;
	out[1] = ev->desktop_entry;
	out[2] = ev->kde_appname;
	out[3] = ev->app_name;
	out[4] = NULL;
	return out;
}

/* Whether entry names the desktop entry de, which the decoder took ".desktop" off: an id may end in that
 * word itself, as Telegram's "org.telegram.desktop" does, and be listed as sent. */
static bool names_entry(const char *entry, const char *de)
{
	static const char suffix[] = ".desktop";
	size_t len = strlen(de), n = strlen(entry);
	return n == len + strlen(suffix) && strncasecmp(entry, de, len) == 0 && strcasecmp(entry + len, suffix) == 0;
}

/* The first of the alert's names found in list, or NULL. */
static const char *listed(const struct present_alert_event *ev, const char *const *list)
{
	const char *n[5];
	names(ev, n);
	for (size_t i = 0; list && list[i]; i++)
		for (int j = 0; j < 4; j++) {
			if (n[j] && strcasecmp(n[j], list[i]) == 0)
				return n[j];
			if (j == 1 && n[j] && *n[j] && names_entry(list[i], n[j]))
				return list[i];
		}
	return NULL;
}

const char *present_classify_whole_id(const struct present_alert_event *ev, const struct present_classify_lists *lists)
{
	const char *const *all[] = {lists->ignore_apps, lists->mail_apps, lists->people_apps};
	/* Only an app named by its desktop entry: an id from the portal or GTK arrives whole. */
	if (!ev->desktop_entry || !*ev->desktop_entry || !ev->app || strcmp(ev->app, ev->desktop_entry) != 0)
		return NULL;
	for (size_t l = 0; l < sizeof(all) / sizeof(all[0]); l++)
		for (size_t i = 0; all[l] && all[l][i]; i++)
			if (names_entry(all[l][i], ev->desktop_entry))
				return all[l][i];
	return NULL;
}

static bool category_is(const struct present_alert_event *ev, const char *const *cats)
{
	for (size_t i = 0; ev->category && cats[i]; i++) {
		size_t len = strlen(cats[i]);
		if (strncmp(ev->category, cats[i], len) == 0 && (ev->category[len] == '\0' || ev->category[len] == '.'))
			return true;
	}
	return false;
}

/* The rule that decided: head, then value (NULL: none), then tail. The
 * value is cut, between characters, to leave room for the tail, which says
 * what the rule is ("... is in ignore_apps" is read back). */
static void set(struct present_classification *ret, enum present_alert_class cls, const char *head, const char *value,
	const char *tail)
{
	size_t room = sizeof(ret->rule) - 1 - strlen(head) - strlen(tail), n = value ? strlen(value) : 0;
	if (n > room)
		for (n = room; n > 0 && ((unsigned char)value[n] & 0xc0) == 0x80; n--)
			;
	ret->cls = cls;
	ret->ignored = false;
	snprintf(ret->rule, sizeof(ret->rule), "%s%.*s%s", head, (int)n, value ? value : "", tail);
}

/* The rule of an alert of an app in ignore_apps: IGNORED_PREFIX name IGNORED_SUFFIX. */
#define IGNORED_PREFIX "noise: "
#define IGNORED_SUFFIX " is in ignore_apps"

bool present_classify_rule_is_ignored(const char *rule)
{
	size_t len = strlen(rule), prefix = strlen(IGNORED_PREFIX), suffix = strlen(IGNORED_SUFFIX);
	return len > prefix + suffix && strncmp(rule, IGNORED_PREFIX, prefix) == 0 &&
		strcmp(rule + len - suffix, IGNORED_SUFFIX) == 0;
}

void present_classify(const struct present_alert_event *ev, const struct present_classify_lists *lists,
	struct present_classification *ret)
{
	static const char *const mail_categories[] = {"email.arrived", NULL};
	/* A call ringing, or missed (portal v2); one under way, or ended, leaves nobody waiting. */
	static const char *const person_categories[] = {"im.received", "call.incoming", "call.unanswered", NULL};
	const char *name;

	if ((name = listed(ev, lists->ignore_apps))) {
		set(ret, PRESENT_CLASS_NOISE, IGNORED_PREFIX, name, IGNORED_SUFFIX);
		ret->ignored = true;
		return;
	}
	if (ev->transient) {
		set(ret, PRESENT_CLASS_NOISE, "noise: transient", NULL, "");
		return;
	}
	if (ev->synchronous) {
		set(ret, PRESENT_CLASS_NOISE, "noise: an on-screen display (x-canonical-private-synchronous)", NULL,
			"");
		return;
	}
	if (category_is(ev, noise_categories)) {
		set(ret, PRESENT_CLASS_NOISE, "noise: category ", ev->category, "");
		return;
	}
	if ((name = listed(ev, system_apps))) {
		set(ret, PRESENT_CLASS_NOISE, "noise: ", name, " is a system app");
		return;
	}

	if (ev->category && (strcmp(ev->category, "email") == 0 || category_is(ev, mail_categories))) {
		set(ret, PRESENT_CLASS_MAIL, "mail: category ", ev->category, "");
		return;
	}
	if (ev->kde_event_id && strcmp(ev->kde_event_id, "new-email") == 0) {
		set(ret, PRESENT_CLASS_MAIL, "mail: KDE event ", ev->kde_event_id, "");
		return;
	}
	if ((name = listed(ev, lists->mail_apps))) {
		set(ret, PRESENT_CLASS_MAIL, "mail: ", name, " is in mail_apps");
		return;
	}
	if (ev->sound_name && strcmp(ev->sound_name, "message-new-email") == 0) {
		set(ret, PRESENT_CLASS_MAIL, "mail: sound ", ev->sound_name, "");
		return;
	}

	if (ev->category && (strcmp(ev->category, "im") == 0 || category_is(ev, person_categories))) {
		set(ret, PRESENT_CLASS_PERSON, "person: category ", ev->category, "");
		return;
	}
	if (ev->inline_reply) {
		set(ret, PRESENT_CLASS_PERSON, "person: it can be answered in place (inline-reply)", NULL, "");
		return;
	}
	if ((name = listed(ev, lists->people_apps))) {
		set(ret, PRESENT_CLASS_PERSON, "person: ", name, " is in people_apps");
		return;
	}
	if (ev->sound_name && strcmp(ev->sound_name, "message-new-instant") == 0) {
		set(ret, PRESENT_CLASS_PERSON, "person: sound ", ev->sound_name, "");
		return;
	}

	if (ev->urgency == 2) {
		set(ret, PRESENT_CLASS_ALERT, "alert: critical, but nobody is waiting", NULL, "");
		return;
	}
	set(ret, PRESENT_CLASS_ALERT, "alert: no rule says a response is owed", NULL, "");
}

const char *present_class_name(enum present_alert_class cls)
{
	static const char *const n[] = {"noise", "alert", "mail", "person"};
	return n[cls];
}

static char *dup_range(const char *start, const char *end)
{
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return strndup(start, (size_t)(end - start));
}

static const char *line_end(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl ? nl : s + strlen(s);
}

/* The last occurrence of needle (len n) in [s, end), or NULL. */
static const char *last_in(const char *s, const char *end, const char *needle, size_t n)
{
	const char *found = NULL;
	for (const char *p = s; p < end && (p = memmem(p, (size_t)(end - p), needle, n)); p++)
		found = p;
	return found;
}

/* Separators that are also particles of names: "Jan van Dijk", "Juan de la Cruz". Not German's
 * "von": its nouns are capitalized, and "Protokoll von Montag" would read as a name. */
static const char *const particles[] = {" van ", " de ", NULL};

static bool is_particle(const char *sep, size_t n)
{
	for (size_t i = 0; particles[i]; i++)
		if (strlen(particles[i]) == n && memcmp(particles[i], sep, n) == 0)
			return true;
	return false;
}

static bool starts_lower(const char *s, const char *end)
{
	return s < end && g_unichar_islower(g_utf8_get_char_validated(s, end - s));
}

/* Whether [s, end) is one word starting with a capital: a given name. */
static bool one_capitalized_word(const char *s, const char *end)
{
	return s < end && !memchr(s, ' ', (size_t)(end - s)) && g_unichar_isupper(g_utf8_get_char_validated(s, end - s));
}

/* Where the sender of "subject SEP sender" starts, sep at its last
 * occurrence, at that sep: when the separator is a particle and what
 * follows it is a bare surname ("Dijk", "la Cruz"), a given name before an
 * earlier one is the sender's ("Offerte van Jan van Dijk"), as long as a
 * subject is left. */
static const char *name_with_particle(const char *subject, const char *at, const char *sep, size_t n,
	const char *end)
{
	const char *rest = at + n, *prev;
	if (!is_particle(sep, n) || rest >= end || (memchr(rest, ' ', (size_t)(end - rest)) && !starts_lower(rest, end)))
		return at;
	if (!(prev = last_in(subject, at, sep, n)) || prev == subject || !one_capitalized_word(prev + n, at))
		return at;
	return prev;
}

/*
 * Reads the line [line, end) as format (struct present_mail_format): the
 * text around %1 (subject) and %2 (sender) as the client writes it, each
 * placeholder something. A sentence with the subject first ends with the
 * sender after its last separator, as a subject may hold the separator
 * ("Notes from Ana from Bob") and a name seldom does, unless the separator
 * is a particle of names (name_with_particle()). Sets what it names.
 */
static bool read_as(const char *line, const char *end, const char *format, char **ret_subject, char **ret_sender)
{
	const char *first = strchr(format, '%'), *second = first ? strchr(first + 2, '%') : NULL;
	if (!first || second == first + 2)
		return false;
	size_t head = (size_t)(first - format);
	const char *tail = second ? second + 2 : first + 2;
	size_t tail_len = strlen(tail);
	if ((size_t)(end - line) < head + tail_len || strncmp(line, format, head) != 0 ||
		memcmp(end - tail_len, tail, tail_len) != 0)
		return false;
	const char *a = line + head, *b_end = end - tail_len, *a_end = b_end, *b = b_end;
	if (second) {
		size_t sep = (size_t)(second - first - 2);
		const char *at = first[1] == '1' ? last_in(a, b_end, first + 2, sep) : memmem(a, (size_t)(b_end - a),
			first + 2, sep);
		if (!at)
			return false;
		if (first[1] == '1')
			at = name_with_particle(a, at, first + 2, sep, b_end);
		a_end = at;
		b = at + sep;
	}
	char *one = dup_range(a, a_end), *two = second ? dup_range(b, b_end) : NULL;
	if (!one || !*one || (second && (!two || !*two))) {
		free(one);
		free(two);
		return false;
	}
	*(first[1] == '1' ? ret_subject : ret_sender) = one;
	if (second)
		*(second[1] == '1' ? ret_subject : ret_sender) = two;
	return true;
}

/* Whether a line of text (or its first alone) reads as format. */
static bool line_as(const char *text, const char *format, bool first_line_only, char **ret_subject,
	char **ret_sender)
{
	for (const char *line = text; line && *line; line = *line_end(line) ? line_end(line) + 1 : NULL) {
		if (read_as(line, line_end(line), format, ret_subject, ret_sender))
			return true;
		if (first_line_only)
			break;
	}
	return false;
}

/* Whether the sender English reads is the end of the one the user's
 * language read, which took a subject's words and the English separator
 * for a name: "Informe de ventas from Ana" is not from "ventas from Ana",
 * but "Factura de Sarah from Stripe" is from "Sarah from Stripe". */
static bool english_reads_less(const char *text, const struct present_mail_format *english,
	bool first_line_only, const char *sender, char **ret_subject, char **ret_sender)
{
	char *subject = NULL, *from = NULL;
	size_t n = sender ? strlen(sender) : 0, m;
	if (!n || !starts_lower(sender, sender + n) ||
		!line_as(text, english->from, first_line_only, &subject, &from) || !from ||
		(m = strlen(from)) >= n || strcmp(sender + n - m, from) != 0) {
		free(subject);
		free(from);
		return false;
	}
	free(*ret_subject);
	free(*ret_sender);
	*ret_subject = subject;
	*ret_sender = from;
	return true;
}

/*
 * The sender and subject of a mail client's alert, in the first of the
 * user's languages (as g_get_language_names() gives them, most wanted
 * first; NULL: none) whose format the text reads as, or in English, which
 * a client writes what its catalogue leaves untranslated in.
 */
static bool read_mail(const char *text, enum present_mail_client client, const char *const *languages,
	bool first_line_only, char **ret_subject, char **ret_sender)
{
	const struct present_mail_format *formats = present_mail_formats(client), *english = formats, *found = NULL;
	while (strcmp(english->lang, "en") != 0)
		english++;
	for (size_t i = 0; !found && languages && languages[i]; i++)
		for (const struct present_mail_format *f = formats; !found && f != english; f++)
			if (strcmp(f->lang, languages[i]) == 0 &&
				line_as(text, f->from, first_line_only, ret_subject, ret_sender))
				found = f;
	if (found && english_reads_less(text, english, first_line_only, *ret_sender, ret_subject, ret_sender))
		found = english;
	if (!found && line_as(text, english->from, first_line_only, ret_subject, ret_sender))
		found = english;
	if (!found)
		return false;
	const char *subjects[] = {found->subject, english->subject};
	for (size_t i = 0; i < 2 && !*ret_subject; i++)
		if (subjects[i])
			line_as(text, subjects[i], false, ret_subject, ret_sender);
	return true;
}

static bool app_is(const struct present_alert_event *ev, const char *const *ids)
{
	return listed(ev, ids) != NULL;
}

/* Element's "Sender (Room)": the sender, without a trailing balanced
 * " (…)" group, which may hold parentheses of its own ("Design (EU)"). */
static char *element_sender(const char *summary)
{
	size_t len = strlen(summary);
	if (len == 0 || summary[len - 1] != ')')
		return strdup(summary);
	int depth = 0;
	for (const char *p = summary + len - 1; p > summary; p--) {
		if (*p == ')') {
			depth++;
		} else if (*p == '(' && --depth == 0) {
			return p[-1] == ' ' ? dup_range(summary, p) : strdup(summary);
		}
	}
	return strdup(summary);
}

/* Telegram Desktop's message in a group, on a server that shows markup:
 * the title is the group, and the body's first line the sender, in bold,
 * above the message. Elsewhere its title is "Sender (Group)", which is
 * kept whole: a contact's own name may end in parentheses ("Ana (work)"),
 * and taking them off would make two people one. Sets *ret_from and
 * *ret_subject when the body names the sender. */
static void telegram_sender(const char *body, char **ret_from, char **ret_subject)
{
	const char *end = line_end(body);
	size_t len = (size_t)(end - body);
	if (*end && len > strlen("<b></b>") && strncmp(body, "<b>", 3) == 0 && strncmp(end - 4, "</b>", 4) == 0 &&
		!memmem(body + 3, len - 7, "</b>", 4)) {
		*ret_from = strndup(body, len);
		*ret_subject = dup_range(end + 1, line_end(end + 1));
	}
}

/* Skips "N new message" or "N new messages" at *p. */
static bool count_phrase(const char **p)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (strncmp(s, " new message", strlen(" new message")) != 0)
		return false;
	s += strlen(" new message");
	*p = *s == 's' ? s + 1 : s;
	return true;
}

/* Geary's notice for several messages at once (or for one without a
 * sender): its title is the account, its body "N new messages[, M new
 * messages total]". Only in English: a translated one still reads as a
 * sender. */
static bool geary_batch(const char *body)
{
	if (!count_phrase(&body))
		return false;
	if (*body == '\0')
		return true;
	if (strncmp(body, ", ", 2) != 0)
		return false;
	body += 2;
	return count_phrase(&body) && strcmp(body, " total") == 0;
}

bool present_owed_extract(const struct present_alert_event *ev, const char *const *languages, char **ret_from,
	char **ret_subject)
{
	static const char *const thunderbird[] = {"thunderbird", "org.mozilla.thunderbird",
		"net.thunderbird.thunderbird", NULL};
	static const char *const evolution[] = {"org.gnome.evolution", "evolution-mail-notification", "evolution",
		NULL};
	static const char *const kmail[] = {"akonadi_newmailnotifier_agent", NULL};
	static const char *const geary[] = {"org.gnome.geary", "geary", NULL};
	static const char *const element[] = {"element", "io.element.element", "element-desktop", "im.riot.riot",
		NULL};
	static const char *const telegram[] = {"org.telegram.desktop", "telegramdesktop", "telegram-desktop", NULL};
	const char *summary = ev->summary ? ev->summary : "", *body = ev->body ? ev->body : "";
	char *from = NULL, *subject = NULL;
	bool named = true;

	/* Each mail client's own rule, and only its own: its other alerts
	 * (Thunderbird's reminders, Evolution's and Geary's counts) name no
	 * sender, and a sender taken from their title would be nobody. */
	if (app_is(ev, thunderbird)) {
		named = read_mail(body, PRESENT_MAIL_THUNDERBIRD, languages, true, &subject, &from);
	} else if (app_is(ev, evolution)) {
		named = read_mail(body, PRESENT_MAIL_EVOLUTION, languages, false, &subject, &from);
	} else if (app_is(ev, kmail) || (ev->kde_event_id && strcmp(ev->kde_event_id, "new-email") == 0)) {
		named = read_mail(body, PRESENT_MAIL_KMAIL, languages, false, &subject, &from);
	} else if (app_is(ev, geary)) {
		named = !geary_batch(body);
	} else if (app_is(ev, element)) {
		from = element_sender(summary);
	} else if (app_is(ev, telegram)) {
		telegram_sender(body, &from, &subject);
	}
	if (!named) {
		free(from);
		free(subject);
		*ret_from = strdup("");
		*ret_subject = strdup("");
		return false;
	}
	/* The summary is plain text; what came from the body is markup (servers announce body-markup, and
	 * Evolution escapes its text): who and what are read as people saw them, and a <br> ends a line.
	 * Read whole, the body's first line is the first that shows words ("<b>\n</b>Hi" shows "Hi"). */
	if (!from)
		from = strdup(summary);
	else if (strcmp(from, summary) != 0)
		present_text_unmarkup(from);
	*ret_from = from ? from : strdup("");
	char *text = present_text_unmarkup(subject ? subject : strdup(body));
	*ret_subject = text ? present_text_first_line(text) : NULL;
	free(text);
	if (!*ret_subject)
		*ret_subject = strdup("");
	return true;
}
