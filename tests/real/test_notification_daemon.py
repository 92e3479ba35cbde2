"""present against GNOME's real notification-daemon (3.20, Xvfb), which has
no do-not-disturb at all: the session must still start, and say so."""
import json

import real
import servers
from real import RealTestCase

WARNING = ("present: warning: Notification Daemon (GNOME) has no do-not-disturb that present can set; "
           "its alerts will still show\n")


class NotificationDaemon(RealTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(servers.NotificationDaemon)

    def test_start_succeeds_and_says_unavailable(self):
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · do-not-disturb unavailable\n$")
        self.assertEqual(r.stderr, WARNING)
        status = json.loads(self.ok("status", "--json"))
        self.assertTrue(status["active"])
        self.assertEqual(status["dnd"], {"state": "unsupported", "server": "Notification Daemon", "backend": None,
                                         "note": WARNING[len("present: warning: "):-1]})
        # Alerts still reach the server, as the warning says.
        self.assertGreater(servers.notify("during the meeting", bus=self.server.bus), 0)
        self.stop()
        self.assert_end_reasons(["stop"])

    def test_nothing_to_restore_after_sigkill(self):
        self.ok("start", "10m")
        self.kill_daemon()
        self.assertEqual(self.ok("restore"), real.NOTHING_TO_RESTORE)
        self.assert_end_reasons(["interrupted"])


if __name__ == "__main__":
    real.main()
