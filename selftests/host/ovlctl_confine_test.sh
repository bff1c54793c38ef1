#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a container's annotations and a recorded spec may make root mount:
# layers only beneath the roots of ovlctl.conf, opened with RESOLVE_BENEATH
# (no "..", no symlink out, no path outside), options only overlayfs's
# feature switches (and for containers only those ovlctl.conf allows), a
# recorded spec checked like the caller's input, a user.* spec believed
# only from a workdir root or the caller owns. Every case here is refused
# before anything is mounted or the real runtime runs. ASan/UBSan build.
# Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
ovlctl_san
scratch

fake=$tmp/bin/fake-runtime
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "$@" >>"$0.argv"\n' >"$fake"
chmod +x "$fake"
ran() { [ -s "$fake.argv" ]; }

R=$tmp/roots/pairs
I=$tmp/roots/images
b=$tmp/bundle
mkdir -p "$R/c/upper" "$R/c/work" "$R/c/lower" "$I/l1" "$b/rootfs" \
	"$tmp/outside/etc" "$tmp/outside/u"
echo secret >"$tmp/outside/etc/shadow"
conf=$tmp/ovlctl.conf
printf '[annotations]\nroots = %s\nlower_roots = %s\noptions = index\n' \
	"$R" "$I" >"$conf"
chmod 0644 "$conf"
export OVLCTL_CONFIG=$conf
mounted() { grep -qF " $b/rootfs " /proc/self/mountinfo; }

# refused NAME WANT_RC GREP ANNOTATIONS: create exits WANT_RC saying GREP;
# the real runtime does not run, nothing is mounted, the outside is intact.
refused() {
	rm -f "$fake.argv"
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s}}\n' \
		"$4" >"$b/config.json"
	run "$2" runtime --real "$fake" create --bundle "$b" c1 &&
		grep -qF -- "$3" "$tmp/err" && ! ran && ! mounted &&
		[ "$(cat "$tmp/outside/etc/shadow")" = secret ]
	ok $? "$1"
}
ann() { # UPPER WORK LOWER [MORE]
	printf '"dev.ovlvol.upper":"%s","dev.ovlvol.work":"%s","dev.ovlvol.lower":"%s"%s' \
		"$1" "$2" "$3" "${4:+,$4}"
}

echo "TAP version 13"
echo "1..36"

# --- layers outside the roots ------------------------------------------------
refused upper_outside_roots 2 "is not beneath a configured root" \
	"$(ann "$tmp/outside/etc" "$R/c/work" "$R/c/lower")"
refused work_outside_roots 2 "is not beneath a configured root" \
	"$(ann "$R/c/upper" /var/tmp "$R/c/lower")"
refused lower_outside_roots 2 "is not beneath a configured root" \
	"$(ann "$R/c/upper" "$R/c/work" /usr)"
refused upper_in_lower_roots_only 2 "is not beneath a configured root" \
	"$(ann "$I/l1" "$R/c/work" "$R/c/lower")"
refused dotdot_out_of_root 2 "leads out of its configured root" \
	"$(ann "$R/../../outside/u" "$R/c/work" "$R/c/lower")"
refused root_itself 2 "is not beneath a configured root" \
	"$(ann "$R" "$R/c/work" "$R/c/lower")"
ln -s "$tmp/outside/etc" "$R/abs-link"
refused absolute_symlink_out 2 "leads out of its configured root" \
	"$(ann "$R/abs-link" "$R/c/work" "$R/c/lower")"
ln -s ../../outside/etc "$R/rel-link"
refused relative_symlink_out 2 "leads out of its configured root" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/rel-link")"
ln -s /proc/self/root/etc "$R/magic-link"
refused magic_link_out 2 "leads out of its configured root" \
	"$(ann "$R/magic-link" "$R/c/work" "$R/c/lower")"
refused prefix_is_not_beneath 2 "is not beneath a configured root" \
	"$(ann "${R}x/u" "$R/c/work" "$R/c/lower")"

# --- options ------------------------------------------------------------------
refused option_not_allowed_for_containers 2 "'redirect_dir' is not allowed for containers" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower" '"dev.ovlvol.options":"redirect_dir=on"')"
refused option_bind_flag 2 "'bind' is not an overlayfs option" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower" '"dev.ovlvol.options":"index=on,bind"')"
refused option_lowerdir_plus 2 "'lowerdir+' is set by ovlctl itself" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower" '"dev.ovlvol.options":"lowerdir+=/etc"')"

# --- what reaches people: no forged lines, no terminal escapes ------------------
rm -f "$tmp/log"
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s}}\n' \
	"$(ann '/x\novlctl: forged line' "$R/c/work" "$R/c/lower")" >"$b/config.json"
run 2 --log "$tmp/log" runtime --real "$fake" create --bundle "$b" c1 &&
	! grep -q '^ovlctl: forged line' "$tmp/err" "$tmp/log" &&
	grep -qF 'x\x0aovlctl: forged line' "$tmp/err"
ok $? log_newline_escaped
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s}}\n' \
	"$(ann '/\u001b]0;pwned\u0007\u009b2J' "$R/c/work" "$R/c/lower")" >"$b/config.json"
run 2 --log "$tmp/log" runtime --real "$fake" create --bundle "$b" c1 &&
	! LC_ALL=C grep -q "$(printf '[\033\007]')" "$tmp/err" "$tmp/log" &&
	! LC_ALL=C grep -q "$(printf '\302\233')" "$tmp/err" "$tmp/log" &&
	grep -qF '\x1b]0;pwned\x07\xc2\x9b2J' "$tmp/err"
ok $? log_terminal_escapes_escaped

# libkmod's complaint (no ovlvol for the host's kernel) is a debug message
if [ "$(id -u)" = 0 ]; then
	OVLCTL_PROC_ROOT=$proc "$ovlctl" -q -J check --work "$R/c/work" \
		--upper "$R/c/upper" --lower "$R/c/lower" >"$tmp/out" 2>"$tmp/err"
	! grep -q libkmod "$tmp/err" "$tmp/out"
	ok $? libkmod_quiet_with_q_and_json
else
	skip libkmod_quiet_with_q_and_json "needs root (the authority is loaded only then)"
fi

# --- config.json: strict JSON -------------------------------------------------------
# strict NAME GREP: create on the current config.json exits 1 saying GREP
strict() {
	rm -f "$fake.argv"
	run 1 runtime --real "$fake" create --bundle "$b" c1 &&
		grep -qF -- "$2" "$tmp/err" && ! ran && ! mounted
	ok $? "$1"
}
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s,"dev.ovlvol.upper":"%s"}}\n' \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")" "$tmp/outside/etc" >"$b/config.json"
strict json_duplicate_key_refused "a duplicate key"
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{"a":{"k":1,"k":2},%s}}\n' \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")" >"$b/config.json"
strict json_nested_duplicate_key_refused "a duplicate key"
{
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s}}' \
		"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")"
	printf '\0\0\n'
} >"$b/config.json"
strict json_nul_after_value_refused "trailing data after the JSON value"

# A config.json too deep or too big for json-c: not ovlctl's when no key of
# it can be ours (the real runtime decides), refused when one can.
deep() { # PREFIX: ~100 nested arrays after PREFIX, in one object
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},%s"x":' "$1"
	printf '[%.0s' $(seq 100)
	printf ']%.0s' $(seq 100)
	printf '}\n'
}
passes() { # NAME: create runs the real runtime untouched
	rm -f "$fake.argv"
	run 0 runtime --real "$fake" create --bundle "$b" c1 && ran && ! mounted
	ok $? "$1"
}
deep '"annotations":{"org.example":"1"},' >"$b/config.json"
passes json_too_deep_not_ours_passes_through
{
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"pad":"'
	head -c 17000000 /dev/zero | tr '\0' a
	printf '"}\n'
} >"$b/config.json"
passes json_too_big_not_ours_passes_through
deep '"annotations":{"dev.ovlvol.work":"/x"},' >"$b/config.json"
strict json_too_deep_with_ours_refused "nesting too deep"
deep '"annotations":{"dev\u002eovlvol.work":"/x"},' >"$b/config.json"
strict json_too_deep_escaped_key_refused "nesting too deep"

printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s,%s"dev.ovlvol.upper":"%s"}}\n' \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")" "'p':0," "$tmp/outside/etc" >"$b/config.json"
strict json_single_quoted_key_refused "a duplicate key"

# --- a layer inside a live overlay's upper: a container there could swap
# a component of the path for a symlink between our check and mount(2)
. "$here/ovlctl-fixtures/fakeproc.sh"
mkdir -p "$R/A/upper/evil" "$R/A/work"
printf '40 1 0:40 / /ctrA rw - overlay overlay rw,lowerdir=%s,upperdir=%s,workdir=%s,volatile\n' \
	"$R/c/lower" "$R/A/upper" "$R/A/work" >"$tmp/mi.live"
fake_pid "$proc" 100 4026531840 / "$tmp/mi.live"
refused lower_inside_a_live_upper 2 "lies inside the upper or work dir of a mounted overlay" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/A/upper/evil")"
rm -rf "${proc:?}/100"

# --- ovlctl in a child pid namespace sees only part of the system
if [ "$(id -u)" = 0 ] && unshare -pf --mount-proc true 2>/dev/null; then
	unshare -pf --mount-proc "$ovlctl" check --work "$R/c/work" \
		--upper "$R/c/upper" --lower "$R/c/lower" >"$tmp/out" 2>"$tmp/err"
	[ $? = 1 ] && grep -q "cannot tell.*child pid namespace" "$tmp/err"
	ok $? child_pid_namespace_cannot_tell
else
	skip child_pid_namespace_cannot_tell "needs root and unshare -p"
fi

# --- the configuration itself ---------------------------------------------------
OVLCTL_CONFIG=$tmp/none refused no_config_no_layers 2 "no layer roots are configured" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")"
chmod 0666 "$conf"
refused config_writable_by_others 1 "writable by nobody else" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")"
chmod 0644 "$conf"
cp "$conf" "$tmp/bad.conf"
echo "rootz = /" >>"$tmp/bad.conf"
OVLCTL_CONFIG=$tmp/bad.conf refused config_unknown_key 1 "unknown key 'rootz'" \
	"$(ann "$R/c/upper" "$R/c/work" "$R/c/lower")"

# --- the caller's -o ---------------------------------------------------------------
run 2 check --work "$R/c/work" --upper "$R/c/upper" --lower "$R/c/lower" -o remount &&
	grep -q "'remount' is not an overlayfs option" "$tmp/err"
ok $? cli_option_remount_refused
run 2 check --work "$R/c/work" --upper "$R/c/upper" --lower "$R/c/lower" -o index=on,index=off &&
	grep -q "'index' given twice" "$tmp/err"
ok $? cli_option_twice_refused
run 2 check --work "$R/c/work" --upper "$R/c/upper" --lower "$R/c/lower" -o 'xino=on;x' &&
	grep -q "'xino' wants a plain value" "$tmp/err"
ok $? cli_option_value_refused

# --- the recorded spec --------------------------------------------------------------
if [ "$(id -u)" = 0 ] && setx "$R/c/work" trusted.x 1; then
	spec() { # JSON: a spec recorded on $R/c/work
		setx "$R/c/work" trusted.ovlctl.spec "$1"
	}
	id() { stat -c '"dev":%d,"ino":%i' "$1"; }
	up="{\"path\":\"$R/c/upper\",$(id "$R/c/upper")}"
	lo="[{\"path\":\"$R/c/lower\",$(id "$R/c/lower")}]"
	spec "{\"version\":1,\"upper\":$up,\"lower\":$lo,\"options\":\"index=on,bind\"}"
	run 1 check --work "$R/c/work" &&
		grep -q "recorded options: 'bind' is not an overlayfs option" "$tmp/err"
	ok $? recorded_options_checked_like_cli
	spec "{\"version\":1,\"upper\":{\"path\":\"$R/c/upper,lowerdir=/etc\",\"dev\":1,\"ino\":1},\"lower\":$lo}"
	run 1 check --work "$R/c/work" &&
		grep -q "recorded upperdir.*cannot be passed to overlayfs safely" "$tmp/err"
	ok $? recorded_path_checked_like_cli
	# Recorded for a container: confined for whoever restarts it
	spec "{\"version\":1,\"upper\":{\"path\":\"$tmp/outside/u\",$(id "$tmp/outside/u")},\"lower\":$lo,\"confined\":true}"
	run 1 check --work "$R/c/work" &&
		grep -q "recorded upperdir '$tmp/outside/u' is not beneath a configured root" "$tmp/err"
	ok $? recorded_for_a_container_stays_confined
	rmx "$R/c/work" trusted.ovlctl.spec
	# A user.* spec on a workdir nobody (uid 65534) owns: ignored
	chown 65534 "$R/c/work"
	setx "$R/c/work" user.ovlctl.spec "{\"version\":1,\"upper\":$up,\"lower\":$lo}" ||
		echo "no user xattrs here" >"$tmp/err"
	run 2 check --userxattr --work "$R/c/work" &&
		grep -q "ignoring the user.\* spec .* owned by uid 65534" "$tmp/err" &&
		grep -q "no upperdir given" "$tmp/err"
	ok $? user_spec_of_another_owner_ignored
	chown 0 "$R/c/work"
else
	skip recorded_options_checked_like_cli "needs root and trusted.* xattrs"
	skip recorded_path_checked_like_cli "needs root and trusted.* xattrs"
	skip recorded_for_a_container_stays_confined "needs root and trusted.* xattrs"
	skip user_spec_of_another_owner_ignored "needs root and trusted.* xattrs"
fi
[ $failed = 0 ]
