/*
 * Budgie (10.6 and later): its Dispatcher has no setter, only a toggle, so
 * the switch is read first and toggled only when it is not yet as wanted.
 * In memory only.
 */
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "dnd.h"

#define BUDGIE_NAME "org.budgie_desktop.Notifications"
#define BUDGIE_PATH "/org/budgie_desktop/Notifications"
#define BUDGIE_INTERFACE "org.buddiesofbudgie.budgie.Dispatcher"

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && (strcmp(ctx->server->name, "Budgie Notification Server") == 0 ||
		present_bus_has_owner(ctx->bus, BUDGIE_NAME));
}

static int read_dnd(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	int r = present_bus_call_bool(ctx->bus, BUDGIE_NAME, BUDGIE_PATH, BUDGIE_INTERFACE, "GetDoNotDisturb", ret_on,
		ret_error);
	if (r == 0 && ret_saved)
		*ret_saved = strdup(*ret_on ? "true" : "false");
	return r;
}

static int set_dnd(const struct present_dnd_ctx *ctx, bool want, char **ret_error)
{
	bool now;
	int r = read_dnd(ctx, NULL, &now, NULL, ret_error);
	if (r < 0 || now == want)
		return r;
	return present_bus_call(ctx->bus, BUDGIE_NAME, BUDGIE_PATH, BUDGIE_INTERFACE, "ToggleDoNotDisturb", NULL,
		ret_error, DBUS_TYPE_INVALID);
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	return set_dnd(ctx, true, ret_error);
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	return set_dnd(ctx, false, ret_error);
}

const struct present_dnd_backend present_dnd_budgie = {
	.id = "budgie",
	.title = "Budgie",
	.probe = probe,
	.read = read_dnd,
	.on = on,
	.off = off,
};
