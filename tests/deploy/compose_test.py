#!/usr/bin/python3
"""docker-compose.yml checked without an engine: Debian's docker-compose validates and normalizes
it (`config`), then the facts the README promises are asserted on the result: the services, their
health checks through `radarhub health`, start order on health, published ports, tokens only as
secret files, memory, CPU and log limits on every service, and the monitoring profile's Prometheus
scraping both services and loading the alert rules (the Kubernetes monitoring component's file).

usage: compose_test.py REPO_DIR
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

from checks import check, finish

repo = sys.argv[1]
compose = os.path.join(repo, "docker-compose.yml")


def config(*profile):
    """The normalized file from docker-compose, or the raw YAML if it is not installed."""
    if shutil.which("docker-compose"):
        out = subprocess.run(["docker-compose", "-f", compose, *profile, "config"],
                             capture_output=True, text=True, cwd=repo)
        check(out.returncode == 0, f"docker-compose config: {out.stderr.strip()}")
        return yaml.safe_load(out.stdout)
    print("docker-compose not installed: checking the raw YAML only")
    with open(compose) as f:
        return yaml.safe_load(f)


c = config()
services = {n: s for n, s in c["services"].items() if not s.get("profiles")}
check(set(services) == {"ingest", "tracker", "radar1", "radar2", "radar3"},
      f"default services: {sorted(services)}")
with_monitoring = config("--profile", "monitoring")["services"]
check(with_monitoring.get("prometheus", {}).get("profiles") == ["monitoring"],
      "the monitoring profile adds prometheus")


def ports(service):
    """(host_ip or None, published, target) per port; docker-compose 1.29 prints
    "[HOST_IP:]PUBLISHED:TARGET[/PROTO]"."""
    out = []
    for p in service.get("ports", []):
        if isinstance(p, dict):
            out.append((p.get("host_ip"), str(p["published"]), str(p["target"])))
        else:
            parts = str(p).split("/")[0].split(":")
            out.append((parts[0] if len(parts) == 3 else None, parts[-2], parts[-1]))
    return out


def mounts(service):
    """{target: source} of its volumes; docker-compose 1.29 prints "SOURCE:TARGET[:MODE]"."""
    out = {}
    for v in service.get("volumes", []):
        source, target = (v["source"], v["target"]) if isinstance(v, dict) else v.split(":")[:2]
        out[target] = source
    return out


for name, port, published_ports in (("ingest", "50051", {"30050", "50051", "9105"}),
                                    ("tracker", "50061", {"50061", "9106"})):
    s = services[name]
    test = s.get("healthcheck", {}).get("test", [])
    check(test[:3] == ["CMD", "radarhub", "health"] and f"127.0.0.1:{port}" in test,
          f"{name}: health check through radarhub health on {port}: {test}")
    check(published_ports <= {pub for _, pub, _ in ports(s)},
          f"{name}: publishes {sorted(published_ports)}")
    check(" ".join(s.get("entrypoint", [])).endswith(f"exec radarhub-{name}"),
          f"{name}: runs radarhub-{name}")
    metrics = [ip for ip, _, target in ports(s) if target in ("9105", "9106")]
    check(metrics == ["127.0.0.1"], f"{name}: /metrics published to this host only: {metrics}")

check(services["tracker"]["depends_on"]["ingest"]["condition"] == "service_healthy",
      "tracker waits for a healthy ingest")
check(services["tracker"]["environment"].get("RADARHUB_INGEST") == "ingest:50051",
      "tracker follows the ingest service")
for n in ("radar1", "radar2", "radar3"):
    check(services[n]["depends_on"]["ingest"]["condition"] == "service_healthy",
          f"{n} waits for a healthy ingest")
    check("ingest:30050" in " ".join(services[n]["entrypoint"]), f"{n} sends to ingest:30050")

# Secrets are files, never values in the environment. Compose mounts them as they are on the host,
# so each service reads a 0600 copy of its own in a tmpfs (container_stack_test.py checks the
# modes in running containers).
for name, s in services.items():
    check(s.get("read_only") is True and s.get("cap_drop") == ["ALL"] and
          "no-new-privileges:true" in s.get("security_opt", []),
          f"{name}: read-only root filesystem, no capabilities, no privilege escalation")
    entrypoint = " ".join(s.get("entrypoint", []))
    for key, value in (s.get("environment") or {}).items():
        if "TOKEN" in key or "KEY" in key:
            secret = os.path.basename(str(value))
            check(key.endswith("_FILE") and value == f"/run/radarhub/{secret}" and
                  f"/run/secrets/{secret}" in entrypoint.split("&&")[0] and
                  entrypoint.startswith("sh -c install -m 0600 ") and
                  "/run/radarhub" in s.get("tmpfs", []),
                  f"{name}: {key} must name a 0600 copy of a secret file in a tmpfs, not a value")
    for secret in s.get("secrets", []):
        source = secret["source"] if isinstance(secret, dict) else secret
        check(f"/run/secrets/{source}" in entrypoint, f"{name}: uses its secret {source}")
for name, secret in c.get("secrets", {}).items():
    check(os.path.isfile(os.path.join(repo, secret["file"])), f"secret {name}: {secret['file']}")
check(services["ingest"]["environment"].get("RADARHUB_TOKENS_FILE") == "/run/radarhub/node_tokens",
      "ingest reads the node tokens from the secret")



def size(value):
    """Bytes of a compose size: a number, or "1g", "512m", "64k", "100b"."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmg]?)b?", str(value).strip().lower())
    return float(m[1]) * 1024 ** "bkmg".index(m[2] or "b") if m else 0


# Every service is bounded: memory and CPU (mem_limit, cpus: docker-compose 1.29, Compose v2 and
# podman apply them), and its logs rotate (json-file, max-size and max-file).
for name, s in with_monitoring.items():
    check(size(s.get("mem_limit", 0)) >= 32 * 1024 ** 2, f"{name}: a memory limit: "
          f"{s.get('mem_limit')}")
    check(0 < float(s.get("cpus") or 0) <= 2, f"{name}: a CPU limit (cpus): {s.get('cpus')}")
    logging = s.get("logging", {})
    options = logging.get("options", {})
    check(logging.get("driver") == "json-file" and size(options.get("max-size", 0)) > 0 and
          int(options.get("max-file", 0)) >= 1,
          f"{name}: logs rotate (json-file with max-size and max-file): {logging}")
check(size(services["ingest"].get("mem_limit", 0)) >= 512 * 1024 ** 2,
      "ingest's memory limit holds the default --replay-memory (256 MiB) with room")

prometheus_mounts = mounts(with_monitoring.get("prometheus", {}))
scrape_file = prometheus_mounts.get("/etc/prometheus/prometheus.yml")
if scrape_file:
    with open(os.path.join(repo, scrape_file)) as f:
        scrape = yaml.safe_load(f)
    targets = {t for job in scrape["scrape_configs"] for sc in job["static_configs"]
               for t in sc["targets"]}
    check({"ingest:9105", "tracker:9106"} <= targets, f"prometheus scrapes both: {targets}")
    # Its rule_files (relative to the config's directory) match the mounted rules file, and that
    # is the monitoring component's, the one copy (k8s_test.py compares the PrometheusRule).
    patterns = [os.path.join("/etc/prometheus", p) for p in scrape.get("rule_files", [])]
    loaded = {t: src for t, src in prometheus_mounts.items()
              if any(fnmatch.fnmatch(t, p) for p in patterns)}
    rules_file = os.path.join(repo, "deploy/k8s/components/monitoring/radarhub.rules.yml")
    check([os.path.realpath(os.path.join(repo, src)) for src in loaded.values()]
          == [os.path.realpath(rules_file)],
          f"prometheus loads deploy/k8s/components/monitoring/radarhub.rules.yml through "
          f"rule_files {scrape.get('rule_files')}: {loaded}")
else:
    check(False, "prometheus mounts a scrape config")

# Grafana: its provisioned datasource is the one every dashboard panel names, and the dashboards
# it loads are the ones in the repo. (The panels' queries run against a real Prometheus in
# container_stack_test.py.)
grafana = with_monitoring.get("grafana", {})
check(grafana.get("profiles") == ["monitoring"], "the monitoring profile adds grafana")
grafana_mounts = mounts(grafana)
provisioning = grafana_mounts.get("/etc/grafana/provisioning")
dashboards = grafana_mounts.get("/var/lib/grafana/dashboards")
if check(provisioning and dashboards, f"grafana mounts provisioning, dashboards: {grafana_mounts}"):
    with open(os.path.join(repo, provisioning, "datasources/prometheus.yml")) as f:
        sources = yaml.safe_load(f)["datasources"]
    check(any(d["uid"] == "prometheus" and d["url"] == "http://prometheus:9090" for d in sources),
          f"grafana's datasource is the compose prometheus: {sources}")
    with open(os.path.join(repo, provisioning, "dashboards/radarhub.yml")) as f:
        provider_paths = {p["options"]["path"] for p in yaml.safe_load(f)["providers"]}
    check(provider_paths == {"/var/lib/grafana/dashboards"}, f"dashboard provider: {provider_paths}")
    with open(os.path.join(repo, dashboards, "radarhub.json")) as f:
        board = json.load(f)
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    check(exprs and all(p["datasource"]["uid"] == "prometheus" for p in board["panels"]),
          "every panel queries the provisioned datasource")
    check(any("radarhub_tracker_node_healthy" in e for e in exprs) and
          any("radarhub_ingest_frames_total" in e for e in exprs),
          "the dashboard shows node health and frame rates")
    home = grafana.get("environment", {}).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "")
    check(home == "/var/lib/grafana/dashboards/radarhub.json", f"home dashboard: {home}")
    check(os.path.realpath(os.path.join(repo, dashboards)) ==
          os.path.realpath(os.path.join(repo, "deploy/k8s/components/monitoring/dashboards")),
          f"grafana shows the monitoring component's dashboards (the one copy): {dashboards}")
for name in ("prometheus", "grafana"):
    ips = {ip for ip, _, _ in ports(with_monitoring.get(name, {}))}
    check(ips == {"127.0.0.1"}, f"{name} (no authentication) listens on this host only: {ips}")

finish("compose services, health checks, ports, secrets, limits, monitoring and alert rules")
