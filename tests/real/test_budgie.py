"""present on Budgie (10.6 and later), modeled by tests/mocks/dnd_servers.py:
the Dispatcher at /org/budgie_desktop/Notifications has no setter, only
ToggleDoNotDisturb, and keeps the switch in memory."""
import real
from real import Contract, RealTestCase, Restarts

BUDGIE = "org.budgie_desktop.Notifications"
PATH = "/org/budgie_desktop/Notifications"
IFACE = "org.buddiesofbudgie.budgie.Dispatcher"


class Budgie(Contract, Restarts, RealTestCase):
    title = "Budgie"

    def start_servers(self):
        self.server = self.start_mock_server("dnd_servers", BUDGIE, server="budgie")

    def restart_server(self):
        real.harness.kill_group(self.server)
        real.wait_until(lambda: not self.bus.has_owner(real.NOTIFICATIONS), what="Budgie to go")
        self.start_servers()

    def dispatcher(self):
        return self.bus.connection.get_object(BUDGIE, PATH)

    def get_dnd(self):
        return bool(self.dispatcher().GetDoNotDisturb(dbus_interface=IFACE))

    def set_dnd(self, on):
        # As Raven's switch does: a toggle, only when it is not as wanted.
        if self.get_dnd() != on:
            self.dispatcher().ToggleDoNotDisturb(dbus_interface=IFACE)
        self.assertEqual(self.get_dnd(), on)

    def test_toggled_once_each_way(self):
        changes = []
        self.bus.connection.add_signal_receiver(lambda on: changes.append(bool(on)), "DoNotDisturbChanged", IFACE,
                                                BUDGIE, PATH)
        self.start(self.title)
        self.stop()
        real.wait_until(lambda: len(changes) >= 2, 5, "two DoNotDisturbChanged signals")
        self.assertEqual(changes, [True, False])


if __name__ == "__main__":
    real.main()
