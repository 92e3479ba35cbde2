#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "grow.h"
#include "paths.h"
#include "text.h"

enum key_type {
	KEY_DURATION, /* "45m", "1h30", or a whole number of minutes */
	KEY_INT,
	KEY_CHOICE, /* a string among those in `choices` */
	KEY_STRINGS, /* a list or array of strings */
	KEY_COMMAND, /* a program and its arguments, as KEY_STRINGS; empty: none (NULL) */
	KEY_STRING,
};

struct key {
	const char *path;
	enum key_type type;
	size_t offset;
	int64_t min, max;
	const char *choices; /* KEY_CHOICE: space-separated */
};

/* The mail clients people use most, by the ids their alerts carry (those
 * installed are muted during a session): Evolution's notifier names itself
 * when it gives no desktop-entry, and KMail's new mail comes from Akonadi. */
static const char *const default_mail_apps[] = {
	"thunderbird",
	"org.mozilla.Thunderbird",
	"net.thunderbird.Thunderbird",
	"org.gnome.Evolution",
	"evolution-mail-notification",
	"org.gnome.Geary",
	"org.kde.kmail2",
	"akonadi_newmailnotifier_agent",
	"Mailspring",
	"mailspring",
	"com.getmailspring.Mailspring",
	NULL,
};

/* Chat apps: what they show is somebody waiting for an answer. */
static const char *const default_people_apps[] = {
	"slack",
	"com.slack.Slack",
	"signal",
	"signal-desktop",
	"org.signal.Signal",
	"element",
	"element-desktop",
	"io.element.Element",
	"im.riot.Riot",
	"org.telegram.desktop",
	"telegramdesktop",
	"discord",
	"com.discordapp.Discord",
	"org.gnome.Fractal",
	"fractal",
	"teams-for-linux",
	"whatsapp-desktop",
	NULL,
};

static const char *const no_apps[] = {NULL};

/* Every key present.conf may hold; anything else is reported as unknown. */
static const struct key keys[] = {
	{"session.default_duration", KEY_DURATION, offsetof(struct present_config, default_duration), 1,
		PRESENT_DURATION_MAX, NULL},
	{"daemon.idle_exit", KEY_INT, offsetof(struct present_config, idle_exit), 1, 86400, NULL},
	{"dnd.backend", KEY_CHOICE, offsetof(struct present_config, dnd_backend), 0, 0,
		"auto none " PRESENT_CONFIG_DND_BACKENDS},
	{"mail_apps", KEY_STRINGS, offsetof(struct present_config, mail_apps), 0, 64, NULL},
	{"people_apps", KEY_STRINGS, offsetof(struct present_config, people_apps), 0, 64, NULL},
	{"ignore_apps", KEY_STRINGS, offsetof(struct present_config, ignore_apps), 0, 64, NULL},
	{"owed.ack_within", KEY_DURATION, offsetof(struct present_config, ack_within), 1, PRESENT_DURATION_MAX, NULL},
	{"owed.answer_within", KEY_DURATION, offsetof(struct present_config, answer_within), 1, PRESENT_DURATION_MAX,
		NULL},
	{"owed.remind_ack_before", KEY_DURATION, offsetof(struct present_config, remind_ack_before), 1,
		PRESENT_DURATION_MAX, NULL},
	{"owed.remind_answer_before", KEY_DURATION, offsetof(struct present_config, remind_answer_before), 1,
		PRESENT_DURATION_MAX, NULL},
	{"owed.ack_template", KEY_STRING, offsetof(struct present_config, ack_template), 1, 1000, NULL},
	{"replay.mode", KEY_CHOICE, offsetof(struct present_config, replay_mode), 0, 0, "summary each none"},
	{"replay.review_command", KEY_COMMAND, offsetof(struct present_config, review_command), 0, 64, NULL},
	{"on_start", KEY_COMMAND, offsetof(struct present_config, on_start), 0, 64, NULL},
	{"on_end", KEY_COMMAND, offsetof(struct present_config, on_end), 0, 64, NULL},
};

static const char *const default_review_command[] = {"present", "catchup", "-i", "--hold", NULL};

static char **strv_copy(const char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

void present_config_init(struct present_config *cfg)
{
	*cfg = (struct present_config){
		.default_duration = PRESENT_CONFIG_DEFAULT_DURATION,
		.idle_exit = 60,
		.dnd_backend = strdup("auto"),
		.mail_apps = strv_copy(default_mail_apps),
		.people_apps = strv_copy(default_people_apps),
		.ignore_apps = strv_copy(no_apps),
		.ack_within = 2 * 3600,
		.answer_within = 24 * 3600,
		.remind_ack_before = 15 * 60,
		.remind_answer_before = 2 * 3600,
		.ack_template = strdup("Thanks for your message. I'm with a client right now and will get back to you in "
				       "full by {answer_by}."),
		.replay_mode = strdup("summary"),
		.review_command = strv_copy(default_review_command),
		.review_in_terminal = true,
	};
}

void present_config_finish(struct present_config *cfg)
{
	free(cfg->path);
	free(cfg->dnd_backend);
	present_strv_free(cfg->mail_apps);
	present_strv_free(cfg->people_apps);
	present_strv_free(cfg->ignore_apps);
	free(cfg->ack_template);
	free(cfg->replay_mode);
	present_strv_free(cfg->review_command);
	present_strv_free(cfg->on_start);
	present_strv_free(cfg->on_end);
	*cfg = (struct present_config){0};
}

static char *candidate(const char *base)
{
	char *path = NULL;
	if (asprintf(&path, "%s/present/present.conf", base) < 0)
		return NULL;
	return path;
}

static bool exists(const char *path)
{
	struct stat st;
	/* Anything but "not there" counts, so that an unreadable file, a
	 * directory in the way or a link to a file gone is reported instead of
	 * skipped. So does a link to a directory gone where present/ should be
	 * (stow links the directory): the file is not there, but meant to be. */
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return true;
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	bool dangling = slash && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) && stat(dir, &st) < 0;
	free(dir);
	return dangling;
}

char *present_config_find(void)
{
	char *home = present_path_xdg("XDG_CONFIG_HOME", ".config");
	char *path = home ? candidate(home) : NULL;
	free(home);
	if (path && exists(path))
		return path;
	free(path);

	const char *dirs = getenv("XDG_CONFIG_DIRS");
	if (!dirs || !*dirs)
		dirs = "/etc/xdg";
	char *copy = strdup(dirs), *save = NULL;
	path = NULL;
	for (char *dir = strtok_r(copy, ":", &save); copy && dir; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;
		path = candidate(dir);
		if (path && exists(path))
			break;
		free(path);
		path = NULL;
	}
	free(copy);
	return path;
}

static bool valid_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = present_utf8_char(p, SIZE_MAX, NULL);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

/*
 * Makes a message safe to print and to send over D-Bus, in place: bytes that
 * are not UTF-8 and control characters (C0, DEL, C1) become '?'. The file's
 * own text is quoted in messages, and libdbus aborts the daemon on a string
 * that is not UTF-8; a terminal would obey the escapes.
 */
static void make_printable(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = present_utf8_char(p, SIZE_MAX, NULL);
		bool control = n == 1 ? *p < 0x20 || *p == 0x7f : n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		/* A byte that starts no character is replaced alone: what follows is read afresh. */
		size_t skip = n ? n : 1;
		if (!n || control)
			memset(p, '?', skip);
		p += skip;
	}
}

/* At most max bytes of s, cut between characters, with "..." when cut. */
static void excerpt(const char *s, char *buf, size_t max)
{
	size_t len = 0;
	while (len < max && s[len]) {
		size_t n = present_utf8_char((const unsigned char *)s + len, SIZE_MAX, NULL);
		if (len + (n ? n : 1) > max)
			break;
		len += n ? n : 1;
	}
	snprintf(buf, max + 4, "%.*s%s", (int)len, s, s[len] ? "..." : "");
}

static char *vformat_error(const char *path, int line, const char *fmt, va_list ap)
{
	char *msg = NULL, *out = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	int r = line > 0 ? asprintf(&out, "%s:%d: %s", path, line, msg) : asprintf(&out, "%s: %s", path, msg);
	free(msg);
	if (r < 0)
		return NULL;
	make_printable(out);
	return out;
}

__attribute__((format(printf, 3, 4))) static char *format_error(const char *path, int line,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = vformat_error(path, line, fmt, ap);
	va_end(ap);
	return out;
}

/* Where a line of the text given to libconfig came from. */
struct origin {
	const char *file;
	int line;
};

/*
 * A present.conf as libconfig is given it: with each @include'd file's text
 * in the place of its @include (see expand()). lines[i] says where line
 * i + 1 of text came from, so that messages name the file and line to edit.
 */
struct source {
	char *text;
	size_t text_len;
	FILE *out;
	struct origin *lines;
	size_t n_lines, lines_cap;
	char **files;
	size_t n_files, files_cap;
	bool mid_line;
	int end_line; /* where present.conf itself ends, as libconfig counts lines */
};

static struct origin origin_of(const struct source *src, int line)
{
	if (line >= 1 && (size_t)line <= src->n_lines)
		return src->lines[line - 1];
	/* No line, or past the last: libconfig reached the end of the text, which is present.conf's. */
	return (struct origin){src->files[0], line < 1 ? 0 : src->end_line};
}

/* An error about setting s, at the file and line it was written on. */
__attribute__((format(printf, 3, 4))) static char *setting_error(const struct source *src,
	const config_setting_t *s, const char *fmt, ...)
{
	struct origin o = origin_of(src, (int)config_setting_source_line(s));
	va_list ap;
	va_start(ap, fmt);
	char *out = vformat_error(o.file, o.line, fmt, ap);
	va_end(ap);
	return out;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].path, name) == 0)
			return &keys[i];
	return NULL;
}

static bool is_known_group(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(keys[i].path, name, len) == 0 && keys[i].path[len] == '.')
			return true;
	return false;
}

/* Warns about settings no key describes: a typo must not pass in silence. */
static void warn_unknown(config_setting_t *group, const char *prefix, const struct source *src,
	present_config_warn_fn warn, void *userdata)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		char name[256];
		snprintf(name, sizeof(name), "%s%s", prefix, config_setting_name(s));
		if (config_setting_is_group(s) && is_known_group(name)) {
			char sub[260];
			snprintf(sub, sizeof(sub), "%s.", name);
			warn_unknown(s, sub, src, warn, userdata);
		} else if (!find_key(name)) {
			char *msg = setting_error(src, s, "unknown key '%s' ignored", name);
			if (msg)
				warn(msg, userdata);
			free(msg);
		}
	}
}

/* "session = 5;" would hide every session.* key: it is an error, not an unknown key. */
static int check_groups(config_setting_t *root, const struct source *src, char **ret_error)
{
	int n = config_setting_length(root);
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		if (name && is_known_group(name) && !config_setting_is_group(s)) {
			*ret_error = setting_error(src, s, "'%s' must be a group, such as %s = { ... };", name, name);
			return -EINVAL;
		}
	}
	return 0;
}

static int read_choice(const struct key *k, config_setting_t *s, char **field,
	const struct source *src, char **ret_error)
{
	const char *value = config_setting_get_string(s);
	if (!value || !present_text_has_word(k->choices, value)) {
		*ret_error = setting_error(src, s, "'%s' must be one of: %s", k->path, k->choices);
		return -EINVAL;
	}
	free(*field);
	*field = strdup(value);
	return 0;
}

static int read_string(const struct key *k, config_setting_t *s, char **field,
	const struct source *src, char **ret_error)
{
	const char *value = config_setting_get_string(s);
	if (!value || strlen(value) < (size_t)k->min || strlen(value) > (size_t)k->max) {
		*ret_error = setting_error(src, s, "'%s' must be a string of %lld to %lld bytes", k->path,
			(long long)k->min, (long long)k->max);
		return -EINVAL;
	}
	/* Strings end up in notifications and D-Bus messages, which must be UTF-8. */
	if (!valid_utf8(value)) {
		*ret_error = setting_error(src, s, "'%s' is not UTF-8 text", k->path);
		return -EINVAL;
	}
	free(*field);
	*field = strdup(value);
	return 0;
}

static int read_strings(const struct key *k, config_setting_t *s, char ***field, const struct source *src,
	char **ret_error)
{
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		*ret_error = setting_error(src, s, "'%s' must be a list of strings, such as [\"a\", \"b\"]", k->path);
		return -EINVAL;
	}
	int n = config_setting_length(s);
	/* An empty command is the way to say "none", as a default one (review_command) can only be turned off so. */
	if (n == 0 && k->type == KEY_COMMAND) {
		present_strv_free(*field);
		*field = NULL;
		return 0;
	}
	if (n > k->max) {
		*ret_error = setting_error(src, s, "'%s' has more than %lld entries", k->path, (long long)k->max);
		return -EINVAL;
	}
	char **v = calloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; v && i < n; i++) {
		const char *item = config_setting_get_string_elem(s, i);
		if (!item || !*item || !valid_utf8(item)) {
			*ret_error = setting_error(src, s, "'%s' entry %d must be a non-empty string of UTF-8 text",
				k->path, i + 1);
			present_strv_free(v);
			return -EINVAL;
		}
		v[i] = strdup(item);
	}
	present_strv_free(*field);
	*field = v;
	return 0;
}

static int read_duration(const struct key *k, config_setting_t *s, int64_t *ret,
	const struct source *src, char **ret_error)
{
	int64_t value = -1;
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
		/* Minutes: the range is checked before multiplying, which could overflow. */
		int64_t minutes = config_setting_get_int64(s);
		if (minutes > 0 && minutes <= k->max / 60)
			value = minutes * 60;
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		int r = present_duration_parse(text, &value);
		if (r == -EINVAL) {
			char quoted[44];
			excerpt(text, quoted, 40);
			*ret_error = setting_error(src, s,
				"'%s' must be a duration such as \"45m\", \"1h30\" or a number of minutes, not \"%s\"",
				k->path, quoted);
			return -EINVAL;
		}
		if (r < 0)
			value = -1;
	} else {
		*ret_error = setting_error(src, s,
			"'%s' must be a duration such as \"45m\", \"1h30\" or a number of minutes", k->path);
		return -EINVAL;
	}
	if (value < k->min || value > k->max) {
		*ret_error = setting_error(src, s, "'%s' is out of range (more than 0, at most 24h)", k->path);
		return -EINVAL;
	}
	*ret = value;
	return 0;
}

static int read_key(const struct key *k, config_setting_t *s, struct present_config *cfg, const struct source *src,
	char **ret_error)
{
	void *field = (char *)cfg + k->offset;
	int64_t value;

	switch (k->type) {
	case KEY_CHOICE:
		return read_choice(k, s, field, src, ret_error);
	case KEY_STRINGS:
	case KEY_COMMAND:
		return read_strings(k, s, field, src, ret_error);
	case KEY_STRING:
		return read_string(k, s, field, src, ret_error);
	case KEY_DURATION:
		return read_duration(k, s, field, src, ret_error);
	case KEY_INT:
		if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
			*ret_error = setting_error(src, s, "'%s' must be a whole number", k->path);
			return -EINVAL;
		}
		value = config_setting_get_int64(s);
		if (value < k->min || value > k->max) {
			*ret_error = setting_error(src, s, "'%s' is out of range (%lld to %lld)", k->path,
				(long long)k->min, (long long)k->max);
			return -EINVAL;
		}
		*(int64_t *)field = value;
		return 0;
	}
	return -EINVAL;
}

/*
 * A response is acknowledged first and answered in full later: an
 * acknowledge-by after the answer-by would remind of the acknowledgement
 * once the answer is overdue. Named at the setting that makes it so.
 */
static int check_deadlines(config_t *lc, const struct present_config *cfg, const struct source *src,
	char **ret_error)
{
	if (cfg->ack_within <= cfg->answer_within)
		return 0;
	config_setting_t *ack = config_lookup(lc, "owed.ack_within"), *answer = config_lookup(lc, "owed.answer_within");
	char ack_text[32], answer_text[32];
	present_duration_format(cfg->ack_within, ack_text, sizeof(ack_text));
	present_duration_format(cfg->answer_within, answer_text, sizeof(answer_text));
	if (ack && answer) {
		struct origin o = origin_of(src, (int)config_setting_source_line(answer));
		*ret_error = setting_error(src, ack,
			"'owed.ack_within' (%s) is later than 'owed.answer_within' (%s, at %s:%d): a response is "
			"acknowledged before it is answered in full",
			ack_text, answer_text, o.file, o.line);
	} else if (ack) {
		*ret_error = setting_error(src, ack,
			"'owed.ack_within' (%s) is later than 'owed.answer_within' (%s, its default): a response is "
			"acknowledged before it is answered in full",
			ack_text, answer_text);
	} else {
		*ret_error = setting_error(src, answer,
			"'owed.answer_within' (%s) is earlier than 'owed.ack_within' (%s, its default): a response is "
			"acknowledged before it is answered in full",
			answer_text, ack_text);
	}
	return -EINVAL;
}

/*
 * Opens path for reading only if it is a regular file: a FIFO would block
 * the CLI and the daemon's main loop until someone writes to it, and a
 * device could be read forever. Errors are reported at path itself, or at
 * the @include in from:line that names it.
 */
static FILE *open_regular(const char *path, const char *from, int line, char **ret_error, int *ret)
{
	char what[16 + PATH_MAX] = "";
	if (from)
		snprintf(what, sizeof(what), "@include \"%s\": ", path);
	const char *where = from ? from : path;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*ret = -errno;
		*ret_error = format_error(where, line, "%scannot read: %s", what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		*ret_error = format_error(where, line, "%s%s", what,
			S_ISDIR(st.st_mode) ? "is a directory, not a configuration file"
					    : "is not a regular file, so not a configuration file");
		close(fd);
		return NULL;
	}
	FILE *f = fcntl(fd, F_SETFL, 0) == 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		*ret = -errno;
		*ret_error = format_error(where, line, "%scannot read: %s", what, strerror(errno));
		close(fd);
	}
	return f;
}

/* Where the scan of a file stands, as libconfig's scanner would. */
enum scan {
	SCAN_TEXT,
	SCAN_STRING,
	SCAN_LINE_COMMENT,
	SCAN_BLOCK_COMMENT,
};

/* The state after p to end, from state; *opened set when a string or a block comment starts there. */
static enum scan scan(enum scan state, const char *p, const char *end, bool *opened)
{
	for (; p < end; p++) {
		char next = p + 1 < end ? p[1] : '\0';
		switch (state) {
		case SCAN_TEXT:
			if (*p == '"') {
				state = SCAN_STRING;
				*opened = true;
			} else if (*p == '#' || (*p == '/' && next == '/')) {
				state = SCAN_LINE_COMMENT;
			} else if (*p == '/' && next == '*') {
				state = SCAN_BLOCK_COMMENT;
				*opened = true;
				p++;
			}
			break;
		case SCAN_STRING:
			if (*p == '\\' && (next == '\\' || next == '"'))
				p++;
			else if (*p == '"')
				state = SCAN_TEXT;
			break;
		case SCAN_LINE_COMMENT:
			if (*p == '\n')
				state = SCAN_TEXT;
			break;
		case SCAN_BLOCK_COMMENT:
			if (*p == '*' && next == '/') {
				state = SCAN_TEXT;
				p++;
			}
			break;
		}
	}
	return state;
}

/* Just after the opening quote of an @include's path, if line (outside strings
 * and comments) is one: libconfig's ^[ \t]*@include[ \t]+\". Else NULL. */
static const char *include_path(const char *line, const char *end)
{
	const char *p = line;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 8 || memcmp(p, "@include", 8) != 0)
		return NULL;
	const char *word_end = p += 8;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p > word_end && p < end && *p == '"' ? p + 1 : NULL;
}

/* Adds n bytes of file's line to the text; false when memory runs out. */
static bool put(struct source *src, const char *file, int line, const char *p, size_t n)
{
	if (n == 0)
		return true;
	if (!src->mid_line) {
		if (!present_grow(&src->lines, &src->lines_cap, src->n_lines, sizeof(*src->lines)))
			return false;
		src->lines[src->n_lines++] = (struct origin){file, line};
	}
	src->mid_line = p[n - 1] != '\n';
	return fwrite(p, 1, n, src->out) == n;
}

/* Keeps a copy of name for the text's origins; NULL when memory runs out. */
static const char *keep_name(struct source *src, char *name)
{
	if (!name || !present_grow(&src->files, &src->files_cap, src->n_files, sizeof(*src->files))) {
		free(name);
		return NULL;
	}
	return src->files[src->n_files++] = name;
}

/* libconfig 1.5 nests @include 10 deep; a file that includes itself goes no further. */
#define INCLUDE_DEPTH_MAX 10

static int expand(struct source *src, FILE *f, const char *file, int depth, char **ret_error);

/*
 * The @include on file's line number, whose quoted path starts at quoted:
 * its file's text goes in its place. *ret_rest is where the line goes on
 * after the path's closing quote.
 */
static int include(struct source *src, const char *file, int number, const char *quoted, const char *end,
	int depth, const char **ret_rest, char **ret_error)
{
	const char *slash = strrchr(file, '/');
	size_t dir_len = slash ? (size_t)(slash - file) + 1 : 0;
	char *name = NULL;
	size_t name_len = 0;
	FILE *out = open_memstream(&name, &name_len);
	const char *p = quoted;
	if (out) {
		/* Unless absolute, the path is beside the file that names it. */
		if (*p != '/')
			fwrite(file, 1, dir_len, out);
		/* \\ and \" are the only escapes libconfig knows in a path; any
		 * other backslash is kept, as a file name may hold one. */
		for (; p < end && *p != '"' && *p != '\n'; p++) {
			if (*p == '\\' && p + 1 < end && (p[1] == '\\' || p[1] == '"'))
				p++;
			fputc(*p, out);
		}
	}
	if (!out || fclose(out) != 0) {
		free(name);
		*ret_error = format_error(file, number, "cannot read: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (p == end || *p != '"') {
		free(name);
		*ret_error = format_error(file, number, "syntax error (an @include's path with no closing quote)");
		return -EINVAL;
	}
	*ret_rest = p + 1;
	if (depth >= INCLUDE_DEPTH_MAX) {
		*ret_error = format_error(file, number, "@include \"%s\": nested more than %d deep (does a file "
			"include itself?)", name, INCLUDE_DEPTH_MAX);
		free(name);
		return -ELOOP;
	}
	const char *path = keep_name(src, name);
	if (!path) {
		*ret_error = format_error(file, number, "cannot read: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	int r = 0;
	FILE *f = open_regular(path, file, number, ret_error, &r);
	if (!f)
		return r;
	r = expand(src, f, path, depth + 1, ret_error);
	fclose(f);
	return r;
}

/*
 * Adds the text of f, the file at path, to src, with each @include
 * replaced by its file's text: so a relative path is found beside the file
 * that names it, at any depth, whatever the working directory (libconfig
 * 1.5 takes it from the working directory, the CLI's in one program and the
 * daemon's in the other, and its include_dir goes before absolute paths
 * too), and a directory or a FIFO is refused (libconfig would exit the
 * process on one and block on the other).
 */
static int expand(struct source *src, FILE *f, const char *file, int depth, char **ret_error)
{
	enum scan state = SCAN_TEXT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int number = 0, opened_at = 0, r = 0;
	bool newline_at_end = false;
	while (r == 0 && (n = getline(&line, &cap, f)) >= 0) {
		const char *p = line, *end = line + n;
		number++;
		/* libconfig is given a C string, which would end here: half a file must not load. */
		if (memchr(line, '\0', (size_t)n)) {
			r = -EINVAL;
			*ret_error = format_error(file, number, "syntax error (a NUL byte)");
			break;
		}
		const char *quoted = state == SCAN_TEXT ? include_path(line, end) : NULL;
		if (quoted && (r = include(src, file, number, quoted, end, depth, &p, ret_error)) < 0)
			break;
		/* What follows it starts a line of the text, where libconfig would
		 * take an @include as its own: in the file, it is not at a line's start. */
		if (quoted && include_path(p, end)) {
			r = -EINVAL;
			*ret_error = format_error(file, number, "syntax error (a second @include on the line)");
			break;
		}
		if (!put(src, file, number, p, (size_t)(end - p)))
			r = -ENOMEM;
		bool opened = false;
		state = scan(quoted ? SCAN_TEXT : state, p, end, &opened);
		if (opened)
			opened_at = number;
		newline_at_end = end[-1] == '\n';
	}
	if (depth == 0)
		src->end_line = number + newline_at_end;
	if (r == 0 && !feof(f)) {
		r = errno ? -errno : -EIO;
		*ret_error = format_error(file, 0, "cannot read: %s", strerror(-r));
	}
	free(line);
	/* What follows an @include must not end up inside the file's last string
	 * or comment. And libconfig 1.5 reads a comment never closed to the end
	 * of the text without a word: all the settings after it would be lost. */
	if (r == 0 && (state == SCAN_STRING || state == SCAN_BLOCK_COMMENT)) {
		*ret_error = format_error(file, opened_at, "syntax error (the file ends inside the %s begun here)",
			state == SCAN_STRING ? "string" : "comment");
		r = -EINVAL;
	} else if (r == 0 && depth > 0 && src->mid_line && !put(src, file, number, "\n", 1)) {
		r = -ENOMEM;
	}
	if (r == -ENOMEM && !*ret_error)
		*ret_error = format_error(file, 0, "cannot read: %s", strerror(ENOMEM));
	return r;
}

/* Past spaces and comments, counting the lines passed in *line. */
static const char *skip_space(const char *p, int *line)
{
	for (;;) {
		if (*p == '\n') {
			(*line)++;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				*line += *p == '\n';
			p += *p ? 2 : 0;
		} else {
			return p;
		}
	}
}

/* Past the string that starts at p's quote, counting its lines in *line. */
static const char *skip_string(const char *p, int *line)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		*line += *p == '\n';
	}
	return p + (*p ? 1 : 0);
}

/* libconfig's names: [A-Za-z*][-A-Za-z0-9_*]* */
static const char name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_*-";

static bool starts_name(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

/* A name as written in the text, and the line it is on. */
struct name {
	const char *text;
	size_t len;
	int line;
};

/* A group (or the file itself) being read, or a list or array, whose elements have no names. */
struct scope {
	bool list;
	char *path; /* "owed", "x.[2]": what names inside it are prefixed with */
	int elements; /* list: the element being read */
	struct name *names; /* group: the settings seen so far, the last one's value being read */
	size_t n_names, names_cap;
};

/* What a name in scope is called in messages: its path from the top, as libconfig would look it up. */
static char *scoped_name(const struct scope *scope, const char *name, size_t len)
{
	char *out = NULL;
	if (asprintf(&out, "%s%s%.*s", scope->path, *scope->path ? "." : "", (int)len, name) < 0)
		return NULL;
	return out;
}

/* The path of an aggregate that starts in scope: its setting's, or its place in a list ("x.[0]"). */
static char *inner_path(const struct scope *scope)
{
	char *out = NULL;
	if (scope->list) {
		if (asprintf(&out, "%s.[%d]", scope->path, scope->elements) < 0)
			return NULL;
		return out;
	}
	if (!scope->n_names)
		return strdup(scope->path);
	const struct name *last = &scope->names[scope->n_names - 1];
	return scoped_name(scope, last->text, last->len);
}

/*
 * A setting given twice in one group: libconfig refuses the file without
 * saying which one, or where the first was. Reads the text as libconfig does
 * (names are what precedes '=' or ':') and reports the first name seen
 * twice, at its second line, naming the first. Returns 0 when there is
 * none, -EINVAL with *ret_error set, or -ENOMEM.
 */
static int check_duplicates(const struct source *src, char **ret_error)
{
	struct scope *stack = calloc(1, sizeof(*stack));
	size_t depth = 1, cap = 1;
	int line = 1, r = 0;
	if (!stack || !(stack[0].path = strdup("")))
		r = -ENOMEM;
	const char *p = src->text ? src->text : "";
	while (r == 0 && *(p = skip_space(p, &line))) {
		struct scope *top = &stack[depth - 1];
		if (*p == '"') {
			p = skip_string(p, &line);
		} else if (*p == '{' || *p == '(' || *p == '[') {
			char *path = inner_path(top);
			if (!path || !present_grow(&stack, &cap, depth, sizeof(*stack))) {
				free(path);
				r = -ENOMEM;
				break;
			}
			stack[depth++] = (struct scope){.list = *p != '{', .path = path};
			p++;
		} else if (*p == '}' || *p == ')' || *p == ']') {
			if (depth > 1) {
				free(top->path);
				free(top->names);
				depth--;
			}
			p++;
		} else if (*p == ',' && top->list) {
			top->elements++;
			p++;
		} else if (starts_name(*p)) {
			struct name name = {p, strspn(p, name_chars), line};
			p = skip_space(p + name.len, &line);
			/* Not followed by '=' or ':', it is a value (true, false); a list's elements have no names. */
			if (top->list || (*p != '=' && *p != ':'))
				continue;
			for (size_t i = 0; i < top->n_names && r == 0; i++) {
				const struct name *seen = &top->names[i];
				if (seen->len != name.len || memcmp(seen->text, name.text, name.len) != 0)
					continue;
				struct origin first = origin_of(src, seen->line), again = origin_of(src, name.line);
				char *full = scoped_name(top, name.text, name.len);
				*ret_error = full ? format_error(again.file, again.line,
							    "duplicate setting '%s' (first at %s:%d)", full, first.file,
							    first.line)
						  : NULL;
				free(full);
				r = *ret_error ? -EINVAL : -ENOMEM;
			}
			if (r == 0 && !present_grow(&top->names, &top->names_cap, top->n_names, sizeof(*top->names)))
				r = -ENOMEM;
			if (r == 0)
				top->names[top->n_names++] = name;
			p++;
		} else {
			p++;
		}
	}
	for (size_t i = 0; stack && i < depth; i++) {
		free(stack[i].path);
		free(stack[i].names);
	}
	free(stack);
	return r;
}

/*
 * libconfig 1.5 reads a whole number written without L into 32 bits and
 * keeps what is left when it is larger: "idle_exit = 4294967356" is 60,
 * which the range would let through. Such a number is refused at its line,
 * whatever setting it is given to. Returns 0, or -EINVAL with *ret_error.
 */
static int check_numbers(const struct source *src, char **ret_error)
{
	int line = 1;
	const char *text = src->text ? src->text : "", *p = text;
	while (*(p = skip_space(p, &line))) {
		if (*p == '"') {
			p = skip_string(p, &line);
		} else if (starts_name(*p)) {
			p += strspn(p, name_chars); /* a name, or true and false: its digits are no number */
		} else if (*p >= '0' && *p <= '9') {
			const char *start = p;
			bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
			bool negative = start > text && start[-1] == '-', after_point = start > text && start[-1] == '.';
			p += hex ? 2 + strspn(p + 2, "0123456789abcdefABCDEF") : strspn(p, "0123456789");
			/* With an L it is 64 bits; with a point or an exponent (".5" too), a float. */
			if (*p == 'L' || (!hex && (after_point || *p == '.' || *p == 'e' || *p == 'E'))) {
				p += strspn(p, "0123456789.eE+-L");
				continue;
			}
			errno = 0;
			unsigned long long value = strtoull(start, NULL, hex ? 16 : 10);
			if (errno != ERANGE && value <= (hex ? UINT32_MAX : negative ? 2147483648ULL : INT32_MAX))
				continue;
			struct origin o = origin_of(src, line);
			start -= negative;
			*ret_error = format_error(o.file, o.line, "%.*s is too large a whole number (larger ones are "
				"written with an L, as 4294967296L)", (int)(p - start), start);
			return *ret_error ? -EINVAL : -ENOMEM;
		} else {
			p++;
		}
	}
	return 0;
}

static void source_finish(struct source *src)
{
	if (src->out)
		fclose(src->out);
	free(src->text);
	free(src->lines);
	for (size_t i = 0; i < src->n_files; i++)
		free(src->files[i]);
	free(src->files);
}

/* src's text, from the file at path; *ret_error set when it cannot be read. */
static int source_read(struct source *src, const char *path, char **ret_error)
{
	*src = (struct source){0};
	int r = 0;
	const char *file = keep_name(src, strdup(path));
	if (!file || !(src->out = open_memstream(&src->text, &src->text_len))) {
		*ret_error = format_error(path, 0, "cannot read: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	FILE *f = open_regular(path, NULL, 0, ret_error, &r);
	if (!f)
		return r;
	r = expand(src, f, file, 0, ret_error);
	fclose(f);
	FILE *out = src->out;
	src->out = NULL;
	/* The text is written to memory: only memory can run out. */
	if (fclose(out) != 0 && r == 0) {
		r = -ENOMEM;
		*ret_error = format_error(path, 0, "cannot read: %s", strerror(ENOMEM));
	}
	return r;
}

int present_config_load_file(struct present_config *cfg, const char *path, present_config_warn_fn warn,
	void *userdata, char **ret_error)
{
	present_config_init(cfg);
	*ret_error = NULL;

	struct source src;
	int r = source_read(&src, path, ret_error);
	config_t lc;
	config_init(&lc);
	if (r < 0)
		goto out;
	if (config_read_string(&lc, src.text) != CONFIG_TRUE) {
		/* libconfig refuses a setting given twice, but its message names neither the setting nor where it
		 * was first: the text is read again for that, only then (the daemon reads the file at every start). */
		const char *why = config_error_text(&lc);
		if (why && strcmp(why, "duplicate setting name") == 0 && (r = check_duplicates(&src, ret_error)) < 0) {
			if (r == -ENOMEM && !*ret_error)
				*ret_error = format_error(path, 0, "cannot read: %s", strerror(ENOMEM));
			goto out;
		}
		struct origin o = origin_of(&src, config_error_line(&lc));
		*ret_error = format_error(o.file, o.line, "%s", config_error_text(&lc));
		r = -EINVAL;
		goto out;
	}
	if ((r = check_numbers(&src, ret_error)) < 0)
		goto out;
	if ((r = check_groups(config_root_setting(&lc), &src, ret_error)) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		config_setting_t *s = config_lookup(&lc, keys[i].path);
		if (s && (r = read_key(&keys[i], s, cfg, &src, ret_error)) < 0)
			goto out;
		/* A command of the user's own is run as written: it may be a terminal already, or need none. */
		if (s && keys[i].offset == offsetof(struct present_config, review_command))
			cfg->review_in_terminal = false;
	}
	if ((r = check_deadlines(&lc, cfg, &src, ret_error)) < 0)
		goto out;
	if (warn)
		warn_unknown(config_root_setting(&lc), "", &src, warn, userdata);
	cfg->path = strdup(path);

out:
	config_destroy(&lc);
	source_finish(&src);
	if (r < 0) {
		present_config_finish(cfg);
		present_config_init(cfg);
	}
	return r;
}

int present_config_load(struct present_config *cfg, present_config_warn_fn warn, void *userdata,
	char **ret_error)
{
	*ret_error = NULL;
	char *path = present_config_find();
	if (!path) {
		present_config_init(cfg);
		return 0;
	}
	int r = present_config_load_file(cfg, path, warn, userdata, ret_error);
	free(path);
	return r;
}
