"""Holding alerts against the real servers: dunst 1.9 (Xvfb) and GNOME Shell 43
(headless). Apps send from connections of their own, as real apps do; the
store must hold exactly one record per alert, whatever hops the server adds
(GNOME's gjs proxy forwards every Notify to the shell), updates and
withdrawals included, and never present's own notifications."""
import json
import os
import select
import subprocess
import time

import dbus

import real
import servers
from harness import PYTHON
from real import RealTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"



def markup(text):
    """g_markup_escape_text(): a body is markup for a server that says body-markup (dunst and GNOME do)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&quot;"))


# Shaped like the real clients (see /work/shared/reference/alerts.md): (app_name, summary, body, hints).
# Thunderbird (Gecko): the text as is, app_name its brand name, desktop-entry its remoting name.
THUNDERBIRD = ("Thunderbird", "Acme: 1 new message", "Invoice Q3 from Ana Lima", {"desktop-entry": "thunderbird"})
# Evolution's mail-notification module: one notification, updated as mail
# comes (replaces_id), its text escaped with g_markup_escape_text().
EVOLUTION_HINTS = {"desktop-entry": "org.gnome.Evolution", "urgency": dbus.Byte(1)}
EVOLUTION_1 = ("evolution-mail-notification", "New email in Evolution", markup(
    "You have received 1 new message.\nFrom: Bob Stone <bob@example.com>\nSubject: Contract draft\n"
    "Folder: Acme : Inbox"), EVOLUTION_HINTS)
EVOLUTION_2 = ("evolution-mail-notification", "New email in Evolution", markup(
    "You have received 2 new messages.\nFrom: Dana Reyes <dana@example.com>\nSubject: Lunch & budget\n"
    "Folder: Acme : Inbox\n(and 1 more)"), EVOLUTION_HINTS)
EVOLUTION_ACTIONS = ["default", "Show Inbox", "mark-read", "Mark as read"]  # "mark-read" while there is one
SIGNAL = ("Signal", "Carla Souza", "are you free at 3?", {"desktop-entry": "signal-desktop"})
# The rules that classify them with the default lists.
MAIL_THUNDERBIRD = "mail: thunderbird is in mail_apps"
PERSON_SIGNAL = "person: Signal is in people_apps"
NOISE_NETWORK = "noise: category network.connected"
NETWORK = ("NetworkManager", "Connection Established", "You are now connected to \u201cOffice\u201d.",
           {"category": "network.connected"})


def now_ms():
    return int(time.time() * 1000)


class App:
    """An application: a bus connection of its own, calling the server as libnotify does."""

    def __init__(self, test):
        self.bus = dbus.bus.BusConnection(test.bus.address)
        test.addCleanup(self.bus.close)
        self.name = self.bus.get_unique_name()

    def notify(self, app_name, summary, body="", hints=None, replaces=0, actions=()):
        server = self.bus.get_object(NOTIFICATIONS, PATH, introspect=False)
        return int(server.Notify(app_name, dbus.UInt32(replaces), "", summary, body, dbus.Array(actions, signature="s"),
                                 dbus.Dictionary(hints or {}, signature="sv"), dbus.Int32(-1),
                                 dbus_interface=NOTIFICATIONS))

    def close(self, server_id):
        self.bus.get_object(NOTIFICATIONS, PATH, introspect=False).CloseNotification(
            dbus.UInt32(server_id), dbus_interface=NOTIFICATIONS)


# A real GLib application: Gio.Application.send_notification() picks GLib's
# own backend (org.gtk.Notifications where the desktop owns it, GNOME; the
# freedesktop Notify elsewhere). Commands come as JSON lines on stdin; each is
# answered once what it sent has been routed by the bus (a call to the bus
# after it) and answered by the server (a call to the server after it: GLib
# needs the Notify's id to replace it later).
GIO_APP = r"""
import json, sys
from gi.repository import Gio, GLib

app_id, name = sys.argv[1], sys.argv[2]
GLib.set_application_name(name)
app = Gio.Application(application_id=app_id, flags=Gio.ApplicationFlags.FLAGS_NONE)
app.register(None)
conn = app.get_dbus_connection()
ctx = GLib.MainContext.default()

def call(dest, path, iface, member, args=None):
    return conn.call_sync(dest, path, iface, member, args, None, Gio.DBusCallFlags.NONE, 10000, None)

print("ready " + conn.get_unique_name(), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "send":
        n = Gio.Notification.new(cmd["title"])
        n.set_body(cmd["body"])
        app.send_notification(cmd["id"], n)
    else:
        app.withdraw_notification(cmd["id"])
    while ctx.pending():
        ctx.iteration(False)
    conn.flush_sync(None)
    call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId")
    if cmd.get("fdo"):
        call("org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
             "GetServerInformation")
    while ctx.pending():
        ctx.iteration(False)
    print("done", flush=True)
"""


class GioApp:
    """A Gio.Application in a process of its own (python3-gi), killed at teardown."""

    def __init__(self, test, app_id, name, fdo=False):
        self.fdo = fdo  # the freedesktop backend: wait for the server's answer too
        self.proc = test.bus.spawn([PYTHON, "-c", GIO_APP, app_id, name], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        test.addCleanup(self.proc.stdin.close)
        test.addCleanup(self.proc.stdout.close)
        self.name = self.read_line("ready ")

    def read_line(self, prefix, timeout=10):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith(prefix):
            raise AssertionError("the GLib app said %r (exit %s), not %r" % (line, self.proc.poll(), prefix))
        return line[len(prefix):].strip()

    def command(self, **cmd):
        self.proc.stdin.write(json.dumps(dict(cmd, fdo=self.fdo)) + "\n")
        self.proc.stdin.flush()
        self.read_line("done")

    def send(self, notification_id, title, body):
        self.command(op="send", id=notification_id, title=title, body=body)

    def withdraw(self, notification_id):
        self.command(op="withdraw", id=notification_id)


class CaptureCase(RealTestCase):
    """The store, read back both ways: `present alerts --json` and SQLite."""

    maxDiff = None

    def alerts(self, *args):
        return json.loads(self.ok("alerts", "--json", *args))

    def wait_alerts(self, n, *args):
        try:
            return wait_until(lambda: len(self.alerts(*args)) == n and self.alerts(*args), 5, "%d alerts held" % n)
        except AssertionError:
            held = self.alerts(*args)
            raise AssertionError("%d alerts held, not %d: %s" % (len(held), n, held)) from None

    def assert_alerts(self, got, expected, sent_from, sent_to):
        """`present alerts --json` exactly, but for received_at: after they were sent, before they were read."""
        for a in got:
            self.assertRegex(a.pop("received_at"), ISO)
        self.assertEqual(got, expected)
        for (received_at,) in self.query("SELECT received_at FROM alerts WHERE id IN (%s)" % ",".join(
                str(a["id"]) for a in expected)):
            self.assertTrue(sent_from <= received_at <= sent_to, (sent_from, received_at, sent_to))

    def start_session(self):
        out = self.ok("start", "10m")
        self.assert_started(out, self.title, tail=self.muted)


def record(id, app, app_name, summary, body, rule, urgency=None, category=None, path="notify", updates=0,
           withdrawn=False, session=1):
    """An alert as `present alerts --json` lists it; its class is what its rule begins with."""
    return {"id": id, "session": session, "app": app, "app_name": app_name, "summary": summary, "body": body,
            "urgency": urgency, "category": category, "class": rule.split(":")[0], "rule": rule, "path": path,
            "updates": updates, "withdrawn": withdrawn}


class Contract:
    """What every server must show; the class defines title, muted, start_servers(), and what the
    server itself got: assert_server_holds(summaries, bodies) (every alert but the withdrawn),
    assert_summary_shown() and assert_reminder_shown() (present's own)."""

    muted = ""

    def setUp(self):
        super().setUp()
        self.start_servers()

    def test_notify_replaced_withdrawn_each_once(self):
        self.start_session()
        thunderbird, evolution, signal, network = App(self), App(self), App(self), App(self)
        sent_from = now_ms()
        tb_id = thunderbird.notify(*THUNDERBIRD)
        # Evolution updates one notification as mail keeps coming; Signal takes
        # back what was read on the phone. Neither waits for anything: the ids
        # they use are the ones the server just answered.
        evo_id = evolution.notify(*EVOLUTION_1, actions=EVOLUTION_ACTIONS)
        self.assertEqual(evolution.notify(*EVOLUTION_2, replaces=evo_id, actions=EVOLUTION_ACTIONS[:2]), evo_id)
        signal_id = signal.notify(*SIGNAL)
        signal.close(signal_id)
        # Last: every hop of what came before (the proxy forwards a Notify
        # before the app gets its answer) is on the bus before this one.
        net_id = network.notify(*NETWORK)

        got = self.wait_alerts(4)
        self.assert_alerts(got, [
            record(1, "thunderbird", "Thunderbird", THUNDERBIRD[1], THUNDERBIRD[2], MAIL_THUNDERBIRD),
            record(2, "org.gnome.Evolution", "evolution-mail-notification", EVOLUTION_2[1], EVOLUTION_2[2],
                   "mail: org.gnome.Evolution is in mail_apps", urgency=1,
                   updates=1),
            record(3, "signal-desktop", "Signal", SIGNAL[1], SIGNAL[2], PERSON_SIGNAL, withdrawn=True),
            record(4, "NetworkManager", "NetworkManager", NETWORK[1], NETWORK[2], NOISE_NETWORK,
                   category="network.connected"),
        ], sent_from, now_ms())
        rows = self.query("SELECT id, caller, server_id, notification_id, updated_at IS NOT NULL, "
                          "withdrawn_at IS NOT NULL, refused, class FROM alerts ORDER BY id")
        self.assertEqual(rows, [
            (1, thunderbird.name, tb_id, None, 0, 0, None, "mail"),
            (2, evolution.name, evo_id, None, 1, 0, None, "mail"),
            (3, signal.name, signal_id, None, 0, 1, None, "person"),
            (4, network.name, net_id, None, 0, 0, None, "noise"),
        ])
        self.assertEqual(len({tb_id, evo_id, signal_id, net_id}), 4)
        self.assert_server_holds([THUNDERBIRD[1], EVOLUTION_2[1], NETWORK[1]],
                                 [THUNDERBIRD[2], EVOLUTION_2[2], NETWORK[2]])
        self.assertEqual(self.call("GetStatus")["alerts"], 4)

    def test_same_text_from_two_apps_is_two_alerts(self):
        """Ana writes "ok" on Signal and on Slack in the same second: two
        alerts, two responses owed. (A hop of one alert has the same text
        too, but it is the same app.)"""
        self.start_session()
        signal, slack = App(self), App(self)
        sent_from = now_ms()
        signal.notify("Signal", "Ana Lima", "ok", {"desktop-entry": "signal-desktop"})
        slack.notify("Slack", "Ana Lima", "ok", {"desktop-entry": "slack"})
        App(self).notify(*NETWORK)  # after every hop of the two
        got = self.wait_alerts(3)
        self.assert_alerts(got, [
            record(1, "signal-desktop", "Signal", "Ana Lima", "ok", PERSON_SIGNAL),
            record(2, "slack", "Slack", "Ana Lima", "ok", "person: slack is in people_apps"),
            record(3, "NetworkManager", "NetworkManager", NETWORK[1], NETWORK[2], NOISE_NETWORK,
                   category="network.connected"),
        ], sent_from, now_ms())
        self.assertEqual(self.query("SELECT app, sender, count FROM owed ORDER BY id"),
                         [("signal-desktop", "Ana Lima", 1), ("slack", "Ana Lima", 1)])

    def test_own_notifications_are_not_alerts(self):
        """The summary at the end, and a reminder that falls due during the
        next session, go through the same server: neither is an alert. The
        reminder waits for that session's end, held by present, not by the
        server."""
        self.start_session()
        App(self).notify(*SIGNAL)
        self.wait_alerts(1)
        self.ok("stop")  # "While you were present (...)", while nothing is watched
        self.assert_summary_shown()
        # Carla's reminder comes due at once (2 h before a deadline 2 h away),
        # once the snooze below puts it 1 s off: that is, during session 2.
        self.write_config('owed = { remind_ack_before = "2h"; };\n')
        self.start_session()
        self.assertRegex(self.ok("snooze", "1", "1s"), r"^Snoozed #1 \(Carla Souza · are you free at 3\?\)")
        # After the snooze's due time, and all that present could have sent: the only alert of session 2.
        time.sleep(1.5)
        sent_from = now_ms()
        App(self).notify(*NETWORK)
        got = self.wait_alerts(1)
        self.assert_alerts(got, [record(2, "NetworkManager", "NetworkManager", NETWORK[1], NETWORK[2], NOISE_NETWORK,
                                        category="network.connected", session=2)], sent_from, now_ms())
        self.assertEqual(self.query("SELECT reminded FROM owed"), [(0,)], "a reminder given during the session")
        self.ok("stop")
        wait_until(lambda: self.query("SELECT reminded FROM owed") == [(1,)], 10, "the reminder")
        self.assert_reminder_shown()
        self.assertEqual(self.query("SELECT session_id, app_name FROM alerts ORDER BY id"),
                         [(1, "Signal"), (2, "NetworkManager")])


class Dunst(Contract, CaptureCase):
    title = "dunst"

    def start_servers(self):
        self.dunst = self.start_server(servers.Dunst)

    def assert_server_holds(self, summaries, bodies):
        # Paused: dunst holds them back, all but the withdrawn one.
        wait_until(lambda: self.dunst.counts() == {"waiting": len(summaries), "displayed": 0, "history": 1}, 5,
                   "dunst to hold %d alerts and to have closed the withdrawn one" % len(summaries))

    def assert_summary_shown(self):
        # Unpaused: dunst shows what it held, and the summary; closed, they go to the history.
        wait_until(lambda: self.dunst.counts() == {"waiting": 0, "displayed": 2, "history": 0}, 5,
                   "dunst to show the held alert and the summary")
        self.dunst.close_all()
        wait_until(lambda: sorted((str(e["appname"]), str(e["summary"])[:23]) for e in self.dunst.bus.get_object(
            NOTIFICATIONS, PATH).NotificationListHistory(dbus_interface=self.dunst.CMD_IFACE))
            == [("Signal", "Carla Souza"), ("present", "While you were present ")], 5, "both in dunst's history")

    def assert_reminder_shown(self):
        # Unpaused: closed, what dunst showed goes to its history.
        wait_until(lambda: self.dunst.counts()["displayed"] >= 1, 5, "dunst to show the reminder")
        self.dunst.close_all()
        wait_until(lambda: ("present", "Carla Souza is waiting (signal-desktop)") in [
            (str(e["appname"]), str(e["summary"])) for e in self.dunst.bus.get_object(
                NOTIFICATIONS, PATH).NotificationListHistory(dbus_interface=self.dunst.CMD_IFACE)], 5,
            "the reminder in dunst's history")


# The shell refuses a GNotification (org.gtk.Notifications.InvalidApp) from an
# app id it has no .desktop file for, and sees a file written after it
# started only seconds later: they are in place before it starts.
GNOME_APPS = {"org.gnome.Geary": "Geary", "org.gnome.Calendar": "Calendar"}


class GnomeShellWithApps(servers.GnomeShell):
    def _start(self):
        apps = self.path("data", "applications")
        os.makedirs(apps)
        for app_id, name in GNOME_APPS.items():
            with open(os.path.join(apps, app_id + ".desktop"), "w") as f:
                f.write("[Desktop Entry]\nType=Application\nName=%s\nExec=true %%u\n" % name)
        super()._start()


class GnomeShell(Contract, CaptureCase):
    title = "GNOME Shell"
    muted = " · mail muted: Geary"
    service_names = servers.GnomeShell.SERVICES

    def start_servers(self):
        self.gnome = self.start_server(GnomeShellWithApps)
        self.bus.env.update(self.gnome.env)
        for app_id in GNOME_APPS:
            wait_until(lambda a=app_id: self.gnome.eval(
                "Shell.AppSystem.get_default().lookup_app('%s.desktop') !== null" % a) == "true", 10,
                "the shell to know %s" % app_id)

    def tray(self):
        """{source title: [(title, body)]}: what the shell holds in its message tray."""
        return {title: [tuple(n) for n in notes] for title, notes in json.loads(json.loads(self.gnome.eval(
            "JSON.stringify(Main.messageTray.getSources().map(s => "
            "[s.title, s.notifications.map(n => [n.title, n.bannerBodyText])]))")))}

    def assert_server_holds(self, summaries, bodies):
        def held():
            tray = self.tray()
            tray.pop("System Information", None)  # the shell's own, about running as root
            return sorted(n for notes in tray.values() for n in notes)
        expected = sorted(zip(summaries, bodies))
        wait_until(lambda: held() == expected, 5, "the shell to hold %s" % expected)

    def assert_summary_shown(self):
        wait_until(lambda: [t[:23] for t, _ in self.tray().get("present", [])] == ["While you were present "], 5,
                   "the shell to hold the summary")
        # The shell gave it an id: no daemon is to show it again.
        self.wait_summary_taken(5)

    def assert_reminder_shown(self):
        wait_until(lambda: "Carla Souza is waiting (signal-desktop)" in [t for t, _ in self.tray().get("present", [])],
                   5, "the shell to take the reminder")

    def test_gnotification_once(self):
        """GLib apps on GNOME: GLib picks org.gtk.Notifications (the shell owns
        it), and the shell takes it itself: no second hop."""
        self.start_session()
        geary = GioApp(self, "org.gnome.Geary", "Geary")
        calendar = GioApp(self, "org.gnome.Calendar", "Calendar")
        sent_from = now_ms()
        # Geary: one notification, "email-arrived", updated as mail comes and
        # withdrawn once it is read.
        geary.send("email-arrived", "Ana Lima", "Re: contract")
        wait_until(lambda: ("Ana Lima", "Re: contract") in self.tray().get("Geary", []), 5,
                   "the shell to accept Geary's notification")
        geary.send("email-arrived", "Bob Stone", "Invoice 2211")
        calendar.send("event-reminder", "Standup in 5 minutes", "Room 4")
        geary.withdraw("email-arrived")
        wait_until(lambda: not self.tray().get("Geary") and self.tray().get("Calendar"), 5,
                   "the shell to drop Geary's and to hold Calendar's")
        self.assertEqual(self.tray()["Calendar"], [("Standup in 5 minutes", "Room 4")])
        # Routed after everything the apps sent.
        App(self).notify(*NETWORK)
        got = self.wait_alerts(3)
        self.assert_alerts(got, [
            record(1, "org.gnome.Geary", None, "Bob Stone", "Invoice 2211", "mail: org.gnome.Geary is in mail_apps",
                   urgency=1, path="gtk", updates=1, withdrawn=True),
            record(2, "org.gnome.Calendar", None, "Standup in 5 minutes", "Room 4",
                   "alert: no rule says a response is owed", urgency=1, path="gtk"),
            record(3, "NetworkManager", "NetworkManager", NETWORK[1], NETWORK[2], NOISE_NETWORK,
                   category="network.connected"),
        ], sent_from, now_ms())
        self.assertEqual(self.query("SELECT id, caller, notification_id, server_id, class FROM alerts "
                                    "WHERE path = 'gtk' ORDER BY id"), [
            (1, geary.name, "email-arrived", None, "mail"),
            (2, calendar.name, "event-reminder", None, "alert"),
        ])
        # Both of Geary's messages are owed, each once.
        self.assertEqual(self.query("SELECT app, sender, subject, count FROM owed ORDER BY id"),
                         [("org.gnome.Geary", "Ana Lima", "Re: contract", 1),
                          ("org.gnome.Geary", "Bob Stone", "Invoice 2211", 1)])


if __name__ == "__main__":
    real.main()
