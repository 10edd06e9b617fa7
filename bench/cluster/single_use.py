#!/usr/bin/env python3
"""What spending a single-use playback token in the cluster's database adds to a session start (not a test).

usage: bench/cluster/single_use.py [--rounds 300] [--cli DIR] [--keep]

One `openivs serve --postgres` node on a throw-away PostgreSQL 15 (bench/cluster/run.py's, fsync on), one private
(authorized) LOW latency channel live from bench/playback's 720p30 clip, a playback key imported. Each round, on one keep-alive
connection, starts two sessions, in alternating order: one with a token that carries `aws:single-use-uuid` (its id
is inserted into playback_single_use_ids: one round trip to PostgreSQL) and one with a token that does not (no
database), and then reads each session's media playlist twice (no _HLS_ parameters); the second read is timed
(the first may be held until a segment starts).
Prints p50/p90/p99 of each: the multivariant difference is the spend; the media playlists show that requests of a
session started with a single-use token cost the same (they never ask the database).
Tokens are signed before the clock starts (ES384 with the `cryptography` package).
"""
import argparse
import base64
import http.client
import importlib.util
import json
import os
import sys
import tempfile
import time
import uuid
from urllib.parse import urljoin, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("cluster_bench", os.path.join(HERE, "run.py"))
cluster = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster)
playback = cluster.playback
from procstats import percentile  # noqa: E402  (bench/, on the path once run.py is loaded)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key, claims):
    """An ES384 JWS of `claims` (the signature as r || s, 48 bytes each)."""
    header = b64url(json.dumps({"alg": "ES384", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA384())))
    return f"{header}.{payload}.{b64url(r.to_bytes(48, 'big') + s.to_bytes(48, 'big'))}"


def timed(connection, target):
    start = time.perf_counter()
    connection.request("GET", target)
    response = connection.getresponse()
    body = response.read()
    return (time.perf_counter() - start) * 1000, response.status, body.decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--cli", help="an already published build (a directory with openivs.dll) instead of publishing one")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    cli = cluster.published_cli(args.cli)
    options = cluster.cli_options(cli)
    work = tempfile.mkdtemp(prefix="openivs-singleusebench-")
    postgres, nodes, publisher = None, [], None
    try:
        clip = playback.make_clip(work)
        postgres = cluster.Postgres()
        nodes.append(cluster.Node(work, 1, cli, postgres, options).ready())
        client = nodes[0].client()
        key = ec.generate_private_key(ec.SECP384R1())
        pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        client.import_playback_key_pair(publicKeyMaterial=pem)
        ch = client.create_channel(name="single-use", latencyMode="LOW", type="BASIC", insecureIngest=True, authorized=True)
        arn = ch["channel"]["arn"]
        path = "/api/video/v1/" + ch["channel"]["playbackUrl"].split("/api/video/v1/", 1)[1]
        publisher = playback.publish_clip(clip, f"rtmp://127.0.0.1:{nodes[0].rtmp}/app/{ch['streamKey']['value']}")

        def token(single_use):
            claims = {"aws:channel-arn": arn, "aws:access-control-allow-origin": "*", "exp": int(time.time()) + 300}
            if single_use:
                claims["aws:single-use-uuid"] = str(uuid.uuid4())
            return sign(key, claims)

        playback.wait_for(f"{nodes[0].url}{path}?token={token(False)}", 60)
        base = urlsplit(nodes[0].url)
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
        print(f"single-use spend: 1 node on PostgreSQL 15 (fsync on), {args.rounds} rounds; {os.cpu_count()} cores, "
              f"load {playback.machine_load()}", flush=True)
        times = {"multivariant, single-use": [], "multivariant, plain": [], "media playlist, single-use session": [],
                 "media playlist, plain session": []}
        failures = 0
        for i in range(args.rounds):
            tokens = [(True, token(True)), (False, token(False))]
            if i % 2:
                tokens.reverse()
            for single_use, signed in tokens:
                kind = "single-use" if single_use else "plain"
                multivariant = f"{path}?token={signed}"
                elapsed, status, body = timed(connection, multivariant)
                if status != 200:
                    failures += 1
                    continue
                times[f"multivariant, {kind}"].append(elapsed)
                media = urljoin(multivariant, next(line for line in body.splitlines() if line and not line.startswith("#")))
                timed(connection, media)  # the session's first one may be held for a segment start (LiveStart): not timed
                elapsed, status, _ = timed(connection, media)
                if status == 200:
                    times[f"media playlist, {kind} session"].append(elapsed)
                else:
                    failures += 1
        for name, values in times.items():
            if values:
                print(f"  {name:38} n {len(values):4}  p50 {percentile(values, 50):6.2f} ms  p90 {percentile(values, 90):6.2f} ms  "
                      f"p99 {percentile(values, 99):6.2f} ms")
        single, plain = times["multivariant, single-use"], times["multivariant, plain"]
        if single and plain:
            print(f"  spend (single-use minus plain multivariant): p50 {percentile(single, 50) - percentile(plain, 50):+.2f} ms, "
                  f"p99 {percentile(single, 99) - percentile(plain, 99):+.2f} ms")
        print(f"  failed requests: {failures}")
    finally:
        cluster.close_all(work, args.keep, publisher, nodes, postgres)


if __name__ == "__main__":
    sys.exit(main())
