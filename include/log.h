#ifndef PRESENT_LOG_H
#define PRESENT_LOG_H

/**
 * Logs one line to stderr (the journal, under systemd): "present-daemon:
 * level: message". Only the daemon logs; library code returns its errors.
 */
__attribute__((format(printf, 2, 3))) void present_log(const char *level, const char *fmt, ...);

#endif
