"""Nothing lost, nothing stuck, when what the daemon relies on fails.

The notification server dies, restarts or hangs during a session; two calls
race (two starts, a start while the daemon is still starting or is exiting
idle); the session bus goes away with alerts in flight; the store cannot be
written (read-only, full, locked by another process, a file where its
directory should be, a directory of another user). In each, the desktop must
still be silenced and put back, every call must get a clear answer in time,
and the store must stay intact.

The store tests that need mounts (read-only, full) run in a mount namespace
of the test's own (root only): every process of the test sees the mounts,
nothing outside does.
"""
import ctypes
import json
import os
import re
import signal
import sqlite3
import subprocess
import time

import dbus
import dbus.lowlevel

import harness
from harness import CLI, PYTHON, BusTestCase, wait_until
from test_capture import App

NOTIFICATIONS = "org.freedesktop.Notifications"
DUNST = "org.dunstproject.cmd0"


class DunstCase(BusTestCase):
    """A private bus with a dbusmock dunst that logs to a file of its own."""

    def setUp(self):
        super().setUp()
        self.mock = self.start_dunst()

    def start_dunst(self):
        mock = self.bus.spawn([PYTHON, "-m", "dbusmock", "--template", os.path.join(harness.MOCKS, "dnd_servers.py"),
                               "--parameters", '{"server": "dunst"}', "--logfile",
                               os.path.join(self.root, "mock-%d.log" % time.monotonic_ns())])
        wait_until(lambda: self.bus.has_owner(NOTIFICATIONS), what="the mock notification server")
        return mock

    def dnd(self):
        return bool(self.notifications().Get(DUNST, "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def set_dnd(self, on):
        self.notifications().Set(DUNST, "paused", dbus.Boolean(on), dbus_interface=dbus.PROPERTIES_IFACE)

    def db(self):
        db = sqlite3.connect(self.store_path, timeout=10)
        self.addCleanup(db.close)
        return db

    def spawn_cli(self, *args):
        return subprocess.Popen(harness.valgrind.wrap([CLI] + list(args), self.root), env=self.bus.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def timed(self, *args, timeout=60):
        """Runs the CLI; returns (CompletedProcess, seconds it took)."""
        started = time.monotonic()
        r = self.present(*args, timeout=timeout)
        return r, time.monotonic() - started

    def status_now(self):
        """GetStatus with a deadline, not a measurement: a daemon blocked on something
        (a hung server, a locked store) misses it."""
        return self.daemon().GetStatus(dbus_interface=harness.INTERFACE, timeout=10 * harness.valgrind.slower)

    def daemon_log(self):
        return "\n".join(line for line in self.bus.read_log().splitlines() if line.startswith("present-daemon:"))


class ServerOutage(DunstCase):
    def resume_server(self):
        try:
            os.killpg(self.mock.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    def test_server_dies_and_stays_away(self):
        self.ok("start", "10m")
        self.assertTrue(self.dnd())
        self.kill_mock()
        self.assertTrue(self.call("GetStatus")["active"], "the session goes on without a server")
        # A deadline, not a measurement: stop must not wait on a server that is gone.
        r = self.present("stop", timeout=10)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertRegex(r.stdout, r"^Session ended after \d+ s\n$")
        # Its switch died with it: nothing is left to put back, and a new server starts quiet-free.
        self.assertEqual(self.db().execute("SELECT count(*) FROM dnd_changes").fetchone()[0], 0)
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")
        self.start_dunst()
        self.assertFalse(self.dnd())
        self.assertEqual(self.sessions()[0][4], "stop")

    def test_server_restarts_and_alerts_are_still_held(self):
        self.ok("start", "10m")
        App(self).notify("Signal", "Ana", "before the restart", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == 1, what="the alert")
        self.kill_mock()
        self.start_dunst()
        wait_until(self.dnd, 5, "the new server to be silenced")
        App(self).notify("Signal", "Ana", "after the restart", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == 2, what="the second alert")
        self.ok("stop")
        self.assertFalse(self.dnd())
        self.assertEqual([b for (b,) in self.db().execute("SELECT body FROM alerts ORDER BY id")],
                         ["before the restart", "after the restart"])
        self.assertEqual(self.db().execute("SELECT count, state FROM owed").fetchall(), [(2, "owed")])

    def test_server_restarts_while_a_start_is_handled(self):
        # The restart's NameOwnerChanged waits behind the Start on the
        # daemon's bus connection, and the Start's calls already reach the
        # new server: what it changed there must not be taken for the old
        # server's and forgotten, or nothing would put it back.
        self.call("GetStatus")
        pid = self.bus.pid_of()
        os.kill(pid, signal.SIGSTOP)
        try:
            start = dbus.lowlevel.MethodCallMessage(harness.BUS_NAME, harness.OBJECT_PATH, harness.INTERFACE, "Start")
            start.append(dbus.UInt32(600), "", signature="us")
            self.bus.connection.send_message(start)
            self.bus.connection.flush()
            self.kill_mock()
            self.start_dunst()
        finally:
            os.kill(pid, signal.SIGCONT)
        wait_until(lambda: "notification server changed" in self.daemon_log(), what="the restart to be handled")
        self.assertTrue(self.call("GetStatus")["active"])
        self.assertTrue(self.dnd())
        self.assertEqual(self.db().execute("SELECT count(*) FROM dnd_changes").fetchone()[0], 1)
        self.ok("stop")
        self.assertFalse(self.dnd())

    def test_stop_answers_while_the_server_hangs(self):
        """A server that stops answering (SIGSTOP) must not keep `present stop` waiting: the
        session ends, stop says that do-not-disturb could not be put back (exit 4), and
        `present restore` puts it back once the server answers again."""
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        os.killpg(self.mock.pid, signal.SIGSTOP)
        self.addCleanup(self.resume_server)
        r, took = self.timed("stop")
        self.assertEqual(r.returncode, 4, "stop took %.0f s and said: %s" % (took, r.stderr))
        self.assertRegex(r.stdout, r"^Session ended after \d+ s\n$")
        self.assertRegex(r.stderr, r"^present: do-not-disturb could not be put back \(dunst\): "
                                   r"org\.freedesktop\.Notifications Set: Did not receive a reply\. .+\n"
                                   r"present: 'present restore' tries again\n$")
        # The summary is on its way to the hung server; the daemon does not wait for it.
        self.assertFalse(self.status_now()["active"])
        self.resume_server()
        calls = lambda: self.notifications().GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
        wait_until(lambda: [a for _, name, a in calls() if name == "Notify" and int(a[6].get("sender-pid", 0)) == pid
                            and str(a[3]).startswith("While you were present")], what="the summary, once it answers")
        self.ok("restore")
        self.assertFalse(self.dnd())

    def test_start_while_the_server_hangs_says_so(self):
        """A server that owns its name but does not answer is not 'no server': the user must
        hear that the desktop could not be silenced."""
        os.killpg(self.mock.pid, signal.SIGSTOP)
        self.addCleanup(self.resume_server)
        r, took = self.timed("start", "10m")
        self.resume_server()
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertNotIn("no notification server", r.stdout, "it runs, it only does not answer (took %.0f s)" % took)
        self.assertIn("do-not-disturb FAILED", r.stdout)
        self.assertRegex(r.stderr, r"^present: do-not-disturb could not be turned on: the notification server is not "
                                   r"answering \(.+\n"
                                   r"present: the session is running all the same, and alerts are still held \(they "
                                   r"may show meanwhile\)\n$")


class Races(DunstCase):
    def test_two_starts_at_once(self):
        """Exactly one session; the other call says that one runs, and until when."""
        for round in range(6):
            if round % 2 == 0 and self.bus.has_owner():
                os.kill(self.bus.pid_of(), signal.SIGTERM)  # both calls then race to activate it
                self.wait_daemon_gone()
            before = len(self.sessions())
            calls = [self.spawn_cli("start", "10m", "--label", "race %d" % round) for _ in range(2)]
            results = sorted((p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in calls)
            (ok, out, err), (refused, out2, err2) = results
            self.assertEqual((ok, err, refused, out2), (0, "", 1, ""), results)
            self.assertRegex(out, r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · race %d · do-not-disturb on \(dunst\)\n$"
                             % round)
            self.assertRegex(err2, r"^present: a session is already running until (?:\w{3} )?\d\d:\d\d; 'present stop' ends "
                                   r"it, 'present extend' lengthens it\n$")
            self.assertEqual(len(self.sessions()), before + 1)
            self.ok("stop")
            self.assertFalse(self.dnd())

    def test_two_toggles_at_once(self):
        """The first starts a session, the second ends it: each says which."""
        calls = [self.spawn_cli("toggle", "10m") for _ in range(2)]
        outs = sorted(p.communicate(timeout=60)[0] for p in calls)
        self.assertEqual([p.returncode for p in calls], [0, 0])
        self.assertRegex(outs[0], r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · do-not-disturb on \(dunst\)\n$")
        self.assertRegex(outs[1], r"^Session ended after \d+ s\n$")
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop"], 10, "the session recorded as stopped")
        self.assertFalse(self.dnd())

    def test_calls_while_the_daemon_starts(self):
        """status and stop racing a start that activates the daemon: each answers plainly, and
        what they say agrees with what happened."""
        for round in range(5):
            if self.bus.has_owner():
                os.kill(self.bus.pid_of(), signal.SIGTERM)
                self.wait_daemon_gone()
            start = self.spawn_cli("start", "10m")
            status, stop = self.spawn_cli("status"), self.spawn_cli("stop")
            (start_out, start_err), (status_out, status_err), (stop_out, stop_err) = (
                c.communicate(timeout=60) for c in (start, status, stop))
            self.assertEqual((start.returncode, status.returncode, stop.returncode), (0, 0, 0),
                             (start_err, status_err, stop_err))
            self.assertRegex(start_out, r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · do-not-disturb on \(dunst\)\n$")
            self.assertRegex(status_out, r"^(Not in a session\.|Present until (?:\w{3} )?\d\d:\d\d · .* left · .*)\n$")
            self.assertRegex(stop_out, r"^(No session is running\.|Session ended after \d+ s)\n$")
            active = self.call("GetStatus")["active"]
            self.assertEqual(bool(active), stop_out.startswith("No session"), "stop said %r" % stop_out)
            self.assertLessEqual(len([s for s in self.sessions() if s[4] is None]), 1)
            if active:
                self.ok("stop")

    def test_start_as_the_daemon_exits_idle(self):
        """A start that lands while the idle daemon gives its name back starts exactly one session
        in exactly one daemon."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        for round in range(8):
            self.call("GetStatus")  # a daemon, idle from now on
            time.sleep(0.8 + 0.15 * round)  # the moment of the start, across the idle exit
            r = self.present("start", "10m")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(self.call("GetStatus")["active"])
            self.assertTrue(self.dnd())
            self.assertEqual(len([s for s in self.sessions() if s[4] is None]), 1)
            self.ok("stop")
            self.assertFalse(self.dnd())


class BusGone(DunstCase):
    def test_bus_dies_with_alerts_in_flight(self):
        self.ok("start", "10m")
        app = App(self)
        for i in range(200):
            app.notify("Signal", "Ana", "m%d" % i, {"desktop-entry": "org.signal.Signal"})
        time.sleep(0.2)  # what was sent 200 ms before the bus died must be stored
        pid = self.bus.pid_of()
        os.kill(self.bus.process.pid, signal.SIGTERM)
        self.bus.process.wait()

        wait_until(lambda: harness.has_exited(pid), 10, "the daemon to exit")
        db = self.db()
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        self.assertEqual(sorted(b for (b,) in db.execute("SELECT body FROM alerts")),
                         sorted("m%d" % i for i in range(200)))
        self.assertEqual(db.execute("SELECT count FROM owed").fetchall(), [(200,)])
        self.assertEqual(self.sessions()[0][4], "disconnected")


class StatusAfterACrash(DunstCase):
    def test_status_right_after_a_kill(self):
        """`present status` after the daemon died must not show the dead daemon's session."""
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        os.kill(pid, signal.SIGKILL)
        self.wait_daemon_gone()
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])


def unshare_mounts():
    """A mount namespace of this process's own (and its children's), with no propagation out."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:  # CLONE_NEWNS
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)


class StoreOutage(DunstCase):
    """The store cannot be written: the session still silences and restores, with a warning."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for mounts in a namespace of the test's own")
        unshare_mounts()
        super().setUp()
        self.state = os.path.dirname(self.store_path)

    def mount(self, *args):
        subprocess.run(["mount"] + list(args) + [self.state, self.state], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", self.state], check=False)

    def read_only(self):
        self.mount("-o", "bind,ro")

    def writable_again(self):
        subprocess.run(["umount", self.state], check=True)

    def first_session(self):
        """A store with one session in it, before things go wrong."""
        self.ok("start", "10m", "--label", "before")
        self.ok("stop")

    def daemon_gone(self):
        """SIGTERM, and the process gone, not only its name."""
        pid = self.bus.pid_of()
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: harness.has_exited(pid), 30, "the daemon to exit")

    def assert_no_store(self, stderr, why):
        """What start says of a store out of reach: which one, and why, as the user may never read the log."""
        self.assertEqual(stderr, "present: warning: alerts are not being held: %s: %s\n" % (self.store_path, why))
        r = self.present("doctor")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("\nFAIL     store: %s: %s: sessions and changes are not recorded\n" % (self.store_path, why),
                      r.stdout)

    def session_without_store(self, why):
        """A session starts and ends with the store out of reach: silenced, then put back, with a warning."""
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_no_store(r.stderr, why)
        self.assertTrue(self.dnd())
        self.ok("stop")
        self.assertFalse(self.dnd())

    def assert_intact(self, sessions):
        db = self.db()
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        self.assertEqual([s[0] for s in self.sessions()], sessions)

    def read_only_after_a_session(self):
        """A store with one session in it, read-only from the next daemon's start."""
        self.first_session()
        # The daemon gone, not only its name: it checkpoints and removes the WAL as it exits.
        self.daemon_gone()
        self.read_only()

    def test_read_only_from_the_start(self):
        self.read_only_after_a_session()
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"· do-not-disturb on \(dunst\)\n$")
        self.assert_no_store(r.stderr, "cannot open it for writing (read-only)")
        self.assertTrue(self.dnd())
        r = self.present("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.dnd())
        self.assertRegex(self.daemon_log(), r"present-daemon: warning: %s: .*: sessions are not recorded"
                         % re.escape(self.store_path))
        self.writable_again()
        self.assert_intact(["before"])

    def test_toggle_starts_and_ends_a_session_with_the_store_read_only(self):
        """The key bound to toggle, pressed with no daemon running: a store it cannot open
        tells of no session left behind, so the press starts one, and the next ends it."""
        self.read_only_after_a_session()
        r = self.present("toggle", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"· do-not-disturb on \(dunst\)\n$")
        self.assertTrue(self.dnd())
        r = self.present("toggle")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.dnd())
        self.daemon_gone()
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "No session is running.\n", ""))
        self.writable_again()
        self.assert_intact(["before"])

    def test_read_only_with_the_wal_files_left(self):
        """A read-only store whose write-ahead log is still there (another connection has it
        open, as a daemon still closing would): SQLite would open it for reading without a
        word, and every write of the session would fail unannounced."""
        self.first_session()
        self.daemon_gone()
        reader = self.db()
        reader.execute("SELECT count(*) FROM sessions").fetchone()
        self.assertTrue(os.path.exists(self.store_path + "-wal"))
        self.read_only()
        self.session_without_store("cannot open it for writing (read-only)")
        self.assertIn("%s: cannot open it for writing (read-only): sessions are not recorded" % self.store_path,
                      self.daemon_log())
        self.writable_again()
        self.assert_intact(["before"])

    # Going read-only during a session cannot be simulated here: SQLite's open
    # descriptors keep writing through a read-only bind mount, and a remount
    # read-only is refused (EBUSY) while files are open for writing. A full
    # disk and a lock are the failures of a store already open.

    def test_a_record_left_behind_does_not_undo_a_later_choice(self):
        """When the store could not forget a change that was put back (here: locked by another
        process at the end), a later restore must not undo what the user set by hand since."""
        self.first_session()
        self.ok("start", "10m")
        lock = self.locked()
        self.ok("stop")
        self.assertFalse(self.dnd())
        lock.execute("ROLLBACK")
        self.set_dnd(True)  # the user wants quiet now, on their own
        self.ok("restore")
        self.assertTrue(self.dnd(), "restore undid the user's own do-not-disturb")

    def test_disk_full(self):
        os.makedirs(self.state, mode=0o700)
        self.mount("-t", "tmpfs", "-o", "size=1m,mode=0700")
        self.first_session()
        self.ok("start", "10m", "--label", "full")
        filler = os.path.join(self.state, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass  # full
        app = App(self)
        for i in range(300):
            app.notify("Signal", "Ana", "%d %s" % (i, "x" * 2000), {"desktop-entry": "org.signal.Signal"})
        r = self.present("stop", timeout=10)  # a full disk fails at once: nothing to wait for
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.dnd())
        self.assertIn("database or disk is full", self.daemon_log())
        os.remove(filler)
        self.assert_intact(["before", "full"])
        # With room again, the next session is held as always.
        self.ok("start", "10m", "--label", "after")
        app.notify("Signal", "Bob", "held again", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts WHERE body = 'held again'").fetchone()[0],
                   what="the alert of the next session")
        self.ok("stop")

    def locked(self):
        """Another process holds the store's write lock until the test ends."""
        db = sqlite3.connect(self.store_path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO sessions(label, started_at, planned_end) VALUES ('lock', 0, 0)")
        self.addCleanup(db.close)
        self.addCleanup(lambda: db.in_transaction and db.execute("ROLLBACK"))
        return db

    def test_stop_answers_while_another_process_locks_the_store(self):
        self.first_session()
        lock = self.locked()
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.dnd())
        app = App(self)
        for i in range(20):
            app.notify("Signal", "Ana", "locked %d" % i, {"desktop-entry": "org.signal.Signal"})
        r, took = self.timed("stop")
        self.assertFalse(self.dnd(), "do-not-disturb is put back first")
        self.assertEqual(r.returncode, 0, "stop took %.0f s and said: %s" % (took, r.stderr))
        self.assertIn("database is locked", self.daemon_log())
        lock.execute("ROLLBACK")
        # The session the lock kept out is recorded once it is free, by a
        # retry each second: read before it, the list would change under the check.
        wait_until(lambda: len(self.sessions()) == 2, 10, "the session recorded late")
        self.assert_intact(["before", ""])

    def summaries(self):
        """The bodies of the daemon's summaries the server was given."""
        calls = self.notifications().GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
        return [str(a[4]) for _, name, a in calls if name == "Notify" and str(a[3]).startswith("While you were present")]

    def test_alerts_kept_through_a_lock_are_stored_once_it_is_gone(self):
        """The lock taken mid-session: the alert writer keeps what it cannot write; stop answers
        and the desktop comes back; the daemon stays, and once the lock is gone it stores every
        alert, records the session's end (not as interrupted), sums it up counting them all, and
        deletes the record of the change it put back without a restore."""
        self.first_session()
        self.ok("start", "10m", "--label", "locked")
        app = App(self)
        app.notify("Signal", "Ana", "before the lock", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 1, what="the first alert")
        lock = self.locked()
        for i in range(20):
            app.notify("Signal", "Ana", "locked %d" % i, {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.status_now()["alerts"] == 21, what="the alerts seen")
        summaries = len(self.summaries())
        r = self.present("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.dnd(), "do-not-disturb is put back first")
        # Nothing may be left waiting on the lock.
        self.assertFalse(self.status_now()["active"])
        wait_until(lambda: "its alerts wait for the store" in self.daemon_log(), what="the wait, said")
        self.assertIn("database is locked", self.daemon_log())
        time.sleep(2 * harness.valgrind.slower)
        self.assertEqual(len(self.summaries()), summaries, "a summary before the alerts it counts are stored")
        lock.execute("ROLLBACK")
        wait_until(lambda: "what the store was owed is written" in self.daemon_log(), what="the store written")
        db = self.db()
        self.assertEqual([b for (b,) in db.execute("SELECT body FROM alerts ORDER BY id")],
                         ["before the lock"] + ["locked %d" % i for i in range(20)])
        self.assertEqual(db.execute("SELECT count FROM owed").fetchall(), [(21,)])
        self.assertEqual(db.execute("SELECT end_reason FROM sessions WHERE label = 'locked'").fetchall(), [("stop",)])
        wait_until(lambda: db.execute("SELECT count(*) FROM dnd_changes").fetchone()[0] == 0,
                   what="the record of the change put back deleted")
        wait_until(lambda: len(self.summaries()) == summaries + 1, what="the summary, once the alerts are stored")
        self.assertRegex(self.summaries()[-1], r"\b21\b")
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")
        self.assertFalse(self.dnd())
        self.assert_intact(["before", "locked"])

    def test_an_end_the_store_refuses_is_recorded_once_it_takes_it(self):
        """The lock taken as a session with nothing to store ends: the daemon stays, and
        records the end once the lock is gone, as a stop, not as an interrupted session;
        then, owing nothing, it leaves."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.first_session()
        self.ok("start", "10m", "--label", "refused")
        lock = self.locked()
        self.ok("stop")
        wait_until(lambda: "its end waits for the store" in self.daemon_log(), what="the wait, said")
        pid = self.bus.pid_of()
        time.sleep(3 * harness.valgrind.slower)
        self.assertEqual(self.bus.pid_of(), pid, "the daemon left what the store is owed (idle_exit is 1 s)")
        lock.execute("ROLLBACK")
        wait_until(lambda: "what the store was owed is written" in self.daemon_log(), what="the end recorded")
        self.assertEqual(self.db().execute("SELECT end_reason FROM sessions WHERE label = 'refused'").fetchall(),
                         [("stop",)])
        wait_until(lambda: not self.bus.has_owner(), what="the idle exit, once nothing is owed")

    def messages_while_locked(self, label):
        """Another process holds the store as the session starts: the user hears that it is not
        recorded, and three messages arrive, held by the daemon alone."""
        self.first_session()
        lock = self.locked()
        r = self.present("start", "10m", "--label", label)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("this session is not being recorded", r.stderr)
        self.assertTrue(self.dnd())
        app = App(self)
        for i in range(3):
            app.notify("Signal", "Ana", "held %d" % i, {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.status_now()["alerts"] == 3, what="the alerts seen")
        return lock

    def assert_under(self, label):
        """The session's three alerts and the response they owe are its own, not no session's."""
        [(session,)] = self.query("SELECT id FROM sessions WHERE label = ?", label)
        self.assertEqual(self.query("SELECT count(*) FROM alerts WHERE body LIKE 'held %' AND session_id = ?",
                                    session), [(3,)])
        self.assertEqual(self.db().execute("SELECT session_id, count FROM owed").fetchall(), [(session, 3)])

    def test_a_session_locked_out_at_its_start_is_recorded_once_the_lock_is_gone(self):
        """The store locked as the session starts, freed during it: the daemon records the session
        then, its alerts under it, and the change it made, so that a crash from then on leaves
        nothing on; the warning that it is not recorded goes."""
        lock = self.messages_while_locked("late")
        lock.execute("ROLLBACK")
        wait_until(lambda: "recorded, once the store took it" in self.daemon_log(), what="the session recorded")
        self.assertEqual([s[0] for s in self.sessions()], ["before", "late"])
        self.assertIsNone(self.sessions()[1][3], "the session ended as it was recorded")
        wait_until(lambda: self.query("SELECT count(*) FROM alerts WHERE body LIKE 'held %'") == [(3,)],
                   what="the held alerts stored")
        self.assert_under("late")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes WHERE session_id = "
                                    "(SELECT id FROM sessions WHERE label = 'late')"), [(1,)])
        r = self.present("status")
        self.assertNotIn("not being recorded", r.stdout + r.stderr)
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        self.assertTrue(self.dnd())
        self.ok("restore")
        self.assertFalse(self.dnd(), "the change recorded late was not put back after a crash")

    def dnd_note(self):
        return json.loads(self.ok("status", "--json"))["dnd"]["note"]

    def test_a_server_silenced_while_the_store_is_locked_is_recorded_once_it_is_free(self):
        """The server restarts during the session while another process holds the store: the new one
        is silenced, the store cannot take the record of that change, and takes it once the lock is
        gone, so that a crash from then on leaves nothing on."""
        self.first_session()
        self.ok("start", "10m", "--label", "restarted")
        lock = self.locked()
        self.kill_mock()
        self.mock = self.start_dunst()
        wait_until(self.dnd, 15, "the new server silenced")
        self.assertIn("not recorded in the store", self.dnd_note())
        lock.execute("ROLLBACK")
        wait_until(lambda: "do-not-disturb recorded, once the store took it" in self.daemon_log(), 10,
                   "the change recorded")
        # The record of the change to the server gone is deleted in the same try, just after.
        wait_until(lambda: self.query("SELECT count(*) FROM dnd_changes WHERE session_id = "
                                      "(SELECT id FROM sessions WHERE label = 'restarted')") == [(1,)], 5,
                   "one record, the new server's")
        self.assertIsNone(self.dnd_note())
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        self.assertTrue(self.dnd())
        self.ok("restore")
        self.assertFalse(self.dnd(), "the change recorded late was not put back after a crash")

    def test_a_session_locked_out_from_start_to_end_is_recorded_once_the_lock_is_gone(self):
        """The lock held through the whole session: the stop answers and the desktop comes back;
        once the lock is gone, the session is recorded as stopped, with its alerts under it, and
        summed up, counting them."""
        lock = self.messages_while_locked("throughout")
        summaries = len(self.summaries())
        self.ok("stop")
        self.assertFalse(self.dnd())
        wait_until(lambda: "its record waits for the store" in self.daemon_log(), what="the wait, said")
        lock.execute("ROLLBACK")
        wait_until(lambda: "what the store was owed is written" in self.daemon_log(), what="the store written")
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("before", "stop"), ("throughout", "stop")])
        self.assert_under("throughout")
        wait_until(lambda: len(self.summaries()) == summaries + 1, what="the summary")
        self.assertRegex(self.summaries()[-1], r"\b3\b")
        self.assertIn("throughout", self.ok("catchup"))

    def test_start_says_when_the_session_cannot_be_recorded(self):
        """The user must hear that this session is not recorded (and a crash could leave
        do-not-disturb on), not only the daemon's log."""
        self.first_session()
        self.locked()
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"^present: warning: .*(not recorded|store)", "start said nothing of the store")

    def test_state_dir_is_a_file(self):
        os.makedirs(os.path.dirname(self.state), exist_ok=True)
        with open(self.state, "w") as f:
            f.write("not a directory\n")
        self.session_without_store("cannot make a private directory for it: Not a directory")
        self.assertIn("cannot make a private directory for it: Not a directory", self.daemon_log())
        with open(self.state) as f:
            self.assertEqual(f.read(), "not a directory\n")

    def test_state_dir_of_another_user(self):
        os.makedirs(self.state, mode=0o700)
        os.chown(self.state, 65534, 65534)
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_no_store(r.stderr, "cannot make a private directory for it: it belongs to another user")
        self.ok("stop")
        self.assertFalse(self.dnd())
        self.assertIn("it belongs to another user", self.daemon_log())
        self.assertEqual(os.listdir(self.state), [], "nothing may be written into another user's directory")


if __name__ == "__main__":
    harness.main()
