"""How bench/run and bench/sway_toggles.py time one whole process."""
import subprocess
import time

# Each timed command starts on a quiet desktop, as a key pressed by a person
# does: what the command before it set going (a server redrawing, present's
# own work after its reply) has finished. Back to back, that work would be
# charged to whichever command came next.
SETTLE = 0.5


def timed(argv, env):
    """Milliseconds from spawning argv to its exit, after the machine has settled."""
    time.sleep(SETTLE)
    started = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = (time.perf_counter() - started) * 1000
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr.decode()))
    return took
