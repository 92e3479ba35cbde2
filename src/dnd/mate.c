/* MATE's notification daemon: do-not-disturb on. It shares GNOME's server name, so the vendor tells them apart. */
#include <string.h>

#include "dnd-gsettings.h"

static const struct present_gsettings_switch sw = {"org.mate.NotificationDaemon", "do-not-disturb", true};

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "Notification Daemon") == 0 &&
		strcmp(ctx->server->vendor, "MATE") == 0 && present_gsettings_probe_key(ctx);
}

const struct present_dnd_backend present_dnd_mate = {
	.id = "mate",
	.title = "MATE",
	.persistent = true,
	.data = &sw,
	.probe = probe,
	.read = present_gsettings_backend_read,
	.on = present_gsettings_backend_on,
	.off = present_gsettings_backend_off,
	.release = present_gsettings_backend_release,
};
