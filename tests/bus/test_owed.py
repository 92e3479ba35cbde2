"""After the meeting, the CLI's side: owed, ack/done/dismiss/snooze, catchup, history, the heads-up."""
import datetime
import fcntl
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import termios
import time

import dbus

import harness
from harness import CLI, BusTestCase, clock, for_people, ms_clock, wait_until
from test_capture import App

THUNDERBIRD = ("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"})
KMAIL = ("New Mail Notifier", "New mail", "From: Bob\nSubject: Contract",
         {"x-kde-appname": "akonadi_newmailnotifier_agent", "x-kde-eventId": "new-email"})
SIGNAL_1 = ("Signal", "Carla Souza", "are you free at 3?", {"desktop-entry": "org.signal.Signal"})
NOISE = ("NetworkManager", "Connected", "Wi-Fi \"Office\"", {"category": "network.connected"})
SIGNAL_2 = ("Signal", "Carla Souza", "or tomorrow morning", {"desktop-entry": "org.signal.Signal"})
CALENDAR = ("Calendar", "Standup in 5 minutes", "", {"desktop-entry": "org.gnome.Calendar"})
MEETING = [THUNDERBIRD, KMAIL, SIGNAL_1, NOISE, SIGNAL_2, CALENDAR]

DEFAULT_ACK = "Thanks for your message. I'm with a client right now and will get back to you in full by %s."
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds).astimezone().isoformat()


def iso_ms(ms):
    return iso(ms // 1000)


def duration(s):
    """present_duration_format()."""
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    if h == 0 and m == 0:
        return "%d s" % s
    if h == 0 and m < 10 and s:
        return "%d min %d s" % (m, s)
    if h == 0:
        return "%d min" % m
    return "%d h" % h if m == 0 else "%d h %d min" % (h, m)


class OwedCase(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def db(self):
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db

    def meeting(self, alerts=MEETING, label="Acme review"):
        """A session that holds alerts, then ends: what the catch-up is about."""
        self.ok("start", "10m", "--label", label)
        app = App(self)
        for a in alerts:
            app.notify(*a)
        owed = sum(1 for a in alerts if a is not NOISE and a is not CALENDAR)
        wait_until(lambda: self.query("SELECT count(*), (SELECT coalesce(sum(count), 0) FROM owed) FROM alerts")
                   == [(len(alerts), owed)], what="the alerts and what is owed, in the store")
        self.ok("stop")
        # The end goes to the store after the reply, so that neither the desktop nor the caller waits on the disk.
        wait_until(lambda: self.query("SELECT count(*) FROM sessions WHERE ended_at IS NULL") == [(0,)],
                   what="the end in the store")

    def items(self):
        """Every response owed, by id, as a dict of its columns."""
        db = sqlite3.connect(self.store_path)
        db.row_factory = sqlite3.Row
        try:
            return {r["id"]: dict(r) for r in db.execute("SELECT * FROM owed ORDER BY id")}
        finally:
            db.close()

    def owed_json(self, item):
        return {"id": item["id"], "session": item["session_id"], "kind": item["kind"], "app": item["app"],
                "from": item["sender"], "subject": item["subject"] or None, "count": item["count"],
                "received_at": iso_ms(item["received_at"]), "last_at": iso_ms(item["last_at"]),
                "ack_by": iso_ms(item["ack_by"]), "answer_by": iso_ms(item["answer_by"]), "state": item["state"],
                "acked_at": iso_ms(item["acked_at"]) if item["acked_at"] else None, "ack_text": item["ack_text"],
                "snoozed_until": None, "overdue": False}

    def owed_line(self, item, who, overdue_ack=False):
        """The line `present owed` prints for item, who being "sender · app · subject"."""
        count = item["count"]
        return "#%d  %s · %d message%s · received %s · ack by %s%s · answer by %s · %s" % (
            item["id"], who, count, "" if count == 1 else "s", ms_clock(item["received_at"]),
            ms_clock(item["ack_by"]), " (overdue)" if overdue_ack else "", ms_clock(item["answer_by"]),
            item["state"])

    def pty_run(self, *args, env=None):
        """The CLI on a pseudo-terminal of its own, as in a terminal window: (process, master, slave)."""
        master, slave = os.openpty()
        # As it was before present ran: read after the start, it could already be raw.
        self.pty_before = termios.tcgetattr(slave)
        e = dict(self.bus.env, TERM="xterm")
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        # Its controlling terminal, as in a terminal window: Ctrl-C outside raw mode is a SIGINT.
        p = subprocess.Popen([CLI] + list(args), stdin=slave, stdout=slave, stderr=slave, env=e,
                             start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        self.pty_out = b""
        return p, master, slave

    def expect(self, master, pattern, timeout=10):
        """Reads the terminal until pattern shows up in what was written since the last match."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.pty_out)
            if m:
                seen, self.pty_out = self.pty_out[:m.end()], self.pty_out[m.end():]
                return seen.decode(errors="replace")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r on the terminal; it shows %r" % (pattern, self.pty_out))
            ready, _, _ = select.select([master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.pty_out += os.read(master, 4096)
                except OSError:
                    pass

    def assert_held_until(self, p, master, key):
        """p still runs a while after its last words, and exits once key is pressed."""
        time.sleep(0.3)
        self.assertIsNone(p.poll())
        os.write(master, key)
        self.assertEqual(p.wait(10), 0)

    def assert_terminal_restored(self, slave, before):
        after = termios.tcgetattr(slave)
        self.assertEqual(after, before)
        self.assertTrue(after[3] & termios.ICANON and after[3] & termios.ECHO and after[3] & termios.ISIG)


class Listing(OwedCase):
    def test_owed_json_and_plain(self):
        self.meeting()
        items = self.items()
        self.assertEqual([(i["sender"], i["app"], i["subject"], i["count"]) for i in items.values()], [
            ("Ana Lima", "thunderbird", "Invoice Q3", 1),
            ("Bob", "akonadi_newmailnotifier_agent", "Contract", 1),
            ("Carla Souza", "org.signal.Signal", "or tomorrow morning", 2),
        ])
        self.assertEqual(json.loads(self.ok("owed", "--json")), [self.owed_json(items[i]) for i in (1, 2, 3)])
        self.assertEqual(self.ok("owed"), "".join(s + "\n" for s in [
            self.owed_line(items[1], "Ana Lima · thunderbird · Invoice Q3"),
            self.owed_line(items[2], "Bob · akonadi_newmailnotifier_agent · Contract"),
            self.owed_line(items[3], "Carla Souza · org.signal.Signal · or tomorrow morning"),
            "3 responses owed.",
        ]))

    def test_mail_in_the_desktops_language(self):
        # The clients write in the desktop's language; the daemon started by
        # the bus reads it from the same variables they do.
        self.set_activation_env(LANG="de_DE.UTF-8", LANGUAGE="", LC_ALL="", LC_MESSAGES="")
        self.meeting([
            ("Thunderbird", "Acme: 1 neue Nachricht", "Rechnung Q3 von Ana Lima", {"desktop-entry": "thunderbird"}),
            ("Neuer-E-Mail-Benachrichtiger", "Neue E-Mail", "Von: Bob\nBetreff: Vertrag",
             {"x-kde-appname": "akonadi_newmailnotifier_agent", "x-kde-eventId": "new-email"}),
        ])
        self.assertEqual([(i["sender"], i["subject"]) for i in self.items().values()],
                         [("Ana Lima", "Rechnung Q3"), ("Bob", "Vertrag")])

    def test_overdue_is_marked(self):
        self.meeting()
        now = int(time.time() * 1000)
        with self.db() as db:
            # Bob waited past the acknowledgement; Carla past the answer, though she was acknowledged.
            db.execute("UPDATE owed SET ack_by = ? WHERE id = 2", (now - 60000,))
            db.execute("UPDATE owed SET state = 'acknowledged', ack_by = ?, answer_by = ? WHERE id = 3",
                       (now - 120000, now - 90000))
        items = self.items()
        got = {o["id"]: o["overdue"] for o in json.loads(self.ok("owed", "--json"))}
        self.assertEqual(got, {1: False, 2: True, 3: True})
        out = self.ok("owed").splitlines()
        # Earliest deadline first: the acknowledged item by its answer, the others by their acknowledgement.
        self.assertEqual(out, [
            self.owed_line(items[3], "Carla Souza · org.signal.Signal · or tomorrow morning").replace(
                "answer by %s" % ms_clock(items[3]["answer_by"]),
                "answer by %s (overdue)" % ms_clock(items[3]["answer_by"])),
            self.owed_line(items[2], "Bob · akonadi_newmailnotifier_agent · Contract", overdue_ack=True),
            self.owed_line(items[1], "Ana Lima · thunderbird · Invoice Q3"),
            "3 responses owed, 2 overdue.",
        ])
        self.assertNotIn("\x1b", "".join(out))

    def test_all_includes_closed_items(self):
        self.meeting()
        with self.db() as db:
            db.execute("UPDATE owed SET state = 'answered', answered_at = 1 WHERE id = 2")
            db.execute("UPDATE owed SET state = 'dismissed', answer_by = 1000 WHERE id = 3")
        self.assertEqual([o["id"] for o in json.loads(self.ok("owed", "--json"))], [1])
        listed = json.loads(self.ok("owed", "--all", "--json"))
        # A dismissed item past its answer-by is not overdue: nothing is owed any more.
        self.assertEqual([(o["id"], o["state"], o["overdue"]) for o in listed],
                         [(3, "dismissed", False), (1, "owed", False), (2, "answered", False)])
        self.assertTrue(self.ok("owed", "--all").endswith("\n3 in all, 1 open.\n"))

    def test_all_lists_the_open_items_in_the_same_order(self):
        """Ana's acknowledgement is due before Bob's answer, though her answer
        is due after it: open items are in the order 'owed' gives them."""
        self.meeting()
        now = int(time.time() * 1000)
        with self.db() as db:
            db.execute("UPDATE owed SET state = 'acknowledged', answer_by = ? WHERE id = 2", (now + 4 * 3600000,))
            db.execute("UPDATE owed SET ack_by = ?, answer_by = ? WHERE id = 1", (now + 2 * 3600000, now + 86400000))
            db.execute("UPDATE owed SET state = 'answered' WHERE id = 3")
        self.assertEqual([o["id"] for o in json.loads(self.ok("owed", "--json"))], [1, 2])
        self.assertEqual([o["id"] for o in json.loads(self.ok("owed", "--all", "--json"))], [1, 2, 3])

    def test_nothing_owed(self):
        self.assertEqual(self.ok("owed"), "Nothing owed: you are all caught up.\n")
        self.assertEqual(self.ok("owed", "--json"), "[]\n")
        self.assertEqual(self.ok("owed", "--all"), "No response has been owed yet.\n")
        self.assertFalse(self.bus.has_owner(), "listing must not start the daemon")
        self.meeting([NOISE, CALENDAR])
        self.assertEqual(self.ok("owed"), "Nothing owed: you are all caught up.\n")

    def test_json_fields_that_do_not_apply_are_null(self):
        nameless = ("", "Disk almost full", "", {})
        questioned = ("?", "Backup done", "", {})
        dana = ("Signal", "Dana", "", {"desktop-entry": "org.signal.Signal"})
        self.ok("start", "10m")
        app = App(self)
        for a in (nameless, questioned, dana):
            app.notify(*a)
        wait_until(lambda: self.query("SELECT count(*), (SELECT count(*) FROM owed) FROM alerts") == [(3, 1)],
                   what="the alerts and what is owed, in the store")
        self.ok("stop")
        rows = self.query("SELECT id, received_at, app, app_name FROM alerts ORDER BY id")
        self.assertEqual([r[2:] for r in rows], [(None, ""), ("?", "?"), ("org.signal.Signal", "Signal")])
        self.assertEqual(json.loads(self.ok("alerts", "--json")), [
            {"id": rows[i][0], "session": 1, "received_at": iso_ms(rows[i][1]), "app": app, "app_name": name,
             "summary": summary, "body": "", "urgency": None, "category": None, "class": cls, "rule": rule,
             "path": "notify", "updates": 0, "withdrawn": False}
            for i, (app, name, summary, cls, rule) in enumerate([
                (None, None, "Disk almost full", "alert", "alert: no rule says a response is owed"),
                (None, None, "Backup done", "alert", "alert: no rule says a response is owed"),
                ("org.signal.Signal", "Signal", "Dana", "person", "person: Signal is in people_apps")])])
        [item] = self.items().values()
        self.assertEqual(item["subject"], "")
        self.assertEqual(json.loads(self.ok("owed", "--json")), [dict(self.owed_json(item), subject=None)])
        catchup = json.loads(self.ok("catchup", "--json"))
        # One gave "", the other "?": both nameless, one group.
        self.assertEqual((catchup["session"]["label"], [(g["app"], g["count"]) for g in catchup["apps"]],
                          catchup["owed"]), (None, [(None, 2), ("org.signal.Signal", 1)],
                                             [dict(self.owed_json(item), subject=None)]))

    def test_an_item_that_names_no_app(self):
        """A message that gave no app's name (a portal hop that no other
        followed, a bare Notify): unnamed, as the catch-up says, null in JSON."""
        self.meeting([("", "Erin", "lunch?", {"category": "im.received"})])
        self.assertRegex(self.ok("owed"), r"^#1  Erin · \(unnamed\) · lunch\? · 1 message · ")
        self.assertIsNone(json.loads(self.ok("owed", "--json"))[0]["app"])

    def test_text_from_alerts_cannot_reach_the_terminal(self):
        evil = ("Signal", "Eve\x1b]52;c;aGk=\x07", "hi\x1b[2J there", {"desktop-entry": "org.signal.Signal"})
        self.meeting([evil])
        out = self.ok("owed")
        self.assertNotIn("\x1b", out)
        self.assertIn("#1  Eve?]52;c;aGk=? · org.signal.Signal · hi?[2J there · 1 message", out)
        self.assertEqual(json.loads(self.ok("owed", "--json"))[0]["from"], "Eve\x1b]52;c;aGk=\x07")
        out = self.ok("catchup")
        self.assertNotIn("\x1b", out)
        self.assertIn("  %s  Eve?]52;c;aGk=? — hi?[2J there\n" % ms_clock(self.items()[1]["received_at"]), out)
        # A state no present writes, from a store edited by hand, is text like any other.
        with self.db() as db:
            db.execute("UPDATE owed SET state = ? WHERE id = 1", ("gone\x1b]0;t\x07",))
        out = self.ok("owed", "--all")
        self.assertNotIn("\x1b", out)
        self.assertIn(" · gone?]0;t?", out)
        r = self.present("done", "1")
        self.assertEqual((r.returncode, r.stderr), (1, "present: #1 is already gone?]0;t?\n"))


class Acting(OwedCase):
    def test_ack_prints_the_text_to_send(self):
        self.meeting()
        items = self.items()
        r = self.present("ack", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        by = for_people(items[1]["answer_by"])
        self.assertEqual(r.stdout, DEFAULT_ACK % by + "\n")
        self.assertEqual(r.stderr, "Acknowledged #1 (Ana Lima · Invoice Q3); answer in full by %s. To send:\n" % by)
        [(state, acked_at, text)] = self.query("SELECT state, acked_at, ack_text FROM owed WHERE id = 1")
        self.assertEqual((state, text), ("acknowledged", DEFAULT_ACK % by))
        self.assertAlmostEqual(acked_at, time.time() * 1000, delta=10000)
        listed = json.loads(self.ok("owed", "--json"))
        self.assertEqual([o["state"] for o in listed], ["owed", "owed", "acknowledged"])
        # What was promised, and when, for whoever scripts the answers.
        self.assertEqual((listed[2]["acked_at"], listed[2]["ack_text"]), (iso_ms(acked_at), DEFAULT_ACK % by))
        self.assertEqual((listed[0]["acked_at"], listed[0]["ack_text"]), (None, None))

    def test_ack_says_a_key_the_file_does_not_know(self):
        # A misspelt template would otherwise give the default reply unsaid.
        self.meeting()
        self.write_config('owed = { ack_templte = "On it, {from}."; };\n')
        r = self.present("ack", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"^present: warning: \S*present\.conf:1: unknown key 'owed\.ack_templte' "
                                   r"ignored\nAcknowledged #1 ")

    def test_a_second_ack_gives_the_same_text_and_changes_nothing(self):
        self.meeting()
        by = for_people(self.items()[1]["answer_by"])
        self.assertEqual(self.ok("ack", "1"), DEFAULT_ACK % by + "\n")
        before = self.items()[1]
        # Another template since: what was given stays what was given.
        self.write_config('owed = { ack_template = "Another text"; };\n')
        r = self.present("ack", "#1")
        self.assertEqual((r.returncode, r.stdout), (0, DEFAULT_ACK % by + "\n"), r.stderr)
        self.assertEqual(r.stderr, "#1 was already acknowledged at %s (Ana Lima · Invoice Q3); answer in full by %s. "
                                   "The text given then:\n" % (ms_clock(before["acked_at"]), by))
        self.assertEqual(self.items()[1], before)
        # The daemon's way agrees: acknowledged again, the item stays as it was.
        self.call("SetOwedState", dbus.UInt64(1), "acknowledged")
        at, recorded, already = self.call("Acknowledge", dbus.UInt64(1), "something else")
        self.assertEqual((int(at), str(recorded), bool(already)), (before["acked_at"], DEFAULT_ACK % by, True))
        self.assertEqual(self.items()[1], before)

    def test_a_text_from_elsewhere_does_not_drive_the_terminal(self):
        """Any client may record a text (Acknowledge): on a terminal it is
        filtered, line by line; piped, it goes as recorded."""
        self.meeting()
        text = "ok\x1b]0;pwned\x07\nsecond"
        self.call("Acknowledge", dbus.UInt64(3), text)
        self.assertEqual(self.present("ack", "3").stdout, text + "\n")
        p, master, _ = self.pty_run("ack", "3")
        out = self.expect(master, r"second\r\n")
        self.assertEqual(p.wait(10), 0)
        self.assertNotIn("\x1b", out)
        self.assertIn("ok?]0;pwned?\r\nsecond\r\n", out)

    def test_acknowledged_without_text_says_when(self):
        self.meeting()
        items = self.items()
        self.call("SetOwedState", dbus.UInt64(2), "acknowledged")
        acked = self.items()[2]
        self.assertEqual((acked["state"], acked["ack_text"]), ("acknowledged", None))
        r = self.present("ack", "2")
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(r.stderr, "#2 was already acknowledged at %s (Bob · Contract); answer in full by %s.\n"
                         % (ms_clock(acked["acked_at"]), for_people(items[2]["answer_by"])))
        self.assertEqual(self.items()[2], acked)
        # Through the daemon, the first acknowledgement is the one on record, with its text.
        at, recorded, already = self.call("Acknowledge", dbus.UInt64(3), "Thanks, Carla")
        self.assertEqual((str(recorded), bool(already)), ("Thanks, Carla", False))
        self.assertEqual((self.items()[3]["acked_at"], self.items()[3]["ack_text"]), (int(at), "Thanks, Carla"))
        r = self.present("ack", "3")
        self.assertEqual((r.returncode, r.stdout), (0, "Thanks, Carla\n"), r.stderr)
        # A closed item has no acknowledgement to give.
        self.ok("done", "3")
        with self.assertRaises(dbus.DBusException) as e:
            self.call("Acknowledge", dbus.UInt64(3), "again")
        self.assertEqual(e.exception.get_dbus_name(), "dev.present.Error.NoSuchItem")
        self.assertEqual(self.items()[3]["ack_text"], "Thanks, Carla")

    def test_template_from_the_configuration(self):
        self.write_config('owed = { ack_template = "Hi {from}, thanks for \\"{subject}\\": in full by '
                          '{answer_by}. {other}"; };\n')
        self.meeting()
        items = self.items()
        self.assertEqual(self.ok("ack", "2"), 'Hi Bob, thanks for "Contract": in full by %s. {other}\n'
                         % for_people(items[2]["answer_by"]))

    def test_broken_configuration_changes_nothing(self):
        self.meeting()
        path = self.write_config("owed = { ack_template = 5; };\n")
        r = self.present("ack", "1")
        self.assertEqual(r.returncode, 78)
        self.assertTrue(r.stderr.startswith("present: %s:1: " % path), r.stderr)
        self.assertEqual(self.query("SELECT state FROM owed WHERE id = 1"), [("owed",)])

    def test_a_late_item_is_promised_a_time_to_come(self):
        """The reply is pasted to someone: it never promises a time already past, but owed.ack_within from
        now, and the terminal is told once."""
        self.write_config('owed = { ack_within = "30m"; };\n')
        self.meeting()
        hour = 3600 * 1000
        now = int(time.time() * 1000)
        with self.db() as db:
            db.execute("UPDATE owed SET ack_by = ?, answer_by = ? WHERE id = 1", (now - 27 * hour, now - 26 * hour))
            db.execute("UPDATE owed SET ack_by = ?, answer_by = ? WHERE id = 2", (now - 2 * hour, now - 60 * 1000))
        items = self.items()
        for item, who in ((1, "Ana Lima · Invoice Q3"), (2, "Bob · Contract")):
            before = int(time.time())
            r = self.present("ack", str(item))
            after = int(time.time())
            self.assertEqual(r.returncode, 0, r.stderr)
            # Within the minute it took, whichever side of a minute it fell.
            promises = {for_people((t + 30 * 60) * 1000) for t in (before, after)}
            by = next((p for p in promises if r.stdout == DEFAULT_ACK % p + "\n"), None)
            self.assertIsNotNone(by, (r.stdout, promises))
            self.assertEqual(r.stderr, "present: warning: #%d is overdue: it was to be answered in full by %s; the "
                             "reply promises %s instead (owed.ack_within from now)\nAcknowledged #%d (%s); answer in "
                             "full by %s. To send:\n" % (item, for_people(items[item]["answer_by"]), by, item, who, by))
            self.assertEqual(self.items()[item]["ack_text"], DEFAULT_ACK % by)
            # The deadline on record stays what it was: the item is still late.
            self.assertEqual(self.items()[item]["answer_by"], items[item]["answer_by"])
        # Given again, the reply recorded, with no second warning, and no deadline it did not promise.
        r = self.present("ack", "1")
        self.assertEqual((r.returncode, r.stdout), (0, self.items()[1]["ack_text"] + "\n"))
        self.assertEqual(r.stderr, "#1 was already acknowledged at %s (Ana Lima · Invoice Q3), late: it was to be "
                         "answered in full by %s. The text given then:\n"
                         % (ms_clock(self.items()[1]["acked_at"]), for_people(items[1]["answer_by"])))

    def test_done_dismiss_snooze(self):
        self.meeting()
        self.assertEqual(self.ok("done", "2"), "Answered #2 (Bob · Contract).\n")
        self.assertEqual(self.ok("dismiss", "3"),
                         "Dismissed #3 (Carla Souza · or tomorrow morning): nothing owed any more.\n")
        before = time.time()
        out = self.ok("snooze", "1", "30m")
        self.assertIn(out, ["Snoozed #1 (Ana Lima · Invoice Q3): no reminder before %s.\n" % clock(t + 1800)
                            for t in (before, time.time())])
        rows = self.query("SELECT id, state, answered_at IS NOT NULL, snoozed_until FROM owed ORDER BY id")
        self.assertEqual([r[:3] for r in rows], [(1, "owed", 0), (2, "answered", 1), (3, "dismissed", 0)])
        self.assertAlmostEqual(rows[0][3], time.time() * 1000 + 1800 * 1000, delta=10000)
        item = self.items()[1]
        [listed] = json.loads(self.ok("owed", "--json"))
        self.assertEqual(listed, dict(self.owed_json(item), snoozed_until=iso_ms(item["snoozed_until"])))
        self.assertTrue(self.ok("owed").endswith(" · owed · snoozed until %s\n1 response owed.\n"
                                                 % ms_clock(item["snoozed_until"])))

    def test_bad_and_unknown_items(self):
        self.meeting()
        self.ok("done", "2")
        for args, code, err in (
                (("ack", "x"), 2, "present: 'x' is not the number of a response owed ('present owed' lists them)\n"
                                  "Usage: present ack ID\n"),
                (("done", "0"), 2, None),
                (("dismiss", "-3"), 2, None),
                (("ack", "1", "2"), 2, None),
                (("ack",), 2, None),
                (("snooze", "1"), 2, None),
                (("snooze", "1", "25h"), 2, "present: '25h' is out of range: a snooze lasts more than 0 and at "
                                            "most 24h\nUsage: present snooze ID DURATION\n"),
                (("snooze", "1", "soon"), 2, None),
                (("ack", "99"), 1, "present: there is no response owed #99; 'present owed --all' lists them\n"),
                (("done", "2"), 1, "present: #2 is already answered\n"),
                (("snooze", "2", "1h"), 1, "present: #2 is already answered\n")):
            r = self.present(*args)
            self.assertEqual((r.returncode, r.stdout), (code, ""), args)
            if err:
                self.assertEqual(r.stderr, err, args)
        self.assertEqual(self.query("SELECT state, snoozed_until FROM owed ORDER BY id"),
                         [("owed", None), ("answered", None), ("owed", None)])

    def test_acting_starts_the_daemon(self):
        self.meeting()
        os.kill(self.bus.pid_of(), signal.SIGTERM)
        self.wait_daemon_gone()
        self.assertEqual(self.ok("done", "1"), "Answered #1 (Ana Lima · Invoice Q3).\n")
        self.assertEqual(self.query("SELECT state FROM owed WHERE id = 1"), [("answered",)])

    def test_options_belong_to_their_verbs(self):
        for args, err in ((("owed", "-i"), "present: 'owed' takes no option '-i'\n"),
                          (("stop", "-q"), "present: 'stop' takes no option '-q'\n"),
                          (("catchup", "--last"), "present: 'catchup' takes no option '--last'\n"),
                          (("history", "x"), "present: 'x' is one argument too many for 'history'\n")):
            r = self.present(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith(err), r.stderr)
        self.assertEqual(self.ok("snooze", "--help"), "Usage: present snooze ID DURATION\n")

    def test_no_store_yet(self):
        r = self.present("ack", "1")
        self.assertEqual((r.returncode, r.stderr),
                         (1, "present: there is no response owed #1; 'present owed --all' lists them\n"))


class Catchup(OwedCase):
    def expected_plain(self):
        items = self.items()
        [(started, ended)] = self.query("SELECT started_at, ended_at FROM sessions")
        t = [ms_clock(a) for (a,) in self.query("SELECT received_at FROM alerts ORDER BY id")]
        return "\n".join([
            "Session 1, %s–%s (%s) · Acme review: 6 alerts held" % (clock(started), clock(ended),
                                                                 duration(ended - started)),
            "thunderbird (1)",
            "  %s  Acme: 1 new message — Invoice Q3 from Ana Lima" % t[0],
            "akonadi_newmailnotifier_agent (1)",
            "  %s  New mail — From: Bob" % t[1],
            "org.signal.Signal (2)",
            "  %s  Carla Souza — are you free at 3?" % t[2],
            "  %s  Carla Souza — or tomorrow morning" % t[4],
            "org.gnome.Calendar (1)",
            "  %s  Standup in 5 minutes" % t[5],
            "1 system alert",
            "",
            "3 responses owed:",
            "  " + self.owed_line(items[1], "Ana Lima · thunderbird · Invoice Q3"),
            "  " + self.owed_line(items[2], "Bob · akonadi_newmailnotifier_agent · Contract"),
            "  " + self.owed_line(items[3], "Carla Souza · org.signal.Signal · or tomorrow morning"),
            "",
        ])

    def test_plain_and_json(self):
        self.meeting()
        self.assertEqual(self.ok("catchup"), self.expected_plain())

        items = self.items()
        [(started, planned, ended)] = self.query("SELECT started_at, planned_end, ended_at FROM sessions")
        alerts = self.query("SELECT id, received_at, summary, body, class FROM alerts ORDER BY id")

        def alert(i):
            a = alerts[i]
            return {"id": a[0], "received_at": iso_ms(a[1]), "summary": a[2], "body": a[3], "class": a[4],
                    "updates": 0, "withdrawn": False}

        self.assertEqual(json.loads(self.ok("catchup", "--json")), {
            "session": {"id": 1, "label": "Acme review", "started_at": iso(started), "planned_end": iso(planned),
                        "ended_at": iso(ended), "end_reason": "stop", "alerts": 6, "gaps": []},
            "apps": [
                {"app": "thunderbird", "count": 1, "earlier": 0, "alerts": [alert(0)]},
                {"app": "akonadi_newmailnotifier_agent", "count": 1, "earlier": 0, "alerts": [alert(1)]},
                {"app": "org.signal.Signal", "count": 2, "earlier": 0, "alerts": [alert(2), alert(4)]},
                {"app": "org.gnome.Calendar", "count": 1, "earlier": 0, "alerts": [alert(5)]},
            ],
            "noise": {"count": 1, "earlier": 0, "alerts": [alert(3)]},
            "owed": [self.owed_json(items[i]) for i in (1, 2, 3)],
        })
        self.assertEqual([a["class"] for a in json.loads(self.ok("catchup", "--json"))["apps"][0]["alerts"]],
                         ["mail"])

    def test_closed_items_leave_the_list(self):
        self.meeting()
        with self.db() as db:
            db.execute("UPDATE owed SET state = 'answered' WHERE id IN (1, 3)")
            db.execute("UPDATE owed SET ack_by = 1000 WHERE id = 2")
        out = self.ok("catchup")
        self.assertIn("\n1 response owed, 1 overdue:\n  #2  Bob · akonadi_newmailnotifier_agent · Contract", out)
        self.assertIn(" · ack by %s (overdue) · " % ms_clock(1000), out)
        self.assertEqual([o["id"] for o in json.loads(self.ok("catchup", "--json"))["owed"]], [2])

    def test_no_session_yet(self):
        self.assertEqual(self.ok("catchup"),
                         "No session yet: nothing was held.\n\nNothing owed: you are all caught up.\n")
        self.assertEqual(json.loads(self.ok("catchup", "--json")),
                         {"session": None, "apps": [], "noise": {"count": 0, "earlier": 0, "alerts": []}, "owed": []})

    def test_alerts_without_a_name_are_one_group(self):
        # An empty name and none at all (a path that gives none) both say
        # that nobody named the app.
        self.ok("start", "10m")
        app = App(self)
        app.notify("", "Backup finished", "3 files")
        app.notify("", "Backup started")
        wait_until(lambda: self.query("SELECT count(*) FROM alerts") == [(2,)], what="the alerts in the store")
        self.ok("stop")
        with self.db() as db:
            db.execute("UPDATE alerts SET app_name = NULL WHERE id = (SELECT min(id) FROM alerts)")
        out = self.ok("catchup")
        self.assertRegex(out, r"\n\(unnamed\) \(2\)\n  .*Backup finished — 3 files\n  .*Backup started\n")
        apps = json.loads(self.ok("catchup", "--json"))["apps"]
        self.assertEqual([(a["app"], a["count"], len(a["alerts"])) for a in apps], [(None, 2, 2)])
        # present alerts names them as the catch-up does, and as null in JSON.
        lines = self.ok("alerts").splitlines()
        self.assertRegex(lines[0], r"^Session 1, ")
        self.assertRegex(lines[1], r"^\d\d:\d\d:\d\d  \(unnamed\): Backup finished — 3 files$")
        self.assertRegex(lines[3], r"^\d\d:\d\d:\d\d  \(unnamed\): Backup started$")
        self.assertEqual([(a["app"], a["app_name"]) for a in json.loads(self.ok("alerts", "--json"))],
                         [(None, None), (None, None)])

    def test_a_busy_app_is_summed_up(self):
        """Each app shows its count and its latest ten alerts; --all shows every one."""
        chat = [("Signal", "Carla Souza", "message %d" % i, {"desktop-entry": "org.signal.Signal"}) for i in range(13)]
        self.meeting(alerts=chat + [NOISE, NOISE])
        ids = [r[0] for r in self.query("SELECT id FROM alerts WHERE class != 'noise' ORDER BY id")]
        out = self.ok("catchup")
        self.assertIn("org.signal.Signal (13)\n  … 3 earlier (present catchup --all, or present alerts --last)\n", out)
        lines = [l for l in out.splitlines() if "Carla Souza — message" in l]
        self.assertEqual([l.rsplit(" ", 1)[1] for l in lines], [str(i) for i in range(3, 13)])
        self.assertIn("\n2 system alerts\n", out)
        app = json.loads(self.ok("catchup", "--json"))["apps"][0]
        self.assertEqual((app["count"], app["earlier"], [a["id"] for a in app["alerts"]]), (13, 3, ids[3:]))
        everything = json.loads(self.ok("catchup", "--all", "--json"))
        self.assertEqual((everything["apps"][0]["earlier"], [a["id"] for a in everything["apps"][0]["alerts"]]),
                         (0, ids))
        self.assertEqual((everything["noise"]["count"], len(everything["noise"]["alerts"])), (2, 2))
        self.assertNotIn("earlier", self.ok("catchup", "--all"))

    def test_colour_only_on_a_terminal(self):
        self.meeting()
        p, master, _ = self.pty_run("catchup")
        seen = self.expect(master, r"#3  .*\n")
        self.assertEqual(p.wait(10), 0)
        self.assertIn("\x1b[1mthunderbird\x1b[0m (1)", seen)
        self.assertEqual(ANSI.sub("", seen).replace("\r\n", "\n"), self.expected_plain())
        p, master, _ = self.pty_run("catchup", env={"NO_COLOR": "1"})
        seen = self.expect(master, r"#3  .*\n")
        self.assertEqual(p.wait(10), 0)
        self.assertNotIn("\x1b", seen)
        self.assertNotIn("\x1b", self.ok("catchup"))

    def test_interactive_needs_a_terminal(self):
        self.meeting()
        r = self.present("catchup", "-i")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn("needs a terminal", r.stderr)
        self.assertEqual(self.present("catchup", "-i", "--json").returncode, 2)
        self.assertEqual(self.query("SELECT DISTINCT state FROM owed"), [("owed",)])
        r = self.present("catchup", "--hold")
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertIn("'catchup --hold' reads single keys", r.stderr)
        r = self.present("catchup", "--hold", "--json")
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertIn("'--hold' is for a terminal; '--json' prints the list for a script", r.stderr)

    def test_hold_keeps_the_window_until_a_key(self):
        """The summary's button opens a terminal on `catchup -i --hold`: a
        terminal closes its window as soon as present exits, before the list
        (here nothing is owed, so there is no walk) could be read."""
        p, master, slave = self.pty_run("catchup", "-i", "--hold")
        self.expect(master, r"Nothing came in\.|No session yet")
        self.expect(master, r"\r\nPress a key to close\. ")
        self.assert_held_until(p, master, b"x")
        self.assert_terminal_restored(slave, self.pty_before)


class Interactive(OwedCase):
    PROMPT = r"\n  a/d/x/s/n/q\? "

    def walk(self, master, *steps):
        """Goes through `catchup -i`: each step, what the terminal shows (a pattern) and the key then
        pressed at the prompt after it (None: no key, no prompt)."""
        for shown, key in steps:
            self.expect(master, shown + (self.PROMPT if key else ""))
            if key:
                os.write(master, key)

    def test_one_key_each(self):
        self.meeting()
        items = self.items()
        p, master, slave = self.pty_run("catchup", "-i")
        before = self.pty_before
        self.expect(master, r"\[1/3\] #1  .*Ana Lima.*\n  a/d/x/s/n/q\? ")
        os.write(master, b"z")  # not a key of ours: nothing happens
        os.write(master, b"a")
        self.walk(master, (re.escape(DEFAULT_ACK % for_people(items[1]["answer_by"])) + r"\r\n", None),
                  (r"\[2/3\] #2 .*", b"d"), (r"Answered #2 \(Bob · Contract\)\.\r\n", None), (r"\[3/3\] #3 .*", b" "),
                  (r"1 acknowledged, 1 answered, 1 skipped\.\r\n", None))
        self.assertEqual(p.wait(10), 0)
        self.assertEqual(self.query("SELECT state FROM owed ORDER BY id"),
                         [("acknowledged",), ("answered",), ("owed",)])
        self.assert_terminal_restored(slave, before)

    def test_a_change_the_store_refuses_is_not_counted_as_done(self):
        """Another process holds the store: the item stays owed, and neither the tally nor the
        exit status may pass it for handled."""
        self.meeting()
        lock = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(lock.close)
        lock.execute("BEGIN IMMEDIATE")
        p, master, _ = self.pty_run("catchup", "-i")
        self.walk(master, (r"\[1/3\].*", b"d"), (r"present: .*database is locked.*\r\n", None),
                  (r"\[2/3\].*", b"q"), (r"\r\n1 not changed \(said above\), 2 left for later\.\r\n", None))
        self.assertEqual(p.wait(10), 1)
        lock.execute("ROLLBACK")
        self.assertEqual(self.query("SELECT state FROM owed WHERE id = 1"), [("owed",)])

    def test_a_broken_acknowledgement_leaves_the_other_keys_working(self):
        """A file that breaks what `a` gives is said, and counted, but d, x and s still work."""
        self.meeting()
        self.write_config('owed = { ack_template = 5; };\n')
        p, master, _ = self.pty_run("catchup", "-i")
        self.walk(master, (r"\[1/3\].*", b"a"), (r"present: .*ack_template.*\r\n", None), (r"\[2/3\].*", b"d"),
                  (r"Answered #2 .*\r\n", None), (r"\[3/3\].*", b"a"),
                  (r"present: cannot acknowledge: the configuration is invalid \(said above\)\r\n", None),
                  (r"\r\n1 answered, 2 not changed \(said above\)\.\r\n", None))
        self.assertEqual(p.wait(10), 78)
        self.assertEqual(self.query("SELECT state FROM owed ORDER BY id"), [("owed",), ("answered",), ("owed",)])

    def test_an_item_acknowledged_before_is_not_counted_again(self):
        self.meeting()
        self.call("SetOwedState", dbus.UInt64(1), "acknowledged")
        p, master, _ = self.pty_run("catchup", "-i")
        self.walk(master, (r"\[1/3\] #2 .*", b"n"), (r"\[2/3\] #3 .*", b"n"),
                  (r"\[3/3\] #1  .*Ana Lima.*acknowledged\r", b"a"), (r"#1 was already acknowledged at ", None),
                  (r"\r\n2 skipped\.\r\n", None))
        self.assertEqual(p.wait(10), 0)

    def test_dismiss_snooze_quit(self):
        self.meeting()
        p, master, slave = self.pty_run("catchup", "-i")
        self.walk(master, (r"\[1/3\].*", b"x"), (r"Dismissed #1 .*\r\n", None), (r"\[2/3\].*", b"s"),
                  (r"Snoozed #2 .*\r\n", None), (r"\[3/3\].*", b"q"),
                  (r"1 dismissed, 1 snoozed, 1 left for later\.\r\n", None))
        self.assertEqual(p.wait(10), 0)
        rows = self.query("SELECT state, snoozed_until FROM owed ORDER BY id")
        self.assertEqual([r[0] for r in rows], ["dismissed", "owed", "owed"])
        self.assertAlmostEqual(rows[1][1], time.time() * 1000 + 3600 * 1000, delta=10000)
        self.assertIsNone(rows[2][1])

    def test_hold_after_the_walk_but_not_after_ctrl_c(self):
        self.meeting()
        p, master, slave = self.pty_run("catchup", "-i", "--hold")
        self.expect(master, r"\[1/3\].*\n  a/d/x/s/n/q\? ")
        os.write(master, b"q")
        self.expect(master, r"3 left for later\.\r\n\r\nPress a key to close\. ")
        self.assert_held_until(p, master, b"\r")
        p, master, slave = self.pty_run("catchup", "-i", "--hold")
        self.expect(master, r"\[1/3\].*\n  a/d/x/s/n/q\? ")
        os.write(master, b"\x03")
        self.assertEqual(p.wait(10), 130)
        self.assertNotIn(b"Press a key", self.pty_out)
        self.assert_terminal_restored(slave, self.pty_before)

    def test_ctrl_c_restores_the_terminal(self):
        self.meeting()
        p, master, slave = self.pty_run("catchup", "-i")
        before = self.pty_before
        self.expect(master, r"\[1/3\].*\n  a/d/x/s/n/q\? ")
        os.write(master, b"\x03")
        self.assertEqual(p.wait(10), 130)
        self.assert_terminal_restored(slave, before)
        self.assertEqual(self.query("SELECT DISTINCT state FROM owed"), [("owed",)])

    def test_killed_while_waiting_restores_the_terminal(self):
        self.meeting()
        p, master, slave = self.pty_run("catchup", "-i")
        before = self.pty_before
        self.expect(master, r"\[1/3\].*\n  a/d/x/s/n/q\? ")
        raw = termios.tcgetattr(slave)  # the prompt shows once the terminal is raw
        self.assertFalse(raw[3] & termios.ICANON)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), -signal.SIGTERM)
        self.assert_terminal_restored(slave, before)

    def test_nothing_owed(self):
        self.meeting([NOISE])
        p, master, _ = self.pty_run("catchup", "-i")
        self.expect(master, r"Nothing owed: you are all caught up\.\r\n")
        self.assertEqual(p.wait(10), 0)


class History(OwedCase):
    def test_a_store_edited_by_hand_breaks_neither_terminal_nor_json(self):
        self.meeting()
        with self.db() as db:
            db.execute("UPDATE sessions SET end_reason = 'odd\x1b[2J'")
            db.execute("UPDATE alerts SET path = 'a\"b\\'")
        out = self.ok("history")
        self.assertNotIn("\x1b", out)
        self.assertRegex(out.splitlines()[1], r"^      1  .* \?  ")
        self.assertEqual({a["path"] for a in json.loads(self.ok("alerts", "--json"))}, {'a"b\\'})
        with self.db() as db:
            db.execute("UPDATE sessions SET end_reason = 'paused'")  # a later present's word
        self.assertRegex(self.ok("history").splitlines()[1], r" paused ")

    def test_sessions_newest_first(self):
        self.meeting()
        self.ok("start", "1s", "--label", "Quick call")
        wait_until(lambda: self.query("SELECT end_reason FROM sessions WHERE id = 2") == [("timer",)], 10,
                   "the short session to end")
        self.ok("start", "10m")
        sessions = self.query("SELECT id, label, started_at, planned_end, ended_at, end_reason FROM sessions "
                              "ORDER BY id DESC")
        out = self.ok("history").splitlines()
        # The number first: what `present alerts --session` takes.
        self.assertEqual(out[0], "Session  When              Lasted       Ended        Alerts  Owed  Label")
        started = sessions[0][2]
        self.assertIn(out[1], ["%7d  %-17s %-12s %-12s %6d %5d" % (3, clock(started),
                                                                   duration(int(time.time()) - started - k),
                                                                   "running", 0, 0) for k in range(3)])
        rows = []
        for (number, label, started, _, ended, _), how, alerts, owed in zip(sessions[1:], ("time up", "stopped"),
                                                                            (0, 6), (0, 3)):
            rows.append("%7d  %-17s %-12s %-12s %6d %5d  %s" % (number, clock(started), duration(ended - started), how,
                                                                alerts, owed, label))
        self.assertEqual(out[2:], rows)

        listed = json.loads(self.ok("history", "--json"))
        self.assertEqual([s["id"] for s in listed], [3, 2, 1])
        # Running, and started without a label: what does not apply is null.
        _, _, started, planned, _, _ = sessions[0]
        self.assertIn(listed[0].pop("duration_s"), range(0, 5))
        self.assertEqual(listed[0], {"id": 3, "label": None, "started_at": iso(started), "planned_end": iso(planned),
                                     "ended_at": None, "end_reason": None, "alerts": 0, "owed": 0})
        _, label, started, planned, ended, reason = sessions[2]
        self.assertEqual(listed[2], {"id": 1, "label": label, "started_at": iso(started), "planned_end": iso(planned),
                                     "ended_at": iso(ended), "duration_s": ended - started, "end_reason": reason,
                                     "alerts": 6, "owed": 3})
        self.assertEqual((listed[1]["end_reason"], listed[1]["alerts"], listed[1]["owed"]), ("timer", 0, 0))

    def test_a_sender_who_writes_again_is_owed_in_both_sessions(self):
        """One item for Carla, as she is waiting once; each session she wrote in counts her."""
        self.meeting([SIGNAL_1], label="one")
        self.ok("start", "10m", "--label", "two")
        app = App(self)
        app.notify(*SIGNAL_2)
        app.notify(*THUNDERBIRD)
        wait_until(lambda: self.query("SELECT count(*), (SELECT sum(count) FROM owed) FROM alerts") == [(3, 3)],
                   what="the alerts and what is owed, in the store")
        self.ok("stop")
        self.assertEqual([(i["session_id"], i["sender"], i["count"]) for i in self.items().values()],
                         [(1, "Carla Souza", 2), (2, "Ana Lima", 1)])
        self.assertEqual([(s["id"], s["alerts"], s["owed"]) for s in json.loads(self.ok("history", "--json"))],
                         [(2, 2, 2), (1, 1, 1)])
        self.assertEqual([line.split()[-3:] for line in self.ok("history").splitlines()[1:]],
                         [["2", "2", "two"], ["1", "1", "one"]])

    def test_no_session_yet(self):
        self.assertEqual(self.ok("history"), "No session yet.\n")
        self.assertEqual(self.ok("history", "--json"), "[]\n")


class HeadsUp(OwedCase):
    def prepare(self):
        """A store with items falling due at different times."""
        self.ok("start", "10m")
        self.ok("stop")
        now = int(time.time() * 1000)
        minute = 60 * 1000
        with self.db() as db:
            for sender, state, ack_by, answer_by in (
                    ("Dana", "owed", now + 20 * minute, now + 22 * 60 * minute),  # ack due in the meeting
                    ("Eli", "owed", now + 3 * 60 * minute, now + 20 * 60 * minute),  # after it
                    ("Fay", "acknowledged", now - 60 * minute, now + 50 * minute),  # answer due in it
                    ("Gus", "answered", now + 10 * minute, now + 30 * minute),  # closed
                    ("Hal", "owed", now - 5 * minute, now + 23 * 60 * minute)):  # already late: not new news
                db.execute("INSERT INTO owed(session_id, kind, app, sender, subject, received_at, last_at, ack_by, "
                           "answer_by, state) VALUES (1, 'mail', 'thunderbird', ?, 'Renewal', ?, ?, ?, ?, ?)",
                           (sender, now - 100 * minute, now - 100 * minute, ack_by, answer_by, state))
        return self.items()

    def test_start_lists_what_falls_due(self):
        items = self.prepare()
        out = self.ok("start", "60")
        self.assertTrue(out.startswith(
            "Before you go dark: 2 responses fall due during this meeting:\n"
            "  #1  Dana · thunderbird · Renewal · ack by %s\n"
            "  #3  Fay · thunderbird · Renewal · answer by %s\n"
            "Present until " % (ms_clock(items[1]["ack_by"]), ms_clock(items[3]["answer_by"]))), out)
        self.assertEqual(self.query("SELECT DISTINCT state FROM owed WHERE sender IN ('Dana', 'Fay')"),
                         [("owed",), ("acknowledged",)])

    def test_the_reply_to_a_start_names_them(self):
        """The CLI says them from the daemon's reply, without opening the store."""
        items = self.prepare()
        reply = self.call("Start", 3600, "")
        self.assertEqual([tuple(d) for d in reply["due"]],
                         [(1, "owed", "Dana", "thunderbird", "Renewal", items[1]["ack_by"], items[1]["answer_by"]),
                          (3, "acknowledged", "Fay", "thunderbird", "Renewal", items[3]["ack_by"],
                           items[3]["answer_by"])])
        self.assertEqual(reply["due"].signature, "(tssssxx)")
        self.assertNotIn("due", self.call("GetStatus"))
        self.call("Stop")
        self.assertNotIn("due", self.call("Toggle", 60, "")[1])  # a short one: nothing falls due in it

    def test_a_shorter_meeting_and_quiet(self):
        items = self.prepare()
        out = self.ok("start", "30m")
        self.assertTrue(out.startswith("Before you go dark: 1 response falls due during this meeting:\n"
                                       "  #1  Dana · thunderbird · Renewal · ack by %s\nPresent until "
                                       % ms_clock(items[1]["ack_by"])), out)
        self.ok("stop")
        self.assertTrue(self.ok("start", "60", "-q").startswith("Present until "))
        self.ok("stop")
        self.assertTrue(self.ok("start", "60", "--quiet").startswith("Present until "))

    def test_toggle_only_when_it_starts(self):
        self.prepare()
        self.assertTrue(self.ok("toggle", "60").startswith("Before you go dark: 2 responses"))
        r = self.present("start", "60")  # refused: no heads-up for a meeting that does not start
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertTrue(self.ok("toggle", "60").startswith("Session ended after "))
        self.assertTrue(self.ok("toggle", "60", "-q").startswith("Present until "))

    def test_nothing_due(self):
        self.assertTrue(self.ok("start", "60").startswith("Present until "))
        self.ok("stop")
        self.meeting()  # everything owed falls due in 2 h and more
        self.assertTrue(self.ok("start", "60").startswith("Present until "))

    def test_acknowledge_them_on_a_terminal(self):
        items = self.prepare()
        p, master, slave = self.pty_run("start", "60")
        self.expect(master, r"#3  Fay .*\r\nAcknowledge them now\? \[y/N\] ")
        os.write(master, b"y\n")
        # Only Dana's: Fay was acknowledged already.
        self.expect(master, r"Acknowledged #1 \(Dana · Renewal\)[^\n]*\n" +
                    re.escape(DEFAULT_ACK % for_people(items[1]["answer_by"])) + r"\r\nPresent until ")
        self.assertEqual(p.wait(10), 0)
        self.assertEqual(self.query("SELECT sender, state FROM owed WHERE state = 'acknowledged' ORDER BY id"),
                         [("Dana", "acknowledged"), ("Fay", "acknowledged")])
        self.assertTrue(self.call("GetStatus")["active"])

    def test_a_key_the_file_does_not_know_is_said_once(self):
        """The acknowledgement reads the file too: its unknown key is the
        start's reply's to say, not a second time."""
        self.write_config('colour = "blue";\n')
        self.prepare()
        p, master, _ = self.pty_run("start", "60")
        out = self.expect(master, r"Acknowledge them now\? \[y/N\] ")
        os.write(master, b"y\n")
        out += self.expect(master, r"Present until [^\n]*\n")
        self.assertEqual(p.wait(10), 0)
        while select.select([master], [], [], 0.2)[0]:
            try:
                out += os.read(master, 4096).decode(errors="replace")
            except OSError:
                break
        self.assertEqual(len(re.findall(r"present: warning: \S*present\.conf:1: unknown key 'colour'", out)), 1,
                         out)

    def test_without_a_length_it_asks_about_all_of_the_default(self):
        """A session of session.default_duration: the question before going
        dark covers what falls due in all of it, not only in the first hour."""
        self.write_config('session = { default_duration = "4h"; };\n')
        self.prepare()
        p, master, _ = self.pty_run("start")
        self.expect(master, r"Before you go dark: 3 responses fall due during this meeting:\r\n"
                            r"  #1  Dana [^\n]*\n  #3  Fay [^\n]*\n  #2  Eli [^\n]*\nAcknowledge them now\? \[y/N\] ")
        os.write(master, b"n\n")
        out = self.expect(master, r"Present until [^\n]*\n")
        self.assertEqual(p.wait(10), 0)
        self.assertNotIn("more", out)
        self.assertEqual(self.call("GetStatus")["ends_at"] - self.sessions()[-1][1], 4 * 3600)

    def dnd_paused(self):
        return bool(self.notifications().Get("org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_the_question_comes_before_going_dark(self):
        """Asked while people can still be answered: do-not-disturb is off, no session has started."""
        items = self.prepare()
        for verb in ("start", "toggle"):
            with self.subTest(verb=verb):
                p, master, _ = self.pty_run(verb, "60")
                self.expect(master, r"Before you go dark: 2 responses fall due during this meeting:\r\n"
                                    r"  #1  Dana [^\n]*\n  #3  Fay [^\n]*\nAcknowledge them now\? \[y/N\] ")
                self.assertFalse(self.dnd_paused())
                self.assertEqual(len(self.sessions()), 1 if verb == "start" else 2)
                self.assertFalse(self.call("GetStatus")["active"])
                os.write(master, b"y\n")
                self.expect(master, r"Acknowledged #1 \(Dana · Renewal\)[^\n]*\n" +
                            re.escape(DEFAULT_ACK % for_people(items[1]["answer_by"])) + r"\r\nPresent until ")
                self.assertEqual(p.wait(10), 0)
                self.assertTrue(self.dnd_paused())
                [(state, acked_at)] = self.query("SELECT state, acked_at FROM owed WHERE sender = 'Dana'")
                started = self.sessions()[-1][1]
                self.assertEqual(state, "acknowledged")
                self.assertLess(acked_at, (started + 1) * 1000)
                self.ok("stop")
                with self.db() as db:
                    db.execute("UPDATE owed SET state = 'owed', acked_at = NULL WHERE sender = 'Dana'")

    def test_not_for_a_session_that_does_not_start(self):
        """A start that will be refused, or a toggle that will stop, asks nothing first."""
        self.prepare()
        self.ok("start", "2h", "-q")
        until = ms_clock(self.call("GetStatus")["ends_at"] * 1000)
        p, master, _ = self.pty_run("start", "60")
        self.assertEqual(p.wait(10), 1)
        self.expect(master, r"^present: a session is already running until %s; " % until)
        p, master, _ = self.pty_run("toggle", "60")
        self.assertEqual(p.wait(10), 0)
        self.expect(master, r"^Session ended after \d+ s\r\n$")
        self.assertEqual(self.query("SELECT count(*) FROM owed WHERE state = 'owed'"), [(3,)])

    def test_more_than_the_terminal_was_told(self):
        """Without a DURATION the terminal reads the default from its own file; where the daemon reads
        another (another XDG_CONFIG_HOME, here the built-in hour against 2 h), the rest is counted from
        the reply."""
        daemons = os.path.join(self.root, "daemon-config")
        self.write_config('session = { default_duration = "2h"; };\n', config_home=daemons)
        self.set_activation_env(XDG_CONFIG_HOME=daemons)
        self.prepare()
        now, minute = int(time.time() * 1000), 60 * 1000
        with self.db() as db:
            db.execute("INSERT INTO owed(session_id, kind, app, sender, subject, received_at, last_at, ack_by, "
                       "answer_by) VALUES (1, 'chat', 'signal', 'Ivo', '', ?, ?, ?, ?)",
                       (now, now, now + 90 * minute, now + 20 * 60 * minute))
        p, master, _ = self.pty_run("start")
        self.expect(master, r"Before you go dark: 2 responses fall due during this meeting:\r\n"
                            r"  #1  Dana [^\n]*\n  #3  Fay [^\n]*\nAcknowledge them now\? \[y/N\] ")
        os.write(master, b"n\n")
        self.expect(master, r"\n1 more response falls due during this meeting; 'present owed' lists it\.\r\n"
                            r"Present until [^\n]* \(2 h\)")
        self.assertEqual(p.wait(10), 0)
        self.assertEqual(self.query("SELECT sender FROM owed WHERE state = 'owed' ORDER BY id"),
                         [("Dana",), ("Eli",), ("Hal",), ("Ivo",)])

    def test_the_store_is_read_only_where_it_can_ask(self):
        """Without a terminal the start is one call: the CLI does not touch the store, and says what the
        daemon's reply lists. On a terminal a store it cannot read is a warning, and the start goes on."""
        self.prepare()
        blocker = os.path.join(self.root, "not-a-dir")
        open(blocker, "w").close()
        env = {"XDG_STATE_HOME": blocker}
        r = self.present("start", "60", env=env)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertTrue(r.stdout.startswith("Before you go dark: 2 responses fall due during this meeting:\n"
                                            "  #1  Dana "), r.stdout)
        self.ok("stop")
        p, master, _ = self.pty_run("start", "60", env=env)
        self.expect(master, r"^present: warning: cannot read the store: Not a directory\r\n"
                            r"2 responses fall due during this meeting; 'present owed' lists them\.\r\n"
                            r"Present until ")
        self.assertEqual(p.wait(10), 0)
        self.assertTrue(self.call("GetStatus")["active"])

    def test_acknowledgements_the_file_keeps_from_being_made(self):
        """The terminal's own file gives the reply; invalid, nothing is acknowledged, and the start that was to
        follow them does not go dark without them: it says which and why, once, and changes nothing."""
        daemons = os.path.join(self.root, "daemon-config")
        self.write_config('session = { default_duration = "2h"; };\n', config_home=daemons)
        self.set_activation_env(XDG_CONFIG_HOME=daemons)
        path = self.write_config("owed = { ack_template = 5; };\n")
        self.prepare()
        with self.db() as db:
            db.execute("UPDATE owed SET state = 'owed' WHERE sender = 'Fay'")
        for verb in ("start", "toggle"):
            with self.subTest(verb=verb):
                p, master, _ = self.pty_run(verb, "60")
                self.expect(master, r"Acknowledge them now\? \[y/N\] ")
                os.write(master, b"y\n")
                self.assertEqual(p.wait(10), 78)
                out = self.expect(master, r"go dark without acknowledging\r\n")
                self.assertRegex(out, r"^y\r\npresent: %s:1: [^\n]*\r\n"
                                      r"present: not acknowledged, as the reply to send comes from that file: "
                                      r"#1 \(Dana · Renewal\), #3 \(Fay · Renewal\)\r\n"
                                      r"present: no session started: fix the file, or start again with --quiet to go "
                                      r"dark without acknowledging\r\n$" % re.escape(path))
                self.assertEqual(out.count(path), 1)
                self.assertEqual(self.query("SELECT count(*) FROM owed WHERE state = 'owed'"), [(4,)])
                self.assertFalse(self.call("GetStatus")["active"])
                self.assertFalse(self.dnd_paused())
        # Without asking, the file is not read, and nothing keeps the session from starting.
        p, master, _ = self.pty_run("start", "60", "--quiet")
        self.assertEqual(p.wait(10), 0)
        self.assertTrue(self.call("GetStatus")["active"])

    def test_no_on_a_terminal(self):
        self.prepare()
        p, master, _ = self.pty_run("start", "60")
        self.expect(master, r"Acknowledge them now\? \[y/N\] ")
        os.write(master, b"\n")
        self.expect(master, r"Present until ")
        self.assertEqual(p.wait(10), 0)
        self.assertEqual(self.query("SELECT state FROM owed WHERE sender = 'Dana'"), [("owed",)])


if __name__ == "__main__":
    harness.main()
