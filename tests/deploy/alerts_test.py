#!/usr/bin/python3
"""The alert rules, deploy/k8s/components/monitoring/radarhub.rules.yml (the one copy: Compose's
Prometheus loads it, the Kubernetes PrometheusRule is made from it), checked with Debian's
promtool: `promtool check rules`; `promtool check config` on deploy/compose/prometheus.yml laid
out as docker-compose.yml mounts it, so its rule_files find the rules; `promtool test rules` over
tests/deploy/radarhub.rules.test.yml, series in which each alert fires and others in which it does
not. Also: every alert has a `for`, a severity and a summary and description, names only metrics
the services export, and fires somewhere in the unit tests.

usage: alerts_test.py REPO_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

from checks import check, finish

repo = sys.argv[1]
rules_file = os.path.join(repo, "deploy/k8s/components/monitoring/radarhub.rules.yml")
unit_tests = os.path.join(repo, "tests/deploy/radarhub.rules.test.yml")

if not shutil.which("promtool"):
    print("FAIL: promtool not found: apt-get install prometheus (tools/dev test does)")
    sys.exit(1)


def promtool(*args):
    out = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)
    return out.returncode, (out.stdout + out.stderr).strip()


with open(rules_file) as f:
    rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
alerts = [r for r in rules if "alert" in r]
check(len(alerts) == len(rules) and len(alerts) >= 5, f"alerting rules only: {len(alerts)}")

rc, out = promtool("check", "rules", rules_file)
check(rc == 0 and f"SUCCESS: {len(rules)} rules found" in out, f"promtool check rules: {out}")

# The monitoring profile's Prometheus, its files where docker-compose.yml mounts them.
with open(os.path.join(repo, "docker-compose.yml")) as f:
    prometheus = yaml.safe_load(f)["services"]["prometheus"]
root = tempfile.mkdtemp(prefix="radarhub-alerts-")
try:
    for volume in prometheus.get("volumes", []):
        source, target = volume.split(":")[:2]
        os.makedirs(os.path.dirname(root + target), exist_ok=True)
        shutil.copy(os.path.join(repo, source), root + target)
    config = root + "/etc/prometheus/prometheus.yml"
    if check(os.path.exists(config), "docker-compose.yml mounts /etc/prometheus/prometheus.yml"):
        rc, out = promtool("check", "config", config)
        check(rc == 0 and "SUCCESS: 1 rule files found" in out and
              f"SUCCESS: {len(rules)} rules found" in out,
              f"promtool check config (Compose's layout) finds the rules file: {out}")
        mounted = glob.glob(root + "/etc/prometheus/rules/*")
        check(len(mounted) == 1 and open(mounted[0]).read() == open(rules_file).read(),
              f"Compose's Prometheus loads {os.path.relpath(rules_file, repo)}: {mounted}")
finally:
    shutil.rmtree(root, ignore_errors=True)

rc, out = promtool("test", "rules", unit_tests)
check(rc == 0 and "SUCCESS" in out, f"promtool test rules {unit_tests}:\n{out}")

# Metric names the services export: the families of services/*/*_metrics.cpp and of the shared
# gRPC server (radarhub_build_info); histograms also as _bucket, _sum and _count.
exported = set()
for source in glob.glob(os.path.join(repo, "services/*/*_metrics.cpp")) + [
        os.path.join(repo, "libs/service/src/grpc_server.cpp")]:
    with open(source) as f:
        for name, kind in re.findall(r'Family\(\s*"(radarhub_\w+)",.*?MetricType::(\w+)', f.read(),
                                     re.S):
            exported |= {name} | ({name + s for s in ("_bucket", "_sum", "_count")}
                                  if kind == "Histogram" else set())
check("radarhub_tracker_node_healthy" in exported, f"metric families found: {sorted(exported)}")

with open(unit_tests) as f:
    cases = yaml.safe_load(f)["tests"]
fired = {t["alertname"] for c in cases for t in c.get("alert_rule_test", []) if t.get("exp_alerts")}
quiet = {t["alertname"] for c in cases for t in c.get("alert_rule_test", [])
         if not t.get("exp_alerts")}
for a in alerts:
    name = a["alert"]
    check(re.fullmatch(r"\d+[smh]", str(a.get("for", ""))), f"{name}: a `for` duration")
    check(a.get("labels", {}).get("severity") in ("warning", "critical"), f"{name}: severity")
    check({"summary", "description"} <= a.get("annotations", {}).keys(),
          f"{name}: summary and description annotations")
    used = set(re.findall(r"\b(radarhub_\w+)", a["expr"]))
    check(used <= exported, f"{name}: metrics the services do not export: {used - exported}")
    check(name in fired and name in quiet,
          f"{name}: unit tests where it fires and where it does not (fired: {sorted(fired)}, "
          f"quiet: {sorted(quiet)})")

finish(f"{len(alerts)} alerts: promtool check rules, check config, test rules")
