"""The radarhub services as Python tests run them: real processes on loopback port 0.

Imported by tests/integration/*/ *_test.py (they put this folder on sys.path).
"""
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

# Variables of the caller's shell must not change what the binaries under test see.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("RADARHUB_")}


class Service:
    """A service, up once it logs 'started'; its ports from its 'listening' lines."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True,
                                     env=dict(CLEAN_ENV, **(env or {})))
        self.ports = {}
        self.log = []
        while True:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("%s exited: %s" % (args[0], "".join(self.log)))
            self.log.append(line)
            m = re.match(r"listening (\w+) .*:(\d+)$", line.strip())
            if m:
                self.ports[m.group(1)] = int(m.group(2))
            if " started" in line:
                break
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def address(self, name):
        return "127.0.0.1:%d" % self.ports[name]

    def logged(self, text):
        return any(text in line for line in self.log)

    def metrics(self):
        with urllib.request.urlopen("http://%s/metrics" % self.address("metrics"),
                                    timeout=5) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)


def eventually(predicate, what, seconds=20):
    """Polls `predicate` until it returns something true (returned), or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)
