#include <string.h>

#include "text.h"

void present_text_json(FILE *f, const char *s)
{
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
			} else {
				fputc(*p, f);
			}
		}
	}
	fputc('"', f);
}

void present_text_terminal(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		/* C1 controls (U+0080..U+009F) arrive as 0xC2 0x80..0x9F in UTF-8. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
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
	for (const char *p = list; len && (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}
