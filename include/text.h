#ifndef PRESENT_TEXT_H
#define PRESENT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

/** Writes s as a JSON string literal, quotes included. */
void present_text_json(FILE *f, const char *s);

/**
 * Writes s for a terminal: control characters (escape sequences among them)
 * become "?" so that text from elsewhere cannot move the
 * cursor, retitle the window or reach the clipboard.
 */
void present_text_terminal(FILE *f, const char *s);

/** Whether word is one of the space-separated words of list. */
bool present_text_has_word(const char *list, const char *word);

#endif
