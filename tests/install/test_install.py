"""What `meson install` puts where, that it all works from there, and that
`ninja uninstall` takes it all back.

One build of its own (no tests, no sanitizers) is installed three ways: into
a home-like prefix (…/home/.local) for real, where the installed present is
run against a private bus that activates the installed daemon through the
installed activation file; and with --destdir for --prefix /usr and
/usr/local, which must never touch this machine's own /usr.
"""
import atexit
import os
import shlex
import signal
import shutil
import struct
import subprocess
import tempfile
import unittest

import dbus

import harness
import usermanager

SOURCE_ROOT = os.environ["PRESENT_SOURCE_ROOT"]
MAN = os.environ.get("PRESENT_MAN", "true") == "true"
MESON = shutil.which("meson")
NINJA = shutil.which("ninja") or shutil.which("samu")
AUTOSTART_GENERATOR = "/usr/lib/systemd/user-generators/systemd-xdg-autostart-generator"


def has_systemd_pc():
    return subprocess.run(["pkg-config", "--exists", "systemd"]).returncode == 0


def expected_files(prefix, etc, unit_dir, autostart):
    """Every file an install with this prefix holds, relative to the root."""
    files = {
        autostart + "/present.desktop",
        prefix + "/bin/present",
        prefix + "/libexec/present-daemon",
        prefix + "/share/dbus-1/services/dev.present.Present.service",
        prefix + "/share/dbus-1/interfaces/dev.present.Present1.xml",
        unit_dir + "/present.service",
        etc + "/xdg/present/present.conf",
        prefix + "/share/bash-completion/completions/present",
        prefix + "/share/zsh/site-functions/_present",
        prefix + "/share/fish/vendor_completions.d/present.fish",
    }
    if MAN:
        files |= {prefix + "/share/man/man1/present.1", prefix + "/share/man/man5/present.conf.5",
                  prefix + "/share/man/man1/present-daemon.1"}
    return files


def files_under(top):
    """Every file and symbolic link below top, by absolute path."""
    found = set()
    for d, dirs, names in os.walk(top):
        found.update(os.path.join(d, n) for n in names)
        found.update(os.path.join(d, n) for n in dirs if os.path.islink(os.path.join(d, n)))
    return found


def read(path):
    with open(path) as f:
        return f.read()


def keys(path, section_key):
    """The values of `Key=` lines in an ini-style file."""
    return [line.split("=", 1)[1].strip() for line in read(path).splitlines() if line.startswith(section_key + "=")]


class Build:
    """One build, shared by the test cases: harness.main() runs each case alone,
    without setUpClass."""

    def __init__(self):
        # An underscore in the prefix, as in /home/jane_doe/.local: scdoc must not take it for emphasis.
        self.tmp = tempfile.mkdtemp(prefix="present-install_")
        atexit.register(shutil.rmtree, self.tmp, ignore_errors=True)
        self.dir = os.path.join(self.tmp, "build")
        self.home = os.path.join(self.tmp, "home")
        self.prefix = os.path.join(self.home, ".local")
        self.log = []
        self.error = None
        try:
            self.run_ok([MESON, "setup", self.dir, SOURCE_ROOT, "--prefix", self.prefix, "-Dtests=false",
                         "-Dman=" + ("enabled" if MAN else "disabled")])
            self.run_ok([NINJA, "-C", self.dir])
        except AssertionError as e:
            self.error = str(e)

    def run_ok(self, argv, **kwargs):
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
        self.log.append("$ %s\n%s" % (" ".join(argv), r.stdout))
        if r.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s" % (" ".join(argv), r.returncode, r.stdout[-4000:]))
        return r.stdout


build = None


class Install(unittest.TestCase):
    """Ordered: the cases run by name, one after the other, on one build."""

    def setUp(self):
        global build
        if build is None:
            build = Build()
        if build.error:
            self.fail("the build failed: " + build.error)
        self.tmp, self.build, self.home, self.prefix = build.tmp, build.dir, build.home, build.prefix
        self.run_ok = build.run_ok

    def user_env(self, **extra):
        """A user whose home is the temp dir, with the prefix's bin on PATH."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DBUS_", "BASH_COMPLETION"))}
        env.update(HOME=self.home, PATH=self.prefix + "/bin:/usr/bin:/bin", DBUS_SESSION_BUS_ADDRESS="disabled:")
        env.update(extra)
        return env

    def check_layout(self, root, top, prefix, etc, unit_dir, autostart):
        """The exact set of files under root + top (root: the DESTDIR, or ""), and
        each one's content or paths."""
        self.assertEqual(files_under(root + top), {root + f for f in expected_files(prefix, etc, unit_dir, autostart)})
        on_disk = root + prefix
        conf_dir = root + etc + "/xdg/present"
        for name in ("bin/present", "libexec/present-daemon"):
            self.assertTrue(os.access(os.path.join(on_disk, name), os.X_OK), name)

        service = on_disk + "/share/dbus-1/services/dev.present.Present.service"
        self.assertEqual(keys(service, "Name"), ["dev.present.Present"])
        self.assertEqual(keys(service, "Exec"), [prefix + "/libexec/present-daemon"])
        self.assertEqual(keys(service, "SystemdService"), ["present.service"])

        unit = root + unit_dir + "/present.service"
        self.assertEqual(keys(unit, "ExecStart"), [prefix + "/libexec/present-daemon"])
        self.assertEqual(keys(unit, "ExecStopPost"), [prefix + "/bin/present restore"])
        self.assertEqual(keys(unit, "BusName"), ["dev.present.Present"])
        # `systemctl --user enable present` starts it with the graphical session.
        self.assertEqual(keys(unit, "WantedBy"), ["graphical-session.target"])
        entry = root + autostart + "/present.desktop"
        self.assertEqual(keys(entry, "Exec"), [prefix + "/libexec/present-daemon --login"])
        self.assertNotIn("@", read(unit) + read(service) + read(entry))
        if shutil.which("desktop-file-validate") or os.environ.get("CI"):  # installed by .ci/packages
            self.run_ok(["desktop-file-validate", entry])

        self.assertEqual(read(conf_dir + "/present.conf"), read(SOURCE_ROOT + "/conf/present.conf"))
        self.assertEqual(read(on_disk + "/share/dbus-1/interfaces/dev.present.Present1.xml"),
                         read(SOURCE_ROOT + "/conf/dev.present.Present1.xml"))
        for installed, source in (("share/bash-completion/completions/present", "present.bash"),
                                  ("share/zsh/site-functions/_present", "_present"),
                                  ("share/fish/vendor_completions.d/present.fish", "present.fish")):
            self.assertEqual(read(os.path.join(on_disk, installed)), read(SOURCE_ROOT + "/completions/" + source))
        if MAN:
            # roff, naming this prefix's paths (scdoc writes "\\&" after each '.').
            page = read(on_disk + "/share/man/man1/present.1").replace("\\&", "")
            self.assertTrue(page.startswith('.\\" Generated by scdoc'), page[:200])
            self.assertIn('.TH "present" "1"', page)
            for path in (prefix + "/libexec/present-daemon", etc + "/xdg/present/present.conf",
                         prefix + "/share/dbus-1/interfaces/dev.present.Present1.xml"):
                self.assertTrue(path in page, "%s is not in present(1)" % path)
            self.assertIn('.TH "present.conf" "5"', read(on_disk + "/share/man/man5/present.conf.5"))

    # A home-like prefix, for real.

    def test_1_home_prefix_layout(self):
        self.run_ok([MESON, "install", "-C", self.build, "--no-rebuild", "--quiet"])
        # The autostart entry goes where session managers look for a user's own: ~/.config/autostart.
        self.check_layout("", self.home, self.prefix, self.prefix + "/etc", self.prefix + "/share/systemd/user",
                          self.home + "/.config/autostart")
        # GNOME and KDE Plasma run autostart entries as the systemd units this generator makes of them.
        if os.path.exists(AUTOSTART_GENERATOR) or os.environ.get("CI"):  # systemd, in .ci/packages
            out = os.path.join(self.tmp, "generated")
            os.makedirs(out)
            self.run_ok([AUTOSTART_GENERATOR, out, out, out],
                        env=self.user_env(XDG_CONFIG_DIRS=os.path.join(self.tmp, "no-such-dir")))
            self.assertEqual(keys(out + "/app-present@autostart.service", "ExecStart"),
                             [":%s/libexec/present-daemon --login" % self.prefix])

    def test_2_home_prefix_runs(self):
        present = self.prefix + "/bin/present"
        # The default build (static_cli=full): a static PIE, which the kernel
        # starts without the dynamic loader (no PT_INTERP program header).
        with open(present, "rb") as f:
            elf = f.read()
        phoff, phentsize, phnum = struct.unpack_from("<Q", elf, 0x20)[0], *struct.unpack_from("<HH", elf, 0x36)
        types = [struct.unpack_from("<I", elf, phoff + i * phentsize)[0] for i in range(phnum)]
        self.assertNotIn(3, types, "present asks for a dynamic loader")  # PT_INTERP
        self.assertIn(2, types)  # PT_DYNAMIC: position-independent, relocated by itself
        out = self.run_ok([present, "--help"], env=self.user_env())
        self.assertIn("present start", out)
        self.assertRegex(self.run_ok([present, "--version"], env=self.user_env()), r"^present \d+\.\d+\.\d+\n$")

        # A bus that knows only the installed activation file, as a session
        # bus knows $XDG_DATA_HOME/dbus-1/services.
        root = os.path.join(self.tmp, "bus")
        harness.SERVICE_DIR = self.prefix + "/share/dbus-1/services"
        bus = harness.PrivateBus(root)
        try:
            def run(*args):
                r = subprocess.run([present] + list(args), env=bus.env, capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 0, "present %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
                return r.stdout

            self.assertEqual(run("status"), "Not in a session.\n")
            self.assertRegex(run("start", "10m", "--quiet"), r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\)")
            # The daemon that answered is the installed one.
            self.assertEqual(os.readlink("/proc/%d/exe" % bus.pid_of()), self.prefix + "/libexec/present-daemon")
            # "10 min left", or "9 min 59 s left" once a second boundary has passed since the start.
            self.assertRegex(run("status"), r"^Present until (?:\w{3} )?\d\d:\d\d · \d+ min(?: \d+ s)? left")
            self.assertRegex(run("stop"), r"^Session ended after ")

            # The daemon dies in a session; the installed autostart entry's
            # command, at the next login, has the bus start the installed daemon.
            run("start", "10m", "--quiet")
            os.kill(bus.pid_of(), signal.SIGKILL)
            harness.wait_until(lambda: not bus.has_owner(), 10, "the daemon to go")
            login = shlex.split(keys(self.home + "/.config/autostart/present.desktop", "Exec")[0])
            r = subprocess.run(login, env=bus.env, capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.readlink("/proc/%d/exe" % bus.pid_of()), self.prefix + "/libexec/present-daemon")
            harness.wait_until(lambda: run("history", "--json").count('"interrupted"') == 1, 10,
                               "the session to be recorded as interrupted")
        except AssertionError as e:
            raise AssertionError("%s\nthe bus and the daemon said:\n%s" % (e, bus.read_log())) from None
        finally:
            bus.close()

        # With no daemon running, `present restore` runs the installed
        # daemon in-process: the libexec path compiled into present.
        harness.SERVICE_DIR = os.path.join(self.tmp, "no-services")
        os.makedirs(harness.SERVICE_DIR, exist_ok=True)
        bus = harness.PrivateBus(os.path.join(self.tmp, "bus2"))
        try:
            r = subprocess.run([present, "restore"], env=bus.env, capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertFalse(bus.has_owner())
        finally:
            bus.close()

    def test_2_home_prefix_under_systemd(self):
        """The installed unit, under systemd's own user manager, as GNOME and
        Plasma run it: the bus has the manager start present.service."""
        why = usermanager.why_not()
        if why and not os.environ.get("CI"):  # CI runs as root, with systemd and dbus-user-session
            self.skipTest(why)
        present = self.prefix + "/bin/present"
        # The user's own directories apart from the install's, which the manager
        # and the bus find through XDG_DATA_DIRS: the install stays as installed.
        manager = usermanager.UserManager(os.path.join(self.tmp, "systemd"), [self.prefix + "/share"])
        mock = None
        launched = []
        try:
            env = manager.env
            mock = subprocess.Popen([harness.PYTHON, "-m", "dbusmock", "--template",
                                     os.path.join(harness.MOCKS, "dnd_servers.py")], env=env, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            bus = manager.connection
            harness.wait_until(lambda: bus.name_has_owner("org.freedesktop.Notifications"), what="the mock server")
            server = bus.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")

            def paused():
                return bool(server.Get("org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

            marker = os.path.join(self.tmp, "catching-up")
            os.makedirs(env["XDG_CONFIG_HOME"] + "/present")
            with open(env["XDG_CONFIG_HOME"] + "/present/present.conf", "w") as f:
                f.write('daemon = { idle_exit = 1; };\n'
                        'replay = { review_command = [ "sh", "-c", "echo $$ > %s; exec sleep 600" ]; };\n' % marker)

            def run(*args):
                r = subprocess.run([present] + list(args), env=env, capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 0, "present %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
                return r.stdout

            run("start", "10m", "--quiet")
            self.assertEqual(manager.systemctl("is-active", "present.service"), "active")
            self.assertTrue(paused())
            # An alert that owes nothing: no reminder to come keeps the daemon.
            bus.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").Notify(
                "Calendar", 0, "", "Standup in 5 minutes", "", [], {"desktop-entry": "org.gnome.Calendar"}, -1,
                dbus_interface="org.freedesktop.Notifications")
            harness.wait_until(lambda: run("status", "--format", "{alerts}").strip() == "1", what="the alert held")
            run("stop")
            self.assertFalse(paused())

            def summary_id():
                calls = server.GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
                notices = [a for _, name, a in calls if name == "Notify"]
                return [i + 1 for i, a in enumerate(notices) if str(a[3]).startswith("While you were present")]

            [summary] = harness.wait_until(summary_id, what="the summary")
            server.EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                              [dbus.UInt32(summary), "default"], dbus_interface="org.freedesktop.DBus.Mock")
            harness.wait_until(lambda: os.path.exists(marker) and os.path.getsize(marker), what="the review command")
            with open(marker) as f:
                launched.append(int(f.read()))
            # A scope of its own, not the daemon's unit: stopping that one would end it.
            def cgroup():
                with open("/proc/%d/cgroup" % launched[0]) as f:
                    return f.read()

            scope = "0::/app.slice/app-present-sh-%d.scope\n" % launched[0]
            harness.wait_until(lambda: scope in cgroup(), what="its scope (it is in %s)" % cgroup().split("\n")[-2])
            # Closed, the summary lets the daemon go: its unit stops, and the catch-up goes on.
            server.EmitSignal("org.freedesktop.Notifications", "NotificationClosed", "uu",
                              [dbus.UInt32(summary), dbus.UInt32(2)], dbus_interface="org.freedesktop.DBus.Mock")
            harness.wait_until(lambda: manager.systemctl("is-active", "present.service") == "inactive",
                               what="the daemon to exit")
            os.kill(launched[0], 0)

            # A daemon killed in a session: the unit's ExecStopPost puts the
            # switch back, and systemd starts the daemon again.
            run("start", "10m", "--quiet")
            self.assertTrue(paused())
            pid = bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetConnectionUnixProcessID(
                harness.BUS_NAME, dbus_interface="org.freedesktop.DBus")
            os.kill(pid, signal.SIGKILL)
            harness.wait_until(lambda: not paused(), what="the switch put back")
            harness.wait_until(lambda: manager.systemctl("show", "-P", "NRestarts", "present.service") == "1",
                               what="the daemon started again")
            harness.wait_until(lambda: run("history", "--json").count('"interrupted"') == 1,
                               what="the session recorded as interrupted")
            # The daemon started again sums it up, as its end would have.
            def cut_short():
                calls = server.GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
                return [str(a[3]) for _, name, a in calls if name == "Notify" and str(a[3]).endswith("; interrupted)")]
            harness.wait_until(cut_short, what="the summary of the session cut short")
        except AssertionError as e:
            raise AssertionError("%s\nthe user manager said:\n%s" % (e, manager.read_log())) from None
        finally:
            for pid in launched:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if mock:
                harness.kill_group(mock)
            manager.close()

    @unittest.skipUnless(MAN and shutil.which("man") and shutil.which("manpath"), "man-db is not installed")
    def test_3_home_prefix_man_found(self):
        # man-db finds ../share/man beside each directory of PATH.
        for page, section in (("present", "1"), ("present.conf", "5"), ("present-daemon", "1")):
            out = self.run_ok(["man", "-w", section, page], env=self.user_env())
            self.assertEqual(out.strip(), "%s/share/man/man%s/%s.%s" % (self.prefix, section, page, section))

    @unittest.skipUnless(os.path.exists("/usr/share/bash-completion/bash_completion"), "bash-completion is not installed")
    def test_4_home_prefix_bash_completion_found(self):
        # bash-completion loads ~/.local/share/bash-completion/completions/present on demand.
        script = ("source /usr/share/bash-completion/bash_completion; __load_completion present || exit 3; "
                  "complete -p present")
        out = self.run_ok(["bash", "--norc", "--noprofile", "-c", script], env=self.user_env())
        self.assertIn("-F _present", out)
        self.assertRegex(out, r" present$")

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_5_home_prefix_fish_completion_found(self):
        # fish reads ~/.local/share/fish/vendor_completions.d (its own config sets the path).
        out = self.run_ok(["fish", "-c", "complete -C 'present sto'"], env=self.user_env())
        self.assertEqual(out, "stop\tEnd the session now\n")

    def test_6_home_prefix_uninstall(self):
        self.run_ok([NINJA, "-C", self.build, "uninstall"])
        self.assertEqual(files_under(self.home), set())

    # /usr and /usr/local, into a DESTDIR.

    def destdir_install(self, prefix, etc, unit_dir):
        # Session managers read autostart entries from /etc/xdg, whatever the prefix.
        self.run_ok([MESON, "configure", self.build, "--prefix", prefix])
        dest = os.path.join(self.tmp, "dest" + prefix.replace("/", "-"))
        self.run_ok([MESON, "install", "-C", self.build, "--quiet", "--destdir", dest])
        self.check_layout(dest, "/", prefix, etc, unit_dir, "/etc/xdg/autostart")
        out = self.run_ok([dest + prefix + "/bin/present", "--help"], env=self.user_env())
        self.assertIn("present start", out)
        self.run_ok([NINJA, "-C", self.build, "uninstall"])
        self.assertEqual(files_under(dest), set())

    def test_7_usr_destdir(self):
        unit_dir = "/usr/lib/systemd/user" if has_systemd_pc() else "/usr/share/systemd/user"
        # Meson puts sysconfdir in /etc for --prefix /usr.
        self.destdir_install("/usr", "/etc", unit_dir)

    def test_8_usr_local_destdir(self):
        unit_dir = "/usr/local/lib/systemd/user" if has_systemd_pc() else "/usr/local/share/systemd/user"
        self.destdir_install("/usr/local", "/usr/local/etc", unit_dir)


if __name__ == "__main__":
    harness.main()
