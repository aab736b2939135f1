#!/usr/bin/env bash
# twinctl's help fits 80 columns, and the bash completion
# (docs/contrib/bash-completion/twinctl) knows every command of its table
# and completes them. No daemon needed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
TWINCTL=$B/twinctl
COMP=$TOP/docs/contrib/bash-completion/twinctl
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

help=$("$TWINCTL" help)
wide=$(awk 'length($0) > 80' <<<"$help")
if [ -z "$wide" ]; then ok "twinctl help fits 80 columns"; else not_ok "twinctl help wider than 80 columns: $wide"; fi
[ "$("$TWINCTL" --help)" = "$help" ] && ok "--help is help" || not_ok "--help differs from help"

# the commands: the lines after "commands:" that start with two spaces and a name
cmds=$(sed -n '/^commands:/,$p' <<<"$help" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u)
n=$(wc -l <<<"$cmds")
[ "$n" -ge 15 ] && ok "twinctl help lists $n commands" || not_ok "twinctl help lists only $n commands"
for c in log alarm status; do
	grep -qx "$c" <<<"$cmds" && ok "help lists $c" || not_ok "help does not list $c"
done

# shellcheck source=/dev/null
. "$COMP"
listed=$(sed -n 's/^[[:space:]]*local commands="\(.*\)"$/\1/p' "$COMP" | tr ' ' '\n')
missing=$(comm -23 <(echo "$cmds") <(sort -u <<<"$listed"))
[ -z "$missing" ] && ok "the completion lists every command" || not_ok "missing from the completion: $missing"
extra=$(comm -13 <({ echo "$cmds"; echo help; } | sort -u) <(sort -u <<<"$listed"))
[ -z "$extra" ] && ok "the completion lists no command twinctl lacks" || not_ok "not twinctl commands: $extra"

complete_line() { # complete_line WORD...: what bash offers for the last word
	COMP_WORDS=(twinctl "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_twinctl
	echo "${COMPREPLY[*]}"
}
[ "$(complete_line lo)" = log ] && ok "twinctl lo<TAB>: log" || not_ok "twinctl lo<TAB>: '$(complete_line lo)'"
[ "$(complete_line log --p)" = --peer ] && ok "twinctl log --p<TAB>: --peer" || not_ok "log --p: '$(complete_line log --p)'"
[ "$(complete_line alarm "")" = ack ] && ok "twinctl alarm <TAB>: ack" || not_ok "alarm: '$(complete_line alarm "")'"
[ "$(complete_line alarm ack a)" = all ] && ok "twinctl alarm ack a<TAB>: all" || not_ok "alarm ack a: '$(complete_line alarm ack a)'"
[ "$(complete_line status --w)" = --watch ] && ok "twinctl status --w<TAB>: --watch" || not_ok "status --w: '$(complete_line status --w)'"
[ "$(complete_line -s /x sta)" = status ] && ok "twinctl -s SOCK sta<TAB>: status" || not_ok "-s SOCK sta: '$(complete_line -s /x sta)'"
for c in $cmds; do
	out=$(complete_line "${c:0:3}")
	grep -qw -- "$c" <<<"$out" || not_ok "${c:0:3}<TAB> does not offer $c ($out)"
done

echo "twinctl_help: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
