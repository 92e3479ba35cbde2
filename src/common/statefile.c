#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "statefile.h"

char *present_statefile_path(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *path = NULL;
	if (!run || run[0] != '/' || asprintf(&path, "%s/present/status", run) < 0)
		return NULL;
	return path;
}

/* Values are one line each: newlines and '%' are written as %0A and %25. */
static void put(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, "%s=", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\n')
			fputs("%0A", f);
		else if (*p == '%')
			fputs("%25", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (; out && *s; s++) {
		if (s[0] == '%' && s[1] == '0' && s[2] == 'A') {
			*o++ = '\n';
			s += 2;
		} else if (s[0] == '%' && s[1] == '2' && s[2] == '5') {
			*o++ = '%';
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

int present_statefile_write(const char *path, pid_t pid, const struct present_status *s)
{
	char *dir = strdup(path), *tmp = NULL;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (!slash) {
		free(dir);
		return -ENOMEM;
	}
	*slash = '\0';
	int r = present_path_ensure_private_dir(dir);
	free(dir);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.%d", path, (int)pid) < 0)
		return -ENOMEM;
	FILE *f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
		free(tmp);
		return r;
	}
	fprintf(f, "pid=%d\nid=%llu\nstarted_at=%lld\nends_at=%lld\n", (int)pid, (unsigned long long)s->id,
		(long long)s->started_at, (long long)s->ends_at);
	put(f, "label", s->label);
	put(f, "dnd_state", s->dnd_state);
	put(f, "dnd_server", s->dnd_server);
	put(f, "dnd_backend", s->dnd_backend);
	put(f, "dnd_note", s->dnd_note);
	for (size_t i = 0; s->muted && s->muted[i]; i++)
		put(f, "muted", s->muted[i]);
	put(f, "capture_error", s->capture_error);
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* The daemon named in the file still runs (a pid can be reused: check its name). */
static bool daemon_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = pid > 0 ? fopen(path, "re") : NULL;
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) && strncmp(comm, "present-daemon", 14) == 0;
	fclose(f);
	return ok;
}

static void push(char ***v, char *s)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	char **grown = realloc(*v, (n + 2) * sizeof(**v));
	if (!grown) {
		free(s);
		return;
	}
	grown[n] = s;
	grown[n + 1] = NULL;
	*v = grown;
}

int present_statefile_read(const char *path, struct present_status *s)
{
	*s = (struct present_status){0};
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[4096];
	pid_t pid = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		char **field = strcmp(k, "label") == 0 ? &s->label
			: strcmp(k, "dnd_state") == 0  ? &s->dnd_state
			: strcmp(k, "dnd_server") == 0 ? &s->dnd_server
			: strcmp(k, "dnd_backend") == 0 ? &s->dnd_backend
			: strcmp(k, "dnd_note") == 0   ? &s->dnd_note
			: strcmp(k, "capture_error") == 0 ? &s->capture_error
							  : NULL;
		if (strcmp(k, "pid") == 0)
			pid = (pid_t)strtol(v, NULL, 10);
		else if (strcmp(k, "id") == 0)
			s->id = strtoull(v, NULL, 10);
		else if (strcmp(k, "started_at") == 0)
			s->started_at = strtoll(v, NULL, 10);
		else if (strcmp(k, "ends_at") == 0)
			s->ends_at = strtoll(v, NULL, 10);
		else if (strcmp(k, "muted") == 0)
			push(&s->muted, unescape(v));
		else if (field) {
			free(*field);
			*field = unescape(v);
		}
	}
	fclose(f);
	if (!daemon_alive(pid)) {
		present_status_finish(s);
		return -ENOENT;
	}
	s->active = true;
	return 0;
}
