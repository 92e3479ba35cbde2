'''Do-not-disturb interfaces of dunst, mako, swaync, xfce4-notifyd and
Budgie, and how Cinnamon, MATE and elementary introduce themselves
(python3-dbusmock template), for fast protocol tests.

    /usr/bin/python3 -m dbusmock --template tests/mocks/dnd_servers.py -p '{"server": "mako"}'
    DBusTestCase.spawn_server_template('tests/mocks/dnd_servers.py', {'server': 'mako'})

Every variant owns org.freedesktop.Notifications (Notify, CloseNotification,
GetCapabilities, GetServerInformation) and adds, as measured on the real
servers (Debian 12):

dunst   ("dunst", "knopwob", "1.9.0 (2022-06-27)", "1.2"): the real version
        string has the date.  Interface org.dunstproject.cmd0
        on /org/freedesktop/Notifications: read/write property `paused` (b),
        read-only waitingLength/displayedLength/historyLength (u).  Notify
        while paused counts as waiting; unpausing displays them.  For the
        tests, property RefuseOff (b) of interface org.example.Mock on the
        same object: while true, unpausing answers org.example.Mock.Busy
        "do-not-disturb refused by the test" (or RefuseWith (s), when not
        empty) and changes nothing; so do the next RefuseOffTimes (u).
mako    ("mako", "emersion", "0.0.0", "1.2").  fr.emersion.Mako on
        /fr/emersion/Mako: ListModes() -> as, SetModes(as), SetMode(s).
        No signal on change (the real one sends none).
swaync  ("SwayNotificationCenter", "ErikReider", "0.7.3", "1.2").  Also owns
        org.erikreider.swaync.cc; /org/erikreider/swaync/cc has SetDnd(b),
        GetDnd() -> b, ToggleDnd() -> b, NotificationCount() -> u and signal
        Subscribe(u count, b dnd, b cc_open); the Notifications object has
        GetDnd/SetDnd/ToggleDnd, property Dnd and signal OnDndToggle(b).
        With "version" 0.8 or later, the cc object also has swaync's
        inhibitors: AddInhibitor(s) -> b, RemoveInhibitor(s) -> b,
        IsInhibited() -> b, NumberOfInhibitors() -> u, ClearInhibitors() -> b
        (and ListInhibitors() -> as, for the tests).
xfce    ("Xfce Notify Daemon", "Xfce", "0.7.3", "1.2").  Also owns
        org.xfce.Xfconf: /org/xfce/Xfconf org.xfce.Xfconf GetProperty,
        SetProperty, ResetProperty, PropertyExists, GetAllProperties; unset
        properties raise org.xfce.Xfconf.Error.PropertyNotFound (on Get and
        on Reset); signals PropertyChanged/PropertyRemoved.  The
        Notifications object carries interface org.xfce.Notifyd (Quit):
        xfce4-notifyd 0.7.3 owns no bus name of that name.

Desktops whose do-not-disturb is a GSettings key (the real desktops' own
schemas hold it, not the server), so only the server's introduction differs:

cinnamon    ("cinnamon", "GNOME", "5.6.8", "1.2"): org.cinnamon.desktop.notifications
            display-notifications (false = quiet).
mate        ("Notification Daemon", "MATE", "1.26.0", "1.2"): org.mate.NotificationDaemon
            do-not-disturb.  GNOME's notification-daemon has the same name, vendor "GNOME".
elementary  ("io.elementary.notifications", "elementaryOS", "7.1.0", "1.2"):
            io.elementary.notifications do-not-disturb.

budgie  ("Budgie Notification Server", "Budgie Desktop Developers", "10.8.2", "1.2").
        Also owns org.budgie_desktop.Notifications; /org/budgie_desktop/Notifications
        has interface org.buddiesofbudgie.budgie.Dispatcher, as budgie-desktop
        10.8: GetDoNotDisturb() -> b, ToggleDoNotDisturb() (no setter), signal
        DoNotDisturbChanged(b), read/write property NotificationsPaused (b).
        In memory only.

Parameters: "server" picks the variant (default "dunst"); "version"
overrides the version in GetServerInformation; "refuse_on" makes the call
that turns do-not-disturb on (dunst's Set of paused, mako's SetModes with the
mode, swaync's SetDnd and AddInhibitor, Xfconf's SetProperty) answer
org.example.Mock.Busy "do-not-disturb refused by the test": "refused"
changes nothing, "applied" makes the change all the same (as a server does
that answers too late for its caller, or fails after applying).

A server still starting, as swaync 0.8 and later are when they own
org.freedesktop.Notifications: "late" withholds the names the variant owns
besides that one (swaync's org.erikreider.swaync.cc) and, when it is
"object", its object too (GetServerInformation answers
org.freedesktop.DBus.Error.UnknownMethod, as GDBus does for a path with
nothing registered).  They come when the test calls Register() on
interface org.example.Mock of the Notifications object, or by themselves
"late_ms" milliseconds after the start.

"slow_summary" (seconds) holds the answer to a Notify whose summary starts
"While you were present" that long, as a server busy drawing does: the
caller has sent its summary and has no answer yet.
'''

import ctypes
import time

import dbus

from dbusmock import mockobject
from dbusmock.mockobject import DBusMockObject

BUS_NAME = 'org.freedesktop.Notifications'
MAIN_OBJ = '/org/freedesktop/Notifications'
MAIN_IFACE = 'org.freedesktop.Notifications'
SYSTEM_BUS = False

DUNST_IFACE = 'org.dunstproject.cmd0'
TEST_IFACE = 'org.example.Mock'  # the tests' own controls
MAKO_PATH, MAKO_IFACE = '/fr/emersion/Mako', 'fr.emersion.Mako'
SWAYNC_CC = 'org.erikreider.swaync.cc'
SWAYNC_PATH = '/org/erikreider/swaync/cc'
XFCONF = 'org.xfce.Xfconf'
XFCONF_PATH = '/org/xfce/Xfconf'
BUDGIE = 'org.budgie_desktop.Notifications'
BUDGIE_PATH = '/org/budgie_desktop/Notifications'
BUDGIE_IFACE = 'org.buddiesofbudgie.budgie.Dispatcher'
BASIC_CAPS = ['actions', 'body', 'body-markup']

SERVERS = {
    'dunst': (('dunst', 'knopwob', '1.9.0 (2022-06-27)', '1.2'),
              ['actions', 'body', 'body-hyperlinks', 'icon-static', 'synchronous',
               'private-synchronous', 'x-canonical-private-synchronous',
               'x-dunst-stack-tag', 'body-markup']),
    'mako': (('mako', 'emersion', '0.0.0', '1.2'),
             ['body', 'body-markup', 'actions', 'icon-static']),
    'swaync': (('SwayNotificationCenter', 'ErikReider', '0.7.3', '1.2'),
               ['actions', 'body', 'body-markup', 'body-images', 'persistence',
                'synchronous', 'private-synchronous']),
    'xfce': (('Xfce Notify Daemon', 'Xfce', '0.7.3', '1.2'),
             ['action-icons', 'actions', 'body', 'body-hyperlinks', 'body-markup',
              'icon-static', 'x-canonical-private-icon-only']),
    'cinnamon': (('cinnamon', 'GNOME', '5.6.8', '1.2'), BASIC_CAPS + ['body-hyperlinks', 'persistence']),
    'mate': (('Notification Daemon', 'MATE', '1.26.0', '1.2'), BASIC_CAPS + ['body-hyperlinks', 'icon-static']),
    'elementary': (('io.elementary.notifications', 'elementaryOS', '7.1.0', '1.2'),
                   BASIC_CAPS + ['persistence']),
    'budgie': (('Budgie Notification Server', 'Budgie Desktop Developers', '10.8.2', '1.2'),
               ['action-icons', 'actions', 'body', 'body-markup']),
}


def load(mock, parameters):
    server = parameters.get('server', 'dunst')
    if server not in SERVERS:
        raise dbus.exceptions.DBusException(
            f'unknown server {server!r}, one of {sorted(SERVERS)}',
            name='org.freedesktop.DBus.Mock.TemplateError')
    info, caps = SERVERS[server]
    if 'version' in parameters:
        info = (info[0], info[1], parameters['version'], info[3])
    mock.server = server
    mock.refuse_on = parameters.get('refuse_on')
    mock.late = parameters.get('late')
    mock.withheld = []
    mock.next_id = 1
    mock.on_notify = lambda: None
    mock.slow_summary = float(parameters.get('slow_summary', 0))
    mock.AddMethods(MAIN_IFACE, [
        ('GetCapabilities', '', 'as', lambda self: caps),
        ('GetServerInformation', '', 'ssss', lambda self: _registered(self) and info),
        ('Notify', 'susssasa{sv}i', 'u', _notify),
        ('CloseNotification', 'u', '', lambda self, i: self.EmitSignal(
            MAIN_IFACE, 'NotificationClosed', 'uu', [i, 3])),
    ])
    globals()['_load_' + server](mock)
    if server == 'swaync' and tuple(int(n) for n in info[2].split('.')[:2]) >= (0, 8):
        _swaync_inhibitors(mock, float(parameters.get('slow', 0)))
    if mock.late:
        mock.AddMethod(TEST_IFACE, 'Register', '', '', lambda self: _register(mock))
        if 'late_ms' in parameters:
            _after(int(parameters['late_ms']), lambda: _register(mock))


def _registered(mock):
    if mock.late == 'object':
        raise dbus.exceptions.DBusException(
            f'No such interface "{MAIN_IFACE}" on object at path {MAIN_OBJ}',
            name='org.freedesktop.DBus.Error.UnknownMethod')
    return True


def _register(mock):
    """What a server still starting registers once it is done."""
    mock.late = None
    for name in mock.withheld:
        _own(mock, name)
    mock.withheld = []


_glib = ctypes.cdll.LoadLibrary('libglib-2.0.so.0')
_SOURCE_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_timeouts = []  # the callbacks GLib holds, kept alive


def _after(ms, func):
    """func() once, ms milliseconds from now, on dbusmock's GLib loop (there is no gi here)."""
    callback = _SOURCE_FUNC(lambda _data: (func(), 0)[1])
    _timeouts.append(callback)
    _glib.g_timeout_add(ctypes.c_uint(ms), callback, None)


def _notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
    if not replaces_id:
        replaces_id = self.next_id
        self.next_id += 1
    self.on_notify()
    if self.slow_summary and summary.startswith('While you were present'):
        time.sleep(self.slow_summary)
    return replaces_id


def _own(mock, name):
    if mock.late:
        mock.withheld.append(name)
        return
    # Reset() runs load() again: the names stay owned, only objects go.
    if not hasattr(mock, 'extra_names'):
        mock.extra_names = {}
    if name not in mock.extra_names:
        mock.extra_names[name] = dbus.service.BusName(
            name, mock.connection, allow_replacement=True, replace_existing=True,
            do_not_queue=True)


def _add_object(mock, path, iface, props, methods):
    mock.AddObject(path, iface, props, [])
    obj = mockobject.objects[path]
    obj.AddMethods(iface, methods)
    return obj


def _hook_set(obj, handler):
    '''Route Properties.Set on `obj` through handler(obj, iface, name, value),
    which returns True when it handled the call.'''
    # Installed on this object only: a module-level Set would be copied onto
    # the DBusMockObject class and so onto every other mock object.
    def Set(self, interface, name, value):
        if not handler(self, interface, name, value):
            DBusMockObject.Set(self, interface, name, value)
    method = dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='ssv',
                                 out_signature='')(Set)
    obj.methods.setdefault(dbus.PROPERTIES_IFACE, {})['Set'] = ('ssv', '', '', method)


def _turn_on(mock, change):
    """Runs change(), which turns do-not-disturb on, as "refuse_on" says."""
    if mock.refuse_on in (None, 'applied'):
        change()
    if mock.refuse_on:
        raise _refused()


def _refused(message=''):
    return dbus.exceptions.DBusException(message or 'do-not-disturb refused by the test', name='org.example.Mock.Busy')


def _read_only(name):
    return dbus.exceptions.DBusException(
        f'Property {name} is read-only', name='org.freedesktop.DBus.Error.PropertyReadOnly')


# ------------------------------------------------------------------ dunst

def _load_dunst(mock):
    mock.AddProperties(DUNST_IFACE, {
        'paused': dbus.Boolean(False), 'waitingLength': dbus.UInt32(0),
        'displayedLength': dbus.UInt32(0), 'historyLength': dbus.UInt32(0)})
    mock.AddProperties(TEST_IFACE, {'RefuseOff': dbus.Boolean(False), 'RefuseWith': dbus.String(''),
                                    'RefuseOffTimes': dbus.UInt32(0)})
    mock.AddMethods(DUNST_IFACE, [
        (m, '', '', '') for m in ('ContextMenuCall', 'NotificationCloseAll',
                                  'NotificationCloseLast', 'NotificationShow')])
    mock.AddMethods(DUNST_IFACE, [
        ('NotificationAction', 'u', '', ''),
        ('NotificationPopHistory', 'u', '', ''),
        ('NotificationListHistory', '', 'aa{sv}', 'ret = []'),
        ('RuleEnable', 'si', '', ''),
    ])

    def counted():
        props = mock.props[DUNST_IFACE]
        key = 'waitingLength' if props['paused'] else 'displayedLength'
        mock.UpdateProperties(DUNST_IFACE, {key: dbus.UInt32(props[key] + 1)})
    mock.on_notify = counted

    def on_set(obj, iface, name, value):
        if iface != DUNST_IFACE:
            return False
        if name != 'paused':
            raise _read_only(name)
        props = obj.props[DUNST_IFACE]
        changes = {'paused': dbus.Boolean(value)}
        if not value and props['waitingLength']:
            # dunst shows everything it held back as soon as it is unpaused.
            changes.update(waitingLength=dbus.UInt32(0), displayedLength=dbus.UInt32(
                props['displayedLength'] + props['waitingLength']))
        if value:
            _turn_on(mock, lambda: obj.UpdateProperties(DUNST_IFACE, changes))
        elif obj.props[TEST_IFACE]['RefuseOff']:
            raise _refused(obj.props[TEST_IFACE]['RefuseWith'])
        elif obj.props[TEST_IFACE]['RefuseOffTimes']:
            obj.props[TEST_IFACE]['RefuseOffTimes'] = dbus.UInt32(obj.props[TEST_IFACE]['RefuseOffTimes'] - 1)
            raise _refused(obj.props[TEST_IFACE]['RefuseWith'])
        else:
            obj.UpdateProperties(DUNST_IFACE, changes)
        return True
    _hook_set(mock, on_set)


# ------------------------------------------------------------------- mako

def _load_mako(mock):
    mock.modes = ['default']

    def set_modes(self, modes):
        def change():
            mock.modes = [str(m) for m in modes]
        if 'do-not-disturb' in modes and 'do-not-disturb' not in mock.modes:
            _turn_on(mock, change)
        else:
            change()
    _add_object(mock, MAKO_PATH, MAKO_IFACE, {}, [
        ('ListModes', '', 'as', lambda self: dbus.Array(mock.modes, signature='s')),
        ('SetModes', 'as', '', set_modes),
        ('SetMode', 's', '', lambda self, mode: set_modes(self, [mode])),
        ('ListNotifications', '', 'aa{sv}', 'ret = []'),
        ('DismissAllNotifications', '', '', ''),
        ('DismissLastNotification', '', '', ''),
        ('DismissNotification', 'ub', '', ''),
        ('InvokeAction', 'us', '', ''),
        ('RestoreNotification', '', '', ''),
        ('Reload', '', '', ''),
    ])


# ----------------------------------------------------------------- swaync

def _swaync_inhibitors(mock, slow):
    """swaync 0.8 and later: inhibitors by application id, kept until removed
    (its caller's going away does not end one), beside the user's SetDnd.
    AddInhibitor answers after slow seconds."""
    mock.inhibitors = []

    def add(self, app_id):
        time.sleep(slow)
        if app_id in mock.inhibitors:
            return False
        _turn_on(mock, lambda: mock.inhibitors.append(str(app_id)))
        return True

    def remove(self, app_id):
        if app_id not in mock.inhibitors:
            return False
        mock.inhibitors.remove(app_id)
        return True

    def clear(self):
        had = bool(mock.inhibitors)
        mock.inhibitors.clear()
        return had

    mockobject.objects[SWAYNC_PATH].AddMethods(SWAYNC_CC, [
        ('AddInhibitor', 's', 'b', add),
        ('RemoveInhibitor', 's', 'b', remove),
        ('NumberOfInhibitors', '', 'u', lambda self: len(mock.inhibitors)),
        ('IsInhibited', '', 'b', lambda self: bool(mock.inhibitors)),
        ('ClearInhibitors', '', 'b', clear),
        ('ListInhibitors', '', 'as', lambda self: dbus.Array(mock.inhibitors, signature='s')),
    ])


def _load_swaync(mock):
    mock.dnd = False
    mock.count = 0

    def set_dnd(self, on):
        mock.dnd = bool(on)
        mock.props[MAIN_IFACE]['Dnd'] = dbus.Boolean(mock.dnd)
        cc.EmitSignal(SWAYNC_CC, 'Subscribe', 'ubb', [mock.count, mock.dnd, False])
        mock.EmitSignal(MAIN_IFACE, 'OnDndToggle', 'b', [mock.dnd])

    def toggle(self):
        set_dnd(self, not mock.dnd)
        return mock.dnd

    def notified():
        mock.count += 1
        cc.EmitSignal(SWAYNC_CC, 'Subscribe', 'ubb', [mock.count, mock.dnd, False])
    mock.on_notify = notified

    def set_dnd_call(self, on):
        if on:
            _turn_on(mock, lambda: set_dnd(self, on))
        else:
            set_dnd(self, on)

    dnd_methods = [('GetDnd', '', 'b', lambda self: mock.dnd),
                   ('SetDnd', 'b', '', set_dnd_call),
                   ('ToggleDnd', '', 'b', toggle)]
    _own(mock, SWAYNC_CC)
    cc = _add_object(mock, SWAYNC_PATH, SWAYNC_CC, {}, [
        *dnd_methods,
        ('NotificationCount', '', 'u', lambda self: mock.count),
        ('GetSubscribeData', '', '(bbu)', lambda self: (mock.dnd, False, mock.count)),
        ('GetVisibility', '', 'b', 'ret = False'),
        ('CloseAllNotifications', '', '', ''),
        ('CloseNotification', 'u', '', ''),
    ])
    mock.AddMethods(MAIN_IFACE, dnd_methods)
    mock.AddProperty(MAIN_IFACE, 'Dnd', dbus.Boolean(False))

    def on_set(obj, iface, name, value):
        if (iface, name) != (MAIN_IFACE, 'Dnd'):
            return False
        set_dnd(obj, value)
        return True
    _hook_set(mock, on_set)


# ------------------------------------------------------------------- xfce

class _NotFound(dbus.exceptions.DBusException):
    _dbus_error_name = 'org.xfce.Xfconf.Error.PropertyNotFound'

    def __init__(self, channel, prop):
        super().__init__(f'Property "{prop}" does not exist on channel "{channel}"')


def _load_xfce(mock):
    mock.AddMethod('org.xfce.Notifyd', 'Quit', '', '', '')
    mock.xfconf = {}  # (channel, property) -> value

    def get(self, channel, prop):
        if (channel, prop) not in mock.xfconf:
            raise _NotFound(channel, prop)
        return mock.xfconf[(channel, prop)]

    def set_(self, channel, prop, value):
        def change():
            mock.xfconf[(channel, prop)] = value
            xfconf.EmitSignal(XFCONF, 'PropertyChanged', 'ssv', [channel, prop, value])
        if (channel, prop) == ('xfce4-notifyd', '/do-not-disturb') and value:
            _turn_on(mock, change)
        else:
            change()

    def reset(self, channel, prop, recursive):
        doomed = [k for k in mock.xfconf if k[0] == channel and (
            k[1] == prop or (recursive and k[1].startswith(prop.rstrip('/') + '/')))]
        if not doomed:
            raise _NotFound(channel, prop)
        for key in doomed:
            del mock.xfconf[key]
            xfconf.EmitSignal(XFCONF, 'PropertyRemoved', 'ss', list(key))

    def get_all(self, channel, base):
        return dbus.Dictionary({p: v for (c, p), v in mock.xfconf.items()
                                if c == channel and p.startswith(base)}, signature='sv')

    _own(mock, XFCONF)
    xfconf = _add_object(mock, XFCONF_PATH, XFCONF, {}, [
        ('GetProperty', 'ss', 'v', get),
        ('SetProperty', 'ssv', '', set_),
        ('ResetProperty', 'ssb', '', reset),
        ('PropertyExists', 'ss', 'b', lambda self, c, p: (c, p) in mock.xfconf),
        ('GetAllProperties', 'ss', 'a{sv}', get_all),
        ('ListChannels', '', 'as',
         lambda self: dbus.Array(sorted({c for c, _ in mock.xfconf}), signature='s')),
        ('IsPropertyLocked', 'ss', 'b', 'ret = False'),
    ])


# ----------------------------------------------- GSettings-based desktops

def _load_cinnamon(mock):
    pass


def _load_mate(mock):
    pass


def _load_elementary(mock):
    pass


# ----------------------------------------------------------------- budgie

def _load_budgie(mock):
    mock.dnd = False

    def toggle(self):
        mock.dnd = not mock.dnd
        dispatcher.EmitSignal(BUDGIE_IFACE, 'DoNotDisturbChanged', 'b', [mock.dnd])

    _own(mock, BUDGIE)
    dispatcher = _add_object(mock, BUDGIE_PATH, BUDGIE_IFACE,
                             {'NotificationsPaused': dbus.Boolean(False)}, [
                                 ('GetDoNotDisturb', '', 'b', lambda self: mock.dnd),
                                 ('ToggleDoNotDisturb', '', '', toggle),
                             ])
