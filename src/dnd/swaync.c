/*
 * SwayNotificationCenter. Versions with inhibitors (0.8 and later) get our
 * own inhibitor "present", which leaves the user's do-not-disturb alone; it
 * is not dropped if we die, so it is recorded and removed at restore (by id,
 * which is idempotent). Older ones (0.7) get SetDnd, which persists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "dnd.h"

#define CC_NAME "org.erikreider.swaync.cc"
#define CC_PATH "/org/erikreider/swaync/cc"

static bool is_swaync(const struct present_dnd_ctx *ctx)
{
	return ctx->server && (strcmp(ctx->server->name, "SwayNotificationCenter") == 0 ||
		present_bus_has_owner(ctx->bus, CC_NAME));
}

/* swaync 0.8 and later take the notification name before they register
 * their control centre and own its name: until that answers with its
 * interface, which swaync it is cannot be told, and it must not be taken for
 * 0.7 (whose switch is the user's own) for as long as it runs. */
static int has_inhibitors(const struct present_dnd_ctx *ctx)
{
	char *xml = present_bus_introspect(ctx->bus, CC_NAME, CC_PATH);
	int found = !xml || !strstr(xml, "name=\"" CC_NAME "\"") ? -EAGAIN :
		strstr(xml, "name=\"AddInhibitor\"") != NULL;
	free(xml);
	return found;
}

static int probe_inhibitor(const struct present_dnd_ctx *ctx)
{
	return is_swaync(ctx) ? has_inhibitors(ctx) : 0;
}

/* The inhibitor's entry comes first in the table and claims every swaync
 * that has inhibitors, and stops the detection at one it cannot tell yet, so
 * one that reaches this probe has none: asking its interface again would
 * only repeat the look that found that out. */
static int probe_dnd(const struct present_dnd_ctx *ctx)
{
	return is_swaync(ctx);
}

static int read_dnd(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	int r = present_bus_call_bool(ctx->bus, CC_NAME, CC_PATH, CC_NAME, "GetDnd", ret_on, ret_error);
	if (r == 0 && ret_saved)
		*ret_saved = strdup(*ret_on ? "true" : "false");
	return r;
}

static int set_dnd(const struct present_dnd_ctx *ctx, bool value, char **ret_error)
{
	dbus_bool_t b = value;
	return present_bus_call(ctx->bus, CC_NAME, CC_PATH, CC_NAME, "SetDnd", NULL, ret_error, DBUS_TYPE_BOOLEAN, &b,
		DBUS_TYPE_INVALID);
}

static int dnd_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	return set_dnd(ctx, true, ret_error);
}

static int dnd_on_read(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, bool *ret_on,
	char **ret_error)
{
	dbus_bool_t b = TRUE;
	return present_bus_call_read_back(ctx->bus, CC_NAME, CC_PATH, CC_NAME, "SetDnd", "GetDnd", ret_on, ret_error,
		DBUS_TYPE_BOOLEAN, &b, DBUS_TYPE_INVALID);
}

/* Off whatever it reads: a session records a change only when it found
 * the switch off, so off is always what goes back. */
static int dnd_off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	return set_dnd(ctx, false, ret_error);
}

static const char *inhibitor_id = "present";

static int read_inhibited(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	return present_bus_call_bool(ctx->bus, CC_NAME, CC_PATH, CC_NAME, "IsInhibited", ret_on, ret_error);
}

static int inhibit(const struct present_dnd_ctx *ctx, const char *method, char **ret_error)
{
	return present_bus_call(ctx->bus, CC_NAME, CC_PATH, CC_NAME, method, NULL, ret_error, DBUS_TYPE_STRING,
		&inhibitor_id, DBUS_TYPE_INVALID);
}

static int inhibitor_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	*ret_saved = strdup(inhibitor_id);
	return inhibit(ctx, "AddInhibitor", ret_error);
}

static int inhibitor_on_read(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, bool *ret_on,
	char **ret_error)
{
	*ret_saved = strdup(inhibitor_id);
	return present_bus_call_read_back(ctx->bus, CC_NAME, CC_PATH, CC_NAME, "AddInhibitor", "IsInhibited", ret_on,
		ret_error, DBUS_TYPE_STRING, &inhibitor_id, DBUS_TYPE_INVALID);
}

static int inhibitor_off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	return inhibit(ctx, "RemoveInhibitor", ret_error);
}

const struct present_dnd_backend present_dnd_swaync_inhibitor = {
	.id = "swaync-inhibitor",
	.title = "SwayNotificationCenter",
	.held = true,
	.probe = probe_inhibitor,
	.read = read_inhibited,
	.on = inhibitor_on,
	.on_read = inhibitor_on_read,
	.off = inhibitor_off,
};

const struct present_dnd_backend present_dnd_swaync = {
	.id = "swaync",
	.title = "SwayNotificationCenter",
	.persistent = true,
	.plain = true,
	.probe = probe_dnd,
	.read = read_dnd,
	.on = dnd_on,
	.on_read = dnd_on_read,
	.off = dnd_off,
};
