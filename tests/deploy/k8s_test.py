#!/usr/bin/python3
"""deploy/k8s rendered offline with `kubectl kustomize` (base and every overlay), then the facts
operations.md and the README promise are asserted on the objects: ports match the binaries'
defaults, probes are native gRPC on the right ports and liveness asks about the process only,
secrets are mounted as files (never env), pods run non-root with a read-only root filesystem and
no capabilities, the tracker reaches every ingest through the headless Service and takes its
shard from its ordinal, grace covers --shutdown-grace, PDBs, requests and limits.

usage: k8s_test.py REPO_DIR
"""
import os
import re
import subprocess
import sys

import yaml

from checks import check, finish

repo = sys.argv[1]
root = os.path.join(repo, "deploy/k8s")


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
        secret_volumes = [v for v in pod.get("volumes", []) if "secret" in v]
        check(secret_volumes and all(v["secret"]["secretName"].startswith("radarhub-secrets")
                                     for v in secret_volumes), f"{name}/{wname}: secret volume")
        env = {e["name"]: e.get("value", "") for e in main.get("env", [])}
        token_files = {"RADARHUB_API_TOKEN_FILE"} | (
            {"RADARHUB_TOKENS_FILE"} if workload is ingest else set())
        check(token_files <= env.keys(), f"{name}/{wname}: reads {sorted(token_files)}: {env}")
        copy = " ".join(pod["initContainers"][0]["command"]) if pod.get("initContainers") else ""
        for k in token_files & env.keys():
            path = env[k]
            check(path.startswith("/run/radarhub/") and
                  f"/secrets-in/{os.path.basename(path)}" in copy and "-m 0400" in copy,
                  f"{name}/{wname}: {k}={path} is a 0400 copy the init container makes: {copy}")
        grace = settings["data"].get("RADARHUB_SHUTDOWN_GRACE", "")
        check(re.fullmatch(r"\d+s", grace) and
              pod.get("terminationGracePeriodSeconds", 30) > int(grace[:-1]),
              f"{name}/{wname}: termination grace above --shutdown-grace ({grace})")
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
    if name != "base":
        check(get("Secret", "radarhub-secrets") is not None, f"{name}: the Secret is generated")

# The dev overlay's demo secrets are the Compose demo's values (one set of demo values to replace).
for f in ("node-tokens", "api-token"):
    with open(os.path.join(root, "overlays/dev/secrets", f)) as a, \
            open(os.path.join(repo, "deploy/compose/secrets", f)) as b:
        check(a.read() == b.read(), f"overlays/dev/secrets/{f} equals deploy/compose/secrets/{f}")

finish(f"base and {len(overlays)} overlay(s)")
