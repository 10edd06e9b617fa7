#!/usr/bin/env bash
# Store benchmark (not a test): the same `openivs serve` build on SQLite and on PostgreSQL, side by side.
# GetChannel requests per second with wrk at concurrency 1 and 32 (reads come from memory on both stores, so
# they should match within noise), and CreateChannel at concurrency 1 and 8 (a durable commit each: SQLite's
# fsync against PostgreSQL's lock + write + COMMIT over a socket). Runs alternate between the servers, so
# background load on a shared machine hits both alike. PostgreSQL is a throw-away cluster (Debian's
# postgresql 15, fsync on, as root run as the postgres user) in a temp directory.
#
# Besides throughput (which other load on a shared machine swings by tens of percent), each run reports the
# server's CPU time per request from /proc (utime + stime), which that load disturbs far less.
#
# usage: bench/postgres/run.sh [seconds-per-run (default 8)] [rounds (default 3)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
duration="${1:-8}"
rounds="${2:-3}"
bin=/usr/lib/postgresql/15/bin
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is required (apt-get install postgresql)" >&2; exit 1; }

work="$(mktemp -d)"
as_pg=(); [ "$(id -u)" -eq 0 ] && { chown postgres:postgres "$work"; as_pg=(runuser -u postgres --); }
declare -A port server
cleanup() {
  kill ${server[sqlite]:-} ${server[postgres]:-} 2>/dev/null || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
"${as_pg[@]}" "$bin/initdb" -D "$work/pg" -U openivs -A trust -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" >/dev/null
connection="Host=127.0.0.1;Port=$pg_port;Username=openivs;Database=postgres"

[ -f "$root/artifacts/cli/openivs.dll" ] || dotnet publish "$root/src/OpenIvs.Cli/OpenIvs.Cli.csproj" -c Release -o "$root/artifacts/cli" --nologo -v quiet
echo '{"Quotas":{"Channels":1000000}}' > "$work/config.json"
for store in sqlite postgres; do
  port[$store]=$(free_port)
  extra=(); [ "$store" = postgres ] && extra=(--postgres "$connection")
  dotnet "$root/artifacts/cli/openivs.dll" serve --data-dir "$work/data-$store" --http "127.0.0.1:${port[$store]}" \
    --rtmp "127.0.0.1:$(free_port)" --rtmps "127.0.0.1:$(free_port)" --srt off \
    --auth none --config "$work/config.json" --log-level Warning "${extra[@]}" > "$work/server-$store.log" 2>&1 &
  server[$store]=$!
done

call() { curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:${port[$1]}/$2" -d "$3"; }
declare -A arn
for store in sqlite postgres; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:${port[$store]}/health" >/dev/null && break; sleep 0.1; done
  kill -0 "${server[$store]}" 2>/dev/null || { echo "$store server did not start:" >&2; cat "$work/server-$store.log" >&2; exit 1; }
  for i in $(seq 100); do call "$store" CreateChannel "{\"name\":\"seed$i\"}" >/dev/null; done
  arn[$store]=$(call "$store" CreateChannel '{"name":"target"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["channel"]["arn"])')
done

script() { # operation body -> lua file
  cat > "$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.path = "/$1"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$2'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.0f %.2f %.2f %d\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
LUA
  echo "$work/$1.lua"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # store concurrency lua -> "rps p50 p99 errors cpu_us_per_request"
  local threads=$(( $2 < 2 ? 1 : 2 )) before after requests rest
  before=$(cpu_ticks "${server[$1]}")
  read -r requests rest < <(wrk -t"$threads" -c"$2" -d"${duration}s" --latency -s "$3" "http://127.0.0.1:${port[$1]}" | grep '^RESULT' | sed 's/^RESULT //')
  after=$(cpu_ticks "${server[$1]}")
  echo "$rest $(python3 -c "print(round(($after - $before) * 1e6 / $(getconf CLK_TCK) / max($requests, 1), 1))")"
}

printf '%-13s %3s %5s %-8s %10s %9s %9s %6s %8s\n' operation c round store rps p50_ms p99_ms errors cpu_us
declare -A ratios=() cpu_ratios=() cpus=()
for round in $(seq "$rounds"); do
  for c in 1 32; do
    declare -A rps=()
    for store in sqlite postgres; do
      lua=$(script GetChannel "{\"arn\":\"${arn[$store]}\"}")
      read -r r p50 p99 errors cpu < <(run "$store" "$c" "$lua")
      rps[$store]=$r; cpus[$store]=$cpu
      printf '%-13s %3s %5s %-8s %10s %9s %9s %6s %8s\n' GetChannel "$c" "$round" "$store" "$r" "$p50" "$p99" "$errors" "$cpu"
    done
    ratios[$c]+="$(python3 -c "print(round(${rps[postgres]}/${rps[sqlite]},3))") "
    cpu_ratios[$c]+="$(python3 -c "print(round(${cpus[postgres]}/${cpus[sqlite]},3))") "
  done
  for c in 1 8; do
    for store in sqlite postgres; do
      lua=$(script CreateChannel '{}')
      read -r r p50 p99 errors cpu < <(run "$store" "$c" "$lua")
      printf '%-13s %3s %5s %-8s %10s %9s %9s %6s %8s\n' CreateChannel "$c" "$round" "$store" "$r" "$p50" "$p99" "$errors" "$cpu"
    done
  done
done
median() { python3 -c "import statistics,sys; print(statistics.median([float(x) for x in sys.argv[1].split()]))" "$1"; }
for c in 1 32; do
  echo "GetChannel c=$c postgres/sqlite throughput per round: ${ratios[$c]}(median $(median "${ratios[$c]}"))"
  echo "GetChannel c=$c postgres/sqlite CPU per request per round: ${cpu_ratios[$c]}(median $(median "${cpu_ratios[$c]}"))"
done
