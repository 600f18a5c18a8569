#!/usr/bin/env bash
# The main job, on loopback: an aggregator (SQLite), one node for a real kecamatan (35.07.01 Donomulyo,
# Kabupaten Malang), a realistic day of service events recorded offline, `simpul sync now`, and what the
# aggregator then holds. Everything lives in a temporary directory; the aggregator is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-system.sh
echo "== building (first build of the dependencies takes 10-17 minutes) =="
swift build --product simpul >/dev/null
swift build --product simpul-aggregator >/dev/null
swift build --product simpul-bench >/dev/null
bin=$(swift build --show-bin-path)
S="$bin/simpul"; A="$bin/simpul-aggregator"

work=$(mktemp -d /tmp/simpul-demo.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
agg_pid=""
cleanup() { if [ -n "$agg_pid" ]; then kill "$agg_pid" 2>/dev/null || true; wait "$agg_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

echo "== provincial aggregator on 127.0.0.1:$port (data in $work/aggregator) =="
"$A" init --data-dir "$work/aggregator" --listen "127.0.0.1:$port" --config "$work/aggregator.toml"
"$A" serve --config "$work/aggregator.toml" 2>"$work/aggregator.log" &
agg_pid=$!

echo "== node for kecamatan 35.07.01 (Donomulyo, Kabupaten Malang) =="
head -c 32 /dev/urandom | base64 > "$work/province-pseudonym.key"
"$S" init --node-id 35.07.01 --aggregator "http://127.0.0.1:$port" --data-dir "$work/node" \
  --pseudonym-key "$work/province-pseudonym.key" --config "$work/node.toml" | tee "$work/init.txt"
key=$(tail -n 1 "$work/init.txt")
"$A" nodes add 35.07.01 --public-key "$key" --config "$work/aggregator.toml"
export SIMPUL_CONFIG="$work/node.toml"

echo "== recording a day at the PATEN counter (offline: the aggregator is not contacted) =="
"$bin/simpul-bench" generate --kecamatan 35.07.01 --events 150 --day "$(date +%F)" > "$work/day.ndjson"
"$S" record --file "$work/day.ndjson" > "$work/ids.txt"
echo "recorded $(wc -l < "$work/ids.txt") events; one more from the command line:"
echo 3507015203250001 | "$S" record --kind request.received --service ADM.AKTA_LAHIR --desa 35.07.01.2001 --nik - --officer op1
"$S" status

echo "== sync now =="
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
"$S" sync now
"$S" log verify

echo "== what the aggregator holds =="
"$A" nodes list --config "$work/aggregator.toml"
stored=$("$A" events --node 35.07.01 --config "$work/aggregator.toml" | grep -c '^{')
echo "stored entries for 35.07.01: $stored"
"$A" verify --config "$work/aggregator.toml"
echo "-- service figures for Kecamatan Donomulyo (dashboard: http://127.0.0.1:$port/?area=35.07.01; English: &lang=en) --"
# The server takes newly stored entries into its figures about once a second.
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/?area=35.07.01&lang=en" > "$work/dashboard.html"
  grep -q 'data-received=' "$work/dashboard.html" && break
  sleep 0.2
done
python3 - "$work/dashboard.html" <<'PY'
import sys, re, html
page = open(sys.argv[1], encoding="utf-8").read()
table = page.split('<section id="services">')[1].split("</section>")[0]
for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table):
    cells = [html.unescape(re.sub("<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
    print("  " + " | ".join(cells[:7] + cells[9:12]))  # leaving out the two referral steps' means
PY
echo "== a second sync sends nothing =="
"$S" sync now

echo "== a provider office answers its referrals: DISDUKCAPIL.35.07 runs its own node =="
"$S" init --provider DISDUKCAPIL.35.07 --aggregator "http://127.0.0.1:$port" --data-dir "$work/provider" \
  --pseudonym-key "$work/province-pseudonym.key" --config "$work/provider.toml" > "$work/provider-init.txt"
"$A" nodes add DISDUKCAPIL.35.07 --public-key "$(tail -n 1 "$work/provider-init.txt")" --config "$work/aggregator.toml"
P="--config $work/provider.toml"
"$S" sync now $P   # pulls the cases referred to it (and the province's rules) from its feed
waiting=$("$S" cases --open --json $P | python3 -c '
import json, sys
cases = [c for c in json.load(sys.stdin) if c["state"] == "referred"]
print("\n".join(c["case"] for c in cases[:3]))')
echo "referred to DISDUKCAPIL.35.07 and still waiting: $("$S" cases --open --json $P | python3 -c 'import json,sys; print(sum(c["state"] == "referred" for c in json.load(sys.stdin)))') case(s); answering $(echo "$waiting" | grep -c . || true)"
for c in $waiting; do
  "$S" record --kind provider.responded --case "$c" --outcome completed $P >/dev/null
done
"$S" sync now $P
echo "-- the office pulls the answers and sees them in its cases --"
"$S" sync now
for c in $waiting; do "$S" cases --case "$c"; done
"$S" status | grep -E '^(feed|rules) '
echo "demo data kept in $work"
