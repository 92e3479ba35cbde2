"""present on KDE Plasma, modeled by tests/mocks/plasma.py (Plasma itself is
too heavy to run here): our own inhibition through Inhibit/UnInhibit, held
by the daemon's connection, which Plasma drops when that connection closes."""
import dbus

import real
from real import NOTIFICATIONS, RealTestCase, wait_until

MOCK = "org.freedesktop.DBus.Mock"


class Plasma(RealTestCase):
    title = "KDE Plasma"

    def setUp(self):
        super().setUp()
        self.plasma = self.start_mock_server("plasma")

    def inhibited(self):
        return bool(self.notifications().Get(NOTIFICATIONS, "Inhibited", dbus_interface=dbus.PROPERTIES_IFACE))

    def inhibitions(self):
        """(sender, desktop entry) of each inhibition Plasma holds."""
        return [(str(sender), str(entry)) for _, sender, entry, _ in
                self.notifications().ListInhibitions(dbus_interface=MOCK)]

    def daemon_name(self):
        return str(self.bus.connection.get_name_owner(real.harness.BUS_NAME))

    def test_held_for_the_session_released_after(self):
        self.assertFalse(self.inhibited())
        self.start(self.title)
        self.assertTrue(self.inhibited())
        self.assertEqual(self.inhibitions(), [(self.daemon_name(), "present")])
        self.stop()
        self.assertFalse(self.inhibited())
        self.assertEqual(self.inhibitions(), [])
        self.assertTrue(self.bus.has_owner(), "the daemon itself is still there: the stop released it")

    def test_the_users_own_inhibition_is_kept(self):
        cookie = self.notifications().Inhibit("org.kde.plasmashell", "user", dbus.Dictionary({}, signature="sv"),
                                              dbus_interface=NOTIFICATIONS)
        # Ours is taken even so: it is held apart from the user's.
        self.start(self.title)
        self.assertEqual(len(self.inhibitions()), 2)
        self.stop()
        self.assertTrue(self.inhibited(), "only our own inhibition may end")
        self.assertEqual([entry for _, entry in self.inhibitions()], ["org.kde.plasmashell"])
        self.notifications().UnInhibit(cookie, dbus_interface=NOTIFICATIONS)

    def test_released_when_the_daemon_is_killed(self):
        self.start(self.title)
        self.assertTrue(self.inhibited())
        self.kill_daemon()
        wait_until(lambda: not self.inhibited(), 5, "Plasma to drop the inhibition of a closed connection")
        # Nothing was written down to put back.
        self.assertEqual(self.ok("restore"), real.NOTHING_TO_RESTORE)
        self.assert_end_reasons(["interrupted"])

    def test_plasma_restarted_mid_session(self):
        self.start(self.title)
        real.harness.kill_group(self.plasma)
        wait_until(lambda: not self.bus.has_owner(NOTIFICATIONS), what="Plasma to go")
        self.plasma = self.start_mock_server("plasma")
        wait_until(self.inhibited, 5, "the restarted Plasma to be inhibited again")
        self.assertEqual(self.inhibitions(), [(self.daemon_name(), "present")])
        self.stop()
        self.assertFalse(self.inhibited())

    def test_timer_ends_it(self):
        self.start(self.title, "2s", "2 s")
        self.assertTrue(self.inhibited())
        wait_until(lambda: not self.inhibited(), 10, "the session's end to release the inhibition")
        self.assertEqual(self.inhibitions(), [])


if __name__ == "__main__":
    real.main()
