#ifndef PRESENT_CLIENT_H
#define PRESENT_CLIENT_H

#include <stdbool.h>

#include "protocol.h"
#include "wire.h"

/** The CLI's side of the bus: blocking calls (include/wire.h says why not libdbus). */
struct present_client {
	struct present_wire *bus;
	/* The daemon's direct socket, when it runs and listens there: a call
	 * then crosses no bus, and needs no bus connection at all. */
	struct present_wire *direct;
};

/** Connects to the session bus; prints why not and returns PRESENT_EXIT_UNAVAILABLE on failure. */
int present_client_connect(struct present_client *c);

/**
 * For verbs that only call the daemon: its direct socket when it listens
 * there, else the session bus (as present_client_connect()). Calls fall
 * back to the bus by themselves when the daemon turns out to be going away.
 */
int present_client_connect_daemon(struct present_client *c);

/**
 * Whether a session bus seems to be there, without connecting: the address
 * is set (a unix:path one must exist) or $XDG_RUNTIME_DIR/bus exists.
 */
bool present_client_bus_plausible(void);

/** Closes the connection; accepts a client that never connected. */
void present_client_disconnect(struct present_client *c);

/**
 * Whether the daemon runs now. Asking does not start it, so read-only verbs
 * stay instant and never wake an idle desktop.
 */
bool present_client_daemon_running(struct present_client *c);

/**
 * Calls a method of the daemon and waits for its reply (see
 * present_wire_call() for the arguments). Only calls that start a session
 * may activate the daemon: the others have nothing to ask an idle one.
 * Returns NULL with err filled when the call failed.
 */
struct present_wire_msg *present_client_call(struct present_client *c, const char *method, bool activate,
	struct present_wire_error *err, const char *signature, ...);

/** present_client_call() with a va_list. */
struct present_wire_msg *present_client_callv(struct present_client *c, const char *method, bool activate,
	struct present_wire_error *err, const char *signature, va_list ap);

/** Calls a method of the bus itself (org.freedesktop.DBus) that takes one string: NameHasOwner, AddMatch. */
struct present_wire_msg *present_client_call_bus(struct present_client *c, const char *member,
	struct present_wire_error *err, const char *arg);

/** Whether err says the daemon is not running (for a call that does not activate it). */
bool present_client_no_daemon(const struct present_wire_error *err);

/** Prints a failed call's error once and returns the exit code it maps to. */
int present_client_report(const char *what, const struct present_wire_error *err);

/**
 * Writes "present: <lead><message>" to stderr: lead is formatted as printf
 * does, message is another program's words (the daemon's, the bus's, a
 * server's) and is filtered for the terminal; NULL is "out of memory".
 */
__attribute__((format(printf, 2, 3))) void present_client_complain(const char *message, const char *lead, ...);

#endif
