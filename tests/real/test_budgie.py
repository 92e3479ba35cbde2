"""present against the real Budgie notification server (budgie-daemon 10.7,
under Xvfb): the Dispatcher at /org/budgie_desktop/Notifications has no
setter, only ToggleDoNotDisturb, and keeps the switch in its memory; each
alert it shows is a popup window of its own."""
import real
import servers
from real import Contract, Popups, RealTestCase, Restarts

BUDGIE = servers.Budgie.BUDGIE
PATH = servers.Budgie.PATH
IFACE = servers.Budgie.DISPATCHER


class Budgie(Contract, Restarts, Popups, RealTestCase):
    title = "Budgie"

    def start_servers(self):
        self.popup_server = self.budgie = self.start_server(servers.Budgie)
        self.assertEqual(servers.server_information(self.bus.connection)[:2],
                         ("Budgie Notification Server", "Budgie Desktop Developers"))

    def restart_server(self):
        self.budgie.restart()

    def get_dnd(self):
        return self.budgie.get_dnd()

    def set_dnd(self, on):
        self.budgie.set_dnd(on)
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
