#include <ctype.h>
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
		} else if (*p < 0x80) {
			fputc(*p, f);
		} else {
			/* Bytes that are no UTF-8 (a store edited by hand) are one "?"
			 * each run: a lone 0x9b is CSI to a terminal not set to UTF-8. */
			size_t bad, n = present_utf8_char(p, SIZE_MAX, &bad);
			if (n)
				fwrite(p, 1, n, f);
			else
				fputc('?', f);
			p += (n ? n : bad) - 1;
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

/* The tags of the notification spec's body markup, and Pango's that servers also take. */
static size_t markup_tag(const char *s)
{
	static const char *const names[] = {"a", "b", "big", "br", "i", "img", "s", "small", "span", "sub", "sup",
		"tt", "u", NULL};
	const char *p = s + 1;
	if (*p == '/')
		p++;
	size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz");
	bool known = false;
	for (size_t i = 0; names[i] && !known; i++)
		known = strlen(names[i]) == len && strncmp(p, names[i], len) == 0;
	/* "<bob@example.com>" and "a < b" are text that an app did not escape. */
	if (!known || !strchr(" \t\n/>", p[len]))
		return 0;
	const char *end = strpbrk(p + len, "<>");
	return end && *end == '>' ? (size_t)(end - s) + 1 : 0;
}

/* The character an entity at s stands for, written at out; how much of s it took (0: not one). */
static size_t markup_entity(const char *s, char *out, size_t *written)
{
	static const struct {
		const char *entity;
		char c;
	} named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t len = strlen(named[i].entity);
		if (strncmp(s, named[i].entity, len) == 0) {
			*out = named[i].c;
			*written = 1;
			return len;
		}
	}
	if (s[1] != '#')
		return 0;
	bool hex = s[2] == 'x' || s[2] == 'X';
	const char *digits = s + (hex ? 3 : 2), *p = digits;
	unsigned long c = 0;
	for (; (hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)) && c <= 0x10ffff; p++)
		c = c * (hex ? 16 : 10) + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
	if (p == digits || *p != ';' || c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	/* Never longer than the entity: "&#N;" is 4 bytes or more for 1, and so on. */
	unsigned char *o = (unsigned char *)out;
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		*written = 1;
	} else if (c < 0x800) {
		o[0] = (unsigned char)(0xc0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3f));
		*written = 2;
	} else if (c < 0x10000) {
		o[0] = (unsigned char)(0xe0 | c >> 12);
		o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (c & 0x3f));
		*written = 3;
	} else {
		o[0] = (unsigned char)(0xf0 | c >> 18);
		o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		o[3] = (unsigned char)(0x80 | (c & 0x3f));
		*written = 4;
	}
	return (size_t)(p - s) + 1;
}

char *present_text_unmarkup(char *s)
{
	char *out = s;
	for (const char *p = s; s && *p;) {
		size_t taken, written;
		if (*p == '<' && (taken = markup_tag(p)) > 0) {
			/* dunst shows a <br> as the line break it was meant to be; the others, as nothing,
			 * which would run two lines' words together. Never longer than the tag. */
			if (strncmp(p, "<br", 3) == 0)
				*out++ = '\n';
			p += taken;
		} else if (*p == '&' && (taken = markup_entity(p, out, &written)) > 0) {
			p += taken;
			out += written;
		} else {
			*out++ = *p++;
		}
	}
	if (s)
		*out = '\0';
	return s;
}

char *present_text_first_line(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\n"), start = strspn(s, " \t"), end = n;
		while (end > start && (s[end - 1] == '\r' || s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		if (end > start || !s[n])
			return strndup(s + start, end - start);
		s += n + 1;
	}
}

void present_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
