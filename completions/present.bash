# bash completion for present(1)                               -*- shell-script -*-
#
# Verbs, the options of each verb, durations, and the numbers of the
# responses owed (from `present owed --json`, with who and what beside them
# when bash lists them) and of past sessions (from `present history --json`).

_present_verbs='start stop toggle extend status watch doctor restore alerts catchup owed ack done dismiss snooze history shortcut help'
_present_durations='25m 45m 60 90m 2h'
_present_extend_durations='5m 10m 15m 30m 1h'
_present_snooze_durations='30m 1h 2h 4h'
# With plus signs, which present takes too: GTK's <Super> would have to be
# quoted on the command line.
_present_keys='Super+p Super+Shift+p Ctrl+Alt+p'

# The present being completed, for the owed ids and sessions: the one typed
# (~/.local/bin/present), else the one on PATH.
_present_program()
{
	local prog=${COMP_WORDS[0]}
	[[ $prog == '~/'* ]] && prog=$HOME/${prog#'~/'}
	if [[ $prog == */* && -x $prog ]]; then
		printf '%s\n' "$prog"
	else
		printf 'present\n'
	fi
}

# "ID<TAB>who · about what", one line per open response owed. `present owed
# --json` prints one item per line: {"id": 3, ..., "from": "...", "subject": "..." or null, ...}
_present_owed_items()
{
	"$(_present_program)" owed --json 2>/dev/null |
		sed -n 's/^ *{"id": \([0-9][0-9]*\), .*"from": "\(\([^"\\]\|\\.\)*\)", "subject": \("\(\([^"\\]\|\\.\)*\)"\|null\), .*/\1\t\2 · \5/p' |
		sed 's/ · $//; s/\\\(["\\/]\)/\1/g'
}

# "ID<TAB>label", one line per past session, newest first (a label is null when there is none).
_present_sessions()
{
	"$(_present_program)" history --json 2>/dev/null |
		sed -n 's/^ *{"id": \([0-9][0-9]*\), "label": \("\(\([^"\\]\|\\.\)*\)"\|null\).*/\1\t\3/p' |
		sed 's/\\\(["\\/]\)/\1/g; s/\t$/\tno label/'
}

# Completes numbers from lines "ID<TAB>description" on stdin. When bash is
# about to list several, each shows its description; a single one, or one
# for menu completion, is the bare number.
_present_complete_ids()
{
	local cur=$1 id desc width=1
	local -a ids=() descs=()
	while IFS=$'\t' read -r id desc; do
		[[ $id == "$cur"* ]] || continue
		ids+=("$id")
		descs+=("$desc")
		((${#id} > width)) && width=${#id}
	done
	if ((${#ids[@]} <= 1)) || [[ ${COMP_TYPE-} == 37 ]]; then
		COMPREPLY=("${ids[@]}")
		return
	fi
	local i
	COMPREPLY=()
	for i in "${!ids[@]}"; do
		desc=${descs[i]}
		((${#desc} > 60)) && desc="${desc:0:59}…"
		if [[ -n $desc ]]; then
			COMPREPLY+=("$(printf '%-*s  (%s)' "$width" "${ids[i]}" "$desc")")
		else
			COMPREPLY+=("${ids[i]}")
		fi
	done
}

_present()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# The verb, and how many arguments it has before the word being completed.
	local verb='' nargs=0 i w options_done=''
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $verb ]]; then
			[[ $w == -* ]] || verb=$w
			continue
		fi
		if [[ -z $options_done ]]; then
			case $w in
			--) options_done=1; continue ;;
			# Options that take a value: skip it. COMP_WORDS splits "--label=x" in three at the '='.
			-l | --label | --session | --format)
				[[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
				((i++))
				continue
				;;
			--*=*) continue ;;
			-[!0-9]*) continue ;;
			esac
		fi
		((nargs++))
	done

	if [[ -z $verb ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '--help --version' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$_present_verbs" -- "$cur")
		fi
		return
	fi

	# The value of an option: "--session 3", or "--session=3", which is
	# three words ("--session" "=" "3"), or two while the cursor is on the '='.
	local opt=$prev
	if [[ $cur == = ]]; then
		cur=''
	elif [[ $prev == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	case $opt in
	-l | --label | --format) return ;;
	--session)
		_present_complete_ids "$cur" < <(_present_sessions)
		return
		;;
	esac

	local options='' positional=''
	case $verb in
	start | toggle)
		options='--label --quiet --help'
		((nargs == 0)) && positional=duration
		;;
	extend)
		options='--help'
		((nargs == 0)) && positional=extend
		;;
	status | watch) options='--json --waybar --format --help' ;;
	alerts) options='--session --last --json --help' ;;
	catchup) options='--interactive --all --json --hold --help' ;;
	owed) options='--all --json --help' ;;
	ack | done | dismiss)
		options='--help'
		((nargs == 0)) && positional=owed
		;;
	snooze)
		options='--help'
		((nargs == 0)) && positional=owed
		((nargs == 1)) && positional=snooze
		;;
	history) options='--json --help' ;;
	shortcut)
		options='--print --help'
		((nargs == 0)) && positional=keys
		;;
	help)
		options='--help'
		((nargs == 0)) && positional=verb
		;;
	stop | restore | doctor) options='--help' ;;
	*) return ;;
	esac

	if [[ $cur == -* && $cur != -[0-9]* && -z $options_done ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		return
	fi
	case $positional in
	duration) mapfile -t COMPREPLY < <(compgen -W "$_present_durations" -- "$cur") ;;
	extend) mapfile -t COMPREPLY < <(compgen -W "$_present_extend_durations" -- "$cur") ;;
	snooze) mapfile -t COMPREPLY < <(compgen -W "$_present_snooze_durations" -- "$cur") ;;
	keys) mapfile -t COMPREPLY < <(compgen -W "$_present_keys" -- "$cur") ;;
	owed) _present_complete_ids "$cur" < <(_present_owed_items) ;;
	verb) mapfile -t COMPREPLY < <(compgen -W "$_present_verbs" -- "$cur") ;;
	'') [[ -z $cur ]] && mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur") ;;
	esac
}

if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); then
	complete -o nosort -F _present present
else
	complete -F _present present
fi
