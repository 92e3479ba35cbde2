"""Do-not-disturb through each backend's protocol, against dbusmock servers.

The real servers prove the product (tests/real); these prove the protocol
and the restore rules quickly, for every backend that speaks D-Bus.
"""
import fcntl
import glob
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time

import dbus

import harness
from harness import BusTestCase, wait_until

NOTIFICATIONS = "org.freedesktop.Notifications"
DBUSMOCK = "org.freedesktop.DBus.Mock"


class Server:
    """How a test reads and sets one mock server's do-not-disturb."""

    names = ()  # bus names the server owns besides the notification name

    def __init__(self, test):
        self.test = test

    def obj(self, name, path):
        return self.test.bus.connection.get_object(name, path)


class Dunst(Server):
    template, params, title = "dnd_servers", {"server": "dunst"}, "dunst"

    def get(self):
        return bool(self.obj(NOTIFICATIONS, "/org/freedesktop/Notifications").Get(
            "org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def set(self, on):
        self.obj(NOTIFICATIONS, "/org/freedesktop/Notifications").Set(
            "org.dunstproject.cmd0", "paused", dbus.Boolean(on), signature="ssv",
            dbus_interface=dbus.PROPERTIES_IFACE)


class Mako(Server):
    template, params, title = "dnd_servers", {"server": "mako"}, "mako"

    def modes(self):
        return [str(m) for m in self.obj(NOTIFICATIONS, "/fr/emersion/Mako").ListModes(
            dbus_interface="fr.emersion.Mako")]

    def get(self):
        return "do-not-disturb" in self.modes()

    def set(self, on):
        modes = [m for m in self.modes() if m != "do-not-disturb"] + (["do-not-disturb"] if on else [])
        self.obj(NOTIFICATIONS, "/fr/emersion/Mako").SetModes(
            dbus.Array(modes, signature="s"), dbus_interface="fr.emersion.Mako")


class Swaync(Server):
    template, params, title = "dnd_servers", {"server": "swaync"}, "SwayNotificationCenter"
    names = ("org.erikreider.swaync.cc",)

    def cc(self):
        return self.obj("org.erikreider.swaync.cc", "/org/erikreider/swaync/cc")

    def get(self):
        return bool(self.cc().GetDnd(dbus_interface="org.erikreider.swaync.cc"))

    def set(self, on):
        self.cc().SetDnd(dbus.Boolean(on), dbus_interface="org.erikreider.swaync.cc")


class Xfce(Server):
    template, params, title = "dnd_servers", {"server": "xfce"}, "xfce4-notifyd"
    names = ("org.xfce.Xfconf",)

    def xfconf(self):
        return self.obj("org.xfce.Xfconf", "/org/xfce/Xfconf")

    def raw(self):
        """The property's value, or None while it was never set."""
        try:
            return bool(self.xfconf().GetProperty("xfce4-notifyd", "/do-not-disturb",
                                                  dbus_interface="org.xfce.Xfconf"))
        except dbus.DBusException as e:
            if e.get_dbus_name() == "org.xfce.Xfconf.Error.PropertyNotFound":
                return None
            raise

    def get(self):
        return bool(self.raw())

    def set(self, on):
        self.xfconf().SetProperty("xfce4-notifyd", "/do-not-disturb", dbus.Boolean(on, variant_level=1),
                                  dbus_interface="org.xfce.Xfconf")


class Contract:
    """The rules every backend keeps; mixed into one TestCase per server."""

    server = None
    restarts = True  # the switch lives in the server's memory

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako"), exist_ok=True)
        with open(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"), "w") as f:
            f.write("[mode=do-not-disturb]\ninvisible=1\n")
        self.s = self.server(self)
        self.start_server()

    def start_server(self, **parameters):
        self.mock = self.start_mock(self.s.template, **self.s.params, **parameters)
        for name in self.s.names:
            wait_until(lambda: self.bus.has_owner(name), what=name)

    def test_on_during_off_after(self):
        self.assertFalse(self.s.get())
        out = self.ok("start", "10m")
        self.assertIn("· do-not-disturb on (%s)" % self.s.title, out)
        self.assertTrue(self.s.get())
        self.ok("stop")
        self.assertFalse(self.s.get())

    def test_prior_on_stays_on(self):
        self.s.set(True)
        self.assertIn("· do-not-disturb already on (%s)" % self.s.title, self.ok("start", "10m"))
        self.ok("stop")
        self.assertTrue(self.s.get())

    def test_turned_off_by_hand_stays_off(self):
        self.ok("start", "10m")
        self.s.set(False)
        self.ok("stop")
        self.assertFalse(self.s.get())

    def test_timer_end_puts_it_back(self):
        self.ok("start", "2s")
        self.assertTrue(self.s.get())
        wait_until(lambda: not self.s.get(), 8, "the timer end to put do-not-disturb back")
        # The desktop comes back first; the record follows.
        wait_until(lambda: self.sessions()[0][4] == "timer", 5, "the session to be recorded as ended")

    def test_sigkill_then_present_restore(self):
        self.ok("start", "10m")
        self.kill_daemon()
        self.assertTrue(self.s.get(), "nothing may put it back but present")
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.s.get())
        self.assertFalse(self.bus.has_owner(), "restore must not start a daemon")
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")
        self.assertEqual(self.sessions()[0][4], "interrupted")

    def test_sigkill_then_the_shortcut_or_the_bar_puts_it_back(self):
        # No systemd to run the restore when the daemon dies: what the user
        # does next, believing the session still runs, must end it.
        for verb, says in (("stop", "Put back 1 do-not-disturb change.\n"),
                           ("toggle", "Put back 1 do-not-disturb change.\n"),
                           ("status", "Not in a session.\n")):
            self.ok("start", "10m")
            self.kill_daemon()
            self.assertTrue(self.s.get())
            self.assertEqual(self.ok(verb), says, verb)
            self.assertFalse(self.s.get(), verb)
            self.assertEqual(self.sessions()[-1][4], "interrupted", verb)
            self.assertEqual(len(self.sessions()), 3 if verb == "status" else 2 if verb == "toggle" else 1, verb)
            self.assertTrue(self.bus.has_owner(), "%s must have a daemon sum the session up" % verb)
            self.assertFalse(self.call("GetStatus")["active"], verb)
        self.assertEqual(self.ok("stop"), "No session is running.\n")

    def test_power_loss_then_the_shortcut_puts_it_back(self):
        # The machine lost power in a session: $XDG_RUNTIME_DIR starts empty,
        # the daemon's status file and socket with it, and only the store
        # tells. The key pressed to end the silence must end it, as a stop
        # does, not put it back and then silence the desktop for another hour.
        for verb in ("stop", "toggle"):
            self.ok("start", "10m")
            self.kill_daemon()
            runtime = os.path.join(self.bus.env["XDG_RUNTIME_DIR"], "present")
            for name in os.listdir(runtime):
                os.unlink(os.path.join(runtime, name))
            self.assertTrue(self.s.get())
            self.assertEqual(self.ok(verb), "Put back 1 do-not-disturb change.\n", verb)
            self.assertFalse(self.s.get(), verb)
            self.assertEqual(self.sessions()[-1][4], "interrupted", verb)
            self.assertIsNotNone(self.sessions()[-1][3], verb)
            # Started to sum the session up, as after any end; it runs none.
            self.assertTrue(self.bus.has_owner(), "%s must have a daemon sum the session up" % verb)
            self.assertFalse(self.call("GetStatus")["active"], verb)
        self.assertEqual(len(self.sessions()), 2)
        self.assertIn("do-not-disturb on", self.ok("toggle"))

    def test_power_loss_then_the_next_login_puts_it_back(self):
        # The machine lost power in a session, came back, and the user logged
        # in: a new bus, an empty $XDG_RUNTIME_DIR, the store and the settings
        # as they were. Before any key is pressed, the session's autostart
        # entry puts back a switch that outlived the power cut, and only that.
        self.ok("start", "10m", "--label", "Meeting")
        self.kill_daemon()
        old = self.bus
        old.close()
        self.bus = harness.PrivateBus(os.path.join(self.root, "next-boot"), dirs={
            k: old.env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")})
        self.start_server()
        # Kept in settings, present's; in memory, the new server's, so the user's own.
        self.s.set(True)
        r = self.login()
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: self.query("SELECT count(*) FROM dnd_changes") == [(0,)], 5, "the change to be taken over")
        self.assertEqual(self.s.get(), self.restarts)
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("Meeting", "interrupted")])
        self.assertEqual(self.ok("status"), "Not in a session.\n")

    def test_sigkill_then_next_start_puts_it_back_first(self):
        self.ok("start", "10m")
        self.kill_daemon()
        self.s.set(True)  # still on, as the dead daemon left it
        self.assertIn("do-not-disturb on", self.ok("start", "5m"))
        self.ok("stop")
        self.assertFalse(self.s.get())

    def test_sigkill_then_another_server_process(self):
        # The daemon dies, and the server is another process by the restore,
        # one the user silenced by hand.
        self.ok("start", "10m")
        self.kill_daemon()
        self.kill_mock()
        self.start_server()
        self.s.set(True)
        r = self.present("restore")
        self.assertEqual(r.returncode, 0, r.stderr)
        dropped = re.findall(r"^present-daemon: info: not putting back %s: the server that had it "
                             r"\(:[0-9]+\.[0-9]+ on bus [0-9a-f]{32}\) is gone, and the switch with it; its record "
                             r"is dropped, nothing touched$" % re.escape(self.s.title), r.stderr, re.M)
        if self.restarts:
            # Its switch lived in the process that died: this one's is the user's.
            self.assertEqual(r.stdout, "Nothing to restore: the desktop is as you left it.\n")
            self.assertEqual(len(dropped), 1, r.stderr)
            self.assertTrue(self.s.get())
        else:
            # Kept in settings, it outlived the server, and is put back on whichever runs.
            self.assertEqual(r.stdout, "Put back 1 do-not-disturb change.\n")
            self.assertEqual(dropped, [], r.stderr)
            self.assertFalse(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        self.assertEqual(self.sessions()[0][4], "interrupted")

    def test_sigkill_then_a_new_start_leaves_another_processs_switch_alone(self):
        if not self.restarts:
            self.skipTest("the switch outlives the server")
        self.ok("start", "10m")
        self.kill_daemon()
        self.kill_mock()
        self.start_server()
        self.s.set(True)
        # The user's own, found on: the session leaves it on.
        self.assertIn("· do-not-disturb already on (%s)" % self.s.title, self.ok("start", "5m"))
        self.ok("stop")
        self.assertTrue(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_server_restart_gets_it_again(self):
        if not self.restarts:
            self.skipTest("the switch outlives the server")
        self.ok("start", "10m")
        harness.kill_group(self.mock)
        wait_until(lambda: not self.bus.has_owner(NOTIFICATIONS), what="the server to go")
        self.start_server()
        wait_until(self.s.get, 5, "do-not-disturb on the restarted server")
        self.ok("stop")
        self.assertFalse(self.s.get())

    def test_server_restart_that_registers_late_gets_it_again(self):
        if not self.restarts:
            self.skipTest("the switch outlives the server")
        self.ok("start", "10m")
        changed = self.listen("SessionChanged")
        harness.kill_group(self.mock)
        wait_until(lambda: not self.bus.has_owner(NOTIFICATIONS), what="the server to go")
        # It owns the notification name before its object answers: the first look fails.
        self.start_server(late="object")
        wait_until(lambda: [a for _, (a,) in changed if a.get("dnd_state") == "failed"], 5, "the first look to fail")
        self.assertFalse(self.s.get())
        self.mock_register()
        wait_until(self.s.get, 8, "do-not-disturb on the server once it answers")
        wait_until(lambda: self.call("GetStatus")["dnd_state"] == "on", 5, "the session to say so")
        self.ok("stop")
        self.assertFalse(self.s.get())

    def mock_register(self):
        """The mock server, started "late", registers what it withheld."""
        self.notifications().Register(dbus_interface="org.example.Mock")

    def test_server_restart_leaves_the_users_own_switch_as_they_set_it(self):
        if self.restarts:
            self.skipTest("the switch dies with the server")
        self.s.set(True)  # the user's own, before the session
        self.assertIn("do-not-disturb already on", self.ok("start", "10m"))
        self.s.set(False)  # and turned off by hand during it
        harness.kill_group(self.mock)
        wait_until(lambda: not self.bus.has_owner(NOTIFICATIONS), what="the server to go")
        self.start_server()
        wait_until(lambda: "notification server changed" in self.bus.read_log(), 5, "the daemon to see the new server")
        self.assertFalse(self.s.get())
        self.ok("stop")
        self.assertFalse(self.s.get())

    def test_restore_while_running_ends_the_session(self):
        self.ok("start", "10m", "--label", "Acme")
        # The user hears that the meeting ended, and what was put back.
        self.assertRegex(self.ok("restore"),
                         r"^Session ended after \d+ s · Acme\nPut back 1 do-not-disturb change\.\n$")
        self.assertFalse(self.s.get())
        # The reply comes once the desktop is back; the record follows.
        wait_until(lambda: self.sessions()[0][4] == "restore", 5, "the session recorded as ended by restore")
        self.assertFalse(self.call("GetStatus")["active"])
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")

    def test_restore_replies_with_the_session_it_ended(self):
        self.ok("start", "10m", "--label", "Acme")
        restored, session = self.call("Restore")
        self.assertEqual(restored, 1)
        self.assertEqual((session["active"], session["label"], session["dnd_state"]), (True, "Acme", "on"))
        self.assertEqual(self.call("Restore"), (0, {"active": False}))

    def test_doctor_tries_the_switch(self):
        out = self.ok("doctor")
        self.assertIn("ok       backend: %s (detected)\n" % self.s.title, out)
        self.assertIn("ok       do-not-disturb: %s: set, read back and put back\n" % self.s.title, out)
        self.assertFalse(self.s.get())
        self.ok("start", "10m")
        self.assertIn("ok       do-not-disturb: %s: on for the running session, so not tried now\n" % self.s.title,
                      self.ok("doctor"))

    def assert_not_silenced(self, r):
        """A start whose do-not-disturb was refused: exit 3, and why on stderr; returns the reason."""
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("· do-not-disturb FAILED", r.stdout)
        m = re.fullmatch(r"present: do-not-disturb could not be turned on: (org\.\S+ \w+: do-not-disturb refused by "
                         r"the test)\npresent: the session is running all the same, and alerts are still held \(they "
                         r"may show meanwhile\)\n", r.stderr)
        self.assertTrue(m, r.stderr)
        return m.group(1)

    def test_refused_says_why(self):
        self.kill_mock()
        self.start_server(refuse_on="refused")
        why = self.assert_not_silenced(self.present("start", "10m"))
        dnd = json.loads(self.ok("status", "--json"))["dnd"]
        self.assertEqual((dnd["state"], dnd["note"]), ("failed", why))
        self.assertFalse(self.s.get())
        self.assertTrue(self.call("GetStatus")["active"], "the session runs all the same")
        # Not "on for the running session", which would hide what to fix.
        self.assertIn("warning  do-not-disturb: %s: the running session could not turn it on ('present status' says "
                      "why); not tried now\n" % self.s.title, self.present("doctor").stdout)
        self.ok("stop")
        self.assertFalse(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_refused_at_a_toggle_says_why(self):
        self.kill_mock()
        self.start_server(refuse_on="refused")
        self.assert_not_silenced(self.present("toggle", "10m"))
        self.assertRegex(self.ok("toggle"), r"^Session ended after \d+ s\n$")
        wait_until(lambda: [s[4] for s in self.sessions()] == ["stop"], 5, "the session recorded as stopped")

    def test_an_error_that_still_turned_it_on_is_put_back(self):
        # A call that fails need not have failed to act: a server that answers
        # too late for the call's timeout, or fails after the change.
        self.kill_mock()
        self.start_server(refuse_on="applied")
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("· do-not-disturb FAILED", r.stdout)
        self.assertTrue(self.s.get())
        self.ok("stop")
        self.assertFalse(self.s.get(), "the session left do-not-disturb on")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        # Recorded too, for a daemon that dies before the end.
        self.assertEqual(self.present("start", "10m").returncode, 3)
        self.kill_daemon()
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.s.get())

    def test_doctor_puts_back_what_an_error_turned_on(self):
        self.kill_mock()
        self.start_server(refuse_on="applied")
        r = self.present("doctor")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stdout, r"\nFAIL     do-not-disturb: %s cannot be set: org\.\S+ \w+: do-not-disturb refused "
                                   r"by the test\n" % re.escape(self.s.title))
        self.assertFalse(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_refused_by_a_new_server_is_logged_with_why(self):
        if not self.restarts:
            self.skipTest("the switch outlives the server")
        self.ok("start", "10m")
        self.kill_mock()
        self.start_server(refuse_on="refused")
        line = wait_until(lambda: re.search(r"notification server changed: .*", self.bus.read_log()), 5,
                          "the daemon to say what silencing the new server did")
        self.assertRegex(line.group(0), r"do-not-disturb failed: org\.\S+ \w+: do-not-disturb refused by the test$")
        self.ok("stop")


class DunstContract(Contract, BusTestCase):
    server = Dunst

    def test_the_shortcut_after_ending_a_dead_daemons_session_starts_one(self):
        # Whoever ends the dead daemon's session, the key (through
        # `present-daemon --end`) or a status bar (through the daemon it
        # starts), must not leave its status file saying it still runs: the
        # next press would end it again, and never start one.
        for verb, says in (("toggle", "Put back 1 do-not-disturb change.\n"), ("status", "Not in a session.\n")):
            self.ok("start", "10m")
            self.kill_daemon()
            self.assertEqual(self.ok(verb), says, verb)
            wait_until(self.bus.has_owner, what="the daemon that sums the session up")
            self.assertIn("do-not-disturb on", self.ok("toggle", "10m"), verb)
            self.assertTrue(self.s.get(), verb)
            self.assertRegex(self.ok("toggle"), r"^Session ended after ", verb)
            self.assertFalse(self.s.get(), verb)

    def test_the_shortcut_after_present_restore_starts_one(self):
        # `present restore` ended it with no daemon running, and starts none.
        self.ok("start", "10m")
        self.kill_daemon()
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.bus.has_owner())
        self.assertIn("do-not-disturb on", self.ok("toggle", "10m"))
        self.assertTrue(self.s.get())

    def refuse_off(self, refuse, why=""):
        obj = self.s.obj(NOTIFICATIONS, "/org/freedesktop/Notifications")
        obj.Set("org.example.Mock", "RefuseWith", why, signature="ssv", dbus_interface=dbus.PROPERTIES_IFACE)
        obj.Set("org.example.Mock", "RefuseOff", dbus.Boolean(refuse), signature="ssv",
                dbus_interface=dbus.PROPERTIES_IFACE)

    REFUSED_PUT_BACK = ("present: do-not-disturb could not be put back (dunst): org.freedesktop.Notifications Set: "
                        "do-not-disturb refused by the test\npresent: 'present restore' tries again\n")

    def test_a_refused_put_back_is_said_at_stop(self):
        self.ok("start", "10m")
        ended = self.listen("SessionEnded")
        self.refuse_off(True)
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stderr), (4, self.REFUSED_PUT_BACK))
        self.assertRegex(r.stdout, r"^Session ended after \d+ s\n$")
        self.assertTrue(self.s.get())
        self.assertEqual(self.query("SELECT backend FROM dnd_changes"), [("dunst",)])
        # Listeners hear it too: for a timer end, with no caller, the signal is where it is said.
        wait_until(lambda: ended, what="SessionEnded")
        self.assertEqual([tuple(u) for u in ended[0][1][0]["dnd_unrestored"]],
                         [("dunst", "", "org.freedesktop.Notifications Set: do-not-disturb refused by the test")])
        self.refuse_off(False)
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.s.get())

    def test_a_refused_put_back_after_the_daemon_died_is_the_stops_status(self):
        # The key ends a dead daemon's session through present-daemon --end:
        # a switch it cannot put back is still the stop's exit status 4.
        for verb in ("stop", "toggle"):
            self.ok("start", "10m")
            self.kill_daemon()
            self.refuse_off(True)
            r = self.present(verb)
            self.assertEqual(r.returncode, 4, "%s: %s" % (verb, r.stderr))
            self.assertIn("could not be put back yet: org.freedesktop.Notifications Set: do-not-disturb "
                          "refused by the test", r.stderr)
            self.assertTrue(self.s.get())
            self.assertEqual(self.sessions()[-1][4], "interrupted", verb)
            self.refuse_off(False)
            wait_until(lambda: not self.s.get(), 10, "the daemon the stop started to put it back")

    def test_a_daemon_killed_as_it_puts_back_leaves_the_session_seen(self):
        # The server stalls as the stop puts its switch back, and the daemon
        # is killed meanwhile: the status still shows what is to put back,
        # and its next reader has it put back.
        self.ok("start", "10m")
        os.killpg(self.mock.pid, signal.SIGSTOP)
        try:
            stop = threading.Thread(target=self.present, args=("stop",))
            stop.start()
            time.sleep(1)  # the stop waits on the stalled server
            self.assertNotEqual(self.ok("status"), "Not in a session.\n")
            os.kill(self.bus.pid_of(), signal.SIGKILL)
        finally:
            os.killpg(self.mock.pid, signal.SIGCONT)
        stop.join()
        self.ok("status")
        wait_until(lambda: not self.s.get(), 10, "the switch put back by the daemon the status started")

    def test_the_key_starts_a_session_after_a_daemon_died_with_a_switch_left_on(self):
        # No session ran when it died: the key starts one, as ever (the daemon
        # it activates puts the switch back first), whether or not the status
        # file survived (the runtime directory goes with a power cut).
        for status_file in (True, False):
            self.ok("start", "10m")
            self.refuse_off(True)
            self.assertEqual(self.present("stop").returncode, 4)
            # Killed once the end is in the store (it goes there after Stop's reply): no session runs.
            wait_until(lambda: self.sessions()[-1][4] == "stop", 5, "the end in the store")
            self.kill_daemon()
            self.refuse_off(False)
            if not status_file:
                for path in glob.glob(os.path.join(self.bus.env["XDG_RUNTIME_DIR"], "present", "status-*")):
                    os.remove(path)
            out = self.ok("toggle", "10m")
            self.assertIn("· do-not-disturb on (dunst)", out, status_file)
            self.assertTrue(self.s.get())
            self.assertEqual(self.sessions()[-1][4], None, status_file)
            self.assertRegex(self.ok("toggle"), r"^Session ended after ")
            self.assertFalse(self.s.get())

    def test_a_put_back_the_store_could_not_record_is_tried_again(self):
        # The store was locked when the session began: the change has no
        # record, and the daemon's memory is the only place it is kept.
        self.ok("doctor")  # the store, made
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        r = self.present("start", "10m")
        other.execute("ROLLBACK")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("do-not-disturb on (dunst)", r.stdout)
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        self.refuse_off(True)
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stderr), (4, self.REFUSED_PUT_BACK))
        self.assertTrue(self.s.get())
        self.assertIn("present keeps trying", self.ok("status"))
        self.refuse_off(False)
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.s.get())
        self.assertEqual(self.ok("status"), "Not in a session.\n")

    def test_a_refused_put_back_is_said_at_toggle(self):
        self.ok("toggle", "10m")
        self.refuse_off(True)
        r = self.present("toggle")
        self.assertEqual((r.returncode, r.stderr), (4, self.REFUSED_PUT_BACK))
        self.assertRegex(r.stdout, r"^Session ended after \d+ s\n$")
        self.assertTrue(self.s.get())

    def test_restore_that_cannot_put_back_still_says_it_ended_the_session(self):
        self.ok("start", "10m")
        self.refuse_off(True)
        r = self.present("restore")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (1, "", "present: cannot restore the desktop: the running "
                         "session was ended, but some changes could not be put back yet: org.freedesktop.Notifications "
                         "Set: do-not-disturb refused by the test\n"))
        wait_until(lambda: self.sessions()[0][4] == "restore", 5, "the session recorded as ended by restore")
        self.refuse_off(False)
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.s.get())

    def test_restore_whose_end_could_not_put_back_but_its_retry_did(self):
        """The end's put-back is refused once, and restore's try right after
        it succeeds: nothing is left on, and nothing says so, neither the
        status file nor a notification."""
        self.ok("start", "10m")
        self.s.obj(NOTIFICATIONS, "/org/freedesktop/Notifications").Set(
            "org.example.Mock", "RefuseOffTimes", dbus.UInt32(1), signature="ssv", dbus_interface=dbus.PROPERTIES_IFACE)
        self.ok("restore")
        self.assertFalse(self.s.get())
        wait_until(lambda: self.sessions()[0][4] == "restore", 5, "the session recorded as ended by restore")
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        notices = [str(a[3]) for _, name, a in self.notifications().GetCalls(dbus_interface=DBUSMOCK)
                   if name == "Notify"]
        self.assertNotIn("Do-not-disturb could not be turned off", notices)

    def test_a_servers_reason_reaches_the_terminal_filtered(self):
        """The server's own words are quoted in restore's error: a terminal sequence in
        them is shown, not obeyed, as everywhere else present prints them."""
        self.ok("start", "10m")
        self.refuse_off(True, "\x1b]0;owned\x07\x1b[2Jbusy")
        r = self.present("restore")
        self.assertEqual((r.returncode, r.stderr), (1, "present: cannot restore the desktop: the running session was "
                         "ended, but some changes could not be put back yet: org.freedesktop.Notifications Set: "
                         "?]0;owned??[2Jbusy\n"))
        self.refuse_off(False)
        self.ok("restore")

    LEFT_ON = "Do-not-disturb could not be turned off"

    def notices(self):
        """(id the server gave, summary, body, urgency) of each Notify; and the ids closed."""
        calls = self.notifications().GetCalls(dbus_interface=DBUSMOCK)
        shown = [(i + 1, str(a[3]), str(a[4]), int(a[6].get("urgency", 1)))
                 for i, (_, _, a) in enumerate(c for c in calls if c[1] == "Notify")]
        return shown, [int(a[0]) for _, name, a in calls if name == "CloseNotification"]

    def left_on_notice(self):
        said = [n for n in self.notices()[0] if n[1] == self.LEFT_ON]
        self.assertLessEqual(len(said), 1, said)
        return said[0] if said else None

    def test_left_on_at_a_timer_end_is_said_and_tried_again(self):
        # Nobody reads an exit code when a session ends on its timer: the
        # daemon says it where it shows, stays, and tries again by itself.
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.ok("start", "2s")
        pid = self.bus.pid_of()
        self.refuse_off(True)
        notice = wait_until(self.left_on_notice, 10, "the notification that do-not-disturb is still on")
        self.assertEqual(notice[2:], ("dunst: org.freedesktop.Notifications Set: do-not-disturb refused by the test\n"
                                      "present keeps trying; 'present restore' tries now.", 2))
        time.sleep(2)  # longer than idle_exit: the daemon is all that would try again
        self.assertEqual(self.bus.pid_of(), pid)
        self.assertTrue(self.s.get())
        self.refuse_off(False)
        wait_until(lambda: not self.s.get(), 10, "the daemon to put do-not-disturb back by itself")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        wait_until(lambda: notice[0] in self.notices()[1], 5, "the notification to be withdrawn")
        self.wait_daemon_gone()
        self.assertIn("put back 1 do-not-disturb change(s) left on", self.bus.read_log())

    def test_left_on_by_a_daemon_that_died_is_said_and_tried_again(self):
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.ok("start", "10m")
        self.kill_daemon()
        self.refuse_off(True)
        self.present("doctor")  # any call that starts a daemon
        notice = wait_until(self.left_on_notice, 5, "the notification that do-not-disturb is still on")
        self.assertIn("do-not-disturb refused by the test", notice[2])
        self.refuse_off(False)
        wait_until(lambda: not self.s.get(), 10, "the daemon to put do-not-disturb back by itself")
        wait_until(lambda: notice[0] in self.notices()[1], 5, "the notification to be withdrawn")
        self.wait_daemon_gone()

    def test_a_put_back_doctor_could_not_make_is_tried_again(self):
        """doctor turns the switch on and back to try it: left on, it is as a session's
        leftover, shown in the status and tried again (doctor itself said it)."""
        self.write_config("daemon = { idle_exit = 1; };\n")
        self.refuse_off(True)
        r = self.present("doctor")
        self.assertIn("was set but could not be put back; present keeps trying, and 'present restore' tries now",
                      r.stdout)
        self.assertTrue(self.s.get())
        self.assertIn("do-not-disturb is still on", self.ok("status"))
        self.refuse_off(False)
        wait_until(lambda: not self.s.get(), 10, "the daemon to put do-not-disturb back by itself")
        wait_until(lambda: self.ok("status") == "Not in a session.\n", 5, "the status to say it")
        self.wait_daemon_gone()

    def test_a_start_that_puts_it_back_withdraws_the_notice(self):
        self.ok("start", "10m")
        self.refuse_off(True)
        self.assertEqual(self.present("stop").returncode, 4)
        notice = wait_until(self.left_on_notice, 5, "the notification that do-not-disturb is still on")
        r = self.present("doctor")
        self.assertEqual(r.returncode, 1)
        self.assertIn("\nFAIL     do-not-disturb: left on: a session could not put it back; present keeps trying, "
                      "and 'present restore' tries now\n", r.stdout)
        self.refuse_off(False)
        self.ok("start", "10m")
        wait_until(lambda: notice[0] in self.notices()[1], 5, "the notification to be withdrawn")
        self.ok("stop")
        self.assertFalse(self.s.get())
        self.assertIsNotNone(self.left_on_notice(), "said once")

    def test_status_between_sessions_says_what_is_left_on(self):
        # A bar showing "idle" while alerts stay hidden would be a lie.
        self.ok("start", "10m")
        self.refuse_off(True)
        self.assertEqual(self.present("stop").returncode, 4)
        reason = "org.freedesktop.Notifications Set: do-not-disturb refused by the test"
        self.assertEqual(self.ok("status"), "Not in a session, but do-not-disturb is still on: a session could not "
                         "put it back\n  dunst: %s\npresent keeps trying; 'present restore' tries now.\n" % reason)
        self.assertTrue(os.path.exists(self.bus.for_bus("status")),
                        "answered from the daemon's file, not over the bus")
        status = json.loads(self.ok("status", "--json"))
        self.assertEqual((status["active"], status["left_on"]),
                         (False, [{"backend": "dunst", "app": None, "reason": reason}]))
        bar = json.loads(self.ok("status", "--waybar"))
        self.assertEqual((bar["text"], bar["class"], bar["alt"]), ("left on", "left-on", "left-on"))
        self.assertEqual(bar["tooltip"], "Not in a session; do-not-disturb is still on:\ndunst: %s\npresent keeps "
                         "trying; 'present restore' tries now" % reason)
        self.assertEqual(self.ok("status", "--format", "{state}|{remaining}"), "left-on|\n")
        # A stop pressed now is pressed for this: it tries again, and says what is still on.
        r = self.present("stop")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (4, "No session is running.\n", self.REFUSED_PUT_BACK))
        self.refuse_off(False)
        self.assertEqual(self.ok("stop"), "No session is running.\n")
        self.assertFalse(self.s.get())
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertEqual(json.loads(self.ok("status", "--json"))["left_on"], [])
        self.assertEqual(self.ok("status", "--format", "{state}"), "idle\n")

    def test_a_long_reason_is_read_back_whole(self):
        # A server's error text has no bound: the daemon's file keeps it on
        # one line, and a reader cutting lines would read its tail as a key.
        self.ok("start", "10m")
        why = "x" * 5000 + " active=0"
        self.refuse_off(True, why)
        self.assertEqual(self.present("stop").returncode, 4)
        status = json.loads(self.ok("status", "--json"))
        self.assertEqual(status["left_on"][0]["reason"], "org.freedesktop.Notifications Set: " + why)
        self.assertTrue(os.path.exists(self.bus.for_bus("status")), "answered from the daemon's file")

    def test_status_as_a_stop_answers_says_what_is_left_on(self):
        # The end goes on after the stop's answer (here: waiting for the store
        # another process locks); a status read meanwhile reads the daemon's file.
        self.ok("start", "10m")
        self.refuse_off(True)
        other = sqlite3.connect(self.store_path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")
        self.assertEqual(self.present("stop").returncode, 4)
        self.assertRegex(self.ok("status"), r"^Not in a session, but do-not-disturb is still on")
        other.execute("ROLLBACK")

    def test_status_follows_a_new_reason_for_what_is_left_on(self):
        # Still one switch left on, but no longer for the same reason: the
        # status says the latest, not the first.
        self.ok("start", "10m")
        self.refuse_off(True)
        self.assertEqual(self.present("stop").returncode, 4)
        self.refuse_off(True, "the server is busy")
        self.assertEqual(self.present("stop").returncode, 4)
        self.assertEqual(json.loads(self.ok("status", "--json"))["left_on"],
                         [{"backend": "dunst", "app": None,
                           "reason": "org.freedesktop.Notifications Set: the server is busy"}])

    def test_a_status_bar_follows_what_is_left_on(self):
        self.write_config("daemon = { idle_exit = 1; };\n")
        w = harness.Watcher(self, "--format", "{state}|{remaining}")
        self.assertEqual(w.line(), "idle|")
        self.ok("start", "2s")
        self.assertEqual(w.line(), "active|1m")
        self.refuse_off(True)
        line = w.line()
        # The end and what it left on are two signals, read together or not.
        if line == "idle|":
            line = w.line()
        self.assertEqual(line, "left-on|")
        self.refuse_off(False)
        self.assertEqual(w.line(timeout=15), "idle|", "put back by the daemon's next try")
        self.assertFalse(self.s.get())

    def test_left_on_by_a_refused_put_back_is_not_taken_for_the_users(self):
        # The same daemon's next session must put back what the last one
        # could not, not find the switch on and leave it as the user's choice.
        self.ok("start", "10m")
        self.refuse_off(True)
        self.assertEqual(self.present("stop").returncode, 4)
        self.assertTrue(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(1,)])
        self.refuse_off(False)
        pid = self.bus.pid_of()
        self.assertIn("· do-not-disturb on", self.ok("start", "10m"))
        self.ok("stop")
        self.assertEqual(self.bus.pid_of(), pid)
        self.assertFalse(self.s.get(), "do-not-disturb left on")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])


    def present_behind_a_takeover(self, *args):
        """Runs present with args while the lock that a daemon or `present
        restore` holds to take over what a daemon that died left is taken;
        shows that it waits for it, lets go; returns its output."""
        lock = open(self.store_path + ".takeover", "a")
        self.addCleanup(lock.close)
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = self.bus.spawn(harness.valgrind.wrap([harness.CLI] + list(args), self.root), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        self.assertIsNone(p.poll(), "present %s went ahead of a takeover under way" % " ".join(args))
        self.assertTrue(self.s.get())
        fcntl.flock(lock, fcntl.LOCK_UN)
        out, err = p.communicate(timeout=10 * harness.valgrind.slower)
        self.assertEqual(p.returncode, 0, out + err)
        return out

    def test_a_restore_and_a_new_daemon_take_over_one_at_a_time(self):
        # A daemon started while `present restore` puts back what a dead one
        # left could start a session that the restore then undid.
        for verb in ("restore", "start"):
            self.ok("start", "10m")
            self.kill_daemon()
            out = self.present_behind_a_takeover(verb, *(["5m"] if verb == "start" else []))
            self.assertIn("Put back 1 do-not-disturb change" if verb == "restore" else "· do-not-disturb on", out)
            self.present("stop")
            self.assertFalse(self.s.get())


class MakoContract(Contract, BusTestCase):
    server = Mako

    def test_without_the_mode_says_so(self):
        os.remove(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"))
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0)
        self.assertIn("· do-not-disturb unavailable", r.stdout)
        self.assertRegex(r.stderr, r"^present: warning: mako's config \(.*\) defines no \"do-not-disturb\" mode")
        self.assertFalse(self.s.get())
        self.assertEqual(json.loads(self.ok("status", "--json"))["dnd"]["state"], "unsupported")
        r = self.present("doctor")
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL     do-not-disturb: mako's config", r.stdout)

    def test_a_mode_commented_out_is_no_mode(self):
        # mako skips the line, and its mode would hide nothing: the session says so, not "on".
        with open(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"), "w") as f:
            f.write("# [mode=do-not-disturb]\n# invisible=1\n")
        r = self.present("start", "10m")
        self.assertIn("· do-not-disturb unavailable", r.stdout)
        self.assertFalse(self.s.get())
        self.ok("stop")
        # As mako reads it, with space around: the mode is there.
        with open(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"), "w") as f:
            f.write("font=monospace 10\n\n  [mode=do-not-disturb]\t\n  invisible=1\n")
        self.assertIn("· do-not-disturb on (mako)", self.ok("start", "10m"))

    def test_a_mode_that_hides_nothing_is_no_mode(self):
        config = os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config")
        hides_nothing = "has a \"[mode=do-not-disturb]\" section that does not make alerts invisible"
        for text, says in (("[mode=do-not-disturb]\nborder-color=#ff0000\n", hides_nothing),
                           # The last word wins, as mako applies its sections in order.
                           ("[mode=do-not-disturb]\ninvisible=1\n[mode=do-not-disturb]\ninvisible=false\n",
                            hides_nothing),
                           # A section for this mode and one app hides only that app.
                           ("[mode=do-not-disturb app-name=Slack]\ninvisible=1\n", "defines no")):
            with open(config, "w") as f:
                f.write(text)
            r = self.present("start", "10m")
            self.assertIn("· do-not-disturb unavailable", r.stdout, text)
            self.assertIn(says, r.stderr, text)
            self.assertFalse(self.s.get(), text)
            self.ok("stop")

    def test_a_mode_in_an_included_file_is_read(self):
        home = self.bus.env["HOME"]
        with open(os.path.join(home, "mako-modes"), "w") as f:
            f.write("[mode=do-not-disturb]\ninvisible=TRUE\n")
        with open(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"), "w") as f:
            f.write("font=monospace 10\ninclude=~/mako-modes\n")
        self.assertIn("· do-not-disturb on (mako)", self.ok("start", "10m"))
        self.ok("stop")
        r = self.present("doctor")
        self.assertNotIn("FAIL     do-not-disturb", r.stdout)

    def test_gone_with_the_server_that_had_it(self):
        # A crash, and another server has the name since: the mode lived in
        # mako's memory and went with it. The other answers that it has no
        # such object.
        self.ok("start", "10m")
        self.kill_daemon()
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", server="dunst")
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        # mako again, silenced by hand: the user's, which no start may undo.
        self.kill_mock()
        self.start_server()
        self.s.set(True)
        self.assertIn("· do-not-disturb already on (mako)", self.ok("start", "10m"))
        self.ok("stop")
        self.assertTrue(self.s.get())

    def test_other_modes_survive(self):
        self.s.set(False)
        self.ok("start", "10m")
        # The user switches another mode on during the meeting; it stays.
        modes = self.s.modes() + ["away"]
        self.s.obj(NOTIFICATIONS, "/fr/emersion/Mako").SetModes(dbus.Array(modes, signature="s"),
                                                                  dbus_interface="fr.emersion.Mako")
        self.ok("stop")
        self.assertEqual(self.s.modes(), ["default", "away"])


class SwayncContract(Contract, BusTestCase):
    server = Swaync
    restarts = False  # SetDnd persists in swaync's settings


class SwayncInhibitor(BusTestCase):
    """swaync 0.8 and later: an inhibitor of our own, beside the user's own
    do-not-disturb and inhibitors, which it never touches."""

    def setUp(self):
        super().setUp()
        self.mock = self.start_mock("dnd_servers", server="swaync", version="0.10.1")
        wait_until(lambda: self.bus.has_owner("org.erikreider.swaync.cc"), what="swaync's control centre")
        self.s = Swaync(self)

    def inhibitors(self):
        return [str(i) for i in self.s.cc().ListInhibitors(dbus_interface="org.erikreider.swaync.cc")]

    def test_held_for_the_session(self):
        self.assertIn("do-not-disturb on (SwayNotificationCenter)", self.ok("start", "10m"))
        self.assertEqual(self.inhibitors(), ["present"])
        self.assertFalse(self.s.get(), "the user's own switch is not ours to set")
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])

    def test_the_users_own_are_kept(self):
        self.s.cc().AddInhibitor("swayidle", dbus_interface="org.erikreider.swaync.cc")
        self.s.set(True)
        self.ok("start", "10m")
        self.assertEqual(self.inhibitors(), ["swayidle", "present"])
        self.ok("stop")
        self.assertEqual(self.inhibitors(), ["swayidle"])
        self.assertTrue(self.s.get())

    def test_sigkill_then_present_restore(self):
        self.ok("start", "10m")
        self.kill_daemon()
        self.assertEqual(self.inhibitors(), ["present"], "swaync keeps an inhibitor whose caller died")
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertEqual(self.inhibitors(), [])

    def test_timer_end(self):
        self.ok("start", "2s")
        wait_until(lambda: self.inhibitors() == [], 8, "the timer end to remove our inhibitor")

    def test_an_error_that_still_added_it_is_removed(self):
        self.replace_server(version="0.10.1", refuse_on="applied")
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("· do-not-disturb FAILED", r.stdout)
        self.assertEqual(self.inhibitors(), ["present"])
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [], "the session left its inhibitor behind")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def watch_bus(self, *rules):
        """The lines dbus-monitor prints for rules, but for the test's own
        calls and their answers; listening when this returns."""
        monitor = self.bus.spawn(["dbus-monitor", "--session"] + list(rules), stdout=subprocess.PIPE)
        ours = self.bus.connection.get_unique_name().encode()
        lines, own = [], []

        def read():
            for line in monitor.stdout:
                mine = b"sender=%s " % ours in line or b"destination=%s " % ours in line
                (own if mine else lines).append(line)

        threading.Thread(target=read, daemon=True).start()
        self.wait_seen(own)
        return monitor, lines, own

    def wait_seen(self, own):
        """Looks at swaync until dbus-monitor has printed that look: all before it is printed too."""
        own.clear()
        wait_until(lambda: self.s.cc().Introspect(dbus_interface="org.freedesktop.DBus.Introspectable") and own,
                   what="dbus-monitor to print our own look")

    def test_found_once_per_server(self):
        # Telling the two swayncs apart costs a look at the control centre's
        # interface: once per server process, not at every start.
        monitor, looks, own = self.watch_bus(
            "type='method_call',interface='org.freedesktop.DBus.Introspectable',member='Introspect',"
            "path='/org/erikreider/swaync/cc'")
        for _ in range(3):
            self.ok("start", "10m")
            self.assertEqual(self.inhibitors(), ["present"])
            self.ok("stop")
        # A new server (an older swaync, without inhibitors) is looked at anew.
        self.replace_server(version="0.7.3")
        self.ok("start", "10m")
        self.assertTrue(self.s.get(), "swaync 0.7 is silenced with its own switch")
        self.ok("stop")
        self.assertFalse(self.s.get())
        self.wait_seen(own)
        harness.kill_group(monitor)
        # One look for each server: the first in three sessions, and the
        # second, which the look alone tells to use its own switch.
        looks = [line for line in looks if b"member=Introspect" in line]
        self.assertEqual(len(looks), 2, b"".join(looks).decode(errors="replace"))

    def test_added_and_read_back_in_one_round_trip(self):
        # The read that confirms our inhibitor goes out right behind the call
        # that adds it, not after its answer: a slow server shows the order.
        self.replace_server(version="0.10.1", slow=0.3)
        monitor, lines, own = self.watch_bus(
            "type='method_call',interface='org.erikreider.swaync.cc'",
            "type='method_return',sender='org.erikreider.swaync.cc'")
        self.ok("start", "10m")
        self.assertEqual(self.inhibitors(), ["present"])
        self.wait_seen(own)
        harness.kill_group(monitor)
        text = b"".join(lines).decode(errors="replace")
        add = re.search(r"^method call .* serial=(\d+) .*member=AddInhibitor$", text, re.M)
        read = re.search(r"^method call .*member=IsInhibited$", text, re.M)
        added = add and re.search(r"^method return .* reply_serial=%s$" % add.group(1), text, re.M)
        self.assertTrue(add and read and added, text)
        self.assertLess(read.start(), added.start(), "IsInhibited waited for AddInhibitor's answer:\n" + text)
        self.ok("stop")

    def replace_server(self, **parameters):
        harness.kill_group(self.mock)
        wait_until(lambda: not self.bus.has_owner("org.freedesktop.Notifications"), what="the server to go")
        self.mock = self.start_mock("dnd_servers", server="swaync", **parameters)
        if not parameters.get("late"):
            wait_until(lambda: self.bus.has_owner("org.erikreider.swaync.cc"), what="swaync's control centre")

    # swaync 0.8 and later own the notification name before they register
    # their object and own org.erikreider.swaync.cc: a first look finds
    # nothing to ask, or a server it cannot tell from 0.7.

    def restarted_late(self, late):
        """The session's swaync replaced by one still starting (late: what it
        withholds), once the daemon has found it so; then it registers."""
        self.assertIn("do-not-disturb on (SwayNotificationCenter)", self.ok("start", "10m"))
        changed = self.listen("SessionChanged")
        self.replace_server(version="0.10.1", late=late)
        wait_until(lambda: [a for _, (a,) in changed if a.get("dnd_state") == "failed"], 5, "the first look to fail")
        self.assertEqual(self.call("GetStatus")["dnd_state"], "failed")
        self.notifications().Register(dbus_interface="org.example.Mock")

    def assert_held_by_our_inhibitor(self):
        wait_until(lambda: self.bus.has_owner("org.erikreider.swaync.cc"), what="swaync's control centre")
        wait_until(lambda: self.inhibitors() == ["present"], 8, "our inhibitor on the swaync that registered late")
        self.assertFalse(self.s.get(), "the user's own switch is not ours to set")
        wait_until(lambda: self.call("GetStatus")["dnd_state"] == "on", 5, "the session to say so")
        self.assertRegex(self.ok("status"), r"· do-not-disturb on \(SwayNotificationCenter\)\n$")

    def test_a_restart_that_registers_late_gets_our_inhibitor(self):
        self.restarted_late("object")
        self.assert_held_by_our_inhibitor()
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])
        self.assertFalse(self.s.get())
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_a_control_centre_that_comes_late_is_not_taken_for_swaync_0_7(self):
        self.restarted_late("cc")
        self.assert_held_by_our_inhibitor()
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])
        # The same process in the next session: what it is was not settled
        # while it could not be told.
        self.assertIn("do-not-disturb on (SwayNotificationCenter)", self.ok("start", "10m"))
        self.assertEqual(self.inhibitors(), ["present"])
        self.assertFalse(self.s.get())
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])
        self.assertFalse(self.s.get())

    def test_a_start_while_it_registers_gets_our_inhibitor_once_it_has(self):
        self.replace_server(version="0.10.1", late="object")
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("· do-not-disturb FAILED", r.stdout)
        self.notifications().Register(dbus_interface="org.example.Mock")
        self.assert_held_by_our_inhibitor()
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])
        self.assertFalse(self.s.get())

    def test_a_server_that_never_registers_is_tried_a_few_times_only(self):
        self.ok("start", "10m")
        self.replace_server(version="0.10.1", late="object")
        wait_until(lambda: "(given up)" in self.bus.read_log(), 15, "the daemon to give up")
        asked = [c for c in self.notifications().GetCalls(dbus_interface=DBUSMOCK) if c[1] == "GetServerInformation"]
        self.assertEqual(len(asked), 8, "the look at its arrival and seven tries, 50 ms to 3.2 s apart")
        self.assertEqual(self.call("GetStatus")["dnd_state"], "failed")
        self.ok("stop")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_a_restart_that_registers_tens_of_ms_late_gets_our_inhibitor(self):
        # As the real one does: by itself, some tens of milliseconds after it took the notification name.
        self.ok("start", "10m")
        self.replace_server(version="0.10.1", late="object", late_ms=80)
        self.assert_held_by_our_inhibitor()
        self.ok("stop")
        self.assertEqual(self.inhibitors(), [])
        self.assertFalse(self.s.get())


class XfceContract(Contract, BusTestCase):
    server = Xfce
    restarts = False  # Xfconf keeps it

    def test_unset_stays_unset(self):
        self.assertIsNone(self.s.raw())
        self.ok("start", "10m")
        self.assertTrue(self.s.raw())
        self.ok("stop")
        self.assertIsNone(self.s.raw(), "an unset property is reset, not written false")

    def test_explicit_false_stays_explicit(self):
        self.s.set(False)
        self.ok("start", "10m")
        self.ok("stop")
        self.assertIs(self.s.raw(), False)


class StartedOnDemand(harness.NotificationsToStart, BusTestCase):
    """No notification server runs yet, and the bus can start one (dunst,
    mako, swaync and xfce4-notifyd ship activation files): the session's
    first alert would start it and be shown before it could be silenced."""

    def activatable_dunst(self):
        self.notifications_to_start(harness.PYTHON, "-m", "dbusmock", "--template",
                                    os.path.join(harness.MOCKS, "dnd_servers.py"), "--parameters",
                                    json.dumps({"server": "dunst"}))

    def test_the_start_starts_it_and_silences_it_first(self):
        self.activatable_dunst()
        self.assertIn("· do-not-disturb on (dunst)", self.ok("start", "10m"))
        dunst = Dunst(self)
        self.assertTrue(dunst.get())
        # The news of its arrival, which comes after, is no news: it is the server silenced.
        time.sleep(0.5)
        self.assertIn("· do-not-disturb on (dunst)", self.ok("status"))
        self.assertRegex(self.ok("stop"), r"^Session ended after ")
        self.assertFalse(dunst.get())

    def test_a_desktop_whose_shell_is_the_server_waits_for_it(self):
        """GNOME's shell, away for a moment (restarting): another server the
        bus can start would keep the name from it when it comes back."""
        self.activatable_dunst()
        self.bus.connection.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").UpdateActivationEnvironment(
            {"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, dbus_interface="org.freedesktop.DBus")
        self.assertIn("no notification server: nothing needed silencing", self.ok("start", "10m"))
        self.assertFalse(self.bus.has_owner(NOTIFICATIONS))

    def test_a_bus_that_can_start_none_is_no_server(self):
        self.assertIn("no notification server: nothing needed silencing", self.ok("start", "10m"))
        self.assertNotIn("cannot start the notification server", self.bus.read_log())


class ServerReplaced(BusTestCase):
    """Another notification server takes the name during a session: the session
    reports the new one's do-not-disturb (status, its mirror, SessionChanged),
    not what the old one did."""

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako"), exist_ok=True)
        with open(os.path.join(self.bus.env["XDG_CONFIG_HOME"], "mako", "config"), "w") as f:
            f.write("[mode=do-not-disturb]\ninvisible=1\n")
        self.mock = self.start_mock("dnd_servers", server="dunst")

    def replace(self, state, **parameters):
        """The server replaced while a session runs; returns the SessionChanged that says
        the new one's do-not-disturb is in state."""
        self.assertIn("· do-not-disturb on (dunst)", self.ok("start", "10m"))
        changed = self.listen("SessionChanged")
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", **parameters)
        said = lambda: [args[0] for _, args in changed
                        if (args[0].get("dnd_server"), args[0].get("dnd_state")) == (parameters["server"], state)]
        return wait_until(said, 5, "SessionChanged with the new server")[-1]

    def test_the_new_servers_do_not_disturb_is_reported(self):
        session = self.replace("on", server="mako")
        self.assertEqual((session["dnd_state"], session["dnd_server"], session["dnd_backend"]), ("on", "mako", "mako"))
        self.assertTrue(Mako(self).get())
        self.assertRegex(self.ok("status"), r"^Present until (?:\w{3} )?\d\d:\d\d · [^·]+ left · do-not-disturb on "
                                            r"\(mako\)\n$")
        self.assertEqual(json.loads(self.ok("status", "--json"))["dnd"],
                         {"state": "on", "server": "mako", "backend": "mako", "note": None})
        self.assertEqual(self.call("GetStatus")["dnd_backend"], "mako")
        self.ok("stop")
        self.assertFalse(Mako(self).get())

    def test_a_new_server_that_refuses_is_reported_failed(self):
        session = self.replace("failed", server="dunst", refuse_on="refused")
        self.assertEqual(session["dnd_state"], "failed")
        note = "org.freedesktop.Notifications Set: do-not-disturb refused by the test"
        self.assertEqual(session["dnd_note"], note)
        self.assertRegex(self.ok("status"), r"^Present until .* · do-not-disturb FAILED\n$")
        self.assertEqual(json.loads(self.ok("status", "--json"))["dnd"],
                         {"state": "failed", "server": "dunst", "backend": "dunst", "note": note})
        self.ok("stop")

    def test_a_server_gone_with_none_in_its_place_is_reported(self):
        # dunst's pause lived in its memory: nothing is silenced until another comes.
        self.assertIn("· do-not-disturb on (dunst)", self.ok("start", "10m"))
        changed = self.listen("SessionChanged")
        self.kill_mock()
        wait_until(lambda: [a for _, (a,) in changed if a.get("dnd_state") == "none"], 5, "SessionChanged")
        self.assertRegex(self.ok("status"), r"^Present until .* · no notification server: nothing needed silencing\n$")
        self.assertIsNone(json.loads(self.ok("status", "--json"))["dnd"])
        self.assertEqual(self.call("GetStatus")["dnd_note"],
                         "dunst left during the session: alerts are still held, and a server that takes its place "
                         "is silenced")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        self.mock = self.start_mock("dnd_servers", server="dunst")
        wait_until(lambda: self.call("GetStatus")["dnd_state"] == "on", 5, "the next server to be silenced")
        self.assertTrue(Dunst(self).get())
        self.ok("stop")
        self.assertFalse(Dunst(self).get())

    def test_what_the_server_that_came_holds_is_closed_on_it(self):
        """swaync 0.7, whose switch outlives it, gives way to dunst during
        the session: dunst holds what comes next and shows it all again on
        unpause, so an ignored app's alert is closed on dunst."""
        self.write_config('ignore_apps = ["com.spotify.Client"];\n')
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", server="swaync")
        wait_until(lambda: self.bus.has_owner("org.erikreider.swaync.cc"), what="swaync's control centre")
        self.assertIn("· do-not-disturb on (SwayNotificationCenter)", self.ok("start", "10m"))
        self.kill_mock()
        self.mock = self.start_mock("dnd_servers", server="dunst")
        wait_until(lambda: (self.call("GetStatus")["dnd_backend"], self.call("GetStatus")["dnd_state"])
                   == ("dunst", "on"), 5, "dunst to be silenced")
        server_id = int(self.notifications().Notify(
            "Spotify", dbus.UInt32(0), "", "Now playing", "Song 2", dbus.Array([], signature="s"),
            dbus.Dictionary({"desktop-entry": "com.spotify.Client"}, signature="sv"), -1,
            dbus_interface=NOTIFICATIONS))
        wait_until(lambda: self.query("SELECT server_id, class FROM alerts") == [(server_id, "noise")], 5,
                   "the alert held with dunst's id")
        # swaync's own switch cannot be put back while it is away: said, and tried again later.
        self.assertEqual(self.present("stop").returncode, 4)
        closed = [int(a[0]) for _, name, a in self.notifications().GetCalls(dbus_interface=DBUSMOCK)
                  if name == "CloseNotification"]
        self.assertEqual(closed, [server_id])
        self.assertFalse(Dunst(self).get())


class Plasma(BusTestCase):
    """KDE: our own inhibition, held by the daemon's connection."""

    def setUp(self):
        super().setUp()
        self.mock = self.start_mock("plasma")

    def inhibited(self):
        return bool(self.notifications().Get(NOTIFICATIONS, "Inhibited", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_held_for_the_session(self):
        self.assertIn("do-not-disturb on (KDE Plasma)", self.ok("start", "10m"))
        self.assertTrue(self.inhibited())
        self.ok("stop")
        self.assertFalse(self.inhibited())

    def test_user_inhibition_is_kept(self):
        cookie = self.notifications().Inhibit("org.kde.plasmashell", "user", dbus.Dictionary({}, signature="sv"),
                                              dbus_interface=NOTIFICATIONS)
        self.ok("start", "10m")
        self.ok("stop")
        self.assertTrue(self.inhibited(), "only our own inhibition may end")
        self.notifications().UnInhibit(cookie, dbus_interface=NOTIFICATIONS)

    def test_an_inhibit_that_gives_no_cookie_is_no_hold(self):
        """A server that offers Plasma's inhibition but answers Inhibit with no
        cookie: there is no hold to release at the end, and the start says so."""
        self.kill_mock()
        self.mock = self.bus.spawn([harness.PYTHON, "-m", "dbusmock", NOTIFICATIONS, "/org/freedesktop/Notifications",
                                    NOTIFICATIONS])
        wait_until(lambda: self.bus.has_owner(NOTIFICATIONS), what="the server")
        self.notifications().AddProperty(NOTIFICATIONS, "Inhibited", dbus.Boolean(False), dbus_interface=DBUSMOCK)
        self.notifications().AddMethods(NOTIFICATIONS, [
            ("GetServerInformation", "", "ssss", 'ret = ("Plasma", "KDE", "6.0.0", "1.2")'),
            ("Inhibit", "ssa{sv}", "", 'self.Set("%s", "Inhibited", True)' % NOTIFICATIONS),
            ("UnInhibit", "u", "", ""),
        ], dbus_interface=DBUSMOCK)
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertIn("Inhibit answered with (), not (u)", r.stderr)

    def refuse_uninhibit(self, refuse):
        self.notifications().RefuseUnInhibit(dbus.Boolean(refuse), dbus_interface="org.freedesktop.DBus.Mock")

    def stop_with_plasma_stalled(self, seconds):
        """A session ends while Plasma stalls, so that its release fails; Plasma wakes seconds after the stop.
        Returns whether a daemon was there just before it woke."""
        self.ok("start", "10m")
        os.killpg(self.mock.pid, signal.SIGSTOP)
        try:
            self.assertEqual(self.present("stop").returncode, 4)
            time.sleep(seconds)
            return self.bus.has_owner()
        finally:
            os.killpg(self.mock.pid, signal.SIGCONT)

    def left_on_notice_closed(self):
        """Whether the notice that the switch could not be turned off was sent, and closed (by the id Plasma
        gave it: ids count from 1)."""
        calls = self.notifications().GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
        notices = [str(a[3]) for _, name, a in calls if name == "Notify" and not a[1]]
        closed = [int(a[0]) for _, name, a in calls if name == "CloseNotification"]
        return ("Do-not-disturb could not be turned off" in notices and
                notices.index("Do-not-disturb could not be turned off") + 1 in closed)

    def test_a_refused_release_is_tried_again(self):
        # The daemon may stay for hours (a reminder): the hold must not stay with it.
        self.ok("start", "10m")
        self.refuse_uninhibit(True)
        r = self.present("stop")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("could not be put back (KDE Plasma): org.freedesktop.Notifications UnInhibit: "
                      "UnInhibit refused by the test", r.stderr)
        self.assertTrue(self.inhibited())
        self.assertIn("present keeps trying", self.ok("status"))
        self.refuse_uninhibit(False)
        wait_until(lambda: not self.inhibited(), 15, "the daemon to release the hold again")
        wait_until(lambda: self.ok("status") == "Not in a session.\n", 5, "the status to say nothing is left")
        self.assertTrue(self.bus.has_owner(), "the daemon left before its idle_exit")

    def test_a_hold_that_cannot_be_released_ends_with_the_daemon(self):
        # Its exit drops the hold: the hold alone must not keep the daemon,
        # nor its retries (after 5 s, 15 s more, 30 s more) put off the exit
        # each time, nor the notice saying it is on stay.
        self.write_config("daemon = { idle_exit = 16; };\n")
        self.ok("start", "10m")
        self.refuse_uninhibit(True)
        self.assertEqual(self.present("stop").returncode, 4)
        wait_until(lambda: not self.bus.has_owner(), 30, "the daemon to leave")
        # Its status file goes with it: left, a reader would take it for a crash, and start a daemon.
        self.assertFalse(os.path.exists(self.bus.for_bus("status")))
        self.assertEqual(self.ok("status"), "Not in a session.\n")
        self.assertFalse(self.bus.has_owner())
        wait_until(lambda: not self.inhibited(), 5, "Plasma to drop the hold with the daemon's connection")
        self.assertTrue(self.left_on_notice_closed())

    def test_the_notice_of_a_hold_left_on_goes_even_after_plasma_stalled(self):
        # Plasma stalls at the end: the release fails, and the notice saying
        # so waits in its queue. The daemon waits for its answer before it
        # leaves, so that it can take the notice back as its exit ends the hold.
        self.write_config('daemon = { idle_exit = 1; };\nreplay = { mode = "none"; };\n')
        # 2 s: past idle_exit.
        self.assertTrue(self.stop_with_plasma_stalled(2), "the daemon left with its notice unanswered")
        wait_until(lambda: not self.bus.has_owner(), 20, "the daemon to leave")
        self.assertTrue(self.left_on_notice_closed())
        self.assertFalse(self.inhibited())

    def test_the_notice_of_a_hold_put_back_goes_though_plasma_had_not_answered_it(self):
        # Plasma stalls at the end: the release fails, and the notice saying
        # so waits in its queue behind it. The retry's release, sent while it
        # still stalls, is answered once it wakes, before the notice's answer
        # is read: the notice, taken back while on its way, is closed by the id
        # the answer gives.
        self.write_config('replay = { mode = "none"; };\n')
        self.stop_with_plasma_stalled(6.5)  # the retry, 5 s after the end, waits on the stalled Plasma
        wait_until(self.left_on_notice_closed, 30, "the notice closed once the hold is released")
        self.assertFalse(self.inhibited())

    def test_a_hold_kept_for_a_plasma_since_restarted_is_not_released_there(self):
        # Plasma counts its cookies from 1 in each process: ours, given to
        # another app by the Plasma that took the name since, is not ours to end.
        self.ok("start", "10m")
        self.refuse_uninhibit(True)
        self.assertEqual(self.present("stop").returncode, 4)
        daemon = self.bus.pid_of()
        os.kill(daemon, signal.SIGSTOP)
        try:
            self.kill_mock()
            self.mock = self.start_mock("plasma")
            cookie = self.notifications().Inhibit("org.kde.kdenlive", "rendering",
                                                  dbus.Dictionary({}, signature="sv"), dbus_interface=NOTIFICATIONS)
            self.assertEqual(cookie, 1)
        finally:
            os.kill(daemon, signal.SIGCONT)
        wait_until(lambda: "not putting back" in self.bus.read_log(), 10, "the hold dropped with its Plasma")
        wait_until(lambda: self.ok("status") == "Not in a session.\n", 5, "the status to say nothing is left")
        self.assertTrue(self.inhibited(), "another app's inhibition was ended")

    def test_released_when_the_daemon_dies(self):
        self.ok("start", "10m")
        os.kill(self.bus.pid_of(), signal.SIGKILL)
        wait_until(lambda: not self.inhibited(), 5, "Plasma to drop the inhibition")
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")


class TwoLogins(BusTestCase):
    """The same user logged in twice: two session buses, each with its own
    dunst and daemon, sharing one runtime directory and one store."""

    def setUp(self):
        super().setUp()
        here = self.bus
        self.other = harness.PrivateBus(os.path.join(self.root, "login2"),
                                        dirs={k: here.env[k] for k in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME")})
        self.addCleanup(self.other.close)
        self.start_mock("dnd_servers", server="dunst")
        self.elsewhere(lambda: self.start_mock("dnd_servers", server="dunst"))

    def elsewhere(self, f, *args):
        """f(*args) on the other bus."""
        here, self.bus = self.bus, self.other
        try:
            return f(*args)
        finally:
            self.bus = here

    def paused(self, bus):
        return bool(bus.connection.get_object(NOTIFICATIONS, "/org/freedesktop/Notifications").Get(
            "org.dunstproject.cmd0", "paused", dbus_interface=dbus.PROPERTIES_IFACE))

    def test_a_live_daemons_session_is_its_own(self):
        self.elsewhere(self.ok, "start", "10m", "--label", "elsewhere")
        # No daemon here, and a session in the store: a live one's, not one a dead daemon left here.
        self.assertEqual(self.ok("stop"), "No session is running.\n")
        self.assertFalse(self.bus.has_owner(), "stop must not start a daemon")
        # A daemon starting on this bus takes over only what a dead one left.
        self.assertIn("· do-not-disturb on (dunst)", self.ok("start", "5m", "--label", "here"))
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", None), ("here", None)])
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(2,)])
        self.assertNotIn("interrupted", self.bus.read_log())

    def test_a_toggle_here_starts_while_a_live_daemons_session_runs_elsewhere(self):
        # The store holds a session, but one whose daemon lives: not one to end.
        self.elsewhere(self.ok, "start", "10m", "--label", "elsewhere")
        self.assertIn("· do-not-disturb on (dunst)", self.ok("toggle", "5m", "--label", "here"))
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", None), ("here", None)])
        self.assertTrue(self.paused(self.other))
        self.ok("stop")
        self.assertFalse(self.paused(self.bus))
        self.assertTrue(self.paused(self.other))
        self.assertEqual(self.elsewhere(self.ok, "status", "--format", "{state} {label}"), "active elsewhere\n")
        # A restore here leaves the other's alone too.
        self.assertEqual(self.ok("restore"), "Nothing to restore: the desktop is as you left it.\n")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(1,)])
        # Killed, it left its session and change to whoever comes next on its bus.
        os.kill(self.other.pid_of(), signal.SIGKILL)
        wait_until(lambda: not self.other.has_owner(), what="the other daemon to go")
        self.assertEqual(self.elsewhere(self.ok, "restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.paused(self.other))
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", "interrupted"), ("here", "stop")])
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def killed_elsewhere(self):
        """A session on the other bus whose daemon was killed, dunst there left paused."""
        self.elsewhere(self.ok, "start", "10m", "--label", "elsewhere")
        os.kill(self.other.pid_of(), signal.SIGKILL)
        wait_until(lambda: not self.other.has_owner(), what="the other daemon to go")
        self.assertTrue(self.paused(self.other))
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes WHERE address = ?", self.other.address), [(1,)])

    def test_a_dead_daemons_switch_on_a_live_bus_is_put_back_from_the_other(self):
        self.killed_elsewhere()
        # Its dunst still runs on its bus, paused: the restore here reaches that bus and unpauses it.
        r = self.present("restore")
        self.assertEqual((r.returncode, r.stdout), (0, "Put back 1 do-not-disturb change.\n"), r.stderr)
        self.assertNotIn("not putting back", r.stderr)
        self.assertFalse(self.paused(self.other))
        self.assertFalse(self.paused(self.bus))
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", "interrupted")])

    def test_what_a_dead_daemon_left_held_elsewhere_is_closed_there(self):
        # An ignored app's alert the other dunst holds is closed on that dunst,
        # before it is unpaused: never on the dunst here, whose unique name may
        # be the same (both buses started alike) and whose ids are its own.
        self.write_config('ignore_apps = ["com.spotify.Client"];\n', config_home=self.other.env["XDG_CONFIG_HOME"])
        self.elsewhere(self.ok, "start", "10m", "--label", "elsewhere")
        there = self.other.connection.get_object(NOTIFICATIONS, "/org/freedesktop/Notifications")
        server_id = int(there.Notify("Spotify", dbus.UInt32(0), "", "Now playing", "Song 2",
                                     dbus.Array([], signature="s"),
                                     dbus.Dictionary({"desktop-entry": "com.spotify.Client"}, signature="sv"), -1,
                                     dbus_interface=NOTIFICATIONS))
        wait_until(lambda: self.query("SELECT server_id, class FROM alerts") == [(server_id, "noise")], 5,
                   "the alert held with the other dunst's id")
        os.kill(self.other.pid_of(), signal.SIGKILL)
        wait_until(lambda: not self.other.has_owner(), what="the other daemon to go")
        self.assertEqual(self.bus.connection.get_name_owner(NOTIFICATIONS),
                         self.other.connection.get_name_owner(NOTIFICATIONS), "the two dunsts are named alike")
        self.assertEqual(self.ok("restore"), "Put back 1 do-not-disturb change.\n")
        self.assertFalse(self.paused(self.other))
        closed = lambda obj: [int(a[0]) for _, name, a in obj.GetCalls(dbus_interface=DBUSMOCK)
                              if name == "CloseNotification"]
        self.assertEqual(closed(there), [server_id])
        self.assertEqual(closed(self.notifications()), [])

    def test_a_session_puts_back_first_what_a_daemon_that_died_since_left(self):
        # The daemon here read the store as it started, when the other lived:
        # its next session takes over what the other left, before it reads
        # a switch that other login may share (GNOME's), as the user's.
        self.call("GetStatus")
        pid = self.bus.pid_of()
        self.killed_elsewhere()
        self.assertIn("· do-not-disturb on (dunst)", self.ok("start", "5m", "--label", "here"))
        self.assertEqual(self.bus.pid_of(), pid)
        self.assertFalse(self.paused(self.other), "what the dead daemon left on was not put back")
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", "interrupted"), ("here", None)])
        self.ok("stop")
        self.assertFalse(self.paused(self.bus))
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])

    def test_a_stop_between_sessions_puts_back_what_a_daemon_that_died_since_left(self):
        self.call("GetStatus")
        self.killed_elsewhere()
        self.assertEqual(self.ok("stop"), "No session is running.\n")
        self.assertFalse(self.paused(self.other), "what the dead daemon left on was not put back")
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])
        self.assertEqual([(s[0], s[4]) for s in self.sessions()], [("elsewhere", "interrupted")])

    def test_a_dead_daemons_switch_on_a_bus_gone_is_dropped(self):
        self.killed_elsewhere()
        harness.kill_group(self.other.process)
        r = self.present("restore")
        self.assertEqual((r.returncode, r.stdout), (0, "Nothing to restore: the desktop is as you left it.\n"),
                         r.stderr)
        self.assertRegex(r.stderr, r"(?m)^present-daemon: info: not putting back dunst: the server that had it "
                         r"\(:[0-9]+\.[0-9]+ on bus [0-9a-f]{32}\) is gone, and the switch with it; its record "
                         r"is dropped, nothing touched$")
        self.assertFalse(self.paused(self.bus))
        self.assertEqual(self.query("SELECT count(*) FROM dnd_changes"), [(0,)])


class NoDoNotDisturb(BusTestCase):
    def test_no_server_at_all(self):
        out = self.ok("start", "10m")
        self.assertRegex(out, r"^Present until (?:\w{3} )?\d\d:\d\d \(10 min\) · no notification server: nothing needed "
                              r"silencing\n$")
        self.assertFalse(self.bus.has_owner(NOTIFICATIONS), "nothing may be activated")
        # No backend, so no do-not-disturb to report.
        self.assertIsNone(json.loads(self.ok("status", "--json"))["dnd"])
        self.assertIn("warning  notification server: none is running", self.ok("stop") + self.ok("doctor"))

    def test_server_without_dnd(self):
        self.start_mock_notifications()
        r = self.present("start", "10m")
        self.assertEqual(r.returncode, 0)
        self.assertIn("· do-not-disturb unavailable", r.stdout)
        self.assertRegex(r.stderr, r"^present: warning: mock-notify \(.*\) has no do-not-disturb")

    def test_turned_off_in_config(self):
        self.start_mock("dnd_servers", server="dunst")
        self.write_config('dnd = { backend = "none"; };\n')
        self.assertIn("· do-not-disturb off in the configuration", self.ok("start", "10m"))
        self.assertFalse(Dunst(self).get())

    def test_forced_backend(self):
        self.start_mock("dnd_servers", server="dunst", version="9.9")
        self.write_config('dnd = { backend = "dunst"; };\n')
        self.assertIn("do-not-disturb on (dunst)", self.ok("start", "10m"))
        self.assertIn("backend: dunst (set by dnd.backend)", self.ok("stop") + self.ok("doctor"))

    def test_server_appears_mid_session(self):
        self.ok("start", "10m")
        self.start_mock("dnd_servers", server="dunst")
        wait_until(Dunst(self).get, 5, "the new server to be silenced")
        self.ok("stop")
        self.assertFalse(Dunst(self).get())


if __name__ == "__main__":
    harness.main()
