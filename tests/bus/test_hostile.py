"""Hostile alerts, and who may touch present.

Alerts carry whatever an app puts in them. On a terminal (`present alerts`,
`catchup`, `owed`, `history`, `status`, `doctor`) no control character may
come through: escape sequences (OSC 52 writes the clipboard, CSI moves the
cursor), C1 controls, DEL, carriage returns; the JSON outputs keep the exact
text. Replayed notifications escape markup (tests/bus/test_catchup.py,
ReplayEach). Huge fields are cut, at a character boundary; bytes that are not
UTF-8 can only travel where D-Bus carries bytes (dbus-daemon drops a client
that sends a string that is not UTF-8), and there they are ignored; a flood
of alerts is held, every one, while the daemon keeps answering.

Who may touch it: the state directory is 0700 and the store 0600 (loosened
modes are tightened again), another user's directory is refused
(test_outages.py, and tests/unit/test-store.c); the interface has no method
that runs a command or reads a file. That the daemon answers only its own
user is not implemented: RELIABILITY.md says how it would be tested.
"""
import json
import os
import re
import sqlite3
import stat
import subprocess
import time
import xml.etree.ElementTree as ET

import dbus

import harness
from harness import INTERFACE, PYTHON, BusTestCase, wait_until
from test_capture import App

NOTIFICATIONS = "org.freedesktop.Notifications"
MOCK = "org.freedesktop.DBus.Mock"

# OSC 52 (set the clipboard), a bell, clear screen, colours, carriage return and
# backspace, DEL, C1 CSI and NEL, a tab and a newline.
EVIL = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[31mred\x1b[0m\rover\bX\x7fdel\u009b31m\u0085nel\ttab\nsecond line"


def controls(text):
    """The control characters of text a terminal would act on (a line's own newline aside)."""
    return sorted({"U+%04X" % ord(c) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f})


class Terminal(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst", version="1.9\x1b]0;pwned\x07\u009b2J")

    def db(self):
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db

    def test_no_control_character_reaches_the_terminal(self):
        label = "Board\x1b[8m hidden\x1b]0;title\x07"
        self.call("Start", dbus.UInt32(600), label)  # the CLI would refuse nothing here: it is UTF-8
        app = App(self)
        app.notify("Evil" + EVIL, "Ana" + EVIL, EVIL, {"desktop-entry": "org.signal.Signal"})
        app.notify("Thunderbird", "Inbox", "Re: %s from Bob%s" % (EVIL.replace("\n", " "), "\x1b[5m"),
                   {"desktop-entry": "thunderbird", "category": "email.arrived"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 2, what="two owed items")

        outputs = {}
        outputs["status"] = self.ok("status")
        outputs["doctor"] = self.present("doctor").stdout
        self.ok("stop")
        for argv in (["alerts"], ["catchup"], ["owed"], ["owed", "--all"], ["history"]):
            r = self.present(*argv)
            self.assertEqual(r.returncode, 0, (argv, r.stderr))
            outputs[" ".join(argv)] = r.stdout + r.stderr
        for what, text in outputs.items():
            with self.subTest(output=what):
                self.assertEqual(controls(text), [], "%s let through: %r" % (what, text))
        # What the text said is still there, made harmless.
        self.assertIn("Board?[8m hidden?]0;title?", outputs["history"])
        self.assertIn("?]52;c;cHduZWQ=??[2J?[31mred?[0m?over?X?del", outputs["alerts"])
        self.assertIn("Ana?]52;c;cHduZWQ=", outputs["owed"])
        self.assertIn("1.9?]0;pwned?", outputs["doctor"])

    def test_json_keeps_the_exact_text(self):
        self.call("Start", dbus.UInt32(600), "Board" + EVIL)
        App(self).notify("Evil", "Ana" + EVIL, EVIL, {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 1, what="the owed item")
        self.assertEqual(json.loads(self.ok("status", "--json"))["label"], "Board" + EVIL)
        self.ok("stop")
        [alert] = json.loads(self.ok("alerts", "--json"))
        self.assertEqual((alert["summary"], alert["body"]), ("Ana" + EVIL, EVIL))
        [item] = json.loads(self.ok("owed", "--json"))
        self.assertEqual(item["from"], "Ana" + EVIL)
        for argv in (["history", "--json"], ["catchup", "--json"]):
            text = self.ok(*argv)
            json.loads(text)  # valid JSON, whatever the text
            self.assertEqual([c for c in controls(text) if c < "U+0080"], [], argv)

    def test_json_escapes_c1_controls(self):
        """JSON may carry U+0080..U+009F raw, but --json output often lands on a terminal, and
        xterm acts on C1 controls sent as UTF-8 (U+009B is CSI): they should be \\u escapes, as
        C0 controls are. The text is the same to a JSON reader."""
        self.call("Start", dbus.UInt32(600), "Board\u009b2J\u0085")
        App(self).notify("Evil", "Ana\u009b31m", "\u0090body\u009c", {"desktop-entry": "org.signal.Signal"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM owed").fetchone()[0] == 1, what="the owed item")
        outputs = {"status --json": self.ok("status", "--json")}
        self.ok("stop")
        for argv in (["alerts", "--json"], ["owed", "--json"], ["history", "--json"], ["catchup", "--json"]):
            outputs[" ".join(argv)] = self.ok(*argv)
        for what, text in outputs.items():
            with self.subTest(output=what):
                json.loads(text)
                self.assertEqual(controls(text), [], "%s: %r" % (what, text))

    def test_labels_that_look_like_commands_are_text(self):
        marker = os.path.join(self.root, "pwned")
        label = "%s%n%x $(touch {0}) `touch {0}`; touch {0} | touch {0}".format(marker)
        self.ok("start", "10m", "--label", label)
        out = self.ok("status")
        self.assertIn("· %s ·" % label, out)
        self.ok("stop")
        self.assertIn(label, self.ok("history"))
        self.assertFalse(os.path.exists(marker))


class Sizes(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="swaync")  # replay each: swaync shows none again

    def db(self):
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db

    def test_huge_fields_are_cut_between_characters(self):
        self.write_config('replay = { mode = "each"; };\n')
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        app = App(self)
        # Odd offsets, so that a cut at a byte count would split a character.
        summary = "s" + "é" * 300000
        body = "b" + "€" * 3000000  # 9 MB
        actions = [x for i in range(2000) for x in ("a%d" % i, "Action %d" % i)]
        app.notify("A" + "ü" * 50000, summary, body,
                   {"desktop-entry": "d" + "ö" * 50000, "category": "c" * 100000, "x-kde-appname": "k" * 100000},
                   actions=actions)
        started = time.monotonic()
        self.assertTrue(self.call("GetStatus")["active"])
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == 1, what="the alert")
        row = self.db().execute("SELECT app, app_name, summary, body, category, actions FROM alerts").fetchone()
        app_id, app_name, s, b, category, stored_actions = row  # sqlite3 decodes strictly: UTF-8, all of it
        self.assertTrue(summary.startswith(s) and body.startswith(b) and app_name and category)
        self.assertLessEqual(len(s.encode()), 4096)
        self.assertGreater(len(s.encode()), 4000)
        self.assertLessEqual(len(b.encode()), 4096)
        self.assertLessEqual(max(len(x.encode()) for x in (app_id, app_name, category)), 256)
        self.assertLessEqual(len(json.loads(stored_actions)), 16)
        comment = "# huge alert (%.1f MB) held in %.2f s" % ((len(summary) * 2 + len(body) * 3) / 1e6,
                                                            time.monotonic() - started)
        print(comment, flush=True)
        self.assertEqual(controls(self.ok("alerts")), [])
        # The replay sends it back out: a D-Bus string that is not UTF-8 would abort the daemon.
        self.ok("stop")
        shown = wait_until(lambda: [c for c in self.notifications().GetCalls(dbus_interface=MOCK)
                                    if c[1] == "Notify" and int(c[2][6].get("sender-pid", 0)) == pid],
                           10, "the replay")
        self.assertTrue(str(shown[0][2][3]).startswith("s" + "é" * 100))
        self.assertEqual(self.bus.pid_of(), pid, "the daemon died replaying it")

    def test_bytes_that_are_not_utf8(self):
        """D-Bus strings are UTF-8 (the bus drops a client that sends other); bytes travel as
        'ay', where a string is expected: they are ignored, never stored as text."""
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        app = App(self)
        junk = dbus.ByteArray(b"\xff\xfe\xc3(\xed\xa0\x80 \x1b[2J")
        app.notify("Bytes", "hints of the wrong type", "body",
                   {"desktop-entry": junk, "category": junk, "sound-name": junk, "x-kde-appname": junk,
                    "image-data": dbus.Struct((1, 1, 4, True, 8, 4, junk), signature="iiibiiay"),
                    "image_data": junk, "urgency": junk, "sender-pid": junk})
        # Edges of valid UTF-8: the largest code points, noncharacters, a lone combining mark, ZWJ emoji.
        edge = "\U0010FFFF\uFFFF\uFFFE\u0301 👩‍👩‍👧 \u2028"
        app.notify("Edges", edge, edge, {"desktop-entry": "org.example.Edges"})
        wait_until(lambda: self.db().execute("SELECT count(*) FROM alerts").fetchone()[0] == 2, what="both alerts")
        rows = self.db().execute("SELECT app_name, app, category, summary, body FROM alerts ORDER BY id").fetchall()
        self.assertEqual(rows[0], ("Bytes", "Bytes", None, "hints of the wrong type", "body"))
        self.assertEqual(rows[1][3:], (edge, edge))
        self.assertEqual(json.loads(self.ok("alerts", "--json"))[1]["summary"], edge)
        self.assertEqual(controls(self.ok("alerts")), [])
        self.assertEqual(self.bus.pid_of(), pid)


FLOOD = r'''
import sys, time, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
n, tag = int(sys.argv[2]), sys.argv[3]
server = bus.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications", introspect=False)
started = time.monotonic()
for i in range(n):
    server.Notify("Flood", dbus.UInt32(0), "", "%s %d" % (tag, i), "", dbus.Array([], signature="s"),
                  dbus.Dictionary({}, signature="sv"), -1, dbus_interface="org.freedesktop.Notifications",
                  ignore_reply=True)
# The bus routes a connection's messages in order: once it answers this, every
# Notify above has gone out (exiting after a flush alone can lose the last ones).
bus.get_name_owner("org.freedesktop.Notifications")
print("%.3f" % (time.monotonic() - started), flush=True)
'''


class Flood(BusTestCase):
    def test_thousands_of_alerts_a_second(self):
        # The mock logs to a file: thousands of calls would bury the bus log.
        self.bus.spawn([PYTHON, "-m", "dbusmock", "--template", os.path.join(harness.MOCKS, "dnd_servers.py"),
                        "--parameters", '{"server": "dunst"}', "--logfile", os.path.join(self.root, "mock.log")])
        wait_until(lambda: self.bus.has_owner(NOTIFICATIONS), what="the mock notification server")
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        per_sender, senders = 2500, 2
        flood = [self.bus.spawn([PYTHON, "-c", FLOOD, self.bus.address, str(per_sender), "f%d" % k],
                                stdout=subprocess.PIPE) for k in range(senders)]
        # The daemon keeps answering while it comes in: each call has a deadline of 5 s
        # (the times are recorded for RELIABILITY.md, not judged).
        latencies = []
        while any(p.poll() is None for p in flood):
            started = time.monotonic()
            self.daemon().GetStatus(dbus_interface=INTERFACE, timeout=5 * harness.valgrind.slower)
            latencies.append(time.monotonic() - started)
            time.sleep(0.02)
        took = max(float(p.stdout.read()) for p in flood)
        started = time.monotonic()
        total = per_sender * senders
        wait_until(lambda: self.db_count() == total, 60, "all %d alerts in the store" % total)
        stored_in = time.monotonic() - started
        print("# flood: %d alerts sent in %.2f s (%.0f/s); all stored %.2f s after the last; GetStatus answered %d "
              "times meanwhile, slowest %.3f s" % (total, took, total / took, stored_in, len(latencies),
                                                   max(latencies or [0])), flush=True)
        self.assertGreater(total / took, 1000, "the flood was too slow to test anything")
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT count(DISTINCT summary) FROM alerts").fetchone()[0], total)
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        self.ok("stop", timeout=10)
        with open("/proc/%d/status" % pid) as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        print("# flood: daemon RSS after it %d MB" % (rss // 1024), flush=True)

    def db_count(self):
        if not os.path.exists(self.store_path):
            return 0
        db = sqlite3.connect(self.store_path)
        try:
            return db.execute("SELECT count(*) FROM alerts").fetchone()[0]
        finally:
            db.close()


class WhoMayTouch(BusTestCase):
    def test_private_modes(self):
        self.start_mock("dnd_servers", server="dunst")
        self.ok("start", "10m")
        App(self).notify("A", "one", "")
        wait_until(lambda: os.path.exists(self.store_path + "-wal"), what="the WAL")
        state = os.path.dirname(self.store_path)
        modes = {name: stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode) for name in os.listdir(state)}
        self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o700)
        self.assertEqual({n: oct(m) for n, m in modes.items() if m & 0o077}, {}, "readable by others: %s" % modes)
        self.assertIn("present.db", modes)
        run = os.path.join(self.bus.env.get("XDG_RUNTIME_DIR", "/nonexistent"), "present")
        if os.path.isdir(run):  # the status mirror holds the label
            self.assertEqual(stat.S_IMODE(os.stat(run).st_mode), 0o700)
        self.ok("stop")
        # Loosened by someone, tightened again at the next start of the daemon.
        os.kill(self.bus.pid_of(), 15)
        self.wait_daemon_gone()
        os.chmod(state, 0o755)
        os.chmod(self.store_path, 0o644)
        self.call("GetStatus")
        self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(self.store_path).st_mode), 0o600)

    def test_no_method_runs_a_command_or_reads_a_file(self):
        """What anyone on the session bus can ask: this list, no more. No method takes a file
        descriptor, a path or a command; the strings are a label, an owed item's state and the text of its
        acknowledgement, kept as text."""
        xml = self.daemon().Introspect(dbus_interface="org.freedesktop.DBus.Introspectable")
        iface = ET.fromstring(str(xml)).find("interface[@name='%s']" % INTERFACE)
        methods = {m.get("name"): "".join(a.get("type") for a in m.findall("arg") if a.get("direction") == "in")
                   for m in iface.findall("method")}
        self.assertEqual(methods, {"Start": "us", "Stop": "", "Toggle": "us", "Extend": "u", "GetStatus": "",
                                   "Diagnose": "", "SetOwedState": "ts", "Snooze": "tu", "Restore": "",
                                   "Acknowledge": "ts"})
        props = {p.get("name"): p.get("access") for p in iface.findall("property")}
        self.assertEqual(set(props.values()), {"read"})
        # A label that names a file is only a label.
        session = self.call("Start", dbus.UInt32(60), "/etc/shadow")
        self.assertEqual(session["label"], "/etc/shadow")


if __name__ == "__main__":
    harness.main()
