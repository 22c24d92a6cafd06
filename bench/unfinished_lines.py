#!/usr/bin/python3
# Ingest RSS while 1,000 connections each hold 960 KiB of an unfinished first line, and after they
# close (issue 14). Extra arguments go to the ingest, e.g. `--line-memory 1TiB` for no budget.
# Loopback only. Usage: bench/unfinished_lines.py [ingest flags]   (BUILD=build)
import os, socket, sys, time

from ingest_proc import rss_mb, start_ingest

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
args = sys.argv[1:]
p, ports = start_ingest(["--token", "t", "--max-pending-per-address", "5000", "--log-level",
                         "error"] + args)
port = ports["node"]
rss = lambda: rss_mb(p.pid)
base = rss()
socks = []
chunk = b'{"node_id":"x","token":"' + b"a" * (960 * 1024)
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); s.setblocking(False)
    socks.append(s)
    try: s.send(chunk)
    except BlockingIOError: pass
time.sleep(3)
during = rss()
for s in socks: s.close()
time.sleep(3)
after = rss()
line = f"{' '.join(args) or 'defaults'}: RSS before {base} MB, during {during} MB, after close {after} MB"
print(line)
with open("bench/results/unfinished_lines.txt", "a") as out:
    out.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line + "\n")
p.terminate(); p.wait()
