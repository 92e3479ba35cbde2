"""Real notification servers, run headless in the caller's private session bus.

Every server class is a context manager: it starts the server in __enter__,
waits for its bus names with a deadline, and in __exit__ (also on exceptions)
kills every process group it started, kills the helpers the bus activated for
it and removes its private XDG directories.  `server.env` holds the variables
to pass on to the program under test (DISPLAY, WAYLAND_DISPLAY, XDG_*...);
`server.full_env()` is os.environ plus those.  Each has get_dnd()/set_dnd()
through the server's own API, except NotificationDaemon, which has no DND.

The caller runs inside dbus-run-session, ideally with a config from
write_bus_config(), so that a Notify sent while no server runs fails with
ServiceUnknown instead of activating a random installed daemon.

Standard library + python3-dbus only.  See README.md next to this file.
"""

import ctypes
import glob
import json
import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import dbus

NOTIFICATIONS = 'org.freedesktop.Notifications'
NOTIFICATIONS_PATH = '/org/freedesktop/Notifications'
TEST_USER = 'present-test'
SERVICES_DIR = '/usr/share/dbus-1/services'
PYTHON = '/usr/bin/python3'  # the pyenv shim on PATH has no dbus/dbusmock


class ServerError(RuntimeError):
    """A server did not start or stop as expected."""


class Unavailable(ServerError):
    """The server cannot run here (not installed, or wrong user): skip."""


# ---------------------------------------------------------------- D-Bus

def session_bus():
    return dbus.SessionBus()


def has_owner(name, bus=None):
    return bool((bus or session_bus()).name_has_owner(name))


def owner_of(name, bus=None):
    """Unique name owning `name`, or None."""
    try:
        return str((bus or session_bus()).get_name_owner(name))
    except dbus.DBusException:
        return None


def pid_of(name, bus=None):
    """PID of the process owning `name`, or None."""
    bus = bus or session_bus()
    try:
        daemon = bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
        return int(daemon.GetConnectionUnixProcessID(
            name, dbus_interface='org.freedesktop.DBus'))
    except dbus.DBusException:
        return None


def bus_peer_pids(bus=None):
    """PIDs of every process connected to the bus, except the bus itself."""
    bus = bus or session_bus()
    pids = {pid_of(name, bus) for name in bus.list_names() if name.startswith(':')}
    return pids - {None, pid_of('org.freedesktop.DBus', bus)}


def get_property(bus_name, path, iface, prop, bus=None):
    obj = (bus or session_bus()).get_object(bus_name, path, introspect=False)
    return obj.Get(iface, prop, dbus_interface=dbus.PROPERTIES_IFACE)


def set_property(bus_name, path, iface, prop, value, bus=None):
    obj = (bus or session_bus()).get_object(bus_name, path, introspect=False)
    # Without the signature dbus-python sends (ssb), and GDBus answers with a
    # misleading "No such interface org.freedesktop.DBus.Properties".
    obj.Set(iface, prop, value, dbus_interface=dbus.PROPERTIES_IFACE, signature='ssv')


def server_information(bus=None):
    """GetServerInformation() as (name, vendor, version, spec_version)."""
    obj = (bus or session_bus()).get_object(NOTIFICATIONS, NOTIFICATIONS_PATH,
                                            introspect=False)
    return tuple(str(x) for x in obj.GetServerInformation(dbus_interface=NOTIFICATIONS))


def notify(summary, body='', app_name='present-test', hints=None, timeout=-1, bus=None):
    """Send one notification; returns its id."""
    obj = (bus or session_bus()).get_object(NOTIFICATIONS, NOTIFICATIONS_PATH,
                                            introspect=False)
    return int(obj.Notify(app_name, dbus.UInt32(0), '', summary, body,
                          dbus.Array([], signature='s'),
                          dbus.Dictionary(hints or {}, signature='sv'),
                          dbus.Int32(timeout), dbus_interface=NOTIFICATIONS))


def answers(call):
    """True if `call()` gets a D-Bus reply: a name can be owned before the
    objects behind it are exported (dunst does that)."""
    try:
        call()
        return True
    except dbus.DBusException:
        return False


def wait_until(predicate, timeout, what, watch=()):
    """Poll `predicate` until it returns a true value or `timeout` runs out.

    Fails early, with the log tail, if a process in `watch` exits meanwhile.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for proc in watch:
            if proc.poll() is not None:
                raise ServerError(f'{proc.name} exited with {proc.poll()} while '
                                  f'waiting for {what}\n{proc.log_tail()}')
        if time.monotonic() > deadline:
            tails = ''.join(f'\n--- {p.name}:\n{p.log_tail()}' for p in watch)
            raise ServerError(f'timed out after {timeout}s waiting for {what}{tails}')
        time.sleep(0.02)


# --------------------------------------------------------- private buses

def write_bus_config(path, servicedirs, template='/usr/share/dbus-1/session.conf'):
    """Write a copy of session.conf whose only activatable services are in
    `servicedirs` (may be empty).  Use with dbus-run-session --config-file.

    Includes go too: they could add service dirs, and the relative
    `session.d` would resolve against the copy's directory anyway.
    """
    with open(template, encoding='utf-8') as f:
        text = f.read()
    text = re.sub(r'<!--.*?-->', '', text, flags=re.S)
    text = re.sub(r'<standard_session_servicedirs\s*/>', '', text)
    text = re.sub(r'<(include|includedir)\b[^>]*(/>|>.*?</\1>)', '', text, flags=re.S)
    text = re.sub(r'\n\s*\n', '\n', text)
    dirs = ''.join(f'  <servicedir>{os.path.abspath(d)}</servicedir>\n'
                   for d in servicedirs)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text.replace('</busconfig>', dirs + '</busconfig>'))
    os.chmod(path, 0o644)  # the test user's dbus-daemon reads it too
    return path


def write_service_dir(path, names):
    """Fill `path` with the installed .service files for the bus `names`."""
    os.makedirs(path, exist_ok=True)
    wanted = set(names)
    for src in glob.glob(os.path.join(SERVICES_DIR, '*.service')):
        with open(src, encoding='utf-8') as f:
            m = re.search(r'^Name=(\S+)', f.read(), re.M)
        if m and m.group(1) in wanted:
            shutil.copy(src, path)
            wanted.discard(m.group(1))
    if wanted:
        raise Unavailable(f'no D-Bus service file for {sorted(wanted)}')
    return path


def private_bus_argv(argv, bus_config=None):
    """argv that runs `argv` in a fresh session bus (configured by
    `bus_config` if given, see write_bus_config())."""
    cfg = ['--config-file', bus_config] if bus_config else []
    return ['dbus-run-session', *cfg, '--', *argv]


def run_in_private_bus(argv, bus_config=None, **kwargs):
    """Run `argv` in a fresh session bus; see run_reaped()."""
    return run_reaped(private_bus_argv(argv, bus_config), **kwargs)


# ---------------------------------------------------------- unprivileged

def ensure_test_user(user=TEST_USER):
    """Create the unprivileged test user if missing (needs root)."""
    try:
        return pwd.getpwnam(user)
    except KeyError:
        pass
    subprocess.run(['useradd', '--system', '--create-home', '--user-group',
                    '--shell', '/usr/sbin/nologin', user], check=True)
    return pwd.getpwnam(user)


def as_test_user_argv(argv, user=TEST_USER, bus_config=None, env=None):
    """argv that runs `argv` as `user`, in a clean environment and a fresh
    session bus: root's environment would leak root's XDG dirs and bus."""
    entry = ensure_test_user(user)
    clean = {'PATH': '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
             'HOME': entry.pw_dir, 'USER': user, 'LOGNAME': user,
             'LANG': 'C.UTF-8', 'TMPDIR': '/tmp', **(env or {})}
    return ['runuser', '-u', user, '--', 'env', '-i',
            *(f'{k}={v}' for k, v in clean.items()),
            *private_bus_argv(argv, bus_config)]


def run_as_test_user(argv, user=TEST_USER, bus_config=None, env=None, **kwargs):
    """Run `argv` as the test user in a fresh bus; see run_reaped().
    The user must be able to read `argv`'s files, `bus_config` and the cwd."""
    return run_reaped(as_test_user_argv(argv, user, bus_config, env), **kwargs)


def rerun_as_test_user_if_root(bus_config=None, env=None, user=TEST_USER):
    """For a test script that needs sway: as root, run this same script as
    `user` (in a fresh bus) and exit with its code; otherwise return."""
    if os.geteuid() != 0:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    script = [PYTHON, os.path.abspath(sys.argv[0]), *sys.argv[1:]]
    sys.exit(run_as_test_user(script, user, bus_config, env).returncode)


# ------------------------------------------------------------- processes

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # Even a SIGKILLed test must not leave servers behind.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _proc_stat(pid):
    """(state, ppid) of `pid`, or None if it is gone."""
    try:
        with open(f'/proc/{pid}/stat', encoding='utf-8', errors='replace') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return fields[0], int(fields[1])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid):
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != 'Z'


def descendants(ancestor):
    """PIDs of all descendants of `ancestor` (zombies included)."""
    parent = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit() and (stat := _proc_stat(entry)):
            parent[int(entry)] = stat[1]
    found, frontier = set(), {ancestor}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def command_line(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace').strip()
    except OSError:
        return '?'


def kill_pids(pids, timeout=3):
    """SIGTERM `pids`, SIGKILL the ones still alive after `timeout`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(map(_alive, pids)):
            time.sleep(0.02)
        pids = {p for p in pids if _alive(p)}
        if not pids:
            return


def run_reaped(argv, strays=None, **kwargs):
    """subprocess.run(argv, **kwargs), then kill and reap every process it
    left behind; their (pid, command line) go into the list `strays`.

    dbus-run-session does not wait for its bus daemon, and bus-activated
    services are orphans from the start: they get reparented to init, which
    in a container may never reap them.  As a subreaper we inherit them.
    """
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    before = descendants(os.getpid())
    try:
        return subprocess.run(argv, **kwargs)
    finally:
        left = descendants(os.getpid()) - before
        # A bus daemon told to quit a moment ago is not a stray yet.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(map(_alive, left)):
            time.sleep(0.02)
        if strays is not None:
            strays.extend((p, command_line(p)) for p in sorted(left) if _alive(p))
        kill_pids(left)
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass  # not our child: its own parent reaps it


def install_sigterm_handler():
    """Turn SIGTERM (meson's timeout) into SystemExit, so `with` blocks clean up."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


class Process:
    """A child in its own process group, with its output in a log file."""

    def __init__(self, argv, env, log_path, name=None, **kwargs):
        self.argv = list(argv)
        self.name = name or os.path.basename(argv[0])
        self.log_path = log_path
        with open(log_path, 'ab') as log:
            self.popen = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent, **kwargs)
        self.pid = self.popen.pid

    def poll(self):
        return self.popen.poll()

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def stop(self, timeout=5):
        """SIGTERM the whole group, SIGKILL it after `timeout`."""
        self._signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        # Also for children left in the group after the leader exited.
        self._signal_group(signal.SIGKILL)
        self.popen.wait()

    def _signal_group(self, sig):
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


# --------------------------------------------------------------- servers

class Server:
    """Base: private XDG dirs, child processes, readiness and cleanup.

    `bus_address`: the session bus to run in (default: the one in
    os.environ), e.g. for a harness that runs its own dbus-daemon.

    Subclasses implement _start() and, for restart(), set self.main to the
    process to restart and implement _wait_ready(old_owner).
    """

    name = 'server'
    binaries = ()          # must be on PATH (or absolute), else Unavailable
    bus_names = ()         # released again after stop()
    main_names = (NOTIFICATIONS,)  # released when the main process dies (kill())
    supports_dnd = True
    start_timeout = 10.0

    def __init__(self, bus_address=None):
        self.bus_address = bus_address
        self.tmp = None
        self.procs = []
        self.env = {}
        self.main = None
        self._bus = None
        self._peers_before = None

    @property
    def bus(self):
        """Our connection to the session bus the server runs in."""
        if self._bus is None:
            self._bus = (dbus.bus.BusConnection(self.bus_address) if self.bus_address
                         else session_bus())
        return self._bus

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and not issubclass(exc_type, (Unavailable, SystemExit)):
            # The logs go with the temp dir: show them while they exist.
            for proc in self.procs:
                sys.stderr.write(f'--- {self.name}: {proc.name} (exit {proc.poll()}), '
                                 f'log tail:\n{proc.log_tail()}')
        self.stop()

    def start(self):
        for binary in self.binaries:
            if not shutil.which(binary):
                raise Unavailable(f'{binary} not installed')
        self.tmp = tempfile.mkdtemp(prefix=f'present-{self.name}-')
        for sub in ('config', 'cache', 'data', 'runtime'):
            os.mkdir(self.path(sub), 0o700)
        self.env = {'XDG_CONFIG_HOME': self.path('config'),
                    'XDG_CACHE_HOME': self.path('cache'),
                    'XDG_DATA_HOME': self.path('data'),
                    'XDG_RUNTIME_DIR': self.path('runtime'),
                    'NO_AT_BRIDGE': '1',  # no accessibility bus to activate
                    **self.inherited_env()}
        if self.bus_address:
            self.env['DBUS_SESSION_BUS_ADDRESS'] = self.bus_address
        self._peers_before = bus_peer_pids(self.bus)
        self._start()

    def stop(self):
        try:
            self.halt()
        finally:
            self.remove_files()

    def halt(self):
        """Stops the server's processes and keeps its files: what else runs on
        the bus with its environment (the present daemon given GNOME Shell's
        XDG dirs) may still write there until that bus goes."""
        try:
            while self.procs:
                self.procs.pop().stop()
            self._kill_activated()
            for name in self.bus_names:
                wait_until(lambda n=name: not has_owner(n, self.bus), 5,
                           f'{name} to be released')
        finally:
            if self.bus_address and self._bus is not None:
                self._bus.close()
                self._bus = None

    def remove_files(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def restart(self):
        """Kill the server and start it again; returns once the new process
        answers.  Settings kept on disk survive, in-memory state does not."""
        old = owner_of(NOTIFICATIONS, self.bus)
        self.procs.remove(self.main)
        self.main.stop()
        self.main = self.spawn(self.main.argv, self.main.name)
        self._wait_ready(old)

    def kill(self):
        """Kill the server process only (not its display server or helpers),
        as a crash would, and wait until its bus names are free; start_again()
        brings it back."""
        self.procs.remove(self.main)
        self.main.stop()
        for name in self.main_names:
            wait_until(lambda n=name: not has_owner(n, self.bus), 5, f'{name} to be released')

    def start_again(self):
        """After kill(): the same server again, once it answers."""
        self.main = self.spawn(self.main.argv, self.main.name)
        self._wait_ready()

    def inherited_env(self):
        """Variables taken over from the display server we run under."""
        return {}

    def _start(self):
        raise NotImplementedError

    def _wait_ready(self, old_owner=None):
        self.wait_owned_by(NOTIFICATIONS, self.main, old_owner)

    # -- helpers

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def full_env(self, extra=None):
        """os.environ plus this server's variables: for spawning clients."""
        return {**os.environ, **self.env, **(extra or {})}

    def spawn(self, argv, name=None, **kwargs):
        name = name or os.path.basename(argv[0])
        proc = Process(argv, self.full_env(), self.path(f'{name}.log'), name, **kwargs)
        self.procs.append(proc)
        return proc

    def write(self, filename, text):
        with open(self.path(filename), 'w', encoding='utf-8') as f:
            f.write(text)
        return self.path(filename)

    def wait_names(self, names, timeout=None, bus=None):
        for name in names:
            wait_until(lambda n=name: has_owner(n, bus or self.bus), timeout or self.start_timeout,
                       f'{self.name} to own {name}', self.procs)

    def wait_owned_by(self, name, proc, old_owner=None, timeout=None):
        """Wait until `proc` itself owns `name` (not an activated stranger)."""
        timeout = timeout or self.start_timeout

        def owned():
            owner = owner_of(name, self.bus)
            return owner and owner != old_owner and pid_of(owner, self.bus) == proc.pid
        wait_until(owned, timeout, f'{proc.name} (pid {proc.pid}) to own {name}', [proc])
        if name == NOTIFICATIONS:
            wait_until(lambda: answers(lambda: server_information(self.bus)), timeout,
                       f'{proc.name} to answer GetServerInformation', [proc])

    def _kill_activated(self):
        """Kill bus peers that appeared while we ran and are not our
        descendants: helpers the bus activated for the server (dconf-service,
        the gjs notification proxy...).  Left alive they keep this server's
        environment and names and would confuse the next server in the bus."""
        if self._peers_before is None:
            return
        ours = descendants(os.getpid()) | {os.getpid()}
        kill_pids(bus_peer_pids(self.bus) - self._peers_before - ours)
        self._peers_before = None


class Xvfb(Server):
    """An X server on a free display number (or on `display`)."""

    name = 'xvfb'
    binaries = ('Xvfb',)
    supports_dnd = False

    def __init__(self, display=None, screen='1280x720x24', bus_address=None):
        super().__init__(bus_address)
        self.display = display
        self.screen = screen

    def _start(self):
        # -displayfd: Xvfb picks a free number (unless given one) and writes
        # it once it accepts connections.
        rfd, wfd = os.pipe()
        try:
            argv = ['Xvfb', '-displayfd', str(wfd), '-screen', '0', self.screen,
                    '-nolisten', 'tcp', '-noreset']
            if self.display is not None:
                argv.append(f':{self.display}')
            self.main = self.spawn(argv, pass_fds=(wfd,))
            os.close(wfd)
            wfd = None
            self.display = int(self._read_line(rfd))
        finally:
            os.close(rfd)
            if wfd is not None:
                os.close(wfd)
        self.env['DISPLAY'] = f':{self.display}'

    def restart(self):
        raise NotImplementedError('restart the server that runs under Xvfb instead')

    def _read_line(self, fd):
        data = b''
        deadline = time.monotonic() + self.start_timeout
        while not data.endswith(b'\n'):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ServerError(f'Xvfb gave no display\n{self.main.log_tail()}')
            chunk = os.read(fd, 64)
            if not chunk:
                raise ServerError(f'Xvfb exited\n{self.main.log_tail()}')
            data += chunk
        return data.decode().strip()


class _Nested(Server):
    """A server that needs a display server: starts its own unless given one."""

    display_class = None
    display_vars = ()

    def __init__(self, display_server=None, bus_address=None):
        super().__init__(bus_address)
        self.display_server = display_server
        self._own_display = None

    def start(self):
        if self.display_server is None:
            self._own_display = self.display_server = self.display_class(
                bus_address=self.bus_address)
            self.display_server.start()
        super().start()

    def halt(self):
        try:
            super().halt()
        finally:
            if self._own_display:
                self._own_display.halt()

    def remove_files(self):
        # The display's runtime directory is the server's (display_vars).
        super().remove_files()
        if self._own_display:
            self._own_display.remove_files()
            self._own_display = self.display_server = None

    def inherited_env(self):
        return {k: self.display_server.env[k] for k in self.display_vars}


class _X11Server(_Nested):
    display_class = Xvfb
    display_vars = ('DISPLAY',)

    def __init__(self, xvfb=None, bus_address=None):
        super().__init__(xvfb, bus_address)

    def shown(self):
        """The windows mapped on the display now, top-level, by id: the server's
        popups, for one that shows each alert in a window of its own."""
        def xwininfo(*args):
            return subprocess.run(['xwininfo', *args], env=self.full_env(), capture_output=True, text=True,
                                  timeout=10, check=True).stdout
        ids = re.findall(r'^\s+(0x[0-9a-f]+) ', xwininfo('-root', '-children'), re.M)
        return {i for i in ids if 'Map State: IsViewable' in xwininfo('-id', i)}


class Dunst(_X11Server):
    """dunst 1.9 under Xvfb.  DND is the property `paused` of
    org.dunstproject.cmd0; it lives in memory, so restart() clears it."""

    name = 'dunst'
    binaries = ('dunst',)
    bus_names = (NOTIFICATIONS,)
    CMD_IFACE = 'org.dunstproject.cmd0'
    DEFAULT_CONFIG = '[global]\n    timeout = 0\n    notification_limit = 5\n'

    def __init__(self, config_text=None, xvfb=None, bus_address=None):
        super().__init__(xvfb, bus_address)
        self.config_text = self.DEFAULT_CONFIG if config_text is None else config_text

    def _start(self):
        self.main = self.spawn(['dunst', '-config', self.write('dunstrc', self.config_text)])
        self._wait_ready()

    def _wait_ready(self, old_owner=None):
        super()._wait_ready(old_owner)
        wait_until(lambda: answers(self.get_dnd), self.start_timeout,
                   'dunst to export org.dunstproject.cmd0', [self.main])

    def _cmd(self, prop):
        return int(get_property(NOTIFICATIONS, NOTIFICATIONS_PATH, self.CMD_IFACE, prop,
                                self.bus))

    def get_dnd(self):
        return bool(self._cmd('paused'))

    def set_dnd(self, on):
        set_property(NOTIFICATIONS, NOTIFICATIONS_PATH, self.CMD_IFACE,
                     'paused', dbus.Boolean(on), self.bus)

    get_paused, set_paused = get_dnd, set_dnd

    def counts(self):
        """{'waiting': held back while paused, 'displayed': ..., 'history': ...}"""
        return {k: self._cmd(k + 'Length') for k in ('waiting', 'displayed', 'history')}

    def close_all(self):
        """Closes every displayed notification: they go to the history."""
        self.bus.get_object(NOTIFICATIONS, NOTIFICATIONS_PATH).NotificationCloseAll(
            dbus_interface=self.CMD_IFACE)

    def history(self):
        """Summaries of the notifications in dunst's history, newest first."""
        entries = self.bus.get_object(NOTIFICATIONS, NOTIFICATIONS_PATH).NotificationListHistory(
            dbus_interface=self.CMD_IFACE)
        return [str(e['summary']) for e in entries]


class XfceNotifyd(_X11Server):
    """xfconfd + xfce4-notifyd 0.7 under Xvfb.  DND is the xfconf property
    /do-not-disturb of channel xfce4-notifyd: persistent, and unset (None)
    until first set.  0.7.3 owns no bus name org.xfce.Notifyd: that is an
    interface (method Quit) on /org/freedesktop/Notifications."""

    name = 'xfce4-notifyd'
    LIBEXEC = '/usr/lib/x86_64-linux-gnu/xfce4'
    XFCONFD = f'{LIBEXEC}/xfconf/xfconfd'
    NOTIFYD = f'{LIBEXEC}/notifyd/xfce4-notifyd'
    binaries = (XFCONFD, NOTIFYD)
    XFCONF = 'org.xfce.Xfconf'
    bus_names = (XFCONF, NOTIFICATIONS)
    CHANNEL, DND = 'xfce4-notifyd', '/do-not-disturb'

    def _start(self):
        self.wait_owned_by(self.XFCONF, self.spawn([self.XFCONFD]))
        self.main = self.spawn([self.NOTIFYD])  # restart() leaves xfconfd be
        self._wait_ready()

    def _xfconf(self):
        return dbus.Interface(self.bus.get_object(self.XFCONF, '/org/xfce/Xfconf'),
                              self.XFCONF)

    def get_dnd(self):
        """True/False, or None while the property is unset."""
        try:
            return bool(self._xfconf().GetProperty(self.CHANNEL, self.DND))
        except dbus.DBusException as e:
            if e.get_dbus_name() == 'org.xfce.Xfconf.Error.PropertyNotFound':
                return None
            raise

    def set_dnd(self, on):
        self._xfconf().SetProperty(self.CHANNEL, self.DND, dbus.Boolean(on))

    def reset_dnd(self):
        """Back to unset.  Raises PropertyNotFound if it is unset already."""
        self._xfconf().ResetProperty(self.CHANNEL, self.DND, False)


class NotificationDaemon(_X11Server):
    """GNOME's notification-daemon 3.20 under Xvfb: no DND at all; refuses
    the 21st live notification with MaxNotificationsExceeded."""

    name = 'notification-daemon'
    BINARY = '/usr/lib/notification-daemon/notification-daemon'
    binaries = (BINARY,)
    bus_names = (NOTIFICATIONS,)
    supports_dnd = False

    def _start(self):
        self.main = self.spawn([self.BINARY, '--replace'])
        self._wait_ready()


class _GSettingsServer(_X11Server):
    """An X11 server whose do-not-disturb is a GSettings key in dconf,
    written by the dconf-service the bus activates, and read by the server.

    `settings_env` (XDG_CONFIG_HOME, XDG_RUNTIME_DIR, GSETTINGS_BACKEND) names
    the database the program under test uses, which the server must share,
    XDG_RUNTIME_DIR included: there dconf-service tells readers that the
    database changed, and without it the server keeps the first one it mapped.
    Without `settings_env`, the server's own dirs, pushed into the bus's
    activation environment; the bus must be able to activate SERVICES.
    Subclasses set SCHEMA, KEY, QUIET (the key's value in do-not-disturb) and
    argv."""

    binaries = ('gsettings', 'dbus-update-activation-environment')
    SERVICES = ('ca.desrt.dconf',)
    SCHEMA = KEY = None
    QUIET = True
    argv = ()

    def __init__(self, settings_env=None, xvfb=None, bus_address=None):
        super().__init__(xvfb, bus_address)
        self.settings_env = settings_env and dict(settings_env)

    def inherited_env(self):
        return {**super().inherited_env(), **(self.settings_env or {})}

    def _start(self):
        if not self.settings_env:
            self.env['GSETTINGS_BACKEND'] = 'dconf'
            subprocess.run(['dbus-update-activation-environment', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR',
                            'GSETTINGS_BACKEND'], env=self.full_env(), check=True)
        self.main = self.spawn(list(self.argv))
        self._wait_ready()

    def _gsettings(self, *args):
        return subprocess.run(['gsettings', *args], env=self.full_env(), check=True, capture_output=True,
                              text=True, timeout=30).stdout.strip()

    def get_dnd(self):
        return self._gsettings('get', self.SCHEMA, self.KEY) == str(self.QUIET).lower()

    def set_dnd(self, on):
        self._gsettings('set', self.SCHEMA, self.KEY, str(self.QUIET == bool(on)).lower())


class MateNotificationDaemon(_GSettingsServer):
    """MATE's notification server 1.26 under Xvfb.  DND is GSettings
    org.mate.NotificationDaemon do-not-disturb, which it reads at each Notify:
    an alert sent while it is true is given an id and never shown."""

    name = 'mate-notification-daemon'
    BINARY = '/usr/lib/mate-notification-daemon/mate-notification-daemon'
    argv = (BINARY,)
    binaries = _GSettingsServer.binaries + (BINARY, 'xwininfo')
    bus_names = (NOTIFICATIONS,)
    SCHEMA, KEY = 'org.mate.NotificationDaemon', 'do-not-disturb'


class Cinnamon(_GSettingsServer):
    """Cinnamon 5.6 under Xvfb (no window manager before it, no system bus):
    its notification server is part of the shell, so the whole shell runs.
    DND is GSettings org.cinnamon.desktop.notifications display-notifications
    = false.  Banners are drawn inside the shell, not in windows of their own:
    shown() is what the shell's message tray has shown since the server
    started, by title."""

    name = 'cinnamon'
    argv = ('cinnamon', '--replace')
    binaries = _GSettingsServer.binaries + ('cinnamon',)
    bus_names = (NOTIFICATIONS, 'org.Cinnamon')
    main_names = bus_names
    SCHEMA, KEY, QUIET = 'org.cinnamon.desktop.notifications', 'display-notifications', False
    start_timeout = 30.0

    def _start(self):
        super()._start()
        # Every banner the tray shows, kept by title: one may come and go between two looks.
        self.eval('global.presentShown = [];'
                  'const tray = Main.messageTray, show = tray._showNotification;'
                  'tray._showNotification = function() {'
                  '  const r = show.apply(this, arguments);'
                  '  global.presentShown.push(this._notification.title);'
                  '  return r; }')

    def _wait_ready(self, old_owner=None):
        super()._wait_ready(old_owner)
        self.wait_owned_by('org.Cinnamon', self.main)

    def eval(self, js):
        """org.Cinnamon.Eval: the result as JSON text."""
        ok, result = self.bus.get_object('org.Cinnamon', '/org/Cinnamon').Eval(js, dbus_interface='org.Cinnamon')
        if not ok:
            raise ServerError(f'Eval failed: {result}')
        return str(result)

    def shown(self):
        return set(json.loads(self.eval('global.presentShown')))


class Budgie(_X11Server):
    """budgie-daemon 10.7 under Xvfb: the notification server of Budgie, with
    its Dispatcher at /org/budgie_desktop/Notifications.  DND has no setter,
    only ToggleDoNotDisturb, and lives in the daemon's memory; a popup is a
    window of its own."""

    name = 'budgie-daemon'
    binaries = ('budgie-daemon', 'xwininfo')
    BUDGIE = 'org.budgie_desktop.Notifications'
    PATH = '/org/budgie_desktop/Notifications'
    DISPATCHER = 'org.buddiesofbudgie.budgie.Dispatcher'
    bus_names = (NOTIFICATIONS, BUDGIE)
    main_names = bus_names

    def _start(self):
        # Its settings (panel layout, OSD) are not what is tested: kept in its memory.
        self.env['GSETTINGS_BACKEND'] = 'memory'
        self.main = self.spawn(['budgie-daemon'])
        self._wait_ready()

    def _wait_ready(self, old_owner=None):
        super()._wait_ready(old_owner)
        self.wait_owned_by(self.BUDGIE, self.main)
        wait_until(lambda: answers(self.get_dnd), self.start_timeout, 'budgie-daemon to answer GetDoNotDisturb',
                   [self.main])

    def _dispatcher(self):
        return dbus.Interface(self.bus.get_object(self.BUDGIE, self.PATH), self.DISPATCHER)

    def get_dnd(self):
        return bool(self._dispatcher().GetDoNotDisturb())

    def set_dnd(self, on):
        # As Raven's switch does: a toggle, only when it is not as wanted.
        if self.get_dnd() != on:
            self._dispatcher().ToggleDoNotDisturb()


class GnomeShell(Server):
    """GNOME Shell 43 headless on Wayland, with a private system bus holding
    a dbusmock logind.  DND is GSettings org.gnome.desktop.notifications
    show-banners=false, in dconf: get_dnd() is `not show-banners`.

    The session bus must be able to activate SERVICES (dconf-service and the
    gjs proxy that owns org.freedesktop.Notifications): with a restricted bus
    add write_service_dir(dir, GnomeShell.SERVICES) to its servicedirs.
    """

    name = 'gnome-shell'
    binaries = ('gnome-shell', 'gjs', 'dbus-daemon', 'gsettings', 'dconf',
                'dbus-update-activation-environment')
    bus_names = ('org.gnome.Shell', 'org.gtk.Notifications', NOTIFICATIONS)
    main_names = ('org.gnome.Shell', 'org.gtk.Notifications')  # the gjs proxy stays
    SERVICES = ('ca.desrt.dconf', 'org.gnome.Shell.Notifications')
    SCHEMA = 'org.gnome.desktop.notifications'
    start_timeout = 30.0

    def __init__(self, size='1280x720', bus_address=None):
        super().__init__(bus_address)
        self.size = size
        self.system_bus = None
        self._watchdog = None

    def _start(self):
        missing = set(self.SERVICES) - set(map(str, self.bus.list_activatable_names()))
        if missing:
            raise ServerError(f'the session bus cannot activate {sorted(missing)}: add '
                              'write_service_dir(DIR, GnomeShell.SERVICES) to its config')
        system_bus = f'unix:path={self.path("runtime", "system_bus")}'
        self.env.update(GSETTINGS_BACKEND='dconf', WAYLAND_DISPLAY='wayland-test',
                        MUTTER_DEBUG_DUMMY_MODE_SPECS=self.size,
                        DBUS_SYSTEM_BUS_ADDRESS=system_bus)
        # dconf-service is activated by the bus: without this it would write
        # to the bus's ~/.config while gsettings reads ours.
        subprocess.run(['dbus-update-activation-environment', *self.env],
                       env=self.full_env(), check=True)

        config = write_bus_config(self.path('system.conf'), [])
        self.spawn(['dbus-daemon', f'--config-file={config}', f'--address={system_bus}',
                    '--nofork', '--nopidfile'], 'system-bus')
        self.system_bus = wait_until(lambda: self._connect(system_bus),
                                     self.start_timeout, 'private system bus', self.procs)
        self.spawn([PYTHON, '-m', 'dbusmock', '--system', '--template', 'logind'],
                   'logind-mock')
        self.wait_names(['org.freedesktop.login1'], bus=self.system_bus)

        self.main = self.spawn(['gnome-shell', '--headless', '--wayland', '--no-x11',
                                '--virtual-monitor', self.size, '--unsafe-mode',
                                '--wayland-display', self.env['WAYLAND_DISPLAY']])
        self._wait_ready()

    def _wait_ready(self, old_owner=None):
        self._stop_watchdog()  # restart(): the old shell is gone
        self._watchdog_stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch_forks, daemon=True,
                                          args=(self.main, self._watchdog_stop))
        self._watchdog.start()
        wait_until(lambda: pid_of('org.gnome.Shell', self.bus) == self.main.pid,
                   self.start_timeout, 'gnome-shell to own org.gnome.Shell', [self.main])
        # org.freedesktop.Notifications belongs to an activated gjs proxy.
        self.wait_names(['org.gtk.Notifications', NOTIFICATIONS])
        wait_until(lambda: answers(lambda: server_information(self.bus)), self.start_timeout,
                   'the notification proxy to answer', [self.main])

    # gnome-shell 43 spawns ibus-daemon with a JavaScript child_setup
    # callback, which runs in the forked child of a multithreaded process:
    # about 1 start in 30 here that child deadlocks on a GType lock another
    # thread held at fork time, and the shell's main loop waits on it forever
    # (the shell skips the spawn only in a systemd-managed session).  A child
    # that is still an un-exec'd copy of the shell after STUCK_FORK seconds
    # is such a one: the watchdog kills it, and the shell goes on as if
    # ibus-daemon had started and exited.
    STUCK_FORK = 1.0

    def _watch_forks(self, shell, stop):
        seen = {}
        argv = command_line(shell.pid)
        while not stop.wait(0.1):
            now = time.monotonic()
            for pid in descendants(shell.pid):
                stat = _proc_stat(pid)
                if not stat or stat[0] == 'Z' or stat[1] != shell.pid or command_line(pid) != argv:
                    continue
                if now - seen.setdefault(pid, now) > self.STUCK_FORK:
                    sys.stderr.write(f'gnome-shell: killed its child {pid}, stuck between fork and exec\n')
                    kill_pids({pid}, timeout=1)

    @staticmethod
    def _connect(address):
        try:
            return dbus.bus.BusConnection(address)
        except dbus.DBusException:
            return None

    def _stop_watchdog(self):
        if self._watchdog is not None:
            self._watchdog_stop.set()
            self._watchdog.join()
            self._watchdog = None

    def halt(self):
        self._stop_watchdog()
        if self.system_bus is not None:
            self.system_bus.close()
            self.system_bus = None
        super().halt()

    # -- settings, through the same tools a user would use

    def _run(self, *argv):
        return subprocess.run(argv, env=self.full_env(), check=True,
                              capture_output=True, text=True).stdout.strip()

    def get_show_banners(self):
        return self._run('gsettings', 'get', self.SCHEMA, 'show-banners') == 'true'

    def set_show_banners(self, on):
        self._run('gsettings', 'set', self.SCHEMA, 'show-banners', str(bool(on)).lower())

    def reset_show_banners(self):
        self._run('gsettings', 'reset', self.SCHEMA, 'show-banners')

    def user_show_banners(self):
        """The user's value of show-banners, None while at the default."""
        value = self._run('dconf', 'read', '/org/gnome/desktop/notifications/show-banners')
        return None if not value else value == 'true'

    def get_dnd(self):
        return not self.get_show_banners()

    def set_dnd(self, on):
        self.set_show_banners(not on)

    # -- one application's settings (relocatable schema, keyed by desktop id)

    APP_SCHEMA = 'org.gnome.desktop.notifications.application'

    @staticmethod
    def app_path(app_id):
        """GNOME's path for a desktop id: lowercased, [^a-z0-9-] -> '-', a run of '-' -> one."""
        return '/org/gnome/desktop/notifications/application/%s/' % re.sub(
            '--+', '-', re.sub('[^a-z0-9-]', '-', app_id.lower()))

    def get_app_show_banners(self, app_id):
        return self._run('gsettings', 'get', f'{self.APP_SCHEMA}:{self.app_path(app_id)}',
                         'show-banners') == 'true'

    def user_app_show_banners(self, app_id):
        """The user's value of the app's show-banners, None while at the default."""
        value = self._run('dconf', 'read', self.app_path(app_id) + 'show-banners')
        return None if not value else value == 'true'

    # -- what the shell itself sees (needs --unsafe-mode)

    def eval(self, js):
        """org.gnome.Shell.Eval: returns the result as JSON text."""
        shell = self.bus.get_object('org.gnome.Shell', '/org/gnome/Shell')
        ok, result = shell.Eval(js, dbus_interface='org.gnome.Shell')
        if not ok:
            raise ServerError(f'Eval failed: {result}')
        return str(result)

    def shell_show_banners(self):
        """show-banners as read inside the shell process (its dconf view)."""
        return json.loads(self.eval(
            f"new imports.gi.Gio.Settings({{schema_id: '{self.SCHEMA}'}})"
            ".get_boolean('show-banners')"))

    def banners(self):
        """Titles of the notifications showing or queued as banners."""
        return json.loads(self.eval(
            'JSON.stringify([Main.messageTray._notification,'
            ' ...Main.messageTray._notificationQueue].filter(n => n).map(n => n.title))'))


class Sway(Server):
    """Headless sway 1.7 (pixman renderer).  sway refuses to run as root:
    run the test as TEST_USER, see rerun_as_test_user_if_root()."""

    name = 'sway'
    binaries = ('sway',)
    supports_dnd = False
    CONFIG = 'output HEADLESS-1 resolution 1280x720\n'

    def _start(self):
        if os.geteuid() == 0:
            raise Unavailable('sway refuses to run as root: run the test as '
                              f'{TEST_USER} (servers.rerun_as_test_user_if_root)')
        self.env.update(WLR_BACKENDS='headless', WLR_LIBINPUT_NO_DEVICES='1',
                        WLR_RENDERER='pixman')
        self.main = self.spawn(['sway', '--config', self.write('sway.conf', self.CONFIG)])
        runtime = self.path('runtime')

        def sockets():
            wayland = glob.glob(f'{runtime}/wayland-[0-9]')
            ipc = glob.glob(f'{runtime}/sway-ipc.*.sock')
            return wayland and ipc and (wayland[0], ipc[0])
        wayland, ipc = wait_until(sockets, self.start_timeout, 'sway sockets', self.procs)
        self.env.update(WAYLAND_DISPLAY=os.path.basename(wayland), SWAYSOCK=ipc)

    def restart(self):
        raise NotImplementedError('restart the server that runs under sway instead')


class _WaylandServer(_Nested):
    display_class = Sway
    # The Wayland socket lives in sway's runtime dir.
    display_vars = ('XDG_RUNTIME_DIR', 'WAYLAND_DISPLAY', 'SWAYSOCK')

    def __init__(self, sway=None, bus_address=None):
        super().__init__(sway, bus_address)


class Mako(_WaylandServer):
    """mako 1.7 on headless sway.  DND is the mode `do-not-disturb`, kept in
    memory; it only hides anything because our config defines it.

    mako 1.7.1 segfaults now and then (about 1 run in 20 here) when its modes
    change within ~0.3 s of a visible notification arriving.  The real bus
    then re-activates mako on the next Notify, without the mode.
    """

    name = 'mako'
    binaries = ('mako',)
    bus_names = (NOTIFICATIONS,)
    PATH, IFACE = '/fr/emersion/Mako', 'fr.emersion.Mako'
    DND = 'do-not-disturb'
    DEFAULT_CONFIG = 'default-timeout=0\n\n[mode=do-not-disturb]\ninvisible=1\n'

    def __init__(self, config_text=None, sway=None, bus_address=None):
        super().__init__(sway, bus_address)
        self.config_text = self.DEFAULT_CONFIG if config_text is None else config_text

    def _start(self):
        self.main = self.spawn(['mako', '--config', self.write('mako.conf', self.config_text)])
        self._wait_ready()

    def _mako(self):
        return dbus.Interface(self.bus.get_object(NOTIFICATIONS, self.PATH), self.IFACE)

    def list_modes(self):
        return [str(m) for m in self._mako().ListModes()]

    def set_modes(self, modes):
        self._mako().SetModes(dbus.Array(modes, signature='s'))

    def get_dnd(self):
        return self.DND in self.list_modes()

    def set_dnd(self, on):
        modes = [m for m in self.list_modes() if m != self.DND]
        self.set_modes(modes + [self.DND] if on else modes)

    def notifications(self):
        """ListNotifications(): the notifications mako currently holds."""
        return self._mako().ListNotifications()


class Swaync(_WaylandServer):
    """SwayNotificationCenter 0.7 on headless sway.  DND via SetDnd/GetDnd on
    org.erikreider.swaync.cc; it persists in GSettings (keyfile backend here,
    so no dconf-service has to be activated)."""

    name = 'swaync'
    binaries = ('swaync',)
    CC = 'org.erikreider.swaync.cc'
    bus_names = main_names = (NOTIFICATIONS, CC)

    def _start(self):
        self.env['GSETTINGS_BACKEND'] = 'keyfile'
        self.main = self.spawn(['swaync'])
        self._wait_ready()

    def _wait_ready(self, old_owner=None):
        super()._wait_ready(old_owner)
        self.wait_owned_by(self.CC, self.main)

    def _cc(self):
        return dbus.Interface(self.bus.get_object(self.CC, '/org/erikreider/swaync/cc'),
                              self.CC)

    def get_dnd(self):
        return bool(self._cc().GetDnd())

    def set_dnd(self, on):
        self._cc().SetDnd(dbus.Boolean(on))

    def notification_count(self):
        return int(self._cc().NotificationCount())


ALL = (Dunst, XfceNotifyd, NotificationDaemon, MateNotificationDaemon, Cinnamon, Budgie, GnomeShell, Mako, Swaync)
