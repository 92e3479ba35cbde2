#ifndef PRESENT_PATHS_H
#define PRESENT_PATHS_H

#include <stdbool.h>

/**
 * The XDG base directory named by env_var, or HOME/fallback when it is unset
 * or not absolute (as the spec says). Returns a string to free(), or NULL
 * when neither can be found.
 */
char *present_path_xdg(const char *env_var, const char *fallback);

/** $XDG_STATE_HOME/present; free() it. */
char *present_path_state_dir(void);

/** The store's database file, in the state directory; free() it. */
char *present_path_store(void);

/** Whether the store's file exists: no session was ever recorded without it. */
bool present_path_store_exists(void);

/**
 * Makes dir and its parents, then insists it is a directory owned by us
 * with mode 0700 (tightening it if needed). Returns 0 or -errno; -EPERM
 * when another user owns it.
 */
int present_path_ensure_private_dir(const char *dir);

/**
 * The session bus's address: $DBUS_SESSION_BUS_ADDRESS, else
 * unix:path=$XDG_RUNTIME_DIR/bus, as libdbus and sd-bus fall back to.
 * NULL when neither is set; free() it.
 */
char *present_path_session_bus(void);

/**
 * $XDG_RUNTIME_DIR/present/NAME-HASH, HASH naming the session bus's
 * address (present_path_session_bus()): what is kept there belongs to one
 * bus. NULL without an absolute $XDG_RUNTIME_DIR; free() it.
 */
char *present_path_for_bus(const char *name);

/**
 * The daemon's direct socket for the session bus of this environment,
 * present_path_for_bus("bus"), so that a daemon only ever answers there
 * for its own bus. NULL as present_path_for_bus(), or when the path is too
 * long for a socket; free() it.
 */
char *present_path_direct(void);

#endif
