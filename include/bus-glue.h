#ifndef PRESENT_BUS_GLUE_H
#define PRESENT_BUS_GLUE_H

#include <dbus/dbus.h>
#include <glib.h>

/**
 * Runs a libdbus-1 connection from a GMainContext: its watches become fd
 * sources, its timeouts GLib timeouts, and queued messages are dispatched
 * from the loop. Keeps the process on one event loop.
 */
void present_bus_glue_attach(DBusConnection *connection, GMainContext *context);

/** Undoes present_bus_glue_attach() (nothing if it never ran); call before the last unref. */
void present_bus_glue_detach(DBusConnection *connection);

#endif
