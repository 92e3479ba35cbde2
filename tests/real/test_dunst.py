"""present against the real dunst (1.9, under Xvfb): `paused` on org.dunstproject.cmd0."""
import real
import servers
from real import Contract, RealTestCase, Restarts, wait_until


class Dunst(Contract, Restarts, RealTestCase):
    title = "dunst"

    def start_servers(self):
        self.dunst = self.start_server(servers.Dunst)

    def get_dnd(self):
        return self.dunst.get_paused()

    def set_dnd(self, on):
        self.dunst.set_paused(on)

    def restart_server(self):
        self.dunst.restart()

    def test_alerts_wait_and_come_after_once(self):
        self.start(self.title)
        servers.notify("during the meeting", bus=self.dunst.bus)
        wait_until(lambda: self.dunst.counts()["waiting"] == 1, 5, "dunst to hold the alert back")
        self.assertEqual(self.dunst.counts()["displayed"], 0)
        self.stop()
        wait_until(lambda: self.dunst.counts()["waiting"] == 0, 5, "dunst to show the held alert")
        # dunst shows what it held by itself: the alert must not come twice.
        wait_until(lambda: self.dunst.counts()["displayed"] >= 1, 5, "dunst to show the held alert")
        self.dunst.close_all()
        wait_until(lambda: "during the meeting" in self.dunst.history(), 5, "the held alert in dunst's history")
        self.assertEqual(self.dunst.history().count("during the meeting"), 1, self.dunst.history())

    def send_ignored_and_signal(self):
        """An alert of an app in ignore_apps and a person's, each held by
        present with dunst's id once its reply was seen."""
        servers.notify("Now playing", "Song 2", app_name="Spotify",
                       hints={"desktop-entry": "com.spotify.Client"}, bus=self.dunst.bus)
        servers.notify("Ana Lima", "are you free at 3?", app_name="Signal",
                       hints={"desktop-entry": "signal-desktop"}, bus=self.dunst.bus)
        wait_until(lambda: self.query("SELECT count(*) FROM alerts WHERE server_id IS NOT NULL") == [(2,)], 5,
                   "the alerts held with dunst's ids")

    def test_ignored_apps_are_not_shown_again(self):
        """An app in ignore_apps is noise: held, never shown again. dunst
        queues whatever comes while paused and shows it all on unpause, so
        the ignored app's alert is closed in dunst's queue before that."""
        self.write_config('ignore_apps = [ "com.spotify.Client" ];\n')
        self.start(self.title)
        self.send_ignored_and_signal()
        wait_until(lambda: self.dunst.counts()["waiting"] == 2, 5, "dunst to hold both alerts back")
        self.assertEqual(self.query("SELECT summary, class, rule FROM alerts ORDER BY id"),
                         [("Now playing", "noise", "noise: com.spotify.Client is in ignore_apps"),
                          ("Ana Lima", "person", "person: Signal is in people_apps")])
        self.stop()
        # Signal's alert and present's summary come up; Spotify's went to
        # dunst's history unseen.
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 2, "history": 1}, 5,
                   "dunst to show all but the ignored alert")
        self.assertEqual(self.dunst.history(), ["Now playing"])
        self.dunst.close_all()
        wait_until(lambda: self.dunst.counts()["history"] == 3, 5, "the shown alerts in dunst's history")
        self.assertEqual(self.dunst.history().count("Now playing"), 1, self.dunst.history())
        self.assertEqual(self.dunst.history().count("Ana Lima"), 1, self.dunst.history())

    def test_ignored_apps_are_not_shown_when_the_user_unpauses(self):
        """dunst paused by hand before the meeting stays paused after it; what
        it held is shown when the user unpauses it, later: the ignored app's
        alert must not be among it."""
        self.write_config('ignore_apps = [ "com.spotify.Client" ];\n')
        self.dunst.set_paused(True)
        self.start(self.title, state="already on")
        self.send_ignored_and_signal()
        self.stop()
        self.assertTrue(self.dunst.get_paused(), "the user's pause is theirs")
        # The ignored alert leaves dunst's queue; Signal's and the summary wait.
        wait_until(lambda: self.dunst.counts()["waiting"] == 2, 5, "dunst to drop the ignored alert")
        self.dunst.set_paused(False)
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 2, "history": 1}, 5,
                   "dunst to show all but the ignored alert")
        self.assertEqual(self.dunst.history(), ["Now playing"])

    def test_ignored_apps_are_not_shown_after_the_daemon_died(self):
        """A daemon killed in a session: the next one puts the pause back,
        and dunst would show the ignored app's alert with the rest. The
        store says which of dunst's ids were the ignored app's, and that
        this dunst gave them."""
        self.write_config('ignore_apps = [ "com.spotify.Client" ];\n')
        self.start(self.title)
        self.send_ignored_and_signal()
        self.kill_daemon()
        self.assertEqual(self.ok("restore"), real.PUT_BACK_ONE)
        self.assertFalse(self.dunst.get_paused())
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 1, "history": 1}, 5,
                   "dunst to show all but the ignored alert")
        self.assertEqual(self.dunst.history(), ["Now playing"])
        self.assertEqual(self.end_reasons(), ["interrupted"])

    def test_gone_with_the_server_that_had_it(self):
        """A crash, and another server has the name since: the pause lived in
        dunst's memory and went with it. notification-daemon (GDBus) answers
        dunst's property with InvalidArgs, "No such interface"."""
        self.start(self.title)
        self.kill_daemon()
        self.dunst.kill()
        other = self.start_server(servers.NotificationDaemon, self.dunst.display_server)
        self.assertEqual(self.ok("restore"), real.NOTHING_TO_RESTORE)
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        # dunst again, paused by hand: the user's, which no start may undo.
        other.stop()
        self.servers.remove(other)
        self.dunst.start_again()
        self.set_dnd(True)
        self.start(self.title, state="already on")
        self.stop()
        self.assertTrue(self.get_dnd())

    def assert_summary_not_shown_again(self, daemon_exits):
        """Paused, dunst holds what it was showing and shows it all again on
        unpause: a summary still up when a session starts would come back
        after it, an hour stale, beside the new one."""
        self.start(self.title)
        self.stop()
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 1, "history": 0}, 5,
                   "dunst to show the summary")
        if daemon_exits:
            self.wait_daemon_gone()
        self.start(self.title)
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 0, "history": 1}, 5,
                   "the summary withdrawn into dunst's history")
        self.stop()
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 1, "history": 1}, 5,
                   "the new summary, alone")

    def test_the_last_summary_is_not_shown_again_after_the_next_session(self):
        self.assert_summary_not_shown_again(daemon_exits=False)

    def test_nor_when_the_daemon_that_showed_it_has_exited(self):
        """Meetings more than a minute apart: a new daemon starts the next one."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.assert_summary_not_shown_again(daemon_exits=True)

if __name__ == "__main__":
    real.main()
