#ifndef PRESENT_SERVICE_H
#define PRESENT_SERVICE_H

#include <dbus/dbus.h>
#include <stdbool.h>

struct present_daemon;

/** Exports the interface on conn: the bus, or a caller's direct connection. Returns false when out of memory. */
bool present_service_register(struct present_daemon *d, DBusConnection *conn);

/** Emits SessionStarted, SessionChanged or SessionEnded (with reason) describing the session as it is. */
void present_service_emit(struct present_daemon *d, const char *signal, const char *reason);

/** Emits PropertiesChanged with every session property as it is now. */
void present_service_properties_changed(struct present_daemon *d);

/**
 * Sends the reply a handler left in d->early_reply, or answers d->ending_call,
 * if any (present_session_end() calls it once do-not-disturb is put back, so
 * that the reply says what could not be): the caller need not wait for the
 * store and the replay.
 */
void present_service_reply_early(struct present_daemon *d);

#endif
