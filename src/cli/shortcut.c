/*
 * `present shortcut [KEYS]`: binds `present toggle` to a key. GNOME keeps
 * its custom shortcuts in GSettings, which needs GLib: rather than link GIO
 * into every `present status` a bar runs, this one-off verb asks the
 * `gsettings` tool, which checks each key against the installed schema and
 * writes through whatever backend the desktop uses. XFCE's Xfconf speaks
 * D-Bus, which the CLI has anyway. Elsewhere (sway, i3, KDE, Hyprland)
 * shortcuts live in files or dialogs that are the user's: it prints the
 * line to add.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "text.h"

extern char **environ;

#define DEFAULT_KEYS "<Super>p"
/* GNOME and XFCE switch displays with Super+P out of the box: there, the default is the next best. */
#define SECOND_KEYS "<Super><Alt>p"
#define MEDIA_KEYS "org.gnome.settings-daemon.plugins.media-keys"
#define CUSTOM_SCHEMA MEDIA_KEYS ".custom-keybinding"
#define CUSTOM_DIR "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/"
#define OUR_PATH CUSTOM_DIR "present/"
#define XFCONF_NAME "org.xfce.Xfconf"
#define XFCONF_PATH "/org/xfce/Xfconf"
#define XFCE_CHANNEL "xfce4-keyboard-shortcuts"
/* What a path may hold to be written bare in a command line. */
#define PLAIN_PATH "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+-"
#define XFCE_COMMANDS "/commands/custom"

/* A key combination, whatever notation it came in. */
struct keys {
	bool control, alt, shift, super;
	char key[64];
};

static bool modifier(struct keys *k, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} names[] = {
		{"super", offsetof(struct keys, super)},
		{"mod4", offsetof(struct keys, super)},
		{"meta", offsetof(struct keys, super)},
		{"win", offsetof(struct keys, super)},
		{"logo", offsetof(struct keys, super)},
		{"control", offsetof(struct keys, control)},
		{"ctrl", offsetof(struct keys, control)},
		{"primary", offsetof(struct keys, control)},
		{"alt", offsetof(struct keys, alt)},
		{"mod1", offsetof(struct keys, alt)},
		{"shift", offsetof(struct keys, shift)},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == len && strncasecmp(names[i].name, name, len) == 0) {
			*(bool *)((char *)k + names[i].offset) = true;
			return true;
		}
	}
	return false;
}

/*
 * The keys present binds besides letters, digits and F1 to F24, by the X
 * keysym names that GTK, sway, i3 and Hyprland all read (the second name);
 * the first is what people may type. A name outside this table would be
 * written into the desktop's settings as it is, and there bind nothing.
 */
static const struct {
	const char *name, *keysym;
} named_keys[] = {
	{"space", "space"},
	{"Return", "Return"},
	{"Enter", "Return"},
	{"Tab", "Tab"},
	{"Escape", "Escape"},
	{"Esc", "Escape"},
	{"BackSpace", "BackSpace"},
	{"Delete", "Delete"},
	{"Del", "Delete"},
	{"Insert", "Insert"},
	{"Ins", "Insert"},
	{"Home", "Home"},
	{"End", "End"},
	{"Page_Up", "Page_Up"},
	{"PageUp", "Page_Up"},
	{"PgUp", "Page_Up"},
	{"Page_Down", "Page_Down"},
	{"PageDown", "Page_Down"},
	{"PgDn", "Page_Down"},
	{"Up", "Up"},
	{"Down", "Down"},
	{"Left", "Left"},
	{"Right", "Right"},
	{"Print", "Print"},
	{"Pause", "Pause"},
	{"Scroll_Lock", "Scroll_Lock"},
	{"Menu", "Menu"},
	{"minus", "minus"},
	{"equal", "equal"},
	{"comma", "comma"},
	{"period", "period"},
	{"slash", "slash"},
	{"backslash", "backslash"},
	{"semicolon", "semicolon"},
	{"apostrophe", "apostrophe"},
	{"grave", "grave"},
	{"bracketleft", "bracketleft"},
	{"bracketright", "bracketright"},
	{"XF86AudioMute", "XF86AudioMute"},
	{"XF86AudioMicMute", "XF86AudioMicMute"},
	{"XF86AudioPlay", "XF86AudioPlay"},
	{"XF86AudioPause", "XF86AudioPause"},
	{"XF86AudioStop", "XF86AudioStop"},
	{"XF86Tools", "XF86Tools"},
	{"XF86Favorites", "XF86Favorites"},
	{"XF86Launch1", "XF86Launch1"},
	{"XF86Launch2", "XF86Launch2"},
	{"XF86Launch3", "XF86Launch3"},
	{"XF86Launch4", "XF86Launch4"},
};

/* How KDE's shortcut dialog (Qt) names the keys whose keysym it does not
 * show as it is; the others, letters and F keys, it shows as X names them. */
static const struct {
	const char *keysym, *qt;
} kde_names[] = {
	{"space", "Space"},
	{"Escape", "Esc"},
	{"BackSpace", "Backspace"},
	{"Delete", "Del"},
	{"Insert", "Ins"},
	{"Page_Up", "PgUp"},
	{"Page_Down", "PgDown"},
	{"Scroll_Lock", "ScrollLock"},
	{"minus", "-"},
	{"equal", "="},
	{"comma", ","},
	{"period", "."},
	{"slash", "/"},
	{"backslash", "\\"},
	{"semicolon", ";"},
	{"apostrophe", "'"},
	{"grave", "`"},
	{"bracketleft", "["},
	{"bracketright", "]"},
	{"XF86AudioMute", "Volume Mute"},
	{"XF86AudioMicMute", "Microphone Mute"},
	{"XF86AudioPlay", "Media Play"},
	{"XF86AudioPause", "Media Pause"},
	{"XF86AudioStop", "Media Stop"},
	{"XF86Tools", "Tools"},
	{"XF86Favorites", "Favorites"},
};

static const char *kde_name(const char *keysym)
{
	for (size_t i = 0; i < sizeof(kde_names) / sizeof(kde_names[0]); i++)
		if (strcmp(kde_names[i].keysym, keysym) == 0)
			return kde_names[i].qt;
	return keysym;
}

/* The keysym of the key named by len bytes at name, whatever their case, into buf; false when it is none. */
static bool key_name(const char *name, size_t len, char *buf, size_t size)
{
	char c = name[0];
	/* A letter is the same key whatever its case: "p" in GTK's names, "P" in KDE's. */
	if (len == 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
		snprintf(buf, size, "%c", c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		return true;
	}
	if ((c == 'F' || c == 'f') && len >= 2 && len <= 3 && name[1] >= '1' && name[1] <= '9' &&
		(len == 2 || (name[2] >= '0' && name[2] <= '9'))) {
		int n = atoi(name + 1);
		if (n > 24)
			return false;
		snprintf(buf, size, "F%d", n);
		return true;
	}
	for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++) {
		if (strlen(named_keys[i].name) == len && strncasecmp(named_keys[i].name, name, len) == 0) {
			snprintf(buf, size, "%s", named_keys[i].keysym);
			return true;
		}
	}
	return false;
}

/* Why a key combination was refused. */
enum keys_error {
	KEYS_OK,
	KEYS_SYNTAX, /* not a combination at all */
	KEYS_MODIFIER, /* a modifier no desktop knows */
	KEYS_KEY, /* a key not in the table */
};

/* Returns e, with the part of the text at fault in *ret_bad and *ret_len if the caller asks. */
static enum keys_error at_fault(enum keys_error e, const char *bad, size_t len, const char **ret_bad, size_t *ret_len)
{
	if (ret_bad) {
		*ret_bad = bad;
		*ret_len = len;
	}
	return e;
}

/*
 * "<Super><Shift>p" (GTK, GNOME, XFCE) or "Super+Shift+p" (sway, i3, KDE),
 * into k; for KEYS_MODIFIER and KEYS_KEY, *ret_bad and *ret_len are the
 * part of text at fault (ret_bad may be NULL).
 */
static enum keys_error parse_keys(const char *text, struct keys *k, const char **ret_bad, size_t *ret_len)
{
	*k = (struct keys){0};
	const char *p = text;
	while (*p == '<') {
		const char *end = strchr(p, '>');
		if (!end)
			return KEYS_SYNTAX;
		if (!modifier(k, p + 1, (size_t)(end - p - 1)))
			return at_fault(KEYS_MODIFIER, p + 1, (size_t)(end - p - 1), ret_bad, ret_len);
		p = end + 1;
	}
	for (const char *plus; (plus = strchr(p, '+')) && plus != p && plus[1];) {
		if (!modifier(k, p, (size_t)(plus - p)))
			return at_fault(KEYS_MODIFIER, p, (size_t)(plus - p), ret_bad, ret_len);
		p = plus + 1;
	}
	size_t len = strlen(p);
	if (len == 0 || len >= sizeof(k->key))
		return KEYS_SYNTAX;
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return KEYS_SYNTAX;
	if (!key_name(p, len, k->key, sizeof(k->key)))
		return at_fault(KEYS_KEY, p, len, ret_bad, ret_len);
	return KEYS_OK;
}

static bool same_keys(const struct keys *a, const struct keys *b)
{
	return a->control == b->control && a->alt == b->alt && a->shift == b->shift && a->super == b->super &&
		strcasecmp(a->key, b->key) == 0;
}

/* Whether accel, a desktop's binding, is k: one of keys present cannot bind never is. */
static bool accel_is(const char *accel, const struct keys *k)
{
	struct keys other;
	return parse_keys(accel, &other, NULL, NULL) == KEYS_OK && same_keys(&other, k);
}

enum notation { GTK, SWAY, KDE, HYPRLAND, PEOPLE };

static void format_keys(const struct keys *k, enum notation n, char *buf, size_t size)
{
	static const char *const names[][4] = {
		/* super, control, alt, shift */
		[GTK] = {"<Super>", "<Control>", "<Alt>", "<Shift>"},
		[SWAY] = {"Mod4+", "Control+", "Mod1+", "Shift+"},
		[KDE] = {"Meta+", "Ctrl+", "Alt+", "Shift+"},
		[HYPRLAND] = {"SUPER ", "CTRL ", "ALT ", "SHIFT "},
		[PEOPLE] = {"Super+", "Ctrl+", "Alt+", "Shift+"},
	};
	bool on[] = {k->super, k->control, k->alt, k->shift};
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < 4; i++)
		if (on[i] && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s", names[n][i]);
	if (n == HYPRLAND && len > 0 && len < size)
		buf[--len] = '\0';
	const char *key = n == KDE ? kde_name(k->key) : k->key;
	bool upper = n != GTK && n != SWAY && key[0] >= 'a' && key[0] <= 'z' && !key[1];
	if (len < size)
		snprintf(buf + len, size - len, "%s%c%s", n == HYPRLAND ? ", " : "", upper ? key[0] - 'a' + 'A' : key[0],
			key + 1);
}

/* s in single quotes, for sh and g_shell_parse_argv(): a quote inside is written '\''. */
static char *shell_quote(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	fputc('\'', f);
	for (const char *p = s; *p; p++)
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	fputc('\'', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* s as one argument of a shell's command line: in double quotes, easier
 * to read, unless it holds what a shell still reads there. */
static char *shell_arg(const char *s)
{
	char *out = NULL;
	if (strpbrk(s, "$`\\\"!"))
		return shell_quote(s);
	return asprintf(&out, "\"%s\"", s) < 0 ? NULL : out;
}

/* The command to bind: "present toggle" when PATH finds this very program, else its full path. */
static char *toggle_command(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return strdup("present toggle");
	self[n] = '\0';
	struct stat mine, found;
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : ""), *save = NULL, *out = NULL;
	for (char *dir = strtok_r(copy, ":", &save); copy && dir; dir = strtok_r(NULL, ":", &save)) {
		char candidate[4096];
		snprintf(candidate, sizeof(candidate), "%s/present", dir);
		if (access(candidate, X_OK) != 0)
			continue;
		/* The first one found is what a shortcut would run. */
		if (stat(candidate, &found) == 0 && stat(self, &mine) == 0 && found.st_dev == mine.st_dev &&
			found.st_ino == mine.st_ino)
			out = strdup("present toggle");
		break;
	}
	free(copy);
	if (out)
		return out;
	/* Desktops split the command as a shell would (sway and i3 hand it to
	 * sh, GNOME and XFCE to g_shell_parse_argv()): only plain paths are safe
	 * to write bare. */
	bool plain = strspn(self, PLAIN_PATH) == (size_t)n;
	char *quoted = plain ? strdup(self) : shell_quote(self);
	if (!quoted || asprintf(&out, "%s toggle", quoted) < 0)
		out = NULL;
	free(quoted);
	return out;
}

/* GVariant text of a string: 'it''s' is written 'it\'s'. */
static char *gvariant_string(const char *s)
{
	size_t len = 2;
	for (const char *p = s; *p; p++)
		len += (*p == '\'' || *p == '\\') ? 2 : 1;
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* Every string in a value as gsettings prints it: 'a', ['a', "b"], @as []. */
static char **gvariant_strings(const char *text)
{
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	for (const char *p = text; v && *p; p++) {
		if (*p != '\'' && *p != '"')
			continue;
		char quote = *p++, *s = malloc(strlen(p) + 1), *o = s;
		for (; s && *p && *p != quote; p++) {
			if (*p == '\\' && p[1])
				p++;
			*o++ = *p;
		}
		char **grown = s ? realloc(v, (n + 2) * sizeof(*v)) : NULL;
		if (!grown) {
			free(s);
			break;
		}
		*o = '\0';
		v = grown;
		v[n++] = s;
		v[n] = NULL;
		if (!*p)
			break;
	}
	return v;
}

/* Reads what fd gives until its end, into a string. */
static bool slurp(int fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n <= 0)
		return false;
	char *grown = realloc(*buf, *len + (size_t)n + 1);
	if (!grown)
		return false;
	memcpy(grown + *len, chunk, (size_t)n);
	*len += (size_t)n;
	grown[*len] = '\0';
	*buf = grown;
	return true;
}

/*
 * Runs argv from PATH with stdin from /dev/null; what it prints goes to *out
 * and *err. Returns its exit status, or -errno when it cannot be run.
 */
static int run(char *const argv[], char **out, char **err)
{
	int pout[2] = {-1, -1}, perr[2] = {-1, -1}, r = 0;
	posix_spawn_file_actions_t fa;
	*out = *err = NULL;
	/* Ignored by whoever started us (it survives exec), SIGCHLD would have the kernel reap the child before
	 * we could read how it exited. */
	signal(SIGCHLD, SIG_DFL);
	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, perr[1], STDERR_FILENO);
	pid_t pid;
	r = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pout[1]);
	close(perr[1]);
	pout[1] = perr[1] = -1;
	if (r < 0)
		goto out;
	size_t nout = 0, nerr = 0;
	struct pollfd fds[] = {{.fd = pout[0], .events = POLLIN}, {.fd = perr[0], .events = POLLIN}};
	/* Both at once: a tool that fills one pipe while we wait on the other would hang. */
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents && !slurp(pout[0], out, &nout))
			fds[0].fd = -1;
		if (fds[1].revents && !slurp(perr[0], err, &nerr))
			fds[1].fd = -1;
	}
	int status = 0, w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* Its outcome unknown, a binding it may not have made is not reported as made. */
	r = w < 0 ? -errno : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	return r;
}

/* gsettings ARGS...; its output (trimmed) in *ret. Says why not and returns false when it fails. */
static bool gsettings(char **ret, const char *a, const char *b, const char *c, const char *d)
{
	char *argv[] = {"gsettings", (char *)a, (char *)b, (char *)c, (char *)d, NULL};
	char *out = NULL, *err = NULL;
	int r = run(argv, &out, &err);
	if (r == -ENOENT) {
		fputs("present: cannot set a GNOME shortcut: the gsettings command is not installed (package "
		      "libglib2.0-bin)\n",
			stderr);
	} else if (r < 0) {
		fprintf(stderr, "present: cannot run gsettings: %s\n", strerror(-r));
	} else if (r > 0) {
		size_t len = err ? strlen(err) : 0;
		while (len && err[len - 1] == '\n')
			err[--len] = '\0';
		fputs("present: cannot set a GNOME shortcut: gsettings: ", stderr);
		present_text_terminal(stderr, len ? err : "failed");
		fputc('\n', stderr);
	}
	if (r == 0 && ret) {
		size_t len = out ? strlen(out) : 0;
		while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
			out[--len] = '\0';
		*ret = out ? out : strdup("");
		out = NULL;
	}
	free(out);
	free(err);
	return r == 0;
}

static char *relocatable(const char *path)
{
	char *schema = NULL;
	if (asprintf(&schema, "%s:%s", CUSTOM_SCHEMA, path) < 0)
		return NULL;
	return schema;
}

/* A custom shortcut's key, as gsettings prints it, unquoted; NULL when it cannot be read. */
static char *custom_get(const char *path, const char *key)
{
	char *schema = relocatable(path), *text = NULL;
	bool ok = schema && gsettings(&text, "get", schema, key, NULL);
	free(schema);
	if (!ok)
		return NULL;
	char **v = gvariant_strings(text);
	char *value = v && v[0] ? strdup(v[0]) : strdup("");
	present_strv_free(v);
	free(text);
	return value;
}

/* GNOME's own shortcuts, which a custom one on the same keys would fight with. */
static const char *const builtin_schemas[] = {
	"org.gnome.mutter.keybindings",
	"org.gnome.mutter.wayland.keybindings",
	"org.gnome.desktop.wm.keybindings",
	"org.gnome.shell.keybindings",
	MEDIA_KEYS,
	NULL,
};

/* Whether keys are one of GNOME's own shortcuts: returns its name and schema ("name (schema)"), or NULL. */
static char *builtin_taken(const struct keys *k)
{
	for (size_t i = 0; builtin_schemas[i]; i++) {
		char *argv[] = {"gsettings", "list-recursively", (char *)builtin_schemas[i], NULL};
		char *out = NULL, *err = NULL;
		/* A schema that is not installed has no shortcuts to fight with. */
		bool listed = run(argv, &out, &err) == 0;
		free(err);
		char *save = NULL;
		for (char *line = listed && out ? strtok_r(out, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
			char schema[256], key[256];
			int used = 0;
			if (sscanf(line, "%255s %255s %n", schema, key, &used) != 2 || strcmp(key, "custom-keybindings") == 0)
				continue;
			char **v = gvariant_strings(line + used);
			bool hit = false;
			for (size_t j = 0; v && v[j] && !hit; j++)
				hit = accel_is(v[j], k);
			present_strv_free(v);
			char *which = NULL;
			if (hit && asprintf(&which, "'%s' (%s)", key, schema) > 0) {
				free(out);
				return which;
			}
		}
		free(out);
	}
	return NULL;
}

/* GVariant text of the list of custom shortcuts with ours in it, last if it was not there. */
static char *with_ours(char *const *list)
{
	char *out = NULL;
	size_t len = 0;
	bool ours = false;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	fputc('[', f);
	for (size_t i = 0; list[i]; i++) {
		char *item = gvariant_string(list[i]);
		fprintf(f, "%s%s", i ? ", " : "", item ? item : "''");
		free(item);
		ours = ours || strcmp(list[i], OUR_PATH) == 0;
	}
	if (!ours)
		fputs(list[0] ? ", '" OUR_PATH "'" : "'" OUR_PATH "'", f);
	fputc(']', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The list of custom shortcuts, with ours, for the commands --print shows; NULL when it cannot be read. Read
 * quietly: what cannot be read is said with the commands. */
static char *listed_with_ours(void)
{
	char *argv[] = {"gsettings", "get", MEDIA_KEYS, "custom-keybindings", NULL};
	char *out = NULL, *err = NULL, *text = NULL;
	if (run(argv, &out, &err) == 0) {
		char **list = gvariant_strings(out ? out : "");
		text = list ? with_ours(list) : NULL;
		present_strv_free(list);
	}
	free(out);
	free(err);
	return text;
}

/* Returns an exit code, or -EBUSY when fallback is set and keys are taken (by what: *ret_builtin). */
static int bind_gnome(const struct keys *k, const char *command, bool fallback, char **ret_builtin)
{
	char accel[128], *list_text = NULL;
	format_keys(k, GTK, accel, sizeof(accel));
	if (!gsettings(&list_text, "get", MEDIA_KEYS, "custom-keybindings", NULL))
		return PRESENT_EXIT_FAILURE;
	char **list = gvariant_strings(list_text);
	free(list_text);
	char *builtin = NULL;
	bool ours_listed = false, done = false;
	int r = PRESENT_EXIT_OK;
	for (size_t i = 0; list && list[i] && r == PRESENT_EXIT_OK; i++) {
		char *binding = custom_get(list[i], "binding");
		char *cmd = binding ? custom_get(list[i], "command") : NULL;
		bool ours = strcmp(list[i], OUR_PATH) == 0;
		ours_listed = ours_listed || ours;
		if (!binding || !cmd) {
			r = PRESENT_EXIT_FAILURE;
		} else if (accel_is(binding, k) && strcmp(cmd, command) == 0) {
			/* Ours, or one the user made in Settings that runs the same. */
			done = true;
		} else if (!ours && accel_is(binding, k) && fallback) {
			if (asprintf(ret_builtin, "'%s' (a GNOME custom shortcut)", cmd) < 0)
				*ret_builtin = NULL;
			r = -EBUSY;
		} else if (!ours && accel_is(binding, k)) {
			fprintf(stderr, "present: %s already runs '", accel);
			present_text_terminal(stderr, cmd);
			fputs("' (a GNOME custom shortcut): not changed.\nRemove it in Settings → Keyboard → Custom "
			      "Shortcuts, or choose other keys: present shortcut KEYS\n",
				stderr);
			r = PRESENT_EXIT_FAILURE;
		}
		free(binding);
		free(cmd);
	}
	if (r == PRESENT_EXIT_OK && done) {
		printf("%s already runs '%s' (GNOME custom shortcut).\n", accel, command);
	} else if (r == PRESENT_EXIT_OK && (builtin = builtin_taken(k))) {
		if (fallback) {
			if (asprintf(ret_builtin, "GNOME's shortcut %s", builtin) < 0)
				*ret_builtin = NULL;
			r = -EBUSY;
		} else {
			fprintf(stderr,
				"present: %s is GNOME's shortcut %s: not changed.\n"
				"Choose other keys, such as: present shortcut '" SECOND_KEYS "'\n",
				accel, builtin);
			r = PRESENT_EXIT_FAILURE;
		}
	} else if (r == PRESENT_EXIT_OK) {
		/* The entry first, then the list: GNOME never sees a shortcut half made. */
		char *schema = relocatable(OUR_PATH), *name = gvariant_string("present toggle"),
		     *cmd = gvariant_string(command), *binding = gvariant_string(accel),
		     *new_list = list ? with_ours(list) : NULL;
		bool ok = schema && name && cmd && binding && new_list &&
			gsettings(NULL, "set", schema, "name", name) && gsettings(NULL, "set", schema, "command", cmd) &&
			gsettings(NULL, "set", schema, "binding", binding) &&
			(ours_listed || gsettings(NULL, "set", MEDIA_KEYS, "custom-keybindings", new_list));
		if (ok)
			printf("%s now runs '%s' (GNOME custom shortcut).\n", accel, command);
		r = ok ? PRESENT_EXIT_OK : PRESENT_EXIT_FAILURE;
		free(schema);
		free(name);
		free(cmd);
		free(binding);
		free(new_list);
	}
	present_strv_free(list);
	free(builtin);
	return r;
}

/* A call to Xfconf; its daemon may be activated, as xfconf-query does. */
static struct present_wire_msg *xfconf_call(struct present_client *c, const char *member,
	struct present_wire_error *err, const char *signature, ...)
{
	va_list ap;
	va_start(ap, signature);
	struct present_wire_msg *reply = present_wire_callv(c->bus,
		&(struct present_wire_call){
			.destination = XFCONF_NAME,
			.path = XFCONF_PATH,
			.interface = XFCONF_NAME,
			.member = member,
		},
		err, signature, ap);
	va_end(ap);
	return reply;
}

/* Sets property to value (of type, 's' or 'b'); false, said, when Xfconf refuses. */
static bool xfconf_set(struct present_client *c, const char *property, const char *type, ...)
{
	va_list ap;
	va_start(ap, type);
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = type[0] == 'b'
		? xfconf_call(c, "SetProperty", &err, "ssv", XFCE_CHANNEL, property, "b", va_arg(ap, int))
		: xfconf_call(c, "SetProperty", &err, "ssv", XFCE_CHANNEL, property, "s", va_arg(ap, const char *));
	va_end(ap);
	if (!reply)
		present_client_complain(err.message, "cannot set XFCE's shortcut %s: ", property);
	present_wire_msg_free(reply);
	present_wire_error_free(&err);
	return reply != NULL;
}

/* Resets property (and all under it, if recursive); one already gone is done. False, said (what was being
 * done: what), when Xfconf refuses. */
static bool xfconf_reset(struct present_client *c, const char *property, bool recursive, const char *what)
{
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = xfconf_call(c, "ResetProperty", &err, "ssb", XFCE_CHANNEL, property, recursive);
	bool ok = reply || (err.name && strcmp(err.name, "org.xfce.Xfconf.Error.PropertyNotFound") == 0);
	if (!ok)
		present_client_complain(err.message, "cannot %s (%s): ", what, property);
	present_wire_msg_free(reply);
	present_wire_error_free(&err);
	return ok;
}

/* Every string property under base in Xfconf's shortcuts channel, as a{sv}; NULL with a message when it fails. */
static struct present_wire_msg *xfconf_all(struct present_client *c, const char *base, bool *ret_failed)
{
	struct present_wire_error err = {0};
	struct present_wire_msg *reply = xfconf_call(c, "GetAllProperties", &err, "ss", XFCE_CHANNEL, base);
	/* Nothing set there yet is no shortcut at all. */
	if (!reply && (!err.name || (strcmp(err.name, "org.xfce.Xfconf.Error.PropertyNotFound") != 0 &&
					    strcmp(err.name, "org.xfce.Xfconf.Error.ChannelNotFound") != 0))) {
		present_client_complain(err.message, "cannot read XFCE's shortcuts (%s): ", XFCONF_NAME);
		*ret_failed = true;
	}
	present_wire_error_free(&err);
	return reply;
}

/* Enters the properties of reply, an a{sv} from Xfconf's GetAllProperties; false when there are none to read. */
static bool xfconf_properties(const struct present_wire_msg *reply, struct present_wire_iter *ret_dict)
{
	struct present_wire_iter it;
	if (!reply)
		return false;
	present_wire_iter_init(reply, &it);
	return present_wire_iter_enter(&it, 'a', ret_dict);
}

/* The next property of dict: its name, and its value to read; false after the last. */
static bool xfconf_property(struct present_wire_iter *dict, const char **ret_name, struct present_wire_iter *ret_value)
{
	struct present_wire_iter entry;
	return present_wire_iter_enter(dict, '{', &entry) && present_wire_iter_read(&entry, 's', ret_name) &&
	       present_wire_iter_enter(&entry, 'v', ret_value);
}

/*
 * Looks for keys among the properties of reply; returns the value bound to
 * them (borrowed), or NULL. With k NULL, whether the branch is XFCE's
 * override of its defaults, "override" set true (then its name, a non-NULL
 * that is no command).
 */
static const char *xfconf_find(const struct present_wire_msg *reply, const char *base, const struct keys *k,
	const char **ret_name)
{
	struct present_wire_iter dict, variant;
	const char *name, *value;
	size_t len = strlen(base);
	for (bool more = xfconf_properties(reply, &dict); more && xfconf_property(&dict, &name, &variant);) {
		bool on = false;
		if (!k && strncmp(name, base, len) == 0 && strcmp(name + len, "/override") == 0)
			return present_wire_iter_read(&variant, 'b', &on) && on ? name : NULL;
		if (!k)
			continue;
		if (strncmp(name, base, len) != 0 || name[len] != '/' || !accel_is(name + len + 1, k) ||
			!present_wire_iter_read(&variant, 's', &value))
			continue;
		*ret_name = name;
		return value;
	}
	return NULL;
}

/* Whether cmd is a shortcut's "present toggle", this program's or one an
 * earlier run wrote (bare, or by a path that may have changed since). */
static bool runs_present_toggle(const char *cmd)
{
	size_t n = strlen(cmd), tail = strlen(" toggle");
	if (n <= tail || strcmp(cmd + n - tail, " toggle") != 0)
		return false;
	size_t end = n - tail, start = 0;
	/* Only what toggle_command() writes: a plain path, or one in single
	 * quotes (a quote within as '\''); never a wrapper of the user's
	 * ("env X=1 /usr/bin/present toggle"). */
	if (end >= 2 && cmd[0] == '\'' && cmd[end - 1] == '\'') {
		start = 1;
		end--;
		for (size_t i = start; i < end; i++) {
			if (cmd[i] != '\'')
				continue;
			if (end - i < 4 || strncmp(cmd + i, "'\\''", 4) != 0)
				return false;
			i += 3;
		}
	} else if (strspn(cmd, PLAIN_PATH) < end) {
		return false;
	}
	const char *slash = memrchr(cmd + start, '/', end - start);
	size_t base = slash ? (size_t)(slash - cmd) + 1 : start;
	return end - base == strlen("present") && strncmp(cmd + base, "present", end - base) == 0;
}

/* Takes present's toggle off every key of XFCE's user branch (reply) but property: the key just bound is the
 * shortcut now, as on GNOME, where ours is one entry rebound. */
static void xfconf_forget_others(struct present_client *c, const struct present_wire_msg *reply, const char *property)
{
	struct present_wire_iter dict, variant;
	const char *name, *value;
	size_t len = strlen(XFCE_COMMANDS);
	for (bool more = xfconf_properties(reply, &dict); more && xfconf_property(&dict, &name, &variant);) {
		if (strncmp(name, XFCE_COMMANDS "/", len + 1) != 0 || strcmp(name, property) == 0 ||
			!present_wire_iter_read(&variant, 's', &value) || !runs_present_toggle(value))
			continue;
		if (xfconf_reset(c, name, false, "take present off XFCE's shortcut"))
			printf("%s no longer runs '%s'.\n", name + len + 1, value);
	}
}

/*
 * What XFCE does as it first runs (libxfce4ui's shortcuts provider): the
 * user's branch cleared, its defaults (defaults, under /commands/default)
 * copied there, and marked "override". Until then XFCE reads only the
 * defaults: a key bound in the user's branch before would do nothing, and
 * be gone. False, said, when Xfconf refuses.
 */
static bool xfconf_take_defaults(struct present_client *c, const struct present_wire_msg *defaults)
{
	struct present_wire_iter dict, variant;
	const char *name, *value;
	size_t len = strlen("/commands/default");
	bool ok = xfconf_reset(c, XFCE_COMMANDS, true, "clear XFCE's shortcuts");
	for (bool more = ok && xfconf_properties(defaults, &dict); ok && more && xfconf_property(&dict, &name, &variant);) {
		bool on;
		char *copy = NULL;
		if (strncmp(name, "/commands/default/", len + 1) || asprintf(&copy, XFCE_COMMANDS "%s", name + len) < 0)
			continue;
		/* Each as it is: a command, or a flag of one (startup-notify). */
		if (present_wire_iter_read(&variant, 's', &value))
			ok = xfconf_set(c, copy, "s", value);
		else if (present_wire_iter_read(&variant, 'b', &on))
			ok = xfconf_set(c, copy, "b", on);
		free(copy);
	}
	return ok && xfconf_set(c, XFCE_COMMANDS "/override", "b", true);
}

/* Returns an exit code, or -EBUSY when fallback is set and keys are taken (by what: *ret_taken). */
static int bind_xfce(const struct keys *k, const char *command, bool fallback, char **ret_taken)
{
	char accel[128], *property = NULL;
	format_keys(k, GTK, accel, sizeof(accel));
	struct present_client c = {0};
	int r = present_client_connect(&c);
	if (r)
		return r;
	bool failed = false;
	const char *name = NULL, *bound = NULL, *mine = NULL;
	/* XFCE copies its defaults into the user's branch and marks it "override"
	 * when it first runs; until then the defaults are what is bound. */
	struct present_wire_msg *replies[4] = {NULL};
	static const char *const bases[] = {XFCE_COMMANDS, "/commands/default", "/xfwm4/custom", "/xfwm4/default"};
	for (size_t i = 0; i < 4 && !failed; i++)
		replies[i] = xfconf_all(&c, bases[i], &failed);
	/* Until XFCE's first run its defaults are what is bound, and the user's
	 * branch is cleared then: what it holds binds nothing. */
	bool overridden = false;
	for (size_t i = 0; i < 4 && !failed && !bound; i += 2) {
		size_t j = xfconf_find(replies[i], bases[i], NULL, &name) ? i : i + 1;
		bound = xfconf_find(replies[j], bases[j], k, &name);
		if (j == 0) {
			overridden = true;
			mine = bound;
		}
	}
	/* The keys run an earlier present's toggle (it moved since): ours to write again. */
	if (mine && bound == mine && strcmp(mine, command) != 0 && runs_present_toggle(mine))
		bound = NULL;
	if (failed) {
		r = PRESENT_EXIT_UNAVAILABLE;
	} else if (mine && strcmp(mine, command) == 0) {
		printf("%s already runs '%s' (XFCE keyboard shortcut).\n", accel, command);
	} else if (bound && fallback) {
		if (asprintf(ret_taken, "'%s' (an XFCE %s shortcut)", bound,
			    strncmp(name, "/xfwm4/", 7) == 0 ? "window manager" : "keyboard") < 0)
			*ret_taken = NULL;
		r = -EBUSY;
	} else if (bound) {
		fprintf(stderr, "present: %s already runs '", accel);
		present_text_terminal(stderr, bound);
		fputs(name && strncmp(name, "/xfwm4/", 7) == 0 ? "' (an XFCE window manager shortcut)"
							      : "' (an XFCE keyboard shortcut)",
			stderr);
		fputs(": not changed.\nRemove it in Settings → Keyboard → Application Shortcuts (or Window Manager → "
		      "Keyboard), or choose other keys: present shortcut KEYS\n",
			stderr);
		r = PRESENT_EXIT_FAILURE;
	} else if (asprintf(&property, XFCE_COMMANDS "/%s", accel) > 0) {
		if ((overridden || xfconf_take_defaults(&c, replies[1])) && xfconf_set(&c, property, "s", command)) {
			printf("%s now runs '%s' (XFCE keyboard shortcut).\n", accel, command);
			/* A branch just cleared holds no other key of present's. */
			if (overridden)
				xfconf_forget_others(&c, replies[0], property);
		} else {
			r = PRESENT_EXIT_FAILURE;
		}
	}
	free(property);
	for (size_t i = 0; i < 4; i++)
		present_wire_msg_free(replies[i]);
	present_client_disconnect(&c);
	return r;
}

enum desktop { DESKTOP_OTHER, DESKTOP_GNOME, DESKTOP_XFCE, DESKTOP_SWAY, DESKTOP_I3, DESKTOP_KDE, DESKTOP_HYPRLAND };

static enum desktop detect(void)
{
	static const struct {
		const char *name;
		enum desktop desktop;
	} names[] = {
		{"GNOME", DESKTOP_GNOME},
		{"XFCE", DESKTOP_XFCE},
		{"sway", DESKTOP_SWAY},
		{"i3", DESKTOP_I3},
		{"KDE", DESKTOP_KDE},
		{"Hyprland", DESKTOP_HYPRLAND},
	};
	const char *current = getenv("XDG_CURRENT_DESKTOP");
	/* A list, most specific first ("ubuntu:GNOME"): the first we know decides. */
	for (const char *p = current; p && *p;) {
		size_t len = strcspn(p, ":");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncasecmp(names[i].name, p, len) == 0)
				return names[i].desktop;
		p += len + (p[len] == ':');
	}
	if (current && *current)
		return DESKTOP_OTHER;
	/* Window managers started by hand set no XDG_CURRENT_DESKTOP, but their sockets say who they are. */
	if (getenv("SWAYSOCK"))
		return DESKTOP_SWAY;
	if (getenv("HYPRLAND_INSTANCE_SIGNATURE"))
		return DESKTOP_HYPRLAND;
	if (getenv("I3SOCK"))
		return DESKTOP_I3;
	return DESKTOP_OTHER;
}

/* What to add by hand: the exact line on stdout, where it goes on stderr, so `>>` into a config works. */
static int print_how(enum desktop desktop, const struct keys *k, const char *command)
{
	char accel[128];
	char *gvariant = gvariant_string(command), *quoted = gvariant ? shell_arg(gvariant) : NULL;
	free(gvariant);
	switch (desktop) {
	case DESKTOP_GNOME: {
		format_keys(k, GTK, accel, sizeof(accel));
		/* The last command sets the whole list: the custom shortcuts already there must stay in it. */
		char *listed = listed_with_ours(), *list = shell_arg(listed ? listed : "['" OUR_PATH "']");
		fputs(listed ? "present: on GNOME, these commands add the shortcut:\n"
			     : "present: on GNOME, these commands add the shortcut; the last one sets the list of custom "
			       "shortcuts, which could not be read here: add to it those that 'gsettings get " MEDIA_KEYS
			       " custom-keybindings' shows\n",
			stderr);
		printf("gsettings set " CUSTOM_SCHEMA ":" OUR_PATH " name 'present toggle'\n"
		       "gsettings set " CUSTOM_SCHEMA ":" OUR_PATH " command %s\n"
		       "gsettings set " CUSTOM_SCHEMA ":" OUR_PATH " binding '%s'\n"
		       "gsettings set " MEDIA_KEYS " custom-keybindings %s\n",
			quoted ? quoted : "", accel, list ? list : "");
		free(listed);
		free(list);
		break;
	}
	case DESKTOP_XFCE:
		format_keys(k, GTK, accel, sizeof(accel));
		fputs("present: on XFCE, this command adds the shortcut:\n", stderr);
		char *arg = shell_arg(command);
		printf("xfconf-query -c " XFCE_CHANNEL " -p '" XFCE_COMMANDS "/%s' -n -t string -s %s\n", accel,
			arg ? arg : "");
		free(arg);
		break;
	case DESKTOP_SWAY:
		format_keys(k, SWAY, accel, sizeof(accel));
		fputs("present: add this line to ~/.config/sway/config, then reload sway (swaymsg reload):\n", stderr);
		printf("bindsym %s exec %s\n", accel, command);
		break;
	case DESKTOP_I3:
		format_keys(k, SWAY, accel, sizeof(accel));
		fputs("present: add this line to ~/.config/i3/config, then reload i3 (i3-msg reload):\n", stderr);
		printf("bindsym %s exec --no-startup-id %s\n", accel, command);
		break;
	case DESKTOP_HYPRLAND:
		format_keys(k, HYPRLAND, accel, sizeof(accel));
		fputs("present: add this line to ~/.config/hypr/hyprland.conf (Hyprland reloads it by itself):\n", stderr);
		printf("bind = %s, exec, %s\n", accel, command);
		break;
	case DESKTOP_KDE:
		format_keys(k, KDE, accel, sizeof(accel));
		printf("System Settings → Keyboard → Shortcuts → Add New → Command or Script: command '%s', "
		       "shortcut %s\n",
			command, accel);
		break;
	case DESKTOP_OTHER:
		format_keys(k, PEOPLE, accel, sizeof(accel));
		fprintf(stderr, "present: in your desktop's keyboard settings, bind %s to this command:\n", accel);
		printf("%s\n", command);
		break;
	}
	free(quoted);
	return PRESENT_EXIT_OK;
}

/*
 * Whether k can be bound with no Super, Control or Alt. A desktop grabs its
 * shortcuts from every window: bound alone or with Shift, a key that types
 * (a letter, Return, an arrow) could no longer be typed anywhere, and each
 * press would start or end a session. Keys no text is typed with are safe.
 */
static bool alone_ok(const struct keys *k)
{
	static const char *const untyped[] = {"Print", "Pause", "Scroll_Lock", "Menu"};
	if (k->super || k->control || k->alt)
		return true;
	if (k->key[0] == 'F' && k->key[1] >= '1' && k->key[1] <= '9')
		return true;
	if (strncmp(k->key, "XF86", 4) == 0)
		return true;
	for (size_t i = 0; i < sizeof(untyped) / sizeof(untyped[0]); i++)
		if (strcmp(k->key, untyped[i]) == 0)
			return true;
	return false;
}

/* Refuses keys that would take a typing key from every window, with keys to try instead; returns the exit code. */
static int refuse_alone(const char *text, const struct keys *k)
{
	fputs("present: '", stderr);
	present_text_terminal(stderr, text);
	/* The suggestion in the notation the keys came in, Shift kept. */
	bool gtk = text[0] == '<';
	fprintf(stderr,
		"' has no Super, Control or Alt: %s would be taken from every application and could no longer be "
		"typed (try '%s%s%s')\n",
		k->key, gtk ? "<Super>" : "Super+", k->shift ? (gtk ? "<Shift>" : "Shift+") : "", k->key);
	fputs("Usage: present shortcut [KEYS] [--print]\n", stderr);
	return PRESENT_EXIT_USAGE;
}

/* Says what is wrong with text, the part at fault (bad) named; returns the exit code. */
static int refuse_keys(enum keys_error e, const char *text, const char *bad, size_t len)
{
	if (e == KEYS_SYNTAX) {
		fputs("present: '", stderr);
		present_text_terminal(stderr, text);
		fputs("' is not a key combination (try '<Super>p', '<Control><Alt>f' or 'Super+Shift+p')\n", stderr);
	} else {
		char *part = strndup(bad, len);
		fprintf(stderr, "present: unknown %s '", e == KEYS_MODIFIER ? "modifier" : "key");
		present_text_terminal(stderr, part ? part : "");
		fputs("' in '", stderr);
		present_text_terminal(stderr, text);
		fputs(e == KEYS_MODIFIER ? "': the modifiers are Super, Control, Alt and Shift\n"
					 : "': give a letter, a digit, F1 to F24 or a key named in present(1), such as "
					   "Return or Page_Up\n",
			stderr);
		free(part);
	}
	fputs("Usage: present shortcut [KEYS] [--print]\n", stderr);
	return PRESENT_EXIT_USAGE;
}

int present_cli_shortcut(const struct present_args *args)
{
	const char *text = args->n_positional ? args->positional[0] : DEFAULT_KEYS, *bad = NULL;
	size_t bad_len = 0;
	struct keys k;
	/* Checked before any desktop's settings are read or written: a key no desktop knows would bind nothing. */
	enum keys_error e = parse_keys(text, &k, &bad, &bad_len);
	if (e != KEYS_OK)
		return refuse_keys(e, text, bad, bad_len);
	if (!alone_ok(&k))
		return refuse_alone(text, &k);
	char *command = toggle_command();
	if (!command) {
		fputs("present: out of memory\n", stderr);
		return PRESENT_EXIT_FAILURE;
	}
	enum desktop desktop = detect();
	int r;
	char *builtin = NULL;
	if (args->print || (desktop != DESKTOP_GNOME && desktop != DESKTOP_XFCE)) {
		if ((desktop == DESKTOP_GNOME || desktop == DESKTOP_XFCE) && !args->n_positional)
			parse_keys(SECOND_KEYS, &k, NULL, NULL);
		r = print_how(desktop, &k, command);
	} else {
		int (*bind)(const struct keys *, const char *, bool, char **) =
			desktop == DESKTOP_XFCE ? bind_xfce : bind_gnome;
		/* Keys the user named are theirs to free; the default moves aside. */
		if ((r = bind(&k, command, !args->n_positional, &builtin)) == -EBUSY) {
			/* What holds them is another program's command, told as it is written but never obeyed. */
			fprintf(stderr, "present: %s is taken by ", text);
			present_text_terminal(stderr, builtin ? builtin : "another shortcut");
			fputs(": using " SECOND_KEYS " instead\n", stderr);
			parse_keys(SECOND_KEYS, &k, NULL, NULL);
			r = bind(&k, command, false, NULL);
		}
	}
	free(builtin);
	free(command);
	return r;
}
