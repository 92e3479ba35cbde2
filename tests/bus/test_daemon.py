"""The daemon's D-Bus interface, lifetime and recovery, in a private bus."""
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import dbus
from gi.repository import Gio, GLib

import harness
from harness import BUS_NAME, INTERFACE, BusTestCase, wait_until

SOURCE_XML = os.path.join(os.path.dirname(__file__), "..", "..", "conf", "dev.present.Present1.xml")


class Interface(BusTestCase):
    def test_introspection_matches_the_contract(self):
        xml = self.daemon().Introspect(dbus_interface="org.freedesktop.DBus.Introspectable")
        live = ET.fromstring(str(xml)).find("interface[@name='%s']" % INTERFACE)
        contract = ET.parse(SOURCE_XML).getroot().find("interface[@name='%s']" % INTERFACE)

        def shape(iface):
            return sorted((e.tag, e.get("name"), tuple((a.get("type"), a.get("direction")) for a in e))
                          for e in iface)

        self.assertEqual(shape(live), shape(contract))

    def test_signals_follow_the_session(self):
        got = self.listen()
        props = []
        self.bus.connection.add_signal_receiver(lambda i, c, inv: props.append(dict(c)),
                                                signal_name="PropertiesChanged",
                                                dbus_interface="org.freedesktop.DBus.Properties")
        session = self.call("Start", dbus.UInt32(600), "Board")
        self.assertTrue(session["active"])
        self.assertEqual(session["ends_at"] - session["started_at"], 600)
        wait_until(lambda: [m for m, _ in got] == ["SessionStarted"], what="SessionStarted")
        self.assertEqual(got[0][1][0]["label"], "Board")
        self.call("Extend", dbus.UInt32(60))
        wait_until(lambda: [m for m, _ in got] == ["SessionStarted", "SessionChanged"], what="SessionChanged")
        self.assertEqual(got[1][1][0]["ends_at"], session["ends_at"] + 60)
        stopped, ended = self.call("Stop")
        self.assertTrue(stopped)
        self.assertEqual(ended["label"], "Board")
        wait_until(lambda: len(got) == 3, what="SessionEnded")
        self.assertEqual(got[2][0], "SessionEnded")
        self.assertEqual(str(got[2][1][1]), "stop")
        wait_until(lambda: len(props) == 3, what="PropertiesChanged")
        self.assertEqual([bool(p["Active"]) for p in props], [True, True, False])

    def test_properties(self):
        props = self.daemon().GetAll(INTERFACE, dbus_interface="org.freedesktop.DBus.Properties")
        self.assertFalse(props["Active"])
        self.assertRegex(str(props["Version"]), r"^\d+\.\d+\.\d+$")
        self.call("Start", dbus.UInt32(120), "")
        get = self.daemon().Get(INTERFACE, "EndsAt", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertAlmostEqual(int(get), time.time() + 120, delta=3)
        with self.assertRaises(dbus.DBusException) as e:
            self.daemon().Get(INTERFACE, "Nope", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual(e.exception.get_dbus_name(), "org.freedesktop.DBus.Error.UnknownProperty")

    def test_errors(self):
        def error_of(method, *args):
            with self.assertRaises(dbus.DBusException) as e:
                self.call(method, *args)
            return e.exception.get_dbus_name()

        self.assertEqual(error_of("Start", dbus.UInt32(86401), ""), "org.freedesktop.DBus.Error.InvalidArgs")
        self.assertEqual(error_of("Extend", dbus.UInt32(60)), "dev.present.Error.NotActive")
        self.call("Start", dbus.UInt32(60), "")
        self.assertEqual(error_of("Start", dbus.UInt32(60), ""), "dev.present.Error.AlreadyActive")
        self.assertEqual(error_of("Extend", dbus.UInt32(0)), "org.freedesktop.DBus.Error.InvalidArgs")
        with self.assertRaises(dbus.DBusException) as e:
            self.daemon().Start("sixty", signature="s", dbus_interface=INTERFACE)
        self.assertEqual(e.exception.get_dbus_name(), "org.freedesktop.DBus.Error.InvalidArgs")

    def test_start_with_broken_config_is_refused(self):
        path = self.write_config("session = { default_duration = ; };\n")
        with self.assertRaises(dbus.DBusException) as e:
            self.call("Start", dbus.UInt32(0), "")
        self.assertEqual(e.exception.get_dbus_name(), "dev.present.Error.Config")
        self.assertTrue(str(e.exception.get_dbus_message()).startswith(path + ":1:"))
        self.assertFalse(self.call("GetStatus")["active"])
        # Fixed, it applies at the next start without a restart.
        self.write_config('session = { default_duration = "7m"; };\n')
        session = self.call("Start", dbus.UInt32(0), "")
        self.assertEqual(session["ends_at"] - session["started_at"], 420)

    def test_a_start_says_what_the_file_has_that_it_does_not_know(self):
        path = self.write_config('session = {\n  default_duraton = "7m";\n};\nsnooze = 1;\n')
        warnings = ["%s:2: unknown key 'session.default_duraton' ignored" % path,
                    "%s:4: unknown key 'snooze' ignored" % path]
        session = self.call("Start", dbus.UInt32(0), "")
        self.assertEqual(list(session["config_warnings"]), warnings)
        self.assertEqual(session["config_warnings"].signature, "s")
        self.assertEqual(session["ends_at"] - session["started_at"], 3600)
        self.assertNotIn("config_warnings", self.call("GetStatus"))
        # A toggle that stops reads no file, so it has nothing to say about one.
        started, session = self.call("Toggle", dbus.UInt32(0), "")
        self.assertEqual((started, "config_warnings" in session), (False, False))
        started, session = self.call("Toggle", dbus.UInt32(60), "")
        self.assertEqual((started, list(session["config_warnings"])), (True, warnings))
        self.call("Stop")
        self.write_config('session = { default_duration = "7m"; };\n')
        self.assertNotIn("config_warnings", self.call("Start", dbus.UInt32(0), ""))
        # The daemon logs them as ever: when it starts, and at each start of a session.
        self.assertEqual(self.bus.read_log().count("present-daemon: warning: " + warnings[1]), 3)


class OtherUsers(BusTestCase):
    """A bus that admits another user must still not let them drive the session."""

    def setUp(self):
        super().setUp()
        # Admit every user to this bus: the daemon alone must keep them out.
        self.bus.close()
        self.bus = harness.PrivateBus(os.path.join(self.root, "open-bus"), extra_policy='<allow user="*"/>')

    def test_another_uid_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to act as another user")
        self.ok("start", "10m")
        conf = os.path.join(self.root, "nobody-config")
        os.makedirs(conf, mode=0o755)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", harness.CLI, "stop"],
                           env=dict(self.bus.env, XDG_CONFIG_HOME=conf, HOME=conf), capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("only the user of this session may use present", r.stderr)
        self.assertTrue(self.call("GetStatus")["active"], "the session must still run")


    def test_another_uid_is_refused_on_the_direct_socket(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to act as another user")
        self.ok("start", "10m")
        path = direct_socket(self)
        # Let everyone reach the socket: the daemon alone must keep them out.
        for d in (self.root, self.bus.env["XDG_RUNTIME_DIR"], os.path.dirname(path)):
            os.chmod(d, 0o711)
        os.chmod(path, 0o666)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        reach = subprocess.run(as_nobody + [sys.executable, "-c",
                                            "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])",
                                            path], capture_output=True, text=True)
        self.assertEqual(reach.returncode, 0, reach.stderr)
        conf = os.path.join(self.root, "nobody-config")
        os.makedirs(conf, mode=0o755)
        r = subprocess.run(as_nobody + [harness.CLI, "stop"],
                           env=dict(self.bus.env, XDG_CONFIG_HOME=conf, HOME=conf), capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("only the user of this session may use present", r.stderr)
        self.assertTrue(self.call("GetStatus")["active"], "the session must still run")


def direct_socket(test):
    """The daemon's direct socket, the one there is."""
    paths = test.direct_sockets()
    test.assertEqual(len(paths), 1, paths)
    return paths[0]


class DirectSocket(BusTestCase):
    """Once the bus has started the daemon, present calls it on its own socket."""

    def watch_calls(self):
        """dbus-monitor on calls to the daemon over the bus. Returns a function
        that gives the members called so far, but for our own GetStatus calls
        that show dbus-monitor has printed everything before them."""
        monitor = self.bus.spawn(["dbus-monitor", "--session", "type='method_call',interface='%s'" % INTERFACE],
                                 stdout=subprocess.PIPE)
        lines = []
        threading.Thread(target=lambda: lines.extend(line.decode() for line in monitor.stdout), daemon=True).start()
        marks = lambda: sum("member=GetStatus" in line for line in lines)  # noqa: E731
        wait_until(lambda: self.call("GetStatus") and marks(), what="dbus-monitor to listen")

        def seen():
            before = marks()
            self.call("GetStatus")
            wait_until(lambda: marks() > before, what="dbus-monitor to print our call")
            return [m for m in re.findall(r"^method call .* member=(\w+)$", "".join(lines), re.M) if m != "GetStatus"]
        return seen

    def test_calls_after_the_first_cross_no_bus(self):
        self.ok("start", "10m")  # no socket yet: the bus starts the daemon
        path = direct_socket(self)
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(path)).st_mode & 0o777, 0o700)
        seen = self.watch_calls()
        self.ok("extend", "5m")
        self.ok("stop")
        self.ok("toggle", "20m", "-q")
        r = self.present("start", "1m")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"already running until (?:\w{3} )?\d\d:\d\d")
        self.ok("toggle")
        self.assertEqual(seen(), [])
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop", "stop"], what="both ends recorded")

    def test_a_dead_daemons_socket_is_taken_over(self):
        self.ok("start", "10m", "--label", "Killed")
        path = direct_socket(self)
        self.kill_daemon()

        def answers():
            with socket.socket(socket.AF_UNIX) as s:
                return s.connect_ex(path) == 0
        self.assertTrue(os.path.exists(path), "a killed daemon cannot remove its socket")
        self.assertFalse(answers())
        # Nobody answers there: present goes to the bus, which starts a daemon.
        self.ok("start", "5m")
        self.assertEqual(direct_socket(self), path)
        self.assertTrue(answers())
        seen = self.watch_calls()
        self.ok("stop")
        self.assertEqual(seen(), [])
        wait_until(lambda: [(s[0], s[4]) for s in self.sessions()] == [("Killed", "interrupted"), ("", "stop")],
                   what="the killed session and the new one recorded")

    def connected_to_an_idle_daemon(self):
        """A daemon with nothing to do but for a caller connected to it: (its socket, its pid, the caller).
        No server is here to take a summary, which would keep it: none is due."""
        self.write_config('daemon = { idle_exit = 1; };\nreplay = { mode = "none"; };\n')
        self.ok("start", "1m")
        self.ok("stop")
        path = direct_socket(self)
        pid = self.bus.pid_of()
        caller = socket.socket(socket.AF_UNIX)
        self.addCleanup(caller.close)
        caller.connect(path)
        return path, pid, caller

    def test_idle_exit_waits_for_a_connected_caller_then_removes_the_socket(self):
        path, pid, caller = self.connected_to_an_idle_daemon()
        time.sleep(2.5)  # longer than idle_exit: a call may still come on that connection
        self.assertEqual(self.bus.pid_of(), pid)
        caller.close()
        self.wait_daemon_gone(5)
        self.assertFalse(os.path.exists(path))
        self.assertEqual(self.ok("stop"), "No session is running.\n")

    def test_a_socket_that_takes_no_more_callers_is_passed_over(self):
        """A daemon's socket whose queue of callers is full (a daemon hung,
        or flooded): connecting would wait for it without end. The call
        goes to the bus instead, which starts a daemon that answers."""
        path = self.bus.for_bus("bus")
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        hung = socket.socket(socket.AF_UNIX)
        self.addCleanup(hung.close)
        hung.bind(path)
        hung.listen(0)
        waiting = []
        while True:  # callers it never accepts, until no more fit
            s = socket.socket(socket.AF_UNIX)
            self.addCleanup(s.close)
            s.setblocking(False)
            try:
                s.connect(path)
            except BlockingIOError:
                break
            waiting.append(s)
        self.assertTrue(waiting)
        self.ok("start", "10m")
        self.assertTrue(self.call("GetStatus")["active"])

    def test_callers_that_never_call_take_no_more_than_their_share(self):
        """Connections opened and left: past 64, the daemon lets them go rather
        than spend every descriptor it has on them. Calls still get through."""
        self.call("GetStatus")
        wait_until(self.direct_sockets, 5, "the daemon's socket")
        pid = self.bus.pid_of()
        before = len(os.listdir("/proc/%d/fd" % pid))
        for _ in range(200):
            s = socket.socket(socket.AF_UNIX)
            self.addCleanup(s.close)
            s.connect(direct_socket(self))
        wait_until(lambda: "more are sent to the bus" in self.bus.read_log(), 10, "the daemon to refuse more")
        # One turned away may still be closing as this looks.
        wait_until(lambda: len(os.listdir("/proc/%d/fd" % pid)) - before <= 64, 5, "at most 64 callers held")
        self.ok("start", "10m")
        self.assertTrue(self.call("GetStatus")["active"])

    def raw_caller(self):
        """A connection to the daemon's socket, authenticated by hand, and a
        function that writes the call of member (with args, "(us)") on it."""
        self.call("GetStatus")  # the bus starts the daemon, which opens its socket
        wait_until(self.direct_sockets, 5, "the daemon's socket")
        caller = socket.socket(socket.AF_UNIX)
        self.addCleanup(caller.close)
        caller.connect(direct_socket(self))
        caller.sendall(b"\0AUTH EXTERNAL " + str(os.geteuid()).encode().hex().encode() + b"\r\nBEGIN\r\n")

        def call(serial, member, *args):
            msg = Gio.DBusMessage.new_method_call(None, harness.OBJECT_PATH, INTERFACE, member)
            if args:
                msg.set_body(GLib.Variant("(us)", args))
            msg.set_serial(serial)
            return msg.to_blob(Gio.DBusCapabilityFlags.NONE)
        return caller, call

    def test_a_caller_that_never_reads_holds_nothing_up(self):
        """A caller that sends calls and never reads its replies: the reply to
        its Start cannot be written, and the daemon must not wait for that.
        Its session still ends on time, and other callers are answered."""
        caller, call = self.raw_caller()
        # One reply read, to size the rest: more than the socket holds (the
        # sender's buffer, wmem_default), less than a caller may leave unread.
        with open("/proc/sys/net/core/wmem_default") as f:
            target = 3 * int(f.read())
        if target >= 1 << 20:
            self.skipTest("the socket holds too much here to fill it below the daemon's 1 MiB")
        caller.sendall(call(1, "GetStatus"))
        data = b""
        while b"\r\n" not in data:  # the handshake's OK line, then the reply
            data += caller.recv(65536)
        reply = data.split(b"\r\n", 1)[1]

        def size():  # a message's fixed header, its fields padded to 8, its body
            return 16 + (int.from_bytes(reply[12:16], "little") + 7) // 8 * 8 + int.from_bytes(reply[4:8], "little")
        while len(reply) < 16 or len(reply) < size():
            reply += caller.recv(65536)
        n = target // size()
        calls = [call(2 + i, "GetStatus") for i in range(n)] + [call(2 + n, "Start", 2, "Unread")]
        threading.Thread(target=lambda: caller.sendall(b"".join(calls)), daemon=True).start()
        wait_until(lambda: self.sessions(), 10, "the session to start")
        wait_until(lambda: self.sessions()[0][4] == "timer", 10, "the session to end on its timer")
        self.assertEqual(self.ok("stop"), "No session is running.\n")

    def test_a_caller_that_never_reads_is_let_go(self):
        """Its replies are not kept without end: past 1 MiB, it is disconnected."""
        caller, call = self.raw_caller()
        flood = b"".join(call(1 + i, "GetStatus") for i in range(20000))
        threading.Thread(target=lambda: caller.sendall(flood), daemon=True).start()
        wait_until(lambda: "reads none of its replies" in self.bus.read_log(), 20, "the caller to be let go")
        caller.settimeout(10)
        while caller.recv(1 << 20):
            pass  # what was written before the end; then the end
        self.assertEqual(self.ok("stop"), "No session is running.\n")

    def test_a_caller_that_never_calls_does_not_keep_it(self):
        """A `present` stopped with Ctrl-Z, or hung, after connecting: quiet
        for 10 s, it no longer holds the daemon, which resets it on leaving."""
        path, pid, caller = self.connected_to_an_idle_daemon()
        time.sleep(5)
        self.assertEqual(self.bus.pid_of(), pid)
        self.wait_daemon_gone(10)
        self.assertFalse(os.path.exists(path))
        caller.settimeout(5)
        self.assertEqual(caller.recv(1), b"")


class Lifetime(BusTestCase):
    def test_a_log_nobody_reads_any_more_does_not_end_it(self):
        """Started with its log to a pipe whose reader then goes: the next line
        fails to be written, and the daemon, in a session, goes on."""
        r, w = os.pipe()
        daemon = self.bus.spawn([harness.DAEMON], stdout=w, stderr=w)
        os.close(w)
        wait_until(self.bus.has_owner, 10, "the daemon to own its name")
        os.close(r)
        self.call("Start", dbus.UInt32(600), "Piped")  # "session 1 started" goes to the log
        self.assertTrue(self.call("GetStatus")["active"])
        self.assertIsNone(daemon.poll(), "the daemon died writing its log")

    def test_activated_then_exits_when_idle_and_comes_back(self):
        # No server is here to take a summary, which would keep it: none is due.
        self.write_config('daemon = { idle_exit = 1; };\nreplay = { mode = "none"; };\n')
        self.ok("start", "2s")
        first = self.bus.pid_of()
        # It stays for the session, ends it on the timer, then leaves.
        wait_until(lambda: self.sessions() and self.sessions()[0][4] == "timer", 8, "the timer end")
        self.wait_daemon_gone(5)
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertFalse(self.bus.has_owner())
        self.ok("start", "1m")
        self.assertNotEqual(self.bus.pid_of(), first)

    def test_a_call_that_would_change_anything_as_it_leaves_is_refused(self):
        """Queued as the idle daemon gives its name back, a start is refused with an error that has the
        caller call again (the next daemon takes it): this one could not see a session through. A read
        is answered."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.call("GetStatus")
        got = []

        def send():
            for method, signature, args in (("GetStatus", "", ()), ("Start", "us", (600, ""))):
                self.bus.connection.call_async(BUS_NAME, harness.OBJECT_PATH, INTERFACE, method, signature, args,
                                               lambda *a, m=method: got.append((m, None)),
                                               lambda e, m=method: got.append((m, e.get_dbus_name())))

        pid, _ = self.as_it_leaves(send)
        wait_until(lambda: len(got) == 2, what="both answers")
        self.assertEqual(got, [("GetStatus", None), ("Start", "dev.present.Error.Exiting")])
        wait_until(lambda: harness.has_exited(pid), what="the daemon to exit")
        self.assertEqual(self.sessions(), [])
        self.assertFalse(self.bus.has_owner())

    def test_a_start_as_it_leaves_is_made_by_the_next_daemon(self):
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.call("GetStatus")

        def start():
            self.forget_direct_socket()
            return subprocess.Popen([harness.CLI, "start", "10m"], env=self.bus.env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        old, cli = self.as_it_leaves(start)
        out, err = cli.communicate(timeout=30)
        self.assertEqual((cli.returncode, err), (0, ""))
        self.assertRegex(out, r"^Present until ")
        self.assertNotEqual(self.bus.pid_of(), old)
        self.assertTrue(self.call("GetStatus")["active"])
        self.assertEqual([s[4] for s in self.sessions()], [None])
        self.ok("stop")

    def test_stays_while_a_session_runs(self):
        self.write_config('daemon = { idle_exit = 1; };\nreplay = { mode = "none"; };\n')
        self.ok("start", "1m")
        pid = self.bus.pid_of()
        time.sleep(2.5)  # longer than idle_exit: it must not leave mid-session
        self.assertEqual(self.bus.pid_of(), pid)
        self.ok("stop")
        self.wait_daemon_gone(5)

    def test_sigterm_ends_the_session_cleanly(self):
        got = self.listen("SessionEnded")
        self.ok("start", "30m")
        os.kill(self.bus.pid_of(), signal.SIGTERM)
        self.wait_daemon_gone()
        wait_until(lambda: got, what="SessionEnded")
        self.assertEqual(str(got[0][1][1]), "signal")
        self.assertEqual(self.sessions()[0][4], "signal")

    def test_sigkill_then_next_start_records_the_interruption(self):
        self.ok("start", "30m", "--label", "Killed")
        self.kill_daemon()
        self.assertIsNone(self.sessions()[0][4])
        self.ok("start", "5m")
        rows = self.sessions()
        self.assertEqual([(r[0], r[4]) for r in rows], [("Killed", "interrupted"), ("", None)])
        self.assertLessEqual(rows[0][3], time.time())

    def test_exits_when_the_bus_goes_away(self):
        self.ok("start", "30m")
        pid = self.bus.pid_of()
        status = self.bus.for_bus("status")
        self.assertTrue(os.path.exists(status))
        # Only the bus dies; the daemon must notice, close the session and exit by itself.
        os.kill(self.bus.process.pid, signal.SIGTERM)
        self.bus.process.wait()

        wait_until(lambda: harness.has_exited(pid), 10, "the daemon to exit")
        self.assertEqual(self.sessions()[0][4], "disconnected")
        # The status file no longer says a session runs (the monitor's loss, seen as the session closed, is
        # no news of one), and the session's summary is due, for the next login's daemon to show.
        self.assertFalse(os.path.exists(status))
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT replay_due IS NOT NULL FROM sessions").fetchall(), [(1,)])

    def test_one_daemon_at_a_time(self):
        self.start_mock("dnd_servers", server="dunst")
        self.ok("start", "5m")
        r = self.bus.spawn([harness.os.environ["PRESENT_DAEMON"]], stdout=None, stderr=None)
        self.assertEqual(r.wait(timeout=10), 1)
        self.assertTrue(self.call("GetStatus")["active"])
        # The one that could not own the name touched nothing of the session it found running.
        self.assertEqual(self.sessions()[0][3:], (None, None))
        paused = self.notifications().Get("org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertTrue(paused)
        self.ok("stop")
        self.assertFalse(self.notifications().Get("org.dunstproject.cmd0", "paused",
                                                  dbus_interface=dbus.PROPERTIES_IFACE))


class Login(BusTestCase):
    """`present-daemon --login`, which the session's autostart entry runs:
    a daemon at login only when one has something to do."""

    def test_a_user_who_never_ran_a_session_starts_nothing(self):
        r = self.login()
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertFalse(self.bus.has_owner())
        self.assertFalse(os.path.exists(os.path.dirname(self.store_path)), "no store is made at login")

    def test_nothing_left_and_nothing_owed_starts_nothing(self):
        self.start_mock("dnd_servers", server="dunst")
        self.ok("start", "10m")
        self.ok("stop")
        # The summary is due until the server has answered for it.
        self.wait_summary_taken(5)
        self.kill_daemon()  # the end of the login: nothing was left
        r = self.login()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertFalse(self.bus.has_owner(), "a daemon with nothing to do was started")

    def test_a_session_a_dead_daemon_left_starts_one(self):
        # No switch to put back (no server), only the session to record as interrupted.
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.ok("start", "10m", "--label", "Killed")
        self.kill_daemon()
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("a daemon that died left a session or a change to take over: the daemon is started",
                      r.stderr)
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("Killed", "interrupted")])
        # With no notification server to show the session's summary to, it
        # stays for one (at login, the desktop's may come after it).
        pid = self.bus.pid_of()
        time.sleep(2.5)
        self.assertEqual(self.bus.pid_of(), pid)
        self.start_mock("dnd_servers", server="dunst")
        self.wait_summary_taken(5)
        # Then it has nothing left to do, and goes.
        self.wait_daemon_gone(5)
        self.assertEqual(self.login().stderr, "")
        self.assertFalse(self.bus.has_owner())

    def test_a_running_daemon_is_left_to_its_work(self):
        self.write_config('owed = { ack_within = "1h"; };\n')
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.bus.pid_of(), pid)
        self.assertTrue(self.call("GetStatus")["active"])

    def test_a_bus_that_cannot_start_it_is_an_error(self):
        self.ok("start", "10m")
        self.kill_daemon()
        # The next login's bus has no activation file for present.
        empty = os.path.join(self.root, "no-services")
        os.makedirs(empty)
        saved, harness.SERVICE_DIR = harness.SERVICE_DIR, empty
        try:
            bus = harness.PrivateBus(os.path.join(self.root, "login2"),
                                     dirs={k: self.bus.env[k] for k in ("XDG_CONFIG_HOME", "XDG_STATE_HOME")})
        finally:
            harness.SERVICE_DIR = saved
        self.addCleanup(bus.close)
        r = self.login(bus)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^present-daemon: error: cannot start the daemon, though a daemon that died left "
                                   r"a session or a change to take over: .+\n$")
        self.assertIsNone(self.sessions()[0][4], "left for a daemon to take over")

if __name__ == "__main__":
    harness.main()
