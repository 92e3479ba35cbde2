"""A meeting from start to finish against the real dunst (1.9, under Xvfb):
the alerts of a morning's mail and chat clients come in, the responses owed
are exact, dunst shows what it held (and present adds only its summary), the
items are acted on through the CLI, and the reminders reach dunst."""
import json
import sqlite3
import time

import dbus

import real
import servers
from harness import for_people, ms_clock
from real import RealTestCase, wait_until
from test_capture import (EVOLUTION_1, EVOLUTION_2, EVOLUTION_ACTIONS, NETWORK, THUNDERBIRD, App, GioApp, markup,
                          now_ms)

HOUR = 3600 * 1000
DEFAULT_ACK = "Thanks for your message. I'm with a client right now and will get back to you in full by %s."

# More clients, shaped like the real ones: (app_name, summary, body, hints).
GEARY = ("Erin Walsh", "Quarterly numbers")  # a GNotification: title = sender, body = subject
# KNotification: the app name is localized; the agent names itself in the hints, urgency is an int.
KMAIL = ("Neue E-Mail", "New email", "From: Frank Moss\nSubject: Server outage",
         {"x-kde-appname": "akonadi_newmailnotifier_agent", "x-kde-eventId": "new-email", "urgency": dbus.Int32(1)})
SIGNAL_1 = ("Signal", "Gus Lee", "running 5 min late", {"desktop-entry": "signal-desktop"})
SIGNAL_2 = ("Signal", "Gus Lee", "starting without you?", {"desktop-entry": "signal-desktop"})
ELEMENT = ("Element", "Hana Kim (Board)", "can we move the call to 4?", {"desktop-entry": "element-desktop"})

# (kind, app, sender, subject, count) of each response owed, by id: in the order they came.
OWED = [
    ("mail", "thunderbird", "Ana Lima", "Invoice Q3", 1),
    ("mail", "org.gnome.Evolution", "Bob Stone <bob@example.com>", "Contract draft", 1),
    ("mail", "org.gnome.Geary", "Erin Walsh", "Quarterly numbers", 1),
    ("mail", "akonadi_newmailnotifier_agent", "Frank Moss", "Server outage", 1),
    ("person", "signal-desktop", "Gus Lee", "starting without you?", 2),
    ("person", "element-desktop", "Hana Kim", "can we move the call to 4?", 1),
    # Evolution's notification, updated: a new mail, from someone else.
    ("mail", "org.gnome.Evolution", "Dana Reyes <dana@example.com>", "Lunch & budget", 1),
]


class Meeting(RealTestCase):
    config = ""
    maxDiff = None

    def setUp(self):
        super().setUp()
        self.dunst = self.start_server(servers.Dunst)
        if self.config:
            self.write_config(self.config)

    def meeting(self):
        """A session in which the morning's alerts come in; then it ends. Returns
        [(id, first sent, last sent)] of each response owed, in ms."""
        self.assertRegex(self.ok("start", "30m", "--label", "Acme quarterly review"), r"^Present until (?:\w{3} )?\d\d:\d\d "
                         r"\(30 min\) · Acme quarterly review · do-not-disturb on \(dunst\)\n$")
        thunderbird, evolution, kmail, signal, element, network = (App(self) for _ in range(6))
        geary = GioApp(self, "org.gnome.Geary", "Geary", fdo=True)
        sent = []

        def send(what):
            before = now_ms()
            result = what()
            sent.append(before)
            return result

        send(lambda: thunderbird.notify(*THUNDERBIRD))
        evo_id = send(lambda: evolution.notify(*EVOLUTION_1, actions=EVOLUTION_ACTIONS))
        send(lambda: geary.send("email-arrived", *GEARY))
        send(lambda: kmail.notify(*KMAIL))
        send(lambda: signal.notify(*SIGNAL_1))
        send(lambda: element.notify(*ELEMENT))
        send(lambda: network.notify(*NETWORK))
        send(lambda: signal.notify(*SIGNAL_2))
        send(lambda: evolution.notify(*EVOLUTION_2, replaces=evo_id, actions=EVOLUTION_ACTIONS[:2]))
        wait_until(lambda: self.query("SELECT count(*), (SELECT coalesce(sum(count), 0) FROM owed) FROM alerts")
                   == [(8, 8)], 5, "8 alerts and 8 messages owed in the store")
        self.read_at = now_ms()
        self.assertRegex(self.ok("stop"), r"^Session ended after \d+ s · Acme quarterly review\n$")
        # Ana, Bob, Erin, Frank, Gus (twice: from his first), Hana, Dana (Evolution's update).
        return [(1, sent[0], sent[0]), (2, sent[1], sent[1]), (3, sent[2], sent[2]), (4, sent[3], sent[3]),
                (5, sent[4], sent[7]), (6, sent[5], sent[5]), (7, sent[8], sent[8])]

    def shown(self):
        """What dunst has shown since the session ended, and all it still holds:
        [(app name, summary, body)], sorted. Closing them puts them in its history."""
        def settled():
            counts = self.dunst.counts()
            if counts["displayed"]:
                self.dunst.close_all()
            return counts["waiting"] == 0 and counts["displayed"] == 0
        wait_until(settled, 5, "dunst to show everything it held")
        history = self.dunst.bus.get_object(servers.NOTIFICATIONS, servers.NOTIFICATIONS_PATH).NotificationListHistory(
            dbus_interface=self.dunst.CMD_IFACE)
        return sorted((str(e["appname"]), str(e["summary"]), str(e["body"])) for e in history)

    def held_by_dunst(self):
        """The meeting's alerts as dunst shows them: Evolution's once, as last updated."""
        return [(a[0], a[1], a[2]) for a in (THUNDERBIRD, EVOLUTION_2, KMAIL, SIGNAL_1, SIGNAL_2, ELEMENT, NETWORK)] + [
            ("Geary", *GEARY)]

    def items(self):
        db = sqlite3.connect(self.store_path)
        db.row_factory = sqlite3.Row
        try:
            return {r["id"]: dict(r) for r in db.execute("SELECT * FROM owed ORDER BY id")}
        finally:
            db.close()


class Summary(Meeting):
    def test_owed_exactly_and_one_summary(self):
        times = self.meeting()
        items = self.items()
        # Each check on its own: one that fails does not hide the others.
        with self.subTest("one record per alert, each under the app that sent it (Geary's through GLib's Notify)"):
            self.assertEqual(self.query("SELECT app, app_name, path, urgency, updates, class, owed_id FROM alerts "
                                        "ORDER BY id"), [
                ("thunderbird", "Thunderbird", "notify", None, 0, "mail", 1),
                ("org.gnome.Evolution", "evolution-mail-notification", "notify", 1, 1, "mail", 7),
                ("org.gnome.Geary", "Geary", "notify", 1, 0, "mail", 3),
                ("akonadi_newmailnotifier_agent", "Neue E-Mail", "notify", 1, 0, "mail", 4),
                ("signal-desktop", "Signal", "notify", None, 0, "person", 5),
                ("element-desktop", "Element", "notify", None, 0, "person", 6),
                ("NetworkManager", "NetworkManager", "notify", None, 0, "noise", None),
                ("signal-desktop", "Signal", "notify", None, 0, "person", 5),
            ])
        with self.subTest("who is owed what"):
            self.assertEqual([(i["kind"], i["app"], i["sender"], i["subject"], i["count"], i["state"],
                               i["session_id"]) for i in items.values()], [o + ("owed", 1) for o in OWED])
        with self.subTest("when: 2 h to acknowledge and 24 h to answer, from the first message"):
            for id, first, last in times:
                item = items[id]
                self.assertTrue(first <= item["received_at"] <= self.read_at, (id, first, item["received_at"]))
                self.assertTrue(last <= item["last_at"] <= self.read_at, (id, last, item["last_at"]))
                self.assertEqual((item["ack_by"] - item["received_at"], item["answer_by"] - item["received_at"]),
                                 (2 * HOUR, 24 * HOUR), id)
        with self.subTest("`present owed --json`: earliest acknowledgement first"):
            listed = json.loads(self.ok("owed", "--json"))
            self.assertEqual([(o["id"], o["kind"], o["app"], o["from"], o["subject"], o["count"], o["state"])
                              for o in listed], [(i, *OWED[i - 1][:5], "owed") for i in range(1, 8)])

        # dunst shows what it held, each once; present adds its summary, nothing more. The summary goes
        # once the end is in the store, after Stop's reply, and dunst gave it an id: it is not due any more,
        # for this daemon or the next.
        self.wait_summary_taken()
        shown = self.shown()
        with self.subTest("dunst shows every held alert once"):
            self.assertEqual(sorted(s for s in shown if s[0] != "present"), sorted(self.held_by_dunst()))
        ours = [s for s in shown if s[0] == "present"]
        self.assertEqual(len(ours), 1, shown)
        [(_, summary, body)] = ours
        self.assertRegex(summary, r"^While you were present: Acme quarterly review \(\d+ s\)$")
        self.assertEqual(body, "8 alerts from 7 apps · 7 replies owed, first by %s" % ms_clock(items[1]["ack_by"]))


class Each(Meeting):
    config = 'replay = { mode = "each"; };\n'

    def test_dunst_shows_them_again_itself(self):
        """dunst shows every held alert on unpause: replaying them would show each twice."""
        self.meeting()
        shown = self.shown()
        self.assertEqual(shown, sorted(self.held_by_dunst()))
        time.sleep(0.5)  # `stop` returned after any replay was sent: prove none comes late either
        self.assertEqual(self.dunst.counts(), {"waiting": 0, "displayed": 0, "history": len(shown)})
        self.assertEqual(len(self.items()), 7)


class AfterTheMeeting(Meeting):
    # Reminded 15 s after each message: after the session, and (with time to
    # spare on a slow machine) after the items below are acted on.
    config = 'owed = { ack_within = "1m"; remind_ack_before = "45s"; };\nreplay = { mode = "none"; };\n'

    def test_acting_on_items_and_the_reminders(self):
        self.meeting()
        items = self.items()
        by = for_people(items[1]["answer_by"])
        before = now_ms()
        acted = [self.present(*args) for args in (("ack", "1"), ("done", "2"), ("dismiss", "3"),
                                                  ("snooze", "4", "30m"))]
        after = now_ms()
        self.assertLess(after, items[1]["ack_by"] - 45 * 1000, "acted on after the first reminder was due: too slow")
        self.assertEqual([r.returncode for r in acted], [0] * 4, [r.stderr for r in acted])
        with self.subTest("ack prints the reply to paste"):
            self.assertEqual((acted[0].stdout, acted[0].stderr), (DEFAULT_ACK % by + "\n",
                             "Acknowledged #1 (Ana Lima · Invoice Q3); answer in full by %s. To send:\n" % by))
        with self.subTest("done"):
            self.assertEqual(acted[1].stdout, "Answered #2 (Bob Stone <bob@example.com> · Contract draft).\n")
        with self.subTest("dismiss"):
            self.assertEqual(acted[2].stdout,
                             "Dismissed #3 (Erin Walsh · Quarterly numbers): nothing owed any more.\n")
        with self.subTest("snooze"):
            self.assertIn(acted[3].stdout, ["Snoozed #4 (Frank Moss · Server outage): no reminder before %s.\n"
                                            % ms_clock(t + 1800 * 1000) for t in (before, after)])
        rows = self.query("SELECT id, state, acked_at IS NOT NULL, answered_at IS NOT NULL, snoozed_until FROM owed "
                          "ORDER BY id")
        self.assertEqual([r[:4] for r in rows], [(1, "acknowledged", 1, 0), (2, "answered", 0, 1),
                                                 (3, "dismissed", 0, 0), (4, "owed", 0, 0), (5, "owed", 0, 0),
                                                 (6, "owed", 0, 0), (7, "owed", 0, 0)])
        self.assertTrue(before + 1800 * 1000 <= rows[3][4] <= after + 1800 * 1000, (before, rows[3], after))
        self.assertEqual([r[4] for r in rows if r[0] != 4], [None] * 6)
        self.assertEqual(self.shown(), sorted(self.held_by_dunst()), "replay.mode none: present adds nothing")

        # Gus, Hana and Dana still wait for an acknowledgement: each reminded once,
        # by dunst; nobody else (their reminders were due first, or are put off).
        def reminders():
            return [s for s in self.shown() if s[0] == "present"]
        wait_until(lambda: len(reminders()) >= 3, 30, "three reminders in dunst")
        # dunst gets the summary as text and the body as markup.
        self.assertEqual(reminders(), sorted(
            ("present", "%s is waiting (%s)" % (OWED[i - 1][2], OWED[i - 1][1]),
             markup("Acknowledge by %s: \u201c%s\u201d" % (ms_clock(items[i]["ack_by"]), OWED[i - 1][3])))
            for i in (5, 6, 7)))
        self.assertEqual(self.query("SELECT id, reminded FROM owed ORDER BY id"),
                         [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (6, 1), (7, 1)])
        self.assertEqual(self.query("SELECT end_reason FROM sessions"), [("stop",)])


if __name__ == "__main__":
    real.main()
