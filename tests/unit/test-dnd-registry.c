#include <glib.h>
#include <string.h>

#include "config.h"
#include "dnd.h"

static void test_every_backend_is_whole(void)
{
	for (size_t i = 0; present_dnd_backends[i]; i++) {
		const struct present_dnd_backend *b = present_dnd_backends[i];
		g_assert_nonnull(b->id);
		g_assert_nonnull(b->title);
		g_assert_nonnull(b->probe);
		g_assert_nonnull(b->on);
		g_assert_nonnull(b->off);
		/* A switch we do not hold is put back only if it still reads as we set it. */
		g_assert_true(b->held || b->read);
		g_assert_true(!b->released_on_disconnect || b->held);
		for (size_t j = 0; j < i; j++)
			g_assert_cmpstr(present_dnd_backends[j]->id, !=, b->id);
		g_assert_true(present_dnd_backend_find(b->id) == b);
	}
	g_assert_null(present_dnd_backend_find("windows"));
}

static void test_config_names_only_backends(void)
{
	gchar **ids = g_strsplit(PRESENT_CONFIG_DND_BACKENDS, " ", -1);
	for (gchar **id = ids; *id; id++)
		if (!present_dnd_backend_find(*id))
			g_error("dnd.backend accepts \"%s\", which no backend has", *id);
	/* And every desktop can be forced (the inhibitor variant is chosen by probing). */
	for (size_t i = 0; present_dnd_backends[i]; i++)
		if (!g_strv_contains((const gchar *const *)ids, present_dnd_backends[i]->id) &&
			strcmp(present_dnd_backends[i]->id, "swaync-inhibitor") != 0)
			g_error("backend %s cannot be chosen with dnd.backend", present_dnd_backends[i]->id);
	g_strfreev(ids);
}

static size_t position(const char *id)
{
	size_t i = 0;
	while (present_dnd_backends[i] && strcmp(present_dnd_backends[i]->id, id) != 0)
		i++;
	g_assert_nonnull(present_dnd_backends[i]);
	return i;
}

/* swaync's switch takes any swaync that reaches it: one with inhibitors must be claimed before. */
static void test_swaync_inhibitor_probed_first(void)
{
	g_assert_cmpuint(position("swaync-inhibitor"), <, position("swaync"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dnd/registry/every-backend-is-whole", test_every_backend_is_whole);
	g_test_add_func("/dnd/registry/config-names-only-backends", test_config_names_only_backends);
	g_test_add_func("/dnd/registry/swaync-inhibitor-probed-first", test_swaync_inhibitor_probed_first);
	return g_test_run();
}
