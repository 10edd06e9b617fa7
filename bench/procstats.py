"""What the benchmark harnesses share: free loopback ports and CPU time of processes from /proc."""
import os
import signal
import socket
import subprocess

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    """User plus system CPU seconds the processes have used so far (gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / TICKS


def make_clip(work):
    """A 30 s 720p30 H.264 2.5 Mbps + AAC FLV clip (2 s GOP), replayed with -c copy so publishers cost little CPU."""
    clip = os.path.join(work, "clip.flv")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                    "-c:a", "aac", "-b:a", "128k", "-t", "30", "-f", "flv", clip], check=True)
    return clip


def publish(clip, urls, loop=True):
    """One real-time ffmpeg publisher per URL."""
    return [subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re"] + (["-stream_loop", "-1"] if loop else []) +
                             ["-i", clip, "-c", "copy", "-f", "flv", url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for url in urls]


def stop(processes):
    """SIGINT, then SIGKILL after 5 s."""
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in processes:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def prepare(tools):
    """Exits unless every tool is on PATH, then publishes the CLI in Release to artifacts/cli (as the harnesses run it)."""
    import shutil
    import sys
    for tool in tools:
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    subprocess.run(["dotnet", "publish", os.path.join(root, "src", "OpenIvs.Cli", "OpenIvs.Cli.csproj"), "-c", "Release",
                    "-o", os.path.join(root, "artifacts", "cli"), "--nologo", "-v", "quiet"], check=True)


def percentile(values, p):
    """The p-th percentile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
