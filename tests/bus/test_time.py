"""Time: suspend across the planned end, the wall clock being set, daylight saving.

A suspend cannot be had in a test; what makes present survive one can: its
session timer is an absolute CLOCK_REALTIME timerfd (read from
/proc/PID/fdinfo), which the kernel fires at resume when the end passed
during the sleep (a CLOCK_MONOTONIC timer would fire late by the length of
the sleep), and a daemon that could not run across the end (SIGSTOP) ends the
session as soon as it runs again.

Setting the clock needs CAP_SYS_TIME and changes it for the whole machine.
test_clock_set_* sets CLOCK_REALTIME to itself (a step of microseconds),
which is enough to wake every TFD_TIMER_CANCEL_ON_SET timer with ECANCELED.
Real jumps (an hour back, past the end forward) run only with
PRESENT_TEST_SET_CLOCK=1, on a machine of the test's own: other programs
would see the jumps. A time namespace cannot help (it offsets CLOCK_MONOTONIC
and CLOCK_BOOTTIME, never CLOCK_REALTIME), nor can libfaketime (it fakes what
the process reads, but the kernel never cancels a timerfd for a fake jump).

Daylight saving: deadlines and times are stored in ms since the epoch; with
TZ=Europe/Berlin, whatever is printed around the last Sunday of October 2025
(02:00-03:00 happens twice) must carry the offset of its own date, not of now.
"""
import calendar
import ctypes
import json
import os
import re
import signal
import sqlite3
import time

import dbus

import harness
from harness import BusTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
DUNST = "org.dunstproject.cmd0"
MOCK = "org.freedesktop.DBus.Mock"


class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


libc = ctypes.CDLL(None, use_errno=True)


def set_clock(offset_ns):
    """Steps CLOCK_REALTIME by offset_ns (0: sets it to itself). Returns False without CAP_SYS_TIME."""
    target = time.clock_gettime_ns(time.CLOCK_REALTIME) + offset_ns
    ts = timespec(target // 10**9, target % 10**9)
    if libc.clock_settime(time.CLOCK_REALTIME, ctypes.byref(ts)) != 0:
        if ctypes.get_errno() == 1:  # EPERM
            return False
        raise OSError(ctypes.get_errno(), "clock_settime")
    return True


def timerfds(pid):
    """{fd: {"clockid", "flags", "remaining"}} of process pid's timerfds (remaining in s)."""
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:[timerfd]":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = f.read()
        except OSError:
            continue
        sec, nsec = re.search(r"it_value: \((\d+), (\d+)\)", info).groups()
        out[int(fd)] = {
            "clockid": int(re.search(r"clockid: (\d+)", info).group(1)),
            "flags": int(re.search(r"settime flags: (\d+)", info).group(1), 8),
            "remaining": int(sec) + int(nsec) / 1e9,
        }
    return out


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET = 1, 2


class Clock(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def dnd(self):
        return bool(self.notifications().Get(DUNST, "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def session_timer(self, pid, ends_at):
        """The daemon's timerfd that counts down to ends_at."""
        left = ends_at - time.time()
        found = [t for t in timerfds(pid).values() if abs(t["remaining"] - left) < 2]
        self.assertEqual(len(found), 1, "one timer to the end (%.1f s away): %s" % (left, timerfds(pid)))
        return found[0]

    def test_the_session_timer_is_absolute_on_the_wall_clock(self):
        session = self.call("Start", dbus.UInt32(600), "")
        pid = self.bus.pid_of()
        timer = self.session_timer(pid, session["ends_at"])
        self.assertEqual(timer["clockid"], time.CLOCK_REALTIME, "a monotonic timer misses a suspend")
        self.assertEqual(timer["flags"], TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)
        # Extending moves that same timer.
        extended = self.call("Extend", dbus.UInt32(300))
        self.session_timer(pid, extended["ends_at"])

    def test_an_end_passed_while_the_daemon_could_not_run(self):
        """As after a suspend: the end passed while the daemon was stopped; it ends the session
        as soon as it runs again, and puts the desktop back."""
        self.ok("start", "2s")
        pid = self.bus.pid_of()
        [(_, _, planned, _, _)] = self.sessions()
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(lambda: os.path.exists("/proc/%d" % pid) and os.kill(pid, signal.SIGCONT))
        time.sleep(max(0, planned - time.time()) + 1.5)  # frozen across the end: nothing may happen
        self.assertTrue(self.dnd())
        self.assertIsNone(self.sessions()[0][4])
        os.kill(pid, signal.SIGCONT)
        wait_until(lambda: self.sessions()[0][4] == "timer", 5, "the session to end once the daemon runs")
        self.assertGreaterEqual(self.sessions()[0][3], planned)
        wait_until(lambda: not self.dnd(), 5, "do-not-disturb to be put back")

    def test_clock_set_wakes_the_timer_which_keeps_the_end(self):
        """A clock set (here: to itself) cancels the timer (ECANCELED): the daemon must look at the
        clock, keep the end where it was, not end early, not spin, and end on time."""
        self.ok("start", "4s")
        [(_, _, planned, _, _)] = self.sessions()
        pid = self.bus.pid_of()
        cpu = cpu_seconds(pid)
        if not set_clock(0):
            self.skipTest("setting the clock needs CAP_SYS_TIME")
        time.sleep(0.5)  # what is under test is that nothing happens now
        if time.time() < planned - 0.5:
            self.assertTrue(self.call("GetStatus")["active"], "the session ended at the clock set")
            self.session_timer(pid, planned)
        wait_until(lambda: self.sessions()[0][4] == "timer", planned - time.time() + 5, "the end, on time")
        self.assertGreaterEqual(self.sessions()[0][3], planned)
        self.assertLess(cpu_seconds(pid) - cpu, 1.0, "the daemon spun after the clock was set")
        self.assertFalse(self.dnd())

    def jumping(self):
        if os.environ.get("PRESENT_TEST_SET_CLOCK") != "1":
            self.skipTest("jumps the machine's clock: set PRESENT_TEST_SET_CLOCK=1 on a machine of its own")
        # Whatever happens, the clock goes back to monotonic time's idea of now.
        wall, mono = time.clock_gettime_ns(time.CLOCK_REALTIME), time.monotonic_ns()
        self.addCleanup(lambda: set_clock(wall + (time.monotonic_ns() - mono) - time.clock_gettime_ns(
            time.CLOCK_REALTIME)))

    def test_clock_jumps_forward_past_the_end(self):
        self.jumping()
        self.ok("start", "10m")
        [(_, _, planned, _, _)] = self.sessions()
        self.assertTrue(set_clock(11 * 60 * 10**9))
        wait_until(lambda: self.sessions()[0][4] == "timer", 5, "the end, at once")
        self.assertGreaterEqual(self.sessions()[0][3], planned)
        self.assertFalse(self.dnd())

    def test_clock_jumps_back_an_hour(self):
        self.jumping()
        self.ok("start", "3s")
        [(_, _, planned, _, _)] = self.sessions()
        pid = self.bus.pid_of()
        self.assertTrue(set_clock(-3600 * 10**9))
        time.sleep(4)  # past the end in real time: the end is a wall-clock time, still an hour away
        self.assertTrue(self.call("GetStatus")["active"])
        self.session_timer(pid, planned)
        self.assertTrue(set_clock(3600 * 10**9))
        wait_until(lambda: self.sessions()[0][4] == "timer", 5, "the end, once the clock is back")


def ms(iso):
    """ms since the epoch of a UTC time "2025-10-26T01:30"."""
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M")) * 1000


class DaylightSaving(BusTestCase):
    """Europe/Berlin, 26 October 2025: at 01:00 UTC, 03:00 CEST becomes 02:00 CET."""

    def setUp(self):
        saved = os.environ.get("TZ")
        os.environ["TZ"] = "Europe/Berlin"  # the bus, hence the daemon and the CLI, run in Berlin
        try:
            super().setUp()
        finally:
            if saved is None:
                del os.environ["TZ"]
            else:
                os.environ["TZ"] = saved
        self.start_mock("dnd_servers", server="dunst")
        self.ok("start", "1m")  # a store, in the current schema
        self.ok("stop")
        # Stopped before the server's answer, the daemon would leave its summary for the next to show.
        self.wait_summary_taken()
        self.daemon_pid = self.bus.pid_of()
        os.kill(self.daemon_pid, signal.SIGTERM)
        self.wait_daemon_gone()

    def db(self):
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db

    def test_alert_times(self):
        db = self.db()
        db.execute("INSERT INTO sessions(id, label, started_at, planned_end, ended_at, end_reason) "
                   "VALUES (99, 'night shift', ?, ?, ?, 'stop')",
                   (ms("2025-10-26T00:00") // 1000, ms("2025-10-26T03:00") // 1000, ms("2025-10-26T03:00") // 1000))
        for i, utc in enumerate(["2025-10-26T00:30", "2025-10-26T01:30", "2025-10-26T02:30"]):
            db.execute("INSERT INTO alerts(id, session_id, received_at, path, app, summary, class) "
                       "VALUES (?, 99, ?, 'notify', 'A', ?, 'alert')", (1000 + i, ms(utc), "at " + utc))
        db.commit()
        out = self.ok("alerts", "--session", "99")
        self.assertEqual(re.findall(r"^(\d\d:\d\d:\d\d)  A: ", out, re.M), ["02:30:00", "02:30:00", "03:30:00"])
        self.assertRegex(out, r"^Session 99, 2025-10-26 02:00–2025-10-26 04:00 · night shift\n")
        times = [a["received_at"] for a in json.loads(self.ok("alerts", "--session", "99", "--json"))]
        self.assertEqual(times, ["2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00",
                                 "2025-10-26T03:30:00+01:00"])

    def test_a_session_across_midnight_gives_each_time_its_day(self):
        # 23:30 CEST on Saturday to 03:00 CET on Sunday: "00:15" alone could be either night's.
        db = self.db()
        db.execute("INSERT INTO sessions(id, label, started_at, planned_end, ended_at, end_reason) "
                   "VALUES (99, 'late call', ?, ?, ?, 'stop')",
                   (ms("2025-10-25T21:30") // 1000, ms("2025-10-26T02:00") // 1000, ms("2025-10-26T02:00") // 1000))
        for i, utc in enumerate(["2025-10-25T21:45", "2025-10-25T22:15"]):
            db.execute("INSERT INTO alerts(id, session_id, received_at, path, app, summary, class) "
                       "VALUES (?, 99, ?, 'notify', 'A', ?, 'alert')", (1000 + i, ms(utc), "at " + utc))
        db.execute("INSERT INTO capture_gaps(session_id, started_at, ended_at, reason) VALUES (99, ?, ?, 'lost')",
                   (ms("2025-10-25T22:00"), ms("2025-10-25T22:10")))
        db.commit()
        out = self.ok("alerts", "--session", "99")
        self.assertEqual(re.findall(r"^(\w{3} \d\d:\d\d:\d\d)  (.*)", out, re.M), [
            ("Sat 23:45:00", "A: at 2025-10-25T21:45"),
            ("Sun 00:00:00", "(alerts not watched until Sun 00:10:00: lost)"),
            ("Sun 00:15:00", "A: at 2025-10-25T22:15")])
        out = self.ok("catchup")
        self.assertIn("Alerts were not watched from Sun 00:00:00 to Sun 00:10:00 (lost)", out)
        self.assertEqual(re.findall(r"^  (\w{3} \d\d:\d\d)  (.*)", out, re.M),
                         [("Sat 23:45", "at 2025-10-25T21:45"), ("Sun 00:15", "at 2025-10-25T22:15")])

    def insert_owed(self, sender, received, ack_by, answer_by):
        db = self.db()
        db.execute("INSERT INTO owed(kind, app, sender, subject, received_at, last_at, ack_by, answer_by) "
                   "VALUES ('person', 'org.signal.Signal', ?, 'the contract', ?, ?, ?, ?)",
                   (sender, received, received, ack_by, answer_by))
        db.commit()

    def test_owed_deadlines_printed_and_reminded(self):
        future = int(time.time() * 1000) + 10 * 86400 * 1000
        # Received 02:00 CEST; acknowledge within 2 h: 02:00 UTC, which is 03:00 CET (not 04:00).
        self.insert_owed("Ana", ms("2025-10-26T00:00"), ms("2025-10-26T02:00"), future)
        # Due 01:45 CEST, before the change, and 03:15 CET, after it.
        self.insert_owed("Bob", ms("2025-10-25T23:00"), ms("2025-10-25T23:15"), ms("2025-10-25T23:45"))
        self.insert_owed("Chen", ms("2025-10-26T01:00"), ms("2025-10-26T01:15"), ms("2025-10-26T02:15"))

        items = {o["from"]: o for o in json.loads(self.ok("owed", "--all", "--json"))}
        self.assertEqual((items["Ana"]["received_at"], items["Ana"]["ack_by"]),
                         ("2025-10-26T02:00:00+02:00", "2025-10-26T03:00:00+01:00"))
        self.assertEqual(items["Bob"]["answer_by"], "2025-10-26T01:45:00+02:00")
        self.assertEqual(items["Chen"]["answer_by"], "2025-10-26T03:15:00+01:00")
        text = self.ok("owed", "--all")
        self.assertRegex(text, r"Ana · .* · ack by 2025-10-26 03:00 ")
        self.assertRegex(text, r"Bob · .* · answer by 2025-10-26 01:45 ")
        self.assertRegex(text, r"Chen · .* · answer by 2025-10-26 03:15 ")

        # The daemon, in Berlin too, reminds of all three at once: they are due, and past.
        self.call("GetStatus")
        pid = self.bus.pid_of()

        def reminders():
            calls = self.notifications().GetCalls(dbus_interface=MOCK)
            return {str(a[3]).split(" ")[0]: str(a[4]) for _, name, a in calls
                    if name == "Notify" and int(a[6].get("sender-pid", 0)) == pid}

        got = wait_until(lambda: len(reminders()) == 3 and reminders(), 10, "three reminders")
        self.assertEqual(got["Ana"], "Acknowledge, overdue since 2025-10-26 03:00: “the contract”")
        self.assertEqual(got["Bob"], "Answer in full, overdue since 2025-10-26 01:45: “the contract”")
        self.assertEqual(got["Chen"], "Answer in full, overdue since 2025-10-26 03:15: “the contract”")


if __name__ == "__main__":
    harness.main()
