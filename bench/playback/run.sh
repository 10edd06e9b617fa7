#!/usr/bin/env bash
# Playback benchmarks (not tests): glass-to-glass latency, LL-HLS fan-out, segment serving vs nginx.
#
# usage: bench/playback/run.sh latency|fanout|segments [options]   (options: see bench/playback/run.py --help)
#
# Needs ffmpeg, nginx with libnginx-mod-rtmp, chromium and wrk from apt, the .NET SDK, Node 20 and Python 3 with
# boto3. Installs the Node dependencies (package-lock.json) on first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -d "$here/node_modules/playwright-core" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec python3 "$here/run.py" "$@"
