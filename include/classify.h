#ifndef PRESENT_CLASSIFY_H
#define PRESENT_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "alert.h"

/*
 * What an alert is, for the catch-up: noise (nothing to do), an alert
 * (shown again, nothing owed), mail, or a message from a person (both:
 * a response is owed). The rules run in order and the one that fired is
 * kept with the alert, so a surprising verdict can be explained.
 */

enum present_alert_class {
	PRESENT_CLASS_NOISE,
	PRESENT_CLASS_ALERT,
	PRESENT_CLASS_MAIL,
	PRESENT_CLASS_PERSON,
};

/** The lists from the configuration; each NULL-terminated (NULL: empty). Matched without case. */
struct present_classify_lists {
	const char *const *mail_apps, *const *people_apps, *const *ignore_apps;
};

struct present_classification {
	enum present_alert_class cls;
	char rule[160]; /* e.g. "mail: thunderbird is in mail_apps" */
	bool ignored; /* the app is in ignore_apps: its alerts are for nobody's eyes, now or later */
};

/** Classifies an ADD event. */
void present_classify(const struct present_alert_event *ev, const struct present_classify_lists *lists,
	struct present_classification *ret);

/**
 * The app's id as the lists write it, when the decoder took ".desktop" off
 * its desktop entry and that was part of the id (Telegram's
 * "org.telegram.desktop"); else NULL. The string is the list's.
 */
const char *present_classify_whole_id(const struct present_alert_event *ev, const struct present_classify_lists *lists);

/**
 * Whether rule (as stored with an alert) says its app is in ignore_apps: for
 * a daemon that did not see it classified.
 */
bool present_classify_rule_is_ignored(const char *rule);

/** "noise", "alert", "mail", "person". */
const char *present_class_name(enum present_alert_class cls);

/**
 * Who is waiting and about what, read the way each client writes it, by
 * that client's rule alone (Thunderbird: "subject from sender"; Evolution
 * and KMail: a From: line and a Subject: line; Element: "Sender (Room)";
 * Geary and most others: the summary is the sender). The mail clients'
 * sentences are read in the first of languages (g_get_language_names():
 * "de_DE", "de", ..., most wanted first; NULL for none) that their
 * catalogue has, else in English. Returns false when the client's rule
 * finds no sender (a count of new mail, a reminder): the alert is nobody's
 * message, and no response is owed for it. Both strings are allocated
 * (free() them); either may be "" but not NULL.
 */
bool present_owed_extract(const struct present_alert_event *ev, const char *const *languages, char **ret_from,
	char **ret_subject);

#endif
