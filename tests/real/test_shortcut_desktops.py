"""present shortcut on GNOME and XFCE, against the real thing: GNOME's installed
schemas (gnome-settings-daemon-common, mutter's) through the gsettings tool
with GSettings' keyfile backend in the test's own config directory, and a real
xfconfd on the test's bus."""
import os
import subprocess

import dbus

import harness
from harness import CLI, BusTestCase, wait_until

MEDIA_KEYS = "org.gnome.settings-daemon.plugins.media-keys"
OURS = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/"
OTHER = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"
XFCONFD = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd"
CHANNEL = "xfce4-keyboard-shortcuts"


class Desktop(BusTestCase):
    desktop = None

    def shortcut(self, *args):
        env = {"XDG_CURRENT_DESKTOP": self.desktop, "GSETTINGS_BACKEND": "keyfile",
               "PATH": os.path.dirname(os.path.abspath(CLI)) + ":" + os.environ["PATH"]}
        return self.present("shortcut", *args, env=env)


class Gnome(Desktop):
    desktop = "ubuntu:GNOME"

    def gsettings(self, *args):
        env = dict(self.bus.env, GSETTINGS_BACKEND="keyfile")
        return subprocess.run(["gsettings"] + list(args), env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    def custom(self, path, key):
        return self.gsettings("get", MEDIA_KEYS + ".custom-keybinding:" + path, key)

    def test_default_keys_are_gnomes_next_best(self):
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "@as []")
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout), (0, "<Super><Alt>p now runs 'present toggle' (GNOME custom "
                                                       "shortcut).\n"))
        self.assertEqual(r.stderr, "present: <Super>p is taken by GNOME's shortcut 'switch-monitor' "
                                   "(org.gnome.mutter.keybindings): using <Super><Alt>p instead\n")
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s']" % OURS)
        self.assertEqual([self.custom(OURS, k) for k in ("name", "command", "binding")],
                         ["'present toggle'", "'present toggle'", "'<Super><Alt>p'"])
        # Again: nothing to do, and the list keeps one entry.
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout), (0, "<Super><Alt>p already runs 'present toggle' (GNOME custom "
                                                       "shortcut).\n"))
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s']" % OURS)

    def test_keys_given_that_gnome_uses_are_refused(self):
        r = self.shortcut("<Super>p")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr, "present: <Super>p is GNOME's shortcut 'switch-monitor' "
                                   "(org.gnome.mutter.keybindings): not changed.\n"
                                   "Choose other keys, such as: present shortcut '<Super><Alt>p'\n")
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "@as []")

    def custom_shortcut_of_the_users(self, name, command, binding):
        """One custom shortcut, made in Settings, and the list of them naming it alone."""
        schema = MEDIA_KEYS + ".custom-keybinding:" + OTHER
        self.gsettings("set", schema, "name", name)
        self.gsettings("set", schema, "command", command)
        self.gsettings("set", schema, "binding", binding)
        self.gsettings("set", MEDIA_KEYS, "custom-keybindings", "['%s']" % OTHER)

    def test_another_custom_shortcut_is_kept(self):
        self.custom_shortcut_of_the_users("Browser", "firefox", "<Alt><Super>P")
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr.splitlines()[1:], [
            "present: <Super><Alt>p already runs 'firefox' (a GNOME custom shortcut): not changed.",
            "Remove it in Settings → Keyboard → Custom Shortcuts, or choose other keys: present shortcut KEYS"])
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s']" % OTHER)
        self.assertEqual(self.custom(OTHER, "command"), "'firefox'")

        r = self.shortcut("Ctrl+Super+F9")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super><Control>F9 now runs 'present toggle' (GNOME custom shortcut).\n", ""))
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s', '%s']" % (OTHER, OURS))
        # New keys for ours: the same entry, rebound.
        r = self.shortcut("<Super>F7")
        self.assertEqual((r.returncode, r.stdout), (0, "<Super>F7 now runs 'present toggle' (GNOME custom "
                                                       "shortcut).\n"))
        self.assertEqual(self.custom(OURS, "binding"), "'<Super>F7'")
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s', '%s']" % (OTHER, OURS))

    def test_a_custom_shortcut_of_the_users_that_runs_present_is_it(self):
        # Made by hand in Settings: the keys already run present, so nothing is added beside it.
        self.custom_shortcut_of_the_users("Focus", "present toggle", "<Super><Alt>p")
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout), (0, "<Super><Alt>p already runs 'present toggle' (GNOME custom "
                                                       "shortcut).\n"))
        self.assertEqual(self.gsettings("get", MEDIA_KEYS, "custom-keybindings"), "['%s']" % OTHER)


class Xfce(Desktop):
    desktop = "XFCE"

    def setUp(self):
        super().setUp()
        self.bus.spawn([XFCONFD])
        wait_until(lambda: self.bus.has_owner("org.xfce.Xfconf"), what="xfconfd")
        self.xfconf = dbus.Interface(self.bus.connection.get_object("org.xfce.Xfconf", "/org/xfce/Xfconf"),
                                     "org.xfce.Xfconf")

    def branch(self, base):
        try:
            return {str(k)[len(base):]: v for k, v in self.xfconf.GetAllProperties(CHANNEL, base).items()}
        except dbus.DBusException as e:
            if e.get_dbus_name() != "org.xfce.Xfconf.Error.PropertyNotFound":
                raise
            return {}

    def properties(self):
        """The user's own shortcuts: XFCE's defaults, installed with it under */default, and their copy in the
        user's branch (made as XFCE first runs, or by present before it) left out."""
        found = {}
        for kind in ("/commands", "/xfwm4"):
            defaults = self.branch(kind + "/default")
            found.update({kind + "/custom" + k: str(v) for k, v in self.branch(kind + "/custom").items()
                          if k != "/override" and defaults.get(k) != v})
        return found

    def test_binds_once(self):
        r = self.shortcut("<Super>F7")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>F7 now runs 'present toggle' (XFCE keyboard shortcut).\n", ""))
        self.assertEqual(self.properties(), {"/commands/custom/<Super>F7": "present toggle"})
        r = self.shortcut("Super+F7")
        self.assertEqual((r.returncode, r.stdout), (0, "<Super>F7 already runs 'present toggle' (XFCE keyboard "
                                                       "shortcut).\n"))
        self.assertEqual(self.properties(), {"/commands/custom/<Super>F7": "present toggle"})

    def test_new_keys_move_the_shortcut(self):
        # As on GNOME, where ours is one entry rebound: the old keys stop
        # running present, also those an earlier present wrote from where it
        # was then; the user's other shortcuts stay, a wrapper of present's
        # among them. XFCE has run: its branch is the user's.
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/override", True)
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Super>t", "xfce4-terminal")
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Super>w", "env X=1 /usr/bin/present toggle")
        self.assertEqual(self.shortcut("<Super>F7").returncode, 0)
        r = self.shortcut("Super+F8")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>F8 now runs 'present toggle' (XFCE keyboard shortcut).\n"
                             "<Super>F7 no longer runs 'present toggle'.\n", ""))
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Super>F9", "'/old/place/present' toggle")
        r = self.shortcut("Super+F9")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>F9 now runs 'present toggle' (XFCE keyboard shortcut).\n"
                             "<Super>F8 no longer runs 'present toggle'.\n", ""))
        self.assertEqual(self.properties(), {"/commands/custom/<Super>F9": "present toggle",
                                             "/commands/custom/<Super>t": "xfce4-terminal",
                                             "/commands/custom/<Super>w": "env X=1 /usr/bin/present toggle"})

    def test_a_key_written_before_xfces_first_run_is_written_again(self):
        # An earlier present wrote it where XFCE does not read yet, and would clear it: not "already runs".
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Super>F7", "present toggle")
        r = self.shortcut("<Super>F7")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>F7 now runs 'present toggle' (XFCE keyboard shortcut).\n", ""))
        self.assertEqual(self.branch("/commands/custom")["/override"], True)
        self.assertEqual(self.properties(), {"/commands/custom/<Super>F7": "present toggle"})
        # The defaults as XFCE copies them, flags (startup-notify) among them.
        custom = self.branch("/commands/custom")
        self.assertEqual({k: v for k, v in self.branch("/commands/default").items() if custom.get(k) != v}, {})

    def test_other_keys_written_before_xfces_first_run_go_with_the_branch(self):
        # Cleared with the branch, as XFCE would: not taken off again, with an error for each.
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Super>F8", "present toggle")
        r = self.shortcut("<Super>F7")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>F7 now runs 'present toggle' (XFCE keyboard shortcut).\n", ""))
        self.assertEqual(self.properties(), {"/commands/custom/<Super>F7": "present toggle"})

    def test_default_keys_move_aside_for_xfces_own(self):
        # XFCE opens its display settings with Super+P.
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout), (0, "<Super><Alt>p now runs 'present toggle' (XFCE keyboard "
                                                       "shortcut).\n"))
        self.assertEqual(r.stderr, "present: <Super>p is taken by 'xfce4-display-settings --minimal' (an XFCE "
                                   "keyboard shortcut): using <Super><Alt>p instead\n")
        self.assertEqual(self.properties(), {"/commands/custom/<Super><Alt>p": "present toggle"})
        # Written as XFCE reads it once it runs: its defaults in the user's branch, which overrides them.
        # Written beside them alone, XFCE would clear the branch as it first runs, present's key with it.
        self.assertEqual(self.branch("/commands/custom")["/override"], True)
        self.assertEqual(self.branch("/commands/custom")["/<Super>p"], "xfce4-display-settings --minimal")
        # Named by the user, the same keys are refused instead.
        r = self.shortcut("<Super>p")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr.splitlines()[0], "present: <Super>p already runs 'xfce4-display-settings "
                                                   "--minimal' (an XFCE keyboard shortcut): not changed.")

    def test_the_users_own_branch_replaces_the_defaults(self):
        # Once XFCE has copied its defaults to the user's branch, that branch is all that is bound.
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/override", True)
        r = self.shortcut()
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>p now runs 'present toggle' (XFCE keyboard shortcut).\n", ""))

    def test_other_shortcuts_on_the_keys_are_kept(self):
        # XFCE has run: the user's branches are what is bound.
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/override", True)
        self.xfconf.SetProperty(CHANNEL, "/xfwm4/custom/override", True)
        self.xfconf.SetProperty(CHANNEL, "/commands/custom/<Primary><Alt>t", "xfce4-terminal")
        self.xfconf.SetProperty(CHANNEL, "/xfwm4/custom/<Super>d", "show_desktop_key")
        before = self.properties()
        r = self.shortcut("<Control><Alt>t")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr.splitlines()[0], "present: <Control><Alt>t already runs 'xfce4-terminal' (an XFCE "
                                                   "keyboard shortcut): not changed.")
        r = self.shortcut("Super+d")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr.splitlines()[0], "present: <Super>d already runs 'show_desktop_key' (an XFCE "
                                                   "window manager shortcut): not changed.")
        self.assertEqual(self.properties(), before)


if __name__ == "__main__":
    harness.main()
