# fish completion for present(1): verbs, the options of each verb, durations,
# and the responses owed and past sessions from the store, with who and what.

set -l __present_verbs start stop toggle extend status watch doctor restore alerts catchup owed ack done dismiss snooze history shortcut help

# The present being completed (~/.local/bin/present), else the one on PATH.
function __present_command
    set -l cmd (commandline -opc)[1]
    set cmd (string replace -r '^~/' "$HOME/" -- $cmd)
    if string match -q -- '*/*' $cmd; and test -x "$cmd"
        echo $cmd
    else
        echo present
    end
end

# True when the verb is one of argv[2..] and argv[1] arguments come before the
# word being completed (options and their values not counted).
function __present_arg
    set -l want $argv[1]
    set -l verbs $argv[2..-1]
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l verb
    set -l n 0
    set -l skip 0
    set -l options_done 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test -z "$verb"
            string match -q -- '-*' $t; or set verb $t
            continue
        end
        if test $options_done = 0
            switch $t
                case --
                    set options_done 1
                    continue
                case -l --label --session --format
                    set skip 1
                    continue
                case '-[0-9]*'
                case '-*'
                    continue
            end
        end
        set n (math $n + 1)
    end
    contains -- "$verb" $verbs; and test $n = $want
end

# `present owed --json` prints one item per line:
# {"id": 3, ..., "from": "Ana Lima", "subject": "Invoice Q3" (or null), ...}
function __present_owed
    set -l cmd (__present_command)
    command $cmd owed --json 2>/dev/null |
        string replace -rf '^ *\{"id": (\d+), .*"from": "((?:[^"\\\\]|\\\\.)*)", "subject": (?:"((?:[^"\\\\]|\\\\.)*)"|null), .*' '$1\t$2 · $3' |
        string replace -r ' · $' '' |
        string replace -ra '\\\\(["\\\\/])' '$1'
end

function __present_sessions
    set -l cmd (__present_command)
    command $cmd history --json 2>/dev/null |
        string replace -rf '^ *\{"id": (\d+), "label": (?:"((?:[^"\\\\]|\\\\.)*)"|null).*' '$1\t$2' |
        string replace -r '\t$' '\t(no label)' |
        string replace -ra '\\\\(["\\\\/])' '$1'
end

function __present_durations
    switch $argv[1]
        case start
            printf '%s\t%s\n' 25m '25 minutes' 45m '45 minutes' 60 'an hour' 90m 'an hour and a half' 2h 'two hours'
        case extend
            printf '%s\t%s\n' 10m '10 minutes' 15m '15 minutes' 30m 'half an hour' 1h 'an hour'
        case snooze
            printf '%s\t%s\n' 30m 'half an hour' 1h 'an hour' 2h 'two hours' 4h 'four hours'
    end
end

function __present_keys
    printf '%s\t%s\n' '<Super>p' 'the default' '<Super><Shift>p' '' '<Control><Alt>p' ''
end

complete -c present -f

# The verb.
set -l noverb "not __fish_seen_subcommand_from $__present_verbs"
complete -c present -n $noverb -s h -l help -d 'Show the usage'
complete -c present -n $noverb -l version -d 'Show the version'
complete -c present -n $noverb -k -a help -d 'Show the usage'
complete -c present -n $noverb -k -a shortcut -d 'Bind present toggle to a key'
complete -c present -n $noverb -k -a history -d 'Past sessions'
complete -c present -n $noverb -k -a snooze -d 'Put off the reminders of a response owed'
complete -c present -n $noverb -k -a dismiss -d 'Mark a response owed as needing no answer'
complete -c present -n $noverb -k -a done -d 'Mark a response owed answered'
complete -c present -n $noverb -k -a ack -d 'Acknowledge a response owed, print a reply to paste'
complete -c present -n $noverb -k -a owed -d 'The responses owed, earliest deadline first'
complete -c present -n $noverb -k -a catchup -d 'After the meeting: what came in, who is waiting'
complete -c present -n $noverb -k -a alerts -d 'The alerts held in a session'
complete -c present -n $noverb -k -a restore -d 'End any session, put back what is left changed'
complete -c present -n $noverb -k -a doctor -d 'What a session would do on this desktop'
complete -c present -n $noverb -k -a watch -d 'Print the status now and on every change'
complete -c present -n $noverb -k -a status -d 'What is running, and until when'
complete -c present -n $noverb -k -a extend -d 'Make the running session longer'
complete -c present -n $noverb -k -a toggle -d 'Stop the session if one runs, else start one'
complete -c present -n $noverb -k -a stop -d 'End the session now'
complete -c present -n $noverb -k -a start -d 'Start a focus session'

# Every verb takes --help.
complete -c present -n "__fish_seen_subcommand_from $__present_verbs" -s h -l help -d 'Show the usage of this verb'

# help [VERB]
complete -c present -n '__present_arg 0 help' -k -a "$__present_verbs"

# start, toggle: [DURATION] [--label TEXT] [--quiet]
complete -c present -n '__fish_seen_subcommand_from start toggle' -s l -l label -x -d 'Name the session'
complete -c present -n '__fish_seen_subcommand_from start toggle' -s q -l quiet -d 'No heads-up about responses falling due'
complete -c present -n '__present_arg 0 start toggle' -k -a '(__present_durations start)'

# extend DURATION
complete -c present -n '__present_arg 0 extend' -k -a '(__present_durations extend)'

# status, watch: [--json | --waybar | --format FORMAT]
complete -c present -n '__fish_seen_subcommand_from status watch' -l json -d 'Print JSON for scripts'
complete -c present -n '__fish_seen_subcommand_from status watch' -l waybar -d 'Print JSON for a Waybar custom module'
complete -c present -n '__fish_seen_subcommand_from status watch' -l format -x -d 'Print FORMAT: {state} {remaining} {until} {label} {alerts} {owed} {overdue}'

# alerts [--session ID | --last] [--json]
complete -c present -n '__fish_seen_subcommand_from alerts' -l session -x -k -a '(__present_sessions)' -d 'The session whose alerts to list'
complete -c present -n '__fish_seen_subcommand_from alerts' -l last -d 'The last session'
complete -c present -n '__fish_seen_subcommand_from alerts' -l json -d 'Print JSON'

# catchup [-i] [--all] [--json|--hold]
complete -c present -n '__fish_seen_subcommand_from catchup' -s i -l interactive -d 'One key for each response owed'
complete -c present -n '__fish_seen_subcommand_from catchup' -l all -d 'Every alert, not the latest ten per app'
complete -c present -n '__fish_seen_subcommand_from catchup' -l json -d 'Print JSON'
complete -c present -n '__fish_seen_subcommand_from catchup' -l hold -d 'Wait for a key before closing'

# owed [--all] [--json]
complete -c present -n '__fish_seen_subcommand_from owed' -l all -d 'Also the items answered and dismissed'
complete -c present -n '__fish_seen_subcommand_from owed' -l json -d 'Print JSON'

# ack, done, dismiss ID; snooze ID DURATION
complete -c present -n '__present_arg 0 ack done dismiss snooze' -k -a '(__present_owed)'
complete -c present -n '__present_arg 1 snooze' -k -a '(__present_durations snooze)'

# history [--json]
complete -c present -n '__fish_seen_subcommand_from history' -l json -d 'Print JSON'

# shortcut [KEYS] [--print]
complete -c present -n '__fish_seen_subcommand_from shortcut' -l print -d 'Print the line to add instead of binding the key'
complete -c present -n '__present_arg 0 shortcut' -k -a '(__present_keys)'
