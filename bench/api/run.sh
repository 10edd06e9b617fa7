#!/usr/bin/env bash
# Control-plane load benchmark (not a test): requests per second and p50/p99 latency with wrk for
# GetChannel, CreateChannel and ListChannels (pages of 100 over 5,000 channels) at concurrency 1 and 32,
# with SigV4 verification on (the default) and off, against the Release build of `openivs serve`.
# Both servers run at once and their runs alternate (sigv4, none, sigv4, none), so background load on a
# shared machine hits both alike; the last column is sigv4 throughput over none for the pair.
# Requests are signed once with botocore (the AWS CLI's signer) and replayed; a signature stays valid 5 min.
#
# usage: bench/api/run.sh [seconds-per-run (default 10)] [channels (default 5000)] [rounds (default 2)] [operations (default "GetChannel ListChannels CreateChannel")]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
duration="${1:-10}"
channels="${2:-5000}"
rounds="${3:-2}"
operations="${4:-GetChannel ListChannels CreateChannel}"
key=AKIABENCHMARK0000000
secret=benchmark-secret-benchmark-secret-00000
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work="$(mktemp -d)"
declare -A port server
trap 'kill ${server[sigv4]:-0} ${server[none]:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

dotnet publish "$root/src/OpenIvs.Cli/OpenIvs.Cli.csproj" -c Release -o "$root/artifacts/cli" --nologo -v quiet
echo '{"Quotas":{"Channels":1000000}}' > "$work/config.json"

for auth in sigv4 none; do
  port[$auth]=$(free_port)
  OPENIVS_ACCESS_KEY_ID=$key OPENIVS_SECRET_ACCESS_KEY=$secret \
    dotnet "$root/artifacts/cli/openivs.dll" serve --data-dir "$work/data-$auth" --http "127.0.0.1:${port[$auth]}" \
      --rtmp "127.0.0.1:$(free_port)" --rtmps "127.0.0.1:$(free_port)" --srt "127.0.0.1:$(free_port)" \
      --auth "$auth" --config "$work/config.json" --log-level Warning > "$work/server-$auth.log" 2>&1 &
  server[$auth]=$!
done
for auth in sigv4 none; do
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:${port[$auth]}/health" >/dev/null && break; sleep 0.1; done
  kill -0 "${server[$auth]}" 2>/dev/null || { echo "server did not start:" >&2; cat "$work/server-$auth.log" >&2; exit 1; }
  python3 "$root/bench/api/seed.py" "http://127.0.0.1:${port[$auth]}" us-west-2 $key $secret "$channels" 100 > "$work/pages-$auth.txt"
done

sign() { # auth out.lua operation body...
  local auth=$1; shift
  python3 "$root/bench/api/sign.py" "http://127.0.0.1:${port[$auth]}" us-west-2 $key $secret "$@"
}

wrk_rps() { # auth concurrency lua -> "rps p50 p99 errors"
  local threads=$(( $2 < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$2" -d"${duration}s" --latency -s "$3" "http://127.0.0.1:${port[$1]}" | grep '^RESULT' | sed 's/^RESULT //'
}

first_arn() {
  python3 - "${port[$1]}" <<'PY'
import sys, boto3
c = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-west-2",
                 aws_access_key_id="AKIABENCHMARK0000000", aws_secret_access_key="benchmark-secret-benchmark-secret-00000")
print(c.list_channels(maxResults=1)["channels"][0]["arn"])
PY
}

declare -A ratios=()
echo "OpenIVS control-plane benchmark: ${duration}s per run, ${channels} channels, $(nproc) cores, ${rounds} alternating rounds"
for name in $operations; do
  for c in 1 32; do
    for round in $(seq "$rounds"); do
      declare -A rps=()
      for auth in sigv4 none; do
        case $name in
          GetChannel) sign $auth "$work/$auth.lua" GetChannel "{\"arn\":\"$(first_arn $auth)\"}" ;;
          ListChannels) mapfile -t pages < "$work/pages-$auth.txt"; sign $auth "$work/$auth.lua" ListChannels "${pages[@]}" ;;
          CreateChannel) sign $auth "$work/$auth.lua" CreateChannel '{"name":"bench-create"}' ;;
        esac
        line=$(wrk_rps $auth "$c" "$work/$auth.lua")
        rps[$auth]=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<< "$line")
        printf '%-6s %-14s c=%-3s round %s  %s\n' "$auth" "$name" "$c" "$round" "$line"
      done
      ratio=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / max(1, int(sys.argv[2])):.2f}')" "${rps[sigv4]}" "${rps[none]}")
      ratios["$name c=$c"]+="$ratio "
      printf '       %-14s c=%-3s round %s  sigv4/none = %s\n' "$name" "$c" "$round" "$ratio"
    done
  done
done

# One noisy run can swing a ratio by 0.1 on a shared machine: the median over the rounds is the figure.
echo "sigv4/none throughput, median of $rounds rounds:"
for name in $operations; do
  for c in 1 32; do
    python3 -c "import statistics, sys; r = [float(x) for x in sys.argv[3:]]; print(f'  {sys.argv[1]:14} c={sys.argv[2]:<3} {statistics.median(r):.2f}  (rounds: {\" \".join(sys.argv[3:])})')" \
      "$name" "$c" ${ratios["$name c=$c"]}
  done
done
