#!/usr/bin/python3
# Ingest memory with Subscribe streams that never read (issue 14): NODES simulated nodes at 10 Hz,
# then STREAMS Subscribe calls (every node, frames) that read nothing for HOLD seconds, then they
# go. Prints the ingest's RSS before, during and after. Extra arguments go to the ingest (e.g.
# `--subscriber-memory 1TiB` for no budget). Loopback only.
# Usage: bench/stalled_subscribers.py [ingest flags]   (BUILD=build NODES=200 STREAMS=500 HOLD=30)
import os, subprocess, sys, time

import grpc

from ingest_proc import rss_mb as rss_of, start_ingest

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
build = os.environ.get("BUILD", "build")
nodes, streams, hold = (int(os.environ.get(k, d)) for k, d in
                        (("NODES", "200"), ("STREAMS", "500"), ("HOLD", "30")))
ingest, ports = start_ingest(["--token", "t", "--log-level", "error", "--max-subscribers",
                              str(streams + 10)] + sys.argv[1:])
rss_mb = lambda: rss_of(ingest.pid)


sim = subprocess.Popen([os.path.join(build, "tools/radarhub"), "node", "--ingest",
                        f"127.0.0.1:{ports['node']}", "--token", "t", "--nodes", str(nodes),
                        "--rate", "10", "--duration", f"{hold + 40}s"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(10)
before = rss_mb()
channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}")
subscribe = channel.unary_stream("/radarhub.v1.Ingest/Subscribe",
                                 request_serializer=lambda b: b, response_deserializer=lambda b: b)
calls = [subscribe(b"\x10\x01") for _ in range(streams)]  # frames: true; never read
time.sleep(hold)
during = rss_mb()
for call in calls:
    call.cancel()
channel.close()
time.sleep(5)
after = rss_mb()
sim.terminate(); sim.wait()
ingest.terminate(); ingest.wait()
line = (f"{' '.join(sys.argv[1:]) or 'defaults'}: {nodes} nodes x 10 Hz, {streams} streams that "
        f"never read for {hold} s: ingest RSS {before} MB before, {during} MB during, "
        f"{after} MB after they went")
print(line)
with open("bench/results/stalled_subscribers.txt", "a") as out:
    out.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line + "\n")
