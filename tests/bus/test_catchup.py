"""After the meeting, on the daemon's side: classification, the replay, reminders."""
import glob
import os
import re
import signal
import sqlite3
import subprocess
import time

import dbus
import dbus.lowlevel

import harness
from harness import BusTestCase, ms_clock, wait_until
from test_capture import App, shut_down_socket, sockets_of

MOCK = "org.freedesktop.DBus.Mock"


class Catchup(BusTestCase):
    server = {"server": "dunst"}

    def setUp(self):
        super().setUp()
        self.mock = self.start_mock("dnd_servers", **self.server)

    def db(self):
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db

    def shown_by_present(self):
        """(app_name, summary, body, hints) of every Notify present sent to the server."""
        calls = self.notifications().GetCalls(dbus_interface=MOCK)
        return [(str(a[0]), str(a[3]), str(a[4]), a[6]) for _, name, a in calls
                if name == "Notify" and str(a[0]) != "" and int(a[6].get("sender-pid", 0)) == self.daemon_pid]

    def summaries(self):
        """The summaries every daemon of the test sent."""
        return [str(a[3]) for _, name, a in self.notifications().GetCalls(dbus_interface=MOCK)
                if name == "Notify" and str(a[3]).startswith("While you were present")]

    def meeting(self, *alerts, length="10m"):
        self.ok("start", length)
        self.daemon_pid = self.bus.pid_of()
        app = App(self)
        for a in alerts:
            app.notify(*a)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == len(alerts),
                   what="the alerts in the store")


MEETING = [
    ("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"}),
    ("Thunderbird", "Acme: 1 new message", "Re: Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"}),
    ("Signal", "Bob", "call me when you can", {"desktop-entry": "org.signal.Signal"}),
    ("NetworkManager", "Connected", "Wi-Fi", {"category": "network.connected"}),
    ("Calendar", "Standup in 5 minutes", "", {"desktop-entry": "org.gnome.Calendar"}),
]


class Classification(Catchup):
    def test_each_alert_carries_its_class_and_rule(self):
        self.meeting(*MEETING)
        rows = self.db().execute("SELECT app, class, rule FROM alerts ORDER BY id").fetchall()
        self.assertEqual(rows, [
            ("thunderbird", "mail", "mail: thunderbird is in mail_apps"),
            ("thunderbird", "mail", "mail: thunderbird is in mail_apps"),
            ("org.signal.Signal", "person", "person: Signal is in people_apps"),
            ("NetworkManager", "noise", "noise: category network.connected"),
            ("org.gnome.Calendar", "alert", "alert: no rule says a response is owed"),
        ])

    def test_responses_owed_collapse_per_sender(self):
        started = time.time() * 1000
        self.meeting(*MEETING)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 2, what="owed items")
        rows = self.db().execute("SELECT kind, app, sender, subject, count, state, ack_by - received_at, "
                                 "answer_by - received_at, received_at FROM owed ORDER BY id").fetchall()
        self.assertEqual([r[:8] for r in rows], [
            ("mail", "thunderbird", "Ana Lima", "Re: Invoice Q3", 2, "owed", 2 * 3600 * 1000, 24 * 3600 * 1000),
            ("person", "org.signal.Signal", "Bob", "call me when you can", 1, "owed", 2 * 3600 * 1000,
             24 * 3600 * 1000),
        ])
        self.assertAlmostEqual(rows[0][8], started, delta=5000)

    def test_ignore_apps_and_custom_deadlines(self):
        self.write_config('ignore_apps = ["org.gnome.Calendar"];\nowed = { ack_within = "30m"; answer_within = "4h"; };\n')
        self.meeting(*MEETING)
        self.assertEqual(self.db().execute("SELECT rule FROM alerts WHERE app = 'org.gnome.Calendar'").fetchone(),
                         ("noise: org.gnome.Calendar is in ignore_apps",))
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 2, what="owed items")
        self.assertEqual(self.db().execute("SELECT DISTINCT ack_by - received_at, answer_by - received_at FROM owed")
                         .fetchall(), [(30 * 60 * 1000, 4 * 3600 * 1000)])


    def owed_rows(self):
        return self.db().execute("SELECT kind, app, sender, subject, count FROM owed ORDER BY id").fetchall()

    def test_a_chat_message_is_owed_to_its_sender_whatever_its_lines_say(self):
        self.meeting(("Signal", "Carla Souza", "can you check this?\nFrom: Acme billing\nSubject: overdue",
                      {"desktop-entry": "org.signal.Signal"}),
                     ("Signal", "Carla Souza", "from: 3pm I'm free", {"desktop-entry": "org.signal.Signal"}))
        wait_until(lambda: self.db().execute("SELECT sum(count) FROM owed").fetchone()[0] == 2, what="owed items")
        self.assertEqual(self.owed_rows(), [("person", "org.signal.Signal", "Carla Souza", "from: 3pm I'm free", 2)])

    def test_a_telegram_message_is_owed_to_its_sender(self):
        """Telegram's desktop entry is "org.telegram.desktop": its id ends in
        the word a misnamed entry's suffix is, and is listed so."""
        self.meeting(("Telegram", "Fred Otto", "are we still on for 5?", {"desktop-entry": "org.telegram.desktop"}))
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 1, what="owed items")
        self.assertEqual(self.db().execute("SELECT app, class, rule FROM alerts").fetchall(),
                         [("org.telegram.desktop", "person", "person: org.telegram.desktop is in people_apps")])
        self.assertEqual(self.owed_rows(),
                         [("person", "org.telegram.desktop", "Fred Otto", "are we still on for 5?", 1)])

    def test_mail_that_names_nobody_is_kept_but_owes_nothing(self):
        """A count of new mail or a reminder from a mail client: held and
        shown again as mail, but nobody waits for an answer. Each client's
        own alert for one message still is owed."""
        gtk = ("org.gtk.Notifications", "/org/gtk/Notifications", "org.gtk.Notifications")
        self.bus.spawn([harness.PYTHON, "-m", "dbusmock", gtk[0], gtk[1], gtk[2]])
        wait_until(lambda: self.bus.has_owner(gtk[0]), what=gtk[0])
        self.bus.connection.get_object(gtk[0], gtk[1]).AddMethod(gtk[2], "AddNotification", "ssa{sv}", "", "",
                                                                 dbus_interface=MOCK)
        evolution = {"desktop-entry": "org.gnome.Evolution", "sound-name": "message-new-email"}
        self.meeting(("Thunderbird", "Quarterly review", "Today 14:00 - 15:00", {"desktop-entry": "thunderbird"}),
                     ("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima",
                      {"desktop-entry": "thunderbird"}),
                     ("evolution-mail-notification", "New email in Evolution", "You have received 3 new messages.",
                      evolution),
                     ("evolution-mail-notification", "New email in Evolution",
                      "You have received 1 new message.\nFrom: Bob\nSubject: Contract", evolution))
        app = App(self)

        def geary(id, title, body):
            note = dbus.Dictionary({"title": dbus.String(title, variant_level=1),
                                    "body": dbus.String(body, variant_level=1)}, signature="sv")
            app.call(*gtk, "AddNotification", "ssa{sv}", "org.gnome.Geary", id, note)
        geary("email-arrived-1", "Work", "3 new messages, 4 new messages total")
        geary("email-arrived-2", "Dana Reyes", "Quarterly numbers")
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == 6, what="the alerts")
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 3, what="owed items")
        time.sleep(0.3)  # nothing else is owed after a moment either
        self.assertEqual(self.db().execute("SELECT class, owed_id IS NOT NULL FROM alerts ORDER BY id").fetchall(),
                         [("mail", 0), ("mail", 1), ("mail", 0), ("mail", 1), ("mail", 0), ("mail", 1)])
        self.assertEqual(self.owed_rows(), [("mail", "thunderbird", "Ana Lima", "Invoice Q3", 1),
                                            ("mail", "org.gnome.Evolution", "Bob", "Contract", 1),
                                            ("mail", "org.gnome.Geary", "Dana Reyes", "Quarterly numbers", 1)])


class Replay(Catchup):
    def test_the_summary_names_the_session(self):
        self.ok("start", "10m", "--label", "Board review")
        self.daemon_pid = self.bus.pid_of()
        self.ok("stop")
        [(_, summary, body, _)] = wait_until(self.shown_by_present, what="the summary")
        self.assertRegex(summary, r"^While you were present: Board review \(\d+ s\)$")
        self.assertEqual(body, "Nothing came in.")

    def test_the_summary_waits_for_the_desktop_to_be_back(self):
        # The end cannot put the switch back: shown now, into a desktop still
        # silenced, the summary would pass unseen (GNOME's tray) and count as shown.
        self.meeting(MEETING[2])
        mock = self.notifications()
        mock.Set("org.example.Mock", "RefuseOff", dbus.Boolean(True), signature="ssv",
                 dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertEqual(self.present("stop").returncode, 4)
        time.sleep(1)
        self.assertEqual(self.summaries(), [])
        mock.Set("org.example.Mock", "RefuseOff", dbus.Boolean(False), signature="ssv",
                 dbus_interface=dbus.PROPERTIES_IFACE)
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertEqual(wait_until(self.summaries, what="the summary once the desktop is back"),
                         [self.summaries()[0]])
        self.assertRegex(self.summaries()[0], r"^While you were present \(\d+ s\)$")

    def test_summary_at_the_end(self):
        self.meeting(*MEETING)
        self.ok("stop")
        [(app, summary, body, hints)] = wait_until(self.shown_by_present, what="the summary")
        self.assertEqual(app, "present")
        self.assertRegex(summary, r"^While you were present \(\d+ s\)$")
        # Near midnight the deadline is tomorrow's, and the clock names its day.
        [(first,)] = self.db().execute("SELECT min(ack_by) FROM owed").fetchall()
        self.assertEqual(body, "5 alerts from 4 apps · 2 replies owed, first by %s" % ms_clock(first))
        # Its own notification is not held as an alert of the next session.
        self.ok("start", "10m")
        App(self).notify("X", "one more", "")
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts WHERE session_id = 2").fetchone()[0] == 1,
                   what="the next session's alert")
        self.assertEqual(self.db().execute("SELECT app_name FROM alerts WHERE session_id = 2").fetchall(), [("X",)])

    def test_a_sender_who_writes_again_is_owed_in_the_next_summary(self):
        """Bob's message joins his item from the session before: the summary
        of the session he wrote in again counts him all the same."""
        self.meeting(MEETING[2])
        self.ok("stop")
        wait_until(self.shown_by_present, what="the first summary")
        self.ok("start", "10m")
        App(self).notify("Signal", "Bob", "still there?", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count FROM owed").fetchall() == [(2,)], what="Bob's second")
        self.ok("stop")
        shown = wait_until(lambda: len(self.shown_by_present()) == 2 and self.shown_by_present(),
                           what="the second summary")
        [(first,)] = self.db().execute("SELECT ack_by FROM owed").fetchall()
        self.assertEqual(shown[1][2], "1 alert from 1 app · 1 reply owed, first by %s" % ms_clock(first))

    def test_the_summary_gives_the_deadline_that_comes_next(self):
        """Bob, acknowledged after the first meeting, writes again during the
        second: his answer is what is due. Carla's acknowledgement was due
        before the second meeting ended: she is late, not due by then."""
        self.meeting(MEETING[2], ("Signal", "Carla", "ping", {"desktop-entry": "org.signal.Signal"}))
        self.ok("stop")
        wait_until(self.shown_by_present, what="the first summary")
        self.ok("ack", "1")
        self.ok("start", "10m")
        app = App(self)
        app.notify("Signal", "Bob", "still there?", {"desktop-entry": "org.signal.Signal"})
        app.notify("Signal", "Carla", "hello?", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count FROM owed ORDER BY id").fetchall() == [(2,), (2,)],
                   what="the second messages")
        with self.db() as db:
            db.execute("UPDATE owed SET ack_by = 1000 WHERE sender = 'Carla'")
        self.ok("stop")
        shown = wait_until(lambda: len(self.shown_by_present()) == 2 and self.shown_by_present(),
                           what="the second summary")
        [(answer_by,)] = self.db().execute("SELECT answer_by FROM owed WHERE sender = 'Bob'").fetchall()
        self.assertEqual(shown[1][2], "2 alerts from 1 app · 2 replies owed, 1 overdue, next by %s"
                         % ms_clock(answer_by))

    def summary_actions(self):
        [actions] = [list(map(str, a[5])) for _, name, a in self.notifications().GetCalls(dbus_interface=MOCK)
                     if name == "Notify" and str(a[3]).startswith("While you were present")]
        return actions

    def activation_environment(self, **env):
        """The environment the daemon about to be started by the bus gets, as a desktop's session sets it."""
        self.bus.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").UpdateActivationEnvironment(
            env, dbus_interface="org.freedesktop.DBus")

    def test_the_default_review_runs_in_the_desktops_terminal(self):
        """No x-terminal-emulator (Fedora, Arch): Plasma's own terminal opens the catch-up."""
        bin_dir = os.path.join(self.root, "bin")
        os.mkdir(bin_dir)
        ran = os.path.join(self.root, "ran")
        for terminal in ("xterm", "konsole"):
            with open(os.path.join(bin_dir, terminal), "w") as f:
                f.write('#!/bin/sh\nprintf "%%s\\n" "$0" "$@" > %s\n' % ran)
            os.chmod(os.path.join(bin_dir, terminal), 0o755)
        self.activation_environment(PATH=bin_dir, XDG_CURRENT_DESKTOP="KDE")
        self.meeting(*MEETING[:1])
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        # A click on the notice, and a button of its own: "default" is never drawn as one.
        self.assertEqual(self.summary_actions(), ["default", "Catch up", "run", "Catch up"])
        self.notifications().EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                                        [dbus.UInt32(self.summary_id()), "run"], dbus_interface=MOCK)
        wait_until(lambda: os.path.exists(ran) and os.path.getsize(ran), what="the terminal")
        with open(ran) as f:
            self.assertEqual(f.read().splitlines(),
                             [os.path.join(bin_dir, "konsole"), "-e", "present", "catchup", "-i", "--hold"])

    def test_no_terminal_no_button(self):
        """A button that could only fail is not shown; the log says why."""
        empty = os.path.join(self.root, "empty")
        os.mkdir(empty)
        self.activation_environment(PATH=empty)
        self.meeting(*MEETING[:1])
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        self.assertEqual(self.summary_actions(), [])
        self.assertIn("no terminal to run the catch-up in", self.bus.read_log())

    def test_the_review_command_finds_present_off_the_path(self):
        # Installed under ~/.local, present is rarely on the PATH that D-Bus
        # activation or systemd gives the daemon: "Catch up" would open a
        # terminal that cannot find it.
        found = os.path.join(self.root, "found")
        self.write_config('replay = { review_command = [ "sh", "-c", "command -v present > %s" ]; };\n' % found)
        self.activation_environment(PATH="/usr/bin:/bin")
        self.meeting(*MEETING[:1])
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        calls = [(str(a[3]), int(a[1])) for _, name, a in self.notifications().GetCalls(dbus_interface=MOCK)
                 if name == "Notify"]
        # The mock numbers each new notification from 1.
        [summary_id] = [i + 1 for i, (summary, _) in enumerate([c for c in calls if c[1] == 0])
                        if summary.startswith("While you were present")]
        self.notifications().EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                                        [dbus.UInt32(summary_id), "default"], dbus_interface=MOCK)
        wait_until(lambda: os.path.exists(found) and os.path.getsize(found), what="the review command")
        with open(found) as f:
            self.assertEqual(os.path.realpath(f.read().strip()), os.path.realpath(harness.CLI))

    def button_shown_then_idle(self):
        """A summary with its "Catch up" button, left on screen past idle_exit
        (GNOME's tray, swaync's panel keep it until the user looks). Nothing
        is owed: a reminder to come would keep the daemon by itself."""
        ran = os.path.join(self.root, "ran")
        self.write_config('daemon = { idle_exit = 1; };\n'
                          'replay = { review_command = [ "sh", "-c", "echo $$ >> %s" ]; };\n' % ran)
        self.meeting(MEETING[4])
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        time.sleep(2.5)  # longer than idle_exit
        return ran

    def test_the_daemon_stays_while_its_button_is_shown(self):
        ran = self.button_shown_then_idle()
        self.assertEqual(self.bus.pid_of(), self.daemon_pid)
        self.notifications().EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                                        [dbus.UInt32(self.summary_id()), "default"], dbus_interface=MOCK)
        wait_until(lambda: os.path.exists(ran), what="the review command")
        time.sleep(2.5)  # the server has not closed it: the button still works
        self.assertEqual(self.bus.pid_of(), self.daemon_pid)
        # Dismissed (reason 2): nothing is left to answer.
        self.notifications().EmitSignal("org.freedesktop.Notifications", "NotificationClosed", "uu",
                                        [dbus.UInt32(self.summary_id()), dbus.UInt32(2)], dbus_interface=MOCK)
        self.wait_daemon_gone()

    def test_a_server_gone_takes_the_button_along(self):
        self.button_shown_then_idle()
        self.assertEqual(self.bus.pid_of(), self.daemon_pid)
        self.kill_mock()
        self.wait_daemon_gone()

    def killed_in_a_meeting(self):
        """Three alerts held, then the daemon SIGKILLed mid-session, and what
        its systemd unit's ExecStopPost runs: the session is recorded
        interrupted and dunst unpaused, with no daemon to sum anything up."""
        self.meeting(*MEETING[:3])
        self.kill_daemon()
        r = subprocess.run([harness.DAEMON, "--restore"], env=self.bus.env, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.db().execute("SELECT end_reason, replay_due FROM sessions").fetchall(),
                         [("interrupted", "dunst")])

    def test_a_summary_the_store_cannot_read_waits(self):
        # What cannot be read is not "Nothing came in": it stays due.
        self.killed_in_a_meeting()
        with self.db() as db:
            db.execute("ALTER TABLE capture_gaps RENAME TO gaps_away")
        self.ok("doctor")  # any call has the bus start a daemon
        self.daemon_pid = self.bus.pid_of()
        wait_until(lambda: self.summaries() or "the summary of session 1 waits: " in self.bus.read_log(),
                   what="the summary shown or held back")
        self.assertEqual(self.summaries(), [])
        self.assertEqual(self.db().execute("SELECT replay_due FROM sessions").fetchall(), [("dunst",)])

    def test_the_next_daemon_sums_up_a_session_its_predecessor_died_in(self):
        """The unit's restart, or the next `present` run: the held alerts
        are summed up as an end would have, said to be cut short."""
        self.killed_in_a_meeting()
        self.ok("doctor")  # any call has the bus start a daemon
        self.daemon_pid = self.bus.pid_of()
        [(app, summary, body, _)] = wait_until(self.shown_by_present, what="the summary")
        self.assertEqual(app, "present")
        self.assertRegex(summary, r"^While you were present \(\d+ s; interrupted\)$")
        [(owed, first)] = self.db().execute("SELECT count(*), min(ack_by) FROM owed").fetchall()
        self.assertEqual(body, "3 alerts from 2 apps · %d replies owed, first by %s" % (owed, ms_clock(first)))
        self.assert_shown_once()

    def assert_shown_once(self):
        """Once the server has taken the summary, the daemon after this one has nothing more to say."""
        self.wait_summary_taken()
        self.kill_daemon()
        self.ok("doctor")
        self.daemon_pid = self.bus.pid_of()
        time.sleep(1)
        self.assertEqual(len(self.summaries()), 1)

    def test_the_key_that_ends_it_has_it_summed_up(self):
        """No systemd to restart the daemon: the stop pressed next puts the
        desktop back in its own process, and a daemon it has the bus start
        shows the summary, as after any end."""
        for verb in ("stop", "toggle"):
            self.meeting(*MEETING[:3])
            self.kill_daemon()
            self.assertEqual(self.ok(verb), "Put back 1 do-not-disturb change.\n", verb)
            self.daemon_pid = self.bus.pid_of()
            [(_, summary, body, _)] = wait_until(self.shown_by_present, what="the summary after " + verb)
            self.assertRegex(summary, r"^While you were present \(\d+ s; interrupted\)$")
            self.assertTrue(body.startswith("3 alerts from 2 apps"), body)
            self.wait_summary_taken()
            self.assertFalse(self.call("GetStatus")["active"], verb)
            with self.db() as db:  # meeting() counts the alerts of the store
                db.execute("DELETE FROM alerts")

    def test_the_next_login_shows_it(self):
        """Put back by the unit's ExecStopPost, or by `present restore`, and
        the user logged out before any daemon ran: the autostart entry has
        one started at the next login for the summary alone (no response is
        owed, so no reminder would start one)."""
        self.meeting(*MEETING[3:])
        self.kill_daemon()
        r = subprocess.run([harness.DAEMON, "--restore"], env=self.bus.env, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.db().execute("SELECT count(*) FROM owed").fetchone()[0], 0)
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("the summary of a session is still to be shown: the daemon is started", r.stderr)
        self.daemon_pid = self.bus.pid_of()
        [(_, summary, _, _)] = wait_until(self.shown_by_present, what="the summary")
        self.assertIn("; interrupted)", summary)
        self.wait_summary_taken()

    def test_it_waits_for_a_notification_server(self):
        """At login the daemon may come up before the desktop's server."""
        self.killed_in_a_meeting()
        self.kill_mock()
        self.ok("doctor")
        self.daemon_pid = self.bus.pid_of()
        time.sleep(1)
        self.assertEqual(self.db().execute("SELECT replay_due FROM sessions").fetchall(), [("dunst",)])
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(_, summary, _, _)] = wait_until(self.shown_by_present, what="the summary once a server is there")
        self.assertIn("; interrupted)", summary)

    def test_a_summary_no_server_took_is_shown_when_one_comes(self):
        """The server went away in the meeting: the summary sent at the end
        reaches nobody, and stays due until a server takes it."""
        self.meeting(*MEETING[:3])
        self.kill_mock()
        self.ok("stop")
        time.sleep(1)
        self.assertEqual(self.db().execute("SELECT replay_due IS NOT NULL FROM sessions").fetchall(), [(1,)])
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(_, summary, body, _)] = wait_until(self.shown_by_present, what="the summary once a server is there")
        self.assertRegex(summary, r"^While you were present \(\d+ s\)$")
        self.assertTrue(body.startswith("3 alerts from 2 apps"), body)
        self.assert_shown_once()

    def test_a_summary_no_server_took_keeps_the_daemon_for_one(self):
        """With no reminder to keep it, an idle daemon would leave, and
        nothing would see the server come back."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.meeting(MEETING[4])
        self.assertEqual(self.db().execute("SELECT count(*) FROM owed").fetchone()[0], 0)
        self.kill_mock()
        self.ok("stop")
        time.sleep(3)
        self.assertTrue(self.bus.has_owner(), "the daemon left")
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(_, summary, body, _)] = wait_until(self.shown_by_present, what="the summary once a server is there")
        self.assertTrue(body.startswith("1 alert from 1 app"), body)
        wait_until(lambda: not self.bus.has_owner(), 10, "the daemon to leave once the summary is taken")

    def test_a_start_makes_it_stale(self):
        """A daemon the bus starts for a `present start` does not show the
        last summary for the start to close at once; that session's end
        shows its own, and the one cut short is left to `present catchup`."""
        self.killed_in_a_meeting()
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        time.sleep(1)
        self.assertEqual(self.summaries(), [])
        self.ok("stop")
        wait_until(self.summaries, what="the second session's summary")
        time.sleep(1)
        [summary] = self.summaries()
        self.assertNotIn("interrupted", summary)
        self.assertEqual(self.db().execute("SELECT replay_due FROM sessions").fetchall(), [(None,), (None,)])

    def test_an_empty_review_command_is_none(self):
        self.write_config("replay = { review_command = []; };\n")
        self.meeting(*MEETING[:1])
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        wait_until(self.shown_by_present, what="the summary")
        self.assertEqual(self.summary_actions(), [])

    def test_nothing_came_in(self):
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        self.ok("stop")
        [(_, _, body, _)] = wait_until(self.shown_by_present, what="the summary")
        self.assertEqual(body, "Nothing came in.")

    def test_a_gap_is_not_nothing(self):
        # The monitor lost for a while: what came then is not in the count, and "nothing" would be a promise.
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        wait_until(lambda: len(sockets_of(self.daemon_pid)) == 2, what="the daemon's bus and monitor connections")
        shut_down_socket(self.daemon_pid, sorted(sockets_of(self.daemon_pid))[1])
        wait_until(lambda: self.db().execute("SELECT count(*) FROM capture_gaps").fetchone()[0] == 1, 10,
                   "the gap to be recorded")
        self.ok("stop")
        [(_, _, body, _)] = wait_until(self.shown_by_present, what="the summary")
        self.assertRegex(body, r"^Alerts were not watched for \d+ s: what came then is missing\.$")

    def closed_by_present(self):
        """The ids present asked the server to close."""
        calls = self.notifications().GetCalls(dbus_interface=MOCK)
        return [int(a[0]) for _, name, a in calls if name == "CloseNotification"]

    def summary_id(self):
        """The server's id of present's summary: the mock numbers every new notice in turn."""
        calls = [a for _, name, a in self.notifications().GetCalls(dbus_interface=MOCK) if name == "Notify"]
        [index] = [i for i, a in enumerate(calls) if str(a[3]).startswith("While you were present")]
        return index + 1

    def test_the_next_start_withdraws_the_summary_still_shown(self):
        """A server that holds notices through a session (dunst, mako) would
        show the last session's summary again at the end of the next one."""
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        App(self).notify("Before", "shown now", "")
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        summary = self.summary_id()
        self.assertEqual(summary, 2)
        time.sleep(0.3)  # its id has come back to the daemon
        self.assertEqual(self.closed_by_present(), [])
        self.ok("start", "10m")
        wait_until(lambda: self.closed_by_present() == [summary], what="the summary closed")
        self.ok("stop")
        self.ok("start", "10m")  # the second summary, and nothing else
        wait_until(lambda: len(self.closed_by_present()) == 2, what="the second summary closed")
        self.assertEqual(self.closed_by_present(), [summary, summary + 1])

    def summary_then_daemon_gone(self):
        """A session's summary, then the daemon's exit when idle, as between
        two meetings more than a minute apart: the server's id of the summary."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        self.wait_daemon_gone()
        return self.summary_id()

    def kept(self):
        """The files where daemons keep the ids of their notices still shown."""
        return glob.glob(os.path.join(self.bus.env["XDG_RUNTIME_DIR"], "present", "shown-*"))

    def replace_server(self):
        """The notification server killed and another started in its place."""
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", **self.server)

    def assert_next_meeting_closes_nothing(self):
        """A meeting with a new daemon, to its summary: it closes no notice."""
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        self.ok("stop")
        wait_until(self.shown_by_present, what="the new daemon's summary")
        time.sleep(0.3)  # its withdrawals have had the time to come
        self.assertEqual(self.closed_by_present(), [])

    def test_a_summary_shown_by_a_daemon_since_gone_is_withdrawn_by_the_next(self):
        summary = self.summary_then_daemon_gone()
        self.ok("start", "10m")
        self.assertNotEqual(self.bus.pid_of(), self.daemon_pid)
        wait_until(lambda: self.closed_by_present() == [summary], what="the summary closed")
        wait_until(lambda: self.kept() == [], what="nothing left to close")

    def test_a_summary_kept_from_another_bus_is_left_alone(self):
        """A bus started again at the same address gives unique names afresh:
        the name kept could be another server's, the id another app's notice."""
        self.summary_then_daemon_gone()
        [path] = self.kept()
        with open(path) as f:
            guid, rest = f.read().split("\n", 1)
        self.assertRegex(guid, "^[0-9a-f]{32}$")
        with open(path, "w") as f:
            f.write("0" * 32 + "\n" + rest)
        self.assert_next_meeting_closes_nothing()

    def test_a_summary_of_a_server_gone_since_is_never_closed_on_the_new_one(self):
        """No daemon saw the server go: the new one gives the same id to an app's notice."""
        summary = self.summary_then_daemon_gone()
        self.replace_server()
        for i in range(summary):
            App(self).notify("Signal", "Ana", "id %d on the new server" % (i + 1), {"desktop-entry": "org.signal.Signal"})
        self.assert_next_meeting_closes_nothing()

    def test_a_summary_the_server_closed_is_left_alone(self):
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        self.ok("stop")
        wait_until(self.shown_by_present, what="the summary")
        time.sleep(0.3)
        # It expired (reason 1), as dunst's and mako's do after their timeout.
        self.notifications().EmitSignal("org.freedesktop.Notifications", "NotificationClosed", "uu",
                                         [self.summary_id(), 1], dbus_interface=MOCK)
        time.sleep(0.3)
        self.ok("start", "10m")
        self.ok("stop")
        wait_until(lambda: len(self.shown_by_present()) == 2, what="the second summary")
        self.assertEqual(self.closed_by_present(), [])

    def test_a_new_server_is_never_asked_to_close_the_old_ones_summary(self):
        """It numbers its notices afresh: the id could be another app's alert."""
        self.ok("start", "10m")
        daemon = self.bus.pid_of()
        self.ok("stop")
        time.sleep(0.3)
        self.replace_server()
        App(self).notify("Signal", "Ana", "id 1 on the new server", {"desktop-entry": "org.signal.Signal"})
        self.ok("start", "10m")
        self.assertEqual(self.bus.pid_of(), daemon)  # the one that kept the old id
        self.ok("stop")
        time.sleep(0.3)
        self.assertEqual(self.closed_by_present(), [])

    def test_none(self):
        self.write_config('replay = { mode = "none"; };\n')
        self.meeting(*MEETING)
        self.ok("stop")
        time.sleep(0.3)  # give a wrong replay the time to show up
        self.assertEqual(self.shown_by_present(), [])

    def test_each_is_left_to_dunst(self):
        """dunst shows what it held on unpause: replaying would show it twice."""
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(*MEETING)
        self.ok("stop")
        time.sleep(0.3)
        self.assertEqual(self.shown_by_present(), [])

    def paused(self):
        return bool(self.notifications().Get("org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_each_again_what_a_dunst_that_died_held(self):
        """dunst crashed in the meeting and was started again: what the old
        one held went with it, and is shown again; the new one shows what
        it holds itself."""
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"}))
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", **self.server)
        wait_until(self.paused, what="the new dunst paused")
        App(self).notify("Signal", "Carla", "lunch?", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(server) FROM alerts").fetchone() == (2,),
                   what="both alerts and who took them")
        self.ok("stop")
        shown = wait_until(self.shown_by_present, what="the replay")
        time.sleep(0.3)  # anything more would be shown by now
        self.assertEqual([(a, s) for a, s, _, _ in self.shown_by_present()], [("Signal", "Bob")])
        self.assertEqual(len(shown), 1)

    def test_each_again_what_a_hung_dunst_never_answered_for(self):
        """dunst hung, then was killed, with an alert it never answered for:
        the bus answered for it with an error the monitor does not see, and
        no server holds it."""
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting()
        os.killpg(self.mock.pid, signal.SIGSTOP)
        app = App(self)
        call = dbus.lowlevel.MethodCallMessage("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                               "org.freedesktop.Notifications", "Notify")
        call.append("Signal", dbus.UInt32(0), "", "Bob", "call me", dbus.Array([], signature="s"),
                    dbus.Dictionary({"desktop-entry": "org.signal.Signal"}, signature="sv"), dbus.Int32(-1),
                    signature="susssasa{sv}i")
        app.bus.send_message(call)
        app.bus.flush()
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone() == (1,), what="the alert")
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", **self.server)
        wait_until(self.paused, what="the new dunst paused")
        self.ok("stop")
        [(app_name, summary, _, _)] = wait_until(self.shown_by_present, what="the replay")
        self.assertEqual((app_name, summary), ("Signal", "Bob"))

    def test_each_again_what_a_dunst_gone_held_once_a_server_comes(self):
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"}))
        wait_until(lambda: self.db().execute("SELECT count(server) FROM alerts").fetchone() == (1,),
                   what="who took the alert")
        self.kill_mock()
        self.ok("stop")
        wait_until(lambda: self.db().execute("SELECT replay_due FROM sessions").fetchall() == [("dunst",)],
                   what="the replay due, for a server to come")
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(app, summary, _, _)] = wait_until(self.shown_by_present, what="the replay once a server is there")
        self.assertEqual((app, summary), ("Signal", "Bob"))
        wait_until(lambda: self.db().execute("SELECT replay_due FROM sessions").fetchall() == [(None,)],
                   what="the replay done with")


class SlowServer(Catchup):
    """A server that takes its time to answer for the summary."""
    server = {"server": "dunst", "slow_summary": 3}

    def test_a_daemon_gone_before_the_answer_leaves_the_summary_to_the_next(self):
        """Killed after it sent the summary and before the server answered,
        the daemon cannot know it was shown: the next one shows it again,
        twice rather than never."""
        self.meeting(*MEETING[:3])
        self.ok("stop")
        wait_until(lambda: "session 1 ended: stop" in self.bus.read_log(), 5, "the end and its summary sent")
        time.sleep(0.3)
        self.kill_daemon()
        self.assertEqual(self.db().execute("SELECT replay_due FROM sessions").fetchall(), [("dunst",)])
        self.ok("doctor")
        self.daemon_pid = self.bus.pid_of()
        self.wait_summary_taken(15)
        summaries = self.summaries()
        self.assertEqual(len(summaries), 2, summaries)
        self.assertTrue(all(re.match(r"^While you were present \(\d+ s\)$", s) for s in summaries), summaries)


class SummaryToAServerStartedForIt(harness.NotificationsToStart, Catchup):
    """No server runs as the session ends (it left during it), or as the
    next daemon comes to show a summary left due, and the bus can start
    one: the summary's own Notify does, and shows it."""

    def test_a_summary_left_due_starts_a_server(self):
        self.meeting(MEETING[2])
        self.kill_daemon()
        self.kill_mock()
        self.notifications_to_start(harness.PYTHON, "-m", "dbusmock", "--template", "notification_daemon")
        self.ok("doctor")  # a daemon, which has the interrupted session's summary to show
        wait_until(lambda: self.bus.has_owner("org.freedesktop.Notifications") and self.summaries(), 15,
                   "the summary, on the server its Notify started")
        self.assertRegex(self.summaries()[0], r"^While you were present \(\d+ s; interrupted\)$")

    def test_the_summary_starts_a_server(self):
        self.meeting(MEETING[2])
        self.kill_mock()
        self.notifications_to_start(harness.PYTHON, "-m", "dbusmock", "--template", "notification_daemon")
        self.ok("stop")
        # Asked only once it runs: the test's own call would start it too.
        wait_until(lambda: self.bus.has_owner("org.freedesktop.Notifications") and self.summaries(), 15,
                   "the summary, on the server its Notify started")
        self.assertRegex(self.summaries()[0], r"^While you were present \(\d+ s\)$")


class ReplayEach(Catchup):
    server = {"server": "swaync"}  # keeps held alerts in its centre, shows none again

    def test_each_again_grouped_and_escaped(self):
        self.write_config('replay = { mode = "each"; };\n')
        burst = [("Slack", "#general %d" % i, "msg %d" % i, {"desktop-entry": "com.slack.Slack"}) for i in range(5)]
        # The body is markup as the app sent it: it comes again as the text it
        # showed, escaped, never escaped twice (KMail's "&lt;ana@x.org&gt;").
        self.meeting(("Evil", "<b>bold</b>", "<a href='https://x'>click</a> & more", {}),
                     ("KMail", "New mail", "From: Ana &lt;ana@x.org&gt;", {}),
                     ("NetworkManager", "Connected", "", {"category": "network.connected"}), *burst)
        self.ok("stop")
        shown = wait_until(lambda: len(self.shown_by_present()) == 3 and self.shown_by_present(), what="the replay")
        (app1, s1, b1, h1), (app3, s3, b3, h3), (app2, s2, b2, h2) = shown
        self.assertEqual((app1, s1), ("Evil", "<b>bold</b>"))
        self.assertRegex(b1, r"^click &amp; more\n\(at \d\d:\d\d\)$")
        self.assertEqual((app3, s3), ("KMail", "New mail"))
        self.assertRegex(b3, r"^From: Ana &lt;ana@x\.org&gt;\n\(at \d\d:\d\d\)$")
        self.assertEqual((app2, s2), ("Slack", "5 alerts while you were present"))
        self.assertEqual(len(b2.splitlines()), 5)

    def test_each_again_a_flood_in_part(self):
        """One notice for a flood, whose list would fill the screen: the first ten, and how many more."""
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(*[("Slack", "#general %d" % i, "msg", {"desktop-entry": "com.slack.Slack"}) for i in range(13)])
        self.ok("stop")
        [(_, summary, body, _)] = wait_until(self.shown_by_present, what="the replay")
        self.assertEqual(summary, "13 alerts while you were present")
        lines = body.splitlines()
        self.assertEqual([re.sub(r"^\d\d:\d\d ", "", line) for line in lines[:10]],
                         ["#general %d" % i for i in range(10)])
        self.assertEqual(lines[10:], ["… and 3 more"])


    def test_what_no_server_took_comes_when_one_does(self):
        """As the summary: alerts replayed to no server stay due."""
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"}),
                     ("Calendar", "Standup", "in 5 minutes", {"desktop-entry": "org.gnome.Calendar"}))
        self.kill_mock()
        # swaync gone, its switch cannot be put back either: that waits for it too.
        self.assertEqual(self.present("stop").returncode, 4)
        time.sleep(1)
        self.assertEqual(self.db().execute("SELECT replay_due IS NOT NULL FROM sessions").fetchall(), [(1,)])
        self.mock = self.start_mock("dnd_servers", **self.server)
        shown = wait_until(lambda: len(self.shown_by_present()) == 2 and self.shown_by_present(),
                           what="the replay once a server is there")
        self.assertEqual([(a, s) for a, s, _, _ in shown], [("Signal", "Bob"), ("Calendar", "Standup")])
        wait_until(lambda: self.db().execute("SELECT replay_due FROM sessions").fetchall() == [(None,)],
                   what="the replay done with")

    def test_nothing_silenced_nothing_comes_again(self):
        # Shown as they came, with nothing to hold them: replayed, each would come twice.
        self.write_config('replay = { mode = "each"; };\ndnd = { backend = "none"; };\n')
        self.meeting(("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"}))
        self.ok("stop")
        wait_until(lambda: self.db().execute("SELECT replay_due FROM sessions").fetchall() == [(None,)],
                   what="the replay done with")
        time.sleep(0.5)
        self.assertEqual(self.shown_by_present(), [])

    def test_what_the_app_took_back_is_not_shown_again(self):
        self.write_config('replay = { mode = "each"; };\n')
        self.meeting(("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"}))
        app = App(self)
        taken_back = app.notify("Signal", "Carla", "never mind", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT server_id FROM alerts WHERE summary = 'Carla'").fetchone()
                   == (taken_back,), what="the server id")
        app.close(taken_back)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts WHERE withdrawn_at IS NOT NULL")
                   .fetchone()[0] == 1, what="the withdrawal")
        self.ok("stop")
        shown = wait_until(self.shown_by_present, what="the replay")
        time.sleep(0.3)  # anything more would be shown by now
        self.assertEqual([(a, s, b.split("\n")[0]) for a, s, b, _ in self.shown_by_present()],
                         [("Signal", "Bob", "call me")])
        self.assertEqual(len(shown), 1)


class Reminders(Catchup):
    def test_reminder_before_the_deadline(self):
        # Acknowledge within 1 minute, reminded 58 s before: 2 s after the alert.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "58s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        [(app, summary, body, _)] = wait_until(self.shown_by_present, 10, "the reminder")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))
        [(ack_by,)] = self.db().execute("SELECT ack_by FROM owed").fetchall()
        self.assertEqual(body, "Acknowledge by %s: “call me when you can”" % ms_clock(ack_by))
        wait_until(lambda: self.db().execute("SELECT reminded FROM owed").fetchone() == (1,), what="the mark")

    def test_a_reminder_due_in_a_session_waits_for_its_end(self):
        # Due 10 s after the alert, in the next meeting: given once that ends,
        # not into do-not-disturb, where it would pass unseen and count as given.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "50s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        self.ok("start", "10m")
        [(received,)] = self.db().execute("SELECT received_at FROM owed").fetchall()
        self.assertLess(time.time(), received / 1000 + 10, "the next meeting began after the reminder was due")
        time.sleep(max(0, received / 1000 + 12 - time.time()))
        self.assertEqual(self.shown_by_present(), [])
        self.assertEqual(self.db().execute("SELECT reminded FROM owed").fetchall(), [(0,)])
        self.ok("stop")
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))

    def test_reminder_for_a_message_that_named_no_app(self):
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "58s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(("", "Erin", "lunch?", {"category": "im.received"}))
        self.ok("stop")
        [(app, summary, body, _)] = wait_until(self.shown_by_present, 10, "the reminder")
        self.assertEqual((app, summary), ("present", "Erin is waiting"))

    def test_store_locked_when_due(self):
        # Another writer holds the store when the reminder falls due, 5 s
        # after the alert: none is given while it cannot be marked, not even
        # once, and it comes once the store is free, once.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "55s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        time.sleep(8)  # past when it falls due, and past the store's 2 s wait for the lock
        self.assertEqual(self.shown_by_present(), [])
        self.assertIn("trying again in 5 s", self.bus.read_log())
        other.execute("ROLLBACK")
        wait_until(self.shown_by_present, 10, "the reminder once the store is free")
        time.sleep(1)
        self.assertEqual(len(self.shown_by_present()), 1)
        self.assertEqual(self.db().execute("SELECT reminded FROM owed").fetchone(), (1,))
        self.assertEqual(self.bus.read_log().count("trying again"), 1)

    def test_a_store_that_cannot_be_read_when_due_is_read_again(self):
        # The responses owed cannot be read when the reminder falls due, 10 s
        # after the alert (the table is moved away, as damage or a newer
        # program's schema would leave it): it comes once they can be.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "50s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        [(received,)] = self.db().execute("SELECT received_at FROM owed").fetchall()
        self.db().execute("ALTER TABLE owed RENAME TO owed_away")
        self.assertLess(time.time(), received / 1000 + 10, "the table was moved after the reminder was due")
        time.sleep(max(0, received / 1000 + 12 - time.time()))
        self.assertEqual(self.shown_by_present(), [])
        self.db().execute("ALTER TABLE owed_away RENAME TO owed")
        wait_until(self.shown_by_present, 15, "the reminder once the store can be read")
        self.assertEqual(self.bus.read_log().count("cannot read the responses owed"), 1)

    def test_many_reminders_due_on_a_locked_store_leave_the_daemon_answering(self):
        # Each mark waits 2 s on the lock: the reminders due at once must not
        # hold the loop for 2 s each, round after round, past the CLI's 5 s wait.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "55s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(*[("Signal", name, "call me", {"desktop-entry": "org.signal.Signal"})
                       for name in ("Ana", "Bob", "Cy", "Di", "Ed", "Flo")])
        self.ok("stop")
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        [(received,)] = self.db().execute("SELECT max(received_at) FROM owed").fetchall()
        # Due from 5 s on: a first round finds one due, the next the rest.
        time.sleep(max(0, received / 1000 + 6 - time.time()))
        for _ in range(12):
            self.daemon().GetStatus(dbus_interface=harness.INTERFACE, timeout=5)  # as long as the CLI waits
            time.sleep(1)
        self.assertEqual(self.shown_by_present(), [])
        other.execute("ROLLBACK")
        wait_until(lambda: len(self.shown_by_present()) == 6, 20, "the six reminders once the store is free")
        self.assertEqual(self.db().execute("SELECT DISTINCT reminded FROM owed").fetchall(), [(1,)])

    def test_a_reminder_no_server_took_comes_when_one_does(self):
        # Due 5 s after the alert, with the server gone since the stop: it
        # reaches nobody, is not counted as given, and comes with the next server.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "55s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        self.kill_mock()
        [(received,)] = self.db().execute("SELECT received_at FROM owed").fetchall()
        time.sleep(max(0, received / 1000 + 7 - time.time()))
        self.assertEqual(self.db().execute("SELECT reminded FROM owed").fetchone(), (0,))
        self.assertIn("a reminder no server took comes again", self.bus.read_log())
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder once a server is there")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))
        wait_until(lambda: self.db().execute("SELECT reminded FROM owed").fetchone() == (1,), what="the mark")
        time.sleep(1)
        self.assertEqual(len(self.shown_by_present()), 1)

    def test_with_no_server_on_the_bus_a_reminder_waits_without_waking_the_daemon(self):
        # A bus with no server refuses each Notify at once: trying again on a
        # timer would wake the daemon, and keep it, for as long as none comes.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "55s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        self.kill_mock()
        wait_until(lambda: "a reminder no server took comes again" in self.bus.read_log(), 15, "the refusal")
        time.sleep(0.5)  # its timer is set again after the line
        self.assertEqual(self.db().execute("SELECT reminded FROM owed").fetchone(), (0,))
        # Only the answer's reminder, 22 h on, is to wake it.
        self.assertGreater(min(self.timers(), default=0), 3600)
        self.mock = self.start_mock("dnd_servers", **self.server)
        [(_, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder once a server is there")
        self.assertEqual(summary, "Bob is waiting (org.signal.Signal)")

    def test_a_reminder_a_stalled_server_takes_late_comes_once(self):
        # Due 5 s after the alert, sent to a server that stalls past any
        # timeout: it shows it once it wakes, and it is not sent again. Due
        # with the answer's, it is the last to come: its answer still keeps
        # the daemon, which would otherwise leave after its idle_exit.
        self.write_config('owed = { ack_within = "1m"; answer_within = "1m"; remind_ack_before = "55s"; '
                          'remind_answer_before = "55s"; };\nreplay = { mode = "none"; };\n'
                          'daemon = { idle_exit = 1; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        [(received,)] = self.db().execute("SELECT received_at FROM owed").fetchall()
        os.killpg(self.mock.pid, signal.SIGSTOP)
        try:
            time.sleep(max(0, received / 1000 + 20 - time.time()))
            self.assertTrue(self.bus.has_owner(), "the daemon left with the reminder unanswered")
        finally:
            os.killpg(self.mock.pid, signal.SIGCONT)
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder once the server wakes")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))
        self.assertEqual(self.db().execute("SELECT reminded FROM owed").fetchone(), (3,))
        self.assertNotIn("no server took", self.bus.read_log())
        wait_until(lambda: not self.bus.has_owner(), 10, "the daemon to leave once answered")
        self.assertEqual(len(self.shown_by_present()), 1)

    def timers(self):
        """In how many seconds each of the daemon's armed timerfds fires."""
        left, fds = [], "/proc/%d/fdinfo" % self.bus.pid_of()
        for fd in os.listdir(fds):
            try:
                with open(os.path.join(fds, fd)) as f:
                    value = re.search(r"^it_value: \((\d+), (\d+)\)", f.read(), re.M)
            except FileNotFoundError:  # closed since the listing
                continue
            if value and value.groups() != ("0", "0"):
                left.append(int(value[1]) + int(value[2]) / 1e9)
        return left

    def test_the_oldest_buttons_make_room_for_new_ones(self):
        """Notices a server never says it closed (GNOME's tray keeps them):
        past 64 buttons, the oldest gives its up, not every one."""
        ran = os.path.join(self.root, "ran")
        self.write_config('replay = { mode = "none"; review_command = [ "sh", "-c", "echo >> %s" ]; };\n' % ran)
        self.ok("start", "1m")
        self.ok("stop")
        os.kill(self.bus.pid_of(), signal.SIGTERM)
        self.wait_daemon_gone()
        now, hour = int(time.time() * 1000), 3600 * 1000
        with self.db() as db:
            for i in range(66):
                db.execute("INSERT INTO owed(kind, app, sender, subject, received_at, last_at, ack_by, answer_by) "
                           "VALUES ('person', 'org.signal.Signal', ?, 'the contract', ?, ?, ?, ?)",
                           ("P%d" % i, now - hour, now - hour, now - 1000, now + 24 * hour))
        self.call("GetStatus")  # a daemon, which gives the 66 reminders due
        pid = self.bus.pid_of()
        calls = lambda: [a for _, name, a in self.notifications().GetCalls(dbus_interface=MOCK)
                         if name == "Notify" and int(a[6].get("sender-pid", 0)) == pid]
        wait_until(lambda: len(calls()) == 66, 10, "66 reminders")
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed WHERE reminded = 1").fetchone() == (66,),
                   what="the servers' answers")
        # The mock numbers them 1 to 66: the first two have given up their buttons.
        for server_id in (1, 3, 66):
            self.notifications().EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                                            [dbus.UInt32(server_id), "default"], dbus_interface=MOCK)
        wait_until(lambda: os.path.exists(ran) and os.path.getsize(ran) >= 2, what="two buttons' commands")
        time.sleep(0.5)
        with open(ran) as f:
            self.assertEqual(f.read(), "\n\n")

    def test_an_answer_due_first_leaves_the_acknowledgement_to_come(self):
        # A short answer_within, reminded long before: the answer's reminder
        # comes 2 s after the alert (or at the stop), the acknowledgement's
        # at 15 s, and the first does not stand for the second, not yet due.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "45s"; answer_within = "2m"; '
                          'remind_answer_before = "118s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        shown = wait_until(lambda: len(self.shown_by_present()) == 2 and self.shown_by_present(), 25,
                           "both reminders")
        self.assertEqual([body.split(" by ")[0] for _, _, body, _ in shown], ["Answer in full", "Acknowledge"])
        wait_until(lambda: self.db().execute("SELECT reminded FROM owed").fetchone() == (3,), what="both marks")

    def test_a_reload_moves_the_reminder(self):
        # Due 55 s after the alert as configured; the configuration read
        # again on SIGHUP puts it 2 s after, and it comes then.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "5s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "58s"; };\nreplay = { mode = "none"; };\n')
        os.kill(self.daemon_pid, signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in self.bus.read_log(), what="the reload")
        wait_until(self.shown_by_present, 10, "the reminder, as the configuration read again sets it")

    def test_messages_stored_after_a_locked_end_are_reminded(self):
        # The store locked as the session ends: the messages are owed only
        # once it frees up, after the end scheduled the reminders; the one
        # due 5 s after the alert still comes.
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "55s"; };\nreplay = { mode = "none"; };\n')
        self.ok("start", "10m")
        self.daemon_pid = self.bus.pid_of()
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        App(self).notify(*MEETING[2])
        wait_until(lambda: self.call("GetStatus")["alerts"] == 1, what="the alert seen")
        self.ok("stop")
        wait_until(lambda: "its alerts wait for the store" in self.bus.read_log(), what="the wait")
        other.execute("ROLLBACK")
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 1, what="the owed item")
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 15, "the reminder")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))

    def owed_then_daemon_killed(self):
        """Bob's message owed, reminded of in 3 s, and no daemon left to remind."""
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "57s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        # Killed once the end is in the store (it goes there after Stop's reply): no session is left.
        wait_until(lambda: self.sessions()[-1][4] == "stop", 5, "the end in the store")
        self.kill_daemon()

    def test_reminders_survive_a_restart(self):
        self.owed_then_daemon_killed()
        self.ok("doctor")  # brings the daemon back, which reads what is owed
        self.daemon_pid = self.bus.pid_of()
        wait_until(self.shown_by_present, 10, "the reminder from the new daemon")

    def test_reminders_come_after_the_next_login(self):
        # The user logged out (or the machine went down) with a response owed:
        # at the next login the autostart entry brings back the daemon,
        # which reminds when it is due, without present being run.
        self.owed_then_daemon_killed()
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("reminders of responses owed are to come: the daemon is started", r.stderr)
        self.daemon_pid = self.bus.pid_of()
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder from the daemon of the new login")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))

    def test_a_snooze_sent_as_the_daemon_leaves_is_kept_by_the_next_one(self):
        """`present snooze` reaching the idle daemon as it gives its name back: its reminder comes all
        the same, from the daemon that the call, given again, starts."""
        self.write_config('daemon = { idle_exit = 1; };\nowed = { ack_within = "1m"; remind_ack_before = "58s"; };\n'
                          'replay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        [(item,)] = self.db().execute("SELECT id FROM owed").fetchall()
        with self.db() as db:  # both reminders given: nothing is to come
            db.execute("UPDATE owed SET reminded = 3")
        self.kill_daemon()
        self.call("GetStatus")

        def snooze():
            self.forget_direct_socket()
            return subprocess.Popen([harness.CLI, "snooze", str(item), "2s"], env=self.bus.env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        old, cli = self.as_it_leaves(snooze)
        out, err = cli.communicate(timeout=30)
        self.assertEqual((cli.returncode, err), (0, ""))
        self.assertRegex(out, r"^Snoozed #%d " % item)
        self.daemon_pid = wait_until(lambda: self.bus.has_owner() and self.bus.pid_of(), what="the next daemon")
        self.assertNotEqual(self.daemon_pid, old)
        [(app, summary, _, _)] = wait_until(self.shown_by_present, 10, "the reminder after the snooze")
        self.assertEqual((app, summary), ("present", "Bob is waiting (org.signal.Signal)"))

    def test_acknowledged_is_not_reminded_to_acknowledge(self):
        self.write_config('owed = { ack_within = "1m"; remind_ack_before = "58s"; };\nreplay = { mode = "none"; };\n')
        self.meeting(MEETING[2])
        self.ok("stop")
        [(item,)] = self.db().execute("SELECT id FROM owed").fetchall()
        self.call("SetOwedState", dbus.UInt64(item), "acknowledged")
        time.sleep(3)  # past when the reminder would have come
        self.assertEqual(self.shown_by_present(), [])
        self.assertEqual(self.db().execute("SELECT state FROM owed").fetchone(), ("acknowledged",))

    def test_snooze_and_errors(self):
        self.meeting(MEETING[2])
        self.ok("stop")
        [(item,)] = self.db().execute("SELECT id FROM owed").fetchall()
        self.call("Snooze", dbus.UInt64(item), dbus.UInt32(3600))
        until = self.db().execute("SELECT snoozed_until FROM owed").fetchone()[0]
        self.assertAlmostEqual(until, time.time() * 1000 + 3600 * 1000, delta=5000)
        for method, args, error in (("SetOwedState", (dbus.UInt64(999), "answered"), "dev.present.Error.NoSuchItem"),
                                    ("SetOwedState", (dbus.UInt64(item), "forgotten"),
                                     "org.freedesktop.DBus.Error.InvalidArgs"),
                                    ("Snooze", (dbus.UInt64(item), dbus.UInt32(0)),
                                     "org.freedesktop.DBus.Error.InvalidArgs")):
            with self.assertRaises(dbus.DBusException) as e:
                self.call(method, *args)
            self.assertEqual(e.exception.get_dbus_name(), error)


if __name__ == "__main__":
    harness.main()
