#!/usr/bin/env python3
"""The cost of read-your-writes (not a test): CreateChannel latency on SQLite, one PostgreSQL node and three.

usage: bench/cluster/writes.py [--creates 300] [--rounds 3] [--warmup 20] [--cli DIR]

On PostgreSQL a write is answered once every other live node has applied it (docs/postgres.md), so with three nodes
each CreateChannel also waits for two notifications to reach the other nodes, for them to read the change and for
their acknowledgements to come back. This measures what that adds. One throw-away PostgreSQL 15 (as bench/cluster/run.py
starts it: Debian's binaries, fsync on) with two databases, and from one published CLI (`--auth none`, so no SigV4
in the figures):

sqlite      one node on SQLite in its data directory
pg-1        one node on PostgreSQL (nobody to wait for)
pg-3        three nodes on another database, every write on node 1 (it waits for nodes 2 and 3)
pg-3-rr     the same three nodes, writes rotating over them (each write also catches up on the previous node's)

Creates are sequential (one at a time, a kept-alive connection per node), `--creates` per configuration per round,
the configurations interleaved within each round so that the shared machine's load falls on all of them alike. Prints
p50/p90/p99/mean in ms per configuration and round, then over all rounds, and the load average.
"""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
from procstats import free_port, percentile  # noqa: E402
from run import PG_BIN, Postgres, machine_load, stop, wait_for  # noqa: E402  (bench/cluster/run.py)


class Server:
    """One `openivs serve` process; on PostgreSQL when `connection` is given."""

    def __init__(self, work, name, cli, config, connection=None, master_key=None):
        self.name = name
        self.http = free_port()
        data = os.path.join(work, name)
        os.makedirs(data)
        if master_key:
            shutil.copy(master_key, os.path.join(data, "master.key"))
        self.master_key = os.path.join(data, "master.key")
        args = ["dotnet", os.path.join(cli, "openivs.dll"), "serve", "--data-dir", data, "--http", f"127.0.0.1:{self.http}",
                "--rtmp", f"127.0.0.1:{free_port()}", "--rtmps", f"127.0.0.1:{free_port()}", "--srt", "off", "--auth", "none",
                "--config", config, "--log-level", "Warning"]
        if connection:
            args += ["--postgres", connection, "--node-id", name, "--advertise-url", f"http://127.0.0.1:{self.http}"]
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.conn = None

    def ready(self):
        wait_for(f"http://127.0.0.1:{self.http}/health", 120)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=30)
        return self

    def create(self):
        """One CreateChannel; its latency in ms."""
        started = time.perf_counter()
        self.conn.request("POST", "/CreateChannel", body="{}", headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            sys.exit(f"{self.name}: CreateChannel answered {response.status}: {body[:300]!r}")
        return elapsed

    def close(self):
        if self.conn:
            self.conn.close()
        stop(self.proc)
        self.log.close()


def create_database(pg, name):
    subprocess.run(pg.as_pg + [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "openivs", "-d", "postgres",
                               "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return pg.connection.replace("Database=postgres", f"Database={name}")


def summary(values):
    return (f"{percentile(values, 50):8.2f} {percentile(values, 90):8.2f} {percentile(values, 99):8.2f} "
            f"{statistics.mean(values):8.2f} {len(values):6d}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--cli", default=os.path.join(ROOT, "artifacts", "cli"))
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.cli, "openivs.dll")):
        sys.exit(f"no openivs.dll in {args.cli}: dotnet publish src/OpenIvs.Cli/OpenIvs.Cli.csproj -c Release -o artifacts/cli")

    work = tempfile.mkdtemp(prefix="openivs-writesbench-")
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        f.write('{"Quotas":{"Channels":1000000}}')
    pg = Postgres()
    servers = []
    try:
        one, three = create_database(pg, "one"), create_database(pg, "three")
        sqlite = Server(work, "sqlite", args.cli, config)
        pg1 = Server(work, "pg1", args.cli, config, one)
        first = Server(work, "node1", args.cli, config, three)
        servers += [sqlite, pg1, first]
        for server in servers:
            server.ready()
        others = [Server(work, f"node{i}", args.cli, config, three, master_key=first.master_key) for i in (2, 3)]
        servers += others
        for server in others:
            server.ready()
        cluster = [first] + others
        time.sleep(3)  # every node has read the others' leases: a write on node 1 now waits for two peers

        configurations = {
            "sqlite": lambda i: sqlite,
            "pg-1": lambda i: pg1,
            "pg-3": lambda i: first,
            "pg-3-rr": lambda i: cluster[i % 3],
        }
        for name, pick in configurations.items():
            for i in range(args.warmup):
                pick(i).create()

        results = {name: [] for name in configurations}
        print(f"{'configuration':14} {'round':>5} {'p50_ms':>8} {'p90_ms':>8} {'p99_ms':>8} {'mean_ms':>8} {'n':>6}  load")
        for round_number in range(1, args.rounds + 1):
            for name, pick in configurations.items():
                latencies = [pick(i).create() for i in range(args.creates)]
                results[name] += latencies
                print(f"{name:14} {round_number:5d} {summary(latencies)}  {machine_load()}", flush=True)
        print()
        for name, latencies in results.items():
            print(f"{name:14} {'all':>5} {summary(latencies)}")
    finally:
        for server in servers:
            server.close()
        pg.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
