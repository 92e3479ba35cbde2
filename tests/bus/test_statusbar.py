"""present status for status bars: --waybar and --format, read from the daemon's mirror file."""
import fcntl
import json
import os
import re
import signal
import subprocess
import time

import harness
from harness import BusTestCase, wait_until

IDLE_WAYBAR = '{"text": "", "tooltip": "Not in a session", "class": "idle", "alt": "idle"}\n'
ALL = "{state}|{remaining}|{until}|{label}|{alerts}|{owed}|{overdue}"


def hhmm(seconds):
    return time.strftime("%H:%M", time.localtime(seconds))


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


class StatusBar(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    @property
    def mirror(self):
        return self.bus.for_bus("status")

    def ends_at(self):
        with open(self.mirror) as f:
            return int(dict(line.rstrip("\n").split("=", 1) for line in f)["ends_at"])

    def test_idle_without_starting_the_daemon(self):
        self.assertEqual(self.ok("status", "--waybar"), IDLE_WAYBAR)
        self.assertEqual(self.ok("status", "--format", ALL), "idle||||||\n")
        self.assertFalse(self.bus.has_owner())

    def test_waybar_during_a_session(self):
        self.ok("start", "45m", "--label", 'R&D "review" <Q3>')
        until = hhmm(self.ends_at())
        out = self.ok("status", "--waybar")
        self.assertEqual(json.loads(out), {
            "text": "45m",
            "tooltip": 'R&amp;D "review" &lt;Q3&gt;\nPresent until %s (45m left)\n0 alerts held\n0 replies owed'
                       % until,
            "class": "active", "alt": "active"})
        self.assertEqual(out, '{"text": "45m", "tooltip": "R&amp;D \\"review\\" &lt;Q3&gt;\\nPresent until %s '
                              '(45m left)\\n0 alerts held\\n0 replies owed", "class": "active", "alt": "active"}\n'
                         % until)
        self.ok("stop")
        self.assertEqual(self.ok("status", "--waybar"), IDLE_WAYBAR)

    def test_format_during_a_session(self):
        self.ok("start", "90m", "--label", "Acme")
        until = hhmm(self.ends_at())
        self.assertEqual(self.ok("status", "--format", ALL), "active|1h30m|%s|Acme|0|0|0\n" % until)
        self.assertEqual(self.ok("status", "--format", "{{{state}}}\\n{label}"), "{active}\nAcme\n")

    def test_counts_follow_the_session(self):
        """Alerts held and replies owed reach the mirror as they come, and a
        state set from the command line too."""
        from test_capture import App
        self.ok("start", "45m")
        app = App(self)
        app.notify("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"})
        app.notify("NetworkManager", "Connected", "", {"category": "network.connected"})
        wait_until(lambda: self.ok("status", "--format", "{alerts} {owed} {overdue}") == "2 1 0\n", 10,
                   "the mirror to count two alerts and one reply owed")
        self.ok("done", "1")
        self.assertEqual(self.ok("status", "--format", "{alerts} {owed}"), "2 0\n")

    def test_owed_follows_an_updated_alert(self):
        """Evolution shows new mail by updating one alert: another sender's
        mail is another reply owed, though no new alert was held."""
        from test_capture import App
        self.ok("start", "45m")
        app = App(self)
        evolution = {"desktop-entry": "org.gnome.Evolution"}
        first = app.notify("evolution-mail-notification", "New email in Evolution",
                           "You have received 1 new message.\nFrom: Bob\nSubject: Contract", evolution)
        wait_until(lambda: self.ok("status", "--format", "{alerts} {owed}") == "1 1\n", 10, "Bob's mail counted")
        app.notify("evolution-mail-notification", "New email in Evolution",
                   "You have received 2 new messages.\nFrom: Dan\nSubject: Hi", evolution, replaces=first)
        wait_until(lambda: self.ok("status", "--format", "{alerts} {owed}") == "1 2\n", 10, "Dan's mail counted")

    def test_status_does_not_use_the_bus(self):
        self.ok("start", "45m", "--label", "Acme")
        # A bus that answers nobody: only the mirror can answer. (Its address
        # stays: it names the mirror, which is this bus's alone.)
        os.kill(self.bus.process.pid, signal.SIGSTOP)
        try:
            out = self.ok("status", "--format", "{state} {label}", timeout=10)
        finally:
            os.kill(self.bus.process.pid, signal.SIGCONT)
        self.assertEqual(out, "active Acme\n")

    def test_owed_and_overdue_from_the_mirror(self):
        now = int(time.time())
        os.makedirs(os.path.dirname(self.mirror), mode=0o700, exist_ok=True)
        with open(self.mirror, "w") as f:
            f.write("pid=1\nid=7\nstarted_at=%d\nends_at=%d\nalerts=4\nlabel=Acme\nowed=3\n"
                    "due=%d\ndue=%d\ndue=%d\n" % (now, now + 600, (now - 60) * 1000, (now + 3600) * 1000,
                                                 (now - 5) * 1000))
        # The writer holds the file locked while it lives; here the test is the writer.
        holder = open(self.mirror)
        fcntl.flock(holder, fcntl.LOCK_EX)
        try:
            self.assertEqual(self.ok("status", "--format", "{alerts} {owed} {overdue}"), "4 3 2\n")
            self.assertEqual(json.loads(self.ok("status", "--waybar"))["tooltip"],
                             "Acme\nPresent until %s (10m left)\n4 alerts held\n3 replies owed, 2 overdue"
                             % hhmm(now + 600))
        finally:
            holder.close()
        # Nobody holds it: whoever wrote it is gone, and so is the session.
        self.assertEqual(self.ok("status", "--format", ALL), "idle||||||\n")
        self.assertEqual(self.ok("status"), "Not in a session.\n")

    def test_killed_daemon_is_not_shown_while_a_zombie(self):
        # The daemon as our own child: killed, it stays a zombie until we reap it.
        daemon = subprocess.Popen([os.environ["PRESENT_DAEMON"]], env=self.bus.env, stdout=self.bus.log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_until(self.bus.has_owner, what="the daemon on the bus")
            self.ok("start", "45m", "--label", "Acme")
            self.assertEqual(self.ok("status", "--format", "{state} {label}"), "active Acme\n")
            daemon.send_signal(signal.SIGKILL)
            wait_until(lambda: proc_state(daemon.pid) == "Z", what="the daemon to be a zombie")
            self.assertTrue(os.path.exists(self.mirror), "the killed daemon left its file")
            self.assertEqual(self.ok("status", "--format", "{state} {label}"), "idle \n")
            self.assertEqual(self.ok("status"), "Not in a session.\n")
            self.assertEqual(self.ok("status", "--waybar"), IDLE_WAYBAR)
        finally:
            daemon.kill()
            daemon.wait()

    def test_bad_format_is_a_usage_error(self):
        for fmt, message in (
                ("{state} {nope}", "present: the format has an unknown placeholder '{nope}' (known: {state} "
                                   "{remaining} {until} {label} {alerts} {owed} {overdue})"),
                ("{state", "present: the format has a '{' that no '}' closes (write '{{' for a '{')"),
                ("state}", "present: the format has a '}' that no '{' opens (write '}}' for a '}')")):
            r = self.present("status", "--format", fmt)
            self.assertEqual((r.returncode, r.stdout), (2, ""))
            self.assertEqual(r.stderr, message + "\nUsage: present status [--json|--waybar|--format FORMAT]\n")
        r = self.present("status", "--waybar", "--json")
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertEqual(r.stderr.splitlines()[0],
                         "present: '--json', '--waybar' and '--format' each choose the output: give one")
        r = self.present("status", "--format")
        self.assertEqual((r.returncode, r.stderr.splitlines()[0]), (2, "present: '--format' needs a value"))
        self.assertFalse(self.bus.has_owner())


class TwoLogins(BusTestCase):
    """The same user logged in twice, two session buses sharing one runtime
    directory and one store (a remote desktop beside the local one): each
    bus's status is its own session's."""

    def setUp(self):
        super().setUp()
        here = self.bus.env
        self.other = harness.PrivateBus(os.path.join(self.root, "login2"),
                                        dirs={k: here[k] for k in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME")})
        self.addCleanup(self.other.close)

    def elsewhere(self, *args):
        """present run on the other bus."""
        here, self.bus = self.bus, self.other
        try:
            return self.ok(*args)
        finally:
            self.bus = here

    def test_each_bus_shows_its_own_session(self):
        self.elsewhere("start", "10m", "--label", "elsewhere")
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertEqual(self.ok("status", "--format", ALL), "idle||||||\n")
        self.assertEqual(self.ok("status", "--waybar"), IDLE_WAYBAR)
        self.assertFalse(self.bus.has_owner(), "status must not start a daemon")
        self.ok("start", "5m", "--label", "here")
        self.assertEqual(self.ok("status", "--format", "{state} {label}"), "active here\n")
        # The same bus, its address given without the guid (as a terminal may have it).
        self.assertIn(",guid=", self.bus.address)
        bare = re.sub(r",guid=[^,;]*", "", self.bus.address)
        self.assertEqual(self.ok("status", "--format", "{state} {label}", env={"DBUS_SESSION_BUS_ADDRESS": bare}),
                         "active here\n")
        self.assertEqual(self.elsewhere("status", "--format", "{state} {label}"), "active elsewhere\n")
        self.assertNotEqual(self.bus.for_bus("status"), self.other.for_bus("status"))
        self.ok("stop")
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertEqual(self.elsewhere("status", "--format", "{state} {label}"), "active elsewhere\n")

    def test_a_daemon_dead_on_the_other_bus_is_not_this_ones_to_restore(self):
        self.elsewhere("start", "10m", "--label", "elsewhere")
        os.kill(self.other.pid_of(), signal.SIGKILL)
        wait_until(lambda: not self.other.has_owner(), what="the other daemon to go")
        # Its file says it died in a session: the other bus's status takes that over, not this one's.
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertFalse(self.bus.has_owner(), "status must not start a daemon for another bus's session")
        self.assertEqual(self.elsewhere("status"), "Not in a session.\n")
        self.assertTrue(self.other.has_owner(), "the other bus's status starts its daemon, which ends the session")


if __name__ == "__main__":
    harness.main()
