#ifndef PRESENT_MAIL_FORMATS_H
#define PRESENT_MAIL_FORMATS_H

/*
 * How the mail clients whose alerts name a sender in a sentence write it,
 * in each language they are translated to: a response is owed to someone
 * whatever language their client speaks. Read from the clients' own
 * catalogues by tools/mail-formats.py.
 */

enum present_mail_client {
	PRESENT_MAIL_THUNDERBIRD,
	PRESENT_MAIL_EVOLUTION,
	PRESENT_MAIL_KMAIL,
};

/**
 * One language's way: lang as a desktop's language list names it ("de",
 * "pt_BR", "sr@latin"); from, a line that names the sender (%2), and may
 * name the subject too (%1); subject, a line of its own naming the
 * subject, or NULL. A string a catalogue leaves untranslated is written
 * in English by the client, so English ("en") is worth trying after it.
 */
struct present_mail_format {
	const char *lang, *from, *subject;
};

/** The client's formats, ended by one whose lang is NULL; English is the last. */
const struct present_mail_format *present_mail_formats(enum present_mail_client client);

#endif
