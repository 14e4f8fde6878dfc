#!/usr/bin/env bash
# The readers of a shared host (docs/SECURITY.md): `ose inspect`, `ose serve`, the Python reader
# and a follower's state work for a user who is only in the readers' group (no write access to
# anything of the engine's, and nothing of their own left in /dev/shm), and a user outside the
# group gets a clear permission error from each, not a crash. Throwaway users and groups
# (users_lib.sh); skipped (exit 77) without root.
#   1. A root engine whose state segment is group readers, 0640: a reader inspects it (text and
#      --json), serves /api/status and /metrics, reads orders() from Python; an outsider gets
#      EACCES from each (ose.PermissionDenied in Python; serve answers 503 and keeps waiting).
#   2. `ose follow --state-group --state-mode`: the follower's local state segment (and status
#      file, as the replicator's gets the engine's) gets the same group and mode; the reader
#      inspects it, the outsider cannot (skipped without nats-server).
# Usage: least_privilege_readers.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/users_lib.sh"

reader="${tag}r" outsider="${tag}x" readers="${tag}rd"
mkgroup "$readers" || { echo "groupadd failed"; exit 1; }
mkuser "$reader" "$readers" && mkuser "$outsider" || { echo "useradd failed"; exit 1; }
# The throwaway users reach the tool and the work directory (mktemp made it 0700); each gets a
# directory of its own for what it writes (serve's port file).
chmod 0755 "$work"
for u in "$reader" "$outsider"; do install -d -o "$u" -m 0700 "$work/$u"; done
python="$(dirname "$ose")/../python"
# The Python module is built only where pybind11 is found and not under the sanitizers
# (OSE_BUILD_PYTHON): without it the Python checks are skipped, and the log says so.
have_python=0
if compgen -G "$python/ose/_ose*.so" >/dev/null; then
  have_python=1
else
  echo "# no Python module in $python: the Python checks are skipped"
fi

e1="${tag}e1"
engine_names+=("$e1")
small_config "$e1" "$work/d1" 'state_group = "'"$readers"'"
state_mode = 0o640' >"$work/e1.toml"
"$ose" engine --config "$work/e1.toml" -q 2>"$work/e1.log" &
engines+=($!)
check "the root engine comes up" wait_up "$e1" root
check "its state segment is group readers, mode 0640" \
  test "$(stat -c '%G %a' "/dev/shm/ose.$e1.state")" = "$readers 640"
quiet "$ose" send --engine "$e1" --client sim "$tick"
quiet "$ose" send --engine "$e1" --client a "$order"

# ---- 1. inspect, serve, Python -----------------------------------------------------------
# applied_in FILE: the applied_seq of a status JSON (`ose inspect status --json`, /api/status)
applied_in() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["applied_seq"])' "$1" 2>/dev/null; }
as "$reader" "$ose" inspect --engine "$e1" status >"$work/r_status.txt" 2>&1
check "reader: ose inspect status" contains "$work/r_status.txt" "engine $e1"
as "$reader" "$ose" inspect --engine "$e1" status --json >"$work/r_status.json" 2>&1
check "reader: ose inspect status --json (two inputs applied)" \
  test "$(applied_in "$work/r_status.json")" = 2
as "$reader" "$ose" inspect --engine "$e1" orders --json >"$work/r_orders.json" 2>&1
check "reader: ose inspect orders --json shows the order" contains "$work/r_orders.json" '"61750'

# serve_as USER: `ose serve` as USER on a free loopback port, in the background (pid in engines);
# sets port, once its port file appears.
serve_as() {
  start_as "$1" "$work/$1.serve.log" "$ose" serve --engine "$e1" --listen 127.0.0.1:0 \
    --port-file "$work/$1/port" >"$work/$1.serve.out"
  port=""
  for _ in $(seq 200); do
    [ -s "$work/$1/port" ] && port="$(cat "$work/$1/port")" && return 0
    sleep 0.05
  done
  return 1
}
# code PATH: the HTTP status of GET PATH on $port, its body in $work/body
code() { curl -s --max-time 10 -o "$work/body" -w '%{http_code}' "http://127.0.0.1:$port$1"; }
check "reader: ose serve starts" serve_as "$reader"
check "reader: /api/status answers 200" test "$(code /api/status)" = 200
check "... with the engine's applied seq" test "$(applied_in "$work/body")" = 2
check "reader: /metrics answers 200" test "$(code /metrics)" = 200
check "... saying the engine is up" contains "$work/body" "ose_up{engine=\"$e1\"} 1"
kill -TERM "${engines[-1]}" && wait "${engines[-1]}"
check "reader: ose serve stops cleanly" test $? -eq 0

cat >"$work/read.py" <<'PY'
import sys
import ose
try:
    r = ose.Reader.attach(sys.argv[1])
    orders = r.orders()
    print("orders", len(orders), "seq", orders.seq)
except ose.PermissionDenied as e:
    print("PermissionDenied", isinstance(e, PermissionError), e)
PY
if [ "$have_python" = 1 ]; then
  as "$reader" env PYTHONPATH="$python" /usr/bin/python3 "$work/read.py" "$e1" >"$work/r_py.txt" 2>&1
  check "reader: Python Reader.attach(...).orders() reads the one order at seq 2" \
    contains "$work/r_py.txt" "orders 1 seq 2"
fi
check "reader: nothing of the reader's is left in /dev/shm (no lock or status file needed)" \
  test -z "$(find /dev/shm -maxdepth 1 -user "$reader")"

denied="neither its owner nor in its group"
as "$outsider" "$ose" inspect --engine "$e1" status >"$work/x_status.txt" 2>&1
check "outsider: ose inspect status fails" test $? -eq 1
check "... with EACCES, saying why" contains "$work/x_status.txt" "EACCES): it is mode 0640"
check "... and that it is not in the group" contains "$work/x_status.txt" "$denied"
as "$outsider" "$ose" inspect --engine "$e1" status --json >"$work/x_status.json" 2>&1
check "outsider: ose inspect --json fails the same way" contains "$work/x_status.json" "$denied"
if [ "$have_python" = 1 ]; then
  as "$outsider" env PYTHONPATH="$python" /usr/bin/python3 "$work/read.py" "$e1" \
    >"$work/x_py.txt" 2>&1
  check "outsider: Python raises ose.PermissionDenied (a PermissionError)" \
    contains "$work/x_py.txt" "PermissionDenied True"
  check "... saying why" contains "$work/x_py.txt" "$denied"
fi
check "outsider: ose serve starts (it waits for an engine it can read)" serve_as "$outsider"
check "outsider: /api/status answers 503" test "$(code /api/status)" = 503
check "outsider: /metrics says the engine is not up for it" test "$(code /metrics)" = 200
check "... (ose_up 0)" contains "$work/body" "ose_up{engine=\"$e1\"} 0"
kill -TERM "${engines[-1]}" && wait "${engines[-1]}"
check "outsider: ose serve stops cleanly (no crash)" test $? -eq 0
check "... having logged the permission error" contains "$work/$outsider.serve.log" "$denied"

# ---- 2. a follower's state segment ---------------------------------------------------------
f1="${tag}f1"
engine_names+=("$f1")
as "$reader" "$ose" follow --nats nats://127.0.0.1:1 --engine "$e1" --state-mode 0660 \
  >"$work/badmode.txt" 2>&1
check "ose follow --state-mode 0660 (group write) is refused" contains "$work/badmode.txt" \
  "at most read"
if ! command -v nats-server >/dev/null; then
  echo "skipped the follower part: nats-server is not installed"
else
  . "$(dirname "$0")/nats_lib.sh"
  on_cleanup() { kill_all; users_cleanup; }
  check "nats-server starts on loopback" start_nats
  "$ose" replicate --config "$work/e1.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
  pids+=($!)
  check "the replicator streams the engine's journal" wait_acked "$e1" 2
  check "its status file is read as the state is: group readers, 0640" \
    test "$(stat -c '%G %a' "/dev/shm/ose.$e1.replication")" = "$readers 640"
  "$ose" follow --nats "$nats_url" --engine "$e1" --as "$f1" --data-dir "$work/f1" \
    --state-group "${tag}none" -q >"$work/nogroup.txt" 2>&1
  check "ose follow --state-group naming no group is refused" contains "$work/nogroup.txt" \
    "--state-group = \"${tag}none\": no such group"
  "$ose" follow --nats "$nats_url" --engine "$e1" --as "$f1" --data-dir "$work/f1" \
    --state-group "$readers" --state-mode 0640 -q 2>>"$work/f1.log" &
  pids+=($!)
  check "the follower applies the engine's two inputs" wait_applied "$f1" 2
  check "its state segment is group readers, mode 0640" \
    test "$(stat -c '%G %a' "/dev/shm/ose.$f1.state")" = "$readers 640"
  check "... and its status file too" \
    test "$(stat -c '%G %a' "/dev/shm/ose.$f1.replication")" = "$readers 640"
  as "$reader" "$ose" inspect --engine "$f1" status >"$work/rf_status.txt" 2>&1
  check "reader: ose inspect status of the follower shows its replication status" \
    contains "$work/rf_status.txt" "follower of OSE_$e1"
  as "$reader" "$ose" inspect --engine "$f1" orders --json >"$work/rf_orders.json" 2>&1
  check "reader: ose inspect of the follower shows the order" \
    contains "$work/rf_orders.json" '"61750'
  if [ "$have_python" = 1 ]; then
    as "$reader" env PYTHONPATH="$python" /usr/bin/python3 "$work/read.py" "$f1" \
      >"$work/rf_py.txt" 2>&1
    check "reader: Python reads the follower's orders too" contains "$work/rf_py.txt" "orders 1 seq 2"
  fi
  as "$outsider" "$ose" inspect --engine "$f1" status >"$work/xf_status.txt" 2>&1
  check "outsider: cannot open the follower's state segment" contains "$work/xf_status.txt" "$denied"
fi

finish "$work/e1.log" "$work/$reader.serve.log" "$work/f1.log" "$work/rep.log"
