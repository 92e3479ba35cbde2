/*
 * mako: the mode "do-not-disturb" added to the active modes (SetModes), and
 * taken out again at the end, whatever other modes the user switched
 * meanwhile. The mode does nothing unless the user's mako config defines it
 * and makes what comes in it invisible, so that is checked and said,
 * instead of pretending.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bus-call.h"
#include "dnd.h"
#include "paths.h"

#define MAKO_PATH "/fr/emersion/Mako"
#define MAKO_INTERFACE "fr.emersion.Mako"
#define DND_MODE "do-not-disturb"

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "mako") == 0;
}

/* The modes, as a NULL-terminated list; free with free_modes(). */
static int list_modes(const struct present_dnd_ctx *ctx, char ***ret, char **ret_error)
{
	DBusMessage *reply;
	int r = present_bus_call(ctx->bus, PRESENT_NOTIFICATIONS_NAME, MAKO_PATH, MAKO_INTERFACE, "ListModes", &reply,
		ret_error, DBUS_TYPE_INVALID);
	if (r < 0)
		return r;
	char **modes = NULL;
	int n = 0;
	if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &modes, &n, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		if (asprintf(ret_error, "mako ListModes did not answer a list of modes") < 0)
			*ret_error = NULL;
		return -EPROTO;
	}
	dbus_message_unref(reply);
	*ret = modes; /* dbus_free_string_array() frees it */
	return n;
}

static bool has_mode(char **modes, const char *mode)
{
	for (size_t i = 0; modes && modes[i]; i++)
		if (strcmp(modes[i], mode) == 0)
			return true;
	return false;
}

static int read_mode(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	char **modes;
	int r = list_modes(ctx, &modes, ret_error);
	if (r < 0)
		return r;
	*ret_on = has_mode(modes, DND_MODE);
	dbus_free_string_array(modes);
	/* Nothing to save: the end removes just our mode from whatever is active then. */
	if (ret_saved)
		*ret_saved = strdup("");
	return 0;
}

/* Sets the active modes to the current ones with DND_MODE added or removed. */
static int change_modes(const struct present_dnd_ctx *ctx, bool add, char **ret_error)
{
	char **modes;
	int n = list_modes(ctx, &modes, ret_error);
	if (n < 0)
		return n;
	const char **next = calloc((size_t)n + 2, sizeof(*next));
	int m = 0;
	for (int i = 0; next && i < n; i++)
		if (strcmp(modes[i], DND_MODE) != 0)
			next[m++] = modes[i];
	if (next && add)
		next[m++] = DND_MODE;
	int r = next ? present_bus_call(ctx->bus, PRESENT_NOTIFICATIONS_NAME, MAKO_PATH, MAKO_INTERFACE, "SetModes",
			       NULL, ret_error, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &next, m, DBUS_TYPE_INVALID)
		     : -ENOMEM;
	free(next);
	dbus_free_string_array(modes);
	return r;
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	return change_modes(ctx, true, ret_error);
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	return change_modes(ctx, false, ret_error);
}

/* What a mako config makes of the mode: whether a section for it alone
 * exists, and whether it leaves what comes in that mode invisible. */
struct mode_reading {
	bool section;
	bool invisible;
};

/* mako's own boolean words. */
static bool is_true(const char *value)
{
	return strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0;
}

/* An include names a file by an absolute path or one under ~/, as mako
 * takes them; NULL for any other. */
static char *include_path(const char *value)
{
	const char *home = getenv("HOME");
	char *path = NULL;
	if (value[0] == '/')
		path = strdup(value);
	else if (strncmp(value, "~/", 2) == 0 && home && asprintf(&path, "%s/%s", home, value + 2) < 0)
		path = NULL;
	return path;
}

/* Reads path as mako does: each line without the space around it, one that
 * starts with '#' a comment, "[criteria]" opening a section, "key=value"
 * split at the first '=', and an include before any section read in its
 * place (depth bounds a file that includes itself). Later settings win, as
 * mako applies the sections that match in order. */
static void read_config(const char *path, struct mode_reading *reading, int depth)
{
	FILE *f = depth < 8 ? fopen(path, "re") : NULL;
	if (!f)
		return;
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	bool top = true, in_mode = false;
	while ((len = getline(&line, &size, f)) >= 0) {
		char *start = line + strspn(line, " \t");
		char *end = line + len;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		*end = '\0';
		if (!*start || *start == '#')
			continue;
		if (*start == '[' && end[-1] == ']') {
			top = false;
			in_mode = strcmp(start, "[mode=" DND_MODE "]") == 0;
			reading->section |= in_mode;
			continue;
		}
		char *eq = strchr(start, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (in_mode && strcmp(start, "invisible") == 0) {
			reading->invisible = is_true(eq + 1);
		} else if (top && strcmp(start, "include") == 0) {
			char *included = include_path(eq + 1);
			if (included)
				read_config(included, reading, depth + 1);
			free(included);
		}
	}
	free(line);
	fclose(f);
}

/* mako reads the first of these that exists. */
static char *check(const struct present_dnd_ctx *ctx)
{
	char *config_home = present_path_xdg("XDG_CONFIG_HOME", ".config"), *path = NULL, *note = NULL;
	const char *home = getenv("HOME");
	char *candidates[2] = {NULL, NULL};
	if (home && asprintf(&candidates[0], "%s/.mako/config", home) < 0)
		candidates[0] = NULL;
	if (config_home && asprintf(&candidates[1], "%s/mako/config", config_home) < 0)
		candidates[1] = NULL;
	for (int i = 0; i < 2 && !path; i++)
		if (candidates[i] && access(candidates[i], R_OK) == 0)
			path = candidates[i];
	struct mode_reading reading = {0};
	if (path)
		read_config(path, &reading, 0);
	int r = 0;
	if (!reading.section)
		r = asprintf(&note,
			"mako's config (%s) defines no \"" DND_MODE "\" mode, so it would change nothing; add "
			"\"[mode=" DND_MODE "]\" and \"invisible=1\" to it",
			path ? path : candidates[1] ? candidates[1] : "~/.config/mako/config");
	else if (!reading.invisible)
		r = asprintf(&note,
			"mako's config (%s) has a \"[mode=" DND_MODE "]\" section that does not make alerts invisible, so "
			"the mode would hide nothing; add \"invisible=1\" under it",
			path);
	if (r < 0)
		note = NULL;
	free(candidates[0]);
	free(candidates[1]);
	free(config_home);
	return note;
}

const struct present_dnd_backend present_dnd_mako = {
	.id = "mako",
	.title = "mako",
	.shows_held_again = true,
	.probe = probe,
	.read = read_mode,
	.on = on,
	.off = off,
	.check = check,
};
