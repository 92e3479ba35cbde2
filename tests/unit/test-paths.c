#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static int mode_of(const char *path)
{
	struct stat st;
	g_assert_no_errno(lstat(path, &st));
	return st.st_mode & 07777;
}

static void test_makes_its_parents(void)
{
	g_autofree char *root = g_dir_make_tmp("present-paths-XXXXXX", NULL);
	g_autofree char *state = g_build_filename(root, "home", ".local", "state", NULL);
	g_autofree char *dir = g_build_filename(state, "present", NULL);

	g_assert_cmpint(present_path_ensure_private_dir(dir), ==, 0);
	g_assert_cmpint(mode_of(dir), ==, 0700);
	g_assert_cmpint(mode_of(state), ==, 0700);
	g_assert_cmpint(present_path_ensure_private_dir(dir), ==, 0);

	/* Deepest first: each was made by the call. */
	for (g_autofree char *d = g_strdup(dir); strcmp(d, root) != 0;) {
		g_assert_no_errno(g_rmdir(d));
		char *up = g_path_get_dirname(d);
		g_free(d);
		d = up;
	}
	g_assert_no_errno(g_rmdir(root));
}

static void test_made_private(void)
{
	g_autofree char *root = g_dir_make_tmp("present-paths-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(root, "present", NULL);
	g_autofree char *file = g_build_filename(root, "file", NULL);

	/* Loosened by someone: tightened, not refused. */
	g_assert_no_errno(g_mkdir(dir, 0755));
	g_assert_cmpint(present_path_ensure_private_dir(dir), ==, 0);
	g_assert_cmpint(mode_of(dir), ==, 0700);

	g_assert_true(g_file_set_contents(file, "", 0, NULL));
	g_assert_cmpint(present_path_ensure_private_dir(file), ==, -ENOTDIR);

	/* Another user's could be swapped or read under us. */
	if (geteuid() == 0) {
		g_assert_no_errno(chown(dir, 65534, 65534));
		g_assert_cmpint(present_path_ensure_private_dir(dir), ==, -EPERM);
	}

	g_assert_no_errno(g_unlink(file));
	g_assert_no_errno(g_rmdir(dir));
	g_assert_no_errno(g_rmdir(root));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/paths/makes-its-parents", test_makes_its_parents);
	g_test_add_func("/paths/made-private", test_made_private);
	return g_test_run();
}
