#!/usr/bin/python3
"""The Dockerfile checked statically (no container engine runs here): two stages from Debian
bookworm; the build stage installs only packages the README's command installs; the runtime stage
holds exactly the shared libraries the built binaries link (by ldd and dpkg -S on this bookworm
machine), no build tools, a non-root user, a health check through `radarhub health`, OCI labels.

usage: dockerfile_test.py REPO_DIR BINARY...
"""
import os
import re
import subprocess
import sys

from checks import check, finish

repo, binaries = sys.argv[1], sys.argv[2:]


def instructions(text):
    """(keyword, argument) per Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arg = line.partition(" ")
        out.append((keyword.upper(), arg.strip()))
    return out


def apt_packages(run_arg):
    m = re.search(r"apt-get install(.*?)(&&|$)", run_arg)
    if not m:
        return set()
    return {w for w in m.group(1).split() if not w.startswith("-")}


with open(os.path.join(repo, "Dockerfile")) as f:
    steps = instructions(f.read())
stages = []
for keyword, arg in steps:
    if keyword == "FROM":
        stages.append({"from": arg, "steps": []})
    elif stages:
        stages[-1]["steps"].append((keyword, arg))
check(len(stages) == 2, "two stages: build and runtime")
build, runtime = stages[0], stages[-1]
check(build["from"].startswith("debian:bookworm ") or build["from"] == "debian:bookworm AS build",
      "build stage FROM debian:bookworm")
check(runtime["from"] == "debian:bookworm-slim", "runtime stage FROM debian:bookworm-slim")

# The build stage installs what the README's command installs, no more.
with open(os.path.join(repo, "tools/dev")) as f:
    dev = f.read()
readme_packages = set(re.search(r"^PACKAGES=\((.*?)\)", dev, re.S | re.M).group(1).split())
build_packages = set().union(*(apt_packages(a) for k, a in build["steps"] if k == "RUN"))
check(build_packages and build_packages <= readme_packages,
      f"build stage packages not installed by tools/dev: {sorted(build_packages - readme_packages)}")

# The runtime stage: exactly the libraries the binaries need (plus CA roots for TLS clients).
runtime_packages = set().union(*(apt_packages(a) for k, a in runtime["steps"] if k == "RUN"))
# Every library any binary links, then one dpkg query for all of them (dpkg -S is slow per call).
libraries = set()
for binary in binaries:
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libraries.update(re.findall(r"=> (/\S+)", ldd))
candidates = sorted({c for path in libraries for c in (path, os.path.realpath(path))})
owners = {}  # path -> package; dpkg prints "pkg[, pkg2][:arch]: /path" per path it knows
dpkg = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True).stdout
for line in dpkg.splitlines():
    packages, _, path = line.partition(": ")
    owners[path] = packages.split(",")[0].split(":")[0].strip()
needed = set()
for path in sorted(libraries):
    owner = owners.get(os.path.realpath(path)) or owners.get(path)
    check(owner is not None, f"no Debian package owns {path}")
    # Sanitizer runtimes come with the test suite's ASan build, never with a release image.
    if owner and not re.match(r"lib(asan|ubsan|tsan|lsan)\d", owner):
        needed.add(owner)
in_slim_base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}  # essential in bookworm-slim
missing = needed - in_slim_base - runtime_packages
check(not missing, f"runtime stage lacks packages the binaries link: {sorted(missing)}")
extra = runtime_packages - needed - {"ca-certificates"}
check(not extra, f"runtime stage installs packages no binary links: {sorted(extra)}")
tools = {p for p in runtime_packages
         if p.endswith("-dev") or p in {"g++", "gcc", "clang", "cmake", "ninja-build", "pkg-config"}
         or p.startswith("protobuf-compiler")}
check(not tools, f"build tools in the runtime stage: {sorted(tools)}")

runtime_text = "\n".join(f"{k} {a}" for k, a in runtime["steps"])
copies = [a for k, a in runtime["steps"] if k == "COPY"]
check(copies and all(a.startswith("--from=build ") for a in copies),
      "the runtime stage copies only from the build stage (no sources, no secrets)")
check(not re.search(r"^(ENV|ARG) \S*(TOKEN|SECRET|PASSWORD|KEY)\S*=", runtime_text, re.M | re.I),
      "no secrets in ENV or ARG")
users = [a for k, a in runtime["steps"] if k == "USER"]
check(users and not users[-1].split(":")[0] in ("0", "root"), "runs as a non-root user")
check(re.search(r"^HEALTHCHECK .*CMD \[\"radarhub\", \"health\"", runtime_text, re.M),
      "HEALTHCHECK through radarhub health")
for label in ("title", "description", "source", "licenses"):
    check(f"org.opencontainers.image.{label}=" in runtime_text, f"OCI label {label}")
exposed = set(" ".join(a for k, a in runtime["steps"] if k == "EXPOSE").split())
check({"30050", "50051", "9105", "50061", "9106"} <= exposed, "exposes operations.md's ports")
build_text = "\n".join(f"{k} {a}" for k, a in build["steps"])
for name in ("radarhub-ingest", "radarhub-tracker", "radarhub"):
    check(re.search(rf"/{name}(\s|$)", build_text), f"the image holds {name}")

with open(os.path.join(repo, ".dockerignore")) as f:
    ignored = {line.strip() for line in f if line.strip() and not line.startswith("#")}
for entry in (".git", "build*"):
    check(entry in ignored, f".dockerignore leaves out {entry}")

finish(f"runtime packages {sorted(runtime_packages)} cover {sorted(needed - in_slim_base)}")
