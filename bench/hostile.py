#!/usr/bin/python3
# The hostile-traffic suite (issue 14): while 20 good nodes send at 10 Hz to a real
# radarhub-ingest and a subscriber follows them, each attack below runs in turn for SECS seconds.
# Per attack: the good nodes' frames accepted, their write -> subscriber latency p50/p99 (ms; node
# timestamps are whole ms), the ingest's RSS, open fds and CPU, and the log lines and bytes it
# wrote. At the end, the good nodes' frames lost over the whole suite (sent by the simulator, not
# accepted; must be 0) and the gaps the subscriber was told of. Results: bench/results/hostile.txt.
# Loopback only.
# Exits 1 if a good frame was lost or the ingest died: `ctest -L hostile` runs it for 2 s per
# attack (OUT: where the results go instead).
# Usage: bench/hostile.py [ATTACK...]   (BUILD=build SECS=10; attacks: see ATTACKS below)
import atexit, os, re, socket, subprocess, sys, threading, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.environ.get("BUILD", "build")
SECS = float(os.environ.get("SECS", "10"))
TOKEN = "good-token"
GOOD_NODES = 20

from ingest_proc import python_stubs, rss_mb, scrape, start_ingest  # noqa: E402

stubs = python_stubs()
import grpc  # noqa: E402
from radarhub.v1 import radarhub_pb2, radarhub_pb2_grpc  # noqa: E402

ingest, PORTS = start_ingest(["--token", TOKEN, "--max-subscribers", "2000"], metrics=True)
log = {"lines": 0, "bytes": 0}


def drain_log():
    for line in ingest.stderr:
        log["lines"] += 1
        log["bytes"] += len(line)


threading.Thread(target=drain_log, daemon=True).start()


def metrics():
    return scrape(PORTS["metrics"])


def accepted_good():
    return sum(float(v) for v in re.findall(
        r'radarhub_ingest_frames_total\{node_id="good-\d+",result="accepted"\} (\S+)', metrics()))


def proc_stats():
    rss = rss_mb(ingest.pid)
    fds = len(os.listdir(f"/proc/{ingest.pid}/fd"))
    fields = open(f"/proc/{ingest.pid}/stat").read().rsplit(")", 1)[1].split()
    return rss, fds, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The subscriber that follows the good nodes runs in a process of its own, so the attacks (Python
# threads and sockets here) cannot delay it: it prints each frame's latency ("L ms"), and "G" for
# each gap it is told of.
FOLLOWER = f"""
import sys, time
sys.path.insert(0, {stubs!r})
import grpc
from radarhub.v1 import radarhub_pb2, radarhub_pb2_grpc
stub = radarhub_pb2_grpc.IngestStub(grpc.insecure_channel("127.0.0.1:{PORTS['grpc']}"))
request = radarhub_pb2.SubscribeRequest(
    node_ids=[f"good-{{i:04d}}" for i in range(1, {GOOD_NODES} + 1)], frames=True)
# As a tracker would: on UNAVAILABLE (the ingest rebuilt its gRPC server), subscribe again.
while True:
    try:
        for response in stub.Subscribe(request):
            now = time.time() * 1000
            out = []
            for e in response.events:
                if e.HasField("frame"):
                    out.append(f"L {{now - e.frame.timestamp_ms:.1f}}")
                elif e.HasField("dropped"):
                    out.append("G")
            print("\\n".join(out), flush=True)
    except grpc.RpcError:
        print("R", flush=True)
        time.sleep(0.1)
"""
follower = subprocess.Popen(["nice", "-n", "-10", "/usr/bin/python3", "-c", FOLLOWER], stdout=subprocess.PIPE,
                            text=True)
atexit.register(follower.kill)
latencies, lat_lock, gaps, resubscribed = [], threading.Lock(), [0], [0]


def follow():
    for line in follower.stdout:
        with lat_lock:
            if line.startswith("L "):
                latencies.append(float(line[2:]))
            elif line.startswith("G"):
                gaps[0] += 1
            elif line.startswith("R"):
                resubscribed[0] += 1


threading.Thread(target=follow, daemon=True).start()
good = subprocess.Popen([os.path.join(BUILD, "tools/radarhub"), "node", "--ingest",
                         f"127.0.0.1:{PORTS['node']}", "--token", TOKEN, "--node-prefix", "good",
                         "--nodes", str(GOOD_NODES), "--rate", "10"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
atexit.register(good.kill)


def connect():
    return socket.create_connection(("127.0.0.1", PORTS["node"]), timeout=5)


def until(deadline, step):
    while time.time() < deadline:
        step()


# --- attacks: each runs until `deadline` ---------------------------------------------------------
def never_authenticate(deadline):
    socks = []
    for _ in range(5000):
        try:
            socks.append(connect())
        except OSError:
            pass
    time.sleep(max(0, deadline - time.time()))
    for s in socks: s.close()


def slowloris(deadline):
    socks = [connect() for _ in range(200)]
    line = b'{"node_id":"slow","token":"x","type":"heartbeat"}'
    i = 0
    while time.time() < deadline:
        for s in socks:
            try: s.send(line[i % len(line):i % len(line) + 1])
            except OSError: pass
        i += 1
        time.sleep(1)
    for s in socks: s.close()


def huge_lines(deadline):
    def send(n):
        try:
            s = connect()
            s.sendall(b'{"node_id":"huge","token":"' + b"a" * n)
            if n < 2 << 20: s.sendall(b'"}\n')
            s.close()
        except OSError:
            pass
    threads = [threading.Thread(target=send, args=((1 << 20) + 1,)) for _ in range(4)]
    threads += [threading.Thread(target=send, args=(100 << 20,)) for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    time.sleep(max(0, deadline - time.time()))


def bad_frames(deadline):
    s = connect()
    s.sendall(b'{"node_id":"evil","token":"%s","type":"heartbeat"}\n' % TOKEN.encode())
    nested = b'{"node_id":"evil","timestamp":1,"x":' + b"[" * 100000 + b"]" * 100000 + b"}\n"
    utf8 = b'{"node_id":"evil","timestamp":2,"x":"\xff\xfe"}\n'
    big = (b'{"node_id":"evil","timestamp":3,"delay":[' + b",".join([b"1.5"] * 1000000)
           + b'],"doppler":[1],"snr":[1]}\n')
    while time.time() < deadline:
        try:
            s.sendall(nested + utf8 * 100 + big)
        except OSError:
            s = connect()
            s.sendall(b'{"node_id":"evil","token":"%s","type":"heartbeat"}\n' % TOKEN.encode())
    s.close()


def brute_force(deadline):
    i = 0
    while time.time() < deadline:
        try:
            s = connect()
            s.sendall(b'{"node_id":"good-0001","token":"guess%d","type":"heartbeat"}\n' % i)
            s.recv(1)
            s.close()
        except OSError:
            pass
        i += 1


def many_node_ids(deadline):
    i = 0
    while time.time() < deadline and i < 100000:
        try:
            s = connect()
            s.sendall(b'{"node_id":"made-up-%d","token":"%s","type":"heartbeat"}\n'
                      % (i, TOKEN.encode()))
            s.close()
        except OSError:
            pass
        i += 1


def reconnect_storm(deadline):
    hello = b'{"node_id":"flappy","token":"%s","type":"heartbeat"}\n' % TOKEN.encode()
    while time.time() < deadline:
        start = time.time()
        for _ in range(100):
            try:
                s = connect(); s.sendall(hello); s.close()
            except OSError:
                pass
        time.sleep(max(0, 0.1 - (time.time() - start)))  # 1,000 a second at most


def stalled_readers(deadline, n=500):
    ch = grpc.insecure_channel(f"127.0.0.1:{PORTS['grpc']}")
    calls = [radarhub_pb2_grpc.IngestStub(ch).Subscribe(radarhub_pb2.SubscribeRequest(frames=True))
             for _ in range(n)]
    time.sleep(max(0, deadline - time.time()))
    for c in calls: c.cancel()
    ch.close()


def many_streams(deadline):
    ch = grpc.insecure_channel(f"127.0.0.1:{PORTS['grpc']}")
    s = radarhub_pb2_grpc.IngestStub(ch)
    calls = [s.Subscribe(radarhub_pb2.SubscribeRequest(node_ids=[f"good-{i % 20 + 1:04d}"],
                                                       frames=True)) for i in range(1000)]
    stop = threading.Event()

    def read(call):
        try:
            for _ in call:
                if stop.is_set(): return
        except grpc.RpcError:
            pass
    readers = [threading.Thread(target=read, args=(c,), daemon=True) for c in calls]
    for t in readers: t.start()
    time.sleep(max(0, deadline - time.time()))
    stop.set()
    for c in calls: c.cancel()
    ch.close()


def garbage_ports(deadline):
    while time.time() < deadline:
        for port in (PORTS["grpc"], PORTS["metrics"]):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
                s.sendall(os.urandom(4096))
                s.close()
            except OSError:
                pass


ATTACKS = {
    "never_authenticate": never_authenticate, "slowloris": slowloris, "huge_lines": huge_lines,
    "bad_frames": bad_frames, "brute_force": brute_force, "many_node_ids": many_node_ids,
    "reconnect_storm": reconnect_storm, "stalled_readers": stalled_readers,
    "many_streams": many_streams, "garbage_ports": garbage_ports,
}

time.sleep(5)  # the good nodes are connected and the subscriber follows them
out = [f"# hostile {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; "
       f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}; "
       f"{GOOD_NODES} good nodes x 10 Hz; {SECS:.0f} s per attack"]
print(out[0])
for name in sys.argv[1:] or ATTACKS:
    with lat_lock:
        latencies.clear()
    rss0, fds0, cpu0 = proc_stats()
    log0 = dict(log)
    got0, start = accepted_good(), time.time()
    ATTACKS[name](time.time() + SECS)
    time.sleep(2)  # what the attack left behind settles
    rss1, fds1, cpu1 = proc_stats()
    rate = (accepted_good() - got0) / (time.time() - start)
    with lat_lock:
        lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    line = (f"{name}: good frames accepted {rate:.0f}/s (sent at {GOOD_NODES * 10}/s), latency p50 "
            f"{p(0.5):.0f} ms p99 {p(0.99):.0f} ms; ingest RSS {rss0} -> {rss1} MB, fds {fds0} -> {fds1}, "
            f"CPU {cpu1 - cpu0:.1f} s; log {log['lines'] - log0['lines']} lines, "
            f"{log['bytes'] - log0['bytes']} bytes")
    print(line, flush=True)
    out.append(line)
good.send_signal(2)  # SIGINT: the simulator stops and reports what it sent
report = good.communicate(timeout=30)[0]
sent = int(re.search(r'"frames_sent":(\d+)', report).group(1))
time.sleep(1)
accepted = accepted_good()
line = (f"whole suite: good nodes sent {sent} frames, the ingest accepted {accepted:.0f}, lost "
        f"{sent - accepted:.0f}; the subscriber was told of {gaps[0]} gaps and subscribed again "
        f"{resubscribed[0]} times")
print(line)
out.append(line)
with open(os.environ.get("OUT", "bench/results/hostile.txt"), "w") as f:
    f.write("\n".join(out) + "\n")
if ingest.poll() is not None:
    sys.exit(f"the ingest died (exit {ingest.returncode})")
if sent != accepted:
    sys.exit(f"{sent - accepted:.0f} good frames lost")
