# shellcheck shell=bash
# What the least_privilege*.sh tests share (sourced after lib.sh; tests/CMakeLists.txt leaves this
# file out of the tests): throwaway users and groups made with useradd/groupadd (names carry the
# test's pid) and removed at exit whatever happens, and running commands as them. Needs root (to
# make users and to switch to them): exits 77 (skipped) without.
#   tag                     a prefix for this test's users, groups and engines
#   mkgroup NAME, mkuser NAME [GROUPS]   made now, removed at exit
#   as USER CMD..., start_as USER LOG CMD...   run as USER (in the background: pid in engines)
#   engine_names            engines whose segments are removed at exit
#   quiet CMD..., wait_up ENGINE USER
#   small_config NAME DATA_DIR [ENGINE_EXTRA] [A_EXTRA] [B_EXTRA]: one spot market, clients a b sim
#   order, tick             an order of client a for small_config, and a tick the venue sends
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
  echo "needs root, useradd and setpriv to create and switch to throwaway users; skipped"
  exit 77
fi

tag="olp$$"
users=() groups=()
engines=()
engine_names=()
# users_cleanup: the engines (and other processes in `engines`) stopped, their segments removed,
# then the users and groups; a test's own on_cleanup calls it last.
users_cleanup() {
  for p in "${engines[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${engines[@]}"; do wait "$p" 2>/dev/null; done
  for n in "${engine_names[@]}"; do rm -f /dev/shm/ose."$n".*; done
  for u in "${users[@]}"; do userdel "$u" 2>/dev/null; done
  for g in "${groups[@]}"; do groupdel "$g" 2>/dev/null; done
}
on_cleanup() { users_cleanup; }
mkgroup() { groupadd "$1" && groups+=("$1"); }
mkuser() {  # mkuser NAME [SUPPLEMENTARY,GROUPS]: a user with its own group, no home, no shell
  useradd -M -U -s /usr/sbin/nologin ${2:+-G "$2"} "$1" && users+=("$1") && groups+=("$1")
}
as() {  # as USER COMMAND...: runs it as USER with USER's groups, nothing inherited from root
  local u="$1"; shift
  setpriv --reuid "$u" --regid "$u" --init-groups --inh-caps=-all --bounding-set=-all -- "$@"
}
start_as() {  # start_as USER LOG COMMAND...: in the background, its pid (setpriv execs) in engines
  local u="$1" log="$2"; shift 2
  setpriv --reuid "$u" --regid "$u" --init-groups --inh-caps=-all --bounding-set=-all -- "$@" \
    2>"$log" &
  engines+=($!)
}
quiet() { "$@" >/dev/null 2>&1; }
wait_up() {  # wait_up ENGINE USER: until `ose inspect` (as root) sees it, run by USER
  for _ in $(seq 200); do
    OSE_ENGINE_USER="$2" quiet "$ose" inspect --engine "$1" status && return 0
    sleep 0.05
  done
  return 1
}

small_config() {
  cat <<CONFIG
[engine]
name = "$1"
data_dir = "$2"
max_orders = 1024
max_positions = 16
command_ring = 64
response_ring = 256
broadcast_ring = 1024
${3:-}

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"

[[instruments]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
kind = "spot"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "9000"
min_notional = "5"

[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000" }

[[strategies]]
name = "a"
account = "main"

[[clients]]
name = "a"
accounts = ["main"]
${4:-}

[[clients]]
name = "b"
accounts = ["main"]
${5:-}

[[clients]]
name = "sim"
role = "venue"
accounts = ["main"]
CONFIG
}
# shellcheck disable=SC2034 # for the tests that source this
order='{"op":"new_order","cl_id":1,"account":"main","strategy":"a","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"61750"}'
# shellcheck disable=SC2034
tick='{"op":"tick","symbol":"BTCUSDT","bid":"61800","ask":"61800.5","last":"61800.2"}'
