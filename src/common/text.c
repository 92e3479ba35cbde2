#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void present_text_json(FILE *f, const char *s)
{
	size_t n, bad;
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				/* C1 controls (CSI among them) are valid JSON, but a terminal
				 * showing the output would obey them. */
				fprintf(f, "\\u%04x", p[1]);
				p++;
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else if ((n = present_utf8_char(p, SIZE_MAX, &bad)) == 0) {
				/* JSON is UTF-8 and parsers refuse the whole document for one
				 * bad byte; a store edited by hand can hold one. */
				fputs("\\ufffd", f);
				p += bad - 1;
			} else {
				fwrite(p, 1, n, f);
				p += n - 1;
			}
		}
	}
	fputc('"', f);
}

void present_text_json_or_null(FILE *f, const char *s)
{
	if (s && *s)
		present_text_json(f, s);
	else
		fputs("null", f);
}

void present_text_terminal(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		/* C1 controls (U+0080..U+009F) arrive as 0xC2 0x80..0x9F in UTF-8. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
						   (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
			/* Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
			 * U+2066..U+2069): one left open reorders the rest of the line, so
			 * that a sender's name could make a listing say what it does not. */
			fputc('?', f);
			p += 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			fputc('?', f);
		} else {
			fputc(*p, f);
		}
	}
}

bool present_text_has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	/* "gnome kde" is found in "... gnome kde ...", yet names no one backend. */
	if (strchr(word, ' '))
		return false;
	for (const char *p = list; len && (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

size_t present_utf8_char(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t follow, ignored;
	if (!bad)
		bad = &ignored;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		follow = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		follow = 2;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		follow = 3;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= follow; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return follow + 1;
}

bool present_utf8_valid(const char *s)
{
	for (size_t n; *s; s += n)
		if (!(n = present_utf8_char((const unsigned char *)s, SIZE_MAX, NULL)))
			return false;
	return true;
}

void present_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
