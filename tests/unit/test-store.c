#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <glob.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/* Writes to the disk fail on demand with this errno (0: they do not). */
static gint write_errno;

/* SQLite's own writes, whichever of the two its build calls. */
static ssize_t failing(const char *name, int fd, const void *buf, size_t n, off_t at)
{
	int e = g_atomic_int_get(&write_errno);
	if (e) {
		errno = e;
		return -1;
	}
	ssize_t (*real)(int, const void *, size_t, off_t) = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(
		RTLD_NEXT, name);
	return real(fd, buf, n, at);
}

/* Built with 64-bit offsets, the headers name pwrite64 for pwrite: the
 * plain symbol is named by hand. */
ssize_t pwrite_plain(int fd, const void *buf, size_t n, off_t at) __asm__("pwrite");
ssize_t pwrite_plain(int fd, const void *buf, size_t n, off_t at)
{
	return failing("pwrite", fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at)
{
	return failing("pwrite64", fd, buf, n, at);
}

struct fixture {
	char *dir, *path;
	struct present_store *store;
};

static void setup(struct fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("present-store-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "state", "present", "present.db", NULL);
	f->store = NULL;
}

static void teardown(struct fixture *f, gconstpointer data)
{
	present_store_close(f->store);
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_free(f->path);
	g_free(f->dir);
}

static void open_ok(struct fixture *f)
{
	char *error = NULL;
	int r = present_store_open(f->path, &f->store, &error);
	if (r < 0)
		g_error("open: %s", error);
	g_assert_null(error);
}

static void sql_int(const char *path, const char *sql, int expected)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_column_int(st, 0), ==, expected);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_private_files_and_wal(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	struct stat st;
	char *dir = g_path_get_dirname(f->path);
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
	sql_int(f->path, "PRAGMA user_version", PRESENT_STORE_SCHEMA);
	present_store_close(f->store);
	f->store = NULL;
	sqlite3 *db;
	sqlite3_stmt *st2;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st2, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st2), ==, SQLITE_ROW);
	g_assert_cmpstr((const char *)sqlite3_column_text(st2, 0), ==, "wal");
	sqlite3_finalize(st2);
	sqlite3_close(db);

	/* A loosened directory is tightened again on the next open. */
	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	open_ok(f);
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	g_free(dir);
}

/* The next daemon's first commit appends to the log the last one left,
 * rather than making one (and syncing it and the directory). */
static void test_wal_kept_between_runs(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	int64_t id;
	g_assert_cmpint(present_store_session_begin(f->store, "Acme", 1000, 4600, NULL, &id), ==, 0);
	present_store_close(f->store);
	f->store = NULL;
	char *wal = g_strconcat(f->path, "-wal", NULL);
	struct stat st;
	g_assert_cmpint(stat(wal, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
	open_ok(f);
	g_assert_cmpint(present_store_session_begin(f->store, "Beta", 2000, 5600, NULL, &id), ==, 0);
	sql_int(f->path, "SELECT count(*) FROM sessions", 2);
	g_free(wal);
}

static void test_sessions(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	int64_t a, b;
	g_assert_cmpint(present_store_session_begin(f->store, "Acme", 1000, 4600, NULL, &a), ==, 0);
	g_assert_cmpint(present_store_session_set_end(f->store, a, 5200), ==, 0);
	g_assert_cmpint(present_store_session_finish(f->store, a, 2000, "stop", false, NULL), ==, 0);
	/* Finishing twice keeps the first end: a late timer cannot rewrite it. */
	g_assert_cmpint(present_store_session_finish(f->store, a, 3000, "timer", true, NULL), ==, 0);

	struct present_session_record rec;
	g_assert_cmpint(present_store_session_unfinished(f->store, &rec), ==, 0);
	g_assert_cmpint(present_store_session_begin(f->store, "", 6000, 9600, NULL, &b), ==, 0);
	g_assert_cmpint(b, >, a);
	g_assert_cmpint(present_store_session_unfinished(f->store, &rec), ==, 1);
	g_assert_cmpint(rec.id, ==, b);
	g_assert_cmpstr(rec.label, ==, "");
	g_assert_cmpint(rec.started_at, ==, 6000);
	g_assert_cmpint(rec.planned_end, ==, 9600);
	present_session_record_finish(&rec);

	sql_int(f->path, "SELECT planned_end FROM sessions WHERE label = 'Acme'", 5200);
	sql_int(f->path, "SELECT ended_at FROM sessions WHERE label = 'Acme'", 2000);
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE end_reason = 'stop'", 1);
	/* Nor can it mark a summary due that the first end did not. */
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE replay_due IS NOT NULL", 0);
}

/* A session's summary is due until shown, the latest session's only. */
static void test_summary_due(struct fixture *f, gconstpointer data)
{
	(void)data;
	open_ok(f);
	struct present_session_record rec;
	char *holder = NULL;
	int64_t a, b;
	g_assert_cmpint(present_store_session_begin(f->store, "first", 1000, 4600, NULL, &a), ==, 0);
	g_assert_cmpint(present_store_session_begin(f->store, "second", 5000, 8600, NULL, &b), ==, 0);
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 0);
	g_assert_true(present_store_left_behind(f->store));
	g_assert_cmpint(present_store_session_finish(f->store, a, 2000, "interrupted", true, NULL), ==, 0);
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE replay_due IS NOT NULL", 1);
	g_assert_cmpint(present_store_session_finish(f->store, b, 6000, "interrupted", true, "dunst"), ==, 0);
	/* One is shown, of the last session cut short. */
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE replay_due IS NOT NULL", 1);
	/* Once ended, it stays as it ended. */
	g_assert_cmpint(present_store_session_finish(f->store, b, 7000, "interrupted", true, NULL), ==, 0);
	g_assert_cmpint(present_store_session_unfinished(f->store, &rec), ==, 0);
	/* A summary due alone starts no daemon at login: the next one shows it. */
	g_assert_false(present_store_left_behind(f->store));

	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 1);
	g_assert_cmpint(rec.id, ==, b);
	g_assert_cmpint(rec.started_at, ==, 5000);
	g_assert_cmpint(rec.ended_at, ==, 6000);
	g_assert_cmpstr(rec.end_reason, ==, "interrupted");
	g_assert_cmpstr(holder, ==, "dunst");
	present_session_record_finish(&rec);
	g_free(holder);

	g_assert_cmpint(present_store_replay_done(f->store, b), ==, 0);
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 0);
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE end_reason = 'interrupted'", 2);

	/* No holder recorded is none, not an empty name. */
	int64_t c;
	g_assert_cmpint(present_store_session_begin(f->store, "third", 9000, 9600, NULL, &c), ==, 0);
	g_assert_cmpint(present_store_session_finish(f->store, c, 9100, "interrupted", true, NULL), ==, 0);
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 1);
	g_assert_cmpint(rec.id, ==, c);
	g_assert_null(holder);
	present_session_record_finish(&rec);

	/* A session ended by the user has its summary due as well, until the
	 * server takes it; taking an earlier one's does not clear it. */
	int64_t e;
	g_assert_cmpint(present_store_session_begin(f->store, "fourth", 9700, 9900, NULL, &e), ==, 0);
	g_assert_cmpint(present_store_session_finish(f->store, e, 9800, "stop", true, "dunst"), ==, 0);
	g_assert_cmpint(present_store_replay_done(f->store, c), ==, 0);
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 1);
	g_assert_cmpint(rec.id, ==, e);
	g_assert_cmpstr(rec.end_reason, ==, "stop");
	g_assert_cmpstr(holder, ==, "dunst");
	present_session_record_finish(&rec);
	g_free(holder);
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE replay_due IS NOT NULL", 1);
	g_assert_cmpint(present_store_replay_done(f->store, e), ==, 0);
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 0);
}

/* The session and the change it is about to make: one commit, or neither. */
static void test_session_with_its_change(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	int64_t id = 0;
	struct present_dnd_change change = {.backend = "dunst", .saved = "false"};
	g_assert_cmpint(present_store_session_begin(f->store, "Acme", 1000, 4600, &change, &id), ==, 0);
	g_assert_cmpint(change.id, >, 0);
	struct present_dnd_record *recs;
	size_t n;
	g_assert_cmpint(present_store_dnd_list(f->store, &recs, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpint(recs[0].id, ==, change.id);
	g_assert_cmpint(recs[0].session_id, ==, id);
	g_assert_cmpstr(recs[0].backend, ==, "dunst");
	g_assert_null(recs[0].app);
	g_assert_cmpstr(recs[0].saved, ==, "false");
	present_dnd_records_free(recs, n);
	g_assert_cmpint(present_store_dnd_forget(f->store, change.id), ==, 0);
	sql_int(f->path, "SELECT count(*) FROM dnd_changes", 0);

	/* A change the store refuses takes the session's record with it. */
	change = (struct present_dnd_change){.backend = "dunst", .saved = "false", .durable = true};
	g_assert_cmpint(present_store_dnd_save(f->store, 0, &change, 1000), ==, 0);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON dnd_changes "
					 "BEGIN SELECT RAISE(ABORT, 'refused'); END",
				NULL, NULL, NULL),
		==, SQLITE_OK);
	sqlite3_close(db);
	change = (struct present_dnd_change){.backend = "xfce", .saved = "true", .durable = true};
	g_assert_cmpint(present_store_session_begin(f->store, "Beta", 2000, 5600, &change, &id), <, 0);
	g_assert_cmpint(id, ==, 0);
	g_assert_cmpint(change.id, ==, 0);
	g_assert_nonnull(strstr(present_store_error(f->store), "refused"));
	sql_int(f->path, "SELECT count(*) FROM sessions", 1);
	sql_int(f->path, "SELECT count(*) FROM dnd_changes", 1);
}

/* A schema version no present writes: a newer present's, or another program's (negative, which would have the
 * migrations read before their first step). */
static void test_a_schema_of_no_present_refused(struct fixture *f, gconstpointer data)
{
	static const struct {
		const char *sql, *says;
	} cases[] = {{"PRAGMA user_version = 99", "newer present"}, {"PRAGMA user_version = -3", "not present's store"}};
	open_ok(f);
	present_store_close(f->store);
	f->store = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		sqlite3 *db;
		g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
		g_assert_cmpint(sqlite3_exec(db, cases[i].sql, NULL, NULL, NULL), ==, SQLITE_OK);
		sqlite3_close(db);
		char *error = NULL;
		g_assert_cmpint(present_store_open(f->path, &f->store, &error), ==, -EPROTO);
		g_assert_null(f->store);
		g_assert_nonnull(strstr(error, cases[i].says));
		g_free(error);
	}
}

static void test_not_a_database(struct fixture *f, gconstpointer data)
{
	char *dir = g_path_get_dirname(f->path);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(f->path, "this is not SQLite, but long enough to have a header page", -1, NULL));
	char *error = NULL;
	g_assert_cmpint(present_store_open(f->path, &f->store, &error), <, 0);
	g_assert_true(g_str_has_prefix(error, f->path));
	g_free(error);
	g_free(dir);
}

static void test_foreign_directory_refused(struct fixture *f, gconstpointer data)
{
	if (geteuid() != 0) {
		g_test_skip("needs root to give a directory to another user");
		return;
	}
	char *dir = g_path_get_dirname(f->path);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_cmpint(chown(dir, 65534, 65534), ==, 0);
	char *error = NULL;
	g_assert_cmpint(present_store_open(f->path, &f->store, &error), ==, -EPERM);
	g_assert_nonnull(strstr(error, "belongs to another user"));
	g_free(error);
	g_free(dir);
}

static void copy_row(const struct present_owed_row *row, void *userdata)
{
	struct present_owed_row *copy = userdata;
	*copy = *row;
	copy->state = g_strdup(row->state);
	copy->ack_text = g_strdup(row->ack_text);
}

static void check_ack(struct fixture *f, int64_t id, const char *state, int64_t acked_at, const char *text)
{
	struct present_owed_row row = {0};
	g_assert_cmpint(present_store_owed_get(f->store, id, copy_row, &row), ==, 1);
	g_assert_cmpstr(row.state, ==, state);
	g_assert_cmpint(row.acked_at, ==, acked_at);
	g_assert_cmpstr(row.ack_text, ==, text);
	g_free((char *)row.state);
	g_free((char *)row.ack_text);
}

static void test_owed_acknowledged_once(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	struct present_owed_note ana = {.kind = "mail", .app = "thunderbird", .sender = "Ana", .subject = "Q3",
		.at = 100, .ack_by = 200, .answer_by = 300};
	struct present_owed_note bob = ana;
	bob.sender = "Bob";
	g_assert_cmpint(present_store_owed_note(f->store, 1, &ana), ==, 0);
	g_assert_cmpint(present_store_owed_note(f->store, 2, &bob), ==, 0);
	int64_t at;
	char *text;

	g_assert_cmpint(present_store_owed_ack(f->store, 1, 1000, "Thanks, Ana", &at, &text), ==, PRESENT_OWED_ACKED);
	g_assert_cmpint(at, ==, 1000);
	g_assert_cmpstr(text, ==, "Thanks, Ana");
	free(text);
	check_ack(f, 1, "acknowledged", 1000, "Thanks, Ana");

	/* Again, by either way: nothing moves, and the acknowledgement on record comes back. */
	g_assert_cmpint(present_store_owed_ack(f->store, 1, 2000, "Another", &at, &text), ==,
		PRESENT_OWED_ALREADY_ACKED);
	g_assert_cmpint(at, ==, 1000);
	g_assert_cmpstr(text, ==, "Thanks, Ana");
	free(text);
	g_assert_cmpint(present_store_owed_set_state(f->store, 1, "acknowledged", 3000), ==,
		PRESENT_OWED_ALREADY_ACKED);
	check_ack(f, 1, "acknowledged", 1000, "Thanks, Ana");

	/* Acknowledged with no text, it keeps none. */
	g_assert_cmpint(present_store_owed_set_state(f->store, 2, "acknowledged", 4000), ==, PRESENT_OWED_ACKED);
	g_assert_cmpint(present_store_owed_ack(f->store, 2, 5000, "Late", &at, &text), ==, PRESENT_OWED_ALREADY_ACKED);
	g_assert_cmpint(at, ==, 4000);
	g_assert_null(text);
	check_ack(f, 2, "acknowledged", 4000, NULL);

	/* An acknowledged item is still answered; a closed one, or none, cannot be acknowledged. */
	g_assert_cmpint(present_store_owed_set_state(f->store, 1, "answered", 6000), ==, 1);
	g_assert_cmpint(present_store_owed_ack(f->store, 1, 7000, "Again", &at, &text), ==, 0);
	g_assert_null(text);
	check_ack(f, 1, "answered", 1000, "Thanks, Ana");
	g_assert_cmpint(present_store_owed_ack(f->store, 99, 7000, "Who", &at, &text), ==, 0);
	g_assert_null(text);
	sql_int(f->path, "SELECT count(*) FROM owed WHERE acked_at IN (1000, 4000)", 2);
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	char *error = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
		g_error("%s: %s", sql, error);
	sqlite3_close(db);
}

/* The store as an older present left it: schema 7, today's without what
 * came after it, with a session and a change to put back. */
static void make_schema_7(struct fixture *f)
{
	open_ok(f);
	present_store_close(f->store);
	f->store = NULL;
	sql_exec(f->path, "ALTER TABLE dnd_changes DROP COLUMN bus; ALTER TABLE dnd_changes DROP COLUMN server; "
			  "ALTER TABLE dnd_changes DROP COLUMN owner; ALTER TABLE sessions DROP COLUMN owner; "
			  "ALTER TABLE dnd_changes DROP COLUMN address; "
			  "DROP INDEX sessions_replay_due; ALTER TABLE sessions DROP COLUMN replay_due; "
			  "INSERT INTO sessions(label, started_at, planned_end) VALUES ('Acme', 1000, 4600); "
			  "INSERT INTO dnd_changes(session_id, backend, saved, made_at) VALUES (1, 'dunst', 'false', 1000); "
			  "PRAGMA user_version = 7");
}

/* A store an older present wrote, with a change it left to put back: it
 * opens, migrates, and the change is still there, naming no server. */
static void test_schema_7_migrates(struct fixture *f, gconstpointer data)
{
	make_schema_7(f);
	open_ok(f);
	sql_int(f->path, "PRAGMA user_version", PRESENT_STORE_SCHEMA);
	struct present_dnd_record *recs;
	size_t n;
	g_assert_cmpint(present_store_dnd_list(f->store, &recs, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(recs[0].backend, ==, "dunst");
	g_assert_null(recs[0].bus);
	g_assert_null(recs[0].address);
	g_assert_null(recs[0].server);
	present_dnd_records_free(recs, n);
	struct present_session_record rec;
	g_assert_cmpint(present_store_session_unfinished(f->store, &rec), ==, 1);
	g_assert_cmpstr(rec.label, ==, "Acme");
	present_session_record_finish(&rec);

	/* And the columns it added are written. */
	struct present_dnd_change change = {
		.backend = "mako", .saved = "default", .bus = "0123", .address = "unix:path=/run/a", .server = ":1.5"};
	g_assert_cmpint(present_store_dnd_save(f->store, 1, &change, 2000), ==, 0);
	g_assert_cmpint(present_store_dnd_list(f->store, &recs, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpstr(recs[0].bus, ==, "0123");
	g_assert_cmpstr(recs[0].address, ==, "unix:path=/run/a");
	g_assert_cmpstr(recs[0].server, ==, ":1.5");
	present_dnd_records_free(recs, n);
	g_assert_cmpint(present_store_dnd_set_server(f->store, change.id, "4567", "unix:path=/run/b", ":1.9"), ==, 0);
	g_assert_cmpint(present_store_dnd_list(f->store, &recs, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpstr(recs[0].bus, ==, "4567");
	g_assert_cmpstr(recs[0].address, ==, "unix:path=/run/b");
	g_assert_cmpstr(recs[0].server, ==, ":1.9");
	present_dnd_records_free(recs, n);
	/* The session it left is interrupted, and its summary due. */
	g_assert_cmpint(present_store_session_finish(f->store, 1, 2000, "interrupted", true, "dunst"), ==, 0);
	char *holder = NULL;
	g_assert_cmpint(present_store_replay_due(f->store, &rec, &holder), ==, 1);
	g_assert_cmpstr(holder, ==, "dunst");
	present_session_record_finish(&rec);
	g_free(holder);
}

static gpointer open_in_thread(gpointer path)
{
	struct present_store *store;
	char *error = NULL;
	if (present_store_open(path, &store, &error) < 0) {
		g_test_message("open: %s", error);
		free(error);
		return GINT_TO_POINTER(0);
	}
	present_store_close(store);
	return GINT_TO_POINTER(1);
}

/* Two logins upgrade at once: both daemons read the old schema before
 * either has the lock, and each step is run once, by whichever takes it. */
static void test_two_opens_migrate_once(struct fixture *f, gconstpointer data)
{
	make_schema_7(f);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
	GThread *a = g_thread_new("a", open_in_thread, f->path), *b = g_thread_new("b", open_in_thread, f->path);
	/* Both are waiting on the lock well before the 2 s they wait at most. */
	g_usleep(300 * 1000);
	g_assert_cmpint(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
	g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(a)), ==, 1);
	g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(b)), ==, 1);
	sql_int(f->path, "PRAGMA user_version", PRESENT_STORE_SCHEMA);
	sql_int(f->path, "SELECT count(*) FROM dnd_changes", 1);
}

/* Counts what another connection, owning nothing, would take over: the unfinished session and the changes. */
static void takes_over(const char *path, int sessions, size_t changes)
{
	struct present_store *other;
	char *error = NULL;
	if (present_store_open(path, &other, &error) < 0)
		g_error("open: %s", error);
	struct present_session_record rec;
	int r = present_store_session_unfinished(other, &rec);
	g_assert_cmpint(r, ==, sessions);
	if (r > 0)
		present_session_record_finish(&rec);
	struct present_dnd_record *recs;
	size_t n;
	g_assert_cmpint(present_store_dnd_list(other, &recs, &n), ==, 0);
	g_assert_cmpuint(n, ==, changes);
	present_dnd_records_free(recs, n);
	present_store_close(other);
}

/* What a live daemon records is its own; what one that exited or died left is anyone's to take over. */
static void test_a_live_owners_session_is_left_alone(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	g_assert_cmpint(present_store_own(f->store), ==, 0);
	int64_t id;
	struct present_dnd_change change = {.backend = "dunst", .saved = "false", .bus = "0123", .server = ":1.5"};
	g_assert_cmpint(present_store_session_begin(f->store, "Acme", 1000, 4600, &change, &id), ==, 0);
	takes_over(f->path, 0, 0);
	/* Nor is it its own to take over: its end may be waiting for the store. */
	struct present_session_record rec;
	g_assert_cmpint(present_store_session_unfinished(f->store, &rec), ==, 0);
	present_store_close(f->store);
	f->store = NULL;
	takes_over(f->path, 1, 1);
	sql_int(f->path, "SELECT count(*) FROM sessions WHERE owner IS NOT NULL", 1);

	/* A daemon that dies: the kernel drops its lock, and its file is removed once found so. */
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		struct present_store *child;
		char *error = NULL;
		if (present_store_open(f->path, &child, &error) < 0 || present_store_own(child) < 0 ||
			present_store_session_begin(child, "Beta", 2000, 5600, NULL, &id) < 0)
			_exit(1);
		_exit(0);
	}
	int status;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *pattern = g_strconcat(f->path, ".owner-*", NULL);
	glob_t left;
	g_assert_cmpint(glob(pattern, 0, NULL, &left), ==, 0);
	g_assert_cmpuint(left.gl_pathc, ==, 1);
	globfree(&left);
	takes_over(f->path, 1, 1);
	g_assert_cmpint(glob(pattern, 0, NULL, &left), ==, GLOB_NOMATCH);
	g_free(pattern);
}

/* The number of owners' files beside the store. */
static size_t owner_files(const char *path)
{
	char *pattern = g_strconcat(path, ".owner-*", NULL);
	glob_t found;
	size_t n = glob(pattern, 0, NULL, &found) == 0 ? found.gl_pathc : 0;
	if (n)
		globfree(&found);
	g_free(pattern);
	return n;
}

/* A daemon that dies having recorded nothing leaves a file no row names:
 * the next owner removes it, once it is old enough not to be a new owner's
 * between its making and its lock. */
static void test_the_file_of_an_owner_that_recorded_nothing_goes(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		struct present_store *child;
		char *error = NULL;
		_exit(present_store_open(f->path, &child, &error) < 0 || present_store_own(child) < 0);
	}
	int status;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_assert_cmpuint(owner_files(f->path), ==, 1);
	/* Young: it may be a new owner's. */
	g_assert_cmpint(present_store_own(f->store), ==, 0);
	g_assert_cmpuint(owner_files(f->path), ==, 2);
	char *pattern = g_strconcat(f->path, ".owner-*", NULL);
	glob_t found;
	g_assert_cmpint(glob(pattern, 0, NULL, &found), ==, 0);
	struct timespec old[2] = {{.tv_sec = time(NULL) - 120}, {.tv_sec = time(NULL) - 120}};
	for (size_t i = 0; i < found.gl_pathc; i++)
		g_assert_cmpint(utimensat(AT_FDCWD, found.gl_pathv[i], old, 0), ==, 0);
	globfree(&found);
	g_free(pattern);
	/* Old, and its lock gone with its owner; this store's own is held. */
	struct present_store *next;
	char *error = NULL;
	g_assert_cmpint(present_store_open(f->path, &next, &error), ==, 0);
	g_assert_cmpint(present_store_own(next), ==, 0);
	g_assert_cmpuint(owner_files(f->path), ==, 2);
	present_store_close(next);
	g_assert_cmpuint(owner_files(f->path), ==, 1);
}

/* A quota reached, as a full disk, is space for the user to free: the
 * write is to be tried again, not given up (present_store_later()). */
static void test_a_quota_is_a_full_disk(struct fixture *f, gconstpointer data)
{
	open_ok(f);
	int64_t id = 0;
	for (int i = 0; i < 2; i++) {
		g_atomic_int_set(&write_errno, i ? ENOSPC : EDQUOT);
		int r = present_store_session_begin(f->store, "Acme", 1000, 4600, NULL, &id);
		g_atomic_int_set(&write_errno, 0);
		g_assert_cmpint(r, ==, -ENOSPC);
		g_assert_true(present_store_later(r));
	}
	g_assert_cmpint(present_store_session_begin(f->store, "Acme", 1000, 4600, NULL, &id), ==, 0);
	sql_int(f->path, "SELECT count(*) FROM sessions", 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/store/" name, struct fixture, NULL, setup, fn, teardown)
	ADD("private-files-and-wal", test_private_files_and_wal);
	ADD("wal-kept-between-runs", test_wal_kept_between_runs);
	ADD("sessions", test_sessions);
	ADD("summary-due", test_summary_due);
	ADD("session-with-its-change", test_session_with_its_change);
	ADD("a-schema-of-no-present-refused", test_a_schema_of_no_present_refused);
	ADD("schema-7-migrates", test_schema_7_migrates);
	ADD("two-opens-migrate-once", test_two_opens_migrate_once);
	ADD("a-live-owners-session-is-left-alone", test_a_live_owners_session_is_left_alone);
	ADD("the-file-of-an-owner-that-recorded-nothing-goes", test_the_file_of_an_owner_that_recorded_nothing_goes);
	ADD("not-a-database", test_not_a_database);
	ADD("foreign-directory-refused", test_foreign_directory_refused);
	ADD("owed-acknowledged-once", test_owed_acknowledged_once);
	ADD("a-quota-is-a-full-disk", test_a_quota_is_a_full_disk);
	return g_test_run();
}
