#ifndef PRESENT_CLI_H
#define PRESENT_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

/** What the command line said, once parsed for a verb. */
struct present_args {
	const char *verb;
	const char *positional[4];
	int n_positional;
	const char *label; /* --label */
	const char *session; /* --session */
	bool json, last, help;
};

/** `present alerts`: the alerts held in a session, oldest first. */
int present_cli_alerts(const struct present_args *args);

/** Prints a session for people: "Present until 15:30 (60 min) · label". */
void present_print_started(const struct present_status *s, int64_t now);

/** Prints the outcome of stopping: how long the session lasted, or that none ran. */
void present_print_stopped(bool stopped, const struct present_status *s, int64_t now);

/** `present status`, for people or (json) for scripts. */
void present_print_status(const struct present_status *s, int64_t now, bool json);

/** Prints `present doctor`'s findings (a(sss)); returns the exit code: 1 if any failed. */
int present_print_findings(DBusMessage *reply);

#endif
