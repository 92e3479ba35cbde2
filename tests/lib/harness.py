"""Test harness for present's bus and real suites.

Every test case gets its own private session bus (a dbus-daemon that knows
only present's activation file from the build tree and any directories a
test adds), its own XDG directories, and loses every process it started when
it ends. Results are printed as TAP for meson.
"""
import datetime
import glob
import json
import os
import re
import select
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

CLI = os.environ.get("PRESENT_CLI", "present")
DAEMON = os.environ.get("PRESENT_DAEMON", "present-daemon")
SERVICE_DIR = os.environ.get("PRESENT_SERVICE_DIR", "")
BUS_NAME = "dev.present.Present"
OBJECT_PATH = "/dev/present/Present"
INTERFACE = "dev.present.Present1"
PYTHON = "/usr/bin/python3"  # the distribution's, which has dbusmock
MOCKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mocks")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


def wait_until(condition, timeout=10.0, what="the condition"):
    """Polls condition until it returns something true, or fails the test."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        # Let dbus-python deliver signals while we wait.
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def has_exited(pid):
    """Whether the process is gone, or a zombie its parent has yet to reap."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class PrivateBus:
    """A session bus of our own with present's activation file."""

    def __init__(self, root, service_dirs=(), extra_policy="", dirs=None):
        """dirs: other names, under root, for the directories of HOME and XDG_*_HOME."""
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
        for key, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                         ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            path = os.path.join(root, (dirs or {}).get(key, sub))
            os.makedirs(path, mode=0o700, exist_ok=True)
            self.env[key] = path
        self.env["XDG_CONFIG_DIRS"] = os.path.join(root, "etc-xdg")
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)

        dirs = [valgrind.service_dir(root, self.env, SERVICE_DIR)] + list(service_dirs)
        with open("/usr/share/dbus-1/session.conf") as f:
            conf = f.read()
        # Only our directories: a missing server must fail, not activate
        # whatever notification daemon the machine has installed.
        conf = conf.replace("<standard_session_servicedirs />",
                            "".join("<servicedir>%s</servicedir>" % d for d in dirs))
        if extra_policy:
            conf = conf.replace("</busconfig>", '<policy context="default">%s</policy></busconfig>' % extra_policy)
        self.config = os.path.join(root, "bus.conf")
        with open(self.config, "w") as f:
            f.write(conf)

        # What the daemon logs names paths, which can be any bytes. Appending:
        # the bus and its children write through this open file, whose offset
        # read_log() moves back to the start; without O_APPEND a line written
        # then would overwrite the log's first lines.
        open(os.path.join(root, "bus.log"), "w").close()
        self.log = open(os.path.join(root, "bus.log"), "a+", errors="replace")
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            ["dbus-daemon", "--config-file", self.config, "--nofork", "--nopidfile",
             "--print-address=%d" % write_fd],
            env=self.env, pass_fds=(write_fd,), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        os.close(write_fd)
        with os.fdopen(read_fd) as r:
            self.address = r.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon did not start: " + self.read_log())
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.connection = dbus.bus.BusConnection(self.address)
        self.extra = []  # other processes a test started on this bus

    def for_bus(self, name, address=None):
        """$XDG_RUNTIME_DIR/present/NAME-HASH: what present_path_for_bus() keeps there for this
        bus alone (or for the bus at address)."""
        h = 14695981039346656037  # FNV-1a of the address without its guid, as paths.c hashes it
        for byte in re.sub(r"(?:[,;]|^)guid=[^,;]*", "", address or self.address).encode():
            h = ((h ^ byte) * 1099511628211) % 2 ** 64
        return os.path.join(self.env["XDG_RUNTIME_DIR"], "present", "%s-%016x" % (name, h))

    def read_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def has_owner(self, name=BUS_NAME):
        return bool(self.connection.name_has_owner(name))

    def pid_of(self, name=BUS_NAME):
        bus = self.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        return int(bus.GetConnectionUnixProcessID(name, dbus_interface="org.freedesktop.DBus"))

    def spawn(self, argv, **kwargs):
        """Starts a helper process on this bus; it is killed at teardown."""
        p = subprocess.Popen(argv, env=kwargs.pop("env", self.env), stdout=kwargs.pop("stdout", self.log),
                             stderr=kwargs.pop("stderr", subprocess.STDOUT), start_new_session=True, **kwargs)
        self.extra.append(p)
        return p

    def close(self):
        self.connection.close()
        for p in self.extra:
            kill_group(p)
        valgrind.let_finish(self.root, self.process.pid)
        # Activated services are children of the bus, in its process group.
        kill_group(self.process)
        self.log.close()


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    try:
        # Whatever is left of the group (activated daemons that outlived TERM).
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# What the CLI prints for times, computed the same way, for the tests to compare.

def clock(t):
    """What present_time_clock() writes for t (seconds): 15:30 today, Mon 15:30 within a week."""
    now = time.time()
    lt, ln = time.localtime(t), time.localtime(now)
    if (lt.tm_year, lt.tm_yday) == (ln.tm_year, ln.tm_yday):
        return time.strftime("%H:%M", lt)
    if now - 6 * 86400 < t < now + 6 * 86400:
        return time.strftime("%a %H:%M", lt)
    return time.strftime("%Y-%m-%d %H:%M", lt)


def ms_clock(ms):
    return clock(ms // 1000)


def for_people(ms):
    """A deadline as the acknowledgement writes it: "16:30 today", "14:00 tomorrow", "Mon 09:00"."""
    t = ms // 1000
    days = (datetime.date.fromtimestamp(t) - datetime.date.today()).days
    lt = time.localtime(t)
    if days in (0, 1, -1):
        return time.strftime("%H:%M", lt) + {0: " today", 1: " tomorrow", -1: " yesterday"}[days]
    if 1 < days < 7:
        return time.strftime("%a %H:%M", lt)
    return time.strftime("%a %d %b %Y %H:%M", lt)


class BusTestCase(unittest.TestCase):
    """A test case with a private bus in self.bus and helpers for present."""

    service_dirs = ()
    bus_dirs = None  # PrivateBus(dirs=): other names for HOME and the XDG directories

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="present-test-")
        # Last of all, after the cleanups a test adds: a second login's bus
        # still has a daemon to end, a mount still holds a directory.
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.bus = PrivateBus(self.root, self.service_dirs, dirs=self.bus_dirs)

    def tearDown(self):
        self.bus.close()
        # Kept for the report: what the bus and the daemon said, if the test failed.
        with open(os.path.join(self.root, "bus.log"), errors="replace") as f:
            self.bus_log = f.read()
        valgrind_errors = valgrind.errors(self.root)
        if valgrind_errors:
            raise AssertionError("valgrind reported errors:\n" + valgrind_errors)
        # The daemon runs under the bus, so its sanitizer reports land in its log.
        for marker in SANITIZER_MARKERS:
            if marker in self.bus_log:
                raise AssertionError("the daemon reported '%s' (see the bus log below)" % marker)

    # The CLI, as a user runs it.
    def present(self, *args, env=None, timeout=30):
        e = dict(self.bus.env)
        if env:
            e.update(env)
        e = {k: v for k, v in e.items() if v is not None}
        argv = valgrind.wrap([CLI] + list(args), self.root)
        return subprocess.run(argv, env=e, capture_output=True, text=True, timeout=timeout * valgrind.slower)

    def ok(self, *args, **kwargs):
        r = self.present(*args, **kwargs)
        self.assertEqual(r.returncode, 0, "present %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def login(self, bus=None):
        """What the session's autostart entry runs at each login (systemd/present.desktop.in)."""
        argv = valgrind.wrap([DAEMON, "--login"], self.root)
        return subprocess.run(argv, env=(bus or self.bus).env, capture_output=True, text=True,
                              timeout=30 * valgrind.slower)

    def write_config(self, text, config_home=None):
        """Writes present.conf under config_home, by default the XDG_CONFIG_HOME of the bus and the CLI."""
        path = os.path.join(config_home or self.bus.env["XDG_CONFIG_HOME"], "present", "present.conf")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def set_activation_env(self, **env):
        """Variables the bus gives the services it activates from now on, and not the CLI: as a
        desktop session or systemd user manager gives the daemon another environment than a
        terminal has. A daemon already running keeps the one it started with."""
        bus = self.bus.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        bus.UpdateActivationEnvironment(dbus.Dictionary(env, signature="ss"), dbus_interface="org.freedesktop.DBus")

    @property
    def store_path(self):
        return os.path.join(self.bus.env["XDG_STATE_HOME"], "present", "present.db")

    def query(self, sql, *args):
        """The rows of one SQL query against the store."""
        db = sqlite3.connect(self.store_path)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def wait_summary_taken(self, timeout=10.0):
        """Until no session's summary is due: the server has answered for the last one shown. Its end is in
        the store first (it goes there after Stop's reply): before, no summary is due yet either."""
        wait_until(lambda: self.query("SELECT count(*) FROM sessions WHERE replay_due IS NOT NULL OR ended_at IS NULL")
                   == [(0,)], timeout, "no summary due any more")

    def sessions(self):
        """Every recorded session as (label, started_at, planned_end, ended_at, end_reason)."""
        if not os.path.exists(self.store_path):
            return []
        db = sqlite3.connect(self.store_path)
        try:
            return db.execute("SELECT label, started_at, planned_end, ended_at, end_reason FROM sessions "
                              "ORDER BY id").fetchall()
        finally:
            db.close()

    def daemon(self):
        return self.bus.connection.get_object(BUS_NAME, OBJECT_PATH)

    def call(self, method, *args):
        return getattr(self.daemon(), method)(*args, dbus_interface=INTERFACE)

    def listen(self, member=None, interface=INTERFACE):
        """Collects the daemon's signals as (member, args) into a list."""
        got = []
        self.bus.connection.add_signal_receiver(
            lambda *a, **kw: got.append((kw["member"], a)), signal_name=member, dbus_interface=interface,
            path=OBJECT_PATH, member_keyword="member")
        return got

    def start_mock_notifications(self):
        """python3-dbusmock's own notification server: one with no do-not-disturb."""
        return self.start_mock("notification_daemon")

    def start_mock(self, template, **parameters):
        """A dbusmock notification server; template is one of dbusmock's or a file in tests/mocks."""
        if not template.startswith("notification_daemon"):
            template = os.path.join(MOCKS, template + ".py")
        argv = [PYTHON, "-m", "dbusmock", "--template", template]
        if parameters:
            argv += ["--parameters", json.dumps(parameters)]
        p = self.bus.spawn(argv)
        wait_until(lambda: self.bus.has_owner("org.freedesktop.Notifications"), what="the mock notification server")
        return p

    def kill_mock(self):
        """The mock server in self.mock killed, as in a crash; returns once its name has left the bus."""
        os.killpg(self.mock.pid, signal.SIGKILL)
        wait_until(lambda: not self.bus.has_owner("org.freedesktop.Notifications"), what="the server to go")

    def notifications(self, path="/org/freedesktop/Notifications"):
        return self.bus.connection.get_object("org.freedesktop.Notifications", path)

    def as_it_leaves(self, send):
        """Calls send() while the idle daemon is stopped past its idle_exit, so that the calls it sends
        wait on the daemon's socket as it gives its name back. Returns the daemon's pid and what send()
        returned."""
        pid = self.bus.pid_of()
        time.sleep(0.3)  # its idle timer armed by the call just answered
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(2.5)  # past idle_exit
            sent = send()
            time.sleep(0.5 * valgrind.slower)  # on the daemon's socket
        finally:
            os.kill(pid, signal.SIGCONT)
        return pid, sent

    def direct_sockets(self):
        """The daemon's direct sockets in the bus's runtime directory (one per bus)."""
        return glob.glob(os.path.join(self.bus.env["XDG_RUNTIME_DIR"], "present", "bus-*"))

    def forget_direct_socket(self):
        """Removes the daemon's direct socket, as it does as it exits: the CLI goes to the bus."""
        for path in self.direct_sockets():
            os.unlink(path)

    def wait_daemon_gone(self, timeout=10):
        wait_until(lambda: not self.bus.has_owner(), timeout, "the daemon to leave the bus")

    def kill_daemon(self):
        """SIGKILL: no chance to put anything back. Returns once it has left the bus."""
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        self.wait_daemon_gone()


class NotificationsToStart:
    """Mixed into a BusTestCase before it: the bus also reads activation
    files from a directory of the test's own, where notifications_to_start()
    puts one, so that a notification server is started on demand."""

    def setUp(self):
        self.services = tempfile.mkdtemp(prefix="present-services-")
        self.addCleanup(shutil.rmtree, self.services, ignore_errors=True)
        self.service_dirs = (self.services,)
        super().setUp()

    def notifications_to_start(self, *argv):
        """Has the bus start argv when org.freedesktop.Notifications is first called."""
        # The bus reads the file's escapes (\\, \n...) before the shell-like quoting.
        exec_line = shlex.join(argv).replace("\\", "\\\\")
        assert "\n" not in exec_line
        with open(os.path.join(self.services, "org.freedesktop.Notifications.service"), "w") as f:
            f.write("[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=%s\n" % exec_line)
        self.bus.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").ReloadConfig(
            dbus_interface="org.freedesktop.DBus")


class Valgrind:
    """The valgrind hook: PRESENT_VALGRIND="valgrind --leak-check=full ..." runs
    the activated daemon (through an activation file of the test's own) and
    every CLI call of BusTestCase.present() under that command. Each process
    reports to <root>/valgrind/<pid>.log, with tests/lib/valgrind.supp; a
    report that counts errors fails the test. Use a build without sanitizers.
    Without the variable, every method here does nothing."""

    SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind.supp")

    def __init__(self, command):
        self.command = shlex.split(command)
        if self.command:
            # dbus-daemon runs an activation file's Exec without searching PATH.
            self.command[0] = shutil.which(self.command[0]) or self.command[0]
        self.slower = 10 if self.command else 1  # for timeouts of the CLI

    def argv(self, root):
        logs = os.path.join(root, "valgrind")
        os.makedirs(logs, exist_ok=True)
        return self.command + ["--suppressions=" + self.SUPPRESSIONS, "--log-file=%s/%%p.log" % logs]

    def wrap(self, argv, root):
        return self.argv(root) + argv if self.command else argv

    def service_dir(self, root, env, default):
        """The directory of present's activation file: one that runs the daemon under valgrind."""
        daemon = os.environ.get("PRESENT_DAEMON")
        # A test that points SERVICE_DIR elsewhere (a broken daemon) keeps its own.
        if not self.command or not daemon or default != os.environ.get("PRESENT_SERVICE_DIR"):
            return default
        env["G_SLICE"] = "always-malloc"  # GLib's slices would hide leaks and reads past the end
        services = os.path.join(root, "valgrind-services")
        os.makedirs(services, exist_ok=True)
        with open(os.path.join(services, BUS_NAME + ".service"), "w") as f:
            f.write("[D-BUS Service]\nName=%s\nExec=%s\n" % (BUS_NAME, " ".join(self.argv(root) + [daemon])))
        return services

    def pids(self, root):
        logs = os.path.join(root, "valgrind")
        return [int(n[:-4]) for n in os.listdir(logs) if n.endswith(".log")] if os.path.isdir(logs) else []

    def let_finish(self, root, group, timeout=60):
        """Ends the daemons cleanly (SIGTERM) and waits for their reports: a
        SIGKILL in the middle of one would hide what it was about to say. Only
        processes still in the bus's process group (the activated daemons) are
        signalled: the pid of a CLI that ended may belong to anything by now."""
        def running(pid):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return fields[0] != "Z" and int(fields[2]) == group
            except OSError:
                return False

        alive = [pid for pid in self.pids(root) if running(pid)]
        for pid in alive:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while any(running(pid) for pid in alive) and time.monotonic() < deadline:
            time.sleep(0.05)

    def errors(self, root):
        """The reports that count errors (a process killed before its summary has none to count)."""
        found, summaries = [], 0
        for pid in sorted(self.pids(root)):
            with open(os.path.join(root, "valgrind", "%d.log" % pid), errors="replace") as f:
                text = f.read()
            counts = [int(n) for n in re.findall(r"ERROR SUMMARY: (\d+) errors", text)]
            summaries += len(counts)
            if any(counts):
                found.append("--- valgrind report of pid %d\n%s" % (pid, text[-6000:]))
        if self.command:
            print("# valgrind: %d processes, %d summaries, %d with errors" % (
                len(self.pids(root)), summaries, len(found)), flush=True)
        return "\n".join(found)


valgrind = Valgrind(os.environ.get("PRESENT_VALGRIND", ""))


class Watcher:
    """present watch, its stdout read line by line."""

    def __init__(self, test, *args):
        self.process = subprocess.Popen(valgrind.wrap([CLI, "watch"] + list(args), test.root),
                                        env=test.bus.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        start_new_session=True)
        test.addCleanup(self.close)
        self.buffer = b""

    def line(self, timeout=10):
        """The next line, or a failure after timeout."""
        deadline = time.monotonic() + timeout * valgrind.slower
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no line from present watch within %s s (so far %r)" % (timeout, self.buffer))
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    raise AssertionError("present watch ended: %r" % self.process.stderr.read())
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def nothing_pending(self):
        ready, _, _ = select.select([self.process.stdout], [], [], 0)
        return not ready and not self.buffer

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


def main():
    """Runs the module's tests and reports them as TAP."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    tests = []

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                flatten(t)
            else:
                tests.append(t)

    flatten(suite)
    print("1..%d" % len(tests), flush=True)
    failed = 0
    for i, test in enumerate(tests, 1):
        result = unittest.TestResult()
        started = time.monotonic()
        test.run(result)
        name = "%s.%s" % (type(test).__name__, test._testMethodName)
        took = " (%.2f s)" % (time.monotonic() - started)
        if result.skipped:
            print("ok %d - %s # SKIP %s" % (i, name, result.skipped[0][1]), flush=True)
        elif result.errors or result.failures:
            failed += 1
            print("not ok %d - %s%s" % (i, name, took), flush=True)
            for _, text in result.errors + result.failures:
                sys.stdout.write("".join("# " + line + "\n" for line in text.splitlines()))
            log = getattr(test, "bus_log", "").splitlines()[-40:]
            sys.stdout.write("".join("# bus: " + line + "\n" for line in log))
        else:
            print("ok %d - %s%s" % (i, name, took), flush=True)
    sys.exit(1 if failed else 0)
