"""The shell completions: bash's COMPREPLY for verbs, options, durations and
the ids of responses owed and sessions; zsh's and fish's the same where those
shells are installed. The ids come from a stand-in `present` that prints what
`present owed --json` and `present history --json` print, and once from the
real one, reading a store the daemon made.
"""
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

import harness
from harness import BusTestCase

SOURCE_ROOT = os.environ["PRESENT_SOURCE_ROOT"]
COMPLETIONS = os.path.join(SOURCE_ROOT, "completions")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"

VERBS = ("start stop toggle extend status watch doctor restore alerts catchup owed ack done dismiss snooze history "
         "shortcut help").split()

# What the real commands print (see src/cli/owed.c and history.c): one item a line.
OWED_JSON = r'''[
  {"id": 3, "session": 12, "kind": "mail", "app": "thunderbird", "from": "Ana Lima", "subject": "Invoice \"Q3\"", "count": 2, "received_at": "2026-11-22T14:50:00+01:00", "last_at": "2026-11-22T14:55:00+01:00", "ack_by": "2026-11-22T16:50:00+01:00", "answer_by": "2026-11-23T14:50:00+01:00", "state": "owed", "snoozed_until": null, "overdue": false},
  {"id": 31, "session": 12, "kind": "person", "app": "slack", "from": "Bob: sales", "subject": null, "count": 1, "received_at": "2026-11-22T14:51:00+01:00", "last_at": "2026-11-22T14:51:00+01:00", "ack_by": "2026-11-22T16:51:00+01:00", "answer_by": "2026-11-23T14:51:00+01:00", "state": "owed", "snoozed_until": null, "overdue": true},
  {"id": 7, "session": 11, "kind": "mail", "app": "thunderbird", "from": "Carla", "subject": "Contract", "count": 1, "received_at": "2026-11-22T14:52:00+01:00", "last_at": "2026-11-22T14:52:00+01:00", "ack_by": "2026-11-22T16:52:00+01:00", "answer_by": "2026-11-23T14:52:00+01:00", "state": "acknowledged", "snoozed_until": null, "overdue": false}
]
'''
HISTORY_JSON = r'''[
  {"id": 12, "label": "Acme review", "started_at": "2026-11-22T14:00:00+01:00", "planned_end": "2026-11-22T15:00:00+01:00", "ended_at": "2026-11-22T15:00:00+01:00", "duration_s": 3600, "end_reason": "timer", "alerts": 4, "owed": 2},
  {"id": 11, "label": null, "started_at": "2026-11-21T10:00:00+01:00", "planned_end": "2026-11-21T11:00:00+01:00", "ended_at": "2026-11-21T10:30:00+01:00", "duration_s": 1800, "end_reason": "stop", "alerts": 1, "owed": 1}
]
'''

OWED_LISTED = ["3   (Ana Lima · Invoice \"Q3\")", "31  (Bob: sales)", "7   (Carla · Contract)"]


def fake_present(root):
    """A directory with a `present` that answers owed --json and history --json."""
    bindir = os.path.join(root, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name, text in (("owed.json", OWED_JSON), ("history.json", HISTORY_JSON)):
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    path = os.path.join(bindir, "present")
    with open(path, "w") as f:
        f.write('#!/bin/sh\ncase "$1 $2" in\n"owed --json") cat %s/owed.json ;;\n'
                '"history --json") cat %s/history.json ;;\n*) exit 2 ;;\nesac\n' % (root, root))
    os.chmod(path, 0o755)
    return bindir


def bash_complete(cases, path, env=None, bash_completion=False):
    """COMPREPLY for each case (words, the last being completed; optionally
    COMP_TYPE), as lists."""
    lines = ["set -u"]
    if bash_completion:
        lines.append("source %s" % BASH_COMPLETION)
    lines += ["source %s" % shlex.quote(os.path.join(COMPLETIONS, "present.bash")),
              't() { COMP_TYPE=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _present; '
              'local IFS="|"; printf "%s\\n" "${COMPREPLY[*]}"; }']
    for case in cases:
        words, comp_type = (case, 9) if isinstance(case, list) else case
        lines.append("t %d %s" % (comp_type, " ".join(shlex.quote(w) for w in words)))
    e = dict(env or os.environ)
    e["PATH"] = path + ":" + e.get("PATH", "/usr/bin:/bin")
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(lines)], env=e, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0 or r.stderr:
        raise AssertionError("bash failed (%d): %s" % (r.returncode, r.stderr))
    return [line.split("|") if line else [] for line in r.stdout.splitlines()]


def fish_complete(line, path, env=None):
    e = dict(env or os.environ)
    e["PATH"] = path + ":" + e.get("PATH", "/usr/bin:/bin")
    script = "source %s; complete -C %s" % (shlex.quote(os.path.join(COMPLETIONS, "present.fish")), shlex.quote(line))
    r = subprocess.run(["fish", "--no-config", "-c", script], env=e, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stderr:
        raise AssertionError("fish failed (%d): %s" % (r.returncode, r.stderr))
    return r.stdout.splitlines()


# Drives zsh's completion in a pseudo-terminal: the line given, TAB twice,
# and the listing that zsh prints, until the expected last line shows or 10 s pass.
ZSH_DRIVER = r'''
zmodload zsh/zpty || exit 77
zpty z zsh -f -i
zpty -w z 'PS1="" PROMPT_EOL_MARK=""; fpath=($FUNCS $fpath); autoload -Uz compinit; compinit -u -D; zstyle ":completion:*" format "<%d>"; setopt nolistambiguous nobeep; print RE""ADY'
out=
for i in {1..100}; do
	while zpty -r -t z chunk; do out+=$chunk; done
	[[ $out == *READY* ]] && break
	sleep 0.1
done
zpty -w -n z "$LINE"$'\t\t'
out=
for i in {1..100}; do
	while zpty -r -t z chunk; do out+=$chunk; done
	[[ $out == *$UNTIL* ]] && break
	sleep 0.1
done
zpty -d z
print -r -- "$out"
'''


def zsh_complete(root, line, until, path):
    funcs = os.path.join(root, "zfuncs")
    os.makedirs(funcs, exist_ok=True)
    shutil.copy(os.path.join(COMPLETIONS, "_present"), funcs)
    driver = os.path.join(root, "driver.zsh")
    with open(driver, "w") as f:
        f.write(ZSH_DRIVER)
    env = dict(os.environ, FUNCS=funcs, LINE=line, UNTIL=until, PATH=path + ":" + os.environ.get("PATH", ""),
               COLUMNS="200", LINES="50", TERM="dumb", HOME=root)
    r = subprocess.run(["zsh", "-f", driver], env=env, capture_output=True, text=True, timeout=60)
    # The listing, without the terminal's escapes and carriage returns.
    return [re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", line).rstrip() for line in r.stdout.replace("\r", "").splitlines()]


class Bash(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="present-completions-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.bin = fake_present(self.root)

    def test_verbs_and_options(self):
        got = bash_complete([
            ["present", ""],
            ["present", "st"],
            ["present", "-"],
            ["present", "start", "-"],
            ["present", "toggle", "--l"],
            ["present", "status", "--"],
            ["present", "watch", "--w"],
            ["present", "catchup", "-"],
            ["present", "owed", "--"],
            ["present", "alerts", "--"],
            ["present", "history", "--"],
            ["present", "shortcut", "--"],
            ["present", "stop", "-"],
            ["present", "nosuchverb", ""],
            ["present", "start", "--label", ""],
            ["present", "status", "--format", ""],
        ], self.bin)
        self.assertEqual(got, [
            VERBS,
            ["start", "stop", "status"],
            ["--help", "--version"],
            ["--label", "--quiet", "--help"],
            ["--label"],
            ["--json", "--waybar", "--format", "--help"],
            ["--waybar"],
            ["--interactive", "--all", "--json", "--hold", "--help"],
            ["--all", "--json", "--help"],
            ["--session", "--last", "--json", "--help"],
            ["--json", "--help"],
            ["--print", "--help"],
            ["--help"],
            [],
            [],  # a label is free text
            [],
        ])

    def test_help_takes_a_verb(self):
        got = bash_complete([
            ["present", "help", ""],
            ["present", "help", "st"],
            ["present", "help", "start", ""],
        ], self.bin)
        self.assertEqual(got, [VERBS, ["start", "stop", "status"], ["--help"]])

    def test_durations(self):
        got = bash_complete([
            ["present", "start", ""],
            ["present", "toggle", "4"],
            ["present", "start", "--label", "Acme review", "-q", ""],
            ["present", "start", "45m", ""],  # no second duration: the options
            ["present", "extend", ""],
            ["present", "snooze", "3", ""],
            ["present", "snooze", "3", "1h", ""],
        ], self.bin)
        self.assertEqual(got, [
            ["25m", "45m", "60", "90m", "2h"],
            ["45m"],
            ["25m", "45m", "60", "90m", "2h"],
            ["--label", "--quiet", "--help"],
            ["5m", "10m", "15m", "30m", "1h"],
            ["30m", "1h", "2h", "4h"],
            ["--help"],
        ])

    def test_shortcut_keys(self):
        got = bash_complete([
            ["present", "shortcut", ""],
            ["present", "shortcut", "Super+"],
            ["present", "shortcut", "--print", "C"],
            ["present", "shortcut", "Super+p", ""],
        ], self.bin)
        self.assertEqual(got, [
            ["Super+p", "Super+Shift+p", "Ctrl+Alt+p"],
            ["Super+p", "Super+Shift+p"],
            ["Ctrl+Alt+p"],
            ["--print", "--help"],  # one key only
        ])

    def test_owed_ids(self):
        got = bash_complete([
            (["present", "ack", ""], 63),  # listed: with who and what
            (["present", "done", "3"], 63),
            ["present", "dismiss", "7"],  # the one left is inserted bare
            (["present", "snooze", ""], 37),  # menu completion: bare ids
            ["present", "ack", "9"],
            ["present", "ack", "3", ""],
        ], self.bin)
        self.assertEqual(got, [
            OWED_LISTED,
            OWED_LISTED[:2],
            ["7"],
            ["3", "31", "7"],
            [],
            ["--help"],
        ])

    def test_sessions(self):
        got = bash_complete([
            (["present", "alerts", "--session", ""], 63),
            (["present", "alerts", "--json", "--session", "="], 63),  # --session= split at '='
            ["present", "alerts", "--session", "11"],
            ["present", "alerts", "--session", "12", ""],
        ], self.bin)
        self.assertEqual(got, [
            ["12  (Acme review)", "11  (no label)"],
            ["12  (Acme review)", "11  (no label)"],
            ["11"],
            ["--session", "--last", "--json", "--help"],
        ])

    def test_no_present_on_path(self):
        # No ids, and nothing on stderr.
        got = bash_complete([["present", "ack", ""]], os.path.join(self.root, "empty"),
                            env=dict(os.environ, PATH="/usr/bin:/bin"))
        self.assertEqual(got, [[]])

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_with_bash_completion_loaded(self):
        got = bash_complete([
            ["present", "start", "--label", "=", "x", ""],
            (["present", "ack", ""], 63),
            ["present", "st"],
        ], self.bin, bash_completion=True)
        self.assertEqual(got, [["25m", "45m", "60", "90m", "2h"], OWED_LISTED, ["start", "stop", "status"]])


class AgainstHelp(unittest.TestCase):
    """The completions know every verb `present --help` lists, and each option
    of its usage line: a verb or option added to the CLI must be added here."""

    def test_verbs_and_options(self):
        out = subprocess.run([harness.CLI, "--help"], capture_output=True, text=True, check=True).stdout
        verbs = re.findall(r"^  present (\w+)", out, re.M)
        self.assertEqual(sorted(verbs), sorted(VERBS))
        root = tempfile.mkdtemp(prefix="present-completions-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        bindir = fake_present(root)
        offered = bash_complete([["present", verb, "-"] for verb in verbs], bindir)
        for verb, options in zip(verbs, offered):
            usage = subprocess.run([harness.CLI, verb, "--help"], capture_output=True, text=True).stdout
            self.assertEqual(set(re.findall(r"--[a-z]+", usage)) - set(options), set(), usage)
            fish = [line.split("\t")[0] for line in fish_complete("present %s -" % verb, bindir)] \
                if shutil.which("fish") else options
            self.assertEqual(set(re.findall(r"--[a-z]+", usage)) - set(fish), set(), usage)


class Zsh(unittest.TestCase):
    def setUp(self):
        if not shutil.which("zsh"):
            self.skipTest("zsh is not installed")
        self.root = tempfile.mkdtemp(prefix="present-completions-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.bin = fake_present(self.root)

    def test_syntax(self):
        r = subprocess.run(["zsh", "-n", os.path.join(COMPLETIONS, "_present")], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_verbs(self):
        out = zsh_complete(self.root, "present st", "until when", self.bin)
        self.assertIn("<present verb>", out)
        self.assertIn("start   -- start a focus session", out)
        self.assertIn("stop    -- end the session now", out)
        self.assertTrue(any(line.startswith("status  -- what is running, and until when") for line in out), out)

    def test_owed_ids(self):
        out = zsh_complete(self.root, "present ack ", "Carla · Contract", self.bin)
        self.assertIn("<response owed>", out)
        self.assertIn('3   -- Ana Lima · Invoice "Q3"', out)
        self.assertIn("31  -- Bob: sales", out)
        self.assertTrue(any(line.startswith("7   -- Carla · Contract") for line in out), out)

    def test_help_takes_a_verb(self):
        out = zsh_complete(self.root, "present help st", "until when", self.bin)
        self.assertIn("<present verb>", out)
        self.assertIn("start   -- start a focus session", out)
        self.assertTrue(any(line.startswith("status  -- what is running, and until when") for line in out), out)

    def test_durations(self):
        out = zsh_complete(self.root, "present start ", "two hours", self.bin)
        self.assertIn("25m  -- 25 minutes", out)
        self.assertTrue(any(line.startswith("2h   -- two hours") for line in out), out)


class Fish(unittest.TestCase):
    def setUp(self):
        if not shutil.which("fish"):
            self.skipTest("fish is not installed")
        self.root = tempfile.mkdtemp(prefix="present-completions-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.bin = fake_present(self.root)

    def test_syntax(self):
        r = subprocess.run(["fish", "-n", os.path.join(COMPLETIONS, "present.fish")], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_verbs_and_options(self):
        self.assertEqual([line.split("\t")[0] for line in fish_complete("present ", self.bin)], VERBS)
        self.assertEqual(fish_complete("present sto", self.bin), ["stop\tEnd the session now"])
        self.assertEqual([line.split("\t")[0] for line in fish_complete("present status --", self.bin)],
                         ["--format", "--help", "--json", "--waybar"])
        self.assertEqual([line.split("\t")[0] for line in fish_complete("present start -", self.bin)],
                         ["-h", "-l", "-q", "--help", "--label", "--quiet"])

    def test_help_takes_a_verb(self):
        self.assertEqual(fish_complete("present help ", self.bin), VERBS)
        self.assertEqual(fish_complete("present help sto", self.bin), ["stop"])
        self.assertEqual(fish_complete("present help start ", self.bin), [])

    def test_durations_and_ids(self):
        self.assertEqual(fish_complete("present start ", self.bin),
                         ["25m\t25 minutes", "45m\t45 minutes", "60\tan hour", "90m\tan hour and a half",
                          "2h\ttwo hours"])
        self.assertEqual(fish_complete("present ack ", self.bin),
                         ['3\tAna Lima · Invoice "Q3"', "31\tBob: sales", "7\tCarla · Contract"])
        self.assertEqual(fish_complete("present snooze 3 ", self.bin),
                         ["30m\thalf an hour", "1h\tan hour", "2h\ttwo hours", "4h\tfour hours"])
        self.assertEqual(fish_complete("present alerts --session ", self.bin), ["12\tAcme review", "11\t(no label)"])
        self.assertEqual(fish_complete("present snooze 3 1h ", self.bin), [])


class RealStore(BusTestCase):
    """The ids from the real `present owed --json`, reading a store the daemon made."""

    def setUp(self):
        super().setUp()
        self.ok("start", "10m", "--quiet", "--label", "Acme review")
        self.ok("stop")
        now = int(time.time() * 1000)
        db = sqlite3.connect(self.store_path, timeout=10)
        with db:
            for id_, sender, subject in ((4, "Ana Lima", 'Invoice "Q3"'), (9, "Bob", "")):
                db.execute("INSERT INTO owed(id, session_id, kind, app, sender, subject, received_at, last_at, ack_by, "
                           "answer_by) VALUES (?, 1, 'mail', 'thunderbird', ?, ?, ?, ?, ?, ?)",
                           (id_, sender, subject, now, now, now + 7200000, now + 86400000))
        db.close()
        self.path = os.path.dirname(os.path.abspath(harness.CLI))

    def test_bash(self):
        got = bash_complete([(["present", "ack", ""], 63), ["present", "snooze", "9"],
                             (["present", "alerts", "--session", ""], 63)], self.path, env=self.bus.env)
        self.assertEqual(got, [['4  (Ana Lima · Invoice "Q3")', "9  (Bob)"], ["9"], ["1"]])

    def test_fish(self):
        if not shutil.which("fish"):
            self.skipTest("fish is not installed")
        self.assertEqual(fish_complete("present done ", self.path, env=self.bus.env),
                         ['4\tAna Lima · Invoice "Q3"', "9\tBob"])
        self.assertEqual(fish_complete("present alerts --session ", self.path, env=self.bus.env),
                         ["1\tAcme review"])


if __name__ == "__main__":
    harness.main()
