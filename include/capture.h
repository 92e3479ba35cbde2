#ifndef PRESENT_CAPTURE_H
#define PRESENT_CAPTURE_H

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>

#include "classify.h"

struct present_writer;

struct present_capture;

/** How capture sorts what it holds (copied at the start). */
struct present_capture_rules {
	struct present_classify_lists lists;
	int64_t ack_within, answer_within; /* seconds from the first message */
	void (*on_new)(void *userdata); /* a new alert was held, or one added to what is owed (may be NULL) */
	void (*on_watching)(bool watching, void *userdata); /* the monitor was lost, or is back (may be NULL) */
	void *userdata;
};

/*
 * What a capture needs that is slow to make: the monitor's connection to
 * the bus (authenticated, not yet a monitor) and the writer with its own
 * connection to the store at store_path. The daemon makes one between
 * sessions, so that a start only asks the bus for the monitor role. Nothing
 * in it wakes up while it waits.
 */
struct present_capture_spare;

/**
 * Makes what it can; what failed is made again by present_capture_start(),
 * which says why. Only while no capture runs: its writer numbers alerts on
 * from those already in the store.
 */
struct present_capture_spare *present_capture_spare_make(const char *store_path);

/** Accepts NULL. */
void present_capture_spare_free(struct present_capture_spare *spare);

/**
 * Asks the bus for the monitor role now, so that the answer comes while
 * the start does other work; present_capture_start() takes it.
 */
void present_capture_spare_ask(struct present_capture_spare *spare);

/**
 * Starts holding alerts for session_id from what spare holds (taken): a
 * monitor on the bus, and the writer thread. bus is the daemon's own
 * connection, whose own calls are not alerts; server_owner owns the
 * notification name now (NULL: nobody). NULL with *ret_error when the
 * store cannot be opened. When the bus refuses a monitor, it starts all
 * the same with *ret_error set: not watching, it asks again until the bus
 * lets it (rules->on_watching hears when), and records the gap.
 */
struct present_capture *present_capture_start(DBusConnection *bus, struct present_capture_spare *spare,
	const char *server_owner, int64_t session_id, const struct present_capture_rules *rules, char **ret_error);

/** Stops watching, writes what is queued, and frees; accepts NULL. */
void present_capture_stop(struct present_capture *cap);

/**
 * Stops watching and frees, but hands back the writer (NULL if none), still
 * writing what is queued: a session's end need not give up the alerts a
 * locked store has kept waiting. The count of alerts held, the last ones
 * the bus sent included, in *ret_count unless NULL. Accepts NULL.
 */
struct present_writer *present_capture_end(struct present_capture *cap, uint64_t *ret_count);

/**
 * The session is not recorded yet (the store was locked at its start): its
 * alerts wait, held, for present_capture_recorded().
 */
void present_capture_hold(struct present_capture *cap);

/** The session is recorded as session_id (0: it will not be): what waited is written under it. Accepts NULL. */
void present_capture_recorded(struct present_capture *cap, int64_t session_id);

/** The notification name has a new owner (or none: NULL), whose own forwarding hops are not new alerts. */
void present_capture_server_owner(struct present_capture *cap, const char *owner);

/** Decodes and records one message, as the monitor hands it over (exposed for tests). */
void present_capture_message(struct present_capture *cap, DBusMessage *msg);

/** One alert of an app in ignore_apps, as its notification server knows it. */
typedef void (*present_capture_ignored_fn)(const char *server, uint32_t server_id, void *userdata);

/**
 * Calls fn for each alert from an app in ignore_apps that the notification
 * server may still hold (its app did not withdraw it, the server did not
 * close it): server is the unique name that answered its Notify, server_id
 * that answer. In no particular order.
 */
void present_capture_each_ignored(const struct present_capture *cap, present_capture_ignored_fn fn, void *userdata);

/** Alerts recorded so far in this session (new ones, not updates). */
uint64_t present_capture_count(const struct present_capture *cap);

#endif
