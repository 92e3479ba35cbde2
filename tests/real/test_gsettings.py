"""present on Cinnamon, MATE and elementary, whose do-not-disturb is a
GSettings key: the desktops' REAL schemas (Debian's cinnamon-desktop-data
and mate-notification-daemon-common; for elementary, which Debian does not
ship, a schema with its one key compiled here) in a real dconf database,
through a dconf-service activated on the test's bus. Cinnamon and MATE run
their real notification servers (the Cinnamon shell, mate-notification-daemon;
under Xvfb), reading the key from that same database. elementary's is not
in Debian: a dbusmock stand-in (tests/mocks/dnd_servers.py) introduces
itself as it does, and the switch it would obey is the key."""
import os
import subprocess

import real
import servers
from real import Contract, Popups, RealTestCase

ELEMENTARY_SCHEMA = """<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <schema id="io.elementary.notifications" path="/io/elementary/notifications/">
    <key name="do-not-disturb" type="b">
      <default>false</default>
      <summary>Do not disturb</summary>
    </key>
  </schema>
</schemalist>
"""


def elementary_schema_dir(name="elementary-schemas", schema=ELEMENTARY_SCHEMA):
    path = real.scratch(name)
    if not os.path.exists(os.path.join(path, "gschemas.compiled")):
        with open(os.path.join(path, "io.elementary.notifications.gschema.xml"), "w") as f:
            f.write(schema)
        subprocess.run(["glib-compile-schemas", "--strict", path], check=True)
    return path


class GSettingsDesktop(Contract):
    """One desktop: its mock server and the key (schema, key, path) whose
    value `quiet` means do-not-disturb."""

    service_names = ("ca.desrt.dconf",)
    env = {"GSETTINGS_BACKEND": "dconf"}
    server = schema = key = path = None
    quiet = True

    def start_servers(self):
        self.assertIsNone(self.user_value(), "a fresh dconf database")
        self.start_mock_server("dnd_servers", server=self.server)

    def gsettings(self, *args):
        return real.gsettings(self.bus.env, *args)

    def user_value(self):
        return real.dconf_read(self.bus.env, self.path + self.key)

    def get_dnd(self):
        return self.gsettings("get", self.schema, self.key) == str(self.quiet).lower()

    def set_dnd(self, on):
        self.gsettings("set", self.schema, self.key, str(self.quiet == on).lower())

    def test_no_user_value_has_none_again(self):
        self.start(self.title)
        self.assertIs(self.user_value(), self.quiet)
        self.stop()
        self.assertIsNone(self.user_value(), "the default is reset, not written down as the user's")

    def test_user_value_equal_to_the_default_is_kept(self):
        self.set_dnd(False)
        self.assertIs(self.user_value(), not self.quiet)
        self.start(self.title)
        self.stop()
        self.assertIs(self.user_value(), not self.quiet, "the user's own value stays the user's")

    def test_turned_off_by_hand_keeps_the_users_value(self):
        self.start(self.title)
        self.set_dnd(False)
        self.stop()
        self.assertIs(self.user_value(), not self.quiet)

    def test_sigkill_restore_resets_the_default(self):
        self.start(self.title)
        self.kill_daemon()
        self.assertIs(self.user_value(), self.quiet)
        self.assertEqual(self.ok("restore"), real.PUT_BACK_ONE)
        self.assertIsNone(self.user_value())


class RealServer(Popups):
    """A desktop whose real server runs here (real_server, a servers.py
    class), reading the key from the database present writes, as on that
    desktop; it introduces itself as `introduces`."""

    real_server = introduces = None

    def start_servers(self):
        self.assertIsNone(self.user_value(), "a fresh dconf database")
        self.popup_server = self.start_server(self.real_server, {
            k: self.bus.env[k] for k in ("XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "GSETTINGS_BACKEND")})
        self.assertEqual(servers.server_information(self.bus.connection)[:2], self.introduces)


class Cinnamon(RealServer, GSettingsDesktop, RealTestCase):
    title, real_server, introduces = "Cinnamon", servers.Cinnamon, ("cinnamon", "GNOME")
    schema, path = "org.cinnamon.desktop.notifications", "/org/cinnamon/desktop/notifications/"
    key, quiet = "display-notifications", False  # Cinnamon shows nothing while it is false


class Mate(RealServer, GSettingsDesktop, RealTestCase):
    title, real_server, introduces = "MATE", servers.MateNotificationDaemon, ("Notification Daemon", "MATE")
    schema, key, path = "org.mate.NotificationDaemon", "do-not-disturb", "/org/mate/notification-daemon/"


class Elementary(GSettingsDesktop, RealTestCase):
    title, server = "elementary", "elementary"
    schema, key, path = "io.elementary.notifications", "do-not-disturb", "/io/elementary/notifications/"

    def setUp(self):
        self.env = dict(GSettingsDesktop.env, GSETTINGS_SCHEMA_DIR=elementary_schema_dir())
        super().setUp()


class ElementaryWithoutTheKey(RealTestCase):
    """A schema of the server's that has no do-not-disturb key (a release
    before it had one): no switch present can set, said at once, not a
    server still starting, tried for seconds and then failed."""

    service_names = ("ca.desrt.dconf",)

    def setUp(self):
        self.env = dict(GSettingsDesktop.env, GSETTINGS_SCHEMA_DIR=elementary_schema_dir(
            "elementary-schemas-without-the-key", ELEMENTARY_SCHEMA.replace("do-not-disturb", "sound-enabled")))
        super().setUp()
        self.start_mock_server("dnd_servers", server="elementary")

    def test_it_has_no_do_not_disturb(self):
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("· do-not-disturb unavailable", r.stdout)


if __name__ == "__main__":
    real.main()
