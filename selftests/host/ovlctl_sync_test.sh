#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl's help, man page and bash completion describe the same tool (the
# kernel's bpftool sync test does the same): the commands of `ovlctl -h`
# (the command table), the .SS entries of the man page's COMMANDS section and
# the completion's commands= list are one set; every global long option of
# `ovlctl -h` is in the man page's OPTIONS section and in the completion's
# globals=; every long option of `ovlctl CMD --help` is in the man page's
# COMMANDS section and in the completion's "CMD) opts=" line, and back.
# Prints TAP; fails when one drifts.
set -u

# Commands the man page and the completion may describe before the binary
# has them. Empty it as commands land in the table; a name that is already
# in the table fails the "pending_is_current" case.
PENDING=""

. "$(dirname "$0")/lib.sh"
src=$top/tools/ovlctl
ovlctl_san
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# --- extractors (each prints one name per line, sorted) ------------------
help_commands() { sed -n '/^Commands:/,/^$/p' "$1" | sed -nE 's/^ ([a-z][a-z0-9-]*) .*/\1/p' | sort -u; }
# long options listed in the first column of an "Options:" block
help_longopts() { sed -n '/^Options:/,$p' "$1" | sed -nE 's/^ +(-[A-Za-z0-9], )?(--[a-z][a-z0-9-]*).*/\2/p' | sort -u; }
# the man source with \- turned into -, one section (.SH NAME) at a time
man_section() { sed 's/\\-/-/g' "$1" | awk -v s="$2" '/^\.SH /{on = ($2 == s)} on'; }
man_commands() { man_section "$1" COMMANDS | sed -nE 's/^\.SS "?([a-z][a-z0-9-]*)"?$/\1/p' | sort -u; }
man_command_section() { man_section "$1" COMMANDS | awk -v c="$2" '/^\.SS /{on = ($2 == c)} on'; }
comp_words() { sed -nE "s/^[[:space:]]*local $2=\"([^\"]*)\".*/\1/p" "$1" | tr ' ' '\n' | sed '/^$/d' | sort -u; }
# the opts= of "CMD) opts=..." or "A | CMD | B) opts=..."
comp_cmd_opts() {
	sed -nE 's/^[[:space:]]*([a-z| -]+)\) opts="([^"]*)".*/\1@\2/p' "$1" |
		awk -F@ -v c="$2" '{ n = split($1, a, /[ |]+/); for (i = 1; i <= n; i++) if (a[i] == c) print $2 }' |
		tr ' ' '\n' | grep -E '^--' | sort -u
}
has_opt() { grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)" "$1"; }

# missing WANT HAVE: the lines of file WANT not in file HAVE
missing() { comm -23 "$1" "$2"; }

# check_all MAN COMPLETION: print one "name:problem" line per drift
check_all() {
	local man=$1 comp=$2 c o
	help_commands "$tmp/help" >"$tmp/h.cmds"
	man_commands "$man" >"$tmp/m.cmds"
	comp_words "$comp" commands >"$tmp/c.cmds"
	printf '%s\n' $PENDING | sed '/^$/d' | sort -u >"$tmp/pending"
	sort -u "$tmp/h.cmds" "$tmp/pending" >"$tmp/known"
	missing "$tmp/h.cmds" "$tmp/m.cmds" | sed 's/^/help_commands_in_man:/'
	missing "$tmp/h.cmds" "$tmp/c.cmds" | sed 's/^/help_commands_in_completion:/'
	missing "$tmp/m.cmds" "$tmp/known" | sed 's/^/man_commands_in_help_or_pending:/'
	missing "$tmp/c.cmds" "$tmp/known" | sed 's/^/completion_commands_in_help_or_pending:/'
	comm -12 "$tmp/pending" "$tmp/h.cmds" | sed 's/^/pending_is_current:/'

	help_longopts "$tmp/help" >"$tmp/h.opts"
	man_section "$man" OPTIONS >"$tmp/m.options"
	comp_words "$comp" globals >"$tmp/c.globals"
	while read -r o; do
		has_opt "$tmp/m.options" "$o" || echo "global_options_in_man:$o"
	done <"$tmp/h.opts"
	missing "$tmp/h.opts" "$tmp/c.globals" | sed 's/^/global_options_in_completion:/'

	while read -r c; do
		"$ovlctl" "$c" --help >"$tmp/cmd.help" 2>&1
		help_longopts "$tmp/cmd.help" | grep -vx -- --help >"$tmp/cmd.opts"
		comp_cmd_opts "$comp" "$c" | grep -vx -- --help >"$tmp/cmd.comp"
		man_command_section "$man" "$c" >"$tmp/cmd.man"
		man_section "$man" COMMANDS >"$tmp/all.man"
		while read -r o; do
			has_opt "$tmp/all.man" "$o" || echo "command_options_in_man:$c $o"
		done <"$tmp/cmd.opts"
		missing "$tmp/cmd.opts" "$tmp/cmd.comp" | sed "s/^/command_options_in_completion:$c /"
		missing "$tmp/cmd.comp" "$tmp/cmd.opts" | sed "s/^/completion_options_in_help:$c /"
	done <"$tmp/h.cmds"
}

cases="help_commands_in_man help_commands_in_completion man_commands_in_help_or_pending
completion_commands_in_help_or_pending pending_is_current global_options_in_man
global_options_in_completion command_options_in_man command_options_in_completion
completion_options_in_help"

echo "TAP version 13"
echo "1..$(($(echo $cases | wc -w) + 3))"
"$ovlctl" -h >"$tmp/help" 2>&1
check_all "$src/ovlctl.8" "$src/ovlctl.bash-completion" >"$tmp/drift"
for c in $cases; do
	n=$((n + 1))
	if grep -q "^$c:" "$tmp/drift"; then
		echo "not ok $n $c"
		grep "^$c:" "$tmp/drift" | sed "s/^$c:/# missing or extra: /"
		failed=$((failed + 1))
	else
		echo "ok $n $c"
	fi
done

# The extractors must see something, and must catch a drift: a command
# dropped from the completion, an option dropped from the man page.
n=$((n + 1))
if [ -s "$tmp/h.cmds" ] && [ "$(wc -l <"$tmp/h.opts")" -ge 7 ] &&
	grep -qx features "$tmp/m.cmds" && grep -qx features "$tmp/c.cmds"; then
	echo "ok $n extractors_find_commands_and_options"
else
	echo "not ok $n extractors_find_commands_and_options"
	failed=$((failed + 1))
fi
n=$((n + 1))
sed -E '/local commands=/s/ gc"/"/' "$src/ovlctl.bash-completion" >"$tmp/comp.drift"
if check_all "$src/ovlctl.8" "$tmp/comp.drift" | grep -q "^help_commands_in_completion:gc$"; then
	echo "ok $n detects_a_command_missing_from_completion"
else
	echo "not ok $n detects_a_command_missing_from_completion"
	failed=$((failed + 1))
fi
n=$((n + 1))
sed 's/^\.BI \\-\\-log\\-format .*/.B nothing/' "$src/ovlctl.8" >"$tmp/man.drift"
if check_all "$tmp/man.drift" "$src/ovlctl.bash-completion" | grep -q "^global_options_in_man:--log-format$"; then
	echo "ok $n detects_an_option_missing_from_man"
else
	echo "not ok $n detects_an_option_missing_from_man"
	failed=$((failed + 1))
fi

[ $failed = 0 ]
