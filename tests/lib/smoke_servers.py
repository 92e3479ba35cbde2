#!/usr/bin/python3
"""Smoke test of servers.py: start each real notification server in turn,
switch its do-not-disturb on and off through its own API, read it back after
each step, stop it.

    /usr/bin/python3 tests/lib/smoke_servers.py [NAME...]

Prints one line per server (ok / skipped with the reason / failed with the
reason) and a closing "N passed, N failed, N skipped" line; exits 1 if any
server failed or a process was left behind.  Each group of servers runs in a
fresh restricted session bus: the X11 ones and GNOME Shell as the current
user, mako and swaync (sway) as the unprivileged test user when run as root.

--in-bus: test the named servers in the current session bus; this is what
each of those groups runs.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

NEEDS_SWAY = {'mako', 'swaync'}
BY_NAME = {cls.name: cls for cls in servers.ALL}


def saved_state(server):
    """What a session must restore afterwards; None means "unset"."""
    if isinstance(server, servers.GnomeShell):
        return server.user_show_banners()
    return server.get_dnd()


def restore(server, state):
    if isinstance(server, servers.GnomeShell):
        server.reset_show_banners() if state is None else server.set_show_banners(state)
    elif isinstance(server, servers.XfceNotifyd) and state is None:
        server.reset_dnd()
    else:
        server.set_dnd(state)


def check(server):
    """Exercise one running server; returns a short description."""
    name, _, version, _ = servers.server_information()
    if not server.supports_dnd:
        return f'{name} {version}: no DND; Notify -> id {servers.notify("smoke")}'
    before = saved_state(server)
    for on in (True, False):
        server.set_dnd(on)
        got = server.get_dnd()
        if got is not on:
            raise AssertionError(f'set_dnd({on}) reads back {got}')
        if isinstance(server, servers.GnomeShell):
            # The shell follows dconf's change signal, not our write.
            servers.wait_until(lambda: server.shell_show_banners() is not on, 5,
                               'the shell to see show-banners change')
    restore(server, before)
    after = saved_state(server)
    if after != before:
        raise AssertionError(f'saved state {before}, restored {after}')
    # Notify last: mako 1.7.1 can crash when its modes change just after a
    # visible notification arrived.
    nid = servers.notify('smoke')
    return f'{name} {version}: DND on, off, read back; state {before} restored; Notify -> id {nid}'


def run_here(names):
    """Test `names` in the current bus; prints one line each."""
    servers.install_sigterm_handler()
    for name in names:
        t0 = time.monotonic()
        try:
            with BY_NAME[name]() as server:
                started = time.monotonic() - t0
                detail = check(server)
                t1 = time.monotonic()
            status = 'ok'
            detail += f' (start {started:.2f}s, stop {time.monotonic() - t1:.2f}s)'
        except servers.Unavailable as e:
            status, detail = 'skipped', str(e)
        except Exception as e:  # report and go on with the next server
            status, detail = 'failed', f'{type(e).__name__}: {e}'.replace('\n', '\n    ')
        print(f'{status:8} {name:20} {detail}', flush=True)


def run_groups(names):
    """Run each group in a fresh restricted bus; returns the exit code."""
    tmp = tempfile.mkdtemp(prefix='present-smoke-')
    os.chmod(tmp, 0o755)  # the test user's bus reads the config from here
    lines, strays, errors = [], [], []
    try:
        svc = servers.write_service_dir(os.path.join(tmp, 'services'),
                                        servers.GnomeShell.SERVICES + servers.MateNotificationDaemon.SERVICES)
        config = servers.write_bus_config(os.path.join(tmp, 'bus.conf'), [svc])
        me = [servers.PYTHON, os.path.abspath(__file__), '--in-bus']
        as_root = os.geteuid() == 0
        groups = [([n for n in names if not (as_root and n in NEEDS_SWAY)],
                   servers.run_in_private_bus),
                  ([n for n in names if as_root and n in NEEDS_SWAY],
                   servers.run_as_test_user)]
        for group, runner in groups:
            if not group:
                continue
            with open(os.path.join(tmp, 'stderr.log'), 'w+', encoding='utf-8') as err:
                result = runner([*me, *group], bus_config=config, strays=strays,
                                stdout=servers.subprocess.PIPE, stderr=err,
                                text=True, cwd='/')
                err.seek(0)
                stderr = err.read()
            out = result.stdout.splitlines()
            print(*out, sep='\n', flush=True)
            lines += out
            if result.returncode or any(line.startswith('failed') for line in out):
                errors.append(f'group {group} exited {result.returncode}; stderr:\n'
                              + '\n'.join(stderr.splitlines()[-30:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for pid, cmd in strays:
        lines.append(f'failed   stray process {pid}: {cmd}')
        print(lines[-1])
    for error in errors:
        print(error, file=sys.stderr)
    count = {s: sum(line.startswith(s) for line in lines) for s in ('ok', 'failed', 'skipped')}
    print(f"smoke: {count['ok']} passed, {count['failed']} failed, {count['skipped']} skipped")
    return 1 if count['failed'] or errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('names', nargs='*', metavar='NAME', help=', '.join(BY_NAME))
    parser.add_argument('--in-bus', action='store_true')
    args = parser.parse_args()
    names = args.names or list(BY_NAME)
    unknown = set(names) - set(BY_NAME)
    if unknown:
        parser.error(f'unknown server(s) {sorted(unknown)}')
    if args.in_bus:
        run_here(names)
        return 0
    return run_groups(names)


if __name__ == '__main__':
    sys.exit(main())
