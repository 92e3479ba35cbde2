/*
 * xfce4-notifyd: the Xfconf property /do-not-disturb of the xfce4-notifyd
 * channel. It does not exist until first set; "unset" is saved then, and the
 * end resets the property instead of writing false. Persistent in Xfconf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "dnd.h"

#define XFCONF_NAME "org.xfce.Xfconf"
#define XFCONF_PATH "/org/xfce/Xfconf"
#define XFCONF_NOT_FOUND "org.xfce.Xfconf.Error.PropertyNotFound"

static const char *channel = "xfce4-notifyd", *property = "/do-not-disturb";

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && (strcmp(ctx->server->name, "Xfce Notify Daemon") == 0 ||
		present_bus_has_owner(ctx->bus, "org.xfce.Notifyd"));
}

static DBusMessage *request(const char *method)
{
	DBusMessage *msg = dbus_message_new_method_call(XFCONF_NAME, XFCONF_PATH, XFCONF_NAME, method);
	if (msg && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &channel, DBUS_TYPE_STRING, &property,
			   DBUS_TYPE_INVALID)) {
		dbus_message_unref(msg);
		msg = NULL;
	}
	return msg;
}

static int read_dnd(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	DBusMessage *msg = request("GetProperty"), *reply = NULL;
	char *error_name = NULL;
	if (!msg)
		return -ENOMEM;
	int r = present_bus_send(ctx->bus, msg, &reply, &error_name, ret_error);
	if (r < 0 && error_name && strcmp(error_name, XFCONF_NOT_FOUND) == 0) {
		/* Never set: off, and to be reset rather than written at the end. */
		free(*ret_error);
		*ret_error = NULL;
		*ret_on = false;
		r = 0;
		if (ret_saved)
			*ret_saved = strdup("unset");
	} else if (r == 0) {
		bool on = false;
		present_bus_read_variant_bool(reply, &on);
		*ret_on = on;
		if (ret_saved)
			*ret_saved = strdup(on ? "true" : "false");
	}
	free(error_name);
	if (reply)
		dbus_message_unref(reply);
	return r;
}

static DBusMessage *setting(bool value)
{
	DBusMessage *msg = request("SetProperty");
	DBusMessageIter it;
	if (msg) {
		dbus_message_iter_init_append(msg, &it);
		if (!present_bus_append_variant_bool(&it, value)) {
			dbus_message_unref(msg);
			msg = NULL;
		}
	}
	return msg;
}

static int set_dnd(const struct present_dnd_ctx *ctx, bool value, char **ret_error)
{
	DBusMessage *msg = setting(value);
	return msg ? present_bus_send(ctx->bus, msg, NULL, NULL, ret_error) : -ENOMEM;
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	return set_dnd(ctx, true, ret_error);
}

static int on_read(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, bool *ret_on,
	char **ret_error)
{
	DBusMessage *reply = NULL;
	int r = present_bus_send_both(ctx->bus, setting(true), request("GetProperty"), &reply, ret_error);
	if (r < 0)
		return r;
	bool on = false;
	bool ok = present_bus_read_variant_bool(reply, &on);
	dbus_message_unref(reply);
	if (!ok) {
		if (asprintf(ret_error, "%s GetProperty did not answer a boolean", XFCONF_NAME) < 0)
			*ret_error = NULL;
		return -EPROTO;
	}
	*ret_on = on;
	return 0;
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	if (strcmp(saved, "unset") != 0)
		return set_dnd(ctx, strcmp(saved, "true") == 0, ret_error);
	DBusMessage *msg = request("ResetProperty");
	dbus_bool_t recursive = FALSE;
	if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_BOOLEAN, &recursive, DBUS_TYPE_INVALID)) {
		if (msg)
			dbus_message_unref(msg);
		return -ENOMEM;
	}
	return present_bus_send(ctx->bus, msg, NULL, NULL, ret_error);
}

const struct present_dnd_backend present_dnd_xfce = {
	.id = "xfce",
	.title = "xfce4-notifyd",
	.persistent = true,
	.probe = probe,
	.read = read_dnd,
	.on = on,
	.on_read = on_read,
	.off = off,
};
