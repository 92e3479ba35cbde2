#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "config.h"
#include "review.h"

static const char *const catchup[] = {"present", "catchup", "-i", "--hold", NULL};

struct fixture {
	char *dir; /* PATH: the terminals of each test, and nothing else */
};

static void setup(struct fixture *f, gconstpointer data)
{
	(void)data;
	f->dir = g_dir_make_tmp("present-review-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	g_setenv("PATH", f->dir, TRUE);
	g_unsetenv("XDG_CURRENT_DESKTOP");
}

static void teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	GDir *d = g_dir_open(f->dir, 0, NULL);
	for (const char *name; d && (name = g_dir_read_name(d));) {
		char *path = g_build_filename(f->dir, name, NULL);
		g_remove(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(f->dir);
	g_free(f->dir);
}

static void install(struct fixture *f, const char *program, int mode)
{
	char *path = g_build_filename(f->dir, program, NULL);
	g_assert_true(g_file_set_contents(path, "#!/bin/sh\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
	g_free(path);
}

/* argv[0] is the full path found; the rest is compared as written. */
static void assert_runs(struct fixture *f, char **argv, const char *program, const char *const *expected)
{
	g_assert_nonnull(argv);
	char *path = g_build_filename(f->dir, program, NULL);
	g_assert_cmpstr(argv[0], ==, path);
	g_free(path);
	g_assert_cmpstrv(argv + 1, expected);
	g_strfreev(argv);
}

static void test_the_users_choice_comes_first(struct fixture *f, gconstpointer data)
{
	(void)data;
	install(f, "konsole", 0755);
	install(f, "x-terminal-emulator", 0755);
	g_setenv("XDG_CURRENT_DESKTOP", "KDE", TRUE);
	assert_runs(f, present_in_terminal(catchup), "x-terminal-emulator",
		(const char *const[]){"-e", "present", "catchup", "-i", "--hold", NULL});
	/* The freedesktop proposal's, before Debian's. */
	install(f, "xdg-terminal-exec", 0755);
	assert_runs(f, present_in_terminal(catchup), "xdg-terminal-exec",
		(const char *const[]){"present", "catchup", "-i", "--hold", NULL});
}

static void test_then_the_desktops_own(struct fixture *f, gconstpointer data)
{
	(void)data;
	install(f, "xterm", 0755);
	install(f, "gnome-terminal", 0755);
	install(f, "konsole", 0755);
	install(f, "xfce4-terminal", 0755);
	g_setenv("XDG_CURRENT_DESKTOP", "KDE", TRUE);
	assert_runs(f, present_in_terminal(catchup), "konsole", (const char *const[]){"-e", "present", "catchup", "-i",
									  "--hold", NULL});
	g_setenv("XDG_CURRENT_DESKTOP", "XFCE", TRUE);
	assert_runs(f, present_in_terminal(catchup), "xfce4-terminal",
		(const char *const[]){"-x", "present", "catchup", "-i", "--hold", NULL});
	/* Ubuntu's: its own name first, which no terminal is known by, then GNOME. */
	g_setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME", TRUE);
	assert_runs(f, present_in_terminal(catchup), "gnome-terminal",
		(const char *const[]){"--", "present", "catchup", "-i", "--hold", NULL});
	g_setenv("XDG_CURRENT_DESKTOP", "X-Cinnamon", TRUE);
	assert_runs(f, present_in_terminal(catchup), "gnome-terminal",
		(const char *const[]){"--", "present", "catchup", "-i", "--hold", NULL});
	/* GNOME's newer terminals, where they are installed, are its own before gnome-terminal. */
	install(f, "kgx", 0755);
	g_setenv("XDG_CURRENT_DESKTOP", "GNOME", TRUE);
	assert_runs(f, present_in_terminal(catchup), "kgx", (const char *const[]){"-e", "present", "catchup", "-i",
								      "--hold", NULL});
}

static void test_else_the_first_known(struct fixture *f, gconstpointer data)
{
	(void)data;
	install(f, "xterm", 0755);
	install(f, "wezterm", 0755);
	/* Not a program: a file without the right to run it. */
	install(f, "alacritty", 0644);
	g_setenv("XDG_CURRENT_DESKTOP", "MATE", TRUE);
	assert_runs(f, present_in_terminal(catchup), "wezterm",
		(const char *const[]){"start", "--", "present", "catchup", "-i", "--hold", NULL});
	g_unsetenv("XDG_CURRENT_DESKTOP");
	install(f, "foot", 0755);
	assert_runs(f, present_in_terminal(catchup), "foot", (const char *const[]){"--", "present", "catchup", "-i",
								       "--hold", NULL});
}

static void test_none_found(struct fixture *f, gconstpointer data)
{
	(void)data;
	install(f, "alacritty", 0644);
	g_setenv("XDG_CURRENT_DESKTOP", "GNOME", TRUE);
	g_assert_null(present_in_terminal(catchup));
}

static void test_the_review_command(struct fixture *f, gconstpointer data)
{
	(void)data;
	struct present_config cfg;
	present_config_init(&cfg);
	/* The default needs a terminal: without one there is no button to show. */
	g_assert_null(present_review_command(&cfg));
	install(f, "xterm", 0755);
	assert_runs(f, present_review_command(&cfg), "xterm", (const char *const[]){"-e", "present", "catchup", "-i",
								       "--hold", NULL});
	present_config_finish(&cfg);

	/* The user's own is run as written. */
	char *conf = g_build_filename(f->dir, "present.conf", NULL);
	g_assert_true(g_file_set_contents(conf, "replay = { review_command = [ \"my-review\", \"--now\" ]; };\n", -1,
		NULL));
	char *error = NULL;
	g_assert_cmpint(present_config_load_file(&cfg, conf, NULL, NULL, &error), ==, 0);
	char **argv = present_review_command(&cfg);
	g_assert_cmpstrv(argv, ((const char *const[]){"my-review", "--now", NULL}));
	g_strfreev(argv);
	present_config_finish(&cfg);

	g_assert_true(g_file_set_contents(conf, "replay = { review_command = []; };\n", -1, NULL));
	g_assert_cmpint(present_config_load_file(&cfg, conf, NULL, NULL, &error), ==, 0);
	g_assert_null(present_review_command(&cfg));
	present_config_finish(&cfg);
	g_free(conf);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/review/the-users-choice-comes-first", struct fixture, NULL, setup,
		test_the_users_choice_comes_first, teardown);
	g_test_add("/review/then-the-desktops-own", struct fixture, NULL, setup, test_then_the_desktops_own, teardown);
	g_test_add("/review/else-the-first-known", struct fixture, NULL, setup, test_else_the_first_known, teardown);
	g_test_add("/review/none-found", struct fixture, NULL, setup, test_none_found, teardown);
	g_test_add("/review/the-review-command", struct fixture, NULL, setup, test_the_review_command, teardown);
	return g_test_run();
}
