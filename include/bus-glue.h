#ifndef PRESENT_BUS_GLUE_H
#define PRESENT_BUS_GLUE_H

#include <dbus/dbus.h>
#include <glib.h>
#include <stdbool.h>

/**
 * Runs a libdbus-1 connection from a GMainContext: its watches become fd
 * sources, its timeouts GLib timeouts, and queued messages are dispatched
 * from the loop. Keeps the process on one event loop.
 */
void present_bus_glue_attach(DBusConnection *connection, GMainContext *context);

/**
 * Runs a DBusServer from a GMainContext: it accepts connections from the
 * loop. Returns false when out of memory. dbus_server_disconnect() undoes it.
 */
bool present_bus_glue_attach_server(DBusServer *server, GMainContext *context);

/** Undoes present_bus_glue_attach() (nothing if it never ran); call before the last unref. */
void present_bus_glue_detach(DBusConnection *connection);

#endif
