#!/usr/bin/env bash
# Least privilege on a shared host (docs/SECURITY.md), proven with real users: throwaway users
# and groups made here with useradd/groupadd (names carry this test's pid) and removed at exit
# whatever happens. Needs root (to make users and to switch to them); skipped (exit 77) without.
#   1. A root engine gives client a's segment to user A and the state segment to the readers'
#      group: A trades through it; B cannot open it (EACCES), cannot write the state segment; a
#      user outside the readers' group cannot open the state segment; a reader can.
#   2. Squatters: a state segment or lock file another user made under the engine's name stops
#      the engine at start, with a message.
#   3. A look-alike engine run by another user: a client told the real engine's user refuses it.
#   4. Ownership the engine cannot grant is refused at start (another user without CAP_CHOWN, a
#      group it is not in, a group that does not exist, the wrong engine_user), and so is a
#      data_dir it may not read (not reported as a damaged journal).
#   5. The engine as an unprivileged service user (client segments given to strategy groups):
#      a strategy trades, the venue fills it, a reader sees the position.
# Usage: least_privilege.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/users_lib.sh"

svc="${tag}svc" usr_a="${tag}a" usr_b="${tag}b" reader="${tag}r" outsider="${tag}x"
readers="${tag}rd"

mkgroup "$readers" || { echo "groupadd failed"; exit 1; }
mkuser "$usr_a" "$readers" && mkuser "$usr_b" "$readers" && mkuser "$reader" "$readers" &&
  mkuser "$outsider" && mkuser "$svc" "$readers,$usr_a" || { echo "useradd failed"; exit 1; }
# The throwaway users reach the tool and the work directory (mktemp made it 0700).
chmod 0755 "$work"

# ---- 1. a root engine hands client a's segment to A ----------------------------------------
e1="${tag}e1"
engine_names+=("$e1")
small_config "$e1" "$work/d1" 'state_group = "'"$readers"'"
state_mode = 0o640' "user = \"$usr_a\"" "user = \"$usr_b\"" >"$work/e1.toml"
"$ose" engine --config "$work/e1.toml" -q 2>"$work/e1.log" &
engines+=($!)
check "1: the root engine comes up" wait_up "$e1" root
check "1: client a's segment belongs to A, mode 0600" \
  test "$(stat -c '%U %a' "/dev/shm/ose.$e1.client.a")" = "$usr_a 600"
check "1: the state segment is root's, group readers, mode 0640" \
  test "$(stat -c '%U %G %a' "/dev/shm/ose.$e1.state")" = "root $readers 640"
check "1: the lock stays private to the engine's user" \
  test "$(stat -c '%U %a' "/dev/shm/ose.$e1.lock")" = "root 600"
quiet "$ose" send --engine "$e1" --client sim "$tick"
as "$usr_a" "$ose" send --engine "$e1" --client a "$order" >"$work/1a.txt" 2>&1
check "1: A trades through its own segment" contains "$work/1a.txt" "accepted"
as "$usr_b" "$ose" send --engine "$e1" --client a "$order" >"$work/1b.txt" 2>&1
check "1: B cannot open A's segment (EACCES)" contains "$work/1b.txt" "EACCES"
as "$usr_b" "$ose" send --engine "$e1" --client b \
  '{"op":"cancel","cl_id":7}' >"$work/1b2.txt" 2>&1
check "1: ... while B still reaches its own" contains "$work/1b2.txt" "UNKNOWN_ORDER"
before="$(head -c 64 "/dev/shm/ose.$e1.state" | od -An -tx1 -N16)"
as "$usr_b" bash -c "printf garbage 1<>/dev/shm/ose.$e1.state" 2>"$work/1w.txt"
check "1: B cannot write the state segment" contains "$work/1w.txt" "Permission denied"
check "1: ... whose header is unchanged" \
  test "$(head -c 64 "/dev/shm/ose.$e1.state" | od -An -tx1 -N16)" = "$before"
as "$outsider" "$ose" inspect --engine "$e1" status >"$work/1x.txt" 2>&1
check "1: a user outside the readers' group cannot open the state segment" \
  contains "$work/1x.txt" "EACCES"
as "$reader" "$ose" inspect --engine "$e1" orders >"$work/1r.txt" 2>&1
check "1: a reader in the group reads the tables" contains "$work/1r.txt" "BTCUSDT"

# ---- 2. squatters -----------------------------------------------------------------------
e2="${tag}e2"
engine_names+=("$e2")
small_config "$e2" "$work/d2" >"$work/e2.toml"
as "$usr_b" touch "/dev/shm/ose.$e2.state"
"$ose" engine --config "$work/e2.toml" -q >"$work/e2.log" 2>&1
check "2: a state segment squatted by B stops the engine" test $? -ne 0
check "2: ... with a message" contains "$work/e2.log" "squatting"
check "2: ... and B's file is left for an operator to look at" \
  test "$(stat -c %U "/dev/shm/ose.$e2.state")" = "$usr_b"
rm -f "/dev/shm/ose.$e2.state"
as "$usr_b" touch "/dev/shm/ose.$e2.client.a"
"$ose" engine --config "$work/e2.toml" -q >"$work/e2c.log" 2>&1
check "2: a squatted client segment stops the engine too" contains "$work/e2c.log" "squatting"
rm -f "/dev/shm/ose.$e2.client.a"
as "$usr_b" touch "/dev/shm/ose.$e2.lock"
"$ose" engine --config "$work/e2.toml" -q >"$work/e2l.log" 2>&1
check "2: a lock file made by B stops the engine" contains "$work/e2l.log" "someone else created it"
rm -f "/dev/shm/ose.$e2.lock"

# ---- 3. a look-alike engine run by B ----------------------------------------------------
e3="${tag}e3"
engine_names+=("$e3")
small_config "$e3" "$work/d3" 'journal = false' >"$work/e3.toml"
start_as "$usr_b" "$work/e3.log" "$ose" engine --config "$work/e3.toml" -q
check "3: B's look-alike comes up" wait_up "$e3" "$usr_b"
as "$usr_a" env OSE_ENGINE_USER="$svc" \
  "$ose" send --engine "$e3" --client a "$order" >"$work/3a.txt" 2>&1
check "3: A, told the engine runs as $svc, refuses B's segments" contains "$work/3a.txt" "look-alike"
as "$usr_a" "$ose" inspect --engine "$e3" status >"$work/3d.txt" 2>&1
check "3: ... and by default (only its own user or root is trusted)" contains "$work/3d.txt" "look-alike"
as "$usr_a" env OSE_ENGINE_USER="$usr_b" "$ose" inspect --engine "$e3" status >"$work/3b.txt" 2>&1
check "3: told B is the engine's user, it reads (the check is the owner, nothing else)" \
  test $? -eq 0

# ---- 4. grants the engine cannot make ---------------------------------------------------
e4="${tag}e4"
engine_names+=("$e4")
mkdir -p "$work/d4" && chown "$svc:$svc" "$work/d4"
refused() {  # refused LABEL TEXT ENGINE_EXTRA A_EXTRA [DATA_DIR]: the svc engine exits with TEXT
  small_config "$e4" "${5:-$work/d4}" "$3" "$4" >"$work/e4.toml"
  as "$svc" "$ose" engine --config "$work/e4.toml" -q >"$work/e4.log" 2>&1
  local rc=$?
  check "4: $1: refused at start" test "$rc" -ne 0
  check "4: $1: ... saying so" contains "$work/e4.log" "$2"
  check "4: $1: ... creating nothing" bash -c "! ls /dev/shm/ose.$e4.* 2>/dev/null | grep -q ."
}
refused "another user, no CAP_CHOWN" "cannot give files to another user" "" "user = \"$usr_b\""
refused "a group svc is not in" "is not in that group" "" "group = \"$usr_b\""
refused "a group that does not exist" "no such group" "" "group = \"${tag}none\""
refused "a user that does not exist" "no such user" "" "user = \"${tag}none\""
refused "the wrong engine_user" "start it as that user" "engine_user = \"$usr_b\"" ""
mkdir -m 0700 "$work/d4root"
refused "a data dir root keeps private" "a data_dir must belong to the user the engine runs as" \
  "" "" "$work/d4root"

# ---- 5. the engine as an unprivileged service user --------------------------------------
e5="${tag}e5"
engine_names+=("$e5")
mkdir -p "$work/d5" && chown "$svc:$svc" "$work/d5" && chmod 0750 "$work/d5"
small_config "$e5" "$work/d5" 'engine_user = "'"$svc"'"
state_group = "'"$readers"'"
state_mode = 0o640' "group = \"$usr_a\"
mode = 0o660" >"$work/e5.toml"
start_as "$svc" "$work/e5.log" "$ose" engine --config "$work/e5.toml" -q
check "5: the engine comes up as $svc" wait_up "$e5" "$svc"
check "5: client a's segment: $svc's, group $usr_a, 0660" \
  test "$(stat -c '%U %G %a' "/dev/shm/ose.$e5.client.a")" = "$svc $usr_a 660"
check "5: the journal belongs to $svc" test "$(stat -c %U "$work/d5/data.mdb")" = "$svc"
as "$svc" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client sim "$tick" >/dev/null 2>&1
as "$usr_a" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client a "$order" \
  >"$work/5a.txt" 2>&1
check "5: A trades through its group's segment" contains "$work/5a.txt" "accepted"
as "$usr_b" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client a "$order" \
  >"$work/5b.txt" 2>&1
check "5: B cannot open it (EACCES)" contains "$work/5b.txt" "EACCES"
as "$svc" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client sim \
  '{"op":"ack","client":"a","cl_id":1}' >/dev/null 2>&1
as "$svc" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client sim \
  '{"op":"fill","client":"a","cl_id":1,"trade_id":1,"qty":"0.1","price":"61750"}' \
  >"$work/5f.txt" 2>&1
check "5: the venue fills it" contains "$work/5f.txt" "fill"
as "$reader" env OSE_ENGINE_USER="$svc" "$ose" inspect --engine "$e5" positions >"$work/5r.txt" 2>&1
check "5: a reader sees the position" contains "$work/5r.txt" "0.1"
as "$reader" env OSE_ENGINE_USER="$svc" "$ose" inspect --engine "$e5" events >"$work/5e.txt" 2>&1
check "5: ... and the broadcast events, read-only" contains "$work/5e.txt" "fill"
as "$reader" env OSE_ENGINE_USER="$svc" "$ose" send --engine "$e5" --client a "$order" \
  >"$work/5rs.txt" 2>&1
check "5: ... but cannot send as a strategy" contains "$work/5rs.txt" "EACCES"
as "$reader" "$ose" inspect --engine "$e5" status >"$work/5d.txt" 2>&1
check "5: without OSE_ENGINE_USER the reader trusts only itself and root" \
  contains "$work/5d.txt" "look-alike"
kill -TERM "${engines[-1]}" && wait "${engines[-1]}"
check "5: the service engine stops cleanly" test $? -eq 0
check "5: ... leaving nothing in /dev/shm" bash -c "! ls /dev/shm/ose.$e5.* 2>/dev/null | grep -q ."

finish "$work/e1.log" "$work/e3.log" "$work/e5.log"
