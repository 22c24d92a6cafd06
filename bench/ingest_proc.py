"""A real radarhub-ingest on loopback for the Python benchmarks: node and gRPC listeners (and
metrics, if asked) on port 0, their ports read from its `listening` lines, killed when the
benchmark exits, also when it fails half way. Its stderr stays open for the caller to read."""
import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request


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


def python_stubs():
    """Compiles radarhub.proto's Python stubs into a directory removed at exit, puts it on
    sys.path (then `from radarhub.v1 import radarhub_pb2, radarhub_pb2_grpc`) and returns it.
    Run from the repository root."""
    stubs = tempfile.mkdtemp(prefix="rh-stubs-")
    atexit.register(shutil.rmtree, stubs, True)
    subprocess.run(["/usr/bin/python3", "-m", "grpc_tools.protoc", "-I", "proto", "--python_out",
                    stubs, "--grpc_python_out", stubs, "radarhub/v1/radarhub.proto"], check=True)
    sys.path.insert(0, stubs)
    return stubs


def scrape(port):
    """The /metrics page on `port`, or "" while nothing answers there."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
            return page.read().decode()
    except OSError:
        return ""
