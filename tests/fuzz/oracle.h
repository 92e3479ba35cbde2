/*
 * The fuzz targets' oracle for UTF-8: a second implementation, written apart
 * from present_utf8_char() in src/common/text.c so that a mistake there is
 * not repeated here and hidden.
 */
#ifndef PRESENT_FUZZ_ORACLE_H
#define PRESENT_FUZZ_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Valid UTF-8 by the strict definition. */
static inline bool valid_utf8(const unsigned char *s)
{
	while (*s) {
		uint32_t c;
		size_t n;
		if (*s < 0x80) {
			s++;
			continue;
		} else if ((*s & 0xe0) == 0xc0) {
			c = *s & 0x1f;
			n = 1;
		} else if ((*s & 0xf0) == 0xe0) {
			c = *s & 0x0f;
			n = 2;
		} else if ((*s & 0xf8) == 0xf0) {
			c = *s & 0x07;
			n = 3;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80) {
				return false;
			}
			c = c << 6 | (s[i] & 0x3f);
		}
		uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
			return false;
		}
		s += n + 1;
	}
	return true;
}

#endif
