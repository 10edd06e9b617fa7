#!/usr/bin/env python3
"""What a relay adds to the time to first byte of a prefetch segment (not a test).

usage: bench/cluster/prefetch_ttfb.py [--rounds 30] [--viewers 1] [--container TS] [--cli DIR] [--keep]

Two `openivs serve --postgres` nodes on a throw-away PostgreSQL 15 (bench/cluster/run.py's), one 720p30 2.5 Mbps +
128 kb/s stream published into node 1 (LOW latency channel, TS by default as the IVS web player plays it). Each round
reads node 1's media playlist, takes the segment named by its second #EXT-X-PREFETCH line (the one after the segment
being written: not begun yet), and asks for it at the same instant from node 1 (the holder, which streams it while
it is written) and through node 2 (which relays it from node 1), with --viewers concurrent requests to node 2.
Prints, over the rounds: the first byte through the relay minus the first byte from the holder (what the relay adds;
p50/p90/max, ms), and how long before the holder finished the segment the first relayed byte arrived (a body relayed
only once whole would arrive after it). Every relayed body is checked to be byte-identical to the holder's.
"""
import argparse
import http.client
import importlib.util
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from urllib.parse import urljoin, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("cluster_bench", os.path.join(HERE, "run.py"))
cluster = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster)
playback = cluster.playback
from procstats import percentile  # noqa: E402  (bench/, on the path once run.py is loaded)


def timed_get(url, begin, out, index):
    """GET url; out[index] = (status, body, first byte ms, end ms) from `begin` (time.monotonic)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        chunks, first = [], None
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            if first is None:
                first = (time.monotonic() - begin) * 1000
            chunks.append(chunk)
        out[index] = (response.status, b"".join(chunks), first, (time.monotonic() - begin) * 1000)
    except Exception as e:  # reported with the round
        out[index] = (0, str(e).encode(), None, None)
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--viewers", type=int, default=1, help="concurrent requests through the relay each round")
    parser.add_argument("--container", default="TS", choices=["TS", "FRAGMENTED_MP4"])
    parser.add_argument("--cli", help="an already published build (a directory with openivs.dll) instead of publishing one")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    cli = cluster.published_cli(args.cli)
    options = cluster.cli_options(cli)
    work = tempfile.mkdtemp(prefix="openivs-prefetchbench-")
    postgres, nodes, publisher = None, [], None
    try:
        clip = playback.make_clip(work)
        postgres = cluster.Postgres()
        nodes.append(cluster.Node(work, 1, cli, postgres, options).ready())
        nodes.append(cluster.Node(work, 2, cli, postgres, options, master_key=os.path.join(nodes[0].data, "master.key")).ready())
        ch = nodes[0].client().create_channel(name="prefetch", latencyMode="LOW", type="BASIC", insecureIngest=True,
                                              containerFormat=args.container)
        path = ch["channel"]["playbackUrl"].split("/api/video/v1/", 1)[1]
        publisher = playback.publish_clip(clip, f"rtmp://127.0.0.1:{nodes[0].rtmp}/app/{ch['streamKey']['value']}")
        holder_url, relay_url = (f"{n.url}/api/video/v1/{path}" for n in nodes)
        playback.wait_for(holder_url, 30)
        playback.wait_for(relay_url, 30)
        media_holder, media_relay = playback.media_playlist_url(holder_url), playback.media_playlist_url(relay_url)
        print(f"prefetch segment time to first byte through a relay: 2 nodes on PostgreSQL 15, 720p30 2.5 Mbps LOW {args.container}, "
              f"{args.viewers} relayed viewer(s) a round, {args.rounds} rounds; {os.cpu_count()} cores, load {playback.machine_load()}", flush=True)
        added, margins, failures = [], [], 0
        for _ in range(args.rounds):
            text = urllib.request.urlopen(media_holder, timeout=10).read().decode()
            prefetch = re.findall(r"#EXT-X-PREFETCH:(\S+)", text)
            if len(prefetch) != 2:
                sys.exit(f"no prefetch lines in the holder's playlist:\n{text}")
            urls = [urljoin(media_holder, prefetch[1])] + [urljoin(media_relay, prefetch[1])] * args.viewers
            out = [None] * len(urls)
            begin = time.monotonic()
            threads = [threading.Thread(target=timed_get, args=(u, begin, out, i)) for i, u in enumerate(urls)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            holder, relayed = out[0], out[1:]
            if holder[0] != 200 or any(r[0] != 200 or r[1] != holder[1] for r in relayed):
                failures += 1
                continue
            for r in relayed:
                added.append(r[2] - holder[2])
                margins.append(holder[3] - r[2])
        if not added:
            sys.exit(f"no round succeeded ({failures} failed)")
        print(f"  added to the first byte by the relay: p50 {percentile(added, 50):.1f} ms, p90 {percentile(added, 90):.1f} ms, "
              f"max {max(added):.1f} ms (mean {statistics.mean(added):.1f})")
        print(f"  first relayed byte before the holder finished the segment: p50 {percentile(margins, 50):.0f} ms, "
              f"min {min(margins):.0f} ms ({sum(m > 0 for m in margins)} of {len(margins)} before)")
        print(f"  rounds with a non-200 or a relayed body differing from the holder's: {failures}")
    finally:
        cluster.close_all(work, args.keep, publisher, nodes, postgres)


if __name__ == "__main__":
    main()
