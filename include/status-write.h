#ifndef PRESENT_STATUS_WRITE_H
#define PRESENT_STATUS_WRITE_H

#include <dbus/dbus.h>
#include <stdbool.h>

#include "protocol.h"

/** Appends status as an a{sv} to iter, as GetStatus and the signals carry it. Returns false when out of memory. */
bool present_status_write(const struct present_status *status, DBusMessageIter *iter);

#endif
