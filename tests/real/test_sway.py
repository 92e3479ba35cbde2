"""present against mako (1.7) and SwayNotificationCenter (0.7), each on a
headless sway of its own. sway refuses to run as root: as root this file
runs itself again as the unprivileged user present-test, from copies of the
binaries and of the test files that the user can read.

No notifications are sent to mako here: mako 1.7.1 may crash when its modes
change near a visible one (see tests/lib/README.md).
"""
import os
import sys

import real
import servers
from real import Contract, RealTestCase, Restarts

MODE = "default-timeout=0\n\n[mode=do-not-disturb]\ninvisible=1\n"
NO_MODE = "default-timeout=0\n"


class MakoServer:
    config = MODE

    def start_servers(self):
        # The daemon reads the user's mako config to know whether the mode
        # exists; mako itself reads the same text from its own copy.
        if self.config is not None:
            path = os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(self.config)
        self.mako = self.start_server(servers.Mako, self.config or NO_MODE)


class Mako(MakoServer, Contract, Restarts, RealTestCase):
    title = "mako"

    def get_dnd(self):
        return self.mako.get_dnd()

    def set_dnd(self, on):
        self.mako.set_dnd(on)

    def restart_server(self):
        self.mako.restart()

    def test_the_users_other_modes_survive(self):
        self.assertEqual(self.mako.list_modes(), ["default"])
        self.start(self.title)
        self.mako.set_modes(self.mako.list_modes() + ["away"])
        self.stop()
        self.assertEqual(self.mako.list_modes(), ["default", "away"])


class MakoUnavailable(MakoServer, RealTestCase):
    """mako without the mode: do-not-disturb would change nothing."""

    def setUp(self):
        super().setUp()
        self.start_servers()

    def assert_unavailable(self, path):
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · do-not-disturb unavailable\n$")
        self.assertEqual(r.stderr, 'present: warning: mako\'s config (%s) defines no "do-not-disturb" mode, so it '
                                   'would change nothing; add "[mode=do-not-disturb]" and "invisible=1" to it\n' % path)
        self.assertEqual(self.mako.list_modes(), ["default"], "a mode that does nothing is not switched on")
        self.assertEqual(self.dnd_status()["state"], "unsupported")
        self.stop()
        self.assertEqual(self.mako.list_modes(), ["default"])


class MakoWithoutTheMode(MakoUnavailable):
    config = NO_MODE

    def test_config_without_the_mode(self):
        self.assert_unavailable(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"))


class MakoWithoutAConfig(MakoUnavailable):
    config = None

    def test_no_config_at_all(self):
        # The warning names where the config would go.
        self.assert_unavailable(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"))


class Swaync(Contract, Restarts, RealTestCase):
    title = "SwayNotificationCenter"
    in_memory = False  # 0.7 keeps SetDnd in its settings

    def start_servers(self):
        self.swaync = self.start_server(servers.Swaync)

    def get_dnd(self):
        return self.swaync.get_dnd()

    def set_dnd(self, on):
        self.swaync.set_dnd(on)

    def restart_server(self):
        self.swaync.restart()

    def test_down_when_the_session_ends_then_back(self):
        """swaync 0.7 keeps SetDnd in its settings, so a swaync that is down
        when the session ends comes back with do-not-disturb still on. The
        daemon cannot put it back at the stop (which says so) and keeps the change in the
        store; it is still running when swaync takes the name again, and
        must put the change back then, not leave do-not-disturb on until
        the user happens to run `present start` or `present restore`."""
        self.start(self.title)
        self.swaync.kill()
        r = self.present("stop")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertRegex(r.stderr, r"^present: do-not-disturb could not be put back \(SwayNotificationCenter\): "
                                   r"org\.erikreider\.swaync\.cc SetDnd: .+\npresent: 'present restore' tries again\n$")
        self.swaync.start_again()
        real.wait_until(lambda: not self.get_dnd(), 5,
                        "do-not-disturb off on the swaync that came back after the session ended")

    def test_alerts_kept_quietly(self):
        self.start(self.title)
        servers.notify("during the meeting", bus=self.swaync.bus)
        real.wait_until(lambda: self.swaync.notification_count() == 1, 5, "swaync to keep the alert")
        self.stop()
        self.assertFalse(self.get_dnd())


if __name__ == "__main__":
    if os.geteuid() == 0:
        sys.exit(real.run_as_test_user(__file__))
    real.main()
