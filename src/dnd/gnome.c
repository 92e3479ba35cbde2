/*
 * GNOME Shell: banners off (org.gnome.desktop.notifications show-banners),
 * and each installed mail client muted through its per-application settings.
 * Alerts stay in GNOME's message list; the shell shows none of them again.
 */
#include <ctype.h>
#include <gio/gdesktopappinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnd-gsettings.h"
#include "dnd.h"

static const struct present_gsettings_switch banners = {"org.gnome.desktop.notifications", "show-banners", false};
static const struct present_gsettings_switch app_banners = {
	"org.gnome.desktop.notifications.application", "show-banners", false};

/* GNOME keys per-app settings by the desktop id, lowercased, with anything
 * but [a-z0-9-] turned into '-' and a run of them into one (a dconf path
 * has no "--"): org.mozilla.Thunderbird -> org-mozilla-thunderbird, as
 * GNOME Shell's _canonicalizeId() makes it. */
static char *app_path(const char *app)
{
	char *path = NULL;
	if (!app)
		return NULL;
	char *id = strdup(app), *out = id;
	for (const char *p = id; p && *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)c))
			c = '-';
		if (c != '-' || out == id || out[-1] != '-')
			*out++ = c;
	}
	if (out)
		*out = '\0';
	if (id && asprintf(&path, "/org/gnome/desktop/notifications/application/%s/", id) < 0)
		path = NULL;
	free(id);
	return path;
}

static const struct present_gsettings_switch *switch_for(const char *app)
{
	return app ? &app_banners : &banners;
}

static int probe(const struct present_dnd_ctx *ctx)
{
	return ctx->server && strcmp(ctx->server->name, "gnome-shell") == 0 &&
		present_gsettings_has(&banners);
}

static int read_switch(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on, char **ret_saved,
	char **ret_error)
{
	char *path = app_path(app);
	int r = present_gsettings_read(switch_for(app), path, ret_on, ret_saved, ret_error);
	free(path);
	return r;
}

static int on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved, char **ret_error)
{
	char *path = app_path(app);
	int r = present_gsettings_on(switch_for(app), path, ret_error);
	free(path);
	return r;
}

static int off(const struct present_dnd_ctx *ctx, const char *app, const char *saved, char **ret_error)
{
	char *path = app_path(app);
	int r = present_gsettings_off(switch_for(app), path, saved, ret_error);
	free(path);
	return r;
}

static bool can_mute(const struct present_dnd_ctx *ctx, const char *app, char **ret_title)
{
	char desktop[256];
	snprintf(desktop, sizeof(desktop), "%s.desktop", app);
	GDesktopAppInfo *info = g_desktop_app_info_new(desktop);
	if (!info || !present_gsettings_has(&app_banners)) {
		if (info)
			g_object_unref(info);
		return false;
	}
	*ret_title = strdup(g_app_info_get_name(G_APP_INFO(info)));
	g_object_unref(info);
	return *ret_title != NULL;
}

const struct present_dnd_backend present_dnd_gnome = {
	.id = "gnome",
	.title = "GNOME Shell",
	.persistent = true,
	.probe = probe,
	.read = read_switch,
	.on = on,
	.off = off,
	.can_mute = can_mute,
	.release = present_gsettings_backend_release,
};
