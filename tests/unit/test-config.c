#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

struct fixture {
	char *dir, *cwd;
	GPtrArray *warnings;
};

static void setup(struct fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("present-config-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->warnings = g_ptr_array_new_with_free_func(g_free);
	char *home = g_build_filename(f->dir, "home", NULL), *dirs = g_build_filename(f->dir, "sys", NULL);
	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	g_setenv("XDG_CONFIG_DIRS", dirs, TRUE);
	g_free(home);
	g_free(dirs);
	/* Each test runs in its directory, beside the files it writes: the CLI
	 * and the daemon read from working directories of their own, which a
	 * relative @include must not use. */
	f->cwd = g_get_current_dir();
	g_assert_cmpint(g_chdir(f->dir), ==, 0);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	g_assert_cmpint(g_chdir(f->cwd), ==, 0);
	g_free(f->cwd);
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_free(f->dir);
	g_ptr_array_unref(f->warnings);
}

static char *write_conf(struct fixture *f, const char *where, const char *text)
{
	char *dir = g_build_filename(f->dir, where, "present", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	char *path = g_build_filename(dir, "present.conf", NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(dir);
	return path;
}

static void collect(const char *message, void *userdata)
{
	g_ptr_array_add(((struct fixture *)userdata)->warnings, g_strdup(message));
}

static int load(struct fixture *f, struct present_config *cfg, char **error)
{
	return present_config_load(cfg, collect, f, error);
}

static void test_defaults_without_file(struct fixture *f, gconstpointer data)
{
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_null(error);
	g_assert_null(cfg.path);
	g_assert_cmpint(cfg.default_duration, ==, 3600);
	g_assert_cmpint(cfg.idle_exit, ==, 60);
	present_config_finish(&cfg);
}

static void test_values_and_search_order(struct fixture *f, gconstpointer data)
{
	char *sys = write_conf(f, "sys", "session = { default_duration = 30; };\n");
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpstr(cfg.path, ==, sys);
	g_assert_cmpint(cfg.default_duration, ==, 1800);
	present_config_finish(&cfg);

	/* The user's own file wins over the system one. */
	char *home = write_conf(f, "home", "session = { default_duration = \"1h30\"; };\ndaemon = { idle_exit = 5; };\n");
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpstr(cfg.path, ==, home);
	g_assert_cmpint(cfg.default_duration, ==, 5400);
	g_assert_cmpint(cfg.idle_exit, ==, 5);
	g_assert_cmpstr(cfg.dnd_backend, ==, "auto");
	present_config_finish(&cfg);
	g_free(write_conf(f, "home", "dnd = { backend = \"dunst\"; };\nmail_apps = [\"org.gnome.Geary\", \"x\"];\n"));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpstr(cfg.dnd_backend, ==, "dunst");
	g_assert_cmpstr(cfg.mail_apps[0], ==, "org.gnome.Geary");
	g_assert_cmpstr(cfg.mail_apps[1], ==, "x");
	g_assert_null(cfg.mail_apps[2]);
	g_assert_cmpuint(f->warnings->len, ==, 0);
	present_config_finish(&cfg);

	/* Long digits in a string, a comment, a name, a float or a 64-bit number are no number cut short. */
	g_free(write_conf(f, "home", "owed = { ack_template = \"Call 0800 99999999999 \\\" 99999999999\"; };\n"
				     "# 99999999999\n/* 0x999999999 */ x99999999999 = 1.5e99999999999; y = 99999999999L;\n"
				     "z = .99999999999; w = -.99999999999;\n"));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpstr(cfg.ack_template, ==, "Call 0800 99999999999 \" 99999999999");
	g_assert_cmpuint(f->warnings->len, ==, 4);
	present_config_finish(&cfg);
	g_free(sys);
	g_free(home);
}

static void test_shipped_default_is_valid(struct fixture *f, gconstpointer data)
{
	struct present_config cfg, defaults;
	char *error = NULL;
	g_assert_cmpint(present_config_load_file(&cfg, SOURCE_ROOT "/conf/present.conf", collect, f, &error), ==, 0);
	g_assert_cmpuint(f->warnings->len, ==, 0);
	present_config_init(&defaults);
	g_assert_cmpint(cfg.default_duration, ==, defaults.default_duration);
	g_assert_cmpint(cfg.idle_exit, ==, defaults.idle_exit);
	g_assert_cmpstr(cfg.dnd_backend, ==, defaults.dnd_backend);
	g_assert_true(g_strv_equal((const char *const *)cfg.mail_apps, (const char *const *)defaults.mail_apps));
	g_assert_true(g_strv_equal((const char *const *)cfg.people_apps, (const char *const *)defaults.people_apps));
	g_assert_true(g_strv_equal((const char *const *)cfg.ignore_apps, (const char *const *)defaults.ignore_apps));
	g_assert_true(g_strv_equal((const char *const *)cfg.review_command,
		(const char *const *)defaults.review_command));
	g_assert_true(cfg.review_in_terminal && defaults.review_in_terminal);
	g_assert_cmpint(cfg.ack_within, ==, defaults.ack_within);
	g_assert_cmpint(cfg.answer_within, ==, defaults.answer_within);
	g_assert_cmpint(cfg.remind_ack_before, ==, defaults.remind_ack_before);
	g_assert_cmpint(cfg.remind_answer_before, ==, defaults.remind_answer_before);
	g_assert_cmpstr(cfg.ack_template, ==, defaults.ack_template);
	g_assert_cmpstr(cfg.replay_mode, ==, defaults.replay_mode);
	present_config_finish(&defaults);
	present_config_finish(&cfg);
}

/* The text of what follows start in the file at path, up to end, with each
 * run of spaces, tabs and newlines made one space. */
static char *doc_text(const char *path, const char *start, const char *end)
{
	char *text;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	const char *from = strstr(text, start);
	g_assert_nonnull(from);
	from += strlen(start);
	const char *to = strstr(from, end);
	g_assert_nonnull(to);
	GString *out = g_string_new(NULL);
	for (const char *p = from; p < to; p++) {
		bool space = *p == ' ' || *p == '\t' || *p == '\n';
		if (!space) {
			g_string_append_c(out, *p);
		} else if (out->len && out->str[out->len - 1] != ' ') {
			g_string_append_c(out, ' ');
		}
	}
	g_free(text);
	return g_string_free(out, FALSE);
}

/* Each id of list, between before and after, joined by ", ". */
static char *listing(char **list, const char *before, const char *after)
{
	GString *out = g_string_new(NULL);
	for (size_t i = 0; list[i]; i++) {
		g_string_append_printf(out, "%s%s%s%s", i ? ", " : "", before, list[i], after);
	}
	return g_string_free(out, FALSE);
}

static void assert_documented(char **list, const char *key)
{
	char *row = g_strdup_printf("\n| `%s` | ", key), *entry = g_strdup_printf("\n*%s* = [ _string_, ... ]", key);
	char *readme = doc_text(SOURCE_ROOT "/README.md", row, " | ");
	char *expected = listing(list, "`", "`");
	g_assert_cmpstr(readme, ==, expected);
	g_free(expected);
	char *man = doc_text(SOURCE_ROOT "/doc/present.conf.5.scd", entry, ".\n\n");
	const char *defaults = strstr(man, "Default: ");
	g_assert_nonnull(defaults);
	expected = listing(list, "*\"", "\"*");
	g_assert_cmpstr(defaults + strlen("Default: "), ==, expected);
	g_free(expected);
	g_free(man);
	g_free(readme);
	g_free(entry);
	g_free(row);
}

/* The ids people copy from the README or the man page are those the code uses. */
static void test_default_apps_documented(struct fixture *f, gconstpointer data)
{
	struct present_config defaults;
	present_config_init(&defaults);
	assert_documented(defaults.mail_apps, "mail_apps");
	assert_documented(defaults.people_apps, "people_apps");
	present_config_finish(&defaults);
}

static void test_broken_files(struct fixture *f, gconstpointer data)
{
	static const struct {
		const char *text;
		const char *message; /* what the error must say, after "path:" */
	} cases[] = {
		{"session = { default_duration = ; };\n", ":1: syntax error"},
		{"\n\nsession = {\n default_duration = true;\n};\n", ":4: 'session.default_duration' must be a duration"},
		{"session = { default_duration = \"soon\"; };\n", ":1: 'session.default_duration' must be a duration"},
		{"session = { default_duration = \"25h\"; };\n", ":1: 'session.default_duration' is out of range"},
		{"session = { default_duration = 0; };\n", ":1: 'session.default_duration' is out of range"},
		{"session = { default_duration = -5; };\n", ":1: 'session.default_duration' is out of range"},
		{"daemon = { idle_exit = \"60\"; };\n", ":1: 'daemon.idle_exit' must be a whole number"},
		{"daemon = { idle_exit = 0; };\n", ":1: 'daemon.idle_exit' is out of range (1 to 86400)"},
		{"daemon = { idle_exit = 1.5; };\n", ":1: 'daemon.idle_exit' must be a whole number"},
		/* libconfig 1.5 keeps 32 bits of these: 60, 45 and 5, all in range. */
		{"daemon = { idle_exit = 4294967356; };\n", ":1: 4294967356 is too large a whole number"},
		{"# 1\nsession = {\n default_duration = 4294967341; };\n", ":3: 4294967341 is too large"},
		{"session = { default_duration = 0x100000005; };\n", ":1: 0x100000005 is too large a whole number"},
		{"daemon = { idle_exit = -99999999999999999999; };\n", ":1: -99999999999999999999 is too large"},
		{"daemon = { idle_exit = 4294967356L; };\n", ":1: 'daemon.idle_exit' is out of range (1 to 86400)"},
		{"daemon = { idle_exit = -2147483648; };\n", ":1: 'daemon.idle_exit' is out of range (1 to 86400)"},
		{"dnd = { backend = \"windows\"; };\n", ":1: 'dnd.backend' must be one of: auto none gnome"},
		{"dnd = { backend = 3; };\n", ":1: 'dnd.backend' must be one of:"},
		/* Two choices, side by side in the list, are still not one. */
		{"dnd = { backend = \"gnome kde\"; };\n", ":1: 'dnd.backend' must be one of:"},
		{"replay = { mode = \"summary each\"; };\n", ":1: 'replay.mode' must be one of: summary each none"},
		{"mail_apps = \"thunderbird\";\n", ":1: 'mail_apps' must be a list of strings"},
		{"mail_apps = [\"a\", \"\"];\n", ":1: 'mail_apps' entry 2 must be a non-empty string"},
		{"mail_apps = ( \"a\", 5 );\n", ":1: 'mail_apps' entry 2 must be a non-empty string"},
		{"replay = { mode = \"loud\"; };\n", ":1: 'replay.mode' must be one of: summary each none"},
		{"owed = { ack_template = \"\"; };\n", ":1: 'owed.ack_template' must be a string of 1 to 1000 bytes"},
		{"owed = { ack_within = \"2d\"; };\n", ":1: 'owed.ack_within' must be a duration"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = write_conf(f, "home", cases[i].text);
		struct present_config cfg;
		char *error = NULL;
		g_assert_cmpint(load(f, &cfg, &error), ==, -EINVAL);
		char *expected = g_strconcat(path, cases[i].message, NULL);
		g_assert_nonnull(error);
		if (!g_str_has_prefix(error, expected))
			g_error("case %zu: got \"%s\", want \"%s...\"", i, error, expected);
		/* A failed load leaves the defaults, never half a file. */
		g_assert_cmpint(cfg.default_duration, ==, 3600);
		g_assert_null(cfg.path);
		present_config_finish(&cfg);
		g_free(expected);
		g_free(error);
		g_free(path);
	}
}

static void test_unreadable(struct fixture *f, gconstpointer data)
{
	struct present_config cfg;
	char *error = NULL;

	/* A directory where the file should be. */
	char *dir = g_build_filename(f->dir, "home", "present", "present.conf", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_cmpint(load(f, &cfg, &error), ==, -EISDIR);
	char *expected = g_strconcat(dir, ": is a directory", NULL);
	g_assert_true(g_str_has_prefix(error, expected));
	present_config_finish(&cfg);
	g_free(expected);
	g_free(error);

	/* A path that cannot be opened (works as root too, unlike mode 000). */
	char *home = g_build_filename(f->dir, "file-not-dir", NULL);
	g_assert_true(g_file_set_contents(home, "", -1, NULL));
	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	g_assert_cmpint(load(f, &cfg, &error), ==, -ENOTDIR);
	g_assert_true(g_str_has_suffix(error, ": cannot read: Not a directory"));
	present_config_finish(&cfg);
	g_free(error);

	if (geteuid() != 0) {
		g_setenv("XDG_CONFIG_HOME", g_getenv("XDG_CONFIG_DIRS"), TRUE);
		char *path = write_conf(f, "sys", "");
		g_assert_cmpint(chmod(path, 0), ==, 0);
		g_assert_cmpint(load(f, &cfg, &error), ==, -EACCES);
		g_assert_true(g_str_has_suffix(error, ": cannot read: Permission denied"));
		present_config_finish(&cfg);
		g_free(error);
		g_free(path);
	}

	/* A link to a file gone (dotfiles moved) is named, not passed over for the system's file. */
	g_setenv("XDG_CONFIG_HOME", f->dir, TRUE);
	g_free(write_conf(f, "sys", "session = { default_duration = 5; };\n"));
	char *link = g_build_filename(f->dir, "present", "present.conf", NULL);
	char *link_dir = g_path_get_dirname(link);
	g_assert_cmpint(g_mkdir_with_parents(link_dir, 0700), ==, 0);
	g_assert_cmpint(symlink("/nonexistent/present.conf", link), ==, 0);
	g_assert_cmpint(load(f, &cfg, &error), ==, -ENOENT);
	expected = g_strconcat(link, ": cannot read: No such file or directory", NULL);
	g_assert_cmpstr(error, ==, expected);
	g_assert_cmpint(cfg.default_duration, ==, 3600);
	present_config_finish(&cfg);
	g_free(expected);
	g_free(error);
	/* The same of a link to a directory gone, where present/ should be. */
	g_assert_cmpint(g_unlink(link), ==, 0);
	g_assert_cmpint(g_rmdir(link_dir), ==, 0);
	g_assert_cmpint(symlink("/nonexistent/present", link_dir), ==, 0);
	g_assert_cmpint(load(f, &cfg, &error), ==, -ENOENT);
	expected = g_strconcat(link, ": cannot read: No such file or directory", NULL);
	g_assert_cmpstr(error, ==, expected);
	present_config_finish(&cfg);
	g_free(expected);
	g_free(error);
	g_free(link_dir);
	g_free(link);
	g_free(home);
	g_free(dir);
}

static void test_unknown_keys_warned(struct fixture *f, gconstpointer data)
{
	char *path = write_conf(f, "home",
		"session = {\n default_duraton = 30;\n default_duration = 20;\n};\nsesion = { x = 1; };\ntop = 1;\n");
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 1200);
	g_assert_cmpuint(f->warnings->len, ==, 3);
	char *w0 = g_strconcat(path, ":2: unknown key 'session.default_duraton' ignored", NULL);
	char *w1 = g_strconcat(path, ":5: unknown key 'sesion' ignored", NULL);
	char *w2 = g_strconcat(path, ":6: unknown key 'top' ignored", NULL);
	g_assert_cmpstr(f->warnings->pdata[0], ==, w0);
	g_assert_cmpstr(f->warnings->pdata[1], ==, w1);
	g_assert_cmpstr(f->warnings->pdata[2], ==, w2);
	g_free(w0);
	g_free(w1);
	g_free(w2);
	g_free(path);
	present_config_finish(&cfg);
}

static void test_empty_file_is_defaults(struct fixture *f, gconstpointer data)
{
	char *path = write_conf(f, "home", "# nothing set\n");
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpstr(cfg.path, ==, path);
	g_assert_cmpint(cfg.default_duration, ==, 3600);
	present_config_finish(&cfg);
	g_free(path);
}

static void test_include_relative_to_the_file(struct fixture *f, gconstpointer data)
{
	/* A quote in a comment opens no string; a string's end can look like an @include. */
	char *path = write_conf(f, "home",
		"# a \"quote\n@include \"extra.conf\"\n/* a \"quote */\n@include \"more.conf\"\n"
		"owed = { ack_template = \"Busy.\n@include \"; };\n");
	char *dir = g_path_get_dirname(path);
	char *extra = g_build_filename(dir, "extra.conf", NULL);
	char *more = g_build_filename(dir, "more.conf", NULL);
	char *decoy = g_build_filename(f->dir, "extra.conf", NULL);
	char *absolute = g_build_filename(f->dir, "absolute.conf", NULL);
	g_assert_true(g_file_set_contents(extra, "session = { default_duration = 25; };\n", -1, NULL));
	g_assert_true(g_file_set_contents(more, "daemon = { idle_exit = 7; };\n", -1, NULL));
	/* In the working directory: not the one beside present.conf. */
	g_assert_true(g_file_set_contents(decoy, "session = { default_duration = 5; };\n", -1, NULL));

	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 25 * 60);
	g_assert_cmpint(cfg.idle_exit, ==, 7);
	g_assert_cmpstr(cfg.ack_template, ==, "Busy.\n@include ");
	present_config_finish(&cfg);

	/* The included file is named in its errors, with its own line. */
	g_assert_true(g_file_set_contents(extra, "\n\nsession = { default_duration = \"soon\"; };\n", -1, NULL));
	g_assert_cmpint(load(f, &cfg, &error), ==, -EINVAL);
	char *expected = g_strconcat(extra, ":3: 'session.default_duration' must be a duration", NULL);
	g_assert_true(g_str_has_prefix(error, expected));
	present_config_finish(&cfg);
	g_free(error);

	/* An absolute path is as written. */
	g_assert_true(g_file_set_contents(absolute, "session = { default_duration = 40; };\n", -1, NULL));
	char *text = g_strdup_printf("@include \"%s\"\n", absolute);
	g_free(write_conf(f, "home", text));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 40 * 60);
	present_config_finish(&cfg);

	/* \\ and \" are a path's escapes; any other backslash is the file name's own. */
	char *odd = g_build_filename(dir, "a\"b\\c.conf", NULL);
	g_assert_true(g_file_set_contents(odd, "session = { default_duration = 35; };\n", -1, NULL));
	g_free(write_conf(f, "home", "@include \"a\\\"b\\\\c.conf\"\n"));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 35 * 60);
	present_config_finish(&cfg);
	g_free(write_conf(f, "home", "@include \"a\\\"b\\c.conf\"\n"));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 35 * 60);
	present_config_finish(&cfg);
	g_free(odd);

	/* The text reaches libconfig as a string: a NUL byte must not cut it short. */
	g_assert_true(g_file_set_contents(path, "session = { default_duration = 40; };\n\0x", 40, NULL));
	g_assert_cmpint(load(f, &cfg, &error), ==, -EINVAL);
	g_free(expected);
	expected = g_strconcat(path, ":2: syntax error", NULL);
	g_assert_true(g_str_has_prefix(error, expected));
	present_config_finish(&cfg);
	g_free(error);

	g_free(text);
	g_free(expected);
	g_free(absolute);
	g_free(decoy);
	g_free(more);
	g_free(extra);
	g_free(dir);
	g_free(path);
}

/* A message of a load that fails, which must start with file:line: reason. */
static void assert_fails(struct fixture *f, int expected_r, const char *file, int line, const char *reason)
{
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, expected_r);
	char *expected = g_strdup_printf("%s:%d: %s", file, line, reason);
	g_assert_cmpstr(error, ==, expected);
	g_assert_cmpint(cfg.default_duration, ==, 3600);
	present_config_finish(&cfg);
	g_free(expected);
	g_free(error);
}

static void test_unclosed_comment_refused(struct fixture *f, gconstpointer data)
{
	/* libconfig 1.5 takes a comment never closed for the end of the file: the setting after it would be lost. */
	char *path = write_conf(f, "home", "daemon = { idle_exit = 120; };\n/* turned off for now\n"
					   "session = { default_duration = \"5m\"; };\n");
	assert_fails(f, -EINVAL, path, 2, "syntax error (the file ends inside the comment begun here)");
	g_free(write_conf(f, "home", "daemon = { idle_exit = 120; };\nowed = { ack_template = \"Busy.\n\n"));
	assert_fails(f, -EINVAL, path, 2, "syntax error (the file ends inside the string begun here)");
	g_free(path);
}

static void test_include_nested_and_refused(struct fixture *f, gconstpointer data)
{
	/* An included file's own @include is beside it too, whatever the working directory. */
	char *path = write_conf(f, "home", "session = {\n@include \"sub/a.conf\"\ndaemon = { nope = 1; };\n");
	char *dir = g_path_get_dirname(path);
	char *sub = g_build_filename(dir, "sub", NULL);
	char *a = g_build_filename(sub, "a.conf", NULL), *b = g_build_filename(sub, "b.conf", NULL);
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	g_assert_true(g_file_set_contents(a, "# first\n@include \"b.conf\" };\n", -1, NULL));
	/* No newline at the end: the line comment must not swallow what follows the @include. */
	g_assert_true(g_file_set_contents(b, "default_duration = 25; # last", -1, NULL));

	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 25 * 60);
	present_config_finish(&cfg);
	/* Each line is named in its own file, after the files put in its place. */
	g_assert_cmpuint(f->warnings->len, ==, 1);
	char *expected = g_strconcat(path, ":3: unknown key 'daemon.nope' ignored", NULL);
	g_assert_cmpstr(g_ptr_array_index(f->warnings, 0), ==, expected);
	g_free(expected);

	/* libconfig's end of the text is present.conf's, wherever its last @include led. */
	g_assert_true(g_file_set_contents(a, "@include \"b.conf\"\n", -1, NULL));
	g_free(write_conf(f, "home", "session = {\n@include \"sub/a.conf\""));
	assert_fails(f, -EINVAL, path, 2, "syntax error");
	g_free(write_conf(f, "home", "session = {\n@include \"sub/a.conf\"\n"));
	assert_fails(f, -EINVAL, path, 3, "syntax error");
	g_free(write_conf(f, "home", "session = {\n@include \"sub/a.conf\"\n};\n"));
	/* Not at a line's start, libconfig would not take it for an @include: neither does present. */
	g_assert_true(g_file_set_contents(a, "@include \"b.conf\" @include \"/\"\n", -1, NULL));
	assert_fails(f, -EINVAL, a, 1, "syntax error (a second @include on the line)");
	g_assert_true(g_file_set_contents(a, "# first\n@include \"b.conf\"\n", -1, NULL));

	g_assert_true(g_file_set_contents(b, "\n\ndefault_duration = ;\n", -1, NULL));
	assert_fails(f, -EINVAL, b, 3, "syntax error");
	/* A file ends its strings and comments: what follows its @include is not in them. */
	g_assert_true(g_file_set_contents(b, "default_duration = \"25", -1, NULL));
	assert_fails(f, -EINVAL, b, 1, "syntax error (the file ends inside the string begun here)");
	/* Named where it was opened, not where the file ends; one closed and opened again on a line, there. */
	g_assert_true(g_file_set_contents(b, "\n/* default_duration = 25;\n\n", -1, NULL));
	assert_fails(f, -EINVAL, b, 2, "syntax error (the file ends inside the comment begun here)");
	g_assert_true(g_file_set_contents(b, "/* a\n*/ /* b\n\n", -1, NULL));
	assert_fails(f, -EINVAL, b, 2, "syntax error (the file ends inside the comment begun here)");

	/* What libconfig would exit the process on, or block on, or loop on, is refused. */
	char *reason = g_strdup_printf("@include \"%s\": is a directory, not a configuration file", b);
	g_assert_cmpint(g_unlink(b), ==, 0);
	g_assert_cmpint(g_mkdir(b, 0700), ==, 0);
	assert_fails(f, -EISDIR, a, 2, reason);
	g_assert_cmpint(g_rmdir(b), ==, 0);
	g_free(reason);
	reason = g_strdup_printf("@include \"%s\": is not a regular file, so not a configuration file", b);
	g_assert_cmpint(mkfifo(b, 0600), ==, 0);
	assert_fails(f, -EINVAL, a, 2, reason);
	g_assert_cmpint(g_unlink(b), ==, 0);
	g_free(reason);
	reason = g_strdup_printf("@include \"%s\": cannot read: No such file or directory", b);
	assert_fails(f, -ENOENT, a, 2, reason);
	g_free(reason);
	reason = g_strdup_printf("@include \"%s\": nested more than 10 deep (does a file include itself?)", b);
	g_assert_true(g_file_set_contents(b, "@include \"b.conf\"\n", -1, NULL));
	assert_fails(f, -ELOOP, b, 1, reason);
	g_free(reason);
	/* As in libconfig: ten files deep load, the eleventh is refused (a.conf is the first). */
	for (int level = 2; level <= 11; level++) {
		char *name = g_strdup_printf("%s/%d.conf", sub, level);
		char *text = level == 11 ? g_strdup("default_duration = 11;\n")
					 : g_strdup_printf("@include \"%d.conf\"\n", level + 1);
		g_assert_true(g_file_set_contents(name, text, -1, NULL));
		g_free(text);
		g_free(name);
	}
	g_assert_true(g_file_set_contents(a, "@include \"3.conf\"\n", -1, NULL));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.default_duration, ==, 11 * 60);
	present_config_finish(&cfg);
	g_assert_true(g_file_set_contents(a, "@include \"2.conf\"\n", -1, NULL));
	char *ten = g_strdup_printf("%s/10.conf", sub);
	reason = g_strdup_printf("@include \"%s/11.conf\": nested more than 10 deep (does a file include itself?)",
		sub);
	assert_fails(f, -ELOOP, ten, 1, reason);
	g_free(reason);
	g_free(ten);
	g_assert_true(g_file_set_contents(a, "@include \"b.conf\n", -1, NULL));
	assert_fails(f, -EINVAL, a, 1, "syntax error (an @include's path with no closing quote)");

	g_free(a);
	g_free(b);
	g_free(sub);
	g_free(dir);
	g_free(path);
}

static void assert_duplicate(struct fixture *f, const char *file, int line, const char *setting,
	const char *first_file, int first_line)
{
	char *reason = g_strdup_printf("duplicate setting '%s' (first at %s:%d)", setting, first_file, first_line);
	assert_fails(f, -EINVAL, file, line, reason);
	g_free(reason);
}

static void test_duplicate_settings(struct fixture *f, gconstpointer data)
{
	char *path = write_conf(f, "home", "daemon = { idle_exit = 5; idle_exit = 6; };\n");
	char *dir = g_path_get_dirname(path), *more = g_build_filename(dir, "more.conf", NULL);
	assert_duplicate(f, path, 1, "daemon.idle_exit", path, 1);

	/* A whole group given twice, the second far from the first; a comment between name and '='. */
	g_free(write_conf(f, "home", "session = {\n default_duration = 30;\n};\n\nsession /* again */\n= { };\n"));
	assert_duplicate(f, path, 5, "session", path, 1);

	/* Each line named in its own file. */
	g_assert_true(g_file_set_contents(more, "\nack_within = \"2h\";\n", -1, NULL));
	g_free(write_conf(f, "home", "owed = {\n@include \"more.conf\"\n ack_within = \"1h\";\n};\n"));
	assert_duplicate(f, path, 3, "owed.ack_within", more, 2);

	/* Groups in a list are named by their place. */
	g_free(write_conf(f, "home", "x = ( { a = 1; },\n { a = 2;\n a = 3; } );\n"));
	assert_duplicate(f, path, 3, "x.[1].a", path, 2);

	/* One name in two groups, or in strings and comments, is no duplicate. */
	g_free(write_conf(f, "home",
		"session = { default_duration = 30; };\nx = { default_duration = 5; };\n"
		"owed = { ack_template = \"idle_exit = 1; idle_exit = 2;\"; }; # ack_template = 3;\n"
		"/* owed = 4;\n owed = 5; */ y = ( { a = 1; }, { a = 2; } );\n"));
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_null(error);
	g_assert_cmpint(cfg.default_duration, ==, 30 * 60);
	g_assert_cmpstr(cfg.ack_template, ==, "idle_exit = 1; idle_exit = 2;");
	present_config_finish(&cfg);

	g_free(more);
	g_free(dir);
	g_free(path);
}

static void test_empty_command_is_none(struct fixture *f, gconstpointer data)
{
	char *path = write_conf(f, "home", "on_start = [];\non_end = ();\nreplay = { review_command = []; };\n");
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_null(error);
	g_assert_cmpstr(cfg.path, ==, path);
	g_assert_null(cfg.on_start);
	g_assert_null(cfg.on_end);
	g_assert_null(cfg.review_command);
	g_assert_cmpuint(f->warnings->len, ==, 0);
	present_config_finish(&cfg);

	/* A command is still a list of non-empty strings. */
	g_free(write_conf(f, "home", "on_end = [\"notify-send\", \"\"];\n"));
	assert_fails(f, -EINVAL, path, 1, "'on_end' entry 2 must be a non-empty string of UTF-8 text");
	g_free(write_conf(f, "home", "replay = { review_command = \"present\"; };\n"));
	assert_fails(f, -EINVAL, path, 1, "'replay.review_command' must be a list of strings, such as [\"a\", \"b\"]");
	g_free(path);
}

static void test_ack_within_answer_within(struct fixture *f, gconstpointer data)
{
	char *path = write_conf(f, "home", "owed = {\n ack_within = \"3h\";\n answer_within = \"2h\";\n};\n");
	char *reason = g_strdup_printf("'owed.ack_within' (3 h) is later than 'owed.answer_within' (2 h, at %s:3): a "
				       "response is acknowledged before it is answered in full", path);
	assert_fails(f, -EINVAL, path, 2, reason);
	g_free(reason);
	g_free(write_conf(f, "home", "owed = { ack_within = \"25h\"; };\n"));
	assert_fails(f, -EINVAL, path, 1, "'owed.ack_within' is out of range (more than 0, at most 24h)");
	g_free(write_conf(f, "home", "\nowed = { answer_within = 90; };\n"));
	assert_fails(f, -EINVAL, path, 2, "'owed.answer_within' (1 h 30 min) is earlier than 'owed.ack_within' (2 h, "
					  "its default): a response is acknowledged before it is answered in full");
	g_free(write_conf(f, "home", "owed = { ack_within = \"1d\"; };\n"));
	assert_fails(f, -EINVAL, path, 1, "'owed.ack_within' must be a duration such as \"45m\", \"1h30\" or a number "
					  "of minutes, not \"1d\"");

	/* The same deadline for both is no contradiction. */
	g_free(write_conf(f, "home", "owed = { ack_within = \"24h\"; };\n"));
	struct present_config cfg;
	char *error = NULL;
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_cmpint(cfg.ack_within, ==, 24 * 3600);
	present_config_finish(&cfg);
	g_free(write_conf(f, "home", "owed = { ack_within = \"1h\"; answer_within = 60; };\n"));
	g_assert_cmpint(load(f, &cfg, &error), ==, 0);
	g_assert_null(error);
	g_assert_cmpint(cfg.ack_within, ==, 3600);
	g_assert_cmpint(cfg.answer_within, ==, 3600);
	present_config_finish(&cfg);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/config/" name, struct fixture, NULL, setup, fn, teardown)
	ADD("defaults-without-file", test_defaults_without_file);
	ADD("values-and-search-order", test_values_and_search_order);
	ADD("shipped-default-is-valid", test_shipped_default_is_valid);
	ADD("default-apps-documented", test_default_apps_documented);
	ADD("broken-files", test_broken_files);
	ADD("unreadable", test_unreadable);
	ADD("unknown-keys-warned", test_unknown_keys_warned);
	ADD("unclosed-comment-refused", test_unclosed_comment_refused);
	ADD("empty-file-is-defaults", test_empty_file_is_defaults);
	ADD("include-relative-to-the-file", test_include_relative_to_the_file);
	ADD("include-nested-and-refused", test_include_nested_and_refused);
	ADD("duplicate-settings", test_duplicate_settings);
	ADD("empty-command-is-none", test_empty_command_is_none);
	ADD("ack-within-answer-within", test_ack_within_answer_within);
	return g_test_run();
}
