#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "duration.h"
#include "paths.h"
#include "text.h"

enum key_type {
	KEY_DURATION, /* "45m", "1h30", or a whole number of minutes */
	KEY_INT,
	KEY_CHOICE, /* a string among those in `choices` */
	KEY_STRINGS, /* a list or array of strings */
	KEY_STRING,
};

struct key {
	const char *path;
	enum key_type type;
	size_t offset;
	int64_t min, max;
	const char *choices; /* KEY_CHOICE: space-separated */
};

/* Desktop ids of the mail clients people use most (muted during a session). */
static const char *const default_mail_apps[] = {
	"thunderbird",
	"org.mozilla.Thunderbird",
	"net.thunderbird.Thunderbird",
	"org.gnome.Evolution",
	"org.gnome.Geary",
	"org.kde.kmail2",
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
	{"replay.review_command", KEY_STRINGS, offsetof(struct present_config, review_command), 0, 64, NULL},
};

static const char *const default_review_command[] = {"x-terminal-emulator", "-e", "present", "catchup", "-i", NULL};

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

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void present_config_init(struct present_config *cfg)
{
	*cfg = (struct present_config){
		.default_duration = 60 * 60,
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
	};
}

void present_config_finish(struct present_config *cfg)
{
	free(cfg->path);
	free(cfg->dnd_backend);
	strv_free(cfg->mail_apps);
	strv_free(cfg->people_apps);
	strv_free(cfg->ignore_apps);
	free(cfg->ack_template);
	free(cfg->replay_mode);
	strv_free(cfg->review_command);
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
	/* Anything but "not there" counts, so that an unreadable file or a
	 * directory in the way is reported instead of skipped. */
	return stat(path, &st) == 0 || errno != ENOENT;
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

__attribute__((format(printf, 3, 4))) static char *format_error(const char *path, int line,
	const char *fmt, ...)
{
	char msg[512], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int r = line > 0 ? asprintf(&out, "%s:%d: %s", path, line, msg) : asprintf(&out, "%s: %s", path, msg);
	return r < 0 ? NULL : out;
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
static void warn_unknown(config_setting_t *group, const char *prefix, const char *path,
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
			warn_unknown(s, sub, path, warn, userdata);
		} else if (!find_key(name)) {
			char *msg = format_error(path, config_setting_source_line(s), "unknown key '%s' ignored", name);
			if (msg)
				warn(msg, userdata);
			free(msg);
		}
	}
}

static int read_choice(const struct key *k, config_setting_t *s, char **field, const char *path, char **ret_error)
{
	const char *value = config_setting_get_string(s);
	if (!value || !present_text_has_word(k->choices, value)) {
		*ret_error = format_error(path, config_setting_source_line(s), "'%s' must be one of: %s", k->path,
			k->choices);
		return -EINVAL;
	}
	free(*field);
	*field = strdup(value);
	return 0;
}

static int read_string(const struct key *k, config_setting_t *s, char **field, const char *path, char **ret_error)
{
	const char *value = config_setting_get_string(s);
	if (!value || strlen(value) < (size_t)k->min || strlen(value) > (size_t)k->max) {
		*ret_error = format_error(path, config_setting_source_line(s), "'%s' must be a string of %lld to %lld bytes",
			k->path, (long long)k->min, (long long)k->max);
		return -EINVAL;
	}
	free(*field);
	*field = strdup(value);
	return 0;
}

static int read_strings(const struct key *k, config_setting_t *s, char ***field, const char *path,
	char **ret_error)
{
	int line = config_setting_source_line(s);
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		*ret_error = format_error(path, line, "'%s' must be a list of strings, such as [\"a\", \"b\"]", k->path);
		return -EINVAL;
	}
	int n = config_setting_length(s);
	if (n > k->max) {
		*ret_error = format_error(path, line, "'%s' has more than %lld entries", k->path, (long long)k->max);
		return -EINVAL;
	}
	char **v = calloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; v && i < n; i++) {
		const char *item = config_setting_get_string_elem(s, i);
		if (!item || !*item) {
			*ret_error = format_error(path, line, "'%s' entry %d must be a non-empty string", k->path, i + 1);
			strv_free(v);
			return -EINVAL;
		}
		v[i] = strdup(item);
	}
	strv_free(*field);
	*field = v;
	return 0;
}

static int read_key(const struct key *k, config_setting_t *s, struct present_config *cfg, const char *path,
	char **ret_error)
{
	int64_t value = 0;
	int line = config_setting_source_line(s);
	void *field = (char *)cfg + k->offset;

	switch (k->type) {
	case KEY_CHOICE:
		return read_choice(k, s, field, path, ret_error);
	case KEY_STRINGS:
		return read_strings(k, s, field, path, ret_error);
	case KEY_STRING:
		return read_string(k, s, field, path, ret_error);
	case KEY_DURATION:
		if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
			value = config_setting_get_int64(s) * 60;
			if (config_setting_get_int64(s) <= 0 || value > k->max)
				value = -1;
		} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			int r = present_duration_parse(config_setting_get_string(s), &value);
			if (r == -EINVAL) {
				*ret_error = format_error(path, line,
					"'%s' must be a duration such as \"45m\", \"1h30\" or a number of minutes, not \"%s\"",
					k->path, config_setting_get_string(s));
				return -EINVAL;
			}
			if (r < 0)
				value = -1;
		} else {
			*ret_error = format_error(path, line,
				"'%s' must be a duration such as \"45m\", \"1h30\" or a number of minutes", k->path);
			return -EINVAL;
		}
		if (value < k->min || value > k->max) {
			*ret_error = format_error(path, line, "'%s' is out of range (more than 0, at most 24h)", k->path);
			return -EINVAL;
		}
		break;
	case KEY_INT:
		if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
			*ret_error = format_error(path, line, "'%s' must be a whole number", k->path);
			return -EINVAL;
		}
		value = config_setting_get_int64(s);
		if (value < k->min || value > k->max) {
			*ret_error = format_error(path, line, "'%s' is out of range (%lld to %lld)", k->path,
				(long long)k->min, (long long)k->max);
			return -EINVAL;
		}
		break;
	}
	*(int64_t *)field = value;
	return 0;
}

int present_config_load_file(struct present_config *cfg, const char *path, present_config_warn_fn warn,
	void *userdata, char **ret_error)
{
	present_config_init(cfg);
	int r = 0;
	*ret_error = NULL;

	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*ret_error = format_error(path, 0, "is a directory, not a configuration file");
		return -EISDIR;
	}
	FILE *f = fopen(path, "re");
	if (!f) {
		int err = errno;
		*ret_error = format_error(path, 0, "cannot read: %s", strerror(err));
		return -err;
	}

	config_t lc;
	config_init(&lc);
	if (config_read(&lc, f) != CONFIG_TRUE) {
		*ret_error = format_error(path, config_error_line(&lc), "%s", config_error_text(&lc));
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		config_setting_t *s = config_lookup(&lc, keys[i].path);
		if (s && (r = read_key(&keys[i], s, cfg, path, ret_error)) < 0)
			goto out;
	}
	if (warn)
		warn_unknown(config_root_setting(&lc), "", path, warn, userdata);
	cfg->path = strdup(path);

out:
	config_destroy(&lc);
	fclose(f);
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
