"""present against the real GNOME Shell 43 (headless Wayland): GSettings
org.gnome.desktop.notifications show-banners in dconf, and each installed
mail client muted through its per-application settings."""
import os

import real
import servers
from real import Contract, RealTestCase, wait_until

# GLib ignores a desktop file whose Exec is not installed: `true` is.
THUNDERBIRD = "[Desktop Entry]\nType=Application\nName=Thunderbird\nExec=true %u\n"
MUTED = r" · mail muted: Thunderbird"


class GnomeShell(Contract, RealTestCase):
    title = "GNOME Shell"
    # dconf-service and the shell's notification proxy, activated on the bus.
    service_names = servers.GnomeShell.SERVICES

    def start_servers(self):
        self.gnome = self.start_server(servers.GnomeShell)
        # The shell pushed its XDG dirs and GSETTINGS_BACKEND=dconf into the
        # bus's activation environment, so the daemon shares its dconf
        # database; the CLI (and `present restore` without a daemon) must too.
        self.bus.env.update(self.gnome.env)

    def get_dnd(self):
        return self.gnome.get_dnd()

    def set_dnd(self, on):
        self.gnome.set_dnd(on)

    def install_thunderbird(self):
        apps = os.path.join(self.bus.env["XDG_DATA_HOME"], "applications")
        os.makedirs(apps, exist_ok=True)
        with open(os.path.join(apps, "thunderbird.desktop"), "w") as f:
            f.write(THUNDERBIRD)

    def test_the_shell_itself_stops_banners(self):
        self.assertTrue(self.gnome.shell_show_banners())
        self.start(self.title)
        wait_until(lambda: self.gnome.shell_show_banners() is False, 5, "the shell to see show-banners off")
        self.stop()
        wait_until(self.gnome.shell_show_banners, 5, "the shell to see show-banners on again")

    def test_no_user_value_has_none_again(self):
        self.assertIsNone(self.gnome.user_show_banners())
        self.start(self.title)
        self.assertIs(self.gnome.user_show_banners(), False)
        self.stop()
        self.assertIsNone(self.gnome.user_show_banners(), "the default is reset, not written down as the user's")

    def test_user_value_equal_to_the_default_is_kept(self):
        self.gnome.set_show_banners(True)
        self.assertIs(self.gnome.user_show_banners(), True)
        self.start(self.title)
        self.stop()
        self.assertIs(self.gnome.user_show_banners(), True, "the user's own value stays the user's")

    def test_turned_off_by_hand_keeps_the_users_value(self):
        self.start(self.title)
        self.gnome.set_show_banners(True)
        self.stop()
        self.assertIs(self.gnome.user_show_banners(), True)

    def test_sigkill_restore_resets_the_default(self):
        self.start(self.title)
        self.kill_daemon()
        self.assertIs(self.gnome.user_show_banners(), False)
        self.assertEqual(self.ok("restore"), real.PUT_BACK_ONE)
        self.assertIsNone(self.gnome.user_show_banners())

    def test_a_write_dconf_fails_stays_to_be_put_back(self):
        """dconf-service fails a write after GSettings has taken it: the
        daemon must see that the switch is still off, and keep its record."""
        self.start(self.title)
        dconf = os.path.join(self.gnome.env["XDG_CONFIG_HOME"], "dconf")
        # As root, a read-only mode stops no write; a file where the directory was does.
        os.rename(dconf, dconf + ".aside")
        with open(dconf, "w"):
            pass
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stderr), (4, "present: do-not-disturb could not be put back (GNOME Shell): "
                         "GSettings org.gnome.desktop.notifications show-banners: the settings backend did not keep "
                         "its reset to the default\npresent: 'present restore' tries again\n"))
        self.assertRegex(r.stdout, real.STOPPED)
        self.assertEqual(self.query("SELECT saved FROM dnd_changes"), [("default",)])
        os.remove(dconf)
        os.rename(dconf + ".aside", dconf)
        self.assertIs(self.gnome.user_show_banners(), False, "dconf kept the write after all")
        self.assertEqual(self.ok("restore"), real.PUT_BACK_ONE)
        self.assertIsNone(self.gnome.user_show_banners())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_mail_app_muted_during_the_session(self):
        self.install_thunderbird()
        self.assertIsNone(self.gnome.user_app_show_banners("thunderbird"))
        self.start(self.title, tail=MUTED)
        self.assertEqual(self.ok("status", "--json").count("Thunderbird"), 1)
        self.assertIs(self.gnome.user_app_show_banners("thunderbird"), False)
        self.assertFalse(self.gnome.get_app_show_banners("thunderbird"))
        self.stop()
        self.assertIsNone(self.gnome.user_app_show_banners("thunderbird"), "reset, not written true")
        self.assertTrue(self.gnome.get_app_show_banners("thunderbird"))
        self.assertIsNone(self.gnome.user_show_banners())

    def test_mail_app_muted_where_the_shell_reads_it(self):
        # GNOME Shell's path for an id: lowercased, [^a-z0-9-] -> '-', and no "--".
        app = "com.Example.Mail_-App"
        apps = os.path.join(self.bus.env["XDG_DATA_HOME"], "applications")
        os.makedirs(apps, exist_ok=True)
        with open(os.path.join(apps, app + ".desktop"), "w") as f:
            f.write(THUNDERBIRD.replace("Thunderbird", "Example Mail"))
        self.write_config('mail_apps = [ "%s" ];\n' % app)
        self.start(self.title, tail=r" · mail muted: Example Mail")
        path = "/org/gnome/desktop/notifications/application/com-example-mail-app/"
        self.assertEqual(self.gnome._run("gsettings", "get", "%s:%s" % (self.gnome.APP_SCHEMA, path),
                                         "show-banners"), "false")
        self.stop()
        self.assertEqual(self.gnome._run("gsettings", "get", "%s:%s" % (self.gnome.APP_SCHEMA, path),
                                         "show-banners"), "true")

    def test_mail_app_muted_by_the_user_stays_muted(self):
        self.install_thunderbird()
        self.gnome._run("gsettings", "set", "%s:%s" % (self.gnome.APP_SCHEMA, self.gnome.app_path("thunderbird")),
                        "show-banners", "false")
        self.start(self.title, tail=MUTED)  # muted for the session, by the user's own hand
        self.stop()
        self.assertIs(self.gnome.user_app_show_banners("thunderbird"), False)

    def test_mail_app_put_back_after_sigkill(self):
        self.install_thunderbird()
        self.start(self.title, tail=MUTED)
        self.kill_daemon()
        self.assertIs(self.gnome.user_app_show_banners("thunderbird"), False)
        self.assertEqual(self.ok("restore"), self.put_back(2))
        self.assertIsNone(self.gnome.user_app_show_banners("thunderbird"))
        self.assertIsNone(self.gnome.user_show_banners())


if __name__ == "__main__":
    real.main()
