#!/usr/bin/env python3
"""Event delivery benchmark (not a test). OpenIVS (the published CLI) delivers IVS events to a webhook receiver
run by this script (a threaded HTTP server that records when each event arrives).

usage: bench/events/run.py [--latency 20] [--burst 100]

latency  N streams one after the other (a pre-encoded 360p clip replayed with -c copy over plain RTMP). For each,
         the script polls ListStreams every 10 ms; delivery latency = arrival of the stream's Session Created
         webhook - the first poll that saw the stream live (so it includes up to one poll interval of slack).
         Also: arrival of Stream Start - publisher launch (ffmpeg start, RTMP handshake, first keyframe, delivery).
burst    N streams started at once. Reports the time from launch until every stream's Session Created and
         Stream Start arrived, the events/s delivered over the burst, per-stream p50/p99 launch->Stream Start,
         then stops every publisher and reports the time until every Session Ended arrived. Missing or duplicate
         events fail the run.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import cpu_seconds, free_port, percentile  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port):
        self.events = []  # (arrival monotonic, event json)
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), Handler)

    def arrivals(self, name, stream_ids=None):
        with self.lock:
            return {e["detail"].get("stream_id"): t for t, e in self.events
                    if e["detail"].get("event_name") == name and (stream_ids is None or e["detail"].get("stream_id") in stream_ids)}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        arrived = time.monotonic()
        with self.server.lock:
            self.server.events.append((arrived, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def make_clip(work):
    clip = os.path.join(work, "clip.flv")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", "800k", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "96k", "-t", "20",
                    "-f", "flv", clip], check=True)
    return clip


def publish(clip, url):
    return subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy",
                             "-f", "flv", url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(processes):
    for p in processes:
        p.send_signal(signal.SIGINT)
    for p in processes:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.005)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=int, default=20, help="streams, one after the other")
    parser.add_argument("--burst", type=int, default=100, help="streams started at once")
    args = parser.parse_args()
    for tool in ("ffmpeg", "dotnet"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")
    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src", "OpenIvs.Cli", "OpenIvs.Cli.csproj"), "-c", "Release",
                    "-o", os.path.join(ROOT, "artifacts", "cli"), "--nologo", "-v", "quiet"], check=True)
    receiver = Receiver(free_port())
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as work:
        clip = make_clip(work)
        http, rtmp, rtmps = free_port(), free_port(), free_port()
        env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET, OPENIVS_Playback__Enabled="false",
                   OPENIVS_Quotas__ConcurrentStreams=str(max(args.burst, 1) + 10))
        server = subprocess.Popen(["dotnet", os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", os.path.join(work, "data"),
                                   "--http", f"127.0.0.1:{http}", "--rtmp", f"127.0.0.1:{rtmp}", "--rtmps", f"127.0.0.1:{rtmps}",
                                   "--webhook", f"http://127.0.0.1:{receiver.server_port}/hook", "--log-level", "Warning"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{http}", region_name="us-west-2",
                                  aws_access_key_id=KEY, aws_secret_access_key=SECRET)
            wait_for(lambda: _ok(client), 60, "the server")
            channels = [client.create_channel(name=f"ev-{i}", insecureIngest=True) for i in range(max(args.latency, args.burst))]
            print(f"{os.cpu_count()} cores; webhook receiver in this process; ingest only (playback off)")

            if args.latency:
                delivery, start_to_event = [], []
                for c in channels[:args.latency]:
                    arn = c["channel"]["arn"]
                    launched = time.monotonic()
                    p = publish(clip, f"rtmp://127.0.0.1:{rtmp}/app/{c['streamKey']['value']}")
                    seen = None
                    while seen is None:
                        streams = client.list_streams(maxResults=100).get("streams", [])
                        match = [s for s in streams if s["channelArn"] == arn]
                        if match:
                            seen, stream_id = time.monotonic(), match[0]["streamId"]
                        elif time.monotonic() - launched > 30:
                            sys.exit("a stream did not go live")
                        else:
                            time.sleep(0.01)
                    wait_for(lambda: stream_id in receiver.arrivals("Stream Start"), 30, "Stream Start")
                    delivery.append((receiver.arrivals("Session Created")[stream_id] - seen) * 1000)
                    start_to_event.append((receiver.arrivals("Stream Start")[stream_id] - launched) * 1000)
                    stop([p])
                    wait_for(lambda: stream_id in receiver.arrivals("Session Ended"), 30, "Session Ended")
                print(f"latency ({args.latency} streams): Session Created, first seen live -> webhook: "
                      f"p50 {statistics.median(delivery):.1f} ms, p99 {percentile(delivery, 99):.1f} ms, max {max(delivery):.1f} ms "
                      f"(poll interval 10 ms; negative = the webhook beat the poll)")
                print(f"  publisher launch -> Stream Start webhook: p50 {statistics.median(start_to_event):.0f} ms, p99 {percentile(start_to_event, 99):.0f} ms")

            if args.burst:
                before = len(receiver.events)
                cpu0 = cpu_seconds([server.pid])
                launched = time.monotonic()
                publishers = [publish(clip, f"rtmp://127.0.0.1:{rtmp}/app/{c['streamKey']['value']}") for c in channels[:args.burst]]
                wait_for(lambda: len(client.list_streams(maxResults=100).get("streams", [])) + 0 >= min(args.burst, 100), 120, "every stream live")
                all_live = time.monotonic()
                live = []
                token = None
                while True:
                    page = client.list_streams(maxResults=100, **({"nextToken": token} if token else {}))
                    live += [s["streamId"] for s in page.get("streams", [])]
                    token = page.get("nextToken")
                    if not token:
                        break
                ids = set(live)
                wait_for(lambda: len(receiver.arrivals("Stream Start", ids)) == len(ids), 120, "every Stream Start")
                done = time.monotonic()
                created, started = receiver.arrivals("Session Created", ids), receiver.arrivals("Stream Start", ids)
                delivered = len(receiver.events) - before
                per_stream = [(started[i] - launched) * 1000 for i in ids]
                print(f"burst ({len(ids)} of {args.burst} streams live at once): all live (ListStreams) {(all_live - launched):.2f} s after launch; "
                      f"every Session Created + Stream Start delivered {(done - launched):.2f} s after launch; {delivered} events; "
                      f"launch -> Stream Start p50 {statistics.median(per_stream):.0f} ms, p99 {percentile(per_stream, 99):.0f} ms; "
                      f"Session Created for {len(created)} streams")
                stopped = time.monotonic()
                stop(publishers)
                wait_for(lambda: not client.list_streams(maxResults=100).get("streams"), 120, "every stream offline")
                offline = time.monotonic()
                wait_for(lambda: len(receiver.arrivals("Session Ended", ids)) == len(ids), 120, "every Session Ended")
                ended = receiver.arrivals("Session Ended", ids)
                cpu = cpu_seconds([server.pid]) - cpu0
                print(f"  stop: all offline (ListStreams) {(offline - stopped):.2f} s and every Session Ended delivered "
                      f"{(max(ended.values()) - stopped):.2f} s after the publishers were told to stop; "
                      f"server CPU over the burst {cpu:.1f} s")
                ids_seen = [e["id"] for _, e in receiver.events]
                if len(ids_seen) != len(set(ids_seen)):
                    sys.exit(f"{len(ids_seen) - len(set(ids_seen))} events delivered twice")
        finally:
            server.terminate()
            server.wait()
            receiver.shutdown()


def _ok(client):
    try:
        client.list_channels()
        return True
    except Exception:
        return False


if __name__ == "__main__":
    main()
