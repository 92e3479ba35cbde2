#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "paths.h"
#include "store.h"

/* Statements prepared once, keyed by their SQL text (always a literal). */
#define STATEMENT_CACHE 24
/* How long a statement waits on a lock another connection holds. */
#define BUSY_TIMEOUT_MS 2000

struct present_store {
	sqlite3 *db;
	char *path;
	char error[512];
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STATEMENT_CACHE];
	/* The name this process records its sessions and changes under, and
	 * the lock it holds on the file of that name while it lives; "" and -1
	 * until present_store_own(). */
	char owner[33];
	int owner_fd;
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

	/* Every alert held during a session, one row per alert however many
	 * hops or updates it took. Times are milliseconds since the epoch. */
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER,"
	"  received_at INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"
	"  caller TEXT,"
	"  app TEXT,"
	"  app_name TEXT,"
	"  summary TEXT NOT NULL DEFAULT '',"
	"  body TEXT NOT NULL DEFAULT '',"
	"  icon TEXT,"
	"  urgency INTEGER,"
	"  category TEXT,"
	"  sender_pid INTEGER,"
	"  actions TEXT,"
	"  hints TEXT,"
	"  server_id INTEGER,"
	"  notification_id TEXT,"
	"  updates INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER,"
	"  withdrawn_at INTEGER,"
	"  closed_reason INTEGER,"
	"  refused TEXT,"
	"  class TEXT,"
	"  rule TEXT,"
	"  owed_id INTEGER"
	");"
	"CREATE INDEX alerts_by_session ON alerts(session_id, id);"
	/* Responses owed: one per sender and app while it is open, however many
	 * messages they sent. Deadlines and times in ms. */
	"CREATE TABLE owed ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER,"
	"  kind TEXT NOT NULL,"
	"  app TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  received_at INTEGER NOT NULL,"
	"  last_at INTEGER NOT NULL,"
	"  ack_by INTEGER NOT NULL,"
	"  answer_by INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'owed',"
	"  snoozed_until INTEGER,"
	"  acked_at INTEGER,"
	"  answered_at INTEGER,"
	"  reminded INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX owed_open ON owed(app, sender) WHERE state IN ('owed', 'acknowledged');"
	/* When the monitor was not listening during a session. */
	"CREATE TABLE capture_gaps ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER NOT NULL,"
	"  reason TEXT NOT NULL"
	");",

	/* What `present catchup` reads: each app's count and its latest alerts,
	 * from the index alone however many alerts a session held. */
	"CREATE INDEX alerts_by_app ON alerts(session_id, coalesce(class, '') = 'noise', coalesce(app, app_name, '?'), id);",

	/* The acknowledgement given for a response owed, as `present ack` printed it: a second ack prints it
	 * again instead of another. */
	"ALTER TABLE owed ADD COLUMN ack_text TEXT;",

	/* An alert with an empty name and one with none are one group, not two. */
	"DROP INDEX alerts_by_app;"
	"CREATE INDEX alerts_by_app ON alerts(session_id, coalesce(class, '') = 'noise', "
	"coalesce(nullif(app, ''), nullif(app_name, ''), '?'), id);",

	/* The server process (its unique bus name) that gave server_id: only
	 * it may be asked to close that id, by a daemon other than the one
	 * that saw it given. */
	"ALTER TABLE alerts ADD COLUMN server TEXT;",

	/* The server that confirmed a change to a switch it keeps in its memory
	 * (dunst, mako, Budgie): the bus it is on (the bus's id) and its unique
	 * name there. That switch dies with the process: a record whose server
	 * is gone is dropped, never put back on another process. */
	"ALTER TABLE dnd_changes ADD COLUMN bus TEXT;"
	"ALTER TABLE dnd_changes ADD COLUMN server TEXT;",

	/* The daemon that recorded a session or a change (present_store_own()):
	 * another daemon takes over only what one that died left, never what a
	 * live one on another session bus sharing the store is in the middle of. */
	"ALTER TABLE sessions ADD COLUMN owner TEXT;"
	"ALTER TABLE dnd_changes ADD COLUMN owner TEXT;",

	/* The address of the bus a change to an in-memory switch was made on: a
	 * daemon on another session bus sharing the store can reach that bus and
	 * put the switch back there while its server still runs. */
	"ALTER TABLE dnd_changes ADD COLUMN address TEXT;",

	/* A session a daemon died in, whose summary the next daemon shows:
	 * the backend that held its alerts ('' for none), until shown. */
	"ALTER TABLE sessions ADD COLUMN replay_due TEXT;"
	"CREATE INDEX sessions_replay_due ON sessions(id) WHERE replay_due IS NOT NULL;",
};

/* An alert's app as catch-up groups it, "?" for none: the expression of the
 * index alerts_by_app, to the letter, so that the index serves. */
#define APP_KEY "coalesce(nullif(app, ''), nullif(app_name, ''), '?')"

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == PRESENT_STORE_SCHEMA,
	"every schema version needs its migration");

__attribute__((format(printf, 2, 3))) static int fail(struct present_store *store, const char *fmt, ...)
{
	/* What the failed call left, before anything here can change it. */
	int sys = errno;
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
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_IOERR: {
		/* SQLite says full only for ENOSPC at a write: a quota, or a
		 * disk found full at fsync, is an I/O error to it, and as much
		 * a disk to free as a full one. It does not record the errno
		 * of every failure (not of a commit's write): then the errno
		 * the failed call left tells. */
		int e = store->db ? sqlite3_system_errno(store->db) : 0;
		if (!e)
			e = sys;
		return e == ENOSPC || e == EDQUOT ? -ENOSPC : -EIO;
	}
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

/* A prepared statement for sql (a literal), reset for reuse; NULL on error. */
static sqlite3_stmt *prepare(struct present_store *store, const char *sql)
{
	int i = 0;
	for (; i < STATEMENT_CACHE && store->cache[i].sql; i++) {
		if (store->cache[i].sql == sql) {
			sqlite3_reset(store->cache[i].st);
			sqlite3_clear_bindings(store->cache[i].st);
			return store->cache[i].st;
		}
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (i < STATEMENT_CACHE) {
		store->cache[i].sql = sql;
		store->cache[i].st = st;
	}
	return st;
}

static void release(struct present_store *store, sqlite3_stmt *st)
{
	for (int i = 0; i < STATEMENT_CACHE && store->cache[i].sql; i++)
		if (store->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

static int schema_version(struct present_store *store, int *ret)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail(store, "reading the schema version");
	*ret = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (*ret > PRESENT_STORE_SCHEMA) {
		snprintf(store->error, sizeof(store->error),
			"%s: written by a newer present (schema %d, this one knows %d)", store->path, *ret,
			PRESENT_STORE_SCHEMA);
		return -EPROTO;
	}
	/* No present writes one: another program's database, which the steps must not touch. */
	if (*ret < 0) {
		snprintf(store->error, sizeof(store->error), "%s: not present's store (schema %d)", store->path, *ret);
		return -EPROTO;
	}
	return 0;
}

static int migrate(struct present_store *store)
{
	int version, r = schema_version(store, &version);
	if (r < 0 || version == PRESENT_STORE_SCHEMA)
		return r;
	/* Each step reads the version again under the write lock: two daemons
	 * (two logins) opening a store that needs it both read the old version
	 * first, and the second, once the lock is its own, would run a step the
	 * first had run, and fail on a table or column already there. */
	for (;;) {
		if ((r = exec(store, "BEGIN IMMEDIATE")) < 0)
			return r;
		if ((r = schema_version(store, &version)) < 0 || version == PRESENT_STORE_SCHEMA) {
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
		if ((r = exec(store, migrations[version])) < 0 || (r = exec(store, bump)) < 0 ||
			(r = exec(store, "COMMIT")) < 0) {
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
	}
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
	store->owner_fd = -1;

	char *dir_copy = strdup(path);
	int r = dir_copy ? present_path_ensure_private_dir(dirname(dir_copy)) : -ENOMEM;
	if (r < 0) {
		snprintf(store->error, sizeof(store->error), "%s: cannot make a private directory for it: %s", path,
			r == -EPERM ? "it belongs to another user" : strerror(-r));
		goto fail;
	}

	/* Created 0600 before SQLite sees it: its journal files copy this mode.
	 * Only when it does not exist yet: closing a descriptor of our own on a
	 * database another connection of this process has open would drop that
	 * connection's POSIX locks, and another process could then delete the
	 * WAL under it. */
	struct stat st;
	if (lstat(path, &st) < 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && errno != EEXIST) {
			r = -errno;
			snprintf(store->error, sizeof(store->error), "%s: cannot create: %s", path, strerror(errno));
			goto fail;
		}
		if (fd >= 0)
			close(fd);
	} else if ((st.st_mode & 0077) && chmod(path, 0600) < 0) {
		r = -errno;
		snprintf(store->error, sizeof(store->error), "%s: cannot make it private: %s", path, strerror(errno));
		goto fail;
	}

	if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		r = fail(store, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
	/* The write-ahead log stays when the last connection closes: a log made
	 * anew costs a sync of it and of the directory at the first commit, which
	 * after each activation of the daemon is a start's (1.5 ms). Its size is
	 * what it reached while the daemon ran; no data waits in it. */
	int persist = 1;
	sqlite3_file_control(store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	/* SQLite falls back to reading quietly when it cannot write (a read-only
	 * mount, a file of another mode): every write would fail later, unsaid. */
	if (sqlite3_db_readonly(store->db, "main") == 1) {
		snprintf(store->error, sizeof(store->error), "%s: cannot open it for writing (read-only)", path);
		r = -EROFS;
		goto fail;
	}
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

int present_store_open_readonly(const char *path, struct present_store **ret, char **ret_error)
{
	*ret = NULL;
	*ret_error = NULL;
	struct present_store *store = calloc(1, sizeof(*store));
	if (!store || !(store->path = strdup(path))) {
		free(store);
		return -ENOMEM;
	}
	store->owner_fd = -1;
	if (access(path, F_OK) < 0) {
		int r = -errno;
		present_store_close(store);
		return r;
	}
	int r = 0;
	if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		r = fail(store, "cannot open");
	} else {
		sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
		sqlite3_stmt *st = prepare(store, "PRAGMA user_version");
		int version = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		if (st)
			release(store, st);
		if (version < 0)
			r = fail(store, "reading the schema version");
		else if (version == 0) {
			/* Created, and its schema not yet written: a daemon is setting it up, or will. */
			r = -ENOENT;
		} else if (version != PRESENT_STORE_SCHEMA) {
			/* Only the daemon migrates. An older store holds what was owed before the upgrade: "nothing
			 * owed" would be a lie until the daemon has updated it. */
			snprintf(store->error, sizeof(store->error),
				"%s was written by %s present (schema %d; this one reads %d)%s", path,
				version < PRESENT_STORE_SCHEMA ? "an earlier" : "a later", version, PRESENT_STORE_SCHEMA,
				version < PRESENT_STORE_SCHEMA ? "; the daemon updates it when it next starts" : "");
			r = -EPROTO;
		}
	}
	if (r < 0) {
		*ret_error = strdup(store->error);
		present_store_close(store);
		return r;
	}
	*ret = store;
	return 0;
}

static char *owner_path(const struct present_store *store, const char *owner)
{
	char *path;
	return asprintf(&path, "%s.owner-%s", store->path, owner) < 0 ? NULL : path;
}

void present_store_close(struct present_store *store)
{
	if (!store)
		return;
	for (int i = 0; i < STATEMENT_CACHE && store->cache[i].sql; i++)
		sqlite3_finalize(store->cache[i].st);
	sqlite3_close(store->db);
	if (store->owner_fd >= 0) {
		/* Gone before the lock: a file nobody holds is a process that died. */
		char *path = owner_path(store, store->owner);
		if (path)
			unlink(path);
		free(path);
		close(store->owner_fd);
	}
	free(store->path);
	free(store);
}

int present_store_lock_takeover(const struct present_store *store)
{
	char *path;
	if (asprintf(&path, "%s.takeover", store->path) < 0)
		return -ENOMEM;
	/* A file of its own, and flock(): on NFS, Linux makes flock() a POSIX
	 * lock of the whole file, which on the database would block SQLite's. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r = fd < 0 ? -errno : 0;
	free(path);
	while (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		close(fd);
		fd = -1;
	}
	return fd >= 0 ? fd : r;
}

/*
 * Who recorded a session or a change is known by a lock, not by a process
 * id: a lock on a file of a random name, held from present_store_own() to
 * the end of the process. The kernel drops it the moment the process dies,
 * however it dies, and no later process can pass for the one that held it,
 * as one given the same pid could; a pid would need its start time and the
 * boot beside it, and still could not be checked from another machine that
 * shares the store's directory. The name is new each time, so nobody takes
 * such a lock but its owner; it is never known before the owner holds the
 * lock, as only rows written after that name it.
 */
static void sweep_dead_owners(const struct present_store *store);

int present_store_own(struct present_store *store)
{
	unsigned char bytes[16];
	char owner[sizeof(store->owner)];
	ssize_t n = getrandom(bytes, sizeof(bytes), 0);
	if (n != (ssize_t)sizeof(bytes)) {
		int r = n < 0 ? -errno : -EIO;
		snprintf(store->error, sizeof(store->error), "%s: cannot draw a name for this daemon: %s", store->path,
			strerror(-r));
		return r;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(owner + 2 * i, 3, "%02x", bytes[i]);
	char *path = owner_path(store, owner);
	if (!path)
		return -ENOMEM;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600), r = 0;
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		snprintf(store->error, sizeof(store->error), "%s: %s", path, strerror(errno));
		if (fd >= 0) {
			unlink(path);
			close(fd);
		}
	} else {
		memcpy(store->owner, owner, sizeof(owner));
		store->owner_fd = fd;
		sweep_dead_owners(store);
	}
	free(path);
	return r;
}

/* Whether owner, who recorded a row, is another process that still runs:
 * what it recorded is its own to finish. Not a row recorded before stores
 * kept it, nor one of a process that owned nothing (`present-daemon
 * --restore`). The file of one that died is removed on the way. */
static bool owned_elsewhere(const struct present_store *store, const char *owner)
{
	if (!owner || strlen(owner) != 32 || strspn(owner, "0123456789abcdef") != 32 ||
		strcmp(owner, store->owner) == 0)
		return false;
	char *path = owner_path(store, owner);
	if (!path)
		return true; /* out of memory: left for a later look rather than taken */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* No file: its owner exited, or died and was found so before. A file
	 * that cannot be read is left alone: it may be a live owner's. */
	bool alive = fd < 0 ? errno != ENOENT : flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (fd >= 0 && !alive)
		unlink(path);
	if (fd >= 0)
		close(fd);
	free(path);
	return alive;
}

/* The files of owners that died having recorded nothing: no row names
 * them, so no look at a row removes them, and they would pile up, one a
 * death (a daemon started at login for a reminder, then killed). One
 * younger than a minute is left: it may be a new owner's, between the open
 * that made it and its lock. */
static void sweep_dead_owners(const struct present_store *store)
{
	char *copy = strdup(store->path), *copy2 = strdup(store->path), *prefix = NULL;
	DIR *dir = copy && copy2 ? opendir(dirname(copy)) : NULL;
	if (dir && asprintf(&prefix, "%s.owner-", basename(copy2)) < 0)
		prefix = NULL;
	size_t len = prefix ? strlen(prefix) : 0;
	time_t now = time(NULL);
	for (struct dirent *e; prefix && (e = readdir(dir));) {
		struct stat st;
		if (strncmp(e->d_name, prefix, len) == 0 &&
			fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && now - st.st_mtime > 60)
			owned_elsewhere(store, e->d_name + len);
	}
	if (dir)
		closedir(dir);
	free(prefix);
	free(copy);
	free(copy2);
}

static bool owned_here(const struct present_store *store, const char *owner)
{
	return owner && store->owner[0] && strcmp(owner, store->owner) == 0;
}

void present_store_release_memory(struct present_store *store)
{
	sqlite3_db_release_memory(store->db);
}

const char *present_store_path(struct present_store *store)
{
	return store->path;
}

const char *present_store_error(struct present_store *store)
{
	return store->error;
}

/* Runs one statement binding parameters as the format says: 'i' int64, 'N'
 * int64 or NULL when negative, 's' text or NULL; for writes that return nothing. */
static int run(struct present_store *store, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = prepare(store, sql);
	if (!st)
		return fail(store, "%.40s", sql);
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 'N') {
			int64_t v = va_arg(ap, int64_t);
			if (v >= 0)
				sqlite3_bind_int64(st, i + 1, v);
		} else {
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	int rc = sqlite3_step(st);
	release(store, st);
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

bool present_store_deferring(struct present_store *store)
{
	return !sqlite3_get_autocommit(store->db);
}

void present_store_abandon(struct present_store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int present_store_snapshot_begin(struct present_store *store)
{
	/* Deferred: the snapshot is taken at the first read, and takes no lock a writer waits on. */
	return sqlite3_get_autocommit(store->db) ? exec(store, "BEGIN DEFERRED") : 0;
}

void present_store_snapshot_end(struct present_store *store)
{
	if (!sqlite3_get_autocommit(store->db) && sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

bool present_store_later(int r)
{
	return r == -EBUSY || r == -ENOSPC || r == -EROFS;
}

void present_store_busy_timeout(struct present_store *store, int ms)
{
	sqlite3_busy_timeout(store->db, ms > 0 ? ms : BUSY_TIMEOUT_MS);
}

void present_store_busy_handler(struct present_store *store, int (*fn)(void *data, int count), void *data)
{
	sqlite3_busy_handler(store->db, fn, data);
}

/* A commit that does not wait for the disk: in write-ahead-log mode it is
 * kept through a crash of the process, though not always through a power
 * cut. The store's own writes go back to waiting right after. */
static int synced(struct present_store *store, bool durable)
{
	return durable ? 0 : exec(store, "PRAGMA synchronous = NORMAL");
}

/* Back to waiting for the disk, keeping the message of what failed before. */
static void synced_again(struct present_store *store)
{
	sqlite3_exec(store->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
}

static int insert_change(struct present_store *store, int64_t session_id, struct present_dnd_change *change,
	int64_t made_at)
{
	sqlite3_stmt *st = prepare(store, "INSERT INTO dnd_changes(session_id, backend, app, saved, made_at, bus, server, "
					  "owner, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return fail(store, "recording a do-not-disturb change");
	if (session_id)
		sqlite3_bind_int64(st, 1, session_id);
	sqlite3_bind_text(st, 2, change->backend, -1, SQLITE_TRANSIENT);
	if (change->app)
		sqlite3_bind_text(st, 3, change->app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, change->saved, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, made_at);
	if (change->bus)
		sqlite3_bind_text(st, 6, change->bus, -1, SQLITE_TRANSIENT);
	if (change->server)
		sqlite3_bind_text(st, 7, change->server, -1, SQLITE_TRANSIENT);
	if (store->owner[0])
		sqlite3_bind_text(st, 8, store->owner, -1, SQLITE_TRANSIENT);
	if (change->address)
		sqlite3_bind_text(st, 9, change->address, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	release(store, st);
	if (rc != SQLITE_DONE)
		return fail(store, "recording a do-not-disturb change");
	change->id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

int present_store_session_begin(struct present_store *store, const char *label, int64_t started_at,
	int64_t planned_end, struct present_dnd_change *change, int64_t *ret_id)
{
	int r;
	if ((r = synced(store, change && change->durable)) < 0)
		return r;
	if ((r = exec(store, "BEGIN IMMEDIATE")) == 0 &&
		(r = run(store, "INSERT INTO sessions(label, started_at, planned_end, owner) VALUES (?, ?, ?, ?)", "siis",
			 label ? label : "", started_at, planned_end, store->owner[0] ? store->owner : NULL)) == 0) {
		*ret_id = sqlite3_last_insert_rowid(store->db);
		if (change)
			r = insert_change(store, *ret_id, change, started_at);
	}
	if (r == 0)
		r = exec(store, "COMMIT");
	if (r < 0) {
		/* The message stays the first failure's: these two must not overwrite it. */
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		*ret_id = 0;
		if (change)
			change->id = 0;
	}
	synced_again(store);
	return r;
}

int present_store_session_set_end(struct present_store *store, int64_t id, int64_t planned_end)
{
	return run(store, "UPDATE sessions SET planned_end = ? WHERE id = ?", "ii", planned_end, id);
}

int present_store_session_finish(struct present_store *store, int64_t id, int64_t ended_at, const char *reason,
	bool summary_due, const char *holder)
{
	int r = run(store,
		"UPDATE sessions SET ended_at = ?, end_reason = ?, replay_due = CASE WHEN ? THEN coalesce(?, '') END "
		"WHERE id = ? AND ended_at IS NULL",
		"isisi", ended_at, reason, (int64_t)summary_due, holder, id);
	/* One summary is shown: of the last session that ended. Cleared second,
	 * so that a crash in between leaves two due, never none. */
	return r < 0 || !summary_due
		       ? r
		       : run(store, "UPDATE sessions SET replay_due = NULL WHERE replay_due IS NOT NULL AND id <> ?", "i", id);
}

static char *column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

/* The columns both session readers select, in the order one_session() reads them. */
#define SESSION_COLUMNS "id, label, started_at, planned_end, coalesce(ended_at, 0), end_reason"

/* Reads the row st is on, selecting SESSION_COLUMNS, into *ret. */
static void session_row(sqlite3_stmt *st, struct present_session_record *ret)
{
	*ret = (struct present_session_record){
		.id = sqlite3_column_int64(st, 0),
		.label = column_text(st, 1),
		.started_at = sqlite3_column_int64(st, 2),
		.planned_end = sqlite3_column_int64(st, 3),
		.ended_at = sqlite3_column_int64(st, 4),
		.end_reason = column_text(st, 5),
	};
}

/* Steps st, a statement selecting SESSION_COLUMNS: 1 with *ret filled, 0 when no row, -1 on error. */
static int one_session(struct present_store *store, sqlite3_stmt *st, const char *what,
	struct present_session_record *ret)
{
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		session_row(st, ret);
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = fail(store, "%s", what);
	}
	release(store, st);
	return r;
}

int present_store_session_unfinished(struct present_store *store, struct present_session_record *ret)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT " SESSION_COLUMNS ", owner FROM sessions WHERE ended_at IS NULL ORDER BY id DESC");
	if (!st)
		return fail(store, "looking for an unfinished session");
	int rc;
	/* Nor this daemon's own: one whose end waits for the store is not a dead daemon's. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		(owned_elsewhere(store, (const char *)sqlite3_column_text(st, 6)) ||
			owned_here(store, (const char *)sqlite3_column_text(st, 6))))
		;
	if (rc == SQLITE_ROW)
		session_row(st, ret);
	release(store, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "looking for an unfinished session");
	return rc == SQLITE_ROW;
}

int present_store_replay_due(struct present_store *store, struct present_session_record *ret, char **ret_holder)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT " SESSION_COLUMNS ", nullif(replay_due, '') FROM sessions WHERE replay_due IS NOT NULL "
		"ORDER BY id DESC LIMIT 1");
	if (!st)
		return fail(store, "looking for a summary due");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		session_row(st, ret);
		*ret_holder = column_text(st, 6);
	}
	release(store, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "looking for a summary due");
	return rc == SQLITE_ROW;
}

int present_store_replay_done(struct present_store *store, int64_t id)
{
	return run(store, "UPDATE sessions SET replay_due = NULL WHERE id = ? AND replay_due IS NOT NULL", "i", id);
}

void present_session_record_finish(struct present_session_record *rec)
{
	free(rec->label);
	free(rec->end_reason);
	*rec = (struct present_session_record){0};
}

int present_store_dnd_save(struct present_store *store, int64_t session_id, struct present_dnd_change *change,
	int64_t made_at)
{
	change->id = 0;
	int r = synced(store, change->durable);
	if (r == 0)
		r = insert_change(store, session_id, change, made_at);
	if (!change->durable)
		synced_again(store);
	return r;
}

int present_store_dnd_set_session(struct present_store *store, int64_t id, int64_t session_id)
{
	return run(store, "UPDATE dnd_changes SET session_id = ? WHERE id = ? AND session_id IS NULL", "ii", session_id,
		id);
}

int present_store_dnd_set_server(struct present_store *store, int64_t id, const char *bus, const char *address,
	const char *server)
{
	/* Only switches kept in a server's memory have one, and their records need not outlive a power cut. */
	int r = synced(store, false);
	if (r == 0)
		r = run(store, "UPDATE dnd_changes SET bus = ?, address = ?, server = ? WHERE id = ?", "sssi", bus, address,
			server, id);
	synced_again(store);
	return r;
}

int present_store_dnd_forget(struct present_store *store, int64_t id)
{
	int r = synced(store, false);
	if (r == 0)
		r = run(store, "DELETE FROM dnd_changes WHERE id = ?", "i", id);
	synced_again(store);
	return r;
}

int present_store_dnd_list(struct present_store *store, struct present_dnd_record **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store->db,
		    "SELECT id, coalesce(session_id, 0), backend, app, saved, bus, server, owner, address FROM dnd_changes "
		    "ORDER BY id DESC",
		    -1, &st, NULL) != SQLITE_OK)
		return fail(store, "reading do-not-disturb changes");
	int rc;
	size_t n = 0, cap = 0;
	struct present_dnd_record *recs = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (owned_elsewhere(store, (const char *)sqlite3_column_text(st, 7)))
			continue;
		if (!present_grow(&recs, &cap, n, sizeof(*recs)))
			break;
		recs[n++] = (struct present_dnd_record){
			.id = sqlite3_column_int64(st, 0),
			.session_id = sqlite3_column_int64(st, 1),
			.backend = column_text(st, 2),
			.app = column_text(st, 3),
			.saved = column_text(st, 4),
			.bus = column_text(st, 5),
			.server = column_text(st, 6),
			.address = column_text(st, 8),
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
		free(recs[i].bus);
		free(recs[i].server);
		free(recs[i].address);
	}
	free(recs);
}

bool present_store_left_behind(struct present_store *store)
{
	struct present_session_record rec;
	struct present_dnd_record *recs = NULL;
	size_t n = 0;
	int r = present_store_session_unfinished(store, &rec);
	if (r > 0)
		present_session_record_finish(&rec);
	bool left = r != 0 || present_store_dnd_list(store, &recs, &n) < 0 || n > 0;
	present_dnd_records_free(recs, n);
	return left;
}

int present_store_alert_insert(struct present_store *store, const struct present_alert_record *a)
{
	return run(store,
		"INSERT INTO alerts(id, session_id, received_at, path, caller, app, app_name, summary, body, icon, "
		"urgency, category, sender_pid, actions, hints, notification_id, class, rule) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"iiisssssssNsNsssss", a->id, a->session_id, a->received_at, a->path, a->caller, a->app, a->app_name,
		a->summary ? a->summary : "", a->body ? a->body : "", a->icon, (int64_t)a->urgency, a->category,
		a->sender_pid > 0 ? a->sender_pid : (int64_t)-1, a->actions, a->hints, a->notification_id, a->cls, a->rule);
}

int present_store_alert_update(struct present_store *store, const struct present_alert_record *a, int64_t at)
{
	return run(store,
		"UPDATE alerts SET app = coalesce(?, app), app_name = coalesce(?, app_name), summary = ?, body = ?, "
		"icon = coalesce(?, icon), urgency = coalesce(?, urgency), category = coalesce(?, category), "
		"actions = coalesce(?, actions), hints = coalesce(?, hints), class = coalesce(?, class), "
		"rule = coalesce(?, rule), updates = updates + 1, updated_at = ? WHERE id = ?",
		"sssssNsssssii", a->app, a->app_name, a->summary ? a->summary : "", a->body ? a->body : "", a->icon,
		(int64_t)a->urgency, a->category, a->actions, a->hints, a->cls, a->rule, at, a->id);
}

/* Takes alert id out of the response owed that the portal's hop, which names no app, opened or joined for it. */
static int disown(struct present_store *store, int64_t id)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT o.id FROM alerts a JOIN owed o ON o.id = a.owed_id WHERE a.id = ? AND o.app = ''");
	if (!st)
		return fail(store, "taking back a response owed");
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int64_t item = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	release(store, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "taking back a response owed");
	if (!item)
		return 0;
	int r = run(store, "UPDATE alerts SET owed_id = NULL WHERE id = ?", "i", id);
	if (r == 0)
		r = run(store, "UPDATE owed SET count = count - 1 WHERE id = ?", "i", item);
	/* Its only message: nobody is owed. */
	return r < 0 ? r
		     : run(store, "DELETE FROM owed WHERE id = ?1 AND (count <= 0 OR NOT EXISTS (SELECT 1 FROM alerts "
				  "WHERE owed_id = ?1))", "i", item);
}

int present_store_alert_set_app(struct present_store *store, int64_t id, const char *app, const char *cls,
	const char *rule)
{
	int r = run(store, "UPDATE alerts SET app = coalesce(app, ?), class = ?, rule = ? WHERE id = ?", "sssi", app,
		cls, rule, id);
	if (r < 0)
		return r;
	/* The hop that names no app took the alert for a message (its category, a reply button); the app named
	 * now may say otherwise (ignore_apps, a system app). What it added to the item it opened is taken back. */
	if (strcmp(cls, "mail") != 0 && strcmp(cls, "person") != 0)
		return disown(store, id);
	/* A response owed from the first hop on (a sandboxed app's category or reply button) was opened without the
	 * app's name. The portal's hop comes first at every message, so each opened another: it joins the app's
	 * open item for the same sender, if there is one, as a message of the app's own would have. */
	sqlite3_stmt *st = prepare(store,
		"SELECT n.id, coalesce((SELECT o.id FROM owed o WHERE o.app = ? AND o.sender = n.sender AND o.id != n.id "
		"AND o.state IN ('owed', 'acknowledged') AND n.state IN ('owed', 'acknowledged') ORDER BY o.id DESC "
		"LIMIT 1), 0) FROM owed n WHERE n.app = '' AND n.id = (SELECT owed_id FROM alerts WHERE id = ?)");
	if (!st)
		return fail(store, "naming a response owed");
	sqlite3_bind_text(st, 1, app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	int64_t nameless = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int64_t into = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	release(store, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "naming a response owed");
	if (!nameless)
		return 0;
	if (!into)
		return run(store, "UPDATE owed SET app = ? WHERE id = ?", "si", app, nameless);
	/* They have waited since the first message, and the subject is the latest one's. */
	r = run(store,
		"UPDATE owed SET count = count + (SELECT count FROM owed WHERE id = ?2), "
		"subject = CASE WHEN (SELECT last_at FROM owed WHERE id = ?2) >= last_at "
		"THEN (SELECT subject FROM owed WHERE id = ?2) ELSE subject END, "
		"last_at = max(last_at, (SELECT last_at FROM owed WHERE id = ?2)), "
		"received_at = min(received_at, (SELECT received_at FROM owed WHERE id = ?2)), "
		"ack_by = min(ack_by, (SELECT ack_by FROM owed WHERE id = ?2)), "
		"answer_by = min(answer_by, (SELECT answer_by FROM owed WHERE id = ?2)) WHERE id = ?1",
		"ii", into, nameless);
	/* Its alerts came in its own session or later: the bound keeps to alerts_by_session, not every alert. */
	if (r == 0)
		r = run(store,
			"UPDATE alerts SET owed_id = ?1 WHERE (session_id IS NULL OR session_id >= "
			"coalesce((SELECT session_id FROM owed WHERE id = ?2), 0)) AND owed_id = ?2",
			"ii", into, nameless);
	return r < 0 ? r : run(store, "DELETE FROM owed WHERE id = ?", "i", nameless);
}

int present_store_alert_set_server_id(struct present_store *store, int64_t id, uint32_t server_id, const char *server)
{
	return run(store, "UPDATE alerts SET server_id = ?, server = ? WHERE id = ?", "isi", (int64_t)server_id, server,
		id);
}

int present_store_alert_withdraw(struct present_store *store, int64_t id, int64_t at)
{
	return run(store, "UPDATE alerts SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL", "ii", at, id);
}

int present_store_alert_closed(struct present_store *store, int64_t id, uint32_t reason)
{
	return run(store, "UPDATE alerts SET closed_reason = ? WHERE id = ?", "ii", (int64_t)reason, id);
}

int present_store_alert_refused(struct present_store *store, int64_t id, const char *error)
{
	return run(store, "UPDATE alerts SET refused = ? WHERE id = ?", "si", error, id);
}

int present_store_capture_gap(struct present_store *store, int64_t session_id, int64_t from, int64_t to,
	const char *reason)
{
	return run(store, "INSERT INTO capture_gaps(session_id, started_at, ended_at, reason) VALUES (?, ?, ?, ?)",
		"iiis", session_id, from, to, reason);
}

int present_store_alert_top(struct present_store *store, int64_t *ret_top)
{
	sqlite3_stmt *st = prepare(store, "SELECT coalesce(max(id), 0) FROM alerts");
	if (!st)
		return fail(store, "numbering alerts");
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : fail(store, "numbering alerts");
	if (r == 0)
		*ret_top = sqlite3_column_int64(st, 0);
	release(store, st);
	return r;
}

#define ALERT_COLUMNS                                                                                              \
	"id, session_id, received_at, path, app, app_name, summary, body, category, coalesce(urgency, -1), updates, "  \
	"withdrawn_at IS NOT NULL, icon, coalesce(class, 'alert'), rule, server"

/* Calls fn for each row of st, a statement selecting ALERT_COLUMNS. */
static int each_alert(struct present_store *store, sqlite3_stmt *st, present_alert_row_fn fn, void *userdata)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct present_alert_row row = {
			.id = sqlite3_column_int64(st, 0),
			.session_id = sqlite3_column_int64(st, 1),
			.received_at = sqlite3_column_int64(st, 2),
			.path = (const char *)sqlite3_column_text(st, 3),
			.app = (const char *)sqlite3_column_text(st, 4),
			.app_name = (const char *)sqlite3_column_text(st, 5),
			.summary = (const char *)sqlite3_column_text(st, 6),
			.body = (const char *)sqlite3_column_text(st, 7),
			.category = (const char *)sqlite3_column_text(st, 8),
			.urgency = sqlite3_column_int(st, 9),
			.updates = sqlite3_column_int(st, 10),
			.withdrawn = sqlite3_column_int(st, 11),
			.icon = (const char *)sqlite3_column_text(st, 12),
			.cls = (const char *)sqlite3_column_text(st, 13),
			.rule = (const char *)sqlite3_column_text(st, 14),
			.server = (const char *)sqlite3_column_text(st, 15),
		};
		fn(&row, userdata);
	}
	release(store, st);
	return rc == SQLITE_DONE ? 0 : fail(store, "listing alerts");
}

int present_store_alerts_each(struct present_store *store, int64_t session_id, present_alert_row_fn fn,
	void *userdata)
{
	sqlite3_stmt *st = prepare(store, "SELECT " ALERT_COLUMNS " FROM alerts WHERE session_id = ? ORDER BY id");
	if (!st)
		return fail(store, "listing alerts");
	sqlite3_bind_int64(st, 1, session_id);
	return each_alert(store, st, fn, userdata);
}

int present_store_alert_groups(struct present_store *store, int64_t session_id, present_alert_group_fn fn,
	void *userdata)
{
	/* The expressions are those of the index alerts_by_app, so that it serves. */
	sqlite3_stmt *st = prepare(store,
		"SELECT coalesce(class, '') = 'noise', " APP_KEY ", count(*), min(id) FROM alerts "
		"WHERE session_id = ? GROUP BY 1, 2 ORDER BY 4");
	if (!st)
		return fail(store, "counting alerts");
	sqlite3_bind_int64(st, 1, session_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct present_alert_group g = {
			.noise = sqlite3_column_int(st, 0),
			.app = (const char *)sqlite3_column_text(st, 1),
			.count = sqlite3_column_int64(st, 2),
		};
		fn(&g, userdata);
	}
	release(store, st);
	return rc == SQLITE_DONE ? 0 : fail(store, "counting alerts");
}

int present_store_alerts_latest(struct present_store *store, int64_t session_id, const char *app, size_t limit,
	present_alert_row_fn fn, void *userdata)
{
	/* Newest first to take the latest, then turned around to read oldest first. */
	sqlite3_stmt *st = prepare(store,
		app ? "SELECT * FROM (SELECT " ALERT_COLUMNS " FROM alerts WHERE session_id = ? AND "
		      "(coalesce(class, '') = 'noise') = 0 AND " APP_KEY " = ? ORDER BY id DESC LIMIT ?) "
		      "ORDER BY id"
		    : "SELECT * FROM (SELECT " ALERT_COLUMNS " FROM alerts WHERE session_id = ? AND "
		      "(coalesce(class, '') = 'noise') = 1 ORDER BY id DESC LIMIT ?) ORDER BY id");
	if (!st)
		return fail(store, "listing alerts");
	int at = 1;
	sqlite3_bind_int64(st, at++, session_id);
	if (app)
		sqlite3_bind_text(st, at++, app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, at, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	return each_alert(store, st, fn, userdata);
}

int present_store_shown_each(struct present_store *store, int64_t session_id, const char *server,
	present_shown_fn fn, void *userdata)
{
	sqlite3_stmt *st = prepare(store, "SELECT server_id, coalesce(rule, '') FROM alerts WHERE session_id = ? AND "
					  "server = ? AND server_id IS NOT NULL AND withdrawn_at IS NULL AND "
					  "closed_reason IS NULL ORDER BY id");
	if (!st)
		return fail(store, "listing the alerts a server holds");
	sqlite3_bind_int64(st, 1, session_id);
	sqlite3_bind_text(st, 2, server, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn((uint32_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), userdata);
	release(store, st);
	return rc == SQLITE_DONE ? 0 : fail(store, "listing the alerts a server holds");
}

int present_store_gaps_each(struct present_store *store, int64_t session_id, present_gap_fn fn, void *userdata)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT started_at, ended_at, reason FROM capture_gaps WHERE session_id = ? ORDER BY started_at");
	if (!st)
		return fail(store, "listing capture gaps");
	sqlite3_bind_int64(st, 1, session_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
			userdata);
	release(store, st);
	return rc == SQLITE_DONE ? 0 : fail(store, "listing capture gaps");
}

int present_store_session_get(struct present_store *store, int64_t id, struct present_session_record *ret)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT " SESSION_COLUMNS " FROM sessions WHERE ? = 0 OR id = ? ORDER BY id DESC LIMIT 1");
	if (!st)
		return fail(store, "reading a session");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, id);
	return one_session(store, st, "reading a session", ret);
}

int present_store_owed_note(struct present_store *store, int64_t alert_id, const struct present_owed_note *n)
{
	sqlite3_stmt *st = prepare(store,
		"SELECT id FROM owed WHERE app = ? AND sender = ? AND state IN ('owed', 'acknowledged') "
		"ORDER BY id DESC LIMIT 1");
	if (!st)
		return fail(store, "finding a response owed");
	sqlite3_bind_text(st, 1, n->app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, n->sender, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	release(store, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "finding a response owed");
	int r;
	if (id) {
		/* The first message set the deadlines: that is how long they have waited. */
		r = run(store, "UPDATE owed SET count = count + 1, last_at = ?, subject = ? WHERE id = ?", "isi", n->at,
			n->subject, id);
	} else {
		r = run(store,
			"INSERT INTO owed(session_id, kind, app, sender, subject, received_at, last_at, ack_by, answer_by) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"issssiiii", n->session_id, n->kind, n->app, n->sender, n->subject, n->at, n->at, n->ack_by,
			n->answer_by);
		id = sqlite3_last_insert_rowid(store->db);
	}
	if (r < 0)
		return r;
	return run(store, "UPDATE alerts SET owed_id = ? WHERE id = ?", "ii", id, alert_id);
}

static int owed_rows(struct present_store *store, sqlite3_stmt *st, const char *what, present_owed_row_fn fn,
	void *userdata)
{
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct present_owed_row row = {
			.id = sqlite3_column_int64(st, 0),
			.session_id = sqlite3_column_int64(st, 1),
			.kind = (const char *)sqlite3_column_text(st, 2),
			.app = (const char *)sqlite3_column_text(st, 3),
			.sender = (const char *)sqlite3_column_text(st, 4),
			.subject = (const char *)sqlite3_column_text(st, 5),
			.count = sqlite3_column_int(st, 6),
			.received_at = sqlite3_column_int64(st, 7),
			.last_at = sqlite3_column_int64(st, 8),
			.ack_by = sqlite3_column_int64(st, 9),
			.answer_by = sqlite3_column_int64(st, 10),
			.state = (const char *)sqlite3_column_text(st, 11),
			.snoozed_until = sqlite3_column_int64(st, 12),
			.reminded = sqlite3_column_int(st, 13),
			.acked_at = sqlite3_column_int64(st, 14),
			.ack_text = (const char *)sqlite3_column_text(st, 15),
		};
		fn(&row, userdata);
		n++;
	}
	release(store, st);
	return rc == SQLITE_DONE ? n : fail(store, what);
}

#define OWED_COLUMNS                                                                                                   \
	"SELECT id, coalesce(session_id, 0), kind, app, sender, subject, count, received_at, last_at, ack_by, "          \
	"answer_by, state, coalesce(snoozed_until, 0), reminded, coalesce(acked_at, 0), ack_text FROM owed "
#define OWED_OPEN "state IN ('owed', 'acknowledged')"
/* The deadline that comes next: the acknowledgement until it is made, then the answer. */
#define OWED_BY_NEXT_DEADLINE "ORDER BY CASE state WHEN 'owed' THEN ack_by ELSE answer_by END, id"

/* Runs sql, with ?1 and ?2 (as many as it has) bound to a and b, for fn; what says what failed. Returns how
 * many rows there were, or -errno. */
static int owed_query(struct present_store *store, const char *sql, int64_t a, int64_t b, const char *what,
	present_owed_row_fn fn, void *userdata)
{
	sqlite3_stmt *st = prepare(store, sql);
	if (!st)
		return fail(store, what);
	const int64_t args[] = {a, b};
	for (int i = 0; i < sqlite3_bind_parameter_count(st) && i < 2; i++)
		sqlite3_bind_int64(st, i + 1, args[i]);
	return owed_rows(store, st, what, fn, userdata);
}

int present_store_owed_each(struct present_store *store, bool all, present_owed_row_fn fn, void *userdata)
{
	/* Each by its next deadline, open or not: an item has the same place in both lists. */
	const char *sql =
		all ? OWED_COLUMNS OWED_BY_NEXT_DEADLINE : OWED_COLUMNS "WHERE " OWED_OPEN " " OWED_BY_NEXT_DEADLINE;
	int r = owed_query(store, sql, 0, 0, "listing responses owed", fn, userdata);
	return r < 0 ? r : 0;
}

int present_store_owed_of_session_each(struct present_store *store, int64_t session_id, present_owed_row_fn fn,
	void *userdata)
{
	/* Those it opened, and those its alerts went to: a message joins its
	 * sender's item from an earlier session. Both: an updated alert (Evolution
	 * counts new mail in one) goes to the item of its latest sender, and
	 * leaves the one it opened with no alert pointing to it. */
	int r = owed_query(store,
		OWED_COLUMNS "WHERE " OWED_OPEN " AND (session_id = ?1 OR id IN (SELECT owed_id FROM alerts WHERE "
			     "session_id = ?1)) " OWED_BY_NEXT_DEADLINE,
		session_id, 0, "listing responses owed", fn, userdata);
	return r < 0 ? r : 0;
}

int present_store_owed_get(struct present_store *store, int64_t id, present_owed_row_fn fn, void *userdata)
{
	return owed_query(store, OWED_COLUMNS "WHERE id = ?1", id, 0, "reading a response owed", fn, userdata);
}

int present_store_owed_ack(struct present_store *store, int64_t id, int64_t at, const char *text, int64_t *ret_at,
	char **ret_text)
{
	*ret_at = 0;
	*ret_text = NULL;
	/* Only an item still owed: an acknowledgement already given stays as it was, time and text. */
	int r = run(store,
		"UPDATE owed SET state = 'acknowledged', snoozed_until = NULL, acked_at = ?, ack_text = ? "
		"WHERE id = ? AND state = 'owed'",
		"isi", at, text, id);
	if (r < 0)
		return r;
	bool changed = sqlite3_changes(store->db) > 0;
	sqlite3_stmt *st = prepare(store, "SELECT coalesce(acked_at, 0), ack_text FROM owed WHERE id = ? AND state = "
					  "'acknowledged'");
	if (!st)
		return fail(store, "reading an acknowledgement");
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *recorded = (const char *)sqlite3_column_text(st, 1);
		*ret_at = sqlite3_column_int64(st, 0);
		*ret_text = recorded ? strdup(recorded) : NULL;
		if (recorded && !*ret_text)
			rc = SQLITE_NOMEM;
	}
	release(store, st);
	if (rc == SQLITE_NOMEM) {
		snprintf(store->error, sizeof(store->error), "%s: reading an acknowledgement: out of memory",
			store->path);
		return -ENOMEM;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(store, "reading an acknowledgement");
	if (rc == SQLITE_DONE)
		return 0;
	return changed ? PRESENT_OWED_ACKED : PRESENT_OWED_ALREADY_ACKED;
}

int present_store_owed_set_state(struct present_store *store, int64_t id, const char *state, int64_t at)
{
	if (strcmp(state, "acknowledged") == 0) {
		int64_t acked_at;
		char *text;
		int r = present_store_owed_ack(store, id, at, NULL, &acked_at, &text);
		free(text);
		return r;
	}
	int r = run(store,
		"UPDATE owed SET state = ?1, snoozed_until = NULL, "
		"answered_at = CASE WHEN ?1 = 'answered' THEN ?2 ELSE answered_at END "
		"WHERE id = ?3 AND state IN ('owed', 'acknowledged')",
		"sii", state, at, id);
	return r < 0 ? r : sqlite3_changes(store->db);
}

int present_store_owed_snooze(struct present_store *store, int64_t id, int64_t until)
{
	int r = run(store, "UPDATE owed SET snoozed_until = ?, reminded = 0 WHERE id = ? AND state IN ('owed', "
			   "'acknowledged')", "ii", until, id);
	return r < 0 ? r : sqlite3_changes(store->db);
}

int present_store_owed_reminded(struct present_store *store, int64_t id, int which, bool given)
{
	return run(store, given ? "UPDATE owed SET reminded = reminded | ? WHERE id = ?" :
				  "UPDATE owed SET reminded = reminded & ~? WHERE id = ?",
		"ii", (int64_t)which, id);
}

int present_store_history_each(struct present_store *store, present_history_fn fn, void *userdata)
{
	/* Alerts counted per session through alerts_by_session. A session's responses owed are the items
	 * it opened and those its messages went to, each once (present_store_owed_of_session_each()):
	 * counted for all sessions in one pass. owed has no index by session: asked session by session,
	 * the count read all of owed for each (9 s for a store of two years). */
	sqlite3_stmt *st = prepare(store,
		"SELECT s.id, s.label, s.started_at, s.planned_end, coalesce(s.ended_at, 0), s.end_reason, "
		"(SELECT count(*) FROM alerts a WHERE a.session_id = s.id), coalesce(o.n, 0) "
		"FROM sessions s LEFT JOIN (SELECT session_id, count(*) AS n FROM ("
		"SELECT session_id, id FROM owed UNION "
		"SELECT a.session_id, a.owed_id FROM alerts a JOIN owed ON owed.id = a.owed_id) "
		"GROUP BY session_id) o ON o.session_id = s.id ORDER BY s.id DESC");
	if (!st)
		return fail(store, "listing sessions");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct present_history_row row = {
			.id = sqlite3_column_int64(st, 0),
			.label = (const char *)sqlite3_column_text(st, 1),
			.started_at = sqlite3_column_int64(st, 2),
			.planned_end = sqlite3_column_int64(st, 3),
			.ended_at = sqlite3_column_int64(st, 4),
			.end_reason = (const char *)sqlite3_column_text(st, 5),
			.alerts = sqlite3_column_int(st, 6),
			.owed = sqlite3_column_int(st, 7),
		};
		fn(&row, userdata);
	}
	release(store, st);
	return rc == SQLITE_DONE ? 0 : fail(store, "listing sessions");
}

int present_store_owed_due_each(struct present_store *store, int64_t from, int64_t to, present_owed_row_fn fn,
	void *userdata)
{
	/* An acknowledged item has no acknowledgement left to fall due, only its answer. */
	int r = owed_query(store,
		OWED_COLUMNS "WHERE " OWED_OPEN " AND ((state = 'owed' AND ack_by BETWEEN ?1 AND ?2) OR answer_by BETWEEN ?1 "
			     "AND ?2) ORDER BY CASE WHEN state = 'owed' AND ack_by >= ?1 THEN ack_by ELSE answer_by END, id",
		from, to, "listing responses owed", fn, userdata);
	return r < 0 ? r : 0;
}
