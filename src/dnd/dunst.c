/*
 * dunst: the `paused` property of org.dunstproject.cmd0. It lives in dunst's
 * memory only; paused alerts wait and are all shown on unpause.
 */
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "dnd.h"

#define DUNST_INTERFACE "org.dunstproject.cmd0"

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "dunst") == 0;
}

static int read_paused(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	int r = present_bus_get_bool(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH, DUNST_INTERFACE,
		"paused", ret_on, ret_error);
	if (r == 0 && ret_saved)
		*ret_saved = strdup(*ret_on ? "true" : "false");
	return r;
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	return present_bus_set_bool(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH, DUNST_INTERFACE,
		"paused", true, ret_error);
}

static int on_read(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, bool *ret_on,
	char **ret_error)
{
	return present_bus_set_bool_read_back(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH,
		DUNST_INTERFACE, "paused", true, ret_on, ret_error);
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	return present_bus_set_bool(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH, DUNST_INTERFACE,
		"paused", false, ret_error);
}

const struct present_dnd_backend present_dnd_dunst = {
	.id = "dunst",
	.title = "dunst",
	.plain = true,
	.shows_held_again = true,
	.probe = probe,
	.read = read_paused,
	.on = on,
	.on_read = on_read,
	.off = off,
};
