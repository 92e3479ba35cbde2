/*
 * KDE Plasma: an inhibition through org.freedesktop.Notifications.Inhibit.
 * It is ours alone (the user's own do-not-disturb is untouched) and Plasma
 * drops it when our connection closes, so the daemon holds it for the whole
 * session and a crash cannot leave it behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "dnd.h"

static int probe(const struct present_dnd_ctx *ctx)
{
	if (!ctx->server)
		return false;
	if (strcmp(ctx->server->name, "Plasma") == 0 && strcmp(ctx->server->vendor, "KDE") == 0)
		return true;
	/* Another server that offers the same inhibition works the same way. */
	char *xml = present_bus_introspect(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH);
	bool found = xml && strstr(xml, "name=\"Inhibit\"") && strstr(xml, "name=\"Inhibited\"");
	free(xml);
	return found;
}

static int read_inhibited(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	return present_bus_get_bool(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH,
		PRESENT_NOTIFICATIONS_NAME, "Inhibited", ret_on, ret_error);
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	const char *desktop_entry = "present", *reason = "Focus session";
	DBusMessage *reply, *msg = dbus_message_new_method_call(PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH,
		PRESENT_NOTIFICATIONS_NAME, "Inhibit");
	DBusMessageIter it, hints;
	if (msg) {
		dbus_message_iter_init_append(msg, &it);
		if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &desktop_entry) ||
			!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &reason) ||
			!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &hints) ||
			!dbus_message_iter_close_container(&it, &hints)) {
			dbus_message_unref(msg);
			msg = NULL;
		}
	}
	if (!msg)
		return -ENOMEM;
	/* As every other call: a server still starting (its name or method not there yet) is told apart. */
	int r = present_bus_send(ctx->bus, msg, &reply, NULL, ret_error);
	if (r < 0)
		return r;
	/* Without its cookie, the hold could never be released: it is no hold. */
	uint32_t cookie = 0;
	bool given = dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &cookie, DBUS_TYPE_INVALID);
	if (!given && asprintf(ret_error, "%s Inhibit answered with (%s), not (u)", PRESENT_NOTIFICATIONS_NAME,
			      dbus_message_get_signature(reply)) < 0)
		*ret_error = NULL;
	dbus_message_unref(reply);
	if (!given)
		return -EPROTO;
	if (asprintf(ret_saved, "%" PRIu32, cookie) < 0)
		return -ENOMEM;
	return 0;
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	uint32_t cookie = (uint32_t)strtoul(saved, NULL, 10);
	return present_bus_call(ctx->bus, PRESENT_NOTIFICATIONS_NAME, PRESENT_NOTIFICATIONS_PATH,
		PRESENT_NOTIFICATIONS_NAME, "UnInhibit", NULL, ret_error, DBUS_TYPE_UINT32, &cookie, DBUS_TYPE_INVALID);
}

const struct present_dnd_backend present_dnd_kde = {
	.id = "kde",
	.title = "KDE Plasma",
	.held = true,
	.released_on_disconnect = true,
	.probe = probe,
	.read = read_inhibited,
	.on = on,
	.off = off,
};
