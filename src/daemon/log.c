#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

void present_log(const char *level, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	/* One call, so one write to the unbuffered stderr: the hooks the daemon
	 * runs write to the same file, and a line made of several writes could
	 * get one of theirs in its middle. */
	fprintf(stderr, "present-daemon: %s: %s\n", level, msg ? msg : "(out of memory)");
	free(msg);
}
