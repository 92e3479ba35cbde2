"""present shortcut on desktops whose shortcuts live in the user's own files: the exact line to add."""
import os
import shlex
import shutil
import signal
import subprocess

from gi.repository import GLib

import harness
from harness import CLI, BusTestCase

# Desktops that are none of these: no XDG_CURRENT_DESKTOP, no window manager's socket.
PLAIN = {"XDG_CURRENT_DESKTOP": None, "SWAYSOCK": None, "I3SOCK": None, "HYPRLAND_INSTANCE_SIGNATURE": None}


class Print(BusTestCase):
    def shortcut(self, desktop, *args, path=True):
        env = dict(PLAIN, XDG_CURRENT_DESKTOP=desktop)
        # With this build's present first on PATH, the command is the plain "present toggle".
        env["PATH"] = os.path.dirname(os.path.abspath(CLI)) + ":" + os.environ["PATH"] if path else "/usr/bin:/bin"
        r = self.present("shortcut", *args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout, r.stderr

    def test_sway(self):
        self.assertEqual(self.shortcut("sway"), (
            "bindsym Mod4+p exec present toggle\n",
            "present: add this line to ~/.config/sway/config, then reload sway (swaymsg reload):\n"))
        self.assertEqual(self.shortcut("sway", "<Super><Shift>p")[0], "bindsym Mod4+Shift+p exec present toggle\n")

    def test_i3(self):
        self.assertEqual(self.shortcut("i3"), (
            "bindsym Mod4+p exec --no-startup-id present toggle\n",
            "present: add this line to ~/.config/i3/config, then reload i3 (i3-msg reload):\n"))
        self.assertEqual(self.shortcut("i3", "Ctrl+Alt+F12")[0],
                         "bindsym Control+Mod1+F12 exec --no-startup-id present toggle\n")

    def test_kde(self):
        self.assertEqual(self.shortcut("KDE"), (
            "System Settings → Keyboard → Shortcuts → Add New → Command or Script: command 'present toggle', "
            "shortcut Meta+P\n", ""))
        self.assertIn("shortcut Meta+Shift+P\n", self.shortcut("KDE", "<Super><Shift>p")[0])
        # The names KDE's dialog shows once the keys are pressed there, not X's.
        for keys, shown in (("Super+Page_Up", "Meta+PgUp"), ("<Control><Alt>backslash", "Ctrl+Alt+\\"),
                            ("Super+space", "Meta+Space"), ("Super+Esc", "Meta+Esc"), ("Super+F9", "Meta+F9")):
            self.assertIn("shortcut %s\n" % shown, self.shortcut("KDE", keys)[0])

    def test_a_digit_is_itself_wherever_letters_are_capitals(self):
        self.assertIn("shortcut Meta+1\n", self.shortcut("KDE", "Super+1")[0])
        self.assertEqual(self.shortcut("Hyprland", "Super+1")[0], "bind = SUPER, 1, exec, present toggle\n")
        self.assertIn("bind Super+Alt+0 to", self.shortcut("Unity", "<Super><Alt>0")[1])

    def test_hyprland(self):
        self.assertEqual(self.shortcut("Hyprland", "Super+Alt+p")[0], "bind = SUPER ALT, P, exec, present toggle\n")

    def test_print_on_gnome_and_xfce_writes_nothing(self):
        out, _ = self.shortcut("XFCE", "--print")
        # Super+P opens XFCE's display settings, as on GNOME: the default moves aside.
        self.assertEqual(out, "xfconf-query -c xfce4-keyboard-shortcuts -p '/commands/custom/<Super><Alt>p' "
                              "-n -t string -s \"present toggle\"\n")
        out, _ = self.shortcut("ubuntu:GNOME", "--print")
        schema = "org.gnome.settings-daemon.plugins.media-keys.custom-keybinding:" \
                 "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/"
        self.assertEqual(out, "gsettings set %s name 'present toggle'\n"
                              "gsettings set %s command \"'present toggle'\"\n"
                              "gsettings set %s binding '<Super><Alt>p'\n"
                              "gsettings set org.gnome.settings-daemon.plugins.media-keys custom-keybindings "
                              "\"['/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/']\"\n"
                              % (schema, schema, schema))

    def test_print_on_gnome_keeps_the_custom_shortcuts_there(self):
        # The last line sets GNOME's list of custom shortcuts: written with
        # ours alone, it would drop the user's own from Settings.
        bindir = os.path.join(self.root, "bin")
        os.mkdir(bindir)
        log = os.path.join(self.root, "gsettings.log")
        mine = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"
        ours = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/"
        listed = os.path.join(self.root, "listed")
        with open(os.path.join(bindir, "gsettings"), "w") as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\n'
                    'if [ "$1 $3" = "get custom-keybindings" ]; then cat %s; fi\n' % (log, listed))
        os.chmod(os.path.join(bindir, "gsettings"), 0o755)
        env = dict(PLAIN, XDG_CURRENT_DESKTOP="GNOME",
                   PATH="%s:%s:%s" % (bindir, os.path.dirname(os.path.abspath(CLI)), os.environ["PATH"]))
        for now, then in (("['%s']" % mine, "['%s', '%s']" % (mine, ours)),
                          ("['%s', '%s']" % (ours, mine), "['%s', '%s']" % (ours, mine)),
                          ("@as []", "['%s']" % ours)):
            with open(listed, "w") as f:
                f.write(now + "\n")
            r = self.present("shortcut", "--print", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[-1], "gsettings set org.gnome.settings-daemon.plugins.media-keys "
                                                        "custom-keybindings \"%s\"" % then, now)
            self.assertEqual(r.stderr, "present: on GNOME, these commands add the shortcut:\n")
        with open(log) as f:
            self.assertEqual(set(f.read().splitlines()),
                             {"get org.gnome.settings-daemon.plugins.media-keys custom-keybindings"})

    def test_unknown_desktop_and_full_path(self):
        out, err = self.shortcut("", path=False)
        self.assertEqual(out, "%s toggle\n" % os.path.realpath(CLI))
        self.assertEqual(err, "present: in your desktop's keyboard settings, bind Super+P to this command:\n")
        # A window manager started by hand is known by its socket.
        r = self.present("shortcut", env=dict(PLAIN, SWAYSOCK="/run/user/1000/sway-ipc.sock"))
        self.assertTrue(r.stdout.startswith("bindsym Mod4+p exec "), r.stdout)

    def test_a_path_with_quotes_is_quoted_as_a_shell_reads_it(self):
        d = os.path.join(self.root, "it's $mine")
        os.makedirs(d)
        cli = os.path.join(d, "present")
        shutil.copy(CLI, cli)
        env = dict(self.bus.env, XDG_CURRENT_DESKTOP="", PATH="/usr/bin:/bin")
        env = {k: v for k, v in dict(env, **PLAIN).items() if v is not None}
        r = subprocess.run([cli, "shortcut"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.stdout, "'%s' toggle\n" % cli.replace("'", "'\\''"))
        self.assertEqual(shlex.split(r.stdout), [cli, "toggle"])
        # And the line that adds it on XFCE passes that command through the shell whole.
        r = subprocess.run([cli, "shortcut", "--print"], env=dict(env, XDG_CURRENT_DESKTOP="XFCE"),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(shlex.split(r.stdout)[-1], "'%s' toggle" % cli.replace("'", "'\\''"))
        r = subprocess.run([cli, "shortcut", "--print"], env=dict(env, XDG_CURRENT_DESKTOP="GNOME"),
                           capture_output=True, text=True, timeout=30)
        value = [shlex.split(line)[-1] for line in r.stdout.splitlines() if " command " in line]
        self.assertEqual(len(value), 1, r.stdout)
        self.assertEqual(shlex.split(GLib.Variant.parse(None, value[0]).get_string()), [cli, "toggle"])

    def test_key_names(self):
        # Written as the desktops read them, whatever their case or the name typed.
        for keys, line in (("super+page_up", "Mod4+Page_Up"), ("Ctrl+Alt+f13", "Control+Mod1+F13"),
                           ("<Super>Enter", "Mod4+Return"), ("<Super><Shift>ESC", "Mod4+Shift+Escape"),
                           ("Super+F24", "Mod4+F24"), ("Super+XF86AudioMicMute", "Mod4+XF86AudioMicMute"),
                           ("Super+7", "Mod4+7"), ("Super+Space", "Mod4+space")):
            self.assertEqual(self.shortcut("sway", keys)[0], "bindsym %s exec present toggle\n" % line, keys)

    def fake_gsettings(self):
        """A gsettings first on PATH that logs what it is asked (and knows of no shortcut): (env, log)."""
        bindir = os.path.join(self.root, "bin")
        os.mkdir(bindir)
        log = os.path.join(self.root, "gsettings.log")
        with open(os.path.join(bindir, "gsettings"), "w") as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\n'
                    'if [ "$1 $3" = "get custom-keybindings" ]; then echo "@as []"; fi\n' % log)
        os.chmod(os.path.join(bindir, "gsettings"), 0o755)
        path = "%s:%s:%s" % (bindir, os.path.dirname(os.path.abspath(CLI)), os.environ["PATH"])
        return dict(PLAIN, PATH=path), log

    def test_unknown_key_names_change_nothing(self):
        env, log = self.fake_gsettings()
        named = "give a letter, a digit, F1 to F24 or a key named in present(1), such as Return or Page_Up"
        for keys, message in (
                ("<Super>Foo", "unknown key 'Foo' in '<Super>Foo': " + named),
                ("Super+F25", "unknown key 'F25' in 'Super+F25': " + named),
                ("Ctrl+KP_Enter", "unknown key 'KP_Enter' in 'Ctrl+KP_Enter': " + named),
                ("<Hyper>p", "unknown modifier 'Hyper' in '<Hyper>p': the modifiers are Super, Control, Alt and "
                             "Shift"),
                ("Super+Fn+p", "unknown modifier 'Fn' in 'Super+Fn+p': the modifiers are Super, Control, Alt and "
                               "Shift")):
            for desktop in ("GNOME", "XFCE", "sway", ""):
                r = self.present("shortcut", keys, env=dict(env, XDG_CURRENT_DESKTOP=desktop))
                self.assertEqual((r.returncode, r.stdout, r.stderr),
                                 (2, "", "present: %s\nUsage: present shortcut [KEYS] [--print]\n" % message),
                                 (keys, desktop))
        # Neither GNOME's settings nor XFCE's were read or written.
        self.assertFalse(os.path.exists(log))
        self.assertFalse(self.bus.has_owner("org.xfce.Xfconf"))

        # A key that exists is written by its own name.
        r = self.present("shortcut", "super+page_up", env=dict(env, XDG_CURRENT_DESKTOP="GNOME"))
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "<Super>Page_Up now runs 'present toggle' (GNOME custom shortcut).\n", ""))
        custom = "org.gnome.settings-daemon.plugins.media-keys.custom-keybinding:" \
                 "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/"
        with open(log) as f:
            self.assertEqual(f.read().splitlines()[-4:], [
                "set %s name 'present toggle'" % custom, "set %s command 'present toggle'" % custom,
                "set %s binding '<Super>Page_Up'" % custom,
                "set org.gnome.settings-daemon.plugins.media-keys custom-keybindings "
                "['/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/present/']"])

    def test_a_failure_is_seen_with_sigchld_ignored(self):
        """Ignored SIGCHLD survives exec (some launchers leave it so): the
        kernel would reap gsettings unseen, and its failure pass for success."""
        env, log = self.fake_gsettings()
        with open(os.path.join(self.root, "bin", "gsettings"), "a") as f:
            f.write('if [ "$1" = set ]; then echo "No such schema" >&2; exit 1; fi\n')
        e = dict(self.bus.env)
        e.update(env, XDG_CURRENT_DESKTOP="GNOME")
        e = {k: v for k, v in e.items() if v is not None}
        r = subprocess.run([CLI, "shortcut"], env=e, capture_output=True, text=True, timeout=30,
                           preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("No such schema", r.stderr)

    def test_a_typing_key_needs_super_control_or_alt(self):
        env, log = self.fake_gsettings()
        for keys, key, instead in (("p", "p", "Super+p"), ("Shift+a", "a", "Super+Shift+a"),
                                   ("<Shift>a", "a", "<Super><Shift>a"), ("Return", "Return", "Super+Return"),
                                   ("Shift+Up", "Up", "Super+Shift+Up"), ("7", "7", "Super+7")):
            for desktop in ("GNOME", "XFCE", "sway", ""):
                r = self.present("shortcut", keys, env=dict(env, XDG_CURRENT_DESKTOP=desktop))
                self.assertEqual((r.returncode, r.stdout, r.stderr), (2, "", (
                    "present: '%s' has no Super, Control or Alt: %s would be taken from every application and "
                    "could no longer be typed (try '%s')\nUsage: present shortcut [KEYS] [--print]\n")
                    % (keys, key, instead)), (keys, desktop))
        self.assertFalse(os.path.exists(log))
        self.assertFalse(self.bus.has_owner("org.xfce.Xfconf"))
        # Keys no text is typed with may stand alone, or with Shift.
        for keys, line in (("F5", "F5"), ("Shift+F12", "Shift+F12"), ("Print", "Print"), ("Pause", "Pause"),
                           ("Scroll_Lock", "Scroll_Lock"), ("Menu", "Menu"), ("XF86AudioMute", "XF86AudioMute"),
                           ("<Shift>XF86Launch1", "Shift+XF86Launch1"), ("Alt+p", "Mod1+p"),
                           ("Ctrl+Shift+a", "Control+Shift+a")):
            self.assertEqual(self.shortcut("sway", keys)[0], "bindsym %s exec present toggle\n" % line, keys)

    def test_bad_keys(self):
        for keys in ("Super+", "<Super>", "p q", "Super+Shift+pä", "<Super"):
            r = self.present("shortcut", keys, "--print", env=PLAIN)
            self.assertEqual((r.returncode, r.stdout), (2, ""), keys)
            self.assertEqual(r.stderr, "present: '%s' is not a key combination (try '<Super>p', '<Control><Alt>f' "
                                       "or 'Super+Shift+p')\nUsage: present shortcut [KEYS] [--print]\n" % keys)


if __name__ == "__main__":
    harness.main()
