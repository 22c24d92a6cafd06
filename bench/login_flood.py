#!/usr/bin/python3
# A token brute force from one address at full speed against a real radarhub-ingest for SECS
# seconds: how many guesses reached the token check (closed `auth`) and how many were refused at
# accept (`auth_throttled`), and the log lines it cost (issue 14). Loopback only.
# Usage: bench/login_flood.py   (BUILD=build SECS=20)
import os, re, socket, threading, time

from ingest_proc import scrape, start_ingest

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
secs = float(os.environ.get("SECS", "20"))
p, ports = start_ingest(["--token", "right"], metrics=True)
log_lines = []
threading.Thread(target=lambda: log_lines.extend(p.stderr), daemon=True).start()
attempts = 0
end = time.time() + secs
while time.time() < end:
    s = socket.create_connection(("127.0.0.1", ports["node"]))
    try:
        s.sendall(b'{"node_id":"radar1","token":"guess%d","type":"heartbeat"}\n' % attempts)
        s.recv(1)  # until closed
    except OSError:
        pass  # refused at accept: reset before or while we wrote
    s.close()
    attempts += 1
page = scrape(ports["metrics"])
def closed(reason):
    m = re.search(r'radarhub_ingest_connections_closed_total\{reason="%s"\} (\S+)' % reason, page)
    return int(float(m.group(1))) if m else 0
p.terminate(); p.wait()
time.sleep(0.2)
line = (f"{secs:.0f} s: {attempts} connections, {closed('auth')} reached the token check, "
        f"{closed('auth_throttled')} refused at accept; {len(log_lines)} log lines, "
        f"{sum(len(l) for l in log_lines)} bytes")
print(line)
with open("bench/results/login_flood.txt", "a") as out:
    out.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line + "\n")
