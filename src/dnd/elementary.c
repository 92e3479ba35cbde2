/* elementary OS: io.elementary.notifications do-not-disturb on. */
#include <string.h>

#include "dnd-gsettings.h"

static const struct present_gsettings_switch sw = {"io.elementary.notifications", "do-not-disturb", true};

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "io.elementary.notifications") == 0 &&
		present_gsettings_probe_key(ctx);
}

const struct present_dnd_backend present_dnd_elementary = {
	.id = "elementary",
	.title = "elementary",
	.persistent = true,
	.data = &sw,
	.probe = probe,
	.read = present_gsettings_backend_read,
	.on = present_gsettings_backend_on,
	.off = present_gsettings_backend_off,
	.release = present_gsettings_backend_release,
};
