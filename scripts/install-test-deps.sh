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
# the nginx cache-tier test renders docs/deploy's template (envsubst) and makes a certificate (openssl)
command -v envsubst >/dev/null 2>&1 || need+=(gettext-base)
command -v openssl  >/dev/null 2>&1 || need+=(openssl)
command -v aws      >/dev/null 2>&1 || need+=(awscli)
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)  # ErrorMessageCliTests drive boto3
command -v node     >/dev/null 2>&1 || need+=(nodejs npm)
# SRT ingest binds libsrt (OpenSSL flavour) at run time; srt-tools gives srt-live-transmit for manual checks.
[ -e /usr/lib/x86_64-linux-gnu/libsrt.so.1.5 ] || [ -e /usr/lib/aarch64-linux-gnu/libsrt.so.1.5 ] || need+=(libsrt1.5-openssl srt-tools)

if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-deps: apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# moto's server mode (a real EventBridge and SQS API) and boto3, for the event delivery tests.
if ! python3 -c "import moto.server, boto3" >/dev/null 2>&1; then
  echo "install-test-deps: pip install moto[server] boto3"
  python3 -m pip install --quiet --user --break-system-packages "moto[server]>=5.2" boto3 \
    || python3 -m pip install --quiet --user "moto[server]>=5.2" boto3
fi

# tests/js/test/ivs-player.test.js installs the IVS web player (npm amazon-ivs-player, Amazon's licence, never
# committed) with esbuild into the gitignored tests/js/.ivs-player at test time: it needs the npm registry then.
if [ -f "$root/tests/js/package.json" ]; then
  (cd "$root/tests/js" && npm ci --no-audit --no-fund --loglevel=error)
fi
# hls.js for the watch page (the build embeds it; this also keeps the build from running npm itself).
(cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)

dotnet restore "$root/OpenIvs.slnx" --nologo -v quiet
