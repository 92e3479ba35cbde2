#ifndef PRESENT_TEXT_H
#define PRESENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** Writes s as a JSON string literal, quotes included. */
void present_text_json(FILE *f, const char *s);

/** present_text_json(), or null when s is NULL or empty: for a field that then does not apply. */
void present_text_json_or_null(FILE *f, const char *s);

/**
 * Writes s for a terminal: control characters (escape sequences among them)
 * become "?" so that text from elsewhere cannot move the cursor, retitle
 * the window or reach the clipboard; so do the bidirectional controls that
 * would reorder the rest of a line (the marks, U+200E, U+200F and U+061C,
 * stay: right-to-left names need them, and they reorder nothing beyond).
 * Bytes that are not UTF-8 become "?" too.
 */
void present_text_terminal(FILE *f, const char *s);

/**
 * The length of the well-formed UTF-8 character at s (n bytes available; a
 * NUL-terminated string may pass SIZE_MAX), or 0 when it is not one: no
 * overlong forms, surrogates or code points above U+10FFFF (Unicode 15,
 * Table 3-7). Then, if bad is not NULL, *bad is the length of its maximal
 * ill-formed subpart, which a repair replaces by one U+FFFD.
 */
size_t present_utf8_char(const unsigned char *s, size_t n, size_t *bad);

/** Whether s is well-formed UTF-8 throughout (by present_utf8_char()). */
bool present_utf8_valid(const char *s);

/**
 * Turns a notification body, which is markup, into the text people saw, in
 * place: the spec's and Pango's tags are dropped, entities (named, decimal
 * and hex) become their characters, a <br> becomes a newline, and what is
 * neither (a bare "&", an unescaped "<bob@example.com>") stays as the app
 * wrote it. Returns s; accepts NULL.
 */
char *present_text_unmarkup(char *s);

/**
 * The first line of s with something on it, without the spaces and tabs
 * around it or the CR of a CRLF, as a copy ("" when no line has anything;
 * NULL: out of memory). A text may start with an empty line, and a one-line
 * view must neither show nothing nor be broken by the text's own newlines.
 */
char *present_text_first_line(const char *s);

/** Frees a NULL-terminated list of strings; accepts NULL. */
void present_strv_free(char **v);

/** Whether word is one of the space-separated words of list. */
bool present_text_has_word(const char *list, const char *word);

#endif
