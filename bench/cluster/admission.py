#!/usr/bin/env python3
"""Admission benchmark (not a test): how long a publisher waits for OpenIVS to accept it, on one SQLite node and on a
node of a PostgreSQL cluster (where the channel's live slot is taken in the database under the cluster's write lock).

A minimal RTMP publisher (handshake, connect, createStream) sends `publish` and times the server's answer: the first
bytes back (onStatus NetStream.Publish.Start) or, for a refusal, the connection closing. Channels are used in
rotation and each publisher disconnects after its answer, so every attempt is a fresh go-live. Reports p50/p90/p99.

usage: bench/cluster/admission.py [--attempts 300] [--nodes 1] [--gap 0]   (needs artifacts/cli/openivs.dll and PostgreSQL 15)
  --nodes N  runs N PostgreSQL nodes and spreads the publishers over them (the slot is cluster-wide).
  --gap MS   waits this long between attempts: 0 queues each admission behind the previous stream's session writes
             (a burst of go-lives); 50 measures an admission on a quiet cluster.
  --async-commit  the nodes' sessions use synchronous_commit=off: tells the commit's fsync from the rest.
PostgreSQL runs with its defaults (fsync on): each admission commits durably.
"""
import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"
PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def amf_string(value):
    data = value.encode()
    return b"\x02" + struct.pack(">H", len(data)) + data


def amf_number(value):
    return b"\x00" + struct.pack(">d", value)


def amf_object(items):
    out = b"\x03"
    for k, v in items:
        key = k.encode()
        out += struct.pack(">H", len(key)) + key + amf_string(v)
    return out + b"\x00\x00\x09"


def message(csid, type_id, stream_id, payload, chunk=128):
    header = bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:] + bytes([type_id]) + struct.pack("<I", stream_id)
    out = header + payload[:chunk]
    for i in range(chunk, len(payload), chunk):
        out += bytes([0xC0 | csid]) + payload[i:i + chunk]
    return out


def read_until(sock, marker, limit=5.0):
    sock.settimeout(limit)
    data = b""
    while marker not in data:
        got = sock.recv(65536)
        if not got:
            raise ConnectionError("closed")
        data += got


def publish_once(port, key):
    """Returns (seconds from publish to the answer, accepted)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.sendall(b"\x03" + b"\x00" * 8 + os.urandom(1528))
        need, got = 1 + 1536 * 2, b""
        while len(got) < need:
            part = sock.recv(need - len(got))
            if not part:
                raise ConnectionError("handshake")
            got += part
        sock.sendall(got[1:1537])
        tc = f"rtmp://127.0.0.1:{port}/app"
        connect = amf_string("connect") + amf_number(1) + amf_object([("app", "app"), ("type", "nonprivate"), ("flashVer", "FMLE/3.0"), ("tcUrl", tc)])
        sock.sendall(message(3, 20, 0, connect))
        read_until(sock, b"_result")
        sock.sendall(message(3, 20, 0, amf_string("createStream") + amf_number(2) + b"\x05"))
        read_until(sock, b"_result")
        publish = amf_string("publish") + amf_number(3) + b"\x05" + amf_string(key) + amf_string("live")
        start = time.perf_counter()
        sock.sendall(message(8, 20, 1, publish))
        sock.settimeout(10)
        data = sock.recv(65536)
        elapsed = time.perf_counter() - start
        while data and b"Publish.Start" not in data and len(data) < 4096:
            more = sock.recv(65536)
            if not more:
                break
            data += more
        return elapsed, b"Publish.Start" in data
    except (ConnectionError, socket.timeout, OSError):
        return time.perf_counter() - start if "start" in locals() else float("nan"), False
    finally:
        sock.close()


def start_server(work, name, extra):
    data = os.path.join(work, name)
    os.makedirs(data, exist_ok=True)
    first = os.path.join(work, "node0", "master.key")
    if name != "node0" and os.path.exists(first):
        shutil.copy(first, os.path.join(data, "master.key"))
    http, rtmp = free_port(), free_port()
    env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET, OPENIVS_Transcoding__Enabled="false",
               OPENIVS_Playback__Enabled="false", OPENIVS_Quotas__ConcurrentStreams="1000", OPENIVS_Quotas__Channels="10000")
    args = ["dotnet", os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", data, "--http", f"127.0.0.1:{http}",
            "--rtmp", f"127.0.0.1:{rtmp}", "--rtmps", f"127.0.0.1:{free_port()}", "--srt", "off", "--node-id", name] + extra
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{http}/health", timeout=1)
            return process, http, rtmp
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not start")


def run(label, servers, attempts, gap, channels=50):
    client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{servers[0][1]}", region_name="us-west-2",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    keys = [client.create_channel(name=f"a{i}", insecureIngest=True)["streamKey"]["value"] for i in range(channels)]
    time.sleep(1)
    times, refused = [], 0
    for i in range(attempts):
        _, _, rtmp = servers[i % len(servers)]
        elapsed, accepted = publish_once(rtmp, keys[i % channels])
        if accepted:
            times.append(elapsed * 1000)
        else:
            refused += 1
        time.sleep(gap / 1000)
        if i % channels == channels - 1:
            time.sleep(0.3)  # the last round's streams end and free their slots
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{label:32} accepted {len(times):4}  refused {refused:3}  publish->answer ms  p50 {pick(0.5):6.2f}  p90 {pick(0.9):6.2f}  p99 {pick(0.99):6.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--gap", type=float, default=0)
    parser.add_argument("--async-commit", action="store_true")
    args = parser.parse_args()
    work = tempfile.mkdtemp()
    processes = []
    try:
        server = start_server(work, "node0", [])
        processes.append(server[0])
        run(f"sqlite, one node, gap {args.gap:g} ms", [server], args.attempts, args.gap)
        server[0].terminate()
        server[0].wait()
        shutil.rmtree(os.path.join(work, "node0"))

        pg = os.path.join(work, "pg")
        pg_port = free_port()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if as_pg:
            shutil.chown(work, "postgres", "postgres")
        subprocess.run(as_pg + [f"{PG_BIN}/initdb", "-D", pg, "-U", "openivs", "-A", "trust", "-E", "UTF8", "--locale=C"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(as_pg + [f"{PG_BIN}/pg_ctl", "-D", pg, "-l", os.path.join(work, "pg.log"), "-w", "start", "-o",
                                f"-p {pg_port} -k {work} -c listen_addresses=127.0.0.1"], check=True, stdout=subprocess.DEVNULL)
        connection = f"Host=127.0.0.1;Port={pg_port};Username=openivs;Database=postgres"
        if args.async_commit:
            connection += ";Options=-c synchronous_commit=off"
        nodes = []
        for n in range(args.nodes):
            nodes.append(start_server(work, f"node{n}", ["--postgres", connection]))
            processes.append(nodes[-1][0])
        run(f"postgres, {args.nodes} node(s), gap {args.gap:g} ms{', async' if args.async_commit else ''}", nodes, args.attempts, args.gap)
    finally:
        for p in processes:
            if p.poll() is None:
                p.terminate()
                p.wait()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run(as_pg + [f"{PG_BIN}/pg_ctl", "-D", os.path.join(work, "pg"), "-m", "fast", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
