#!/usr/bin/env bash
# Webhook ingest benchmark from a second process: wrk against `dealbot serve` (SQLite) and, in the same run,
# against a bare axum endpoint (the ceiling). Needs `wrk` (apt-get install wrk). Results go to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
CONNS="${CONNS:-32}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet --bin dealbot --example bare_axum
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c "import json,sys; print(json.load(sys.stdin)[\"target_directory\"])")
bin="$target_dir/release"
secret=bench-webhook-secret-0123456789
cat > "$work/bench.toml" <<TOML
[server]
port = 18080
[database]
url = "sqlite://$work/bench.db"
[[robots]]
name = "bench"
app_id = "wx_bench_robot_00000000001"
wxid = "wxid_bench_bot"
webhook_secret = "$secret"
base_url = "http://127.0.0.1:9/none"
TOML
RUST_LOG=warn "$bin/dealbot" serve --config "$work/bench.toml" &
"$bin/examples/bare_axum" 18090 &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.2; done
echo "== dealbot webhook (SQLite), $CONNS connections, $DURATION"
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s benches/webhook.lua "http://127.0.0.1:18080/webhook/gewe/bench/$secret"
echo "== bare axum endpoint (ceiling), same load"
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s benches/webhook.lua "http://127.0.0.1:18090/webhook/gewe/bench/$secret"
echo "== rows recorded: $(sqlite3 "$work/bench.db" 'select count(*) from inbound' 2>/dev/null || echo n/a)"
