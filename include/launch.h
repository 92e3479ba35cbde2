#ifndef PRESENT_LAUNCH_H
#define PRESENT_LAUNCH_H

#include <stdbool.h>

struct present_daemon;

/*
 * What the daemon runs for the user: the command of a notice's button, the
 * session hooks. Each is the user's, not the daemon's: under systemd the
 * daemon's unit stops when the daemon exits idle, and takes every process
 * left in it along, the catch-up terminal the user is typing in included.
 * So each is moved into a scope of its own, as desktops do with the apps
 * they start.
 */

/** Called once the command has exited: its wait status, and argv joined by spaces. */
typedef void (*present_launch_exited_fn)(int status, const char *command, void *data);

/**
 * Runs argv (searched in PATH; envp NULL: the daemon's environment) with
 * /dev/null as its input, then asks systemd's user manager, if it is on the
 * bus, for a scope of its own; exited (may be NULL) is called with data
 * once it has exited. False when it could not be run, with the reason in
 * *ret_error (free() it).
 */
bool present_launch(struct present_daemon *d, char *const *argv, char *const *envp, present_launch_exited_fn exited,
	void *data, char **ret_error);

#endif
