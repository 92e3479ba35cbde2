#ifndef PRESENT_CAPTURE_H
#define PRESENT_CAPTURE_H

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>

#include "classify.h"

struct present_capture;

/** How capture sorts what it holds (copied at the start). */
struct present_capture_rules {
	struct present_classify_lists lists;
	int64_t ack_within, answer_within; /* seconds from the first message */
	void (*on_new)(void *userdata); /* a new alert was held (may be NULL) */
	void *userdata;
};

/**
 * Starts holding alerts for session_id: a monitor on the bus, and a writer
 * thread with its own connection to the store at store_path. bus is the
 * daemon's own connection, used to learn who owns the notification name and
 * to recognise present's own calls. NULL with *ret_error when the bus
 * refuses a monitor or the store cannot be opened.
 */
struct present_capture *present_capture_start(DBusConnection *bus, const char *store_path, int64_t session_id,
	const struct present_capture_rules *rules, char **ret_error);

/** Stops watching, writes what is queued, and frees; accepts NULL. */
void present_capture_stop(struct present_capture *cap);

/** The notification name has a new owner (or none: NULL), whose own forwarding hops are not new alerts. */
void present_capture_server_owner(struct present_capture *cap, const char *owner);

/** Decodes and records one message, as the monitor hands it over (exposed for tests). */
void present_capture_message(struct present_capture *cap, DBusMessage *msg);

/** Alerts recorded so far in this session (new ones, not updates). */
uint64_t present_capture_count(const struct present_capture *cap);

#endif
