#!/usr/bin/env bash
# Installs what the tests need on a new Debian 12 machine: media tools, servers, the browser, the AWS CLI,
# and the npm packages of the JavaScript tests. Safe to run again; installs only what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need=()
command -v ffmpeg   >/dev/null 2>&1 || need+=(ffmpeg)
command -v nginx    >/dev/null 2>&1 || need+=(nginx libnginx-mod-rtmp)
[ -e /usr/share/nginx/modules-available/mod-rtmp.conf ] || [ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || need+=(libnginx-mod-rtmp)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v wrk      >/dev/null 2>&1 || need+=(wrk)
command -v aws      >/dev/null 2>&1 || need+=(awscli)
command -v node     >/dev/null 2>&1 || need+=(nodejs npm)

if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-deps: apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The S3 recording tests run moto's S3 server (python3 -m moto.server); it is not a Debian package.
python3 -c 'import moto.server' 2>/dev/null || echo "install-test-deps: moto is missing (python3 -m pip install 'moto[server]'); the S3 recording tests need it" >&2

if [ -f "$root/tests/js/package.json" ]; then
  (cd "$root/tests/js" && npm ci --no-audit --no-fund --loglevel=error)
fi
# hls.js for the watch page (the build embeds it; this also keeps the build from running npm itself).
(cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)

dotnet restore "$root/OpenIvs.slnx" --nologo -v quiet
