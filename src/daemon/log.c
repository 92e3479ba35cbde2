#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

/* A line up to this size goes into a pipe in one piece (PIPE_BUF): the
 * hooks the daemon runs write to the same stderr, and one of their lines
 * must not land in the middle of one of ours. A longer message is cut. */
#define LINE_MAX_BYTES 4096

void present_log(const char *level, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);

	char line[LINE_MAX_BYTES];
	int head = snprintf(line, sizeof(line), "present-daemon: %s: ", level);
	size_t n = head < 0 ? 0 : (size_t)head < sizeof(line) ? (size_t)head : sizeof(line) - 1;
	/* What the message quotes comes from elsewhere (a command's arguments,
	 * another program's error): a newline in it would make a line of its
	 * own in the journal, one the daemon never wrote. Each control byte is
	 * written as \xNN instead. Room is kept for "…" and the newline. */
	const char *cut = "…\n";
	size_t room = sizeof(line) - strlen(cut);
	const unsigned char *p = (const unsigned char *)(msg ? msg : "(out of memory)");
	for (; *p; p++) {
		bool control = *p < 0x20 || *p == 0x7f;
		size_t len = control ? 4 : *p < 0x80 ? 1 : present_utf8_char(p, SIZE_MAX, NULL);
		if (len == 0) /* not UTF-8: its bytes as they are, as for any other tool */
			len = 1;
		if (n + len > room)
			break;
		if (control)
			snprintf(line + n, 5, "\\x%02x", *p);
		else
			memcpy(line + n, p, len);
		n += len;
		p += control ? 0 : len - 1;
	}
	const char *end = *p ? cut : "\n";
	memcpy(line + n, end, strlen(end));
	n += strlen(end);
	free(msg);
	/* Nothing to do about a log that cannot be written: the daemon's work goes on. */
	for (size_t done = 0; done < n;) {
		ssize_t w = write(STDERR_FILENO, line + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
}
