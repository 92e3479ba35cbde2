#!/usr/bin/python3
"""Part of bench/run: present against mako and swaync on a headless sway,
side by side with makoctl and swaync-client. sway refuses root, so bench/run
runs this as the unprivileged test user, with copies of the binaries it can
read; it prints its measurements as JSON lines on stdout.

    sway_toggles.py PRESENT PRESENT_SERVICE_DIR RUNS FLOOR

FLOOR is bench/floor.c's program.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

present, service_dir, runs, floor = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.environ["PRESENT_SERVICE_DIR"] = service_dir
import harness  # noqa: E402
import servers  # noqa: E402
from timing import timed  # noqa: E402


def measure(bus, server, on_cmd, off_cmd, clear, floor_name):
    """One round is present start and stop, the tool on and off, then the
    same call alone (bench/floor.c) where there is one: each turns the
    switch, and the tool starts with present's summary closed, as in
    bench/run's rounds.
    mako 1.7.1 can crash when its modes change just after a notification
    shows (present's summary at each stop is one): a round that saw the
    server die is counted, the server started again and the round run anew."""
    env = dict(bus.env)
    times = {"start": [], "stop": [], "baseline": [], "floor": [], "crashes": 0}
    i = 0
    while i < 3 + runs:
        try:
            t = {"start": timed([present, "start", "60"], env), "stop": timed([present, "stop"], env),
                 "clear": timed(clear, env), "on": timed(on_cmd, env), "off": timed(off_cmd, env)}
            if floor_name:
                t.update({"floor-on": timed([floor, floor_name, "on"], env),
                          "floor-off": timed([floor, floor_name, "off"], env)})
        except RuntimeError:
            if server.main.poll() is None or times["crashes"] >= 5:
                raise
            times["crashes"] += 1
            server.procs.remove(server.main)
            server.start_again()
            subprocess.run([present, "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            continue
        if i >= 3:
            times["start"].append(t["start"])
            times["baseline"] += [t["on"], t["off"]]
            times["stop"].append(t["stop"])
            times["floor"] += [t[k] for k in ("floor-on", "floor-off") if k in t]
        i += 1
    return times


root = tempfile.mkdtemp(prefix="present-bench-sway-")
bus = harness.PrivateBus(os.path.join(root, "bus"))
try:
    config = os.path.join(bus.env["XDG_CONFIG_HOME"], "mako", "config")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write("[mode=do-not-disturb]\ninvisible=1\n")
    # mako's modes are a list (makoctl reads it and sets it whole): no floor for it.
    for name, cls, args, on_cmd, off_cmd, tool, clear, floor_name in (
            ("mako", servers.Mako, ("[mode=do-not-disturb]\ninvisible=1\n",),
             ["makoctl", "mode", "-a", "do-not-disturb"], ["makoctl", "mode", "-r", "do-not-disturb"],
             "makoctl mode -a", ["makoctl", "dismiss", "--all"], None),
            ("SwayNotificationCenter", servers.Swaync, (), ["swaync-client", "-dn"], ["swaync-client", "-df"],
             "swaync-client -dn", ["swaync-client", "--close-all"], "swaync")):
        with cls(*args, bus_address=bus.address) as server:
            times = measure(bus, server, on_cmd, off_cmd, clear, floor_name)
            print(json.dumps({"server": name, "tool": tool, **times}), flush=True)
        if bus.has_owner():
            os.kill(bus.pid_of(), 15)
            harness.wait_until(lambda: not bus.has_owner(), 10, "the daemon to exit")
finally:
    bus.close()
    shutil.rmtree(root, ignore_errors=True)
