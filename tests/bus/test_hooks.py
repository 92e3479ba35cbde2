"""on_start and on_end: the user's commands, run by the daemon with the session in their environment."""
import datetime
import json
import os
import re
import shutil
import signal

import dbus

import harness
from harness import BusTestCase, wait_until

# Writes the hook's PRESENT_* variables, sorted, then renames: the test never reads half a file.
DUMP = ('env | grep -E "^PRESENT_(SESSION_ID|LABEL|UNTIL|MINUTES|END_REASON|ALERTS)=" | sort > "$0.tmp" && '
        'mv "$0.tmp" "$0"')


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds).astimezone().isoformat()


def read_env(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f)


class Hooks(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def out(self, name):
        return os.path.join(self.root, name)

    def log_line(self, pattern):
        """The daemon's log line that matches pattern, once it is there."""
        regex = re.compile(pattern)
        return wait_until(lambda: next((l for l in self.bus.read_log().splitlines() if regex.search(l)), None),
                          what="a log line like %r" % pattern)

    def test_hooks_get_the_session(self):
        self.write_config('on_start = ["sh", "-c", %s, "%s"];\non_end = ["sh", "-c", %s, "%s"];\n' % (
            json.dumps(DUMP), self.out("start"), json.dumps(DUMP), self.out("end")))
        self.ok("start", "25m", "--label", "Acme: review")
        wait_until(lambda: os.path.exists(self.out("start")), what="on_start to run")
        [(label, started, planned, ended, reason)] = self.sessions()
        self.assertEqual(read_env(self.out("start")), {
            "PRESENT_LABEL": "Acme: review", "PRESENT_MINUTES": "25", "PRESENT_SESSION_ID": "1",
            "PRESENT_UNTIL": iso(planned)})
        self.assertFalse(os.path.exists(self.out("end")))
        self.ok("stop")
        wait_until(lambda: os.path.exists(self.out("end")), what="on_end to run")
        self.assertEqual(read_env(self.out("end")), {
            "PRESENT_ALERTS": "0", "PRESENT_END_REASON": "stop", "PRESENT_LABEL": "Acme: review",
            "PRESENT_MINUTES": "25", "PRESENT_SESSION_ID": "1", "PRESENT_UNTIL": iso(planned)})

    def test_doctor_in_a_meeting_changes_nothing(self):
        """`present doctor` reads the file to report on it; the running
        session keeps what it started with (its end's command among it)."""
        hook = 'on_end = ["sh", "-c", "echo %s >> %s"];\n'
        self.write_config(hook % ("first", self.out("ran")))
        self.ok("start", "10m")
        self.write_config(hook % ("second", self.out("ran")))
        self.present("doctor")
        self.ok("stop")
        wait_until(lambda: os.path.exists(self.out("ran")), what="on_end to run")
        with open(self.out("ran")) as f:
            self.assertEqual(f.read(), "first\n")

    def test_end_by_timer_counts_the_alerts(self):
        self.write_config('on_end = ["sh", "-c", %s, "%s"];\n' % (json.dumps(DUMP), self.out("end")))
        self.ok("start", "3s")
        self.notifications().Notify("Signal", 0, "", "Carla", "are you free?", [], {}, -1,
                                    dbus_interface="org.freedesktop.Notifications")
        wait_until(lambda: os.path.exists(self.out("end")), what="on_end to run")
        env = read_env(self.out("end"))
        self.assertEqual((env["PRESENT_END_REASON"], env["PRESENT_ALERTS"], env["PRESENT_MINUTES"]),
                         ("timer", "1", "1"))

    def test_missing_command_is_logged_and_the_session_runs(self):
        self.write_config('on_start = ["/nonexistent/present-hook", "--busy"];\n')
        self.ok("start", "10m", "--label", "Acme")
        line = self.log_line(r"on_start: ")
        self.assertEqual(line, "present-daemon: warning: on_start: cannot run '/nonexistent/present-hook --busy': "
                               "Failed to execute child process \u201c/nonexistent/present-hook\u201d "
                               "(No such file or directory)")
        self.assertEqual(json.loads(self.ok("status", "--json"))["label"], "Acme")
        self.assertRegex(self.ok("stop"), r"^Session ended after ")

    def test_failing_and_killed_commands_are_logged(self):
        self.write_config('on_start = ["sh", "-c", "exit 3"];\non_end = ["sh", "-c", "kill -9 $$"];\n')
        self.ok("start", "10m")
        self.assertEqual(self.log_line(r"on_start: "),
                         "present-daemon: warning: on_start: 'sh -c exit 3' exited with status 3")
        self.ok("stop")
        self.assertEqual(self.log_line(r"on_end: "),
                         "present-daemon: warning: on_end: 'sh -c kill -9 $$' was killed by signal 9 (Killed)")
        # The daemon goes on: another session starts and stops.
        self.ok("start", "10m")
        self.ok("stop")
        # Stop answers once the desktop is back; the record follows.
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop", "stop"], 10, "both sessions recorded as stopped")

    def test_what_a_log_line_quotes_cannot_make_lines_of_its_own(self):
        """A newline in a command's arguments is written as \\x0a: the journal
        gets no line the daemon did not write."""
        self.write_config('on_start = ["sh", "-c", "exit 3", "x\\npresent-daemon: error: forged \\x1b[2J"];\n')
        self.ok("start", "10m")
        self.assertEqual(self.log_line(r"on_start: "),
                         "present-daemon: warning: on_start: 'sh -c exit 3 x\\x0apresent-daemon: error: forged "
                         "\\x1b[2J' exited with status 3")
        self.assertNotIn("\npresent-daemon: error: forged", self.bus.read_log())

    def test_commands_get_sigpipe_as_usual(self):
        """The daemon ignores SIGPIPE (a log's reader gone must not kill it);
        the commands it runs must not inherit that (GLib's spawn sees to it)."""
        self.write_config('on_start = ["sh", "-c", "grep SigIgn /proc/self/status > $0", "%s"];\n' % self.out("ign"))
        self.ok("start", "10m")
        wait_until(lambda: os.path.exists(self.out("ign")) and os.path.getsize(self.out("ign")), what="on_start")
        with open(self.out("ign")) as f:
            ignored = int(f.read().split()[1], 16)
        self.assertFalse(ignored & (1 << (signal.SIGPIPE - 1)), "SIGPIPE ignored in a hook: %x" % ignored)

    def test_a_hook_that_hangs_is_not_waited_on(self):
        # stdin is /dev/null: a hook that reads it ends at once instead of hanging the daemon.
        self.write_config('on_start = ["sh", "-c", "cat; exec sleep 1000"];\n'
                          'on_end = ["sh", "-c", "cat > %s"];\n' % self.out("stdin"))
        self.ok("start", "10m")
        self.assertTrue(json.loads(self.ok("status", "--json"))["active"])
        self.assertRegex(self.ok("stop"), r"^Session ended after ")
        wait_until(lambda: os.path.exists(self.out("stdin")), what="on_end to run")
        with open(self.out("stdin")) as f:
            self.assertEqual(f.read(), "")
        self.assertNotIn("on_start", self.bus.read_log())

    def test_a_notification_from_on_start_is_held(self):
        """on_start runs once do-not-disturb is on and alerts are watched:
        what it sends is held like any other alert, and not shown."""
        self.assertTrue(shutil.which("notify-send"), "the test needs notify-send (libnotify-bin)")
        self.write_config('on_start = ["notify-send", "--app-name=Busy light", "Busy", "in a meeting"];\n')
        self.ok("start", "10m")
        [alert] = wait_until(lambda: json.loads(self.ok("alerts", "--json")), what="the hook's notification held")
        self.assertEqual((alert["app"], alert["summary"], alert["body"], alert["class"], alert["path"]),
                         ("Busy light", "Busy", "in a meeting", "alert", "notify"))
        dunst = self.notifications()
        length = lambda name: dunst.Get("org.dunstproject.cmd0", name, dbus_interface=dbus.PROPERTIES_IFACE)
        wait_until(lambda: length("waitingLength") == 1, what="the paused server to keep it waiting")
        self.assertEqual(length("displayedLength"), 0)
        self.assertNotIn("on_start", self.bus.read_log())

    def test_an_empty_list_is_no_hook(self):
        path = self.write_config("on_start = [];\non_end = [];\n")
        r = self.present("start", "10m")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertRegex(self.ok("stop"), r"^Session ended after ")
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop"], 10, "the session recorded as stopped")
        self.assertNotIn("on_start", self.bus.read_log())
        self.assertNotIn("on_end", self.bus.read_log())
        self.assertEqual([l for l in self.present("doctor").stdout.splitlines() if " configuration: " in l],
                         ["ok       configuration: %s" % path])

    def test_invalid_hooks_are_configuration_errors(self):
        for text, message in (
                ('on_end = "notify-send done";', "'on_end' must be a list of strings, such as [\"a\", \"b\"]"),
                ('on_end = ["notify-send", ""];', "'on_end' entry 2 must be a non-empty string of UTF-8 text"),
                ("on_start = [1, 2];", "'on_start' entry 1 must be a non-empty string of UTF-8 text")):
            path = self.write_config(text + "\n")
            r = self.present("start", "10m")
            self.assertEqual((r.returncode, r.stdout), (78, ""), text)
            self.assertEqual(r.stderr, "present: %s:1: %s\n" % (path, message))
        self.assertEqual(self.sessions(), [])


if __name__ == "__main__":
    harness.main()
