/* A store of a test's own, shared by the unit tests that write through the daemon's own code. */
#ifndef PRESENT_TEST_STORE_FIXTURE_H
#define PRESENT_TEST_STORE_FIXTURE_H

#include <glib.h>

#include "store.h"

/* A new store in a new directory (template as g_dir_make_tmp() takes it),
 * with one session begun, as the daemon begins one before capture starts. */
static inline void store_fixture_make(const char *template, char **ret_dir, char **ret_path, int64_t *ret_session)
{
	*ret_dir = g_dir_make_tmp(template, NULL);
	*ret_path = g_build_filename(*ret_dir, "present.db", NULL);
	struct present_store *store;
	char *error = NULL;
	if (present_store_open(*ret_path, &store, &error) < 0) {
		g_error("open: %s", error);
	}
	g_assert_cmpint(present_store_session_begin(store, "", 1000, 4600, NULL, ret_session), ==, 0);
	present_store_close(store);
}

#endif
