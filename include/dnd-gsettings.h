#ifndef PRESENT_DND_GSETTINGS_H
#define PRESENT_DND_GSETTINGS_H

#include <stdbool.h>

#include "dnd.h"

/*
 * A boolean GSettings key used as a do-not-disturb switch, shared by the
 * GNOME, Cinnamon, MATE and elementary backends. What is saved is the user's
 * own value: "default" when the key was never set, so that the end resets it
 * instead of writing the default down as if the user had chosen it.
 */
struct present_gsettings_switch {
	const char *schema;
	const char *key;
	bool on_value; /* the value that means "do not disturb" */
};

/**
 * Whether the switch's schema is installed, with its key: GSettings aborts
 * on a missing one, so always ask first; and a release of the schema from
 * before the key has no switch to set.
 */
bool present_gsettings_has(const struct present_gsettings_switch *sw);

/** Reads the switch; path is NULL for a fixed schema, else the relocatable schema's path. */
int present_gsettings_read(const struct present_gsettings_switch *sw, const char *path, bool *ret_on,
	char **ret_saved, char **ret_error);

/** Turns the switch on and waits until the write reached the settings backend. */
int present_gsettings_on(const struct present_gsettings_switch *sw, const char *path, char **ret_error);

/** Puts back what present_gsettings_read() saved, and reads it back: dconf can fail a write it took. */
int present_gsettings_off(const struct present_gsettings_switch *sw, const char *path, const char *saved,
	char **ret_error);

/** Closes the switches the calls above opened and kept (each stays open from first use until then). */
void present_gsettings_release(void);

/*
 * Backend functions for a desktop whose whole switch is one key: the
 * backend's data is its struct present_gsettings_switch.
 */
bool present_gsettings_probe_key(const struct present_dnd_ctx *ctx);
int present_gsettings_backend_read(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on,
	char **ret_saved, char **ret_error);
int present_gsettings_backend_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved,
	char **ret_error);
int present_gsettings_backend_off(const struct present_dnd_ctx *ctx, const char *app, const char *saved,
	char **ret_error);
void present_gsettings_backend_release(const struct present_dnd_ctx *ctx);

#endif
