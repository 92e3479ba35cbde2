#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "store.h"

struct present_store {
	sqlite3 *db;
	char *path;
	char error[512];
};

/* Schema migrations: entry N takes user_version N to N+1. Append, never edit. */
static const char *const migrations[] = {
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  label TEXT NOT NULL DEFAULT '',"
	"  started_at INTEGER NOT NULL,"
	"  planned_end INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  end_reason TEXT"
	");"
	"CREATE INDEX sessions_unfinished ON sessions(id) WHERE ended_at IS NULL;",

	/* What do-not-disturb changed, written before the change and removed once
	 * it is put back: whatever is left here after a crash is restored. */
	"CREATE TABLE dnd_changes ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER,"
	"  backend TEXT NOT NULL,"
	"  app TEXT,"
	"  saved TEXT NOT NULL,"
	"  made_at INTEGER NOT NULL"
	");",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == PRESENT_STORE_SCHEMA,
	"every schema version needs its migration");

__attribute__((format(printf, 2, 3))) static int fail(struct present_store *store, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int code = store->db ? sqlite3_errcode(store->db) : SQLITE_CANTOPEN;
	snprintf(store->error, sizeof(store->error), "%s: %s: %s", store->path, what,
		store->db ? sqlite3_errmsg(store->db) : "cannot open");
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EROFS;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

static int exec(struct present_store *store, const char *sql)
{
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(store, "%.40s", sql);
	return 0;
}

static int migrate(struct present_store *store)
{
	sqlite3_stmt *st;
	int version = 0;
	if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail(store, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);

	if (version > PRESENT_STORE_SCHEMA) {
		snprintf(store->error, sizeof(store->error),
			"%s: written by a newer present (schema %d, this one knows %d)", store->path, version,
			PRESENT_STORE_SCHEMA);
		return -EPROTO;
	}
	for (; version < PRESENT_STORE_SCHEMA; version++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
		int r = exec(store, "BEGIN IMMEDIATE");
		if (r < 0)
			return r;
		if ((r = exec(store, migrations[version])) < 0 || (r = exec(store, bump)) < 0 ||
			(r = exec(store, "COMMIT")) < 0) {
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
	}
	return 0;
}

int present_store_open(const char *path, struct present_store **ret, char **ret_error)
{
	*ret = NULL;
	*ret_error = NULL;
	struct present_store *store = calloc(1, sizeof(*store));
	if (!store || !(store->path = strdup(path))) {
		free(store);
		return -ENOMEM;
	}

	char *dir_copy = strdup(path);
	int r = dir_copy ? present_path_ensure_private_dir(dirname(dir_copy)) : -ENOMEM;
	if (r < 0) {
		snprintf(store->error, sizeof(store->error), "%s: cannot make a private directory for it: %s", path,
			r == -EPERM ? "it belongs to another user" : strerror(-r));
		goto fail;
	}

	/* Created 0600 before SQLite sees it: its journal files copy this mode. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(store->error, sizeof(store->error), "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	fchmod(fd, 0600);
	close(fd);

	if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		r = fail(store, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(store->db, 2000);
	if ((r = exec(store, "PRAGMA journal_mode = WAL")) < 0 || (r = exec(store, "PRAGMA synchronous = FULL")) < 0 ||
		(r = exec(store, "PRAGMA foreign_keys = ON")) < 0 || (r = migrate(store)) < 0)
		goto fail;

	free(dir_copy);
	*ret = store;
	return 0;

fail:
	free(dir_copy);
	*ret_error = strdup(store->error);
	present_store_close(store);
	return r;
}

void present_store_close(struct present_store *store)
{
	if (!store)
		return;
	sqlite3_close(store->db);
	free(store->path);
	free(store);
}

const char *present_store_path(struct present_store *store)
{
	return store->path;
}

const char *present_store_error(struct present_store *store)
{
	return store->error;
}

/* Runs one statement binding int64 and text parameters as the format says
 * ('i' int64, 's' text), for the writes that return nothing. */
static int run(struct present_store *store, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(store, "%.40s", sql);
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store, "%.40s", sql);
	return 0;
}

int present_store_defer(struct present_store *store)
{
	return sqlite3_get_autocommit(store->db) ? exec(store, "BEGIN IMMEDIATE") : 0;
}

int present_store_flush(struct present_store *store)
{
	if (sqlite3_get_autocommit(store->db))
		return 0;
	int r = exec(store, "COMMIT");
	if (r < 0)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int present_store_session_begin(struct present_store *store, const char *label, int64_t started_at,
	int64_t planned_end, int64_t *ret_id)
{
	int r = run(store, "INSERT INTO sessions(label, started_at, planned_end) VALUES (?, ?, ?)", "sii",
		label ? label : "", started_at, planned_end);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

int present_store_session_set_end(struct present_store *store, int64_t id, int64_t planned_end)
{
	return run(store, "UPDATE sessions SET planned_end = ? WHERE id = ?", "ii", planned_end, id);
}

int present_store_session_finish(struct present_store *store, int64_t id, int64_t ended_at, const char *reason)
{
	return run(store, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL", "isi",
		ended_at, reason, id);
}

static char *column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

int present_store_session_unfinished(struct present_store *store, struct present_session_record *ret)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db,
		    "SELECT id, label, started_at, planned_end FROM sessions WHERE ended_at IS NULL "
		    "ORDER BY id DESC LIMIT 1",
		    -1, &st, NULL) != SQLITE_OK)
		return fail(store, "looking for an unfinished session");
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		*ret = (struct present_session_record){
			.id = sqlite3_column_int64(st, 0),
			.label = column_text(st, 1),
			.started_at = sqlite3_column_int64(st, 2),
			.planned_end = sqlite3_column_int64(st, 3),
		};
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = fail(store, "looking for an unfinished session");
	}
	sqlite3_finalize(st);
	return r;
}

void present_session_record_finish(struct present_session_record *rec)
{
	free(rec->label);
	free(rec->end_reason);
	*rec = (struct present_session_record){0};
}

int present_store_dnd_save(struct present_store *store, int64_t session_id, const char *backend, const char *app,
	const char *saved, int64_t made_at, int64_t *ret_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db,
		    "INSERT INTO dnd_changes(session_id, backend, app, saved, made_at) VALUES (?, ?, ?, ?, ?)", -1, &st,
		    NULL) != SQLITE_OK)
		return fail(store, "recording a do-not-disturb change");
	if (session_id)
		sqlite3_bind_int64(st, 1, session_id);
	sqlite3_bind_text(st, 2, backend, -1, SQLITE_TRANSIENT);
	if (app)
		sqlite3_bind_text(st, 3, app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, saved, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, made_at);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store, "recording a do-not-disturb change");
	*ret_id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

int present_store_dnd_forget(struct present_store *store, int64_t id)
{
	return run(store, "DELETE FROM dnd_changes WHERE id = ?", "i", id);
}

int present_store_dnd_list(struct present_store *store, struct present_dnd_record **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db,
		    "SELECT id, coalesce(session_id, 0), backend, app, saved FROM dnd_changes ORDER BY id DESC", -1, &st,
		    NULL) != SQLITE_OK)
		return fail(store, "reading do-not-disturb changes");
	int rc;
	size_t n = 0, cap = 0;
	struct present_dnd_record *recs = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			struct present_dnd_record *grown = realloc(recs, cap * sizeof(*recs));
			if (!grown)
				break;
			recs = grown;
		}
		recs[n++] = (struct present_dnd_record){
			.id = sqlite3_column_int64(st, 0),
			.session_id = sqlite3_column_int64(st, 1),
			.backend = column_text(st, 2),
			.app = column_text(st, 3),
			.saved = column_text(st, 4),
		};
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		present_dnd_records_free(recs, n);
		return rc == SQLITE_ROW ? -ENOMEM : fail(store, "reading do-not-disturb changes");
	}
	*ret = recs;
	*ret_n = n;
	return 0;
}

void present_dnd_records_free(struct present_dnd_record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(recs[i].backend);
		free(recs[i].app);
		free(recs[i].saved);
	}
	free(recs);
}
