#!/usr/bin/env python3
"""Recording benchmark (not a test): what auto-record costs and how fast it delivers.

usage: bench/recording/run.py [--streams 10] [--warmup 10] [--measure 20] [--outage 15] [--skip-cpu] [--skip-s3] [--only a,b]

1. CPU per stream of the OpenIVS process (plus the thumbnail ffmpeg children it waited for) with N publishers
   replaying a pre-encoded 720p30 2.5 Mbps clip (`-c copy`), in six configurations: ingest only; ingest +
   recording; ingest + HLS packaging; ingest + packaging + recording (from the packager's segments); the same with
   the recorder muxing again (Recording:ReusePackagedSegments=false, as before the reuse); the same with thumbnails
   every 10 s. "recording" and "packaging" are the differences against ingest only.
2. S3 delivery through a real S3 API (moto in server mode): N streams recorded to moto for the measure time, then
   an outage (moto frozen with SIGSTOP for --outage seconds while the streams go on and end), then moto resumes and
   the spool is timed until it is empty: spooled bytes / drain time is the upload throughput.
Glass-to-glass latency with recording on: bench/playback/run.sh latency --servers openivs,openivs-rec.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import free_port, make_clip, prepare, publish, stop  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_with_children(pid):
    """utime + stime + cutime + cstime: the server and the children (thumbnail ffmpegs) it has waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICKS








def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except FileNotFoundError:
                pass
    return total


class Server:
    def __init__(self, work, name, playback=True, extra=(), env_extra=None):
        self.http, self.rtmp, rtmps = free_port(), free_port(), free_port()
        self.data = os.path.join(work, f"data-{name}")
        env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET,
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        if not playback:
            env["OPENIVS_Playback__Enabled"] = "false"
        env.update(env_extra or {})
        self.proc = subprocess.Popen(["dotnet", os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", self.data,
                                      "--http", f"127.0.0.1:{self.http}", "--rtmp", f"127.0.0.1:{self.rtmp}", "--rtmps", f"127.0.0.1:{rtmps}",
                                      "--log-level", "Warning", *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{self.http}", region_name="us-west-2",
                                   aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        for _ in range(300):
            try:
                self.client.list_channels()
                break
            except Exception:
                time.sleep(0.2)

    def channels(self, n, record, thumbnails=False, bucket="bench-recordings"):
        arn = None
        if record:
            thumbs = {"recordingMode": "INTERVAL", "targetIntervalSeconds": 10} if thumbnails else {"recordingMode": "DISABLED"}
            arn = self.client.create_recording_configuration(destinationConfiguration={"s3": {"bucketName": bucket}},
                                                             thumbnailConfiguration=thumbs)["recordingConfiguration"]["arn"]
            for _ in range(100):
                if self.client.get_recording_configuration(arn=arn)["recordingConfiguration"]["state"] == "ACTIVE":
                    break
                time.sleep(0.1)
        extra = {"recordingConfigurationArn": arn} if arn else {}
        # BASIC: one rendition, no transcoder (a STANDARD channel's ffmpeg would dwarf the figures, and its slots refuse streams).
        keys = [self.client.create_channel(name=f"bench-{i}", insecureIngest=True, latencyMode="LOW", type="BASIC", **extra)["streamKey"]["value"]
                for i in range(n)]
        return [f"rtmp://127.0.0.1:{self.rtmp}/app/{k}" for k in keys]

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def cpu_run(clip, work, args, name, playback, record, thumbnails=False, env_extra=None):
    server = Server(work, name, playback, env_extra=env_extra)
    try:
        publishers = publish(clip, server.channels(args.streams, record, thumbnails))
        time.sleep(args.warmup)
        c0, t0 = cpu_with_children(server.proc.pid), time.monotonic()
        time.sleep(args.measure)
        c1, t1 = cpu_with_children(server.proc.pid), time.monotonic()
        alive = sum(1 for p in publishers if p.poll() is None)
        stop(publishers)
        return (c1 - c0) / (t1 - t0) * 100 / args.streams, alive
    finally:
        server.close()


def s3_run(clip, work, args):
    port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-west-2", aws_access_key_id="testing", aws_secret_access_key="testing")
    for _ in range(100):
        try:
            s3.create_bucket(Bucket="bench-s3", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
            break
        except Exception:
            time.sleep(0.2)
    server = Server(work, "s3", True, ["--s3-endpoint", endpoint])
    spool = os.path.join(server.data, "recordings")
    try:
        publishers = publish(clip, server.channels(args.streams, True, bucket="bench-s3"))
        time.sleep(args.warmup)
        stored0, t0 = stored_bytes(s3), time.monotonic()
        peak_spool = 0
        while time.monotonic() - t0 < args.measure:
            peak_spool = max(peak_spool, du(spool))
            time.sleep(1)
        steady = (stored_bytes(s3) - stored0) / (time.monotonic() - t0)
        print(f"steady: {args.streams} streams recorded to moto: {steady / 2**20:.2f} MB/s delivered, spool at most {peak_spool / 2**20:.1f} MB")

        moto.send_signal(signal.SIGSTOP)
        time.sleep(args.outage)
        stop(publishers)  # the streams end during the outage: their recordings are finished in the spool
        time.sleep(3)
        backlog = du(spool)
        moto.send_signal(signal.SIGCONT)
        t1 = time.monotonic()
        while os.path.exists(spool) and os.listdir(spool) and time.monotonic() - t1 < 300:
            time.sleep(0.2)
        drain = time.monotonic() - t1
        print(f"outage: {args.outage}s frozen, {backlog / 2**20:.1f} MB spooled; delivered in {drain:.1f}s after S3 returned: "
              f"{backlog / drain / 2**20:.1f} MB/s ({len(os.listdir(spool)) if os.path.exists(spool) else 0} recordings left)")
    finally:
        server.close()
        moto.send_signal(signal.SIGCONT)
        moto.kill()


def stored_bytes(s3):
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench-s3"):
        total += sum(o["Size"] for o in page.get("Contents", []))
    return total


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--measure", type=int, default=20)
    parser.add_argument("--outage", type=int, default=15)
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--skip-s3", action="store_true")
    parser.add_argument("--only", help="comma-separated configuration names (default: all)")
    args = parser.parse_args()
    prepare(("ffmpeg", "dotnet"))
    with tempfile.TemporaryDirectory() as work:
        clip = make_clip(work)
        print(f"clip: 720p30 H.264 2.5 Mbps + AAC, {args.streams} streams, {os.cpu_count()} cores; warm-up {args.warmup}s, measure {args.measure}s")
        if not args.skip_cpu:
            remux = {"OPENIVS_Recording__ReusePackagedSegments": "false"}
            runs = [("ingest", False, False, False, None), ("ingest+rec", False, True, False, None), ("ingest+hls", True, False, False, None),
                    ("ingest+hls+rec", True, True, False, None), ("ingest+hls+rec-remux", True, True, False, remux),
                    ("ingest+hls+rec+thumbs", True, True, True, None)]
            if args.only:
                by_name = {r[0]: r for r in runs}
                runs = [by_name[n] for n in args.only.split(",")]  # in the order given (to check for drift)
            results = {}
            print(f"{'configuration':24} {'alive':>5} {'CPU %/stream':>13}")
            for name, playback, record, thumbs, env_extra in runs:
                cpu, alive = cpu_run(clip, work, args, name, playback, record, thumbs, env_extra)
                results[name] = cpu
                print(f"{name:24} {alive:>5} {cpu:>13.2f}", flush=True)
            def diff(a, b):
                return f"{results[a] - results[b]:.2f}" if a in results and b in results else "n/a"
            packaging = results["ingest+hls"] - results["ingest"] if "ingest+hls" in results and "ingest" in results else None
            print(f"recording costs {diff('ingest+rec', 'ingest')} %/stream (without packaging), "
                  f"{diff('ingest+hls+rec', 'ingest+hls')} %/stream (with it, from its segments), "
                  f"{diff('ingest+hls+rec-remux', 'ingest+hls')} %/stream (with it, muxing again); "
                  f"packaging costs {diff('ingest+hls', 'ingest')} %/stream; "
                  f"thumbnails every 10 s add {diff('ingest+hls+rec+thumbs', 'ingest+hls+rec')} %/stream")
            if packaging and "ingest+hls+rec" in results:
                print(f"recording / packaging: {(results['ingest+hls+rec'] - results['ingest+hls']) / packaging:.2f} from the packager's segments"
                      + (f", {(results['ingest+hls+rec-remux'] - results['ingest+hls']) / packaging:.2f} muxing again" if "ingest+hls+rec-remux" in results else ""))
        if not args.skip_s3:
            s3_run(clip, work, args)


if __name__ == "__main__":
    main()
