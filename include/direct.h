#ifndef PRESENT_DIRECT_H
#define PRESENT_DIRECT_H

#include <dbus/dbus.h>
#include <stdbool.h>

/*
 * The daemon's direct socket: `present` run by the same user calls the
 * daemon there, peer to peer, instead of through the session bus, which
 * would carry each call and its reply twice and make the daemon ask who the
 * caller is. It is at present_path_direct(), open only while the daemon
 * owns its bus name; the bus remains the way to start the daemon and the
 * only one for everyone else.
 */
struct present_direct;

/** What the daemon does with each caller's connection. */
struct present_direct_ops {
	/* Exports the daemon's object on conn; false when out of memory. */
	bool (*serve)(DBusConnection *conn, void *data);
	/* A caller's connection has closed (the daemon may now be idle). */
	void (*closed)(void *data);
};

/**
 * Listens at path (its directory is made private first); returns NULL with
 * *ret_error set when it cannot. Connections are accepted from the default
 * GMainContext.
 */
struct present_direct *present_direct_open(const char *path, const struct present_direct_ops *ops, void *data,
	char **ret_error);

/** Whether a caller's connection is open and was heard from lately (an exit now could cut off its call). */
bool present_direct_busy(const struct present_direct *x);

/**
 * Stops listening and removes the socket (a caller waiting to be accepted
 * is reset, and so knows its call was never read), closes every connection
 * and frees x; accepts NULL.
 */
void present_direct_free(struct present_direct *x);

#endif
