#!/usr/bin/env bash
# The dashboard in a real browser: headless Chromium loads `ose serve`'s page while the engine
# runs; the rendered DOM holds every open order and every position `ose inspect --json`
# reports; screenshots at a laptop's and a phone's width are kept as the test's artifacts
# (artifacts/serve_dashboard*.png in the directory ctest runs it from). Skipped (77) without chromium (Debian: chromium).
# Usage: serve_dashboard.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "skipped: no chromium"; exit 77; }
. "$(dirname "$0")/serve_common.sh"

start_engine
start_serve
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null
quiet
"$ose" inspect --engine "$name" --json >"$work/state.json"

# Over the DevTools protocol (tests/tools/cdp_page.py): --dump-dom would wait forever on the
# page's open event stream. It waits until the page shows the engine's name, then writes the DOM
# and two screenshots.
mkdir -p artifacts
python3 "$src/tests/tools/cdp_page.py" "$browser" "$base/" "$work" "<span id=\"engine\">$name</span>" 30 \
  >"$work/chrome.log" 2>&1
cp "$work/laptop.png" artifacts/serve_dashboard.png 2>/dev/null
cp "$work/phone.png" artifacts/serve_dashboard_phone.png 2>/dev/null
check "chromium rendered the dashboard" grep -q 'id="orders"' "$work/dom.html"
check "... with the engine's name" grep -q "<span id=\"engine\">$name</span>" "$work/dom.html"

# Every open order (its id) and every position (its symbol and size) appear as table cells.
td() { grep -qF "<td>$1</td>" "$work/dom.html"; }
open_ids="$(jq -r '.orders[] | select(.status | IN("filled","cancelled","rejected","expired") | not) | .id' "$work/state.json")"
check "the scenario leaves open orders to find" test -n "$open_ids"
for id in $open_ids; do check "open order $id is on the page" td "$id"; done
while IFS=$'\t' read -r who symbol size; do
  check "position $who $symbol $size is on the page" \
    sh -c "grep -qF '<td>$who</td><td>$symbol</td><td>$size</td>' '$work/dom.html'"
done < <(jq -r '(.positions[] | [.account, .symbol, .size]), (.strategy_positions[] | [.strategy, .symbol, .size]) | @tsv' "$work/state.json")
fills_table() {  # the rows of the recent-fills table, one a line
  python3 -c 'import re, sys
t = re.search(r"<table id=\"fills\">.*?</table>", open(sys.argv[1]).read(), re.S)
print("\n".join(re.findall(r"<tr>(<td>.*?)</tr>", t.group(0)) if t else []))' "$1"
}
check "fills arrived over the event stream" test "$(fills_table "$work/dom.html" | wc -l)" -gt 0

check "a screenshot was written (artifacts/serve_dashboard.png)" test -s artifacts/serve_dashboard.png
check "... and one at a phone's width" test -s artifacts/serve_dashboard_phone.png
finish "$work/chrome.log" "$work/serve.log"
