/* Cinnamon: display-notifications off. Alerts that arrive meanwhile are destroyed, not queued. */
#include <string.h>

#include "dnd-gsettings.h"

static const struct present_gsettings_switch sw = {
	"org.cinnamon.desktop.notifications", "display-notifications", false};

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "cinnamon") == 0 && present_gsettings_probe_key(ctx);
}

const struct present_dnd_backend present_dnd_cinnamon = {
	.id = "cinnamon",
	.title = "Cinnamon",
	.persistent = true,
	.data = &sw,
	.probe = probe,
	.read = present_gsettings_backend_read,
	.on = present_gsettings_backend_on,
	.off = present_gsettings_backend_off,
	.release = present_gsettings_backend_release,
};
