#ifndef PRESENT_CONFIG_H
#define PRESENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

/** session.default_duration when the file does not set it, in seconds. */
#define PRESENT_CONFIG_DEFAULT_DURATION (60 * 60)

/** Everything present.conf can set; present_config_init() gives the defaults. */
struct present_config {
	char *path; /* the file that was read; NULL when none exists */
	int64_t default_duration; /* session.default_duration, seconds */
	int64_t idle_exit; /* daemon.idle_exit, seconds */
	char *dnd_backend; /* dnd.backend: "auto", "none", or a backend id */
	char **mail_apps; /* mail_apps: desktop ids, NULL-terminated */
	char **people_apps; /* people_apps: chat apps, whose alerts are messages from people */
	char **ignore_apps; /* ignore_apps: apps whose alerts are noise */
	int64_t ack_within, answer_within; /* owed.*: seconds from the first message */
	int64_t remind_ack_before, remind_answer_before; /* owed.*: reminder leads, seconds */
	char *ack_template; /* owed.ack_template: "{answer_by}" is replaced */
	char *replay_mode; /* replay.mode: "summary", "each" or "none" */
	char **review_command; /* replay.review_command: argv, run from the summary's action; NULL: none */
	bool review_in_terminal; /* review_command is the default, to be run in a terminal found at the time */
	char **on_start, **on_end; /* argv run when a session starts, ends; NULL: none */
};

/** The values dnd.backend accepts besides "auto" and "none", space-separated. */
#define PRESENT_CONFIG_DND_BACKENDS "gnome kde xfce dunst mako swaync cinnamon mate budgie elementary"

typedef void (*present_config_warn_fn)(const char *message, void *userdata);

/** Fills cfg with the built-in defaults. */
void present_config_init(struct present_config *cfg);

/** Frees what cfg owns; cfg may then be initialised again. */
void present_config_finish(struct present_config *cfg);

/**
 * The file present reads: $XDG_CONFIG_HOME/present/present.conf if it
 * exists, else the first existing one under $XDG_CONFIG_DIRS. NULL when
 * none exists (the defaults apply). free() it.
 */
char *present_config_find(void);

/**
 * Reads path into a config that starts from the defaults. On error returns
 * -errno (-EINVAL for bad content) and sets *ret_error to
 * "path:line: message" (free() it); cfg is then left as the defaults.
 * Either way cfg must be finished with present_config_finish().
 * Unknown keys are reported through warn, which may be NULL.
 */
int present_config_load_file(struct present_config *cfg, const char *path, present_config_warn_fn warn,
	void *userdata, char **ret_error);

/** present_config_find() then present_config_load_file(), or the defaults. */
int present_config_load(struct present_config *cfg, present_config_warn_fn warn, void *userdata,
	char **ret_error);

#endif
