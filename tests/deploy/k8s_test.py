#!/usr/bin/python3
"""deploy/k8s rendered offline with `kubectl kustomize` (base and every overlay), then the facts
operations.md and the README promise are asserted on the objects: ports match the binaries'
defaults, probes are native gRPC on the right ports (startup and liveness ask about the process
only), secrets are the Secret's files mounted directly (0440 for the pod's fsGroup, never env, no
copies), pods run non-root with a read-only root filesystem, no capabilities and no service
account token, the tracker reaches every ingest through the headless Service and takes its shard
from its ordinal, a preStop delay and --shutdown-grace fit in the termination grace, ingest
replicas spread over hosts and zones, PDBs, requests and limits. Every overlay pins its image's
tag. The monitoring component (PodMonitor, PrometheusRule, Grafana dashboard ConfigMap) is
rendered from the very files Compose's Prometheus and Grafana load.

usage: k8s_test.py REPO_DIR
"""
import json
import os
import re
import subprocess
import sys

import yaml

from checks import check, finish

repo = sys.argv[1]
root = os.path.join(repo, "deploy/k8s")
# Seconds a pod needs beyond its preStop delay and --shutdown-grace to exit.
EXIT_MARGIN = 3


def seconds(duration):
    """Seconds of a RADARHUB_* duration ("10s", "2m", "500ms", a bare number), or None."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", duration)
    return None if not m else float(m[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[m[2]]


# What Compose's monitoring profile loads (docker-compose.yml), to compare with the component.
with open(os.path.join(repo, "docker-compose.yml")) as f:
    compose_services = yaml.safe_load(f)["services"]


def compose_mount(service, target):
    """The host path docker-compose.yml mounts at `target` in `service`, from the repo root."""
    for v in compose_services.get(service, {}).get("volumes", []):
        source, mounted = v.split(":")[:2]
        if mounted == target:
            return os.path.normpath(os.path.join(repo, source))
    return None


with open(os.path.join(repo, "deploy/compose/prometheus.yml")) as f:
    compose_jobs = {j["job_name"] for j in yaml.safe_load(f)["scrape_configs"]}


def render(path):
    try:
        out = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True)
    except FileNotFoundError:
        check(False, "kubectl not found: the test renders with `kubectl kustomize` (kubectl >= 1.27)")
        return []
    if out.returncode != 0:
        check(False, f"kubectl kustomize {path}: {out.stderr.strip()}")
        return []
    return [d for d in yaml.safe_load_all(out.stdout) if d]


overlays = [os.path.join(root, "overlays", d) for d in sorted(os.listdir(os.path.join(root, "overlays")))]
check(overlays, "at least one overlay")
for path in [os.path.join(root, "base")] + overlays:
    name = os.path.relpath(path, root)
    docs = render(path)
    if not docs:
        continue
    by = {}
    for d in docs:
        by.setdefault((d["kind"], d["metadata"]["name"]), d)

    def get(kind, name_):
        """The object of that exact name, or of that name plus a generator's hash suffix."""
        return by.get((kind, name_)) or next(
            (d for (k, n), d in by.items() if k == kind and re.fullmatch(re.escape(name_) +
                                                                          r"-[a-z0-9]{10}", n)),
            None)

    check(get("Namespace", "radarhub") is not None, f"{name}: namespace")
    for d in docs:
        if d["kind"] != "Namespace":
            check(d["metadata"].get("namespace") == "radarhub", f"{name}: {d['kind']} "
                  f"{d['metadata']['name']} in the radarhub namespace")
    ingest_config = get("ConfigMap", "radarhub-ingest-config")
    config = get("ConfigMap", "radarhub-tracker-config")
    check(ingest_config is not None and config is not None and
          ingest_config["metadata"]["name"] != "radarhub-ingest-config",
          f"{name}: a ConfigMap per service from configMapGenerator")
    if ingest_config is None or config is None:
        continue

    ingest = get("Deployment", "radarhub-ingest")
    tracker = get("StatefulSet", "radarhub-tracker")
    check(ingest is not None and tracker is not None, f"{name}: ingest Deployment, tracker StatefulSet")
    if ingest is None or tracker is None:
        continue
    if name == "base":
        check(ingest["spec"]["replicas"] >= 2, "base: at least two ingest replicas")
        check(int(config["data"]["RADARHUB_SHARD_COUNT"]) == tracker["spec"]["replicas"],
              "base: shard count equals tracker replicas")
    else:
        check(int(config["data"]["RADARHUB_SHARD_COUNT"]) == tracker["spec"]["replicas"],
              f"{name}: shard count equals tracker replicas")

    services = [d for d in docs if d["kind"] == "Service"]
    for workload, grpc_port, ports, service_name, settings in (
            (ingest, 50051, {"nodes": 30050, "grpc": 50051, "metrics": 9105}, "radarhub.v1.Ingest",
             ingest_config),
            (tracker, 50061, {"grpc": 50061, "metrics": 9106}, "radarhub.v1.Tracker", config)):
        wname = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        main = pod["containers"][0]
        got = {p["name"]: p["containerPort"] for p in main["ports"]}
        check(got == ports, f"{name}/{wname}: ports {got} (the binaries' defaults {ports})")
        live, ready = main.get("livenessProbe", {}), main.get("readinessProbe", {})
        check(live.get("grpc", {}).get("port") == grpc_port and live["grpc"].get("service", "") == "",
              f"{name}/{wname}: liveness is gRPC health of the process (service \"\")")
        check(ready.get("grpc", {}).get("port") == grpc_port and
              ready["grpc"].get("service") == service_name,
              f"{name}/{wname}: gRPC readiness of {service_name}")
        for c in pod["containers"]:
            if "livenessProbe" in c or "readinessProbe" in c:
                startup = c.get("startupProbe", {})
                check(startup.get("grpc", {}).get("port") == grpc_port and
                      startup["grpc"].get("service", "") == "" and
                      startup.get("failureThreshold", 3) * startup.get("periodSeconds", 10) >= 60,
                      f"{name}/{wname}/{c['name']}: a gRPC startup probe of the process on "
                      f"{grpc_port} allowing at least 60 s: {startup}")
        check([f["configMapRef"]["name"] for f in main.get("envFrom", []) if "configMapRef" in f]
              == [settings["metadata"]["name"]], f"{name}/{wname}: its own ConfigMap")
        labels = workload["spec"]["template"]["metadata"]["labels"]
        selected = [v["metadata"]["name"] for v in services
                    if v["spec"]["selector"].items() <= labels.items()]
        check(selected, f"{name}/{wname}: a Service selects its pods")
        for v in services:
            if v["metadata"]["name"] in selected:
                for p in v["spec"]["ports"]:
                    check(p["targetPort"] in ports, f"{name}: {v['metadata']['name']} targets "
                          f"{p['targetPort']}, a port {wname} names")
        sc = pod.get("securityContext", {})
        check(sc.get("runAsNonRoot") is True and sc.get("runAsUser", 0) != 0,
              f"{name}/{wname}: runs as non-root")
        check(pod.get("automountServiceAccountToken") is False,
              f"{name}/{wname}: no service account token mounted")
        for c in pod.get("initContainers", []) + pod["containers"]:
            csc = c.get("securityContext", {})
            check(csc.get("readOnlyRootFilesystem") is True and
                  csc.get("allowPrivilegeEscalation") is False and
                  csc.get("capabilities", {}).get("drop") == ["ALL"],
                  f"{name}/{wname}/{c['name']}: read-only root, no escalation, capabilities dropped")
            check("requests" in c.get("resources", {}) and "limits" in c.get("resources", {}),
                  f"{name}/{wname}/{c['name']}: requests and limits")
            for e in c.get("env", []):
                check("secretKeyRef" not in e.get("valueFrom", {}),
                      f"{name}/{wname}: secret {e['name']} in env")
            check(not any("secretRef" in f for f in c.get("envFrom", [])),
                  f"{name}/{wname}: secrets in envFrom")
        # The Secret mounted directly, read-only: its files root's and group fsGroup's, readable
        # by the service through that group and by nobody else (the services refuse files others
        # can read or write). No init container copies them, no emptyDir holds copies.
        secret = get("Secret", "radarhub-secrets")
        secret_name = secret["metadata"]["name"] if secret else "radarhub-secrets"
        secret_volumes = [v for v in pod.get("volumes", []) if "secret" in v]
        check(len(secret_volumes) == 1 and secret_volumes[0]["secret"]["secretName"] == secret_name,
              f"{name}/{wname}: one volume of the Secret {secret_name}: {secret_volumes}")
        check(isinstance(sc.get("fsGroup"), int) and sc["fsGroup"] > 0,
              f"{name}/{wname}: fsGroup set (the Secret's files are the group's): {sc}")
        modes = [v["secret"].get("defaultMode", 0o644) for v in secret_volumes] + [
            i["mode"] for v in secret_volumes for i in v["secret"].get("items", []) if "mode" in i]
        check(modes and all(m & 0o007 == 0 and m & 0o022 == 0 and m & 0o040 for m in modes),
              f"{name}/{wname}: secret files group-readable, nothing for others (0440): "
              f"{[oct(m) for m in modes]}")
        for c in pod.get("initContainers", []):
            check(not {m["name"] for m in c.get("volumeMounts", [])} &
                  {v["name"] for v in secret_volumes},
                  f"{name}/{wname}/{c['name']}: an init container handling the secrets")
        check(not any("emptyDir" in v for v in pod.get("volumes", [])),
              f"{name}/{wname}: no emptyDir (for copies of secrets)")
        secret_mounts = [m for m in main.get("volumeMounts", [])
                         if secret_volumes and m["name"] == secret_volumes[0]["name"]]
        check(len(secret_mounts) == 1 and secret_mounts[0].get("readOnly") is True and
              "subPath" not in secret_mounts[0],
              f"{name}/{wname}: the Secret mounted read-only, whole (a subPath never updates)")
        env = {e["name"]: e.get("value", "") for e in main.get("env", [])}
        token_files = {"RADARHUB_API_TOKEN_FILE"} | (
            {"RADARHUB_TOKENS_FILE"} if workload is ingest else set())
        check(token_files <= env.keys(), f"{name}/{wname}: reads {sorted(token_files)}: {env}")
        if secret_mounts:
            items = secret_volumes[0]["secret"].get("items")
            files = ({i["path"]: i["key"] for i in items} if items is not None else
                     {k: k for k in (secret or {}).get("data", {})})
            for k in token_files & env.keys():
                file = os.path.relpath(env[k], secret_mounts[0]["mountPath"])
                check(file in files and (secret is None or files[file] in secret.get("data", {})),
                      f"{name}/{wname}: {k}={env[k]} is a file of the Secret mounted at "
                      f"{secret_mounts[0]['mountPath']} ({sorted(files)})")
        # Stopping: the preStop delay (endpoints go, health turns NOT_SERVING elsewhere first),
        # then SIGTERM and --shutdown-grace, then the exit: all within the termination grace.
        grace = seconds(settings["data"].get("RADARHUB_SHUTDOWN_GRACE", ""))
        pre_stop = main.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        delay = seconds(pre_stop[1]) if len(pre_stop) == 2 and pre_stop[0] == "sleep" else None
        check(delay is not None and 1 <= delay <= 30,
              f"{name}/{wname}: a preStop `sleep` of 1 to 30 s before SIGTERM: {pre_stop}")
        termination = pod.get("terminationGracePeriodSeconds", 30)
        check(grace is not None and delay is not None and
              termination >= delay + grace + EXIT_MARGIN,
              f"{name}/{wname}: termination grace {termination} s covers preStop {delay} s + "
              f"--shutdown-grace {grace} s + {EXIT_MARGIN} s to exit")
        # An overlay runs a released or local image by a fixed tag, never :latest.
        for c in pod.get("initContainers", []) + pod["containers"]:
            image = c.get("image", "")
            last = image.split("/")[-1]
            tag = last.rpartition(":")[2] if ":" in last else ""
            if name != "base":
                check("@sha256:" in image or (tag and tag != "latest"),
                      f"{name}/{wname}/{c['name']}: image {image} pinned to a tag")
        pdb = get("PodDisruptionBudget", wname)
        check(pdb is not None and pdb["spec"]["selector"]["matchLabels"] ==
              workload["spec"]["selector"]["matchLabels"], f"{name}/{wname}: PodDisruptionBudget")

    io_threads = next((e for e in ingest["spec"]["template"]["spec"]["containers"][0]["env"]
                       if e["name"] == "RADARHUB_IO_THREADS"), {})
    check(io_threads.get("valueFrom", {}).get("resourceFieldRef", {}).get("resource")
          == "limits.cpu", f"{name}: ingest I/O threads follow the CPU limit")
    # The tracker's shard is its StatefulSet ordinal; it finds every ingest via the headless name.
    command = " ".join(tracker["spec"]["template"]["spec"]["containers"][0]["command"])
    check("--shard-index" in command and "HOSTNAME##*-" in command,
          f"{name}: tracker shard index from its ordinal")
    headless = get("Service", "radarhub-ingest-headless")
    check(headless is not None and headless["spec"].get("clusterIP") == "None",
          f"{name}: headless ingest Service")
    check(config["data"]["RADARHUB_INGEST"] == "dns:///radarhub-ingest-headless:50051",
          f"{name}: tracker resolves the headless Service")
    nodes = get("Service", "radarhub-ingest-nodes")
    check(nodes is not None and nodes["spec"]["ports"][0]["port"] == 30050, f"{name}: nodes on 30050")
    if name == "base":
        check(nodes["spec"]["type"] == "LoadBalancer" and
              nodes["spec"].get("externalTrafficPolicy") == "Local",
              "base: TCP LoadBalancer for nodes, externalTrafficPolicy Local")
    grpc = get("Service", "radarhub-ingest")
    check(grpc is not None and grpc["spec"]["type"] == "ClusterIP" and
          {p["port"] for p in grpc["spec"]["ports"]} >= {50051}, f"{name}: ClusterIP for gRPC")
    tracker_headless = get("Service", tracker["spec"]["serviceName"])
    check(tracker_headless is not None and tracker_headless["spec"].get("clusterIP") == "None",
          f"{name}: per-shard DNS names through the tracker's headless Service")

    # Ingest replicas on different hosts (hard), and zones where there are (best effort).
    ingest_pod = ingest["spec"]["template"]
    spread = {t["topologyKey"]: t for t in ingest_pod["spec"].get("topologySpreadConstraints", [])}
    for key, when in (("kubernetes.io/hostname", ("DoNotSchedule", "ScheduleAnyway")),
                      ("topology.kubernetes.io/zone", ("ScheduleAnyway",))):
        t = spread.get(key, {})
        check(t.get("maxSkew") == 1 and t.get("whenUnsatisfiable") in when and
              t.get("labelSelector", {}).get("matchLabels", {None: None}).items()
              <= ingest_pod["metadata"]["labels"].items(),
              f"{name}: ingest replicas spread by {key} ({' or '.join(when)}): {t}")

    if name == "overlays/dev":
        check(get("Secret", "radarhub-secrets") is not None, f"{name}: the Secret is generated")
    if name == "overlays/production":
        # No tokens in the repo: the Secret exists in the cluster, made and updated outside.
        check(get("Secret", "radarhub-secrets") is None,
              f"{name}: the Secret is the cluster's, not generated from files here")
        images = {c["image"] for w in (ingest, tracker) for c in w["spec"]["template"]["spec"]
                  ["containers"]}
        check(len(images) == 1 and re.fullmatch(r"ghcr\.io/radarhub/radarhub:\d+\.\d+\.\d+",
                                                next(iter(images))),
              f"{name}: the released image ghcr.io/radarhub/radarhub at a version: {images}")
        check(get("PodMonitor", "radarhub") is not None, f"{name}: uses the monitoring component")
    if name != "base":
        with open(os.path.join(path, "kustomization.yaml")) as f:
            pins = {i["name"]: i for i in yaml.safe_load(f).get("images", [])}
        pin = pins.get("radarhub", {})
        check(pin.get("digest") or str(pin.get("newTag", "")) not in ("", "latest"),
              f"{name}: kustomization.yaml pins the radarhub image's tag: {pin}")

    # The monitoring component, where an overlay uses it: the same rules and dashboard as Compose.
    monitor = get("PodMonitor", "radarhub")
    if monitor is None:
        continue
    selector = monitor["spec"]["selector"]
    for workload in (ingest, tracker):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        selected = all(labels.get(e["key"]) in e["values"] and e["operator"] == "In"
                       for e in selector.get("matchExpressions", [])) and \
            selector.get("matchLabels", {}).items() <= labels.items()
        ports = [p["name"] for p in workload["spec"]["template"]["spec"]["containers"][0]["ports"]]
        check(selected and any(e.get("port") in ports and e.get("port") == "metrics"
                               for e in monitor["spec"]["podMetricsEndpoints"]),
              f"{name}: the PodMonitor scrapes {workload['metadata']['name']}'s metrics port")
        # Its job label is the pods' app.kubernetes.io/name: Compose's job names, which the rules
        # select on.
        check(labels.get(monitor["spec"].get("jobLabel")) in compose_jobs,
              f"{name}: {workload['metadata']['name']}'s job is one of Compose's {compose_jobs}")
    rule = get("PrometheusRule", "radarhub")
    rules_file = compose_mount("prometheus", "/etc/prometheus/rules/radarhub.rules.yml")
    if check(rule is not None and rules_file and os.path.isfile(rules_file),
             f"{name}: a PrometheusRule, and the rules file Compose's Prometheus mounts"):
        with open(rules_file) as f:
            check(rule["spec"]["groups"] == yaml.safe_load(f)["groups"],
                  f"{name}: the PrometheusRule's groups are {os.path.relpath(rules_file, repo)}'s "
                  "(run deploy/k8s/components/monitoring/sync-rules)")
        check(os.path.dirname(rules_file).startswith(os.path.join(root, "components") + os.sep),
              f"{name}: the one rules file lives in a component, where kustomize may load it")
        check(monitor["metadata"]["namespace"] == rule["metadata"]["namespace"] == "radarhub",
              f"{name}: monitoring objects in the radarhub namespace")
    dashboard = get("ConfigMap", "radarhub-dashboard")
    dashboards_dir = compose_mount("grafana", "/var/lib/grafana/dashboards")
    if check(dashboard is not None and dashboards_dir and
             os.path.isfile(os.path.join(dashboards_dir, "radarhub.json")),
             f"{name}: a dashboard ConfigMap, and the dashboard Compose's Grafana mounts"):
        with open(os.path.join(dashboards_dir, "radarhub.json")) as f:
            board = f.read()
        check(dashboard["data"] == {"radarhub.json": board},
              f"{name}: the dashboard ConfigMap holds {os.path.relpath(dashboards_dir, repo)}"
              "/radarhub.json as it is")
        check(dashboard["metadata"].get("labels", {}).get("grafana_dashboard") == "1",
              f"{name}: the dashboard ConfigMap is labelled for Grafana's sidecar")
        check(dashboard["metadata"]["name"] == "radarhub-dashboard",
              f"{name}: one dashboard ConfigMap name for every version (no hash suffix)")
        check(all(p["datasource"]["uid"] == "prometheus" for p in json.loads(board)["panels"]),
              f"{name}: the dashboard's panels query the datasource uid prometheus")

check({"overlays/dev", "overlays/production"} <= {os.path.relpath(o, root) for o in overlays},
      "overlays dev and production")
for component in sorted(os.listdir(os.path.join(root, "components"))) if os.path.isdir(
        os.path.join(root, "components")) else []:
    with open(os.path.join(root, "components", component, "kustomization.yaml")) as f:
        check(yaml.safe_load(f).get("kind") == "Component", f"components/{component}: a Component")
check(os.path.isdir(os.path.join(root, "components/monitoring")), "components/monitoring")

# The dev overlay's demo secrets are the Compose demo's values (one set of demo values to replace).
for f in ("node-tokens", "api-token"):
    with open(os.path.join(root, "overlays/dev/secrets", f)) as a, \
            open(os.path.join(repo, "deploy/compose/secrets", f)) as b:
        check(a.read() == b.read(), f"overlays/dev/secrets/{f} equals deploy/compose/secrets/{f}")

finish(f"base and {len(overlays)} overlay(s)")
