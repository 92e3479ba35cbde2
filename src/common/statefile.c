#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "statefile.h"
#include "store.h"

/* The writer's lock on the file it wrote last; it is released when the process ends. */
static int held_fd = -1;

char *present_statefile_path(void)
{
	/* Two session buses can share one runtime directory (a remote desktop
	 * beside the local one): each daemon's session is its bus's alone. */
	return present_path_for_bus("status");
}

/* Values are one line each: newlines, tabs (which separate the parts of a
 * value) and '%' are written as %0A, %09 and %25. One table both ways, so
 * that the reader undoes exactly what the writer did. */
static const struct {
	char c, code[3];
} escapes[] = {{'\n', "0A"}, {'\t', "09"}, {'%', "25"}};
#define N_ESCAPES (sizeof(escapes) / sizeof(escapes[0]))

static void put_escaped(FILE *f, const char *value)
{
	for (const char *p = value; *p; p++) {
		size_t i = 0;
		while (i < N_ESCAPES && escapes[i].c != *p)
			i++;
		if (i < N_ESCAPES)
			fprintf(f, "%%%s", escapes[i].code);
		else
			fputc(*p, f);
	}
}

static void put(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, "%s=", key);
	put_escaped(f, value);
	fputc('\n', f);
}

/* One switch left on: "backend<TAB>app<TAB>reason". */
static void put_unrestored(FILE *f, const struct present_unrestored *u)
{
	fputs("unrestored=", f);
	put_escaped(f, u->backend);
	fputc('\t', f);
	put_escaped(f, u->app);
	fputc('\t', f);
	put_escaped(f, u->reason);
	fputc('\n', f);
}

/* s up to end (or its end, for NULL), unescaped. */
static char *unescape_n(const char *s, const char *end)
{
	if (!end)
		end = s + strlen(s);
	char *out = malloc((size_t)(end - s) + 1), *o = out;
	for (; out && s < end; s++) {
		size_t i = N_ESCAPES;
		if (end - s >= 3 && *s == '%')
			for (i = 0; i < N_ESCAPES && strncmp(s + 1, escapes[i].code, 2) != 0; i++)
				;
		if (i < N_ESCAPES) {
			*o++ = escapes[i].c;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

static char *unescape(const char *s)
{
	return unescape_n(s, NULL);
}

static void read_unrestored(const char *v, struct present_status *s, size_t *cap)
{
	const char *tab1 = strchr(v, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	if (!tab2)
		return;
	char *backend = unescape_n(v, tab1), *app = unescape_n(tab1 + 1, tab2), *reason = unescape(tab2 + 1);
	if (backend && app && reason)
		present_unrestored_add(&s->unrestored, &s->n_unrestored, cap, backend, app, reason);
	free(backend);
	free(app);
	free(reason);
}

int present_statefile_write(const char *path, pid_t pid, const struct present_status *s)
{
	return present_statefile_write_owed(path, pid, s, NULL);
}

int present_statefile_write_owed(const char *path, pid_t pid, const struct present_status *s,
	const struct present_statefile_owed *owed)
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
	/* Locked before it is renamed into place, so no reader ever sees it unheld while we live. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), copy = -1;
	FILE *f = NULL;
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || (copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
		!(f = fdopen(copy, "w"))) {
		r = -errno;
		if (copy >= 0)
			close(copy);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return r;
	}
	fprintf(f, "pid=%d\nid=%llu\nstarted_at=%lld\nends_at=%lld\nalerts=%u\n", (int)pid,
		(unsigned long long)s->id, (long long)s->started_at, (long long)s->ends_at, (unsigned)s->alerts);
	put(f, "label", s->label);
	put(f, "dnd_state", s->dnd_state);
	put(f, "dnd_server", s->dnd_server);
	put(f, "dnd_backend", s->dnd_backend);
	put(f, "dnd_note", s->dnd_note);
	for (size_t i = 0; s->muted && s->muted[i]; i++)
		put(f, "muted", s->muted[i]);
	put(f, "capture_error", s->capture_error);
	/* Between sessions the file says only what an earlier one left on. */
	if (!s->active)
		fputs("active=0\n", f);
	for (size_t i = 0; i < s->n_unrestored; i++)
		put_unrestored(f, &s->unrestored[i]);
	if (owed) {
		fprintf(f, "owed=%zu\n", owed->n);
		for (size_t i = 0; i < owed->n; i++)
			fprintf(f, "due=%lld\n", (long long)owed->due[i]);
	}
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		close(fd);
	} else {
		if (held_fd >= 0)
			close(held_fd);
		held_fd = fd;
	}
	free(tmp);
	return r;
}

struct collect {
	struct present_statefile_owed *owed;
	bool failed;
};

static void collect_row(const struct present_owed_row *row, void *userdata)
{
	struct collect *c = userdata;
	int64_t *grown = c->failed ? NULL : realloc(c->owed->due, (c->owed->n + 1) * sizeof(*grown));
	if (!grown) {
		c->failed = true;
		return;
	}
	c->owed->due = grown;
	/* The deadline that matters next: acknowledging while owed, answering once acknowledged. */
	bool owed = strcmp(row->state, "owed") == 0;
	grown[c->owed->n++] = owed && row->ack_by < row->answer_by ? row->ack_by : row->answer_by;
}

int present_statefile_owed_collect(struct present_store *store, struct present_statefile_owed *owed)
{
	*owed = (struct present_statefile_owed){0};
	struct collect c = {.owed = owed};
	int r = present_store_owed_each(store, false, collect_row, &c);
	if (r >= 0 && c.failed)
		r = -ENOMEM;
	if (r < 0)
		present_statefile_owed_finish(owed);
	return r < 0 ? r : 0;
}

void present_statefile_owed_finish(struct present_statefile_owed *owed)
{
	free(owed->due);
	*owed = (struct present_statefile_owed){0};
}

/*
 * Whether the writer of the file open at fd still lives: it holds its lock
 * until it dies. A file we could lock may have just been replaced by a newer
 * one (the writer drops the old lock after the rename): then read again.
 */
static int writer_alive(int fd, const char *path)
{
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 1 : -errno;
	struct stat opened, now;
	if (fstat(fd, &opened) < 0)
		return -errno;
	if (stat(path, &now) < 0)
		return errno == ENOENT ? 0 : -errno;
	return opened.st_dev == now.st_dev && opened.st_ino == now.st_ino ? 0 : -EAGAIN;
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

static int read_once(const char *path, struct present_status *s, int64_t now,
	struct present_statefile_counts *counts, bool *ret_active)
{
	*s = (struct present_status){0};
	struct present_statefile_counts c = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* getline: a server's error text kept here has no bound, and a cut line's tail would read as a key. */
	char *line = NULL;
	size_t line_cap = 0;
	bool active = true;
	size_t cap = 0;
	while (getline(&line, &line_cap, f) >= 0) {
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
		if (strcmp(k, "id") == 0)
			s->id = strtoull(v, NULL, 10);
		else if (strcmp(k, "started_at") == 0)
			s->started_at = strtoll(v, NULL, 10);
		else if (strcmp(k, "ends_at") == 0)
			s->ends_at = strtoll(v, NULL, 10);
		else if (strcmp(k, "alerts") == 0)
			s->alerts = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(k, "owed") == 0)
			c.owed_known = true;
		else if (strcmp(k, "due") == 0) {
			c.owed++;
			if (now * 1000 > strtoll(v, NULL, 10))
				c.overdue++;
		} else if (strcmp(k, "muted") == 0)
			push(&s->muted, unescape(v));
		else if (strcmp(k, "active") == 0)
			active = strcmp(v, "0") != 0;
		else if (strcmp(k, "unrestored") == 0)
			read_unrestored(v, s, &cap);
		else if (field) {
			free(*field);
			*field = unescape(v);
		}
	}
	free(line);
	int r = writer_alive(fileno(f), path);
	fclose(f);
	/* A daemon that exits cleanly says first that nothing is on. */
	if (r == 0 && (active || s->n_unrestored))
		r = -EOWNERDEAD;
	if (ret_active)
		*ret_active = active;
	if (r <= 0) {
		present_status_finish(s);
		return r == 0 ? -ENOENT : r;
	}
	s->active = active;
	if (counts)
		*counts = c;
	return 0;
}

static int read_file(const char *path, struct present_status *s, int64_t now,
	struct present_statefile_counts *counts, bool *ret_active)
{
	if (counts)
		*counts = (struct present_statefile_counts){0};
	int r = -EAGAIN;
	/* The daemon rewrites the file on a change: a reader that lost the race reads the new one. */
	for (int tries = 0; r == -EAGAIN && tries < 5; tries++)
		r = read_once(path, s, now, counts, ret_active);
	return r;
}

int present_statefile_read_counts(const char *path, struct present_status *s, int64_t now,
	struct present_statefile_counts *counts)
{
	return read_file(path, s, now, counts, NULL);
}

int present_statefile_read(const char *path, struct present_status *s)
{
	return present_statefile_read_counts(path, s, 0, NULL);
}

bool present_statefile_writer_died(bool in_session)
{
	char *path = present_statefile_path();
	struct present_status s;
	bool active = false;
	int r = path ? read_file(path, &s, 0, NULL, &active) : -ENOMEM;
	free(path);
	if (r == 0)
		present_status_finish(&s);
	return r == -EOWNERDEAD && (active || !in_session);
}
