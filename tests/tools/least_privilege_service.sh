#!/usr/bin/env bash
# The engine as an unprivileged service user (docs/SECURITY.md, "Set-up"): the suite's live-engine
# tests and the demo pass when run by a throwaway user with no privileges and a data dir of its
# own, while other users act as clients. Throwaway users and groups (users_lib.sh); skipped (exit
# 77) without root.
#   1. tools/live_engine.sh, roles_cli.sh and venue_cli.sh, run whole as the service user.
#   2. `ose demo` as the service user, its state segment given to the readers' group and its
#      admin client `ops` to another user's group: while it runs, that user sends as ops (once
#      it is in the readers' group too: every client maps the state) and a reader inspects the
#      strategy; the demo completes and prints its report; the journal is
#      the service user's alone (`ose report` rebuilds the report as it, a reader cannot).
# Usage: least_privilege_service.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/users_lib.sh"

svc="${tag}svc" ops="${tag}ops" reader="${tag}r" readers="${tag}rd"
mkgroup "$readers" || { echo "groupadd failed"; exit 1; }
mkuser "$ops" && mkuser "$reader" "$readers" && mkuser "$svc" "$readers,$ops" ||
  { echo "useradd failed"; exit 1; }
# The throwaway users reach the tool and the work directory (mktemp made it 0700); the service
# user's home for its runs is its own, 0750, as docs/SECURITY.md sets up /var/lib/ose.
chmod 0755 "$work"
home="$work/svc"
install -d -o "$svc" -g "$svc" -m 0750 "$home"
cd "$home" || exit 1

# ---- 1. the live-engine tests as the service user ----------------------------------------
for t in live_engine roles_cli venue_cli; do
  as "$svc" bash "$src/tests/tools/$t.sh" "$ose" "$src" >"$work/$t.txt" 2>&1
  check "1: tools/$t.sh passes as $svc" test $? -eq 0
done

# ---- 2. the demo as the service user -----------------------------------------------------
name="${tag}dm"
engine_names+=("$name")
data="$home/demo"
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$data\"\\
engine_user = \"$svc\"\\
state_group = \"$readers\"\\
state_mode = 0o640|" -e "s/^bar_ticks = .*/bar_ticks = 5/" \
  -e "/^name = \"ops\"/a group = \"$ops\"\\
mode = 0o660" "$src/config/demo.toml" >"$work/demo.toml"
chmod 0644 "$work/demo.toml"
# It runs until Ctrl-C (SIGINT, sent once the other users are done with it): a fixed duration
# could end before them on a loaded host.
start_as "$svc" "$work/demo.err" env OSE_ENGINE_USER="$svc" \
  "$ose" demo --config "$work/demo.toml" --duration 0 >"$work/demo.txt"
demo="${engines[-1]}"
seen() { as "$reader" env OSE_ENGINE_USER="$svc" "$ose" inspect --engine "$name" status >/dev/null 2>&1; }
up=1
for _ in $(seq 200); do seen && up=0 && break; sleep 0.05; done
check "2: a reader sees the demo's engine, run by $svc" test "$up" -eq 0
check "2: its state segment is $svc's, group readers, 0640" \
  test "$(stat -c '%U %G %a' "/dev/shm/ose.$name.state")" = "$svc $readers 640"
check "2: client ops's segment is $svc's, group $ops, 0660" \
  test "$(stat -c '%U %G %a' "/dev/shm/ose.$name.client.ops")" = "$svc $ops 660"
send_ops() {
  as "$ops" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$name" --client ops \
    '{"op":"cancel","cl_id":999999}' >"$work/ops.txt" 2>&1
}
send_ops
check "2: $ops, not in the readers' group, cannot attach (every client maps the state)" \
  contains "$work/ops.txt" "ose.$name.state: permission denied (EACCES)"
usermod -aG "$readers" "$ops"
send_ops
check "2: in the group, $ops sends as ops (the engine answers: no such order)" \
  contains "$work/ops.txt" "UNKNOWN_ORDER"
as "$reader" env OSE_ENGINE_USER="$svc" "$ose" inspect --engine "$name" strategies \
  >"$work/strategies.txt" 2>&1
check "2: the reader reads the strategy's row" contains "$work/strategies.txt" "ema1"
kill -INT "$demo"
wait "$demo"
check "2: the demo run by $svc completes (Ctrl-C)" test $? -eq 0
# (Whether the strategy traded by then depends on the synthetic market and the host's speed: the
# report is there either way, from the engine's line to the state hash.)
check "2: ... and prints its report" contains "$work/demo.txt" "engine $name: "
check "2: ... down to the state hash" contains "$work/demo.txt" "state hash"
check "2: the journal and logs are $svc's alone" test -z "$(find "$data" ! -user "$svc")"
as "$svc" "$ose" report --config "$data/demo.toml" >"$work/report.txt" 2>&1
sed -n '/^engine /,/^state hash /p' "$work/demo.txt" >"$work/demo-report.txt"
check "2: $svc rebuilds the same report from the journal" \
  cmp -s "$work/report.txt" "$work/demo-report.txt"
# The reader's own copy of the config (the one the test wrote) names the same data dir.
as "$reader" "$ose" report --config "$work/demo.toml" >"$work/r_report.txt" 2>&1
check "2: a reader cannot read the journal (ose report exits 1)" test $? -eq 1
check "... and is told why" contains "$work/r_report.txt" "permission denied (EACCES) to this process"
check "... not that the journal is damaged" bash -c "! grep -q damaged '$work/r_report.txt'"
as "$reader" "$ose" journal verify --config "$work/demo.toml" >"$work/r_verify.txt" 2>&1
check "2: ose journal verify as the reader exits 1 (refused), not 3 (damaged)" test $? -eq 1
check "... saying why" contains "$work/r_verify.txt" "the journal is private to the engine's user"
check "2: nothing is left in /dev/shm" bash -c "! ls /dev/shm/ose.$name.* 2>/dev/null | grep -q ."

finish "$work/ops.txt" "$work/demo.err" "$work/demo.txt" "$data/logs/engine.log" "$data/logs/strategy.log" \
  "$work/live_engine.txt" "$work/roles_cli.txt" "$work/venue_cli.txt"
