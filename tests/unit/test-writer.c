#include <glib.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store-fixture.h"
#include "writer.h"

/*
 * The writer thread against a store whose reads fail on demand: a VFS in
 * front of SQLite's own, the default for every connection of this program.
 */

#define WAIT_US (10 * G_USEC_PER_SEC)

static sqlite3_vfs *real_vfs;
static gint fail_reads; /* the database's and its log's reads fail while set */
static gint failed_reads;
static gint busy_locks; /* tries to take the write lock while another connection held it */
static gint clock_set_back; /* the wall clock reads an hour ahead, as just before it is set back */

/* The wall clock as the writer reads it: while clock_set_back is set, an
 * hour ahead of the kernel's, which waits on that clock go by. */
int clock_gettime(clockid_t clock, struct timespec *ts)
{
	long r = syscall(SYS_clock_gettime, clock, ts);
	if (r == 0 && clock == CLOCK_REALTIME && g_atomic_int_get(&clock_set_back))
		ts->tv_sec += 3600;
	return (int)r;
}

struct shim_file {
	sqlite3_file base;
	bool data; /* the database or its write-ahead log */
	sqlite3_file *real; /* follows this struct */
};

static sqlite3_file *real_of(sqlite3_file *f)
{
	return ((struct shim_file *)f)->real;
}

static int shim_close(sqlite3_file *f)
{
	return real_of(f)->pMethods->xClose(real_of(f));
}

static int shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 offset)
{
	if (((struct shim_file *)f)->data && g_atomic_int_get(&fail_reads)) {
		g_atomic_int_inc(&failed_reads);
		return SQLITE_IOERR_READ;
	}
	return real_of(f)->pMethods->xRead(real_of(f), buf, n, offset);
}

static int shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 offset)
{
	return real_of(f)->pMethods->xWrite(real_of(f), buf, n, offset);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xLock(real_of(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

static int shim_check_reserved_lock(sqlite3_file *f, int *out)
{
	return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
	return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
	return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
	return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int shim_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	int rc = real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
	if (rc == SQLITE_BUSY && (flags & SQLITE_SHM_EXCLUSIVE)) {
		g_atomic_int_inc(&busy_locks);
	}
	return rc;
}

static void shim_shm_barrier(sqlite3_file *f)
{
	real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static const sqlite3_io_methods shim_io = {
	.iVersion = 2,
	.xClose = shim_close,
	.xRead = shim_read,
	.xWrite = shim_write,
	.xTruncate = shim_truncate,
	.xSync = shim_sync,
	.xFileSize = shim_file_size,
	.xLock = shim_lock,
	.xUnlock = shim_unlock,
	.xCheckReservedLock = shim_check_reserved_lock,
	.xFileControl = shim_file_control,
	.xSectorSize = shim_sector_size,
	.xDeviceCharacteristics = shim_device_characteristics,
	.xShmMap = shim_shm_map,
	.xShmLock = shim_shm_lock,
	.xShmBarrier = shim_shm_barrier,
	.xShmUnmap = shim_shm_unmap,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct shim_file *s = (struct shim_file *)f;
	s->real = (sqlite3_file *)(s + 1);
	s->data = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
	int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
	s->base.pMethods = s->real->pMethods ? &shim_io : NULL;
	return rc;
}

static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int shim_sleep(sqlite3_vfs *vfs, int us)
{
	return real_vfs->xSleep(real_vfs, us);
}

static int shim_current_time(sqlite3_vfs *vfs, double *out)
{
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int shim_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs shim_vfs = {
	.iVersion = 2,
	.zName = "present-test-shim",
	.xOpen = shim_open,
	.xDelete = shim_delete,
	.xAccess = shim_access,
	.xFullPathname = shim_full_pathname,
	.xRandomness = shim_randomness,
	.xSleep = shim_sleep,
	.xCurrentTime = shim_current_time,
	.xGetLastError = shim_last_error,
	.xCurrentTimeInt64 = shim_current_time_int64,
};

struct fixture {
	char *dir, *path;
	int64_t session;
};

static void setup(struct fixture *f, gconstpointer data)
{
	store_fixture_make("present-writer-XXXXXX", &f->dir, &f->path, &f->session);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	g_atomic_int_set(&fail_reads, 0);
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_free(f->path);
	g_free(f->dir);
}

static int count_of(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void sql_int(struct fixture *f, const char *sql, int expected)
{
	g_assert_cmpint(count_of(f, sql), ==, expected);
}

static void insert(struct fixture *f, struct present_writer *w, const char *summary)
{
	struct present_alert_record a = {
		.id = present_writer_next_id(w),
		.session_id = f->session,
		.received_at = 2000,
		.path = "notify",
		.app = "thunderbird",
		.summary = summary,
		.urgency = -1,
	};
	present_writer_alert(w, PRESENT_WRITE_INSERT, &a, NULL);
}

static void wait_for(gint *counter)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	while (!g_atomic_int_get(counter)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(1000);
	}
}

static struct present_writer *writer(struct fixture *f)
{
	char *error = NULL;
	struct present_writer *w = present_writer_create(f->path, &error);
	g_assert_nonnull(w);
	return w;
}

/* A writer that has stored one alert, summary. */
static struct present_writer *writer_with(struct fixture *f, const char *summary)
{
	struct present_writer *w = writer(f);
	insert(f, w, summary);
	present_writer_sync(w);
	return w;
}

/* A read that fails midway through a batch rolls SQLite's whole transaction
 * back: what the batch wrote before it is gone. The batch is kept and
 * written again, whole, not its rest one write at a time. */
static void test_batch_rolled_back_is_kept(struct fixture *f, gconstpointer data)
{
	/* The writer's connection has read the alerts' pages, not yet the gaps'. */
	struct present_writer *w = writer_with(f, "first");

	/* Both writes in one batch: queued while the writer waits on a lock. */
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
	present_writer_change(w, PRESENT_WRITE_CLOSED, 1, 2, NULL);
	wait_for(&busy_locks);
	insert(f, w, "second");
	present_writer_gap(w, f->session, 3000, 4000, "the monitor connection was lost");
	g_atomic_int_set(&fail_reads, 1);
	g_assert_cmpint(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
	wait_for(&failed_reads);
	g_atomic_int_set(&fail_reads, 0);

	present_writer_sync(w);
	g_assert_cmpuint(present_writer_failures(w), ==, 0);
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary IN ('first', 'second')", 2);
	sql_int(f, "SELECT count(*) FROM capture_gaps", 1);
	sql_int(f, "SELECT closed_reason FROM alerts WHERE summary = 'first'", 2);
}

/* The wall clock set back an hour while a batch waits to be tried again:
 * the try comes a second later all the same, not an hour later, unwritten
 * all that while. */
static void test_a_clock_set_back_does_not_hold_a_retry(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer_with(f, "first");

	/* The writer's connection has read the alerts' pages, not yet the gaps': writing one reads, and fails. */
	g_atomic_int_set(&failed_reads, 0);
	g_atomic_int_set(&clock_set_back, 1);
	g_atomic_int_set(&fail_reads, 1);
	present_writer_gap(w, f->session, 3000, 4000, "the monitor connection was lost");
	wait_for(&failed_reads);
	g_atomic_int_set(&fail_reads, 0);

	/* The clock stays ahead until the try is made: the wait must not go by it. */
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	while (count_of(f, "SELECT count(*) FROM capture_gaps") == 0) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(10000);
	}
	g_atomic_int_set(&clock_set_back, 0);
	present_writer_destroy(w);
}

static sqlite3 *lock_store(struct fixture *f)
{
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
	return db;
}

static void unlock_store(sqlite3 *db)
{
	g_assert_cmpint(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
}

/* A session ends while another process holds the store: the end hears at
 * once that its alerts are not written, and the writer keeps them and
 * writes them once the lock is gone, instead of giving them up. */
static void test_an_end_under_a_lock_keeps_what_is_queued(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer_with(f, "first");
	sqlite3 *db = lock_store(f);
	insert(f, w, "second");
	g_assert_false(present_writer_end(w));
	g_assert_false(present_writer_idle(w));
	unlock_store(db);
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	while (!present_writer_idle(w)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(10000);
	}
	g_assert_cmpuint(present_writer_failures(w), ==, 0);
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary IN ('first', 'second')", 2);
}

/* Once the session has ended, a failure the store will not get over (here
 * I/O) is not waited for: the end would wait for good. It is given up and
 * counted, as before the end a lock or a full disk would not be. */
static void test_an_end_does_not_wait_on_an_io_error(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer_with(f, "first");
	/* The writer's connection has read the alerts' pages, not yet the gaps': writing one reads, and fails. */
	g_atomic_int_set(&fail_reads, 1);
	present_writer_gap(w, f->session, 3000, 4000, "the monitor connection was lost");
	g_assert_true(present_writer_end(w));
	g_assert_true(present_writer_idle(w));
	g_atomic_int_set(&fail_reads, 0);
	g_assert_cmpuint(present_writer_failures(w), ==, 1);
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM capture_gaps", 0);
}

/* Past the limit of what is kept while the store cannot be written, what
 * comes is dropped: what is kept is the oldest, and stays. */
static void test_past_the_limit_the_newest_are_dropped(struct fixture *f, gconstpointer data)
{
	enum { KEPT = 100000, MORE = KEPT + 10 };
	struct present_writer *w = writer(f);
	sqlite3 *db = lock_store(f);
	insert(f, w, "oldest");
	/* Returns once a try has failed: the writer knows the store is out of reach. */
	g_assert_false(present_writer_end(w));
	for (int i = 0; i < MORE; i++)
		insert(f, w, "newer");
	unlock_store(db);
	present_writer_sync(w);
	g_assert_cmpuint(present_writer_failures(w), ==, MORE + 1 - KEPT);
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary = 'oldest'", 1);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary = 'newer'", KEPT - 1);
}

/* One alert under session (0: none yet), adding to a response owed under it too. */
static void insert_owed(struct present_writer *w, int64_t session, const char *summary)
{
	struct present_alert_record a = {
		.id = present_writer_next_id(w),
		.session_id = session,
		.received_at = 2000,
		.path = "notify",
		.app = "thunderbird",
		.summary = summary,
		.urgency = -1,
	};
	struct present_owed_note note = {
		.session_id = session,
		.kind = "mail",
		.app = "thunderbird",
		.sender = "Ana",
		.subject = summary,
		.at = 2000,
		.ack_by = 3000,
		.answer_by = 4000,
	};
	present_writer_alert(w, PRESENT_WRITE_INSERT, &a, &note);
}

/* A session the store could not record at its start: its alerts wait
 * until it is, then go in under it, with what they owe and the gaps in
 * the capture, not under no session (no meeting's, nobody owed). */
static void test_held_alerts_go_in_under_the_session_recorded(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer(f);
	present_writer_hold(w);
	insert_owed(w, 0, "held");
	present_writer_gap(w, 0, 3000, 4000, "the monitor connection was lost");
	g_assert_false(present_writer_end(w));
	g_usleep(100000);
	g_assert_false(present_writer_idle(w));
	sql_int(f, "SELECT count(*) FROM alerts", 0);
	present_writer_recorded(w, f->session);
	present_writer_sync(w);
	g_assert_cmpuint(present_writer_failures(w), ==, 0);
	present_writer_destroy(w);
	char *sql = g_strdup_printf("SELECT (SELECT count(*) FROM alerts WHERE summary = 'held' AND session_id = %1$"
				    G_GINT64_FORMAT ") + (SELECT count(*) FROM owed WHERE session_id = %1$" G_GINT64_FORMAT
				    ") + (SELECT count(*) FROM capture_gaps WHERE session_id = %1$" G_GINT64_FORMAT ")",
		f->session);
	sql_int(f, sql, 3);
	g_free(sql);
}

/* A writer still held when it must stop (the daemon leaving, the session
 * never recorded) writes what it holds under no session: kept, not lost. */
static void test_held_alerts_are_not_lost_at_the_end(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer(f);
	present_writer_hold(w);
	insert_owed(w, 0, "held");
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary = 'held' AND session_id = 0", 1);
	sql_int(f, "SELECT count(*) FROM owed WHERE session_id = 0", 1);
}

/* The same user logged in twice: two daemons, one store. Alerts the other
 * one stores while this writer waits keep their numbers, and what names an
 * alert of ours, by the number capture gave it, reaches ours. */
static void test_alerts_stored_elsewhere_keep_their_numbers(struct fixture *f, gconstpointer data)
{
	struct present_writer *w = writer_with(f, "ours 1");

	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
	char *sql = g_strdup_printf("INSERT INTO alerts(id, session_id, received_at, path, summary) "
				    "VALUES (2, %" G_GINT64_FORMAT ", 2000, 'notify', 'theirs')",
		f->session);
	g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	g_free(sql);
	sqlite3_close(db);

	insert(f, w, "ours 2");
	present_writer_change(w, PRESENT_WRITE_CLOSED, 2, 7, NULL);
	present_writer_change(w, PRESENT_WRITE_CLOSED, 1, 8, NULL);
	insert(f, w, "ours 3");
	present_writer_sync(w);
	present_writer_change(w, PRESENT_WRITE_WITHDRAW, 3, 9000, NULL);
	present_writer_sync(w);
	g_assert_cmpuint(present_writer_failures(w), ==, 0);
	present_writer_destroy(w);
	sql_int(f, "SELECT count(*) FROM alerts", 4);
	sql_int(f, "SELECT count(*) FROM alerts WHERE summary = 'theirs' AND closed_reason IS NULL AND "
		   "withdrawn_at IS NULL",
		1);
	sql_int(f, "SELECT closed_reason FROM alerts WHERE summary = 'ours 1'", 8);
	sql_int(f, "SELECT closed_reason FROM alerts WHERE summary = 'ours 2'", 7);
	sql_int(f, "SELECT withdrawn_at FROM alerts WHERE summary = 'ours 3'", 9000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	real_vfs = sqlite3_vfs_find(NULL);
	g_assert_nonnull(real_vfs);
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.mxPathname = real_vfs->mxPathname;
	g_assert_cmpint(sqlite3_vfs_register(&shim_vfs, 1), ==, SQLITE_OK);
#define ADD(name, fn) g_test_add("/writer/" name, struct fixture, NULL, setup, fn, teardown)
	ADD("batch-rolled-back-is-kept", test_batch_rolled_back_is_kept);
	ADD("alerts-stored-elsewhere-keep-their-numbers", test_alerts_stored_elsewhere_keep_their_numbers);
	ADD("a-clock-set-back-does-not-hold-a-retry", test_a_clock_set_back_does_not_hold_a_retry);
	ADD("an-end-under-a-lock-keeps-what-is-queued", test_an_end_under_a_lock_keeps_what_is_queued);
	ADD("past-the-limit-the-newest-are-dropped", test_past_the_limit_the_newest_are_dropped);
	ADD("an-end-does-not-wait-on-an-io-error", test_an_end_does_not_wait_on_an_io_error);
	ADD("held-alerts-go-in-under-the-session-recorded", test_held_alerts_go_in_under_the_session_recorded);
	ADD("held-alerts-are-not-lost-at-the-end", test_held_alerts_are_not_lost_at_the_end);
	return g_test_run();
}
