"""The present command against its daemon, in a private bus."""
import datetime
import json
import os
import re
import socket
import subprocess
import threading
import time

import harness
from harness import BusTestCase, clock, wait_until

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


class Sessions(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def test_status_without_daemon_does_not_start_it(self):
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        status = json.loads(self.ok("status", "--json"))
        self.assertEqual(status, {"active": False, "id": None, "started_at": None, "ends_at": None,
                                  "remaining_s": None, "label": None, "dnd": None, "muted": None, "left_on": []})
        self.assertFalse(self.bus.has_owner())

    def test_json_fields_that_do_not_apply_are_null(self):
        def iso(seconds):
            return datetime.datetime.fromtimestamp(seconds).astimezone().isoformat()

        self.ok("start", "10m")
        status = json.loads(self.ok("status", "--json"))
        [(label, started, planned, _, _)] = self.sessions()
        self.assertIn(status.pop("remaining_s"), range(590, 601))
        self.assertEqual(status, {"active": True, "id": 1, "started_at": iso(started), "ends_at": iso(planned),
                                  "label": None, "muted": [], "left_on": [],
                                  "dnd": {"state": "on", "server": "dunst", "backend": "dunst", "note": None}})
        self.ok("stop")
        # No backend: do-not-disturb is off in the configuration.
        self.write_config('dnd = { backend = "none"; };\n')
        self.ok("start", "10m", "--label", "Acme")
        status = json.loads(self.ok("status", "--json"))
        [_, (label, started, planned, _, _)] = self.sessions()
        self.assertIn(status.pop("remaining_s"), range(590, 601))
        self.assertEqual(status, {"active": True, "id": 2, "started_at": iso(started), "ends_at": iso(planned),
                                  "label": "Acme", "dnd": None, "muted": [], "left_on": []})

    def test_short_session_shows_and_ends_by_itself(self):
        out = self.ok("start", "3s", "--label", "Acme review")
        self.assertRegex(out, r"^Present until (?:\w{3} )?\d\d:\d\d \(3 s\) · Acme review · do-not-disturb on \(dunst\)\n$")
        status = json.loads(self.ok("status", "--json"))
        self.assertTrue(status["active"])
        self.assertEqual(status["label"], "Acme review")
        self.assertRegex(status["started_at"], ISO)
        self.assertRegex(status["ends_at"], ISO)
        self.assertIn(status["remaining_s"], (1, 2, 3))
        self.assertRegex(self.ok("status"),
                         r"^Present until (?:\w{3} )?\d\d:\d\d · \d s left · Acme review · do-not-disturb on \(dunst\)\n$")
        self.assertEqual(status["dnd"], {"state": "on", "server": "dunst", "backend": "dunst", "note": None})
        self.assertEqual(status["muted"], [])
        wait_until(lambda: not json.loads(self.ok("status", "--json"))["active"], 6, "the session to end")
        # The end is said first, and written to the store after: a slow disk must not hold up the desktop.
        wait_until(lambda: self.sessions()[0][4], 5, "the end to be recorded")
        [(label, started, planned, ended, reason)] = self.sessions()
        self.assertEqual((label, reason), ("Acme review", "timer"))
        self.assertEqual(planned - started, 3)
        self.assertGreaterEqual(ended, planned)

    def test_stop_ends_at_once(self):
        self.ok("start", "60")
        status = json.loads(self.ok("status", "--json"))
        self.assertGreater(status["remaining_s"], 3590)
        started = time.monotonic()
        out = self.ok("stop")
        self.assertLess(time.monotonic() - started, 5)
        self.assertRegex(out, r"^Session ended after \d+ s\n$")
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        # Stop answers once the desktop is back; the record follows.
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop"], 10, "the session recorded as stopped")

    def test_stop_with_nothing_running(self):
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "No session is running.\n", ""))
        self.assertFalse(self.bus.has_owner())
        self.ok("start", "10m")
        self.ok("stop")
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "No session is running.\n", ""))

    def test_toggle_starts_and_stops(self):
        self.assertRegex(self.ok("toggle", "20m"), r"^Present until (?:\w{3} )?\d\d:\d\d \(20 min\) · do-not-disturb on \(dunst\)\n$")
        self.assertTrue(json.loads(self.ok("status", "--json"))["active"])
        self.assertRegex(self.ok("toggle"), r"^Session ended after ")
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        self.assertRegex(self.ok("toggle"), r"\(1 h\)")
        self.assertEqual([s[4] for s in self.sessions()], ["stop", None])

    def test_toggle_stops_whatever_the_configuration_says(self):
        self.ok("start", "10m")
        path = self.write_config('session = { default_duration = "25h"; };\n')
        message = path + ":1: 'session.default_duration' is out of range (more than 0, at most 24h)"
        # A stop reads no file, so it has nothing to say about one.
        r = self.present("toggle")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^Session ended after \d+ s\n$")
        self.assertEqual(r.stderr, "")
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        # A start needs the file: its error, and nothing starts.
        r = self.present("toggle")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (78, "", "present: %s\n" % message))
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        self.assertEqual(len(self.sessions()), 1)

    def test_default_duration_from_config(self):
        self.write_config('session = { default_duration = "45m"; };\n')
        self.assertRegex(self.ok("start"), r"\(45 min\)")
        status = json.loads(self.ok("status", "--json"))
        self.assertGreater(status["remaining_s"], 45 * 60 - 5)

    def test_the_daemons_file_governs_the_session(self):
        """The daemon is started by the bus (or systemd) in an environment of its own, which can name
        another present.conf than the terminal's: the daemon's file is the one that applies."""
        mine = self.write_config('session = { default_duration = "45m"; };\nonly_the_cli = 1;\n')
        daemons_home = os.path.join(self.root, "daemon-config")
        daemons = self.write_config('session = { default_duration = "25m"; };\nonly_the_daemon = 1;\n', daemons_home)
        self.set_activation_env(XDG_CONFIG_HOME=daemons_home)
        warning = "present: warning: %s:2: unknown key 'only_the_daemon' ignored\n" % daemons
        for verb in ("start", "toggle"):
            r = self.present(verb)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^Present until (?:\w{3} )?\d\d:\d\d \(25 min\) · do-not-disturb on "
                                       r"\(dunst\)\n$")
            self.assertEqual(r.stderr, warning)
            self.assertIn(json.loads(self.ok("status", "--json"))["remaining_s"], range(25 * 60 - 5, 25 * 60 + 1))
            # Stopping, by toggle as by stop, reads no file.
            r = self.present("toggle")
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            self.assertRegex(r.stdout, r"^Session ended after ")
        self.assertEqual([s[2] - s[1] for s in self.sessions()], [25 * 60, 25 * 60])

        # The terminal's file broken: nobody reads it, nothing to say.
        self.write_config("session = { default_duration = ; };\n")
        r = self.present("start")
        self.assertEqual((r.returncode, r.stderr), (0, warning))
        self.ok("stop")
        # The daemon's file broken: its error, exit 78, nothing starts.
        self.write_config('session = { default_duration = "45m"; };\n')
        self.write_config("session = { default_duration = ; };\n", daemons_home)
        for verb in ("start", "toggle"):
            r = self.present(verb)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (78, "", "present: %s:1: syntax error\n" % daemons))
        self.assertEqual(len(self.sessions()), 3)
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        self.assertNotIn(mine, self.bus.read_log())

    def test_start_while_running_names_the_end(self):
        self.ok("start", "1h30")
        ends = json.loads(self.ok("status", "--json"))["ends_at"]
        r = self.present("start", "10")
        self.assertEqual(r.returncode, 1)
        # After 22:30 the end is tomorrow's, and the clock names its day.
        until = clock(datetime.datetime.fromisoformat(ends).timestamp())
        self.assertEqual(r.stderr, "present: a session is already running until %s; 'present stop' ends it, "
                                   "'present extend' lengthens it\n" % until)
        self.assertEqual(json.loads(self.ok("status", "--json"))["ends_at"], ends)
        self.assertEqual(len(self.sessions()), 1)

    def test_a_store_another_version_wrote_is_not_called_empty(self):
        """Upgraded, the listings run before the daemon has updated the store:
        they must not say that nothing is owed when something is."""
        self.ok("start", "10m")
        self.ok("stop")
        [(version,)] = self.query("PRAGMA user_version")
        for older, which in ((version - 1, "an earlier"), (version + 1, "a later")):
            self.query("PRAGMA user_version = %d" % older)
            for verb in ("owed", "catchup", "alerts", "history"):
                r = self.present(verb)
                self.assertEqual((r.returncode, r.stdout), (1, ""), verb)
                self.assertRegex(r.stderr, r"^present: cannot read the store: .*present\.db was written by %s "
                                           r"present \(schema %d; this one reads %d\)" % (which, older, version))
        self.query("PRAGMA user_version = 0")  # created, its schema not yet written: nothing yet
        self.assertEqual(self.ok("alerts"), "No session yet: nothing was held.\n")

    def test_a_store_that_cannot_be_reached_is_said_so(self):
        """The same message and exit from every listing, none a crash (alerts
        read its store apart once, and died on this)."""
        not_a_dir = os.path.join(self.root, "a-file")
        open(not_a_dir, "w").close()
        for env in ({"XDG_STATE_HOME": not_a_dir}, {"XDG_STATE_HOME": None, "HOME": None}):
            for verb in ("owed", "catchup", "alerts", "history"):
                r = self.present(verb, env=env)
                self.assertEqual((r.returncode, r.stdout), (1, ""), (verb, env))
                self.assertRegex(r.stderr, r"^present: cannot (read the store: Not a directory|find the store: "
                                           r"neither XDG_STATE_HOME nor HOME is set)\n$", (verb, env))

    def test_start_while_running_with_a_broken_file_names_the_end(self):
        """The file is the next session's: a start during one is told of that
        one, not of a file it does not read yet."""
        self.ok("start", "10m")
        self.write_config("session = {\n")
        r = self.present("start", "10")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^present: a session is already running until ")
        self.assertEqual(len(self.sessions()), 1)

    def test_extend(self):
        self.ok("start", "10m")
        before = json.loads(self.ok("status", "--json"))["remaining_s"]
        self.assertRegex(self.ok("extend", "15m"), r"^Present until (?:\w{3} )?\d\d:\d\d \(extended by 15 min\)\n$")
        after = json.loads(self.ok("status", "--json"))["remaining_s"]
        self.assertAlmostEqual(after - before, 15 * 60, delta=3)
        self.assertAlmostEqual(self.sessions()[0][2] - self.sessions()[0][1], 25 * 60, delta=1)
        r = self.present("extend", "24h")
        self.assertEqual(r.returncode, 1)
        self.assertIn("at most 24 hours", r.stderr)

    def test_label_with_escape_sequences_is_harmless(self):
        self.ok("start", "5m", "--label", "evil\x1b]0;title\x07")
        out = self.ok("status")
        self.assertNotIn("\x1b", out)
        self.assertEqual(json.loads(self.ok("status", "--json"))["label"], "evil\x1b]0;title\x07")


class BadInput(BusTestCase):
    """Each: one line naming the problem (plus a usage hint), the exit code, nothing changed."""

    def assert_refused(self, args, code, message, env=None):
        r = self.present(*args, env=env)
        self.assertEqual(r.returncode, code, "%s: %r" % (args, r.stderr))
        self.assertEqual(r.stdout, "")
        first = r.stderr.splitlines()[0]
        self.assertIn(message, first)
        self.assertTrue(first.startswith("present: "), first)
        self.assertLessEqual(len(r.stderr.splitlines()), 2)
        return r

    def assert_nothing_changed(self):
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])
        self.assertEqual(self.sessions(), [])

    def test_output_that_cannot_be_written_is_a_failure(self):
        # `present ack` marks the item and prints the reply to paste: a script
        # whose output went nowhere must not take it for done.
        for args in (["status"], ["owed", "--json"], ["history"], ["--version"], ["--help"]):
            with open("/dev/full", "w") as full:
                r = subprocess.run(harness.valgrind.wrap([harness.CLI] + args, self.root), env=self.bus.env,
                                   stdout=full, stderr=subprocess.PIPE, text=True, timeout=30)
            self.assertEqual((r.returncode, r.stderr),
                             (1, "present: cannot write the output: No space left on device\n"), args)

    def test_bad_durations(self):
        for arg, msg in (("abc", "'abc' is not a duration"), ("0", "'0' is out of range"),
                         ("-5", "'-5' is not a duration"), ("100000h", "'100000h' is out of range"),
                         ("1.5h", "is not a duration"), ("", "is not a duration")):
            r = self.assert_refused(["start", arg], 2, msg)
            self.assertIn("Usage: present start", r.stderr)
            self.assert_refused(["toggle", arg], 2, msg)
        self.assert_refused(["extend", "abc"], 2, "'abc' is not a duration")
        self.assert_nothing_changed()
        self.assertFalse(self.bus.has_owner())

    def test_extend_without_session(self):
        self.assert_refused(["extend", "10"], 1, "no session is running to extend")
        self.assert_refused(["extend"], 2, "'extend' needs DURATION")
        self.assert_nothing_changed()

    def test_unknown_verb_options_and_extra_arguments(self):
        self.assert_refused(["frobnicate"], 2, "unknown verb 'frobnicate'")
        self.assert_refused(["start", "10", "20"], 2, "'20' is one argument too many for 'start'")
        self.assert_refused(["stop", "now"], 2, "'now' is one argument too many for 'stop'")
        self.assert_refused(["status", "x"], 2, "one argument too many")
        self.assert_refused(["start", "--bogus"], 2, "'start' takes no option '--bogus'")
        self.assert_refused(["stop", "--json"], 2, "'stop' takes no option '--json'")
        self.assert_refused(["start", "-x"], 2, "unknown option '-x'")
        self.assert_refused(["start", "--label"], 2, "'--label' needs a value")
        self.assert_refused(["status", "--json=yes"], 2, "'--json' takes no value")
        self.assert_refused(["start", "--label", "x" * 201], 2, "the label is longer than 200 bytes")
        self.assert_refused(["start", "--label", b"\xff\xfe".decode("utf-8", "surrogateescape")], 2,
                            "not valid UTF-8")
        r = self.present()
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage: present", r.stderr)
        self.assert_nothing_changed()

    def test_no_session_bus(self):
        gone = {"DBUS_SESSION_BUS_ADDRESS": None, "XDG_RUNTIME_DIR": None, "DISPLAY": None}
        nowhere = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(self.root, "no-such-socket")}
        for env in (gone, nowhere):
            for verb in (["start", "10"], ["stop"], ["toggle"], ["status"], ["extend", "5"]):
                self.assert_refused(verb, 69, "cannot reach the session bus", env=env)
        self.assert_nothing_changed()

    def test_a_bus_of_no_usable_address_behind_a_daemon_gone(self):
        """The daemon's socket resets the call it did not read (the daemon
        leaving), and the bus it goes to instead has no address present can
        use (libdbus's tcp): unreachable, as the bus is without a socket."""
        address = "tcp:host=127.0.0.1,port=1"
        path = self.bus.for_bus("bus", address)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind(path)
        listener.listen(8)

        def reset():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                conn.settimeout(5)
                conn.recv(1, socket.MSG_PEEK)
                conn.close()  # with the call unread: the caller's next read is reset
        threading.Thread(target=reset, daemon=True).start()
        for verb in (["stop"], ["extend", "5"]):
            r = self.assert_refused(verb, 69, "cannot reach the session bus", env={"DBUS_SESSION_BUS_ADDRESS": address})
            self.assertIn("no usable address", r.stderr)
        self.assert_nothing_changed()

    def test_a_dead_daemons_session_on_a_bus_gone_is_said_once(self):
        """The bus died and took the daemon in a session: its file says so, its socket
        is still there, and nothing listens. status says it cannot reach the bus, once."""
        path = os.path.join(self.root, "dead-bus")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(path)
        address = "unix:path=" + path
        status = self.bus.for_bus("status", address)
        os.makedirs(os.path.dirname(status), exist_ok=True)
        with open(status, "w") as f:
            f.write("active=1\n")
        r = self.assert_refused(["status"], 69, "cannot reach the session bus",
                                env={"DBUS_SESSION_BUS_ADDRESS": address})
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)

    def test_bus_that_refuses_us(self):
        # present does not wait for the bus's answer to its authentication;
        # the first call reads it, and a refusal still means "unreachable".
        path = os.path.join(self.root, "refusing-bus")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(8)
        served = []

        def refuse():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(5)
                    got = b""
                    while b"BEGIN\r\n" not in got:
                        more = conn.recv(4096)
                        if not more:
                            break
                        got += more
                    served.append(got)
                    conn.sendall(b"REJECTED EXTERNAL\r\n")

        thread = threading.Thread(target=refuse, daemon=True)
        thread.start()
        try:
            env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + path}
            verbs = (["start", "10"], ["stop"], ["toggle"], ["extend", "5"])
            for verb in verbs:
                r = self.assert_refused(verb, 69, "cannot reach the session bus", env=env)
                self.assertIn("the bus refused to authenticate us: REJECTED EXTERNAL", r.stderr)
        finally:
            listener.shutdown(socket.SHUT_RDWR)
            listener.close()
            thread.join(5)
        self.assertEqual(len(served), len(verbs))
        self.assert_nothing_changed()

    def test_daemon_that_cannot_start(self):
        # The activation file points at the build tree; a broken Exec must read as unreachable.
        svc = os.path.join(self.root, "svc")
        os.makedirs(svc)
        with open(os.path.join(svc, "dev.present.Present.service"), "w") as f:
            f.write("[D-BUS Service]\nName=dev.present.Present\nExec=/nonexistent/present-daemon\n")
        self.bus.close()
        harness.SERVICE_DIR, saved = svc, harness.SERVICE_DIR
        try:
            self.bus = harness.PrivateBus(os.path.join(self.root, "b2"))
        finally:
            harness.SERVICE_DIR = saved
        self.assert_refused(["start", "10"], 69, "cannot reach the present daemon")

    def test_config_errors(self):
        path = self.write_config("session = { default_duration = ; };\n")
        self.assert_refused(["start"], 78, path + ":1: syntax error")
        self.assert_refused(["toggle", "10"], 78, path + ":1: syntax error")
        self.write_config("\nsession = { default_duration = true; };\n")
        self.assert_refused(["start", "10"], 78, path + ":2: 'session.default_duration' must be a duration")
        self.write_config("daemon = { idle_exit = -1; };\n")
        self.assert_refused(["start"], 78, path + ":1: 'daemon.idle_exit' is out of range")
        os.remove(path)
        os.mkdir(path)
        self.assert_refused(["start"], 78, path + ": is a directory")
        os.rmdir(path)
        self.assert_nothing_changed()

    def test_config_path_that_cannot_be_opened(self):
        # As root, mode 000 would not stop us. The daemon's environment, which names the file that counts.
        blocker = os.path.join(self.root, "not-a-dir")
        open(blocker, "w").close()
        self.set_activation_env(XDG_CONFIG_HOME=blocker)
        self.assert_refused(["start"], 78, blocker + "/present/present.conf: cannot read: Not a directory")
        self.assert_nothing_changed()

    def test_unreadable_config_as_user(self):
        if os.geteuid() != 0:
            path = self.write_config("")
            os.chmod(path, 0)
            self.assert_refused(["start"], 78, path + ": cannot read: Permission denied")
            self.assert_nothing_changed()
        else:
            self.skipTest("root reads any file; covered by the ENOTDIR case")

    def test_unknown_key_warns_and_works(self):
        path = self.write_config("session = {\n  default_duraton = 30;\n};\n")
        warning = "%s:2: unknown key 'session.default_duraton' ignored" % path
        r = self.present("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "present: warning: %s\n" % warning)
        self.assertTrue(json.loads(self.ok("status", "--json"))["active"])
        # The same whatever the arguments, at every start; a stop reads no file.
        for args, said in ((["toggle", "5"], ""), (["start", "10"], "present: warning: %s\n" % warning),
                           (["toggle"], ""), (["toggle"], "present: warning: %s\n" % warning)):
            r = self.present(*args)
            self.assertEqual((r.returncode, r.stderr), (0, said), args)
        self.assertEqual(len(self.sessions()), 3)
        # doctor names the file, then what is wrong in it.
        self.assertIn("ok       configuration: %s\nwarning  configuration: %s\n" % (path, warning), self.ok("doctor"))

    def test_config_broken_while_daemon_runs(self):
        self.ok("start", "10m")
        self.ok("stop")
        path = self.write_config("session = { default_duration = 2x; };\n")
        self.assert_refused(["start"], 78, path + ":1:")
        self.assertEqual(len(self.sessions()), 1)
        self.assertFalse(json.loads(self.ok("status", "--json"))["active"])

    def test_help_ends_no_line_in_blanks(self):
        # A verb without arguments has nothing to pad or to follow its name.
        self.assertEqual(self.ok("stop", "--help"), "Usage: present stop\n")
        self.assertIn("  present stop\n", self.ok("--help"))
        for verb in re.findall(r"^  present (\w+)", self.ok("--help"), re.M):
            for line in (self.ok("--help") + self.ok(verb, "--help")).splitlines():
                self.assertEqual(line, line.rstrip(), verb)

    def test_daemon_names_what_it_does_not_take(self):
        for argv, says in ((["--frob"], "present-daemon: unknown option '--frob'\n"),
                           (["--restore", "x"], "present-daemon: 'x' is one argument too many\n")):
            r = subprocess.run([os.environ["PRESENT_DAEMON"]] + argv, env=self.bus.env, capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(r.returncode, 2, argv)
            self.assertEqual(r.stdout, "", argv)
            self.assertTrue(r.stderr.startswith(says + "Usage: present-daemon "), r.stderr)

    def test_help_and_version(self):
        out = self.ok("--help")
        for verb in ("start", "stop", "toggle", "extend", "status"):
            self.assertIn("present " + verb, out)
        self.assertRegex(self.ok("--version"), r"^present \d+\.\d+\.\d+\n$")
        for verb in ("start", "toggle"):
            self.assertIn("  present %-8s [DURATION] [--label TEXT] [--quiet]\n" % verb, out)
            self.assertEqual(self.ok(verb, "--help"), "Usage: present %s [DURATION] [--label TEXT] [--quiet]\n" % verb)
        self.assertEqual(self.ok("help"), out)
        # `present help VERB` answers as `present VERB --help` does, for every verb --help lists.
        verbs = re.findall(r"^  present (\w+)", out, re.M)
        self.assertIn("help", verbs)
        for verb in verbs:
            self.assertEqual(self.ok("help", verb), self.ok(verb, "--help"), verb)
        self.assertEqual(self.ok("help", "start"), "Usage: present start [DURATION] [--label TEXT] [--quiet]\n")
        self.assertEqual(self.ok("help", "help"), "Usage: present help [VERB]\n")
        self.assert_nothing_changed()


if __name__ == "__main__":
    harness.main()
