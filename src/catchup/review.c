/*
 * The command behind "Catch up". The catch-up is a terminal program, and
 * each desktop has a terminal of its own with its own way of being told
 * what to run, so the default finds one the way a desktop's launcher does
 * for an entry with Terminal=true, rather than naming Debian's
 * x-terminal-emulator and failing elsewhere.
 */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "review.h"

struct terminal {
	const char *program;
	const char *exec[3]; /* what comes before the command, NULL-terminated */
	bool chosen; /* names the user's choice, whatever the desktop */
	const char *desktops[5]; /* XDG_CURRENT_DESKTOP names it is the terminal of, NULL-terminated */
};

/* In the order tried once the user's choice and the desktop's own are not
 * found. Each takes the rest of its arguments as the command's argv: their
 * single-string options (gnome-terminal's -e, mate-terminal's -e) would
 * need the command quoted for a shell. */
static const struct terminal terminals[] = {
	{"xdg-terminal-exec", {NULL}, true, {NULL}},
	{"x-terminal-emulator", {"-e"}, true, {NULL}},
	{"ptyxis", {"--"}, false, {"GNOME"}},
	{"kgx", {"-e"}, false, {"GNOME"}},
	{"gnome-terminal", {"--"}, false, {"GNOME", "X-Cinnamon", "Budgie", "Unity"}},
	{"konsole", {"-e"}, false, {"KDE"}},
	{"xfce4-terminal", {"-x"}, false, {"XFCE"}},
	{"mate-terminal", {"-x"}, false, {"MATE"}},
	{"io.elementary.terminal", {"-x"}, false, {"Pantheon"}},
	{"tilix", {"-e"}, false, {"Budgie"}},
	{"foot", {"--"}, false, {"sway"}},
	{"terminator", {"-x"}, false, {NULL}},
	{"alacritty", {"-e"}, false, {NULL}},
	{"kitty", {"--"}, false, {NULL}},
	{"wezterm", {"start", "--"}, false, {NULL}},
	{"xterm", {"-e"}, false, {NULL}},
};

#define N_TERMINALS (sizeof(terminals) / sizeof(terminals[0]))

static bool of_desktop(const struct terminal *t, const char *desktop)
{
	for (const char *const *n = t->desktops; *n; n++)
		if (g_ascii_strcasecmp(*n, desktop) == 0)
			return true;
	return false;
}

static char **wrap(const struct terminal *t, char *found, const char *const *argv)
{
	GStrvBuilder *b = g_strv_builder_new();
	g_strv_builder_add(b, found);
	g_free(found);
	for (const char *const *e = t->exec; *e; e++)
		g_strv_builder_add(b, *e);
	g_strv_builder_addv(b, (const char **)argv);
	char **out = g_strv_builder_end(b);
	g_strv_builder_unref(b);
	return out;
}

/* The first terminal in PATH that matches, by its full path: PATH may
 * change before the command is run, what was found may not. */
static char **first(bool (*match)(const struct terminal *, const char *), const char *what, const char *const *argv)
{
	for (size_t i = 0; i < N_TERMINALS; i++) {
		if (!match(&terminals[i], what))
			continue;
		char *found = g_find_program_in_path(terminals[i].program);
		if (found)
			return wrap(&terminals[i], found, argv);
	}
	return NULL;
}

static bool is_chosen(const struct terminal *t, const char *unused)
{
	(void)unused;
	return t->chosen;
}

static bool is_any(const struct terminal *t, const char *unused)
{
	(void)t;
	(void)unused;
	return true;
}

char **present_in_terminal(const char *const *argv)
{
	char **out = first(is_chosen, NULL, argv);
	/* "ubuntu:GNOME": the first name is the most specific. */
	const char *current = g_getenv("XDG_CURRENT_DESKTOP");
	g_auto(GStrv) desktops = g_strsplit(current ? current : "", ":", -1);
	for (char **d = desktops; !out && *d; d++)
		if (**d)
			out = first(of_desktop, *d, argv);
	return out ? out : first(is_any, NULL, argv);
}

char **present_review_command(const struct present_config *cfg)
{
	static bool warned;
	if (!cfg->review_command)
		return NULL;
	if (!cfg->review_in_terminal)
		return g_strdupv(cfg->review_command);
	char **argv = present_in_terminal((const char *const *)cfg->review_command);
	if (!argv && !warned) {
		GString *tried = g_string_new(NULL);
		for (size_t i = 0; i < N_TERMINALS; i++)
			g_string_append_printf(tried, "%s%s", i ? ", " : "", terminals[i].program);
		present_log("warning", "no terminal to run the catch-up in (none of %s is in PATH): the summary has no "
				       "\"Catch up\" button; replay.review_command can name one",
			tried->str);
		g_string_free(tried, TRUE);
		warned = true;
	}
	return argv;
}
