'''KDE Plasma notification server mock (python3-dbusmock template).

    /usr/bin/python3 -m dbusmock --template tests/mocks/plasma.py
    DBusTestCase.spawn_server_template('tests/mocks/plasma.py')

org.freedesktop.Notifications as Plasma 5.27 serves it: the usual methods,
GetServerInformation() = ("Plasma", "KDE", "5.27.0", "1.2"), and do-not-disturb
through Inhibit(s desktop_entry, s reason, a{sv} hints) -> u cookie,
UnInhibit(u cookie) and the read-only property Inhibited (b).

As in Plasma: an inhibition ends when the connection that asked for it leaves
the bus; an empty desktop_entry gets cookie 0 and no inhibition; UnInhibit of
an unknown cookie is silently ignored; each change of Inhibited emits
PropertiesChanged.

Mock-only, on org.freedesktop.DBus.Mock: ListInhibitions() -> a(usss)
(cookie, sender, desktop_entry, reason); RefuseUnInhibit(b): while true,
UnInhibit fails with org.freedesktop.DBus.Error.Failed, as a server in
trouble may.  Parameter "version" overrides
"5.27.0".
'''

import dbus

from dbusmock import MOCK_IFACE
from dbusmock.mockobject import DBusMockObject

BUS_NAME = 'org.freedesktop.Notifications'
MAIN_OBJ = '/org/freedesktop/Notifications'
MAIN_IFACE = 'org.freedesktop.Notifications'
SYSTEM_BUS = False

CAPABILITIES = ['body', 'body-hyperlinks', 'body-markup', 'body-images', 'icon-static',
                'actions', 'persistence', 'inline-reply', 'x-kde-urls',
                'x-kde-origin-name', 'x-kde-display-appname', 'inhibitions']


def load(mock, parameters):
    info = ('Plasma', 'KDE', parameters.get('version', '5.27.0'), '1.2')
    mock.next_id = 1
    mock.next_cookie = 1
    mock.inhibitions = {}  # cookie -> (sender, desktop_entry, reason)
    mock.refuse_uninhibit = False
    mock.AddProperty(MAIN_IFACE, 'Inhibited', dbus.Boolean(False))
    mock.AddMethods(MAIN_IFACE, [
        ('GetCapabilities', '', 'as', lambda self: CAPABILITIES),
        ('GetServerInformation', '', 'ssss', lambda self: info),
        ('Notify', 'susssasa{sv}i', 'u', _notify),
        ('CloseNotification', 'u', '', _close),
    ])
    mock.AddMethod(MOCK_IFACE, 'ListInhibitions', '', 'a(usss)', lambda self: [
        (cookie, *entry) for cookie, entry in sorted(self.inhibitions.items())])
    mock.AddMethod(MOCK_IFACE, 'RefuseUnInhibit', 'b', '',
                   lambda self, refuse: setattr(self, 'refuse_uninhibit', bool(refuse)))
    _make_read_only(mock, MAIN_IFACE, 'Inhibited')

    # Reset() calls load() again: do not stack a second watch.
    if getattr(mock, 'owner_watch', None) is not None:
        mock.owner_watch.remove()
    mock.owner_watch = mock.connection.add_signal_receiver(
        lambda name, old, new: _owner_changed(mock, name, new),
        signal_name='NameOwnerChanged', dbus_interface='org.freedesktop.DBus',
        bus_name='org.freedesktop.DBus', path='/org/freedesktop/DBus')


def _notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
    if replaces_id:
        return replaces_id
    self.next_id += 1
    return self.next_id - 1


def _close(self, notification_id):
    self.EmitSignal(MAIN_IFACE, 'NotificationClosed', 'uu', [notification_id, 3])


@dbus.service.method(MAIN_IFACE, in_signature='ssa{sv}', out_signature='u',
                     sender_keyword='sender')
def Inhibit(self, desktop_entry, reason, hints, sender=None):
    if not desktop_entry:
        return 0
    cookie = self.next_cookie
    self.next_cookie += 1
    self.inhibitions[cookie] = (sender, desktop_entry, reason)
    _update_inhibited(self)
    return cookie


@dbus.service.method(MAIN_IFACE, in_signature='u', out_signature='')
def UnInhibit(self, cookie):
    if self.refuse_uninhibit:
        raise dbus.exceptions.DBusException('UnInhibit refused by the test',
                                            name='org.freedesktop.DBus.Error.Failed')
    if self.inhibitions.pop(cookie, None):
        _update_inhibited(self)


def _owner_changed(mock, name, new_owner):
    if new_owner or not name.startswith(':'):
        return
    gone = [c for c, (sender, _, _) in mock.inhibitions.items() if sender == name]
    for cookie in gone:
        del mock.inhibitions[cookie]
    if gone:
        _update_inhibited(mock)


def _update_inhibited(mock):
    inhibited = bool(mock.inhibitions)
    if mock.props[MAIN_IFACE]['Inhibited'] != inhibited:
        mock.UpdateProperties(MAIN_IFACE, {'Inhibited': dbus.Boolean(inhibited)})


def _make_read_only(mock, iface, prop):
    # Installed on this object only: a module-level Set would be copied onto
    # the DBusMockObject class and so onto every other mock object.
    def Set(self, interface, name, value):
        if (interface, name) == (iface, prop):
            raise dbus.exceptions.DBusException(
                f'Property {name} is read-only',
                name='org.freedesktop.DBus.Error.PropertyReadOnly')
        DBusMockObject.Set(self, interface, name, value)
    method = dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='ssv',
                                 out_signature='')(Set)
    mock.methods.setdefault(dbus.PROPERTIES_IFACE, {})['Set'] = ('ssv', '', '', method)
