"""present against the real xfce4-notifyd (0.7, xfconfd, Xvfb): the Xfconf
property /do-not-disturb of channel xfce4-notifyd, which is unset until the
user first sets it and is kept by xfconfd, not by the notification server;
an alert it shows is a popup window of its own."""
import real
import servers
from real import Contract, Popups, RealTestCase


class Xfce(Contract, Popups, RealTestCase):
    title = "xfce4-notifyd"

    def start_servers(self):
        self.popup_server = self.xfce = self.start_server(servers.XfceNotifyd)

    def get_dnd(self):
        return bool(self.xfce.get_dnd())

    def set_dnd(self, on):
        self.xfce.set_dnd(on)

    def test_unset_is_unset_again(self):
        self.assertIsNone(self.xfce.get_dnd())
        self.start(self.title)
        self.assertIs(self.xfce.get_dnd(), True)
        self.stop()
        self.assertIsNone(self.xfce.get_dnd(), "an unset property is reset, not written false")

    def test_explicit_false_stays_explicit(self):
        self.xfce.set_dnd(False)
        self.start(self.title)
        self.assertIs(self.xfce.get_dnd(), True)
        self.stop()
        self.assertIs(self.xfce.get_dnd(), False)

    def test_turned_off_by_hand_keeps_the_users_false(self):
        self.start(self.title)
        self.xfce.set_dnd(False)
        self.stop()
        self.assertIs(self.xfce.get_dnd(), False, "the user's own choice stands, it is not reset")

    def test_sigkill_restore_resets_the_unset_property(self):
        self.start(self.title)
        self.kill_daemon()
        self.assertIs(self.xfce.get_dnd(), True)
        self.assertEqual(self.ok("restore"), real.PUT_BACK_ONE)
        self.assertIsNone(self.xfce.get_dnd())

    def test_notifyd_restart_keeps_it(self):
        self.start(self.title)
        self.xfce.restart()  # xfconfd, which holds the switch, stays
        self.assertIs(self.xfce.get_dnd(), True)
        self.stop()
        self.assertIsNone(self.xfce.get_dnd())


if __name__ == "__main__":
    real.main()
