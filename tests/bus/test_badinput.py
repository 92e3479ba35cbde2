"""Bad input, refused plainly and changing nothing.

Every verb of the CLI with arguments missing, extra, malformed or out of
range: one line naming the problem (and a usage line), the documented exit
code (README: 2 for the command line, 1 for what could not be done), and
nothing changed: no daemon started, no session, do-not-disturb untouched, no
store written. A table of broken configuration files: `path:line: message`
and exit 78 from the CLI, the same message as a dev.present.Error.Config
from the daemon, which keeps running; a SIGHUP with a broken file keeps the
configuration in use. The daemon's methods called with wrong arguments
answer errors and keep serving.
"""
import json
import os
import re
import signal
import sqlite3
import time

import dbus

import harness
from harness import INTERFACE, BusTestCase, wait_until

DUNST = "org.dunstproject.cmd0"

# (argv, exit code, what the first line of stderr must contain)
COMMAND_LINES = [
    # start and toggle
    (["start", "abc"], 2, "'abc' is not a duration (try 60, 45m, 90s, 1h30)"),
    (["start", "0"], 2, "'0' is out of range: a session lasts more than 0 and at most 24h"),
    (["start", "24h1s"], 2, "'24h1s' is out of range"),
    (["start", "99999999999999999999"], 2, "'99999999999999999999' is out of range"),
    (["start", "99999999999x"], 2, "'99999999999x' is not a duration"),
    (["start", "-5"], 2, "'-5' is not a duration"),
    (["start", "--", "-5m"], 2, "'-5m' is not a duration"),
    (["start", ""], 2, "'' is not a duration"),
    (["start", "1h 30"], 2, "'1h 30' is not a duration"),
    (["start", "١٠"], 2, "'١٠' is not a duration"),
    (["start", "10", "20"], 2, "'20' is one argument too many for 'start'"),
    (["start", "--label"], 2, "'--label' needs a value"),
    (["start", "-l"], 2, "'-l' needs a value"),
    (["start", "--label", "x" * 201], 2, "the label is longer than 200 bytes"),
    (["start", "--label=" + "é" * 101], 2, "the label is longer than 200 bytes"),
    (["start", "--json"], 2, "'start' takes no option '--json'"),
    (["start", "--quiet=yes"], 2, "'--quiet' takes no value"),
    (["start", "-x"], 2, "unknown option '-x'"),
    (["start", "--" + "l" * 100], 2, "'start' takes no option '--" + "l" * 100 + "'"),
    (["toggle", "1.5h"], 2, "'1.5h' is not a duration"),
    (["toggle", "5", "--label"], 2, "'--label' needs a value"),
    # stop, status, restore, doctor, help: nothing to give
    (["stop", "now"], 2, "'now' is one argument too many for 'stop'"),
    (["stop", "--json"], 2, "'stop' takes no option '--json'"),
    (["status", "x"], 2, "'x' is one argument too many for 'status'"),
    (["status", "--json=yes"], 2, "'--json' takes no value"),
    (["status", "--label", "x"], 2, "'status' takes no option '--label'"),
    (["restore", "all"], 2, "'all' is one argument too many for 'restore'"),
    (["doctor", "--json"], 2, "'doctor' takes no option '--json'"),
    (["help", "start", "stop"], 2, "'stop' is one argument too many for 'help'"),
    (["help", "nosuchverb"], 2, "unknown verb 'nosuchverb'"),
    # extend
    (["extend"], 2, "'extend' needs DURATION"),
    (["extend", "0"], 2, "'0' is out of range"),
    (["extend", "soon"], 2, "'soon' is not a duration"),
    (["extend", "5", "5"], 2, "'5' is one argument too many for 'extend'"),
    (["extend", "10"], 1, "no session is running to extend; 'present start' begins one"),
    # alerts, history, catchup, owed
    (["alerts", "--session"], 2, "'--session' needs a value"),
    (["alerts", "--session", "x"], 2, "'x' is not a session number"),
    (["alerts", "--session", "0"], 2, "'0' is not a session number"),
    (["alerts", "--session", "-3"], 2, "'-3' is not a session number"),
    (["alerts", "--session", "+3"], 2, "'+3' is not a session number"),
    (["alerts", "--session", " 3"], 2, "' 3' is not a session number"),
    (["alerts", "--session", "99999999999999999999"], 2, "'99999999999999999999' is not a session number"),
    (["alerts", "--session", "1", "--last"], 2, "'--session' and '--last' name different sessions: give one"),
    (["alerts", "3"], 2, "'3' is one argument too many for 'alerts'"),
    (["history", "--all"], 2, "'history' takes no option '--all'"),
    (["history", "5"], 2, "'5' is one argument too many for 'history'"),
    (["catchup", "now"], 2, "'now' is one argument too many for 'catchup'"),
    (["catchup", "--last"], 2, "'catchup' takes no option '--last'"),
    (["owed", "3"], 2, "'3' is one argument too many for 'owed'"),
    (["owed", "--session", "1"], 2, "'owed' takes no option '--session'"),
    # ack, done, dismiss, snooze
    (["ack"], 2, "'ack' needs ID"),
    (["done", "x"], 2, "'x' is not the number of a response owed ('present owed' lists them)"),
    (["dismiss", "0"], 2, "'0' is not the number of a response owed"),
    (["ack", "#"], 2, "'#' is not the number of a response owed"),
    (["ack", "+5"], 2, "'+5' is not the number of a response owed"),
    (["ack", " 5"], 2, "' 5' is not the number of a response owed"),
    (["ack", "5x"], 2, "'5x' is not the number of a response owed"),
    (["ack", "18446744073709551616"], 2, "'18446744073709551616' is not the number of a response owed"),
    (["ack", "1", "2"], 2, "'2' is one argument too many for 'ack'"),
    (["snooze", "3"], 2, "'snooze' needs ID DURATION"),
    (["snooze", "x", "1h"], 2, "'x' is not the number of a response owed"),
    (["snooze", "3", "0"], 2, "'0' is out of range: a snooze lasts more than 0 and at most 24h"),
    (["snooze", "3", "25h"], 2, "'25h' is out of range"),
    (["snooze", "3", "later"], 2, "'later' is not a duration"),
    (["ack", "99"], 1, "there is no response owed #99"),
    (["snooze", "99", "1h"], 1, "there is no response owed #99"),
    # no verb, or an unknown one
    (["frobnicate"], 2, "unknown verb 'frobnicate'"),
    ([""], 2, "unknown verb ''"),
    (["START"], 2, "unknown verb 'START'"),
]


class CommandLine(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def dnd(self):
        return bool(self.notifications().Get(DUNST, "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_every_verb_refuses_bad_arguments(self):
        for argv, code, message in COMMAND_LINES:
            with self.subTest(argv=argv):
                r = self.present(*argv)
                self.assertEqual(r.returncode, code, "%s: %r" % (argv, r.stderr))
                self.assertEqual(r.stdout, "", argv)
                lines = r.stderr.splitlines()
                self.assertTrue(lines and lines[0].startswith("present: "), (argv, r.stderr))
                self.assertIn(message, lines[0], argv)
                # The problem, then at most a usage line.
                self.assertLessEqual(len(lines), 2, (argv, r.stderr))
                if len(lines) == 2:
                    self.assertRegex(lines[1], r"^(Usage: present |Try 'present --help')", argv)
        # Nothing changed: no daemon started, no session, the desktop as it was, no store.
        self.assertFalse(self.bus.has_owner())
        self.assertFalse(self.dnd())
        self.assertFalse(os.path.exists(self.store_path), "a refused command wrote the store")

    def test_no_arguments_at_all(self):
        r = self.present()
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertTrue(r.stderr.startswith("Usage: present VERB [ARGS]\n"))

    def test_refusals_while_a_session_runs_change_nothing(self):
        self.ok("start", "10m", "--label", "kept")
        before = json.loads(self.ok("status", "--json"))
        for argv, code, message in (
                (["start", "10"], 1, "a session is already running until "),
                (["extend", "24h"], 1, "a session can last at most 24 hours from now"),
                (["extend", "abc"], 2, "'abc' is not a duration"),
                (["toggle", "abc"], 2, "'abc' is not a duration"),
                (["stop", "x"], 2, "one argument too many")):
            r = self.present(*argv)
            self.assertEqual(r.returncode, code, (argv, r.stderr))
            self.assertIn(message, r.stderr.splitlines()[0], argv)
        after = json.loads(self.ok("status", "--json"))
        self.assertEqual((after["ends_at"], after["label"], after["active"]), (before["ends_at"], "kept", True))
        self.assertEqual(len(self.sessions()), 1)
        self.assertTrue(self.dnd())


# (file content, what the message says after the path; None: loads, with this warning or none)
CONFIGS = [
    # syntax
    ("session = { default_duration = ; };\n", ":1: syntax error"),
    ('session = { default_duration = "45m; };\n', ":1: syntax error (the file ends inside the string begun here)"),
    ("session = {\n", ":2: syntax error"),
    ("\x01\x02\x03 binary garbage \x7f\n", ":1: syntax error"),
    ("daemon = { idle_exit = 5; idle_exit = 6; };\n",
     ":1: duplicate setting 'daemon.idle_exit' (first at {path}:1)\n"),
    ("session = {\n  default_duration = 30;\n};\nsession = { };\n",
     ":4: duplicate setting 'session' (first at {path}:1)\n"),
    ("mail_apps = [\"a\", ];\n", ":1: syntax error"),
    # wrong types
    ("\n\nsession = {\n default_duration = true;\n};\n", ":4: 'session.default_duration' must be a duration"),
    ("session = { default_duration = 1.5; };\n", ":1: 'session.default_duration' must be a duration"),
    ('session = { default_duration = ["45m"]; };\n', ":1: 'session.default_duration' must be a duration"),
    ('session = { default_duration = "soon"; };\n',
     ":1: 'session.default_duration' must be a duration such as \"45m\", \"1h30\" or a number of minutes, not "
     "\"soon\""),
    ('daemon = { idle_exit = "60"; };\n', ":1: 'daemon.idle_exit' must be a whole number"),
    ("daemon = { idle_exit = 1.5; };\n", ":1: 'daemon.idle_exit' must be a whole number"),
    ("dnd = { backend = 3; };\n", ":1: 'dnd.backend' must be one of: auto none gnome kde xfce dunst mako swaync "
                                  "cinnamon mate budgie elementary"),
    ('dnd = { backend = "windows"; };\n', ":1: 'dnd.backend' must be one of:"),
    ('mail_apps = "thunderbird";\n', ":1: 'mail_apps' must be a list of strings, such as [\"a\", \"b\"]"),
    ('mail_apps = { a = "b"; };\n', ":1: 'mail_apps' must be a list of strings"),
    ("mail_apps = [1];\n", ":1: 'mail_apps' entry 1 must be a non-empty string"),
    ('people_apps = ("a", 5);\n', ":1: 'people_apps' entry 2 must be a non-empty string"),
    ('ignore_apps = [""];\n', ":1: 'ignore_apps' entry 1 must be a non-empty string"),
    ("owed = { ack_within = true; };\n", ":1: 'owed.ack_within' must be a duration"),
    ("owed = { ack_template = 5; };\n", ":1: 'owed.ack_template' must be a string of 1 to 1000 bytes"),
    ("replay = { mode = 1; };\n", ":1: 'replay.mode' must be one of: summary each none"),
    ('replay = { review_command = "x-terminal-emulator"; };\n', ":1: 'replay.review_command' must be a list"),
    ("session = 5;\n", ":1: 'session' must be a group, such as session = { ... };"),
    ('owed = ["30m"];\n', ":1: 'owed' must be a group"),
    # out of range
    ('session = { default_duration = "25h"; };\n', ":1: 'session.default_duration' is out of range (more than 0, "
                                                 "at most 24h)"),
    ("session = { default_duration = 0; };\n", ":1: 'session.default_duration' is out of range"),
    ("session = { default_duration = -5; };\n", ":1: 'session.default_duration' is out of range"),
    ("session = { default_duration = 1441; };\n", ":1: 'session.default_duration' is out of range"),
    ("session = { default_duration = 9223372036854775807L; };\n", ":1: 'session.default_duration' is out of range"),
    ('session = { default_duration = "99999999999x"; };\n', ":1: 'session.default_duration' must be a duration"),
    ("daemon = { idle_exit = 0; };\n", ":1: 'daemon.idle_exit' is out of range (1 to 86400)"),
    ("daemon = { idle_exit = 86401; };\n", ":1: 'daemon.idle_exit' is out of range (1 to 86400)"),
    ("mail_apps = [%s];\n" % ", ".join('"a%d"' % i for i in range(65)), ":1: 'mail_apps' has more than 64 entries"),
    ('owed = { ack_template = ""; };\n', ":1: 'owed.ack_template' must be a string of 1 to 1000 bytes"),
    ('owed = { ack_template = "%s"; };\n' % ("x" * 1001), ":1: 'owed.ack_template' must be a string of 1 to 1000"),
    ('owed = { remind_ack_before = "24h1s"; };\n', ":1: 'owed.remind_ack_before' is out of range"),
    ('owed = {\n  ack_within = "3h";\n  answer_within = "2h";\n};\n',
     ":2: 'owed.ack_within' (3 h) is later than 'owed.answer_within' (2 h, at {path}:3): a response is "
     "acknowledged before it is answered in full\n"),
    ("owed = { answer_within = 90; };\n", ":1: 'owed.answer_within' (1 h 30 min) is earlier than "
                                          "'owed.ack_within' (2 h, its default): a response is acknowledged before "
                                          "it is answered in full\n"),
    # text that is not text: the message stays one printable line
    (b'owed = { ack_template = "caf\xe9"; };\n', ":1: 'owed.ack_template' is not UTF-8 text"),
    (b'mail_apps = ["\xc3"];\n', ":1: 'mail_apps' entry 1 must be a non-empty string of UTF-8 text"),
    (b'session = { default_duration = "\xff\xfe"; };\n', ":1: 'session.default_duration' must be a duration such "
                                                      "as \"45m\", \"1h30\" or a number of minutes, not \"??\""),
    ('session = { default_duration = "\\x1b]0;title\\x07\\x1b[2J"; };\n',
     ":1: 'session.default_duration' must be a duration such as \"45m\", \"1h30\" or a number of minutes, not "
     "\"?]0;title??[2J\""),
    ('session = { default_duration = "x%s"; };\n' % ("é" * 400),
     ":1: 'session.default_duration' must be a duration such as \"45m\", \"1h30\" or a number of minutes, not "
     "\"x%s...\"" % ("é" * 19)),
    # what loads: unknown keys are warned about, an empty file is the defaults
    ("session = {\n  default_duraton = 30;\n};\n", None),
    ("\n", None),
    ("# comments only\n" * 100000, None),
    ('session = {\n default_duration = "45m"\n};\n', None),
    ("on_start = [];\non_end = [];\nreplay = { review_command = []; };\n", None),
]


class Configuration(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")
        self.path = self.write_config("")

    def write(self, content):
        with open(self.path, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)

    def daemon_start_error(self):
        with self.assertRaises(dbus.DBusException) as e:
            self.call("Start", dbus.UInt32(0), "")
        return e.exception.get_dbus_name(), str(e.exception.get_dbus_message())

    def test_broken_files(self):
        self.call("GetStatus")
        pid = self.bus.pid_of()
        for content, message in CONFIGS:
            with self.subTest(content=content[:60]):
                self.write(content)
                r = self.present("start", "10m")
                if message is None:
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertRegex(r.stderr, r"^(present: warning: %s:\d+: unknown key '[a-z_.]+' ignored\n)*$"
                                     % re.escape(self.path))
                    self.ok("stop")
                    continue
                self.assertEqual((r.returncode, r.stdout), (78, ""), r.stderr)
                # {path}: the file named again, as a duplicate's message names its first setting.
                self.assertTrue(r.stderr.startswith("present: " + self.path + message.replace("{path}", self.path)),
                                r.stderr)
                # One line, printable: no control characters from the file reach the terminal.
                self.assertTrue(r.stderr.endswith("\n") and r.stderr[:-1].isprintable(), repr(r.stderr))
                # The daemon says the same, and stays.
                name, text = self.daemon_start_error()
                self.assertEqual(name, "dev.present.Error.Config")
                self.assertEqual("present: " + text + "\n", r.stderr)
                self.assertEqual(self.bus.pid_of(), pid, "the daemon died on this file")
                # doctor names it too.
                d = self.present("doctor")
                self.assertEqual(d.returncode, 1)
                self.assertIn("FAIL     configuration: " + text + "\n", d.stdout)
        self.assertEqual(len(self.sessions()), sum(1 for _, m in CONFIGS if m is None))
        self.assertFalse(self.call("GetStatus")["active"])

    def test_not_a_file(self):
        os.remove(self.path)
        cases = [("a directory", lambda: os.mkdir(self.path), ": is a directory, not a configuration file"),
                 ("a FIFO", lambda: os.mkfifo(self.path), ": is not a regular file, so not a configuration file"),
                 ("a device", lambda: os.symlink("/dev/zero", self.path),
                  ": is not a regular file, so not a configuration file")]
        for what, make, message in cases:
            with self.subTest(what=what):
                make()
                r = self.present("start", "10m", timeout=10)
                self.assertEqual((r.returncode, r.stderr), (78, "present: %s%s\n" % (self.path, message)))
                name, text = self.daemon_start_error()
                self.assertEqual((name, text), ("dev.present.Error.Config", self.path + message))
                (os.rmdir if what == "a directory" else os.remove)(self.path)
        self.assertEqual(self.sessions(), [])

    def test_a_path_that_cannot_be_opened(self):
        # Works as root, unlike mode 000. The daemon's environment names the file that counts.
        blocker = os.path.join(self.root, "not-a-dir")
        open(blocker, "w").close()
        self.set_activation_env(XDG_CONFIG_HOME=blocker)
        r = self.present("start")
        self.assertEqual((r.returncode, r.stderr),
                         (78, "present: %s/present/present.conf: cannot read: Not a directory\n" % blocker))
        self.assertEqual(self.sessions(), [])

    def test_include_names_the_file_at_fault(self):
        included = os.path.join(self.root, "included.conf")
        with open(included, "w") as f:
            f.write('\n\ndefault_duration = "soon";\n')
        self.write('session = {\n@include "%s"\n};\n' % included)
        r = self.present("start")
        self.assertEqual(r.returncode, 78)
        self.assertTrue(r.stderr.startswith("present: %s:3: 'session.default_duration' must be a duration"
                                            % included), r.stderr)
        with open(included, "w") as f:
            f.write("\n\n\ndefault_duration = ;\n")
        r = self.present("start")
        self.assertEqual((r.returncode, r.stderr), (78, "present: %s:4: syntax error\n" % included))
        missing = os.path.join(self.root, "missing.conf")
        self.write('a = 1;\n@include "%s"\n' % missing)
        r = self.present("start")
        self.assertEqual((r.returncode, r.stderr),
                         (78, 'present: %s:2: @include "%s": cannot read: No such file or directory\n'
                          % (self.path, missing)))
        # libconfig alone would exit the process on a directory, with a message of flex's own.
        self.write('a = 1;\n@include "%s"\n' % self.root)
        r = self.present("start")
        self.assertEqual((r.returncode, r.stderr),
                         (78, 'present: %s:2: @include "%s": is a directory, not a configuration file\n'
                          % (self.path, self.root)))
        # The daemon reads it at every start: it must refuse it, and live on.
        name, text = self.daemon_start_error()
        self.assertEqual((name, text), ("dev.present.Error.Config", r.stderr[len("present: "):-1]))
        self.assertFalse(self.call("GetStatus")["active"])
        self.assertEqual(self.sessions(), [])


class Reload(BusTestCase):
    """SIGHUP: a good file applies, a broken one leaves the configuration in use.
    idle_exit shows which is in use: the daemon leaves after it, from the last call."""

    def hup(self, before, after, said):
        """A daemon started with the file before, told to read it again once
        it says after; waits for the log to say said. Returns (pid, path)."""
        self.write_config(before)
        self.call("GetStatus")
        pid = self.bus.pid_of()
        path = self.write_config(after)
        os.kill(pid, signal.SIGHUP)
        wait_until(lambda: said in self.bus.read_log(), 5, "the daemon to say %r" % said)
        return pid, path

    def test_broken_file_keeps_the_configuration_in_use(self):
        _, path = self.hup("daemon = { idle_exit = 2; };\n", "daemon = { idle_exit = ; };\n",
                           "(keeping the configuration in use)")
        self.assertIn("present-daemon: error: %s:1: syntax error (keeping the configuration in use)" % path,
                      self.bus.read_log())
        self.call("GetStatus")  # the idle time starts again; 2 s, as kept (the defaults would say 60)
        self.wait_daemon_gone(8)

    def test_good_file_applies(self):
        pid, _ = self.hup("daemon = { idle_exit = 1; };\n", "daemon = { idle_exit = 3600; };\nunknown = 1;\n",
                          "configuration reloaded")
        self.assertIn(":2: unknown key 'unknown' ignored", self.bus.read_log())
        self.call("GetStatus")
        time.sleep(2.5)  # longer than the old idle_exit: it must stay
        self.assertEqual(self.bus.pid_of(), pid)

    def test_a_new_idle_exit_applies_to_the_wait_under_way(self):
        self.hup("daemon = { idle_exit = 60; };\n", "daemon = { idle_exit = 1; };\n", "configuration reloaded")
        self.wait_daemon_gone(8)  # with no call since: the wait for 60 s is not kept


class Methods(BusTestCase):
    """The daemon's interface, called wrongly: an error each time, and it keeps serving."""

    def test_wrong_calls(self):
        pid = (self.call("GetStatus"), self.bus.pid_of())[1]
        daemon = self.daemon()

        def error_of(method, *args, **kwargs):
            with self.assertRaises(dbus.DBusException) as e:
                getattr(daemon, method)(*args, dbus_interface=kwargs.pop("interface", INTERFACE), **kwargs)
            return e.exception.get_dbus_name()

        invalid = "org.freedesktop.DBus.Error.InvalidArgs"
        for method, args, kwargs, error in (
                ("Start", (dbus.UInt32(0xFFFFFFFF), ""), {}, invalid),
                ("Start", (dbus.UInt32(86401), ""), {}, invalid),
                ("Start", ("sixty",), {"signature": "s"}, invalid),
                ("Start", (), {"signature": ""}, invalid),
                ("Toggle", (dbus.UInt32(86401), "x"), {}, invalid),
                ("Start", (dbus.UInt32(600), "é" * 100 + "x"), {}, invalid),
                ("Toggle", (dbus.UInt32(600), "x" * 201), {}, invalid),
                ("Extend", (dbus.UInt32(60),), {}, "dev.present.Error.NotActive"),
                ("Extend", (dbus.Int32(-5),), {"signature": "i"}, invalid),
                ("Stop", (dbus.Boolean(True),), {"signature": "b"}, invalid),
                ("GetStatus", ("x",), {"signature": "s"}, invalid),
                ("SetOwedState", (dbus.UInt64(1), "forgotten"), {}, invalid),
                ("SetOwedState", (dbus.UInt64(1), ""), {}, invalid),
                ("SetOwedState", (dbus.UInt64(0xFFFFFFFFFFFFFFFF), "answered"), {}, "dev.present.Error.NoSuchItem"),
                ("Acknowledge", (dbus.UInt64(1),), {"signature": "t"}, invalid),
                ("Acknowledge", (dbus.UInt64(1), "x" * 65537), {}, invalid),
                ("Acknowledge", (dbus.UInt64(1), "Thanks"), {}, "dev.present.Error.NoSuchItem"),
                ("Snooze", (dbus.UInt64(1), dbus.UInt32(0)), {}, invalid),
                ("Snooze", (dbus.UInt64(1), dbus.UInt32(86401)), {}, invalid),
                ("Snooze", (dbus.UInt64(1), dbus.UInt32(60)), {}, "dev.present.Error.NoSuchItem"),
                ("Frobnicate", (), {}, "org.freedesktop.DBus.Error.UnknownMethod"),
                ("Get", (INTERFACE, "Nope"), {"interface": dbus.PROPERTIES_IFACE},
                 "org.freedesktop.DBus.Error.UnknownProperty"),
                ("Get", ("org.example.Other", "Active"), {"interface": dbus.PROPERTIES_IFACE},
                 "org.freedesktop.DBus.Error.UnknownProperty"),
                ("Set", (INTERFACE, "Active", dbus.Boolean(True, variant_level=1)),
                 {"interface": dbus.PROPERTIES_IFACE}, "org.freedesktop.DBus.Error.UnknownMethod")):
            with self.subTest(method=method, args=args):
                self.assertEqual(error_of(method, *args, **kwargs), error)
        self.call("Start", dbus.UInt32(600), "é" * 100)  # 200 bytes: the longest label
        for seconds in (0, 86400, 0xFFFFFFFF):
            self.assertEqual(error_of("Extend", dbus.UInt32(seconds)), invalid)
        self.assertEqual(self.bus.pid_of(), pid)
        self.assertTrue(self.call("GetStatus")["active"])


class BytesInPaths(BusTestCase):
    """A home whose directories are named in Latin-1, as a system older than
    UTF-8 names them: the paths are bytes D-Bus cannot carry as they are
    (libdbus aborts a process that tries), so they go out repaired."""

    bus_dirs = {"XDG_CONFIG_HOME": "r\udce9glages", "XDG_STATE_HOME": "\udce9tat"}

    def test_paths_that_are_not_utf8(self):
        self.write_config('session = { default_duration = "30m"; };\n')
        doctor = self.present("doctor")
        pid = self.bus.pid_of()
        self.assertIn("r\ufffdglages/present/present.conf", doctor.stdout, doctor.stderr)
        self.assertIn("\ufffdtat/present/present.db", doctor.stdout, doctor.stderr)

        # The store's messages name it: in a status, and in an error reply.
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        r = self.present("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\ufffdtat/present/present.db", r.stderr)
        self.assertIn("\ufffdtat/present/present.db", self.call("GetStatus")["store_error"])
        with self.assertRaises(dbus.DBusException) as e:
            self.call("SetOwedState", dbus.UInt64(1), "answered")
        self.assertIn("\ufffdtat/present/present.db", e.exception.get_dbus_message())
        other.execute("ROLLBACK")
        self.ok("stop")
        self.assertEqual(self.bus.pid_of(), pid)


if __name__ == "__main__":
    harness.main()
