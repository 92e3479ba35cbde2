#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "protocol.h"

int present_client_connect(struct present_client *c)
{
	DBusError err;
	dbus_error_init(&err);
	c->bus = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!c->bus) {
		fprintf(stderr, "present: cannot reach the session bus: %s\n", err.message);
		dbus_error_free(&err);
		return PRESENT_EXIT_UNAVAILABLE;
	}
	dbus_connection_set_exit_on_disconnect(c->bus, FALSE);
	return PRESENT_EXIT_OK;
}

bool present_client_bus_plausible(void)
{
	const char *address = getenv("DBUS_SESSION_BUS_ADDRESS"), *run = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	if (address && *address) {
		if (strncmp(address, "unix:path=", 10) != 0)
			return true;
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(address + 10, ",;"), address + 10);
	} else if (run && *run) {
		snprintf(path, sizeof(path), "%s/bus", run);
	} else {
		return false;
	}
	return access(path, F_OK) == 0;
}

void present_client_disconnect(struct present_client *c)
{
	if (!c->bus)
		return;
	dbus_connection_close(c->bus);
	dbus_connection_unref(c->bus);
	c->bus = NULL;
}

bool present_client_daemon_running(struct present_client *c)
{
	return dbus_bus_name_has_owner(c->bus, PRESENT_BUS_NAME, NULL);
}

static bool is_unreachable(const char *name)
{
	static const char *const names[] = {
		DBUS_ERROR_SERVICE_UNKNOWN,
		DBUS_ERROR_NAME_HAS_NO_OWNER,
		DBUS_ERROR_NO_REPLY,
		DBUS_ERROR_TIMEOUT,
		DBUS_ERROR_DISCONNECTED,
		DBUS_ERROR_NO_SERVER,
		DBUS_ERROR_UNKNOWN_OBJECT,
	};
	if (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

int present_client_report(const char *what, const DBusError *err)
{
	if (strcmp(err->name, PRESENT_ERROR_CONFIG) == 0) {
		fprintf(stderr, "present: %s\n", err->message);
		return PRESENT_EXIT_CONFIG;
	}
	if (is_unreachable(err->name)) {
		fprintf(stderr, "present: cannot reach the present daemon (%s): %s\n", PRESENT_BUS_NAME, err->message);
		return PRESENT_EXIT_UNAVAILABLE;
	}
	fprintf(stderr, "present: cannot %s: %s\n", what, err->message);
	return PRESENT_EXIT_FAILURE;
}
