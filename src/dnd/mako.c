/*
 * mako: the mode "do-not-disturb" added to the active modes (SetModes), and
 * taken out again at the end, whatever other modes the user switched
 * meanwhile. The mode does nothing unless the user's mako config defines it,
 * so that is checked and said, instead of pretending.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* As mako reads its file: a line is taken without the space around it, and
 * one that starts with '#' is a comment, whose mode would hide nothing. */
static bool file_defines_mode(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	bool found = false;
	while (!found && (len = getline(&line, &size, f)) >= 0) {
		char *start = line + strspn(line, " \t");
		char *end = line + len;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		*end = '\0';
		found = strcmp(start, "[mode=" DND_MODE "]") == 0;
	}
	free(line);
	fclose(f);
	return found;
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
	if (!path || !file_defines_mode(path)) {
		if (asprintf(&note,
			    "mako's config (%s) defines no \"" DND_MODE "\" mode, so it would change nothing; add "
			    "\"[mode=" DND_MODE "]\" and \"invisible=1\" to it",
			    path ? path : candidates[1] ? candidates[1] : "~/.config/mako/config") < 0)
			note = NULL;
	}
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
