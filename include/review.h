#ifndef PRESENT_REVIEW_H
#define PRESENT_REVIEW_H

struct present_config;

/*
 * What the "Catch up" button of the summary and of reminders runs. The
 * user's replay.review_command as written; by default the catch-up in a
 * terminal window, and a terminal is what no one program names on every
 * distribution (x-terminal-emulator is Debian's), so one is looked for.
 */

/**
 * The argv for the button (g_strfreev() it), or NULL for no button: the
 * user set none, or it is the default and no terminal was found in PATH
 * (said in the log once).
 */
char **present_review_command(const struct present_config *cfg);

/**
 * argv run in a new terminal window: the first found in PATH of
 * xdg-terminal-exec (the user's choice, by the freedesktop proposal),
 * x-terminal-emulator (Debian's alternative), the terminals of the desktops
 * XDG_CURRENT_DESKTOP names, then the others this knows. NULL when none is
 * found. g_strfreev() it.
 */
char **present_in_terminal(const char *const *argv);

#endif
