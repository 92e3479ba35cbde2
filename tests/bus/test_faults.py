"""Nothing lost, nothing stuck: the daemon SIGKILLed at random moments.

Each test case kills the daemon over and over at random points of one phase
(while a session starts, while it runs with alerts flowing, while it ends by
`present stop` or by its timer), against a dbusmock dunst whose do-not-disturb
(`paused`) starts each trial on or off at random, while an app sends alerts
from people (Signal, four senders) about 80 times a second. After each kill:

- the store passes PRAGMA integrity_check;
- every alert whose Notify returned at least 200 ms before the kill, during
  the session, is stored, and no alert is stored twice;
- every alert from a person is counted by exactly one open response owed,
  whose count is the number of its alerts, and no sender has two open ones;
- then (at random) `present restore` runs, or the daemon is started again, or
  the next trial goes on from the wreck (its daemon must clean up first);
  once one of the first two has run, do-not-disturb is as it was before the
  session, no session is left open and no change is left to put back.

PRESENT_FAULT_SEED fixes the random choices and PRESENT_FAULT_TRIALS scales
the number of trials (1.0 by default); the seed, the trials and where the
kills landed are printed as TAP comments.
"""
import collections
import os
import random
import signal
import sqlite3
import struct
import subprocess
import time

import dbus

import harness
from harness import CLI, PYTHON, BusTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
DUNST = "org.dunstproject.cmd0"
LOSS_WINDOW = 0.2  # what was sent this long before a kill must be stored
SCHEMA = 3  # the store's user_version once the daemon has set it up (PRESENT_STORE_SCHEMA)

# An app on a connection of its own: one Notify at a time, each one logged
# with the monotonic time its reply came back (the same clock as ours).
SENDER = r'''
import sys, time, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
names = ["Ana Lima", "Bob", "Chen Wei", "Dana"]
server = bus.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications", introspect=False)
i = 0
while True:
    body = "n%d" % i
    try:
        server.Notify("Signal", dbus.UInt32(0), "", names[i % 4], body, dbus.Array([], signature="s"),
                      dbus.Dictionary({"desktop-entry": "org.signal.Signal"}, signature="sv"), -1,
                      dbus_interface="org.freedesktop.Notifications", timeout=10)
        out.write("%s %.6f\n" % (body, time.monotonic()))
    except dbus.DBusException as e:
        out.write("# %s\n" % e.get_dbus_name())
    i += 1
    time.sleep(0.0125)
'''


def scale(n):
    factor = float(os.environ.get("PRESENT_FAULT_TRIALS", "1"))
    if harness.valgrind.command:
        factor /= 10  # each start under valgrind takes seconds
    return max(1, round(n * factor))


def comment(text):
    print("# " + text, flush=True)


class FaultInjection(BusTestCase):
    def setUp(self):
        super().setUp()
        # The mock logs each call to a file of its own: thousands of them would bury the daemon's log.
        template = os.path.join(harness.MOCKS, "dnd_servers.py")
        self.mock = self.bus.spawn([PYTHON, "-m", "dbusmock", "--template", template, "--parameters",
                                    '{"server": "dunst"}', "--logfile", os.path.join(self.root, "mock.log")])
        wait_until(lambda: self.bus.has_owner(NOTIFICATIONS), what="the mock notification server")
        self.seed = int(os.environ.get("PRESENT_FAULT_SEED", str(random.randrange(1 << 32))))
        self.random = random.Random(self.seed)
        self.sent_path = os.path.join(self.root, "sent")
        self.bus.spawn([PYTHON, "-c", SENDER, self.bus.address, self.sent_path])
        wait_until(lambda: len(self.sent()) > 5, what="the app to send alerts")
        self.prior = False  # do-not-disturb before the trial's session
        self.recovered = True  # restore or a fresh daemon ran since the last kill
        self.landed = collections.Counter()  # where kills landed
        self.recoveries = collections.Counter()
        self.alerts_checked = 0
        self.trials = 0
        self.orphans = set()
        self.held = collections.Counter()  # invariant -> trials where it was checked and held
        self.broken = collections.defaultdict(list)  # invariant -> what broke it, trial by trial

    def tearDown(self):
        comment("%s: seed %d, %d trials, %d alerts checked against the store" % (
            self._testMethodName, self.seed, self.trials, self.alerts_checked))
        for where, n in sorted(self.landed.items()):
            comment("  killed %s: %d" % (where, n))
        comment("  then: %s" % ", ".join("%s %d" % kv for kv in sorted(self.recoveries.items())))
        for invariant in sorted(set(self.held) | set(self.broken)):
            comment("  %s: held %d, broken %d" % (invariant, self.held[invariant], len(self.broken[invariant])))
        super().tearDown()

    def expect(self, invariant, holds, detail=""):
        """Tallies one invariant in one trial; a broken one fails the test at its end, with all the others."""
        if holds:
            self.held[invariant] += 1
        else:
            self.broken[invariant].append("trial %d: %s" % (self.trials, detail))

    def assert_all_held(self):
        if self.broken:
            self.fail("invariants broken (the first 5 trials of each):\n" + "\n".join(
                "%s, in %d of %d trials:\n    %s" % (k, len(v), len(v) + self.held[k], "\n    ".join(v[:5]))
                for k, v in sorted(self.broken.items())))

    # The desktop, the daemon, the store.
    def dnd(self):
        return bool(self.notifications().Get(DUNST, "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def set_dnd(self, on):
        self.notifications().Set(DUNST, "paused", dbus.Boolean(on), dbus_interface=dbus.PROPERTIES_IFACE)

    def daemon_pids(self):
        """The present daemons the bus started: activation hands them to init, but
        they stay in the bus's process group."""
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            # fields: state, ppid, pgrp...; a zombie is already dead.
            if int(fields[2]) == self.bus.process.pid and fields[0] != "Z" and \
                    any(a.endswith(b"/present-daemon") for a in argv):
                found.append(int(name))
        return found

    def kill_daemon(self):
        """SIGKILLs the daemon at once (waiting for it to exist if it does not yet); returns the time."""
        [pid] = wait_until(self.daemon_pids, 10, "the daemon to exist")
        when = time.monotonic()
        os.kill(pid, signal.SIGKILL)

        wait_until(lambda: harness.has_exited(pid), 10, "the killed daemon to go")
        wait_until(lambda: not self.bus.has_owner(), 10, "the bus to free the name")
        return when

    def spawn_cli(self, *args):
        return subprocess.Popen(harness.valgrind.wrap([CLI] + list(args), self.root), env=self.bus.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish_cli(self, p, what):
        """A call cut off by the kill must say so plainly: done (0) or the daemon unreachable (69)."""
        out, err = p.communicate(timeout=60)
        self.assertIn(p.returncode, (0, 69), "%s: %s%s" % (what, out, err))
        if p.returncode == 69:
            self.assertRegex(err, r"^present: cannot reach the present daemon \(dev\.present\.Present\): [^\n]*\n$")
        return out

    def db(self):
        db = sqlite3.connect(self.store_path, timeout=10)
        self.addCleanup(db.close)
        return db

    def sent(self, since=0.0):
        """[(body, monotonic time its Notify returned)] since a time."""
        if not os.path.exists(self.sent_path):
            return []
        out = []
        with open(self.sent_path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and line.endswith("\n") and not line.startswith("#"):
                    t = float(parts[1])
                    if t >= since:
                        out.append((parts[0], t))
        return out

    # One trial.
    def begin(self):
        """The desktop as the user left it: set at random once the last wreck is cleaned up."""
        self.trials += 1
        if self.recovered:
            self.prior = self.random.random() < 0.3
            self.set_dnd(self.prior)
            self.recovered = False
        self.t0 = time.monotonic()
        self.last_session = self.max_session()

    def store_ready(self):
        """Whether the daemon has set the store up: a kill can land after it created the
        file and before its schema was written (the next daemon finishes the work)."""
        if not os.path.exists(self.store_path):
            return False
        return self.db().execute("PRAGMA user_version").fetchone()[0] >= SCHEMA

    def max_session(self):
        if not self.store_ready():
            return 0
        return self.db().execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()[0]

    def where(self):
        """Where the kill landed, as the wreck shows it."""
        if not self.store_ready():
            return "before the store was set up"
        db = self.db()
        row = db.execute("SELECT ended_at IS NOT NULL FROM sessions WHERE id > ? ORDER BY id DESC LIMIT 1",
                         (self.last_session,)).fetchone()
        changes = db.execute("SELECT count(*) FROM dnd_changes").fetchone()[0]
        session = "no new session" if row is None else "session ended" if row[0] else "session open"
        dnd = "dnd on" if self.dnd() else "dnd off"
        return "%s, %s, %s" % (session, "change recorded" if changes else "no change recorded", dnd)

    def check_store(self, window, killed):
        """The store as the kill left it: intact, every alert of the window once, owed items consistent."""
        if not os.path.exists(self.store_path):
            return
        db = self.db()
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        self.expect("the store passes integrity_check", integrity == [("ok",)], str(integrity))
        if not self.store_ready():
            return  # no session could have started: nothing else to check
        stored = collections.Counter(b for (b,) in db.execute("SELECT body FROM alerts WHERE app_name = 'Signal'"))
        twice = sorted(b for b, n in stored.items() if n > 1)
        self.expect("no alert stored twice", not twice, " ".join(twice[:5]))
        start, end = window
        expected = [b for b, t in self.sent(self.t0 - 1) if start <= t <= end]
        missing = [b for b in expected if b not in stored]
        self.expect("no alert sent 200 ms before the kill missing", not missing,
                    "%d of %d missing: %s" % (len(missing), len(expected), " ".join(missing[:5])))
        self.alerts_checked += len(expected)

        # An alert left uncounted stays so: each is reported in the trial that left it.
        orphans = [b for (b,) in db.execute("SELECT body FROM alerts WHERE class = 'person' AND owed_id IS NULL")
                   if b not in self.orphans]
        self.orphans.update(orphans)
        last = {b: t for b, t in self.sent(self.t0 - 1)}
        self.expect("each stored alert from a person is counted by a response owed", not orphans,
                    "%d stored alerts counted by none (sent %s ms before the kill)" % (
                        len(orphans), ", ".join("%.0f" % max(0, (killed - last[b]) * 1000) if b in last else "?"
                                                for b in orphans[:5])))
        miscounted = db.execute("SELECT o.id, o.count, (SELECT count(*) FROM alerts a WHERE a.owed_id = o.id) AS n "
                                "FROM owed o WHERE o.count != n").fetchall()
        self.expect("each response owed counts its alerts exactly", not miscounted,
                    "(id, count, alerts): %s" % miscounted[:5])
        doubled = db.execute("SELECT app, sender, count(*) FROM owed WHERE state IN ('owed', 'acknowledged') "
                             "GROUP BY app, sender HAVING count(*) > 1").fetchall()
        self.expect("no sender with two open responses owed", not doubled, str(doubled[:5]))

    def end(self, killed, window, last=False):
        """After the kill: check the wreck, then clean up (or leave it to the next trial)."""
        self.landed[self.where()] += 1
        self.check_store(window, killed)
        choice = "restore" if last else self.random.choice(["restore", "restart", "next trial"])
        self.recoveries[choice] += 1
        if choice == "next trial":
            return
        cut_short = (self.db().execute("SELECT id FROM sessions WHERE ended_at IS NULL").fetchall()
                     if self.store_ready() else [])
        summed_up = len(self.cut_short_summaries())
        if choice == "restore":
            # A stop that found its daemon dead ended the session and had one started to sum it up.
            running = self.bus.has_owner()
            r = self.present("restore")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^(Put back \d+ do-not-disturb changes?\.|Nothing to restore: the desktop is "
                                       r"as you left it\.)\n$")
            if not running:
                self.assertFalse(self.bus.has_owner(), "restore must not start a daemon")
        else:
            # Any call brings the daemon back; it puts things back before it answers.
            self.assertFalse(self.call("GetStatus")["active"])
        self.expect("do-not-disturb as before the session after %s" % choice, self.dnd() == self.prior,
                    "%s, was %s" % ("on" if self.dnd() else "off", "on" if self.prior else "off"))
        db = self.db()
        open_sessions = db.execute("SELECT id FROM sessions WHERE ended_at IS NULL").fetchall()
        self.expect("no session left open after %s" % choice, not open_sessions, str(open_sessions))
        left = db.execute("SELECT backend, saved FROM dnd_changes").fetchall()
        self.expect("no change left to put back after %s" % choice, not left, str(left))
        # The session cut short is summed up by the daemon that follows;
        # `present restore` leaves that to it. A session that ended before
        # the kill, by a stop or the `present stop` racing it (which restores
        # when the daemon dies under it, and has a daemon started to sum it
        # up), has its summary due until the server has taken it.
        due = db.execute("SELECT id FROM sessions WHERE replay_due IS NOT NULL").fetchall()
        if choice == "restore":
            last = db.execute("SELECT id FROM sessions ORDER BY id DESC LIMIT 1").fetchall()
            self.expect("a session cut short has its summary due after restore",
                        due == cut_short if cut_short else due in ([], last), "%s, cut short %s" % (due, cut_short))
        elif cut_short:
            self.expect_summed_up("a session cut short is summed up after a restart", summed_up)
        if choice == "restart":
            due = lambda: db.execute("SELECT id FROM sessions WHERE replay_due IS NOT NULL").fetchall()
            self.expect_soon("no summary left due after a restart", lambda: not due(), lambda: str(due()))
        self.recovered = True

    def expect_soon(self, invariant, holds, detail):
        """An invariant the daemon may take a moment to reach: held within 5 s, or counted broken."""
        try:
            wait_until(holds, 5)
        except AssertionError:
            pass
        self.expect(invariant, holds(), detail())

    def expect_summed_up(self, invariant, before):
        """One more summary of a session cut short than `before`."""
        self.expect_soon(invariant, lambda: len(self.cut_short_summaries()) == before + 1,
                         lambda: str(self.cut_short_summaries()))

    def cut_short_summaries(self):
        return [str(a[3]) for _, name, a in self.notifications().GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
                if name == "Notify" and str(a[3]).endswith("; interrupted)")]

    def start_session(self, length="10m"):
        r = self.present("start", length)
        self.assertEqual(r.returncode, 0, r.stderr)
        return time.monotonic()

    # The phases. Each sleep below is the moment of the kill, chosen at random:
    # what is under test is the daemon being killed then, not a wait.
    def test_kill_during_start(self):
        n = scale(45)
        for i in range(n):
            self.begin()
            running = bool(self.daemon_pids())  # idle from a restart, or to be activated by this call
            cli = self.spawn_cli("start", "10m", "--label", "trial %d" % i)
            time.sleep(self.random.uniform(0, 0.08 if running else 0.35))
            ready = cli.poll() == 0 and time.monotonic()
            killed = self.kill_daemon()
            self.finish_cli(cli, "start")
            # A kill that came before the call reached the daemon leaves the call to
            # start a fresh one, which the trial kills too: it ends in a wreck.
            while self.daemon_pids():
                self.kill_daemon()
            self.end(killed, (ready, killed - LOSS_WINDOW) if ready else (0, -1), last=i == n - 1)
        self.assert_all_held()

    def test_kill_during_a_session(self):
        n = scale(35)
        for i in range(n):
            self.begin()
            ready = self.start_session()
            if self.random.random() < 0.3:
                self.ok("extend", "5m")
            time.sleep(self.random.uniform(0.25, 0.9))
            killed = self.kill_daemon()
            self.end(killed, (ready, killed - LOSS_WINDOW), last=i == n - 1)
        self.assert_all_held()

    def test_kill_during_stop(self):
        n = scale(30)
        for i in range(n):
            self.begin()
            ready = self.start_session()
            time.sleep(self.random.uniform(0.2, 0.5))
            stopping = time.monotonic()
            cli = self.spawn_cli("stop")
            time.sleep(self.random.uniform(0, 0.15))
            summed_up = len(self.cut_short_summaries())
            killed = self.kill_daemon()
            if self.finish_cli(cli, "stop").startswith(("Put back", "Nothing to restore")):
                # It found its daemon dead, and ended the session as a restore does: a daemon it had
                # started sums that session up.
                self.expect_summed_up("a session a stop ended after its daemon died is summed up", summed_up)
            self.end(killed, (ready, min(stopping, killed) - LOSS_WINDOW), last=i == n - 1)
        self.assert_all_held()

    def test_kill_around_the_timer_end(self):
        n = scale(12)
        for i in range(n):
            self.begin()
            # "2s" ends 1 to 2 s after the start (the end is in whole seconds).
            ready = self.start_session("2s")
            time.sleep(self.random.uniform(0.8, 2.6))
            killed = self.kill_daemon()
            self.end(killed, (ready, min(killed - LOSS_WINDOW, ready + 0.8)), last=i == n - 1)
        self.assert_all_held()


def wal_commits(store_path):
    """How many transactions the store's write-ahead log holds: the commit frames of its
    current generation (those carrying the salts of its header)."""
    try:
        with open(store_path + "-wal", "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return 0
    if len(data) < 32:
        return 0
    page_size = struct.unpack(">I", data[8:12])[0]
    salts, offset, commits = data[16:24], 32, 0
    while offset + 24 + page_size <= len(data) and data[offset + 8:offset + 16] == salts:
        commits += struct.unpack(">I", data[offset + 4:offset + 8])[0] != 0  # the database size, on a commit only
        offset += 24 + page_size
    return commits


class OneTransaction(BusTestCase):
    """What a kill must never split is written together: an alert from a person and the
    response owed it adds to go to the store in one transaction. The fault injection above
    finds a split only when a kill lands between two commits; this counts the commits."""

    def test_a_session_and_the_change_it_makes_are_one_commit(self):
        self.start_mock("dnd_servers", server="dunst")
        self.ok("doctor")  # the daemon, idle; doctor's own trial of the switch is written and forgotten
        before = wal_commits(self.store_path)
        self.ok("start", "10m")
        self.assertEqual(wal_commits(self.store_path) - before, 1, "commits for a start")
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT c.session_id = s.id, c.backend, c.saved FROM dnd_changes c "
                                    "JOIN sessions s ON s.ended_at IS NULL").fetchall(), [(1, "dunst", "false")])
        self.ok("stop")
        self.assertEqual(db.execute("SELECT count(*) FROM dnd_changes").fetchone()[0], 0)

    def test_an_alert_and_its_response_owed_are_one_commit(self):
        self.start_mock("dnd_servers", server="dunst")
        # The GTK path: a call whose reply carries nothing to record, so each alert is one write.
        gtk = "org.gtk.Notifications"
        self.bus.spawn([PYTHON, "-m", "dbusmock", gtk, "/org/gtk/Notifications", gtk])
        wait_until(lambda: self.bus.has_owner(gtk), what=gtk)
        self.bus.connection.get_object(gtk, "/org/gtk/Notifications").AddMethod(
            gtk, "AddNotification", "ssa{sv}", "", "", dbus_interface="org.freedesktop.DBus.Mock")
        self.ok("start", "10m")
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        app = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(app.close)
        before = wal_commits(self.store_path)
        n = 30
        for i in range(n):
            note = dbus.Dictionary({"title": dbus.String(["Ana Lima", "Bob"][i % 2], variant_level=1),
                                    "body": dbus.String("m%d" % i, variant_level=1)}, signature="sv")
            app.call_blocking(gtk, "/org/gtk/Notifications", gtk, "AddNotification", "ssa{sv}",
                              ("org.signal.Signal", "m%d" % i, note))
            wait_until(lambda: db.execute("SELECT count(*) FROM alerts WHERE body = ? AND owed_id IS NOT NULL",
                                          ("m%d" % i,)).fetchone()[0], what="alert m%d and its response owed" % i)
        self.assertEqual(db.execute("SELECT sender, count FROM owed ORDER BY id").fetchall(),
                         [("Ana Lima", n // 2), ("Bob", n // 2)])
        self.assertEqual(wal_commits(self.store_path) - before, n, "commits for %d alerts from people" % n)
        self.ok("stop")


if __name__ == "__main__":
    harness.main()
