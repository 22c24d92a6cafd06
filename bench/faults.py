#!/usr/bin/python3
# The fault suite (issue 14): a real radarhub-ingest, a real radarhub-tracker following it and 20
# simulated nodes at 10 Hz (`radarhub node`), all on loopback. In turn:
#   ingest_sigstop   the ingest frozen (SIGSTOP) for 10 s, then SIGCONT
#   ingest_kill      the ingest killed (SIGKILL) and started again on its ports 5 s later
#   tracker_kill     the tracker killed (SIGKILL) and started again 3 s later
#   stopped_reader   a `radarhub watch` of every node stopped (SIGSTOP) for 60 s, then SIGCONT
# Per fault: how long until the tracker reads every node `ingest_unreachable`, how long until all
# are `ok` again, how long the ingest takes to free a dead tracker's streams, the ingest's RSS, and
# the frames lost: accepted by the ingest but never received by the tracker (nodes paused and
# everything flushed at each phase's edges, so the counts are exact; must be 0 where the ingest
# process lives on). Results: bench/results/faults.txt. Loopback only.
# Usage: bench/faults.py [FAULT...]   (BUILD=build)
import atexit, os, re, signal, subprocess, sys, threading, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.environ.get("BUILD", "build")
TOKEN = "good-token"
NODES = 20
IDS = [f"good-{i:04d}" for i in range(1, NODES + 1)]

from ingest_proc import python_stubs, rss_mb, scrape, start_ingest  # noqa: E402

python_stubs()
import grpc  # noqa: E402
from radarhub.v1 import radarhub_pb2, radarhub_pb2_grpc  # noqa: E402

INGEST_FLAGS = ["--token", TOKEN, "--log-level", "warn"]
ingest, PORTS = start_ingest(INGEST_FLAGS, metrics=True)
tracker, TRACKER_PORT = None, 0


def start_tracker(port=0):
    proc = subprocess.Popen(
        [os.path.join(BUILD, "services/tracker/radarhub-tracker"), "--ingest",
         f"127.0.0.1:{PORTS['grpc']}", "--grpc-listen", f"127.0.0.1:{port}", "--metrics-listen",
         "", "--log-level", "warn"], stderr=subprocess.PIPE, text=True, errors="replace")
    atexit.register(proc.kill)
    for line in proc.stderr:
        m = re.match(r"listening grpc .*:(\d+)", line)
        if m:
            threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
            return proc, int(m.group(1))
    raise RuntimeError("radarhub-tracker ended before listening")


tracker, TRACKER_PORT = start_tracker()
sim = subprocess.Popen([os.path.join(BUILD, "tools/radarhub"), "node", "--ingest",
                        f"127.0.0.1:{PORTS['node']}", "--token", TOKEN, "--node-prefix", "good",
                        "--nodes", str(NODES), "--rate", "10"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
atexit.register(sim.kill)

# The tracker's view: the latest NodeHealth of every node, from WatchHealth (reopened whenever the
# tracker goes away).
health, health_lock = {}, threading.Lock()


def watch_health():
    while True:
        try:
            channel = grpc.insecure_channel(f"127.0.0.1:{TRACKER_PORT}")
            stub = radarhub_pb2_grpc.TrackerStub(channel)
            for h in stub.WatchHealth(radarhub_pb2.WatchHealthRequest()):
                with health_lock:
                    health[h.node_id] = h
        except grpc.RpcError:
            pass
        time.sleep(0.05)


threading.Thread(target=watch_health, daemon=True).start()


def reasons():
    with health_lock:
        return [health[i].reason if i in health else "unknown" for i in IDS]


def wait_all(reason, timeout):
    """Seconds until every node reads `reason` at the tracker, or None."""
    start = time.time()
    while time.time() - start < timeout:
        if all(r == reason for r in reasons()):
            return time.time() - start
        time.sleep(0.02)
    return None


def metrics():
    return scrape(PORTS["metrics"])


def gauge(name, text=None):
    m = re.search(rf"^{name} (\S+)$", text if text is not None else metrics(), re.M)
    return float(m.group(1)) if m else None


def accepted():
    return sum(float(v) for v in re.findall(
        r'radarhub_ingest_frames_total\{node_id="good-\d+",result="accepted"\} (\S+)', metrics()))


def tracker_counts():
    """(received, missed, dropped) over every node, from the tracker's ListNodes (WatchHealth's
    counters are those of each node's last health change)."""
    stub = radarhub_pb2_grpc.TrackerStub(grpc.insecure_channel(f"127.0.0.1:{TRACKER_PORT}"))
    nodes = stub.ListNodes(radarhub_pb2.TrackerListNodesRequest(), timeout=5).nodes
    hs = [h for h in nodes if h.node_id in IDS]
    return (sum(h.frames_received for h in hs), sum(h.frames_missed for h in hs),
            sum(h.frames_dropped for h in hs))


def quiesce():
    """Pauses the nodes and waits until the tracker has everything the ingest accepted."""
    sim.send_signal(signal.SIGSTOP)
    last, stable = None, 0
    while stable < 10:  # 1 s without change
        now = (accepted(), tracker_counts())
        stable = stable + 1 if now == last else 0
        last = now
        time.sleep(0.1)
    return last


def resume_nodes():
    sim.send_signal(signal.SIGCONT)
    time.sleep(2)  # a steady state before the fault


def fmt(x):
    return "never" if x is None else f"{x:.2f}"


results = []


def report(name, **fields):
    line = name + "  " + "  ".join(f"{k}={v}" for k, v in fields.items())
    print(line, flush=True)
    results.append(line)


def ingest_sigstop():
    a0, (r0, m0, d0) = quiesce()
    resume_nodes()
    ingest.send_signal(signal.SIGSTOP)
    t_unreachable = wait_all("ingest_unreachable", 10)
    time.sleep(max(0.0, 10 - (t_unreachable or 10)))
    ingest.send_signal(signal.SIGCONT)
    t_ok = wait_all("ok", 30)
    time.sleep(1)
    a1, (r1, m1, d1) = quiesce()
    report("ingest_sigstop", all_unreachable_after_s=fmt(t_unreachable),
           all_ok_after_sigcont_s=fmt(t_ok), accepted=int(a1 - a0), received=r1 - r0,
           lost=int((a1 - a0) - (r1 - r0)), missed=m1 - m0, dropped=d1 - d0)
    resume_nodes()


def ingest_kill():
    global ingest
    a0, (r0, m0, d0) = quiesce()
    resume_nodes()
    before_kill = accepted()
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    killed = time.time()
    t_unreachable = wait_all("ingest_unreachable", 10)
    time.sleep(max(0.0, 5 - (time.time() - killed)))
    ingest, _ = start_ingest(INGEST_FLAGS, metrics=True, ports=PORTS)
    threading.Thread(target=lambda: ingest.stderr.read(), daemon=True).start()
    restarted = time.time()
    t_nodes = None
    while time.time() - restarted < 30:
        if gauge("radarhub_ingest_nodes_connected") == NODES:
            t_nodes = time.time() - restarted
            break
        time.sleep(0.02)
    t_ok = wait_all("ok", 30)
    t_ok = None if t_ok is None else time.time() - restarted
    time.sleep(1)
    a_new, (r1, m1, d1) = quiesce()
    # The killed ingest's count is read just before the kill, so `lost` is approximate: frames it
    # accepted in the instant after the read, or held but had not sent, died with it.
    old = before_kill - a0
    report("ingest_kill", all_unreachable_after_s=fmt(t_unreachable),
           nodes_back_after_restart_s=fmt(t_nodes), all_ok_after_restart_s=fmt(t_ok),
           ok_after_last_node_back_s=fmt(None if None in (t_ok, t_nodes) else t_ok - t_nodes),
           accepted_old=int(old), accepted_new=int(a_new), received=r1 - r0,
           lost_about=int(old + a_new - (r1 - r0)), missed=m1 - m0, dropped=d1 - d0)
    resume_nodes()


def tracker_kill():
    global tracker
    quiesce()
    resume_nodes()
    streams_before = gauge("radarhub_ingest_subscribers")
    rss_before = rss_mb(ingest.pid)
    tracker.send_signal(signal.SIGKILL)
    tracker.wait()
    killed = time.time()
    t_freed = None
    while time.time() - killed < 30:
        if gauge("radarhub_ingest_subscribers") == 0:
            t_freed = time.time() - killed
            break
        time.sleep(0.01)
    time.sleep(max(0.0, 3 - (time.time() - killed)))
    with health_lock:
        health.clear()
    restarting = time.time()
    tracker, _ = start_tracker(TRACKER_PORT)
    t_ok = wait_all("ok", 30)
    t_ok = None if t_ok is None else time.time() - restarting
    time.sleep(1)
    a0, (r0, m0, d0) = quiesce()
    resume_nodes()
    time.sleep(5)
    a1, (r1, m1, d1) = quiesce()
    # After the restart: a tracker that was away starts at each node's latest frame (README),
    # so the frames are counted from a quiet point after it is back.
    report("tracker_kill", ingest_streams_before=int(streams_before or 0),
           ingest_streams_freed_after_s=fmt(t_freed),
           ingest_rss_mb=f"{rss_before}->{rss_mb(ingest.pid)}", all_ok_after_restart_s=fmt(t_ok),
           accepted_after=int(a1 - a0), received_after=r1 - r0,
           lost_after=int((a1 - a0) - (r1 - r0)), missed=m1 - m0, dropped=d1 - d0)


def stopped_reader():
    a0, (r0, m0, d0) = quiesce()
    resume_nodes()
    streams = gauge("radarhub_ingest_subscribers")
    reader = subprocess.Popen([os.path.join(BUILD, "tools/radarhub"), "watch", "--grpc",
                               f"127.0.0.1:{PORTS['grpc']}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(reader.kill)
    time.sleep(2)
    rss0 = rss_mb(ingest.pid)
    reader.send_signal(signal.SIGSTOP)
    stopped = time.time()
    peak_rss, peak_queued, t_freed = rss0, 0, None
    while time.time() - stopped < 60:
        time.sleep(0.5)
        text = metrics()
        peak_rss = max(peak_rss, rss_mb(ingest.pid))
        peak_queued = max(peak_queued, gauge("radarhub_ingest_subscriber_queued_events", text) or 0)
        if t_freed is None and gauge("radarhub_ingest_subscribers", text) == streams:
            t_freed = time.time() - stopped
    reader.send_signal(signal.SIGCONT)
    reader.kill()
    reader.wait()
    a1, (r1, m1, d1) = quiesce()
    # The ingest's HTTP/2 keepalive (a ping every 20 s, 10 s to answer) ends the stopped process's
    # connection; until then its queue is bounded like any slow reader's.
    report("stopped_reader", stopped_s=60, ingest_freed_its_stream_after_s=fmt(t_freed),
           ingest_rss_mb=f"{rss0}->peak {peak_rss}", peak_queued_events=int(peak_queued),
           tracker_accepted=int(a1 - a0), tracker_received=r1 - r0,
           lost=int((a1 - a0) - (r1 - r0)), missed=m1 - m0, dropped=d1 - d0)
    resume_nodes()


FAULTS = {"ingest_sigstop": ingest_sigstop, "ingest_kill": ingest_kill,
          "tracker_kill": tracker_kill, "stopped_reader": stopped_reader}

if wait_all("ok", 60) is None:
    sys.exit(f"nodes never all healthy: {reasons()}")
time.sleep(2)
for name in sys.argv[1:] or FAULTS:
    FAULTS[name]()

header = (f"# faults {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; "
          f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}; "
          f"{os.cpu_count()} cores; {NODES} nodes x 10 Hz; loopback")
if not sys.argv[1:]:
    with open("bench/results/faults.txt", "w") as f:
        f.write(header + "\n" + "\n".join(results) + "\n")
