#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnd-gsettings.h"
#include "grow.h"

bool present_gsettings_has(const struct present_gsettings_switch *sw)
{
	GSettingsSchemaSource *source = g_settings_schema_source_get_default();
	GSettingsSchema *s = source ? g_settings_schema_source_lookup(source, sw->schema, TRUE) : NULL;
	bool has = s && g_settings_schema_has_key(s, sw->key);
	if (s)
		g_settings_schema_unref(s);
	return has;
}

/* The switches in use are opened once and kept until present_gsettings_release():
 * each GSettings object made sets up a dconf watch on the bus and tears it
 * down again, three times in a start otherwise. Reads still go to dconf. */
struct kept {
	const struct present_gsettings_switch *sw;
	char *path;
	GSettings *settings;
};
static struct kept *kept;
static size_t n_kept, kept_cap;

static GSettings *find_kept(const struct present_gsettings_switch *sw, const char *path)
{
	for (size_t i = 0; i < n_kept; i++)
		if (kept[i].sw == sw && g_strcmp0(kept[i].path, path) == 0)
			return kept[i].settings;
	return NULL;
}

static void keep(const struct present_gsettings_switch *sw, const char *path, GSettings *settings)
{
	char *copy = path ? strdup(path) : NULL;
	if ((path && !copy) || !present_grow(&kept, &kept_cap, n_kept, sizeof(*kept))) {
		free(copy);
		return; /* opened again next time */
	}
	kept[n_kept++] = (struct kept){.sw = sw, .path = copy, .settings = g_object_ref(settings)};
}

void present_gsettings_release(void)
{
	for (size_t i = 0; i < n_kept; i++) {
		g_object_unref(kept[i].settings);
		free(kept[i].path);
	}
	free(kept);
	kept = NULL;
	n_kept = kept_cap = 0;
}

/* A reference to the switch's settings, kept for the next call. */
static GSettings *open_settings(const struct present_gsettings_switch *sw, const char *path, char **ret_error)
{
	GSettings *settings = find_kept(sw, path);
	if (settings)
		return g_object_ref(settings);
	GSettingsSchemaSource *source = g_settings_schema_source_get_default();
	GSettingsSchema *schema = source ? g_settings_schema_source_lookup(source, sw->schema, TRUE) : NULL;
	if (!schema || !g_settings_schema_has_key(schema, sw->key)) {
		if (asprintf(ret_error, "GSettings schema %s with key %s is not installed", sw->schema, sw->key) < 0)
			*ret_error = NULL;
		if (schema)
			g_settings_schema_unref(schema);
		return NULL;
	}
	settings = g_settings_new_full(schema, NULL, path);
	g_settings_schema_unref(schema);
	keep(sw, path, settings);
	return settings;
}

int present_gsettings_read(const struct present_gsettings_switch *sw, const char *path, bool *ret_on,
	char **ret_saved, char **ret_error)
{
	GSettings *settings = open_settings(sw, path, ret_error);
	if (!settings)
		return -EOPNOTSUPP;
	*ret_on = g_settings_get_boolean(settings, sw->key) == sw->on_value;
	if (ret_saved) {
		GVariant *user = g_settings_get_user_value(settings, sw->key);
		*ret_saved = strdup(!user ? "default" : g_variant_get_boolean(user) ? "true" : "false");
		if (user)
			g_variant_unref(user);
	}
	g_object_unref(settings);
	return 0;
}

static int write_value(const struct present_gsettings_switch *sw, const char *path, const char *value,
	char **ret_error)
{
	GSettings *settings = open_settings(sw, path, ret_error);
	if (!settings)
		return -EOPNOTSUPP;
	int r = 0;
	if (strcmp(value, "default") == 0) {
		g_settings_reset(settings, sw->key);
	} else if (!g_settings_set_boolean(settings, sw->key, strcmp(value, "true") == 0)) {
		if (asprintf(ret_error, "GSettings %s %s is not writable", sw->schema, sw->key) < 0)
			*ret_error = NULL;
		r = -EACCES;
	}
	/* The write is queued to dconf; the switch is not set until it lands. */
	g_settings_sync();
	g_object_unref(settings);
	return r;
}

/* 0 when the key reads as value, as present_gsettings_read() saves it ("default":
 * no user value), else -EIO with why. */
static int reads_as(const struct present_gsettings_switch *sw, const char *path, const char *value,
	char **ret_error)
{
	bool on;
	char *now = NULL;
	int r = present_gsettings_read(sw, path, &on, &now, ret_error);
	if (r < 0)
		return r;
	if (!now)
		return -ENOMEM;
	bool landed = strcmp(now, value) == 0;
	free(now);
	if (landed)
		return 0;
	bool reset = strcmp(value, "default") == 0;
	if (asprintf(ret_error, "GSettings %s %s: the settings backend did not keep %s%s", sw->schema, sw->key,
		    reset ? "its reset to the default" : "it set to ", reset ? "" : value) < 0)
		*ret_error = NULL;
	return -EIO;
}

/* turn_on() reads the switch back itself. */
int present_gsettings_on(const struct present_gsettings_switch *sw, const char *path, char **ret_error)
{
	return write_value(sw, path, sw->on_value ? "true" : "false", ret_error);
}

int present_gsettings_off(const struct present_gsettings_switch *sw, const char *path, const char *saved,
	char **ret_error)
{
	const char *value = saved && *saved ? saved : (sw->on_value ? "false" : "true");
	int r = write_value(sw, path, value, ret_error);
	/* dconf takes a write at once and can fail it later: it logs a warning
	 * and drops it, and g_settings_sync() returns all the same. */
	return r < 0 ? r : reads_as(sw, path, value, ret_error);
}

bool present_gsettings_probe_key(const struct present_dnd_ctx *ctx)
{
	/* Without the key, reading it would fail as if the server were still starting, and be tried again for
	 * nothing. */
	return present_gsettings_has(ctx->data);
}

int present_gsettings_backend_read(const struct present_dnd_ctx *ctx, const char *app, bool *ret_on,
	char **ret_saved, char **ret_error)
{
	return present_gsettings_read(ctx->data, NULL, ret_on, ret_saved, ret_error);
}

int present_gsettings_backend_on(const struct present_dnd_ctx *ctx, const char *app, char **ret_saved,
	char **ret_error)
{
	return present_gsettings_on(ctx->data, NULL, ret_error);
}

int present_gsettings_backend_off(const struct present_dnd_ctx *ctx, const char *app, const char *saved,
	char **ret_error)
{
	return present_gsettings_off(ctx->data, NULL, saved, ret_error);
}

void present_gsettings_backend_release(const struct present_dnd_ctx *ctx)
{
	present_gsettings_release();
}
