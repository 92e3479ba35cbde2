"""Holding alerts: every path, one record per alert, nothing lost."""
import json
import os
import signal
import time

import dbus

import harness
from harness import PYTHON, BusTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class App:
    """An application: its own connection, as a real app has."""

    def __init__(self, test):
        self.bus = dbus.bus.BusConnection(test.bus.address)
        test.addCleanup(self.bus.close)

    def notify(self, app_name, summary, body="", hints=None, replaces=0, actions=()):
        server = self.bus.get_object(NOTIFICATIONS, PATH)
        return int(server.Notify(app_name, dbus.UInt32(replaces), "", summary, body,
                                 dbus.Array(actions, signature="s"), dbus.Dictionary(hints or {}, signature="sv"),
                                 -1, dbus_interface=NOTIFICATIONS))

    def close(self, server_id):
        self.bus.get_object(NOTIFICATIONS, PATH).CloseNotification(dbus.UInt32(server_id),
                                                                    dbus_interface=NOTIFICATIONS)

    def call(self, name, path, iface, member, signature, *args):
        self.bus.call_blocking(name, path, iface, member, signature, args)


class CaptureCase(BusTestCase):
    def setUp(self):
        super().setUp()
        self.start_mock("dnd_servers", server="dunst")

    def alerts(self):
        return json.loads(self.ok("alerts", "--json"))

    def wait_alerts(self, n, timeout=5):
        return wait_until(lambda: len(self.alerts()) == n and self.alerts(), timeout, "%d alerts in the store" % n)

    def mock_service(self, name, path, iface, methods):
        """A service of dbusmock's on this bus, owning name, with methods [(member, in_sig)]."""
        self.bus.spawn([PYTHON, "-m", "dbusmock", name, path, iface])
        wait_until(lambda: self.bus.has_owner(name), what=name)
        mock = self.bus.connection.get_object(name, path)
        for member, sig in methods:
            mock.AddMethod(iface, member, sig, "", "", dbus_interface="org.freedesktop.DBus.Mock")

    def mock_portal(self):
        """The notification portal and its GTK backend, each taking AddNotification."""
        self.mock_service("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Notification", [("AddNotification", "sa{sv}")])
        self.mock_service("org.freedesktop.impl.portal.desktop.gtk", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.impl.portal.Notification", [("AddNotification", "ssa{sv}")])

    def through_portal(self, sandboxed, portal, app_id, note_id, note):
        """A sandboxed app's notice, both hops: the app's to the portal, the portal's to its backend."""
        sandboxed.call("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                       "org.freedesktop.portal.Notification", "AddNotification", "sa{sv}", note_id, note)
        portal.call("org.freedesktop.impl.portal.desktop.gtk", "/org/freedesktop/portal/desktop",
                    "org.freedesktop.impl.portal.Notification", "AddNotification", "ssa{sv}", app_id, note_id, note)

    def db(self):
        import sqlite3
        db = sqlite3.connect(self.store_path)
        self.addCleanup(db.close)
        return db


class Capture(CaptureCase):
    def test_notify_is_held_with_its_details(self):
        self.ok("start", "10m")
        app = App(self)
        server_id = app.notify("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima",
                               {"desktop-entry": dbus.String("thunderbird"), "urgency": dbus.Byte(1),
                                "category": "email.arrived", "sender-pid": dbus.Int64(4242),
                                "image-data": dbus.Struct((1, 1, 4, True, 8, 4, dbus.ByteArray(b"\0\0\0\0")),
                                                          signature="iiibiiay")},
                               actions=["default", "Open"])
        [a] = self.wait_alerts(1)
        self.assertEqual((a["app"], a["app_name"], a["summary"], a["body"], a["urgency"], a["category"], a["path"],
                          a["withdrawn"], a["updates"]),
                         ("thunderbird", "Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", 1,
                          "email.arrived", "notify", False, 0))
        self.assertRegex(a["received_at"], r"^\d{4}-\d\d-\d\dT")
        db = self.db()
        self.assertEqual(db.execute("SELECT server_id, sender_pid, actions FROM alerts").fetchone(),
                         (server_id, 4242, '[["default", "Open"]]'))
        self.assertNotIn("image", db.execute("SELECT coalesce(hints, '') FROM alerts").fetchone()[0])
        out = self.ok("alerts")
        self.assertIn("thunderbird: Acme: 1 new message — Invoice Q3 from Ana Lima\n", out)
        self.assertTrue(out.endswith("1 alert held.\n"), out)

    def test_replaced_alert_is_one_record(self):
        self.ok("start", "10m")
        app = App(self)
        first = app.notify("evolution-mail-notification", "New email in Evolution", "You have received 1 new message.",
                           {"desktop-entry": "org.gnome.Evolution"})
        wait_until(lambda: self.db().execute("SELECT server_id FROM alerts").fetchone() == (first,),
                   what="the server id")
        app.notify("evolution-mail-notification", "New email in Evolution", "You have received 2 new messages.",
                   {"desktop-entry": "org.gnome.Evolution"}, replaces=first)
        wait_until(lambda: [a["updates"] for a in self.alerts()] == [1], what="the update")
        [a] = self.alerts()
        self.assertEqual((a["app"], a["body"]), ("org.gnome.Evolution", "You have received 2 new messages."))

    def test_withdrawn_by_the_app(self):
        self.ok("start", "10m")
        app = App(self)
        server_id = app.notify("Signal", "Ana", "are you free?")
        wait_until(lambda: self.db().execute("SELECT server_id FROM alerts").fetchone() == (server_id,),
                   what="the server id")
        app.close(server_id)
        wait_until(lambda: [a["withdrawn"] for a in self.alerts()] == [True], what="the withdrawal")

    def test_gtk_path(self):
        self.mock_service("org.gtk.Notifications", "/org/gtk/Notifications", "org.gtk.Notifications",
                          [("AddNotification", "ssa{sv}"), ("RemoveNotification", "ss")])
        self.ok("start", "10m")
        app = App(self)
        note = dbus.Dictionary({"title": dbus.String("Ana Lima", variant_level=1),
                                "body": dbus.String("Re: contract", variant_level=1),
                                "priority": dbus.String("high", variant_level=1)}, signature="sv")
        app.call("org.gtk.Notifications", "/org/gtk/Notifications", "org.gtk.Notifications", "AddNotification",
                 "ssa{sv}", "org.gnome.Geary", "email-arrived-1", note)
        [a] = self.wait_alerts(1)
        self.assertEqual((a["app"], a["summary"], a["body"], a["path"]),
                         ("org.gnome.Geary", "Ana Lima", "Re: contract", "gtk"))
        # The same id again replaces it; removing it marks it withdrawn.
        app.call("org.gtk.Notifications", "/org/gtk/Notifications", "org.gtk.Notifications", "AddNotification",
                 "ssa{sv}", "org.gnome.Geary", "email-arrived-1", note)
        app.call("org.gtk.Notifications", "/org/gtk/Notifications", "org.gtk.Notifications", "RemoveNotification",
                 "ss", "org.gnome.Geary", "email-arrived-1")
        wait_until(lambda: [(x["updates"], x["withdrawn"]) for x in self.alerts()] == [(1, True)],
                   what="one record, updated then withdrawn")

    def test_portal_hops_are_one_alert(self):
        self.mock_portal()
        self.ok("start", "10m")
        sandboxed, portal, backend = App(self), App(self), App(self)
        note = dbus.Dictionary({"title": dbus.String("Bob", variant_level=1),
                                "body": dbus.String("call me", variant_level=1)}, signature="sv")
        self.through_portal(sandboxed, portal, "org.signal.Signal", "n1", note)
        backend.notify("Signal", "Bob", "call me", {"desktop-entry": "org.signal.Signal"})
        [a] = self.wait_alerts(1)
        self.assertEqual((a["app"], a["summary"], a["body"], a["path"]), ("org.signal.Signal", "Bob", "call me",
                                                                          "portal"))
        time.sleep(0.3)  # let any stray hop land before counting again
        self.assertEqual(len(self.alerts()), 1)

    def test_a_sandboxed_app_restarted_reuses_its_ids(self):
        """Its second run calls from a new connection with an id its first
        run gave (Geary's one id for new mail): a new alert, named, and the
        first run's left as it was."""
        self.mock_portal()
        self.ok("start", "10m")
        portal = App(self)
        for text in ("first run", "second run"):
            sandboxed = App(self)
            note = dbus.Dictionary({"title": dbus.String("New mail", variant_level=1),
                                    "body": dbus.String(text, variant_level=1)}, signature="sv")
            self.through_portal(sandboxed, portal, "org.gnome.Geary", "email-arrived", note)
            self.wait_alerts(1 if text == "first run" else 2)
        time.sleep(0.3)  # let any stray hop land before counting again
        self.assertEqual([(a["app"], a["body"], a["updates"]) for a in self.alerts()],
                         [("org.gnome.Geary", "first run", 0), ("org.gnome.Geary", "second run", 0)])

    def test_a_sandboxed_chat_is_one_response_owed(self):
        """Owed from the portal's own hop on (a category, a reply button),
        before the backend's hop names the app: one person, one item."""
        self.mock_portal()
        self.ok("start", "10m")
        sandboxed, portal = App(self), App(self)
        reply = dbus.Array([dbus.Dictionary({"label": dbus.String("Reply", variant_level=1),
                                             "action": dbus.String("reply", variant_level=1),
                                             "purpose": dbus.String("im.reply-with-text", variant_level=1)},
                                            signature="sv")], signature="a{sv}", variant_level=1)
        for i, (body, how) in enumerate([("call me", {"category": dbus.String("im.received", variant_level=1)}),
                                         ("please", {"buttons": reply})]):
            note = dbus.Dictionary(dict(title=dbus.String("Bob", variant_level=1),
                                        body=dbus.String(body, variant_level=1), **how), signature="sv")
            self.through_portal(sandboxed, portal, "org.signal.Signal", "n%d" % i, note)
        self.wait_alerts(2)
        owed = ("SELECT o.app, o.sender, o.subject, o.count, count(a.id) FROM owed o "
                "LEFT JOIN alerts a ON a.owed_id = o.id ")
        wait_until(lambda: self.db().execute(owed + "GROUP BY o.id").fetchall()
                   == [("org.signal.Signal", "Bob", "please", 2, 2)], what="one response owed, counting both")

    def test_an_ignored_sandboxed_app_owes_nothing(self):
        """Its category says it is a message; the backend's hop names an app
        in ignore_apps: noise, and nobody is owed."""
        self.write_config('ignore_apps = ["com.discordapp.Discord"];\n')
        self.mock_portal()
        self.ok("start", "10m")
        sandboxed, portal = App(self), App(self)
        note = dbus.Dictionary({"title": dbus.String("Bob", variant_level=1),
                                "body": dbus.String("gg", variant_level=1),
                                "category": dbus.String("im.received", variant_level=1)}, signature="sv")
        self.through_portal(sandboxed, portal, "com.discordapp.Discord", "n1", note)
        wait_until(lambda: [(a["app"], a["class"]) for a in self.alerts()] == [("com.discordapp.Discord", "noise")],
                   what="the alert, named")
        # The naming and what it does to the responses owed are one commit: both are in, or neither.
        self.assertEqual(self.db().execute("SELECT count(*) FROM owed").fetchone(), (0,))
        self.assertEqual(self.ok("owed"), "Nothing owed: you are all caught up.\n")

    def test_a_meeting_of_alerts_each_once(self):
        self.ok("start", "10m")
        app, chat, mail = App(self), App(self), App(self)
        sent = []
        for i in range(4):
            mail.notify("Thunderbird", "Inbox: %d new" % (i + 1), "msg %d" % i, {"desktop-entry": "thunderbird"})
            chat.notify("Element", "Ana (Board)", "ping %d" % i, {"desktop-entry": "io.element.Element"})
            app.notify("Slack", "Bob", "same text", {"desktop-entry": "com.slack.Slack"})
            sent += ["msg %d" % i, "ping %d" % i, "same text"]
        alerts = self.wait_alerts(12)
        self.assertEqual(sorted(a["body"] for a in alerts), sorted(sent))
        self.assertEqual([a["id"] for a in alerts], sorted(a["id"] for a in alerts))

    def test_nothing_held_outside_a_session(self):
        App(self).notify("Thunderbird", "before", "")
        self.ok("start", "10m")
        self.ok("stop")
        App(self).notify("Thunderbird", "after", "")
        time.sleep(0.2)
        self.assertEqual(self.alerts(), [])

    def test_sigkill_loses_nothing_sent_200ms_before(self):
        self.ok("start", "10m")
        app = App(self)
        for i in range(300):
            app.notify("Burst", "alert %d" % i, "")
        time.sleep(0.2)
        self.kill_daemon()
        self.assertEqual(sorted(a["summary"] for a in self.alerts()), sorted("alert %d" % i for i in range(300)))
        self.assertEqual(self.db().execute("PRAGMA integrity_check").fetchone(), ("ok",))

    def test_listing_other_sessions(self):
        self.ok("start", "10m", "--label", "First")
        App(self).notify("A", "in the first", "")
        self.wait_alerts(1)
        self.ok("stop")
        self.ok("start", "10m", "--label", "Second")
        out = self.ok("alerts", "--session", "1")
        self.assertRegex(out, r"^Session 1, .* · First\n\d\d:\d\d:\d\d  A: in the first\n"
                              r"          alert: no rule says a response is owed\n1 alert held.\n$")
        self.assertEqual(self.alerts(), [])
        self.assertEqual(self.present("alerts", "--session", "99").returncode, 1)
        self.assertEqual(self.present("alerts", "--session", "x").returncode, 2)
        self.assertEqual(self.present("alerts", "--session", "1", "--last").returncode, 2)

    def test_alerts_show_class_and_rule(self):
        """Why each alert is mail, a person's message, an alert or noise: the
        rule that decided, as the store keeps it."""
        self.write_config('ignore_apps = [ "com.spotify.Client" ];\n')
        self.ok("start", "10m", "--label", "Review")
        app = App(self)
        app.notify("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"})
        app.notify("Signal", "Ana Lima", "are you free at 3?", {"desktop-entry": "org.signal.Signal"})
        app.notify("Spotify", "Now playing", "Song 2", {"desktop-entry": "com.spotify.Client"})
        app.notify("Calendar", "Standup", "in 5 minutes", {"desktop-entry": "org.gnome.Calendar"})
        alerts = self.wait_alerts(4)
        self.assertEqual([(a["app"], a["class"], a["rule"]) for a in alerts],
                         [("thunderbird", "mail", "mail: thunderbird is in mail_apps"),
                          ("org.signal.Signal", "person", "person: Signal is in people_apps"),
                          ("com.spotify.Client", "noise", "noise: com.spotify.Client is in ignore_apps"),
                          ("org.gnome.Calendar", "alert", "alert: no rule says a response is owed")])
        self.assertEqual(list(alerts[0]), ["id", "session", "received_at", "app", "app_name", "summary", "body",
                                           "urgency", "category", "class", "rule", "path", "updates", "withdrawn"])
        self.assertRegex(self.ok("alerts"),
                         r"^Session 1, \d\d:\d\d–(?:\w+ )?\d\d:\d\d \(running\) · Review\n"
                         r"\d\d:\d\d:\d\d  thunderbird: Acme: 1 new message — Invoice Q3 from Ana Lima\n"
                         r"          mail: thunderbird is in mail_apps\n"
                         r"\d\d:\d\d:\d\d  org\.signal\.Signal: Ana Lima — are you free at 3\?\n"
                         r"          person: Signal is in people_apps\n"
                         r"\d\d:\d\d:\d\d  com\.spotify\.Client: Now playing — Song 2\n"
                         r"          noise: com\.spotify\.Client is in ignore_apps\n"
                         r"\d\d:\d\d:\d\d  org\.gnome\.Calendar: Standup — in 5 minutes\n"
                         r"          alert: no rule says a response is owed\n"
                         r"4 alerts held\.\n$")

    def test_alerts_show_the_text_people_saw(self):
        """A body is markup: listed, it is the text the server showed, its
        first line, and a CRLF's CR is no "?"; the JSON keeps it as sent."""
        self.ok("start", "10m")
        app = App(self)
        app.notify("KMail", "New mail", "From: Ana &lt;ana@x.org&gt;\nSubject: Q3", {})
        app.notify("Chat", "Bob", "<b>Tom</b> &amp; Jerry, a < b\r\nsecond line", {})
        # Text that starts with an empty line shows its first line with words; a lone CR is no "?".
        app.notify("Chat", "\n \r\nCarol\r", "\r\n\nback at 3\r", {})
        app.notify("Chat", "Dan", " \r\n", {})
        alerts = self.wait_alerts(4)
        self.assertEqual(alerts[0]["body"], "From: Ana &lt;ana@x.org&gt;\nSubject: Q3")
        self.assertRegex(self.ok("alerts"),
                         r"\d\d:\d\d:\d\d  KMail: New mail — From: Ana <ana@x\.org>\n.*\n"
                         r"\d\d:\d\d:\d\d  Chat: Bob — Tom & Jerry, a < b\n.*\n"
                         r"\d\d:\d\d:\d\d  Chat: Carol — back at 3\n.*\n"
                         r"\d\d:\d\d:\d\d  Chat: Dan\n")

    def test_other_processes_see_every_write(self):
        """Readers come and go (the CLI, scripts): the daemon's writes must stay visible to them."""
        self.ok("start", "10m")
        App(self).notify("A", "one", "")
        self.wait_alerts(1)
        for _ in range(3):
            self.db().close()  # a reader that was the last to close would checkpoint the WAL
        self.ok("stop")
        wait_until(lambda: self.sessions() and self.sessions()[0][4] == "stop", 5, "the end to be visible")

    def test_status_counts_alerts(self):
        ended = self.listen("SessionEnded")
        self.ok("start", "10m")
        App(self).notify("A", "one", "")
        wait_until(lambda: self.call("GetStatus")["alerts"] == 1, what="the count")
        # What ended says so too, in the reply and to listeners.
        stopped, status = self.call("Stop")
        self.assertEqual(status["alerts"], 1)
        wait_until(lambda: ended, what="SessionEnded")
        self.assertEqual(ended[0][1][0]["alerts"], 1)


def sockets_of(pid):
    """fd -> socket inode, for the connected unix sockets process pid holds
    (not a listening one, such as the daemon's direct socket)."""
    with open("/proc/net/unix") as f:
        next(f)
        listening = {"socket:[%s]" % cols[6] for cols in (line.split() for line in f) if int(cols[3], 16) & 0x10000}
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:") and target not in listening:
            out[int(fd)] = target
    return out


def shut_down_socket(pid, fd):
    """Cuts one of another process's connections, as a failing bus would."""
    import ctypes
    import socket
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        ours = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
        if ours < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        with socket.socket(fileno=ours) as s:
            s.shutdown(socket.SHUT_RDWR)
    finally:
        os.close(pidfd)


class MonitorLoss(CaptureCase):
    def test_reconnects_and_records_the_gap(self):
        self.ok("doctor")  # starts the daemon, without a session
        pid = self.bus.pid_of()
        self.ok("start", "10m")
        # The daemon's own connection is its first socket; the only other one
        # is the monitor's (made ahead of the session, or at its start), once
        # the connection `present start` called it on is closed.
        wait_until(lambda: len(sockets_of(pid)) == 2, what="the daemon to keep its bus and monitor connections alone")
        [monitor] = sorted(sockets_of(pid))[1:]
        App(self).notify("A", "before the loss", "")
        self.wait_alerts(1)
        shut_down_socket(pid, monitor)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM capture_gaps").fetchone()[0] == 1, 10,
                   "the gap to be recorded")
        App(self).notify("A", "after the loss", "")
        self.assertEqual([a["summary"] for a in self.wait_alerts(2)], ["before the loss", "after the loss"])
        # Where it happened: after the alert before it, before the one after it.
        self.assertRegex(self.ok("alerts"), r"  A: before the loss\n.*\n"
                                            r"\d\d:\d\d:\d\d  \(alerts not watched until \d\d:\d\d:\d\d: the monitor "
                                            r"connection was lost\)\n\d\d:\d\d:\d\d  A: after the loss\n")
        # The catch-up says it too: its counts and who is waiting leave out what came then.
        self.assertRegex(self.ok("catchup"), r"\nAlerts were not watched from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d \(the "
                                             r"monitor connection was lost\): what came in then is missing here\.\n")
        [gap] = json.loads(self.ok("catchup", "--json"))["session"]["gaps"]
        self.assertEqual(gap["reason"], "the monitor connection was lost")
        self.assertLessEqual(gap["from"], gap["to"])
        self.assertTrue(self.call("GetStatus")["active"])

    def test_the_daemon_answers_while_its_monitor_reconnects_to_a_stalled_bus(self):
        # The monitor is cut while the bus stalls: its reconnect waits on the
        # bus, and the daemon must answer meanwhile (the CLI reaches it
        # through its own socket, not the bus).
        self.ok("start", "10m")
        pid = self.bus.pid_of()
        wait_until(lambda: len(sockets_of(pid)) == 2, what="the daemon to keep its bus and monitor connections alone")
        [monitor] = sorted(sockets_of(pid))[1:]
        os.kill(self.bus.process.pid, signal.SIGSTOP)
        try:
            shut_down_socket(pid, monitor)
            time.sleep(1)  # the loss seen, and a reconnect under way
            r = self.present("extend", "5m", timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            os.kill(self.bus.process.pid, signal.SIGCONT)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM capture_gaps").fetchone()[0] == 1, 10,
                   "the gap to be recorded once the monitor is back")
        App(self).notify("A", "after the stall", "")
        self.assertEqual([a["summary"] for a in self.wait_alerts(1)], ["after the stall"])

    def test_a_monitor_refused_at_the_start_is_asked_again(self):
        # The connection made ahead for the next session is dropped by the
        # bus before the session asks on it: refused once is not for good.
        self.ok("doctor")
        pid = self.bus.pid_of()
        wait_until(lambda: len(sockets_of(pid)) == 2, what="the daemon's connection made ahead")
        [spare] = sorted(sockets_of(pid))[1:]
        shut_down_socket(pid, spare)
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("present keeps asking", r.stderr)
        wait_until(lambda: self.db().execute("SELECT count(*) FROM capture_gaps").fetchone()[0] == 1, 10,
                   "the gap to be recorded")
        self.assertNotIn("alerts are not being held", self.ok("status"))
        App(self).notify("A", "once watched", "")
        self.assertEqual([a["summary"] for a in self.wait_alerts(1)], ["once watched"])
        [gap] = json.loads(self.ok("catchup", "--json"))["session"]["gaps"]
        self.assertEqual(gap["reason"], "the bus did not let present watch at the start")


class TwoLogins(CaptureCase):
    """The same user logged in twice: two session buses, two daemons, one store."""

    def test_alerts_from_both_are_kept_apart(self):
        self.ok("doctor")  # this login's daemon, idle, its alert writer made ahead
        here = self.bus
        self.bus = harness.PrivateBus(os.path.join(self.root, "login2"),
                                      dirs={"XDG_STATE_HOME": here.env["XDG_STATE_HOME"]})
        self.addCleanup(self.bus.close)
        try:
            self.start_mock("dnd_servers", server="dunst")
            self.ok("start", "10m", "--label", "elsewhere")
            app = App(self)
            for i in range(3):
                app.notify("Signal", "Bob", "message %d" % i, {"desktop-entry": "org.signal.Signal"})
            self.wait_alerts(3)
            self.ok("stop")
        finally:
            self.bus = here
        self.ok("start", "10m", "--label", "here")
        app = App(self)
        first = app.notify("Thunderbird", "New message from Ana", "Invoice", {"desktop-entry": "thunderbird"})
        app.notify("Thunderbird", "New message from Ana", "Invoice, again", {"desktop-entry": "thunderbird"})
        app.close(first)
        wait_until(lambda: self.query("SELECT count(*) FROM alerts WHERE withdrawn_at IS NOT NULL") == [(1,)],
                   what="the first mail to be withdrawn")
        self.ok("stop")
        rows = self.query("SELECT s.label, a.body, a.withdrawn_at IS NOT NULL FROM alerts a "
                          "JOIN sessions s ON s.id = a.session_id ORDER BY a.received_at")
        self.assertEqual(rows, [("elsewhere", "message 0", 0), ("elsewhere", "message 1", 0),
                                ("elsewhere", "message 2", 0), ("here", "Invoice", 1), ("here", "Invoice, again", 0)])
        self.assertNotIn("not stored", here.read_log())


class NoStore(BusTestCase):
    def test_alerts_before_any_session(self):
        self.assertEqual(self.ok("alerts"), "No session yet: nothing was held.\n")
        self.assertEqual(self.ok("alerts", "--json"), "[]\n")


if __name__ == "__main__":
    harness.main()
