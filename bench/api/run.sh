#!/usr/bin/env bash
# Control-plane load benchmark (not a test): requests per second and p50/p99 latency with wrk for
# GetChannel, CreateChannel and ListChannels (pages of 100 over 5,000 channels) at concurrency 1 and 32,
# with SigV4 verification on (the default) and off, against the Release build of `openivs serve`.
# Requests are signed once with botocore (the AWS CLI's signer) and replayed; a signature stays valid 5 min.
#
# usage: bench/api/run.sh [seconds-per-run (default 10)] [channels (default 5000)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
duration="${1:-10}"
channels="${2:-5000}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
work="$(mktemp -d)"
trap 'kill ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

dotnet publish "$root/src/OpenIvs.Cli/OpenIvs.Cli.csproj" -c Release -o "$root/artifacts/cli" --nologo -v quiet
echo '{"Quotas":{"Channels":1000000}}' > "$work/config.json"

run() { # name concurrency lua
  local threads=$(( $2 < 2 ? 1 : 2 ))
  local line
  line=$(wrk -t"$threads" -c"$2" -d"${duration}s" --latency -s "$3" "http://127.0.0.1:$port" | grep '^RESULT')
  printf '%-8s %-14s c=%-3s %s\n' "$auth" "$1" "$2" "${line#RESULT }"
}

echo "OpenIVS control-plane benchmark: ${duration}s per run, ${channels} channels, $(nproc) cores"
for auth in sigv4 none; do
  data="$work/data-$auth"
  OPENIVS_ACCESS_KEY_ID=AKIABENCHMARK0000000 OPENIVS_SECRET_ACCESS_KEY=benchmark-secret-benchmark-secret-00000 \
    dotnet "$root/artifacts/cli/openivs.dll" serve --data-dir "$data" --http "127.0.0.1:$port" --rtmp "127.0.0.1:$(free_port)" --rtmps "127.0.0.1:$(free_port)" \
      --auth "$auth" --config "$work/config.json" --log-level Warning > "$work/server-$auth.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  kill -0 "$server" 2>/dev/null || { echo "server did not start:" >&2; cat "$work/server-$auth.log" >&2; exit 1; }
  sign() { python3 "$root/bench/api/sign.py" "http://127.0.0.1:$port" us-west-2 AKIABENCHMARK0000000 benchmark-secret-benchmark-secret-00000 "$@"; }

  python3 "$root/bench/api/seed.py" "http://127.0.0.1:$port" us-west-2 AKIABENCHMARK0000000 benchmark-secret-benchmark-secret-00000 "$channels" 100 > "$work/pages.txt"
  arn=$(python3 - "$port" <<'PY'
import sys, boto3
c = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-west-2",
                 aws_access_key_id="AKIABENCHMARK0000000", aws_secret_access_key="benchmark-secret-benchmark-secret-00000")
print(c.list_channels(maxResults=1)["channels"][0]["arn"])
PY
)
  for c in 1 32; do
    sign "$work/get.lua" GetChannel "{\"arn\":\"$arn\"}"; run GetChannel "$c" "$work/get.lua"
  done
  for c in 1 32; do
    mapfile -t pages < "$work/pages.txt"
    sign "$work/list.lua" ListChannels "${pages[@]}"; run ListChannels "$c" "$work/list.lua"
  done
  for c in 1 32; do
    sign "$work/create.lua" CreateChannel '{"name":"bench-create"}'; run CreateChannel "$c" "$work/create.lua"
  done
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
done
