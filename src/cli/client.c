#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "paths.h"
#include "protocol.h"
#include "text.h"

#define DBUS_ERROR "org.freedesktop.DBus.Error."

int present_client_connect(struct present_client *c)
{
	struct present_wire_error err = {0};
	c->bus = present_wire_connect(&err);
	if (!c->bus) {
		present_client_complain(err.message, "cannot reach the session bus: ");
		present_wire_error_free(&err);
		return PRESENT_EXIT_UNAVAILABLE;
	}
	return PRESENT_EXIT_OK;
}

int present_client_connect_daemon(struct present_client *c)
{
	struct present_wire_error err = {0};
	char *path = present_path_direct();
	/* No socket, or a stale one (a daemon that died): the bus, which starts one. */
	c->direct = path ? present_wire_connect_direct(path, &err) : NULL;
	free(path);
	present_wire_error_free(&err);
	return c->direct ? PRESENT_EXIT_OK : present_client_connect(c);
}

bool present_client_bus_plausible(void)
{
	char *address = present_path_session_bus(), path[4096];
	bool plausible = address != NULL;
	if (address && strncmp(address, "unix:path=", 10) == 0) {
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(address + 10, ",;"), address + 10);
		plausible = access(path, F_OK) == 0;
	}
	free(address);
	return plausible;
}

void present_client_disconnect(struct present_client *c)
{
	present_wire_close(c->bus);
	present_wire_close(c->direct);
	c->bus = c->direct = NULL;
}

struct present_wire_msg *present_client_call_bus(struct present_client *c, const char *member,
	struct present_wire_error *err, const char *arg)
{
	return present_wire_call(c->bus,
		&(struct present_wire_call){
			.destination = "org.freedesktop.DBus",
			.path = "/org/freedesktop/DBus",
			.interface = "org.freedesktop.DBus",
			.member = member,
		},
		err, "s", arg);
}

bool present_client_daemon_running(struct present_client *c)
{
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = present_client_call_bus(c, "NameHasOwner", &err, PRESENT_BUS_NAME);
	bool running = false;
	struct present_wire_iter it;
	if (reply) {
		present_wire_iter_init(reply, &it);
		if (!present_wire_iter_read(&it, 'b', &running))
			running = false;
	}
	present_wire_msg_free(reply);
	present_wire_error_free(&err);
	return running;
}

struct present_wire_msg *present_client_callv(struct present_client *c, const char *method, bool activate,
	struct present_wire_error *err, const char *signature, va_list ap)
{
	const struct present_wire_call call = {
		.destination = PRESENT_BUS_NAME,
		.path = PRESENT_OBJECT_PATH,
		.interface = PRESENT_INTERFACE,
		.member = method,
		.no_auto_start = !activate,
	};
	if (c->direct) {
		va_list again;
		va_copy(again, ap);
		struct present_wire_msg *reply = present_wire_callv(c->direct, &call, err, signature, again);
		va_end(again);
		if (reply || !present_wire_unread(c->direct))
			return reply;
		/* The daemon never read the call: it was exiting when idle (it closes
		 * the socket first, so waiting connections are reset) or it died. The
		 * bus reaches whichever daemon holds the name now, or starts one. */
		present_wire_close(c->direct);
		c->direct = NULL;
		present_wire_error_free(err);
	}
	if (!c->bus && !(c->bus = present_wire_connect(err)))
		return NULL;
	/* A daemon exiting when idle refuses what it could not see through; the
	 * bus gives the call again to the next daemon, starting it (or, under
	 * systemd, once this one is gone). A few tries: each exit is one. */
	for (int tries = 1;; tries++) {
		va_list again;
		va_copy(again, ap);
		struct present_wire_msg *reply = present_wire_callv(c->bus, &call, err, signature, again);
		va_end(again);
		if (reply || tries == 3 || !err->name || strcmp(err->name, PRESENT_ERROR_EXITING) != 0)
			return reply;
		present_wire_error_free(err);
	}
}

struct present_wire_msg *present_client_call(struct present_client *c, const char *method, bool activate,
	struct present_wire_error *err, const char *signature, ...)
{
	va_list ap;
	va_start(ap, signature);
	struct present_wire_msg *reply = present_client_callv(c, method, activate, err, signature, ap);
	va_end(ap);
	return reply;
}

bool present_client_no_daemon(const struct present_wire_error *err)
{
	return err->name &&
		(strcmp(err->name, DBUS_ERROR "ServiceUnknown") == 0 || strcmp(err->name, DBUS_ERROR "NameHasNoOwner") == 0);
}

static bool is_unreachable(const char *name)
{
	static const char *const names[] = {
		DBUS_ERROR "ServiceUnknown",
		DBUS_ERROR "NameHasNoOwner",
		DBUS_ERROR "NoReply",
		DBUS_ERROR "Timeout",
		DBUS_ERROR "Disconnected",
		DBUS_ERROR "UnknownObject",
	};
	if (strncmp(name, DBUS_ERROR "Spawn.", strlen(DBUS_ERROR "Spawn.")) == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

void present_client_complain(const char *message, const char *lead, ...)
{
	va_list ap;
	va_start(ap, lead);
	fputs("present: ", stderr);
	vfprintf(stderr, lead, ap);
	va_end(ap);
	present_text_terminal(stderr, message ? message : "out of memory");
	fputc('\n', stderr);
}

int present_client_report(const char *what, const struct present_wire_error *err)
{
	const char *name = err->name ? err->name : "";
	int code = PRESENT_EXIT_FAILURE;
	if (strcmp(name, PRESENT_ERROR_CONFIG) == 0) {
		code = PRESENT_EXIT_CONFIG;
		present_client_complain(err->message, "%s", "");
	} else if (strcmp(name, DBUS_ERROR "AuthFailed") == 0 || strcmp(name, DBUS_ERROR "NoServer") == 0 ||
		   strcmp(name, DBUS_ERROR "BadAddress") == 0) {
		/* The connection is made without waiting, so a bus that refuses us says so at the first call. The
		 * other two come from connecting to the bus, late when the daemon's own socket failed the call. */
		code = PRESENT_EXIT_UNAVAILABLE;
		present_client_complain(err->message, "cannot reach the session bus: ");
	} else if (is_unreachable(name)) {
		code = PRESENT_EXIT_UNAVAILABLE;
		present_client_complain(err->message, "cannot reach the present daemon (%s): ", PRESENT_BUS_NAME);
	} else {
		present_client_complain(err->message, "cannot %s: ", what);
	}
	return code;
}
