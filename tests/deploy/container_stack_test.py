#!/usr/bin/python3
"""The image built and the Compose stack run for real, with podman from Debian's packages.

No registry is reachable from this machine, so the Dockerfile's two bases are made here:
`debootstrap --variant=minbase bookworm` from Debian's mirror, imported as
localhost/debian:bookworm and localhost/debian:bookworm-slim, which podman resolves the
Dockerfile's `FROM debian:bookworm[-slim]` to (`--pull=never`: nothing is fetched from a registry).
Then, unchanged from what users run:
- `podman build` of the root Dockerfile (its build stage apt-installs and compiles inside);
- the image's facts: user, HEALTHCHECK, labels, every binary's libraries resolve, no build tools,
  sources or secrets;
- Debian's docker-compose `up` of docker-compose.yml against podman's Docker-compatible API:
  the ingest turns healthy, the tracker and radar1..3 start after it, and from the host through
  the published ports every node is `ok` at the tracker, frames are counted on both /metrics,
  reflection and the README's ListNodes work, the secret files the services read are 0600 and
  uid 10001's and never in the environment, the root filesystem is read-only, the memory, CPU and
  log limits are applied; the monitoring profile's Prometheus (Debian's, standing in for the
  prom/prometheus image) scrapes both services, answers every query of the Grafana dashboard, and
  evaluates every alert rule without error;
  `docker-compose stop` ends both services with exit 0 within the grace period.

Two things of this sandbox are adapted for, outside the files under test: runc instead of crun
(crun refuses the host's hybrid cgroup hierarchy) with ulimits below the sandbox's hard limits
(podman's defaults exceed them), and health checks run by this test every second, as systemd
timers would (podman schedules them with systemd, which does not run here).

usage: container_stack_test.py REPO_DIR RADARHUB_CLI BUF
"""
import atexit
import calendar
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import yaml

from checks import check, failures, finish

repo, cli, buf = sys.argv[1], sys.argv[2], sys.argv[3]
PROJECT = "radarhub-stack-test"
IMAGE = "localhost/radarhub:latest"
BASES = ("localhost/debian:bookworm", "localhost/debian:bookworm-slim")
NODES = ("radar1", "radar2", "radar3")
# Where docker-compose.yml publishes (the monitoring ports on this host only).
PUBLISHED = (("0.0.0.0", 30050), ("0.0.0.0", 50051), ("127.0.0.1", 9105), ("0.0.0.0", 50061),
             ("127.0.0.1", 9106), ("127.0.0.1", 9090))
PROMETHEUS_STAND_IN = "localhost/radarhub-test/prometheus:debian"
PROMETHEUS_CONTAINERFILE = """FROM debian:bookworm-slim
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \\
 && rm -rf /var/lib/apt/lists/* && install -d -o nobody /prometheus
USER nobody
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
"""


def fail_now(why):
    print("FAIL:", why)
    sys.exit(1)


def run(*cmd, timeout=120, check_rc=True, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and out.returncode != 0:
        fail_now(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()[-2000:]}")
    return out


def wait_for(what, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return check(False, f"{what} within {seconds} s")


if os.geteuid() != 0:
    fail_now("needs root: podman runs rootful here (tools/dev test runs as root)")
for tool, package in (("podman", "podman"), ("runc", "runc"), ("debootstrap", "debootstrap"),
                      ("docker-compose", "docker-compose"), ("aardvark-dns", "aardvark-dns")):
    if not shutil.which(tool, path=os.environ["PATH"] + ":/usr/lib/podman"):
        fail_now(f"{tool} not installed: apt-get install {package} (tools/dev test does)")
if not os.access(buf, os.X_OK):
    fail_now(f"buf not found at {buf}: tools/dev test installs it")

work = tempfile.mkdtemp(prefix="radarhub-stack-")
atexit.register(shutil.rmtree, work, ignore_errors=True)  # also when a step fails early
nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
nofile = 65536 if nofile == resource.RLIM_INFINITY else min(nofile, 65536)
nproc = 4096 if nproc == resource.RLIM_INFINITY else min(nproc, 4096)
# The test's own podman storage, kept between runs (the bases and the build cache) and apart from
# anything else on the machine: pruning it touches nothing of anyone's.
store = os.path.expanduser("~/.cache/radarhub/containers")
with open(os.path.join(work, "containers.conf"), "w") as f:
    f.write(f'[containers]\ndefault_ulimits = ["nofile={nofile}:{nofile}", '
            f'"nproc={nproc}:{nproc}"]\n[engine]\nruntime = "runc"\n'
            f'tmp_dir = "/run/radarhub-test/libpod"\n')
with open(os.path.join(work, "storage.conf"), "w") as f:
    f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{store}/storage"\n'
            f'runroot = "/run/radarhub-test/storage"\n')
os.environ["CONTAINERS_CONF"] = os.path.join(work, "containers.conf")
os.environ["CONTAINERS_STORAGE_CONF"] = os.path.join(work, "storage.conf")


def podman(*args, **kw):
    return run("podman", *args, **kw)


# --- The bases: made from Debian's mirror once per machine, never pulled. ---
if not all(podman("image", "exists", b, check_rc=False).returncode == 0 for b in BASES):
    rootfs = os.path.join(work, "rootfs")
    started = time.monotonic()
    run("debootstrap", "--variant=minbase", "bookworm", rootfs, "http://deb.debian.org/debian",
        timeout=900)
    with open(os.path.join(rootfs, "etc/apt/sources.list"), "w") as f:
        f.write("deb http://deb.debian.org/debian bookworm main\n"
                "deb http://deb.debian.org/debian bookworm-updates main\n"
                "deb http://deb.debian.org/debian-security bookworm-security main\n")
    for d in ("var/lib/apt/lists", "var/cache/apt/archives"):
        run("find", os.path.join(rootfs, d), "-type", "f", "-delete")
    tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
    podman("import", "--change", 'CMD ["bash"]', "-", BASES[0], stdin=tar.stdout, timeout=300)
    tar.wait()
    podman("tag", BASES[0], BASES[1])
    shutil.rmtree(rootfs)
    print(f"bases made by debootstrap in {time.monotonic() - started:.0f} s")

# --- The image, from the root Dockerfile as it is. ---
started = time.monotonic()
build = run("podman", "build", "--pull=never", "--format", "docker", "-t", IMAGE, repo,
            timeout=2400, check_rc=False)
if build.returncode != 0:
    fail_now(f"podman build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}")
print(f"image built in {time.monotonic() - started:.0f} s")
# Untagged layers of earlier builds, but not today's: they are the next build's cache.
podman("image", "prune", "-f", "--filter", "until=24h")

image = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
config = image["Config"]
check(config.get("User") == "10001:10001", f"image user: {config.get('User')}")
health = image.get("Healthcheck") or config.get("Healthcheck") or {}  # podman: top level
check(health.get("Test", [])[:3] == ["CMD", "radarhub", "health"],
      f"image HEALTHCHECK through radarhub health: {health}")
labels = config.get("Labels") or {}
for label in ("title", "description", "source", "licenses", "base.name"):
    check(f"org.opencontainers.image.{label}" in labels, f"OCI label {label}: {labels}")
check(config.get("Entrypoint") == ["radarhub-ingest"], f"entrypoint: {config.get('Entrypoint')}")

secret_values = []
for name in ("node-tokens", "node-token", "api-token"):
    with open(os.path.join(repo, "deploy/compose/secrets", name)) as f:
        # A token is the last field of a line ("node_id token" in the tokens file); # comments.
        secret_values += [line.split()[-1] for line in f if line.strip() and line[0] != "#"]
inside = podman("run", "--rm", "--network=none", "--entrypoint", "sh", IMAGE, "-c", """
    id -u
    for b in /usr/local/bin/*; do "$b" --help >/dev/null || echo "FAILS: $b"; done
    ldd /usr/local/bin/* | grep 'not found' || true
    for t in cc gcc g++ c++ clang cmake ninja make protoc; do command -v $t && echo "TOOL: $t"; done
    ls -d /src /build /usr/include/grpcpp /usr/include/boost 2>/dev/null | sed 's/^/PRESENT: /'
    find / -xdev \\( -name '*.key' -o -name '*-token*' -o -name 'tokens*' \\) 2>/dev/null \
      | sed 's/^/SECRET-LIKE: /'
    """ + "".join(f"grep -rlsF -- '{v}' /etc /usr/local /root /home /var /opt /srv "
                  f"| sed 's/^/HOLDS-SECRET: /'\n" for v in secret_values), timeout=120)
lines = inside.stdout.split("\n")
check(lines[0] == "10001", f"runs as uid 10001: {lines[0]}")
problems = [l for l in lines[1:] if l.strip()]
check(not problems, f"image runtime stage: {problems}")

# --- The stack: docker-compose.yml through podman's Docker-compatible API. ---


def bindable(address, port):
    """Whether podman can listen there: a listener, but also an outgoing connection's local port
    (an earlier test's, in TIME_WAIT for 60 s after it closed) stands in its way."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's net.Listen does
        try:
            s.bind((address, port))
            s.listen()
            return True
        except OSError:
            return False


for address, port in PUBLISHED:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            fail_now(f"port {port} is in use on this host: the stack publishes it")
    # The tests before this one make tens of thousands of loopback connections; 50051 and 50061
    # lie in the ephemeral range, so one may still be a closed connection's local port.
    if not bindable(address, port):
        held = run("ss", "-tanH", f"sport = :{port}", check_rc=False).stdout.strip()
        print(f"port {port} is held by connections, waiting for them to end:\n{held[:500]}")
        if not wait_for(f"port {port} free", lambda: bindable(address, port), 90):
            fail_now(f"port {port} still held:\n"
                     + run("ss", "-tanpH", f"sport = :{port}", check_rc=False).stdout[:2000])

stack = os.path.join(work, "stack")
os.makedirs(stack)
shutil.copy(os.path.join(repo, "docker-compose.yml"), stack)
# All of deploy/: Compose's monitoring mounts the alert rules and the dashboard from the Kubernetes
# monitoring component, their one copy.
shutil.copytree(os.path.join(repo, "deploy"), os.path.join(stack, "deploy"))
for name in os.listdir(os.path.join(stack, "deploy/compose/secrets")):  # as a fresh clone has them
    os.chmod(os.path.join(stack, "deploy/compose/secrets", name), 0o644)

sock = os.path.join(work, "podman.sock")
service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{sock}"],
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "api.log"),
                                                                  "w"))
os.environ["DOCKER_HOST"] = f"unix://{sock}"
stop_health = threading.Event()
first_healthy = {}  # container name -> wall time just before its first passing check began


def drive_health_checks():
    while not stop_health.wait(1):
        names = subprocess.run(["podman", "ps", "--format", "{{.Names}}", "--filter",
                                f"label=com.docker.compose.project={PROJECT}"],
                               capture_output=True, text=True).stdout.split()
        for name in names:
            began = time.time()
            if subprocess.run(["podman", "healthcheck", "run", name],
                              capture_output=True).returncode == 0:
                first_healthy.setdefault(name, began)


def wall_time(rfc3339):
    """Seconds since the epoch of podman's "2026-11-23T16:14:42.958424567Z"."""
    whole, _, frac = rfc3339.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


COMPOSE = ["docker-compose", "-p", PROJECT, "-f", "docker-compose.yml", "-f",
           "monitoring-stand-in.yml"]
with open(os.path.join(stack, "monitoring-stand-in.yml"), "w") as f:
    f.write(f"services:\n  prometheus:\n    image: {PROMETHEUS_STAND_IN}\n")


def compose(*args, timeout=300):
    return run(*COMPOSE, *args, cwd=stack, timeout=timeout)


def container(service_name):
    return f"{PROJECT}_{service_name}_1"


def inspect(service_name):
    out = podman("inspect", container(service_name), check_rc=False)
    return json.loads(out.stdout)[0] if out.returncode == 0 else {}


def metric(port, name, node, result):
    text = run("curl", "-sf", f"http://127.0.0.1:{port}/metrics", check_rc=False).stdout
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") and f'node_id="{node}"' in line
               and f'result="{result}"' in line)


def prometheus_api(path, **params):
    url = f"http://127.0.0.1:9090/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response).get("data", {})
    except (OSError, ValueError):
        return {}


def healthy(grpc, service_name=""):
    return run(cli, "health", "--grpc", grpc, "--service", service_name, "--timeout", "2s",
               check_rc=False).returncode == 0


health_driver = threading.Thread(target=drive_health_checks, daemon=True)
try:
    wait_for("podman API socket", lambda: os.path.exists(sock), 30)
    health_driver.start()
    started = time.monotonic()
    compose("up", "-d", "--no-build")
    print(f"compose up returned in {time.monotonic() - started:.1f} s")

    states = {n: inspect(n).get("State", {}) for n in ("ingest", "tracker") + NODES}
    check(all(s.get("Running") for s in states.values()),
          f"every service running: { {n: s.get('Status') for n, s in states.items()} }")
    ingest_healthy = first_healthy.get(container("ingest"), float("inf"))
    for name in ("tracker",) + NODES:
        started_at = wall_time(states[name].get("StartedAt", "1970-01-01T00:00:00Z"))
        check(started_at > ingest_healthy, f"{name} started after the ingest turned healthy")
    for name in ("ingest", "tracker"):
        wait_for(f"{name} healthy by its compose health check",
                 lambda: inspect(name).get("State", {}).get("Health", {}).get("Status")
                 == "healthy")

    # From the host, through the published ports.
    check(healthy("127.0.0.1:50051"), "ingest gRPC health SERVING on published 50051")
    check(healthy("127.0.0.1:50061"), "tracker gRPC health SERVING on published 50061")
    for node in NODES:
        wait_for(f"{node} ok at the tracker (node/{node} SERVING)",
                 lambda: healthy("127.0.0.1:50061", f"node/{node}"))
        wait_for(f"{node}'s frames accepted on the ingest's /metrics (9105)",
                 lambda: metric(9105, "radarhub_ingest_frames_total", node, "accepted") > 0)
        wait_for(f"{node}'s frames received on the tracker's /metrics (9106)",
                 lambda: metric(9106, "radarhub_tracker_frames_total", node, "received") > 0)
    with socket.create_connection(("127.0.0.1", 30050), timeout=5):
        pass  # the node port is published too

    # What the README's grpcurl lines do, with buf curl (reflection, no proto files).
    with open(os.path.join(repo, "deploy/compose/secrets/api-token")) as f:
        api_token = f.read().strip()
    for port, service_name in ((50051, "radarhub.v1.Ingest"), (50061, "radarhub.v1.Tracker")):
        listed = run(buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                     "--list-services", f"http://127.0.0.1:{port}", check_rc=False).stdout
        check(service_name in listed, f"reflection on {port} lists {service_name}: {listed}")
        nodes = run(buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H",
                    f"authorization: Bearer {api_token}",
                    f"http://127.0.0.1:{port}/{service_name}/ListNodes", check_rc=False)
        for node in NODES:
            check(f'"{node}"' in nodes.stdout,
                  f"{service_name}/ListNodes on {port} lists {node}: {nodes.stdout}{nodes.stderr}")

    # Secrets: the files the services read are 0600 and the image's user's; never in the
    # environment. The root filesystem is read-only.
    for name, files in (("ingest", ("node_tokens", "api_token")), ("tracker", ("api_token",))):
        mode = podman("exec", container(name), "stat", "-c", "%a %u",
                      *(f"/run/radarhub/{f}" for f in files)).stdout.split()
        check(mode == ["600", "10001"] * len(files), f"{name}: secret files' mode and owner: {mode}")
        writes = podman("exec", container(name), "touch", "/probe", check_rc=False)
        check(writes.returncode != 0, f"{name}: the root filesystem is read-only")
    for name in ("ingest", "tracker") + NODES:
        env = " ".join(inspect(name).get("Config", {}).get("Env") or [])
        check(not any(v in env for v in secret_values), f"{name}: a token in its environment")
        # docker-compose.yml's mem_limit, cpus and logging, as the engine applied them.
        host = inspect(name).get("HostConfig", {})
        check(host.get("Memory", 0) > 0 and host.get("NanoCpus", 0) > 0 and
              host.get("LogConfig", {}).get("Type") == "json-file",
              f"{name}: memory, CPU and log limits: Memory {host.get('Memory')}, NanoCpus "
              f"{host.get('NanoCpus')}, LogConfig {host.get('LogConfig')}")

    # The monitoring profile's Prometheus, with Debian's prometheus standing in for the
    # prom/prometheus image (no registry here): it scrapes both services by their compose names,
    # and every query of the Grafana dashboard returns data. (Grafana itself is not in Debian.)
    started = time.monotonic()
    podman("build", "--pull=never", "--format", "docker", "-t", PROMETHEUS_STAND_IN, "-f", "-",
           work, input=PROMETHEUS_CONTAINERFILE, timeout=900)
    print(f"prometheus stand-in built in {time.monotonic() - started:.0f} s")
    compose("--profile", "monitoring", "up", "-d", "--no-build", "--no-deps", "prometheus")
    wait_for("prometheus scraping ingest:9105 and tracker:9106, both up", lambda: {
        (t["labels"]["job"], t["health"]) for t in
        prometheus_api("targets").get("activeTargets", [])} >= {
        ("radarhub-ingest", "up"), ("radarhub-tracker", "up")}, 90)
    with open(os.path.join(repo, "deploy/k8s/components/monitoring/dashboards/radarhub.json")) as f:
        panels = json.load(f)["panels"]
    for panel in panels:
        for target in panel["targets"]:
            wait_for(f"dashboard panel '{panel['title']}' has data: {target['expr']}",
                     lambda: prometheus_api("query", query=target["expr"]).get("result"), 90)
    # The alert rules loaded from the mounted rules file, each evaluated without error.
    with open(os.path.join(repo, "deploy/k8s/components/monitoring/radarhub.rules.yml")) as f:
        alert_names = {r["alert"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]}

    def rule_health():
        return {r.get("name"): r.get("health") for g in prometheus_api("rules").get("groups", [])
                for r in g.get("rules", [])}
    wait_for(f"prometheus evaluates the alert rules {sorted(alert_names)} without error",
             lambda: rule_health() == {n: "ok" for n in alert_names}, 90)

    # Graceful stop: SIGTERM, drain, exit 0 within the compose stop_grace_period (15 s).
    started = time.monotonic()
    compose("stop", "tracker", "ingest", timeout=120)
    stopped_in = time.monotonic() - started
    check(stopped_in < 30, f"tracker and ingest stopped in {stopped_in:.1f} s")
    for name in ("ingest", "tracker"):
        code = inspect(name).get("State", {}).get("ExitCode")
        check(code == 0, f"{name} exit code after SIGTERM: {code}")
    print(f"tracker and ingest stopped gracefully in {stopped_in:.1f} s")
finally:
    stop_health.set()
    if failures or sys.exc_info()[0] is not None:
        for name in ("ingest", "tracker") + NODES:
            logs = podman("logs", "--tail", "20", container(name), check_rc=False)
            print(f"--- {name} ---\n{logs.stdout}{logs.stderr}")
    subprocess.run([*COMPOSE, "--profile", "monitoring", "down", "-t", "15"], cwd=stack,
                   capture_output=True, timeout=300)
    service.terminate()
    service.wait(timeout=30)

finish("image built by podman from the Dockerfile; Compose stack up, healthy, serving, stopped")
