"""A real radarhub-ingest on loopback for the Python benchmarks: node and gRPC listeners (and
metrics, if asked) on port 0, their ports read from its `listening` lines, killed when the
benchmark exits, also when it fails half way. Its stderr stays open for the caller to read."""
import atexit
import os
import re
import subprocess


def start_ingest(flags, metrics=False, ports=None):
    """Returns (process, {"node": port, "grpc": port[, "metrics": port]}); `ports` (such a dict)
    restarts one on the same ports."""
    build = os.environ.get("BUILD", "build")
    ports_in = ports or {}

    def listen(name):
        return f"127.0.0.1:{ports_in.get(name, 0)}"

    proc = subprocess.Popen(
        [os.path.join(build, "services/ingest/radarhub-ingest"), "--node-listen", listen("node"),
         "--grpc-listen", listen("grpc"), "--metrics-listen", listen("metrics") if metrics else ""]
        + list(flags), stderr=subprocess.PIPE, text=True, errors="replace")
    atexit.register(proc.kill)
    ports = {}
    while len(ports) < (3 if metrics else 2):
        line = proc.stderr.readline()
        if not line:
            raise RuntimeError("radarhub-ingest ended before listening")
        m = re.match(r"listening (\w+) .*:(\d+)", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
    return proc, ports


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
