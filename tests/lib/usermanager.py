"""systemd's user manager, of our own, with a session bus it starts: what a
desktop session on a systemd distribution runs present under.

The manager refuses to run as a user instance unless /run/systemd/system
exists (the mark of a system booted with systemd), which a container or a
build machine may lack: it runs in a mount namespace of its own, over a
/run that only it sees. That takes root, and util-linux's unshare.
"""
import os
import shutil
import signal
import subprocess

import dbus

from harness import wait_until

MANAGER = "/usr/lib/systemd/systemd"
DBUS_SOCKET = "/usr/lib/systemd/user/dbus.socket"
# Started by the manager and nothing else: the bus, on demand.
TARGET = "[Unit]\nDescription=a session bus alone\nDefaultDependencies=no\nWants=dbus.socket\nAllowIsolate=yes\n"


def why_not():
    """None if a user manager can be run here; else the reason."""
    if os.geteuid() != 0:
        return "a user manager of our own needs a mount namespace, and so root"
    for path in (MANAGER, DBUS_SOCKET):
        if not os.path.exists(path):
            return "%s is not installed" % path
    if not shutil.which("unshare") or not shutil.which("systemctl"):
        return "unshare or systemctl is not installed"
    return None


class UserManager:
    """env: the user's, every XDG directory under root; data_dirs: where the
    manager finds units and the bus activation files (XDG_DATA_DIRS)."""

    def __init__(self, root, data_dirs):
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "XDG_", "SYSTEMD_"))}
        for key, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                         ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
            self.env[key] = os.path.join(root, sub)
            os.makedirs(self.env[key], mode=0o700, exist_ok=True)
        self.env["XDG_DATA_DIRS"] = ":".join(data_dirs)
        self.env["XDG_CONFIG_DIRS"] = os.path.join(root, "etc-xdg")
        for name in ("DISPLAY", "WAYLAND_DISPLAY"):
            self.env.pop(name, None)

        # The distribution's bus unit, with a configuration that knows only
        # data_dirs: a missing service must fail, not start what this machine has.
        with open("/usr/share/dbus-1/session.conf") as f:
            conf = f.read().replace("<standard_session_servicedirs />", "".join(
                "<servicedir>%s/dbus-1/services</servicedir>" % d for d in data_dirs))
        with open(os.path.join(root, "bus.conf"), "w") as f:
            f.write(conf)
        units = os.path.join(self.env["XDG_CONFIG_HOME"], "systemd", "user")
        os.makedirs(units + "/dbus.service.d")
        with open(units + "/dbus.service.d/config.conf", "w") as f:
            f.write("[Service]\nExecStart=\nExecStart=/usr/bin/dbus-daemon --config-file=%s --address=systemd: "
                    "--nofork --nopidfile --systemd-activation\n" % os.path.join(root, "bus.conf"))
        with open(units + "/present-test.target", "w") as f:
            f.write(TARGET)

        # What the units say goes here too: there is no journal.
        self.log = open(os.path.join(root, "manager.log"), "w+", errors="replace")
        script = "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec %s --user --unit=%s --default-standard-output=inherit --default-standard-error=inherit" % (
            MANAGER, "present-test.target")
        self.process = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.connection = None
        try:
            wait_until(lambda: self.process.poll() is not None or os.path.exists(self.env["XDG_RUNTIME_DIR"] +
                                                                                 "/systemd/private"),
                       what="the user manager")
            if self.process.poll() is not None:
                raise AssertionError("the user manager exited with %d" % self.process.returncode)
            self.systemctl("start", "dbus.service")
            self.address = "unix:path=%s/bus" % self.env["XDG_RUNTIME_DIR"]
            self.env["DBUS_SESSION_BUS_ADDRESS"] = self.address
            self.connection = dbus.bus.BusConnection(self.address)
            # The manager joins the bus once it runs: StartTransientUnit and activation go through it.
            wait_until(lambda: self.connection.name_has_owner("org.freedesktop.systemd1"),
                       what="the user manager on the bus")
        except BaseException:
            self.close()
            raise

    def systemctl(self, *args):
        r = subprocess.run(["systemctl", "--user", "--no-pager"] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=30)
        if r.returncode not in (0, 3):  # 3: is-active of a unit that is not
            raise AssertionError("systemctl %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout.strip()

    def read_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self):
        """Every unit and scope stopped, then the manager, and the namespace with it."""
        if self.connection:
            self.connection.close()
        if self.process.poll() is None:
            # A manager that exits leaves its units' processes running: they are stopped first.
            for slice_ in ("app.slice", "session.slice"):
                subprocess.run(["systemctl", "--user", "stop", slice_], env=self.env, capture_output=True,
                               timeout=30)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
