/*
 * libFuzzer target for the configuration loader. Each input is the content
 * of a present.conf: written to a memfd, it is read through its
 * /proc/self/fd path by present_config_load_file(), as the CLI and the
 * daemon read the real file. The result is checked against what config.h
 * promises: a file that loads gives values in range; one that does not
 * leaves the defaults and one message "path:line: reason"; every message,
 * warnings included, is one line of UTF-8 without control characters, since
 * it goes to a terminal and, from the daemon, into a D-Bus error (where
 * libdbus aborts on anything else).
 *
 * Inputs that use @include are skipped: they would read files of this
 * machine, which makes a run depend on where it runs. test-config and the
 * bus tests cover @include.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "oracle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz-config: %s: \"%s\"\n", what, text ? text : "(null)");
	abort();
}


/* One line, printable: no C0 or C1 control, no DEL, UTF-8, and about this file. */
static void check_message(const char *what, const char *msg)
{
	if (!msg || !valid_utf8((const unsigned char *)msg)) {
		fail(what, msg);
	}
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			fail(what, msg);
		}
	}
	size_t len = strlen(path);
	if (strncmp(msg, path, len) != 0 || msg[len] != ':') {
		fail(what, msg);
	}
}

static void on_warning(const char *message, void *userdata)
{
	check_message("a warning", message);
	(*(int *)userdata)++;
}

static bool same_strv(char **a, char **b)
{
	size_t i = 0;
	for (; a && b && a[i] && b[i]; i++) {
		if (strcmp(a[i], b[i]) != 0) {
			return false;
		}
	}
	return a && b && !a[i] && !b[i];
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; len && (p = strstr(p, word)); p += len) {
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0')) {
			return true;
		}
	}
	return false;
}

static void check_strv(const char *what, char **v)
{
	size_t n = 0;
	for (; v && v[n]; n++) {
		if (!*v[n] || !valid_utf8((const unsigned char *)v[n])) {
			fail(what, v[n]);
		}
	}
	if (!v || n > 64) {
		fail(what, "missing, or more than 64 entries");
	}
}

/* A command is a program and its arguments, or NULL: none (an empty list in the file). */
static void check_command(const char *what, char **v)
{
	if (v && !v[0]) {
		fail(what, "an empty command instead of none");
	}
	if (v) {
		check_strv(what, v);
	}
}

static void check_loaded(const struct present_config *cfg)
{
	if (!cfg->path || strcmp(cfg->path, path) != 0) {
		fail("path", cfg->path);
	}
	const int64_t durations[] = {cfg->default_duration, cfg->ack_within, cfg->answer_within,
		cfg->remind_ack_before, cfg->remind_answer_before};
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		if (durations[i] < 1 || durations[i] > PRESENT_DURATION_MAX) {
			fail("a duration out of range", NULL);
		}
	}
	if (cfg->ack_within > cfg->answer_within) {
		fail("owed.ack_within later than owed.answer_within", NULL);
	}
	if (cfg->idle_exit < 1 || cfg->idle_exit > 86400) {
		fail("idle_exit out of range", NULL);
	}
	if (!cfg->dnd_backend || !has_word("auto none " PRESENT_CONFIG_DND_BACKENDS, cfg->dnd_backend)) {
		fail("dnd.backend", cfg->dnd_backend);
	}
	if (!cfg->replay_mode || !has_word("summary each none", cfg->replay_mode)) {
		fail("replay.mode", cfg->replay_mode);
	}
	if (!cfg->ack_template || !*cfg->ack_template || strlen(cfg->ack_template) > 1000 ||
		!valid_utf8((const unsigned char *)cfg->ack_template)) {
		fail("owed.ack_template", cfg->ack_template);
	}
	check_strv("mail_apps", cfg->mail_apps);
	check_strv("people_apps", cfg->people_apps);
	check_strv("ignore_apps", cfg->ignore_apps);
	check_command("replay.review_command", cfg->review_command);
	check_command("on_start", cfg->on_start);
	check_command("on_end", cfg->on_end);
}

/* A file that did not load leaves the defaults, never half of itself. */
static void check_defaults(const struct present_config *cfg)
{
	struct present_config d;
	present_config_init(&d);
	bool same = !cfg->path && cfg->default_duration == d.default_duration && cfg->idle_exit == d.idle_exit &&
		strcmp(cfg->dnd_backend, d.dnd_backend) == 0 && same_strv(cfg->mail_apps, d.mail_apps) &&
		same_strv(cfg->people_apps, d.people_apps) && same_strv(cfg->ignore_apps, d.ignore_apps) &&
		cfg->ack_within == d.ack_within && cfg->answer_within == d.answer_within &&
		cfg->remind_ack_before == d.remind_ack_before && cfg->remind_answer_before == d.remind_answer_before &&
		strcmp(cfg->ack_template, d.ack_template) == 0 && strcmp(cfg->replay_mode, d.replay_mode) == 0 &&
		same_strv(cfg->review_command, d.review_command) && cfg->review_in_terminal == d.review_in_terminal;
	present_config_finish(&d);
	if (!same) {
		fail("a failed load did not leave the defaults", NULL);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("present.conf", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	/* Whatever a file could make libconfig read, it is never the fuzzer's input. */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memmem(data, size, "@include", 8)) {
		return 0;
	}
	if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		fail("cannot write the memfd", strerror(errno));
	}

	struct present_config cfg;
	char *error = NULL;
	int warnings = 0;
	int r = present_config_load_file(&cfg, path, on_warning, &warnings, &error);
	if (r == 0) {
		if (error) {
			fail("loaded, with an error", error);
		}
		check_loaded(&cfg);
	} else {
		if (r != -EINVAL) {
			fail("content can only be -EINVAL", error);
		}
		check_message("the error", error);
		check_defaults(&cfg);
	}
	free(error);
	present_config_finish(&cfg);
	return 0;
}
