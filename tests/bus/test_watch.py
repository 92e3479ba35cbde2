"""present watch: a status line now and on every change, from the daemon's signals."""
import json
import os
import signal
import subprocess

import dbus

import harness
from harness import CLI, BusTestCase, Watcher, wait_until

FORMAT = "{state}|{remaining}|{label}|{alerts}"


class Watch(BusTestCase):
    def setUp(self):
        super().setUp()
        self.mock = self.start_mock("dnd_servers", server="dunst")

    def test_follows_start_extend_stop_without_starting_the_daemon(self):
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        self.assertFalse(self.bus.has_owner(), "watching must not start the daemon")
        self.ok("start", "45m", "--label", "Acme review")
        self.assertEqual(w.line(), "active|45m|Acme review|0")
        self.ok("extend", "15m")
        self.assertEqual(w.line(), "active|1h|Acme review|0")
        self.ok("stop")
        self.assertEqual(w.line(), "idle|||")
        # The daemon leaves when idle: nothing changed, so nothing to print.
        self.call("GetStatus")
        self.assertTrue(self.nothing_printed(w))
        w.process.send_signal(signal.SIGTERM)
        self.assertEqual(w.process.wait(timeout=10), 0)
        self.assertEqual(w.process.stdout.read(), b"")
        self.assertEqual(w.process.stderr.read(), b"")

    def nothing_printed(self, w):
        # A round trip to the bus after the last change: its signals, if any, have been sent by now.
        self.bus.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(
            dbus_interface="org.freedesktop.DBus")
        return w.nothing_pending()

    def test_joins_a_running_session(self):
        self.ok("start", "30m", "--label", "Board")
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "active|30m|Board|0")

    def test_daemon_that_dies_ends_the_session_shown(self):
        self.ok("start", "30m")
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "active|30m||0")
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        self.assertEqual(w.line(), "idle|||")
        # And a new daemon is followed too.
        self.ok("start", "10m", "--label", "again")
        self.assertEqual(w.line(), "active|10m|again|0")

    def paused(self):
        dunst = self.bus.connection.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
        return bool(dunst.Get("org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_a_daemon_that_dies_in_a_session_is_replaced_to_put_it_back(self):
        # No systemd to restore after the death (a window manager started
        # with dbus-run-session): the bar is all the user sees, and idle
        # while dunst stays paused would hide the silence for good.
        self.ok("start", "30m")
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "active|30m||0")
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        self.assertEqual(w.line(), "idle|||")
        self.assertFalse(self.paused(), "the silence the dead daemon left must be put back")
        self.assertEqual(self.sessions()[-1][4], "interrupted")
        self.assertTrue(self.nothing_printed(w))

    def test_a_watch_started_after_a_daemon_died_in_a_session_puts_it_back(self):
        self.ok("start", "30m")
        self.kill_daemon()
        self.assertTrue(self.paused())
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        self.assertFalse(self.paused())

    def test_a_daemon_that_dies_idle_is_not_replaced(self):
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        self.call("GetStatus")
        self.kill_daemon()
        self.assertTrue(self.nothing_printed(w))
        self.assertFalse(self.bus.has_owner(), "nothing was left to put back: no daemon to start")

    def test_minutes_left_follow_the_clock(self):
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        self.ok("start", "62s")
        self.assertEqual(w.line(), "active|2m||0")
        # At 60 s left the line says 1m, with no signal from the daemon.
        self.assertEqual(w.line(timeout=10), "active|1m||0")
        self.ok("stop")
        self.assertEqual(w.line(), "idle|||")

    def test_plain_lines_change_with_the_minute_they_show(self):
        """The plain line says the minutes left as the bars do, rounded up: a
        line is printed as the minute changes, and never says the same twice."""
        w = Watcher(self)
        self.assertEqual(w.line(), "Not in a session.")
        self.ok("start", "605s")
        self.assertRegex(w.line(), r" · 11 min left · ")
        self.assertRegex(w.line(timeout=15), r" · 10 min left · ")
        self.assertRegex(self.ok("status"), r" · 10 min left · ")

    def test_a_session_that_runs_out_goes_straight_to_idle(self):
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        self.ok("start", "2s")
        self.assertEqual(w.line(), "active|1m||0")
        # Its end is the daemon's to say; no line still active with nothing left before it.
        self.assertEqual(w.line(timeout=10), "idle|||")

    def test_waybar_and_json(self):
        w = Watcher(self, "--waybar")
        self.assertEqual(w.line(), '{"text": "", "tooltip": "Not in a session", "class": "idle", "alt": "idle"}')
        self.ok("start", "20m", "--label", "A&B")
        self.assertEqual(json.loads(w.line())["text"], "20m")
        j = Watcher(self, "--json")
        status = json.loads(j.line())
        self.assertEqual((status["active"], status["label"]), (True, "A&B"))
        self.ok("stop")
        self.assertFalse(json.loads(j.line())["active"])
        self.assertEqual(json.loads(w.line())["class"], "idle")

    def test_a_new_servers_do_not_disturb_is_a_change(self):
        """The server replaced in a session: the session says what the new one's
        do-not-disturb is, and the line that shows it is printed again."""
        self.ok("start", "20m")
        j = Watcher(self, "--json")
        self.assertEqual(json.loads(j.line())["dnd"]["state"], "on")
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", server="dunst", refuse_on="refused")
        # The old server gone, lines may say so first (no do-not-disturb to show).
        for _ in range(5):
            dnd = json.loads(j.line())["dnd"]
            if dnd and dnd["state"] != "on":
                break
        self.assertEqual(dnd["state"], "failed")
        self.assertTrue(dnd["note"].endswith("do-not-disturb refused by the test"), dnd["note"])

    def test_ends_when_the_reader_goes(self):
        w = Watcher(self, "--format", FORMAT)
        self.assertEqual(w.line(), "idle|||")
        w.process.stdout.close()
        # Noticed without anything to print: the pipe's end is enough.
        self.assertEqual(w.process.wait(timeout=10), 0)
        self.assertEqual(w.process.stderr.read(), b"")
        w.process.stdout = open(os.devnull, "rb")

    def test_a_reader_gone_before_the_first_line_is_a_normal_end(self):
        # The write fails (EPIPE) before any poll could tell: the same end, quietly.
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            r = subprocess.run(harness.valgrind.wrap([harness.CLI, "watch"], self.root), env=self.bus.env,
                               stdout=write_end, stderr=subprocess.PIPE, timeout=10 * harness.valgrind.slower)
        finally:
            os.close(write_end)
        self.assertEqual((r.returncode, r.stderr), (0, b""))

    def test_sigint_ends_it_cleanly(self):
        w = Watcher(self)
        self.assertEqual(w.line(), "Not in a session.")
        w.process.send_signal(signal.SIGINT)
        self.assertEqual(w.process.wait(timeout=10), 0)

    def test_bad_format_is_a_usage_error(self):
        r = self.present("watch", "--format", "{remainig}")
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertEqual(r.stderr, "present: the format has an unknown placeholder '{remainig}' (known: {state} "
                                   "{remaining} {until} {label} {alerts} {owed} {overdue})\n"
                                   "Usage: present watch [--json|--waybar|--format FORMAT]\n")


if __name__ == "__main__":
    harness.main()
