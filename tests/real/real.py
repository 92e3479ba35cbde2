"""What the real suite shares: a BusTestCase that runs notification servers
in its private bus, drives the real CLI, and leaves no process behind.

Each test case has the harness's private dbus-daemon; the servers of
tests/lib/servers.py run on it (bus_address=), and the present daemon is
D-Bus-activated on it, inheriting the bus's activation environment: set what
the daemon must see (set_env) before the first `present` call.
"""
import atexit
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import harness
import servers
from harness import BusTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
STARTED = r"^Present until (?:\w{3} )?\d\d:\d\d \(%s\) · do-not-disturb %s \(%s\)%s\n$"
STOPPED = re.compile(r"^Session ended after \d+ s\n$")
PUT_BACK_ONE = "Put back 1 do-not-disturb change.\n"
NOTHING_TO_RESTORE = "Nothing to restore: the desktop is as you left it.\n"

_PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)
# Orphans of what a test started (activated daemons, dconf-service, the
# dbus-daemon's babysitters) become our children, so the leak check below
# sees them and they are reaped instead of lingering as zombies.
_libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)

_scratch = None


def scratch(name):
    """A directory shared by the whole run (schemas, activation files),
    readable by anyone; removed when the process exits."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="present-real-")
        os.chmod(_scratch, 0o755)
        atexit.register(shutil.rmtree, _scratch, True)
    path = os.path.join(_scratch, name)
    os.makedirs(path, exist_ok=True)
    return path


def service_dir(*names):
    """A directory holding only the installed activation files of `names`."""
    path = os.path.join(scratch("services"), "-".join(names))
    if not os.path.isdir(path) or not os.listdir(path):
        servers.write_service_dir(path, names)
    return path


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _live_descendants():
    _reap()
    return {p for p in servers.descendants(os.getpid()) if servers._alive(p)}


class RealTestCase(BusTestCase):
    """Runs real servers in the test's private bus; see start_server()."""

    service_names = ()  # installed activation files the bus needs (dconf-service...)
    env = {}  # what the activated daemon and the CLI must see

    def setUp(self):
        self.servers = []
        self._finished = False
        if self.service_names:
            self.service_dirs = (service_dir(*self.service_names),)
        super().setUp()
        # A setUp that fails after this point still closes the bus.
        self.addCleanup(self._finish)
        if self.env:
            self.set_env(**self.env)

    def tearDown(self):
        self._finish()

    def _finish(self):
        if self._finished:
            return
        self._finished = True
        failed = self._failed()
        errors = []
        # The servers first: stopping one waits on the bus for its names to go.
        # Their files go once the bus has: the daemon may still write there.
        stopped = []
        while self.servers:
            server = self.servers.pop()
            stopped.append(server)
            if failed:
                for proc in server.procs:
                    sys.stderr.write("--- %s: %s (exit %s), log tail:\n%s" % (
                        server.name, proc.name, proc.poll(), proc.log_tail(30)))
            try:
                server.halt()
            except Exception as e:  # go on: the bus and the others must go too
                errors.append("stopping %s: %s" % (server.name, e))
        BusTestCase.tearDown(self)
        try:
            wait_until(lambda: not _live_descendants(), 5, "every process of the test to end")
        except AssertionError:
            left = _live_descendants()
            errors.append("left behind: " + "; ".join(
                "%d %s" % (p, servers.command_line(p)) for p in sorted(left)))
            servers.kill_pids(left)
            _reap()
        for server in stopped:
            server.remove_files()
        if errors:
            raise AssertionError("\n".join(errors))

    def _failed(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        return bool(result) and any(t is self for t, _ in result.errors + result.failures)

    # -- environment and servers

    def set_env(self, **variables):
        """For the CLI and for everything the bus activates from now on
        (the present daemon, dconf-service)."""
        self.bus.env.update(variables)
        self.set_activation_env(**variables)

    def start_server(self, cls, *args, **kwargs):
        """Starts a servers.py server on this test's bus; stopped at teardown.
        A server that cannot run here skips the test, except in CI, where
        the packages are installed and a missing one is a failure."""
        server = cls(*args, bus_address=self.bus.address, **kwargs)
        try:
            server.start()
        except servers.Unavailable as e:
            server.stop()
            if os.environ.get("CI"):
                raise AssertionError("%s cannot run here: %s" % (cls.name, e))
            self.skipTest(str(e))
        except BaseException:
            for proc in server.procs:
                sys.stderr.write("--- %s: %s log tail:\n%s" % (server.name, proc.name, proc.log_tail(30)))
            server.stop()
            raise
        self.servers.append(server)
        return server

    def start_mock_server(self, template, *names, **parameters):
        """A dbusmock server (tests/mocks) that also owns `names` once ready."""
        proc = self.start_mock(template, **parameters)
        for name in names:
            wait_until(lambda n=name: self.bus.has_owner(n), what=name)
        return proc

    # -- the product

    def assert_started(self, out, title, state="on", length="10 min", tail=""):
        self.assertRegex(out, STARTED % (re.escape(length), state, re.escape(title), tail))

    def start(self, title, duration="10m", length="10 min", state="on", tail=""):
        out = self.ok("start", duration)
        self.assert_started(out, title, state, length, tail)
        return out

    def stop(self):
        self.assertRegex(self.ok("stop"), STOPPED)

    def end_reasons(self):
        return [s[4] for s in self.sessions()]

    def assert_end_reasons(self, expected):
        """The sessions' end reasons once written: a stop is answered before its record."""
        try:
            wait_until(lambda: self.end_reasons() == expected, 10, "the sessions' ends to be recorded")
        except AssertionError:
            self.assertEqual(self.end_reasons(), expected)

    def dnd_status(self):
        return json.loads(self.ok("status", "--json"))["dnd"]


class Contract:
    """What every server with do-not-disturb must show; mixed into one
    RealTestCase per server. The class defines title, get_dnd(),
    set_dnd(on) and start_servers()."""

    title = None
    changes = 1  # switches one session changes ("Put back N ...")

    def setUp(self):
        super().setUp()
        self.start_servers()

    def put_back(self, n=None):
        n = self.changes if n is None else n
        return "Put back %d do-not-disturb change%s.\n" % (n, "" if n == 1 else "s")

    def test_on_during_off_after(self):
        self.assertFalse(self.get_dnd())
        self.start(self.title)
        self.assertTrue(self.get_dnd())
        self.assertEqual(self.dnd_status()["state"], "on")
        self.stop()
        self.assertFalse(self.get_dnd())
        self.assert_end_reasons(["stop"])

    def test_prior_on_stays_on(self):
        self.set_dnd(True)
        self.start(self.title, state="already on")
        self.assertTrue(self.get_dnd())
        self.stop()
        self.assertTrue(self.get_dnd(), "do-not-disturb was the user's: it stays on")

    def test_turned_off_by_hand_stays_off(self):
        self.start(self.title)
        self.set_dnd(False)
        self.stop()
        self.assertFalse(self.get_dnd())

    def test_sigkill_then_present_restore(self):
        self.start(self.title)
        self.kill_daemon()
        self.assertTrue(self.get_dnd(), "nothing but present may put it back")
        self.assertEqual(self.ok("restore"), self.put_back())
        self.assertFalse(self.get_dnd())
        self.assertFalse(self.bus.has_owner(), "restore must not start a daemon")
        self.assertEqual(self.ok("restore"), NOTHING_TO_RESTORE)
        self.assert_end_reasons(["interrupted"])

    def test_sigkill_then_next_start_restores_first(self):
        self.start(self.title)
        self.kill_daemon()
        self.assertTrue(self.get_dnd())
        # "on", not "already on": the new daemon put the old change back first.
        self.start(self.title, "5m", "5 min")
        self.stop()
        self.assertFalse(self.get_dnd())
        self.assert_end_reasons(["interrupted", "stop"])

    def test_daemon_gone_then_the_next_login_puts_it_back(self):
        # The daemon died in a session and its runtime files went with it (a
        # logout, a power cut that spared the server in this test): the
        # autostart entry's command at the next login puts the switch back
        # on the real server, before any key is pressed.
        self.start(self.title)
        self.kill_daemon()
        runtime = os.path.join(self.bus.env["XDG_RUNTIME_DIR"], "present")
        for name in os.listdir(runtime):
            os.unlink(os.path.join(runtime, name))
        self.assertTrue(self.get_dnd())
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: not self.get_dnd(), 10, "the daemon started at login to put do-not-disturb back")
        self.assert_end_reasons(["interrupted"])

    def test_doctor_tries_the_switch_and_puts_it_back(self):
        out = self.ok("doctor")
        self.assertIn("ok       backend: %s (detected)\n" % self.title, out)
        self.assertIn("ok       do-not-disturb: %s: set, read back and put back\n" % self.title, out)
        self.assertFalse(self.get_dnd())

    def test_timer_ends_it(self):
        self.start(self.title, "2s", "2 s")
        self.assertTrue(self.get_dnd())
        wait_until(lambda: not self.get_dnd(), 10, "the session's end to put do-not-disturb back")
        wait_until(lambda: self.end_reasons() == ["timer"], 5, "the session to be recorded as ended")


class Popups:
    """For a real server that shows each alert in a window of its own (MATE,
    Budgie): the screen itself says whether the session kept it quiet. The
    class defines popup_server, the servers.py server showing them, whose
    shown() names them: by window, or by title where the server draws its
    banners itself (Cinnamon, which also shows them one at a time)."""

    def notify(self, summary):
        # Never expiring: a popup shown during the session would still be up at the end.
        return servers.notify(summary, "body", app_name="Evolution", timeout=0, bus=self.bus.connection)

    def test_nothing_shows_during_a_session(self):
        self.write_config('replay = { mode = "none"; };\n')  # present's own summary is a popup too
        before = self.popup_server.shown()
        self.start(self.title)
        self.notify("During the meeting")
        wait_until(lambda: self.query("SELECT summary FROM alerts") == [("During the meeting",)], 5,
                   "the alert to be held")
        self.stop()
        self.notify("After the meeting")
        wait_until(lambda: self.popup_server.shown() - before, 5, "the alert sent after the session to show")
        shown = self.popup_server.shown() - before
        self.assertNotIn("During the meeting", shown)
        self.assertEqual(len(shown), 1, "one popup: the alert sent after the session")


class Restarts:
    """For a server that keeps do-not-disturb in its memory: a restarted
    server starts with it off, and present must set it again. The class
    defines restart_server()."""

    in_memory = True  # False: the switch outlives the process, kept in the server's settings

    def test_sigkill_then_a_restarted_server(self):
        self.start(self.title)
        self.kill_daemon()
        self.restart_server()
        self.set_dnd(True)
        r = self.present("restore")
        self.assertEqual(r.returncode, 0, r.stderr)
        if self.in_memory:
            # The switch present set died with the process; the new one's is the user's.
            self.assertEqual(r.stdout, NOTHING_TO_RESTORE, r.stderr)
            self.assertTrue(self.get_dnd())
        else:
            self.assertEqual(r.stdout, self.put_back(), r.stderr)
            self.assertFalse(self.get_dnd())
        self.assert_end_reasons(["interrupted"])

    def test_server_restart_mid_session(self):
        self.start(self.title)
        self.restart_server()
        wait_until(self.get_dnd, 5, "do-not-disturb on the restarted %s" % self.title)
        self.stop()
        self.assertFalse(self.get_dnd())


def gsettings(env, *args, check=True):
    """`gsettings ARGS` in env; its output, stripped."""
    r = subprocess.run(["gsettings", *args], env=env, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError("gsettings %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout.strip()


def dconf_read(env, key):
    """The user's value at `key` in dconf, or None when it has none."""
    r = subprocess.run(["dconf", "read", key], env=env, capture_output=True, text=True, timeout=30, check=True)
    value = r.stdout.strip()
    return {"": None, "true": True, "false": False}.get(value, value)


# -- as the unprivileged user (sway refuses root)

PASSED_ON = ("CI", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS", "MALLOC_PERTURB_",
             "PYTHONDONTWRITEBYTECODE", "LANG")


def run_as_test_user(script):
    """As root: runs `script` (a test file of this directory) as
    servers.TEST_USER and returns its exit code. The user may not be able
    to read the build tree or the clone, so the two binaries, an activation
    file for the copy of the daemon, and the Python files go to a temp dir
    it can read. Whatever the run leaves behind is killed and fails it."""
    user = servers.ensure_test_user()
    tmp = tempfile.mkdtemp(prefix="present-real-user-")
    try:
        os.chmod(tmp, 0o755)
        here = os.path.dirname(os.path.abspath(__file__))
        lib = os.path.dirname(os.path.abspath(harness.__file__))
        for sub in ("bin", "services", "lib", "real"):
            os.mkdir(os.path.join(tmp, sub), 0o755)
        cli = os.path.join(tmp, "bin", "present")
        daemon = os.path.join(tmp, "bin", "present-daemon")
        # `present restore` runs the daemon that sits next to it.
        shutil.copy(shutil.which(harness.CLI) or harness.CLI, cli)
        shutil.copy(os.environ.get("PRESENT_DAEMON") or os.path.join(os.path.dirname(harness.CLI), "present-daemon"),
                    daemon)
        for path in (cli, daemon):
            os.chmod(path, 0o755)
        with open(os.path.join(tmp, "services", "dev.present.Present.service"), "w") as f:
            f.write("[D-BUS Service]\nName=%s\nExec=%s\n" % (harness.BUS_NAME, daemon))
        for name in ("harness.py", "servers.py"):
            shutil.copy(os.path.join(lib, name), os.path.join(tmp, "lib"))
        for name in ("real.py", os.path.basename(script)):
            shutil.copy(os.path.join(here, name), os.path.join(tmp, "real"))
        for root, dirs, files in os.walk(tmp):
            for name in files:
                os.chmod(os.path.join(root, name), 0o755 if root.endswith("bin") else 0o644)

        env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": user.pw_dir,
               "USER": user.pw_name, "LOGNAME": user.pw_name, "TMPDIR": "/tmp",
               "DBUS_SESSION_BUS_ADDRESS": "disabled:",
               "PRESENT_CLI": cli, "PRESENT_DAEMON": daemon,
               "PRESENT_SERVICE_DIR": os.path.join(tmp, "services"),
               "PYTHONPATH": os.path.join(tmp, "lib") + ":" + os.path.join(tmp, "real")}
        env.update({k: os.environ[k] for k in PASSED_ON if k in os.environ})
        env.setdefault("LANG", "C.UTF-8")
        argv = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", user.pw_name, "--", "env", "-i",
                *("%s=%s" % kv for kv in env.items()),
                servers.PYTHON, os.path.join(tmp, "real", os.path.basename(script))]
        sys.stdout.flush()
        strays = []
        code = servers.run_reaped(argv, strays=strays, cwd=tmp).returncode
        for pid, cmd in strays:
            print("# left behind by the run as %s: %d %s" % (user.pw_name, pid, cmd), flush=True)
        return code or (1 if strays else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    """harness.main(), with meson's timeout (SIGTERM) still cleaning up."""
    servers.install_sigterm_handler()
    harness.main()
