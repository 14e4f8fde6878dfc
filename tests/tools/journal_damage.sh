#!/usr/bin/env bash
# The journal-damage matrix (issue 21, docs/DURABILITY.md "What verify guarantees"): a real
# journal is made by `ose engine` with a synthetic feed, compacted by `ose backup` (so every page
# of the copy is in use and any damage lands on live data), then damaged copy by copy —
# truncations at page and mid-page offsets, swapped, zeroed and bit-flipped pages in data.mdb, a
# damaged lock.mdb, a directory or an empty file in place of the environment. Every journal tool
# and `ose engine` must end with a message and the documented exit code (3: damaged), never by a
# signal; `ose journal verify` passes only the undamaged copy. Also: a journal whose start
# retention pruned is not called damaged, and `report` / `recover --no-snapshots` say why they
# cannot start at seq 1.
# Usage: journal_damage.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="jd$$"
on_cleanup() { rm -f /dev/shm/ose."$name"x.*; }  # the second engine's, named after the first
page=4096

# A journal: ~1 s of synthetic ticks, a snapshot every 500 inputs of which retention keeps 2 (so
# the journal's start is pruned), stopped cleanly (a checkpoint).
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/live\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 500\nsnapshots_keep = 2/" \
  "$src/config/example.toml" >"$work/config.toml"
cfg="$work/config.toml"
"$ose" engine --config "$cfg" -q --synthetic BTCUSDT=50000 --synthetic ETHUSDT=3000 --rate 4000 \
  --seed 7 2>"$work/engine.log" &
pid=$!
sleep 1.5
kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "the engine made a journal and stopped cleanly" test "$code" -eq 0
"$ose" backup "$work/base" --config "$cfg" >/dev/null
check "backup compacts it into the undamaged copy" test $? -eq 0
pages=$(($(stat -c %s "$work/base/data.mdb") / page))
echo "# the compacted copy has $pages pages"
check "the copy is large enough to swap page 30" test "$pages" -gt 31

# The undamaged copy passes everything.
"$ose" journal verify --config "$cfg" --data-dir "$work/base" >"$work/verify.txt" 2>&1
check "verify passes the undamaged copy" test $? -eq 0
check "... and says retention pruned its start" contains "$work/verify.txt" "pruned by retention"
for tool in "journal stats" "journal dump" "snapshot list" "recover --check"; do
  # shellcheck disable=SC2086
  "$ose" $tool --config "$cfg" --data-dir "$work/base" >/dev/null 2>&1
  check "$tool passes the undamaged copy" test $? -eq 0
done

# Retention pruned the start: not damage; a replay from seq 1 says why it cannot start there.
"$ose" recover --config "$cfg" --data-dir "$work/base" --check --no-snapshots >/dev/null 2>"$work/ns.err"
check "recover --no-snapshots on a pruned journal exits 1" test $? -eq 1
check "... saying retention pruned the start" contains "$work/ns.err" "pruned by retention"
"$ose" report --config "$cfg" --data-dir "$work/base" >/dev/null 2>"$work/rep.err"
check "report on a pruned journal exits 1" test $? -eq 1
check "... naming --from-oldest-snapshot" contains "$work/rep.err" "--from-oldest-snapshot"
"$ose" report --config "$cfg" --data-dir "$work/base" --from-oldest-snapshot >"$work/rep.txt" 2>&1
check "report --from-oldest-snapshot works" test $? -eq 0
check "... and says where it starts" contains "$work/rep.txt" "from the snapshot at seq"

# Damage, one copy per case.
fresh() { rm -rf "$work/case" "$work/case.bak"; cp -r "$work/base" "$work/case"; }
d="$work/case/data.mdb"
zero_page() { dd if=/dev/zero of="$d" bs=$page seek="$1" count=1 conv=notrunc status=none; }
swap_pages() {
  dd if="$d" of="$work/pa" bs=$page skip="$1" count=1 status=none
  dd if="$d" of="$work/pb" bs=$page skip="$2" count=1 status=none
  dd if="$work/pb" of="$d" bs=$page seek="$1" count=1 conv=notrunc status=none
  dd if="$work/pa" of="$d" bs=$page seek="$2" count=1 conv=notrunc status=none
}
flip_bits() {  # flip_bits OFFSET MASK: xor the byte there with MASK
  local b
  b=$(od -An -tu1 -j "$1" -N1 "$d" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ $2)))" | dd of="$d" bs=1 seek="$1" conv=notrunc status=none
}
# A journal record's header (format 3, a size from 48 to 152 bytes, flags 0) near the journal's
# end (after the newest snapshot, so recovery must read it): a byte 40 bytes in is its command's
# op, which its checksum covers.
record_at=$(LC_ALL=C grep -obUaP '\x03\x00[\x30-\x98]\x00\x00\x00\x00\x00' "$work/base/data.mdb" |
  tail -3 | head -1 | cut -d: -f1)
check "a journal record was found to flip" test -n "$record_at"

run_case() {  # run_case NAME: every tool on $work/case, then the engine
  local case_name="$1" tool code
  for tool in "journal verify" "journal stats" "journal dump" "snapshot list" "recover --check" \
    "report" "backup $work/case.bak"; do
    # shellcheck disable=SC2086
    "$ose" $tool --config "$cfg" --data-dir "$work/case" >"$work/tool.err" 2>&1
    code=$?
    rm -rf "$work/case.bak"
    if [ "$code" -ne 3 ] || [ ! -s "$work/tool.err" ]; then
      echo "FAIL - $case_name: ose $tool exited $code (want 3 and a message)"
      sed 's/^/#   /' "$work/tool.err" | head -5
      failures=$((failures + 1))
    fi
  done
  # The engine: same data_dir, its own name (it must not start; if it does, stop it).
  sed -e "s/^name = \"$name\"/name = \"${name}x\"/" -e "s|^data_dir = .*|data_dir = \"$work/case\"|" \
    "$cfg" >"$work/case.toml"
  timeout -s TERM 10 "$ose" engine --config "$work/case.toml" -q >/dev/null 2>"$work/engine.err"
  code=$?
  if [ "$code" -ne 3 ] || ! contains "$work/engine.err" "$work/case" ||
    ! grep -qE "journal truncate|backup" "$work/engine.err"; then
    echo "FAIL - $case_name: ose engine exited $code (want 3, naming the directory and a repair)"
    sed 's/^/#   /' "$work/engine.err" | head -5
    failures=$((failures + 1))
  else
    echo "ok   - $case_name: every tool and the engine exit 3 with a message"
  fi
}

fresh; truncate -s 73728 "$d"; run_case "data.mdb truncated to 18 pages"
fresh; truncate -s $(((pages / 2) * page)) "$d"; run_case "data.mdb truncated at page $((pages / 2))"
fresh; truncate -s $(((pages / 2) * page + 1000)) "$d"; run_case "data.mdb truncated mid-page"
fresh; truncate -s $((page + 100)) "$d"; run_case "data.mdb truncated inside the second meta page"
fresh; truncate -s 0 "$d"; run_case "data.mdb empty"
fresh; swap_pages 5 30; run_case "pages 5 and 30 swapped"
fresh; swap_pages 2 $((pages - 1)); run_case "page 2 and the last page swapped"
# A zeroed page every tool must read: the journal leaf holding the record flipped below (after
# the newest snapshot). No fixed page number: where the journal's pages lie depends on its
# record size (format 3 made them smaller), and a page inside the older snapshot is no damage to
# recovery, which uses the newer one.
live=$((record_at / page))
fresh; zero_page "$live"; run_case "page $live (journal records after the newest snapshot) zeroed"
fresh; zero_page 3; run_case "page 3 zeroed"
fresh; zero_page 0; run_case "meta page 0 zeroed"
fresh; flip_bits $((record_at + 40)) 16; run_case "a bit flipped in a journal record"
# The journal leaf zeroed above: leaf (0x02) becomes branch (0x01).
fresh; flip_bits $((live * page + 10)) 3; run_case "page $live's kind flipped"
fresh; rm "$d"; mkdir "$d"; run_case "a directory in place of data.mdb"
rm -rf "$work/case"; : >"$work/case"; run_case "an empty file in place of the environment"
rm -f "$work/case"

# lock.mdb holds no data (LMDB rebuilds it when no process has the environment open): damage to
# it must not crash anything, and the tools either work or say what is wrong.
lock_case() {  # lock_case NAME
  local tool code
  for tool in "journal verify" "journal stats" "recover --check" "snapshot list"; do
    # shellcheck disable=SC2086
    "$ose" $tool --config "$cfg" --data-dir "$work/case" >"$work/tool.err" 2>&1
    code=$?
    if [ "$code" -ne 0 ] && { [ "$code" -ne 3 ] || [ ! -s "$work/tool.err" ]; }; then
      echo "FAIL - $1: ose $tool exited $code (want 0, or 3 and a message)"
      failures=$((failures + 1))
    fi
  done
  echo "ok   - $1: no tool crashed"
}
fresh; head -c 8192 /dev/zero | tr '\0' '\377' >"$work/case/lock.mdb"; lock_case "lock.mdb overwritten"
fresh; : >"$work/case/lock.mdb"; lock_case "lock.mdb empty"
fresh; rm -f "$work/case/lock.mdb"; mkdir "$work/case/lock.mdb"; lock_case "a directory as lock.mdb"

# The repair the engine suggests for a damaged record works: truncate from it, then verify.
fresh; flip_bits $((record_at + 40)) 16
bad=$("$ose" journal verify --config "$cfg" --data-dir "$work/case" --json 2>/dev/null |
  grep -o '"seq": [0-9]*' | head -1 | grep -o '[0-9]*$')
check "verify names the damaged record" test -n "$bad"
"$ose" journal truncate --config "$cfg" --data-dir "$work/case" --from "${bad:-1}" --yes >/dev/null 2>&1
check "journal truncate from it works" test $? -eq 0
"$ose" journal verify --config "$cfg" --data-dir "$work/case" >/dev/null 2>&1
check "... after which verify passes" test $? -eq 0

finish
