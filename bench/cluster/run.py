#!/usr/bin/env python3
"""Cluster fan-out benchmark (not a test): one stream, many LL-HLS viewers, three OpenIVS nodes on PostgreSQL.

A throw-away PostgreSQL 15 (Debian's binaries, initdb in a temp directory, run as the postgres user when root), three
`openivs serve --postgres` nodes on loopback ports sharing master.key and the root key (with --node-id and
--advertise-url when this build's CLI has them), one 720p30 2.5 Mbps + 128 kb/s stream published into node 1 (a
pre-encoded clip replayed with -c copy, LOW latency fMP4 channel), and N simulated LL-HLS viewers
(bench/playback/viewers.mjs: blocking reloads, delta updates, every part, init once) in each scenario:

holder  every viewer on node 1, the node holding the stream: the single-node baseline.
relay   viewers spread over nodes 2 and 3, which relay the stream from node 1 (relayed playback, issue 15). Skipped,
        with a note, while node 2 answers the playback URL with 404 (a build without relayed playback).
nginx   every viewer through nginx running docs/deploy/nginx/openivs.conf.template (the deploy example's cache tier)
        in front of all three nodes (only node 1 on a build without relayed playback: nginx sends a channel to one
        node by a hash of the channel, which may not be the holder). --lock-ages runs it once per proxy_cache_lock_age
        value, the template's one knob between added latency and requests reaching the node (docs/deploy/README.md);
        --template renders another file instead (before/after comparisons of the cache tier). --nginx-nodes 2,3 puts
        only the relaying nodes behind nginx: viewers -> nginx -> node 2 or 3 -> node 1.

Each scenario prints the load average before and after, viewers behind (newest part fetched more than 2 parts behind
the live edge at the end; viewers that never started count), the viewers' errors by stage and kind (e.g. "multivariant
timeout", "reload 503"), how long viewers took to start (multivariant answered, first media playlist, first part in
hand), part latency p50/p99 (from the end of a part's media, by the playlist's EXT-X-PROGRAM-DATE-TIME, to the viewer
having fetched the part: the blocking reload that announced it plus the part's fetch), part fetch time p50/p99,
requests/s and bytes/s served to viewers, how many requests per part reached each node
(openivs_playback_requests_total by kind, scraped from every node's /metrics before and after the measured window,
divided by the parts the stream produced meanwhile), the relay's own upstream count per part when the build exposes it
(--relay-metric, a Prometheus counter name), and the CPU (% of one core) of each process: nodes, PostgreSQL, nginx,
the load generator, the publisher, and "others" (the rest of the shared machine). Through nginx it also prints its
access log per kind of request (multivariant, playlist, reload, part, other: requests, how many reached a node, status
codes, cache status, request time) and its error log's messages counted.
"""
import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from procstats import free_port  # noqa: E402

_spec = importlib.util.spec_from_file_location("playback_bench", os.path.join(ROOT, "bench", "playback", "run.py"))
playback = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(playback)
CpuMeter, tree, stop, wait_for, make_clip, publish_clip, machine_load = (
    playback.CpuMeter, playback.tree, playback.stop, playback.wait_for, playback.make_clip, playback.publish_clip, playback.machine_load)

KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"
PG_BIN = "/usr/lib/postgresql/15/bin"
TEMPLATE = os.path.join(ROOT, "docs", "deploy", "nginx", "openivs.conf.template")
# The relay's counter of requests it sent upstream (one per part per relay node, however many viewers wait). The
# relayed-playback work names it; until then the figure comes from the holder's own request counter (below).
DEFAULT_RELAY_METRIC = "openivs_playback_relay_upstream_requests_total"  # kind="part" (HlsRelayTelemetry)
DEVNULL = subprocess.DEVNULL


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    """A throw-away PostgreSQL 15 cluster in a temp directory (as tests/Shared/PostgresCluster.cs and bench/postgres)."""

    def __init__(self):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            sys.exit("PostgreSQL 15 is required (apt-get install postgresql)")
        self.dir = tempfile.mkdtemp(prefix="openivs-clusterbench-pg-")  # its own: the postgres user cannot enter the work dir
        self.as_pg = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        subprocess.run(self.as_pg + [f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-U", "openivs", "-A", "trust", "-E", "UTF8",
                                     "--locale=C"], check=True, stdout=DEVNULL)
        subprocess.run(self.as_pg + [f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/pg.log", "-w", "start", "-o",
                                     f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=400"],
                       check=True, stdout=DEVNULL)
        self.connection = f"Host=127.0.0.1;Port={self.port};Username=openivs;Database=postgres"

    def pids(self):
        try:
            with open(f"{self.dir}/data/postmaster.pid") as f:
                return tree(int(f.readline()))
        except (FileNotFoundError, ValueError):
            return []

    def close(self):
        subprocess.run(self.as_pg + [f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "stop"], stdout=DEVNULL, stderr=DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- OpenIVS nodes

def published_cli(cli):
    """The directory of the build to run: `cli` (--cli) when given, else this tree published into artifacts/cli."""
    if cli:
        return os.path.abspath(cli)
    cli = os.path.join(ROOT, "artifacts", "cli")
    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src", "OpenIvs.Cli", "OpenIvs.Cli.csproj"), "-c", "Release",
                    "-o", cli, "--nologo", "-v", "quiet"], check=True)
    return cli


def cli_options(cli):
    """The options `openivs serve` accepts on this build (cluster options arrive with issue 15's work)."""
    out = subprocess.run(["dotnet", os.path.join(cli, "openivs.dll"), "serve", "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"(--[a-z0-9-]+)", out))


class Node:
    def __init__(self, work, index, cli, postgres, options, master_key=None):
        self.index = index
        self.http, self.rtmp = free_port(), free_port()
        self.data = os.path.join(work, f"node{index}")
        os.makedirs(self.data, exist_ok=True)
        if master_key:
            shutil.copy(master_key, os.path.join(self.data, "master.key"))  # every node must share it (docs/postgres.md)
        self.url = f"http://127.0.0.1:{self.http}"
        args = ["dotnet", os.path.join(cli, "openivs.dll"), "serve", "--postgres", postgres.connection, "--data-dir", self.data,
                "--http", f"127.0.0.1:{self.http}", "--rtmp", f"127.0.0.1:{self.rtmp}", "--rtmps", f"127.0.0.1:{free_port()}",
                "--srt", "off", "--log-level", "Warning", "--enable-metrics-on-http", "true"]
        if "--node-id" in options:
            args += ["--node-id", f"node{index}"]
        if "--advertise-url" in options:
            args += ["--advertise-url", self.url]
        env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET, OPENIVS_Transcoding__Enabled="false")
        self.log = open(os.path.join(work, f"node{index}.log"), "w")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self):
        wait_for(f"{self.url}/health", 90)
        return self

    def client(self):
        return boto3.client("ivs", endpoint_url=self.url, region_name="us-west-2", aws_access_key_id=KEY, aws_secret_access_key=SECRET)

    def metrics(self):
        """Prometheus samples {name{labels}: value} from the node's /metrics."""
        try:
            text = urllib.request.urlopen(f"{self.url}/metrics", timeout=10).read().decode()
        except Exception:
            return {}
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    samples[name] = float(value)
                except ValueError:
                    pass
        return samples

    def close(self):
        stop(self.proc)
        self.log.close()


def counter(samples, name, **labels):
    """Sum of a counter's samples whose labels include `labels`."""
    total = 0.0
    for key, value in samples.items():
        if key == name or key.startswith(name + "{"):
            if all(f'{k}="{v}"' in key for k, v in labels.items()):
                total += value
    return total


# ---------------------------------------------------------------- nginx

class Nginx:
    """nginx running the deploy example's cache-tier template, rendered with envsubst as docs/deploy/README.md says."""

    def __init__(self, work, upstreams, template, lock_age=None):
        self.dir = os.path.join(work, f"nginx-{free_port()}")
        os.makedirs(self.dir)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", f"{self.dir}/key.pem",
                        "-out", f"{self.dir}/cert.pem"], check=True, stdout=DEVNULL, stderr=DEVNULL)
        self.http, self.https = free_port(), free_port()
        values = {"OPENIVS_UPSTREAM_SERVERS": " ".join(f"server {u};" for u in upstreams),
                  "OPENIVS_HTTP_LISTEN": f"127.0.0.1:{self.http}", "OPENIVS_HTTPS_LISTEN": f"127.0.0.1:{self.https}",
                  "OPENIVS_TLS_CERTIFICATE": f"{self.dir}/cert.pem", "OPENIVS_TLS_CERTIFICATE_KEY": f"{self.dir}/key.pem",
                  "OPENIVS_CACHE_DIR": f"{self.dir}/cache", "OPENIVS_NGINX_LOG_DIR": self.dir}
        with open(template) as f:
            template = f.read()
        names = sorted(set(re.findall(r"\$\{OPENIVS_[A-Z_]+\}", template)))
        missing = [n for n in names if n[2:-1] not in values]
        if missing:
            sys.exit(f"the template uses {missing}, which this benchmark does not set")
        rendered = subprocess.run(["envsubst", " ".join(names)], input=template, capture_output=True, text=True,
                                  env=dict(os.environ, **values), check=True).stdout
        if lock_age:  # an experiment (--lock-ages): the template's one knob between latency and upstream requests
            rendered, count = re.subn(r"proxy_cache_lock_age \S+;", f"proxy_cache_lock_age {lock_age};", rendered)
            if count != 1:
                sys.exit("the template has no proxy_cache_lock_age to vary")
        with open(f"{self.dir}/openivs.conf", "w") as f:
            f.write(rendered)
        user = "user root;" if os.geteuid() == 0 else ""
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        files = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)  # above the hard limit: an alert per worker
        with open(f"{self.dir}/nginx.conf", "w") as f:
            f.write(f"""{user}
daemon off;
worker_processes auto;
worker_rlimit_nofile {files};
error_log {self.dir}/error.log warn;
pid {self.dir}/nginx.pid;
events {{ worker_connections 16384; }}
http {{
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy; fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  include {self.dir}/openivs.conf;
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", f"{self.dir}/nginx.conf", "-p", self.dir], stdout=DEVNULL, stderr=DEVNULL)
        time.sleep(1)
        if self.proc.poll() is not None:
            sys.exit(f"nginx did not start: {open(f'{self.dir}/error.log').read()}")

    def access_summary(self):
        """Per kind of request, from the access log (openivs_cache format): {kind: {"requests", "upstream" (lines that
        went to a node), "status" {code: n}, "cache" {$upstream_cache_status: n}, "rt" [seconds]}}."""
        kinds = {}
        try:
            with open(f"{self.dir}/openivs-access.log") as f:
                for line in f:
                    m = re.search(r'"GET (\S+) \S+" (\d+) ', line)
                    if not m:
                        continue
                    seen = kinds.setdefault(request_kind(m.group(1)), {"requests": 0, "upstream": 0, "status": {}, "cache": {}, "rt": []})
                    seen["requests"] += 1
                    if " upstream=- " not in line:
                        seen["upstream"] += 1
                    seen["status"][m.group(2)] = seen["status"].get(m.group(2), 0) + 1
                    cache = re.search(r" cache=(\S+)", line)
                    if cache:
                        seen["cache"][cache.group(1)] = seen["cache"].get(cache.group(1), 0) + 1
                    rt = re.search(r" rt=([\d.]+)", line)
                    if rt:
                        seen["rt"].append(float(rt.group(1)))
        except FileNotFoundError:
            pass
        return kinds

    def error_summary(self):
        """nginx's error log, lines counted by message (connection numbers, addresses and requests left out)."""
        counts = {}
        try:
            with open(f"{self.dir}/error.log") as f:
                for line in f:
                    m = re.match(r"\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*?)(?:, client: .*)?$", line)
                    if m:
                        key = f"[{m.group(1)}] {m.group(2).strip()}"
                        counts[key] = counts.get(key, 0) + 1
        except FileNotFoundError:
            pass
        return counts

    def close(self):
        stop(self.proc)


def request_kind(target):
    """multivariant, playlist (a plain media playlist request), reload (a blocking one: _HLS_msn), part, or other
    (init and segments) for a request target under /api/video/v1/."""
    path, _, query = target.partition("?")
    if path.endswith("index.m3u8"):
        return "reload" if "_HLS_msn=" in query else "playlist"
    if path.endswith(".m3u8"):
        return "multivariant"
    return "part" if "/part" in path else "other"


def quantiles(values):
    """p50 / p99 / max of a list, formatted."""
    xs = sorted(values)
    if not xs:
        return "-"
    return " / ".join(f"{xs[min(len(xs) - 1, int(p * len(xs)))]:g}" for p in (0.5, 0.99)) + f" / {xs[-1]:g}"


# ---------------------------------------------------------------- the benchmark

def newest_part_number(media_url):
    """The stream-wide number n of the newest part{n} in a media playlist."""
    text = urllib.request.urlopen(media_url, timeout=10).read().decode()
    numbers = [int(n) for n in re.findall(r'URI="part(\d+)\.', text)]
    return max(numbers) if numbers else 0


def scenario(args, name, urls, nodes, extra, publisher, media_url, holder_url):
    """Runs viewers.mjs against `urls` and prints one row."""
    load_before = machine_load()
    gen = subprocess.Popen(["node", os.path.join(ROOT, "bench", "playback", "viewers.mjs"), ",".join(urls), str(args.viewers),
                            str(args.ramp), str(args.warmup), str(args.measure), str(args.workers), holder_url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    roots = {f"node{n.index}": n.proc for n in nodes}
    roots.update(extra)
    roots.update(loadgen=gen, publisher=publisher)
    meter = CpuMeter(**roots)
    started = time.monotonic()
    # viewers.mjs counts from 0.5 s + ramp + warm-up after its start, for `measure` seconds; the meter stops a second
    # early, while its workers still run (their CPU is gone from /proc once they exit)
    time.sleep(0.5 + args.ramp + args.warmup + 0.5)
    meter.start()
    before = {n.index: n.metrics() for n in nodes}
    first_part = newest_part_number(media_url)
    time.sleep(max(0.0, started + 0.5 + args.ramp + args.warmup + args.measure - 0.5 - time.monotonic()))
    cpu = meter.stop()
    last_part = newest_part_number(media_url)
    after = {n.index: n.metrics() for n in nodes}
    out, err = gen.communicate(timeout=args.measure + 120)
    if not out.strip():
        print(f"{name}: load generator failed (exit {gen.returncode}): {err.strip()[-600:]}", flush=True)
        return
    r = json.loads(out.strip().splitlines()[-1])
    parts = max(1, last_part - first_part)
    per_part = {}
    for n in nodes:
        for kind in ("part", "playlist"):
            delta = counter(after[n.index], "openivs_playback_requests_total", kind=kind) - \
                counter(before[n.index], "openivs_playback_requests_total", kind=kind)
            per_part[(n.index, kind)] = delta / parts
    relay = {n.index: (counter(after[n.index], args.relay_metric, kind="part") - counter(before[n.index], args.relay_metric, kind="part")) / parts for n in nodes}
    pt = r["partFetchMs"]
    print(f"\n[{name}] {args.viewers} viewers over {', '.join(urls)} (load average {load_before} before, {machine_load()} after)")
    print(f"  viewers behind (> 2 parts; live edge read from node 1 in {r['edgeFetchMs']} ms): {r['behind']}   errors: {r['errors']}   lag histogram (parts: viewers): "
          f"{' '.join(f'{k}:{v}' for k, v in sorted(r['lagParts']['histogram'].items(), key=lambda kv: int(kv[0])))}"
          + (f" far:{r['notListed']} none:{r['neverFetched']}" if r["notListed"] or r["neverFetched"] else ""))
    if r["errorKinds"]:
        print("  errors by stage and kind: " + "  ".join(f"{k}: {v}" for k, v in sorted(r["errorKinds"].items(), key=lambda kv: -kv[1])))
    st = r["startMs"]
    print("  start, ms p50 / p99 / max (viewers): " + "   ".join(
        f"{label} {st[k]['p50']} / {st[k]['p99']} / {st[k]['max']} ({st[k]['count']})"
        for k, label in (("multivariant", "multivariant answered"), ("playlist", "first media playlist"), ("firstPart", "first part in hand"))))
    pl = r["partLatencyMs"]
    print(f"  part latency (end of the part's media -> viewer has the part) p50 / p99 / max: {pl['p50']} / {pl['p99']} / {pl['max']} ms")
    print(f"  part fetch p50 / p99 / max: {pt['p50']} / {pt['p99']} / {pt['max']} ms   served: {r['requestsPerSecond']:.0f} req/s, "
          f"{r['bytesPerSecond'] * 8 / 1e6:.0f} Mbit/s ({r['bytesPerSecond'] * 8 / 1e6 / args.viewers:.2f} Mbit/s per viewer)")
    print(f"  requests reaching each node per part ({parts} parts): " + "   ".join(
        f"node{n.index}: {per_part[(n.index, 'part')]:.2f} part + {per_part[(n.index, 'playlist')]:.2f} playlist" for n in nodes))
    if any(relay.values()):
        print(f"  relay upstream requests per part ({args.relay_metric}): "
              + "   ".join(f"node{i}: {v:.2f}" for i, v in relay.items()))
    elif name == "relay":
        print(f"  ({args.relay_metric} not exposed by this build: the holder's part requests above are the relays' upstream requests)")
    print("  CPU % of one core: " + "  ".join(f"{k} {v:.0f}" for k, v in cpu.items() if k != "machine"), flush=True)
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=1500, metavar="N", help="simulated LL-HLS viewers in each scenario (default: %(default)s)")
    parser.add_argument("--scenarios", default="holder,relay,nginx", metavar="LIST",
                        help="comma-separated scenarios (above), run in the order given (default: %(default)s)")
    parser.add_argument("--ramp", type=int, default=15, metavar="SECONDS",
                        help="viewers start evenly over this many seconds (1,500 over 15 s: 100 new sessions a second) (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=10, metavar="SECONDS", help="seconds after the ramp before counting starts (default: %(default)s)")
    parser.add_argument("--measure", type=int, default=30, metavar="SECONDS", help="seconds counted (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="load-generator processes sharing the viewers (default: %(default)s)")
    parser.add_argument("--lock-ages", metavar="LIST",
                        help="nginx: run once per proxy_cache_lock_age value (e.g. 15s,100ms) instead of the template's")
    parser.add_argument("--nginx-nodes", default="1,2,3", metavar="LIST",
                        help="nginx: the nodes behind it (the hash sends the channel to one of them); 2,3: always through a "
                             "relaying node (default: %(default)s)")
    parser.add_argument("--template", default=TEMPLATE, metavar="FILE",
                        help="nginx: the cache tier's template to render (before/after comparisons; default: the deploy example's)")
    parser.add_argument("--relay-metric", default=DEFAULT_RELAY_METRIC, metavar="NAME",
                        help="Prometheus counter of the relay's upstream requests (kind=\"part\" samples) (default: %(default)s)")
    parser.add_argument("--cli", metavar="DIR",
                        help="an already published build (a directory with openivs.dll); default: publish src/OpenIvs.Cli into artifacts/cli")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (node, PostgreSQL and nginx logs, nginx's rendered configuration) and print its path")
    args = parser.parse_args()
    for tool in ("ffmpeg", "nginx", "node", "envsubst", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")
    cli = published_cli(args.cli)
    options = cli_options(cli)
    work = tempfile.mkdtemp(prefix="openivs-clusterbench-")
    postgres, nodes, nginx, publisher = None, [], None, None
    try:
        clip = make_clip(work)
        postgres = Postgres()
        nodes.append(Node(work, 1, cli, postgres, options))
        nodes[0].ready()
        key = os.path.join(nodes[0].data, "master.key")
        for i in (2, 3):
            nodes.append(Node(work, i, cli, postgres, options, master_key=key))
        for n in nodes[1:]:
            n.ready()
        print(f"cluster fan-out: 3 nodes on PostgreSQL 15 ({'with' if '--node-id' in options else 'without'} --node-id/--advertise-url), "
              f"one 720p30 2.5 Mbps + 128 kb/s LOW latency fMP4 stream on node 1; ramp {args.ramp}s, warm-up {args.warmup}s, "
              f"measure {args.measure}s, {args.workers} load-generator processes; {os.cpu_count()} cores, load {machine_load()}", flush=True)
        ch = nodes[0].client().create_channel(name="fanout", latencyMode="LOW", type="BASIC", insecureIngest=True,
                                              containerFormat="FRAGMENTED_MP4")
        path = ch["channel"]["playbackUrl"].split("/api/video/v1/", 1)[1]
        publisher = publish_clip(clip, f"rtmp://127.0.0.1:{nodes[0].rtmp}/app/{ch['streamKey']['value']}")
        holder_url = f"{nodes[0].url}/api/video/v1/{path}"
        wait_for(holder_url, 30)
        media_url = playback.media_playlist_url(holder_url)
        time.sleep(4)
        relayed = True
        try:
            urllib.request.urlopen(f"{nodes[1].url}/api/video/v1/{path}", timeout=15).read()
        except Exception as e:
            relayed = False
            print(f"(node 2 does not play the stream held by node 1: {e}; no relayed playback in this build)")
        for name in args.scenarios.split(","):
            if publisher.poll() is not None:
                sys.exit("the publisher stopped")
            if name == "holder":
                scenario(args, name, [holder_url], nodes, {"postgres": _PidsProc(postgres)}, publisher, media_url, holder_url)
            elif name == "relay":
                if not relayed:
                    print("\n[relay] skipped: this build has no relayed playback")
                    continue
                scenario(args, name, [f"{n.url}/api/video/v1/{path}" for n in nodes[1:]], nodes, {"postgres": _PidsProc(postgres)},
                         publisher, media_url, holder_url)
            elif name == "nginx":
                behind = [n for n in nodes if str(n.index) in args.nginx_nodes.split(",")] if relayed else nodes[:1]
                upstreams = [f"127.0.0.1:{n.http}" for n in behind]
                for age in (args.lock_ages.split(",") if args.lock_ages else [None]):
                    nginx = Nginx(work, upstreams, args.template, age)
                    try:
                        label = (f"nginx, proxy_cache_lock_age {age}" if age else "nginx") + \
                            f" in front of node{'s' if len(behind) > 1 else ''} {', '.join(str(n.index) for n in behind)}"
                        scenario(args, label, [f"http://127.0.0.1:{nginx.http}/api/video/v1/{path}"], nodes,
                                 {"nginx": nginx.proc, "postgres": _PidsProc(postgres)}, publisher, media_url, holder_url)
                        print("  nginx access log (whole run; status codes; cache status; request time p50 / p99 / max, s):")
                        for kind, k in sorted(nginx.access_summary().items()):
                            print(f"    {kind}: {k['requests']} requests, {k['upstream']} to a node; "
                                  + " ".join(f"{c}:{n}" for c, n in sorted(k["status"].items())) + "; "
                                  + " ".join(f"{c}:{n}" for c, n in sorted(k["cache"].items())) + f"; {quantiles(k['rt'])}")
                        errors = nginx.error_summary()
                        if errors:
                            print("  nginx error log: " + "   ".join(f"{m}: {n}" for m, n in sorted(errors.items(), key=lambda kv: -kv[1])[:8]))
                    finally:
                        nginx.close()
                        nginx = None
                    time.sleep(3)
            else:
                sys.exit(f"unknown scenario {name}")
            time.sleep(3)
    finally:
        close_all(work, args.keep, publisher, nodes, postgres, nginx)


def close_all(work, keep, publisher, nodes, postgres, nginx=None):
    """Stops what a run started and deletes its work directory (prints it instead with --keep)."""
    stop(publisher)
    if nginx:
        nginx.close()
    for n in nodes:
        n.close()
    if postgres:
        postgres.close()
    if keep:
        print(f"work directory: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


class _PidsProc:
    """Looks like a Popen to CpuMeter (it reads .pid): PostgreSQL's postmaster."""

    def __init__(self, postgres):
        pids = postgres.pids()
        self.pid = pids[0] if pids else os.getpid()


if __name__ == "__main__":
    main()
