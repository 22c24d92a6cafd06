#!/usr/bin/python3
"""The command lines of radarhub-ingest, radarhub-tracker and radarhub, as scripts use them.

Real binaries on loopback: --version and radarhub_build_info, exit codes (0 ok, 1 failure, 2
usage), set-but-empty RADARHUB_* variables, range checks, switch defaults in --help; `status`,
`tracks` and `health` against a tracker that wants an API token, with and without --json; signals
(SIGINT then SIGTERM) in every long-running subcommand; tools/demo.sh when its terminal closes.

usage: cli_test.py BUILD_DIR SOURCE_DIR [unittest arguments, e.g. a TestCase name]
"""
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BUILD, SOURCE = sys.argv[1:3]
sys.path.insert(0, os.path.join(SOURCE, "tests/support"))
from services import CLEAN_ENV, Service, eventually  # noqa: E402
INGEST = os.path.join(BUILD, "services/ingest/radarhub-ingest")
TRACKER = os.path.join(BUILD, "services/tracker/radarhub-tracker")
CLI = os.path.join(BUILD, "tools/radarhub")
API_TOKEN = "cli-test-api-token"


def run(args, env=None, timeout=30):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env=dict(CLEAN_ENV, **(env or {})))


def start_ingest(*extra, env=None):
    return Service([INGEST, "--node-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
                    "--metrics-listen", "127.0.0.1:0", "--allow-unauthenticated",
                    "--shutdown-grace", "2s", *extra], env)


def start_tracker(ingest, *extra, env=None):
    return Service([TRACKER, "--ingest", ingest.address("grpc"), "--grpc-listen", "127.0.0.1:0",
                    "--metrics-listen", "127.0.0.1:0", "--shutdown-grace", "2s", *extra], env)


class VersionAndBuildInfo(unittest.TestCase):
    VERSION = re.compile(r"^(radarhub|radarhub-ingest|radarhub-tracker) \d+\.\d+\.\d+ "
                         r"\(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$")

    def test_every_binary_prints_version_and_commit(self):
        commits = set()
        for binary in (INGEST, TRACKER, CLI):
            r = run([binary, "--version"])
            self.assertEqual(r.returncode, 0, r.stderr)
            line = r.stdout.strip()
            self.assertRegex(line, self.VERSION)
            self.assertEqual(line.split()[0], os.path.basename(binary))
            commits.add(line.split()[-1])
        self.assertEqual(len(commits), 1, "one build, one commit: %s" % commits)

    def test_both_services_export_radarhub_build_info(self):
        version = run([CLI, "--version"]).stdout.split()
        expected = 'radarhub_build_info{version="%s",commit="%s"} 1' % (
            version[1], version[-1].rstrip(")"))
        ingest = start_ingest()
        try:
            tracker = start_tracker(ingest)
            try:
                for service in (ingest, tracker):
                    self.assertIn(expected, service.metrics().splitlines())
            finally:
                tracker.stop()
        finally:
            ingest.stop()


class ExitCodes(unittest.TestCase):
    def assert_usage(self, args, message, env=None):
        r = run(args, env)
        self.assertEqual(r.returncode, 2, "%s: %s%s" % (args, r.stdout, r.stderr))
        self.assertIn(message, r.stderr)
        return r

    def test_cli_usage_errors_exit_2_with_a_reason(self):
        r = self.assert_usage([CLI, "nosuch"], "radarhub: unknown subcommand 'nosuch'")
        self.assertIn("tracks", r.stderr)  # it lists what there is
        self.assert_usage([CLI], "A subcommand is required")
        self.assert_usage([CLI, "node", "--bogus"], "--bogus")
        self.assert_usage([CLI, "status", "--interval", "soon"], "--interval")
        self.assert_usage([CLI, "tracks", "--status", "lost"], "--status")
        self.assert_usage([CLI, "node", "--nodes", "0"], "--nodes")

    def test_help_and_version_exit_0(self):
        for args in ([CLI, "--help"], [CLI, "tracks", "--help"], [INGEST, "--help"],
                     [TRACKER, "--help"], [TRACKER, "--version"]):
            self.assertEqual(run(args).returncode, 0, args)

    def test_a_failed_check_exits_1(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
            target = "127.0.0.1:%d" % s.getsockname()[1]
            r = run([CLI, "health", "--grpc", target, "--timeout", "1s"])
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            r = run([CLI, "tracks", "--tracker", target])
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("UNAVAILABLE", r.stderr)

    def test_numeric_settings_are_range_checked(self):
        for flag, value in (("--max-detections", "-1"), ("--replay-frames", "-1"),
                            ("--max-subscribers", "0"), ("--io-threads", "0")):
            self.assert_usage([INGEST, flag, value], flag)
        for flag, value in (("--shard-index", "-1"), ("--queue-size", "0"),
                            ("--track-min-snr", "nan"), ("--track-gate", "inf")):
            self.assert_usage([TRACKER, flag, value], flag)

    def test_help_shows_the_default_of_every_switch(self):
        ingest = run([INGEST, "--help"]).stdout
        self.assertIn("--tcp-nodelay,--no-tcp-nodelay=on (Env:RADARHUB_TCP_NODELAY)", ingest)
        self.assertIn("--allow-unauthenticated=off (Env:RADARHUB_ALLOW_UNAUTHENTICATED)", ingest)
        self.assertNotIn("{false}", ingest)
        self.assertIn("--ingest-tls=off", run([TRACKER, "--help"]).stdout)
        self.assertIn("--follow=off", run([CLI, "tracks", "--help"]).stdout)


class EmptyEnvironment(unittest.TestCase):
    def test_empty_metrics_listen_turns_metrics_off(self):
        for binary in (INGEST, TRACKER):
            args = [binary, "--grpc-listen", "127.0.0.1:0", "--shutdown-grace", "1s"]
            if binary == INGEST:
                args += ["--node-listen", "127.0.0.1:0", "--allow-unauthenticated"]
            service = Service(args, env={"RADARHUB_METRICS_LISTEN": ""})
            try:
                self.assertIn("grpc", service.ports)
                self.assertNotIn("metrics", service.ports, "".join(service.log))
            finally:
                service.stop()
            self.assertEqual(service.proc.returncode, 0)

    def test_an_empty_number_or_switch_is_a_usage_error_naming_the_variable(self):
        for name, expected in (("RADARHUB_IO_THREADS", "expected INT"),
                               ("RADARHUB_TCP_NODELAY", "expected true or false"),
                               ("RADARHUB_LOG_FORMAT", "not in {text,json}")):
            r = run([INGEST], env={name: ""})
            self.assertEqual(r.returncode, 2, name)
            self.assertIn(name + " is set but empty", r.stderr)
            self.assertIn(expected, r.stderr)

    def test_a_set_variable_still_loses_to_the_flag(self):
        service = Service([INGEST, "--node-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
                           "--metrics-listen", "127.0.0.1:0", "--allow-unauthenticated"],
                          env={"RADARHUB_METRICS_LISTEN": ""})
        try:
            self.assertIn("metrics", service.ports)
        finally:
            service.stop()


class TrackerClients(unittest.TestCase):
    """status, tracks and health against a tracker that requires an API token."""

    @classmethod
    def setUpClass(cls):
        cls.ingest = start_ingest()
        cls.tracker = start_tracker(cls.ingest, "--api-token", API_TOKEN)
        cls.nodes = subprocess.Popen(
            [CLI, "node", "--ingest", cls.ingest.address("node"), "--node-ids", "radar1,radar2",
             "--scenario", "demo"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CLEAN_ENV)
        cls.token_file = tempfile.NamedTemporaryFile("w", prefix="rh-cli-token-", delete=False)
        cls.token_file.write(API_TOKEN + "\n")
        cls.token_file.close()
        os.chmod(cls.token_file.name, 0o600)
        # The demo scenario confirms its aircraft within a few frames (1 Hz).
        eventually(lambda: cls.tracks_json() and len(cls.tracks_json()) >= 2, "confirmed tracks",
                   30)

    @classmethod
    def tearDownClass(cls):
        cls.nodes.terminate()
        cls.nodes.wait(timeout=10)
        cls.tracker.stop()
        cls.ingest.stop()
        os.unlink(cls.token_file.name)

    @classmethod
    def tracks_json(cls, *extra):
        r = run([CLI, "tracks", "--tracker", cls.tracker.address("grpc"), "--json", *extra],
                env={"RADARHUB_API_TOKEN": API_TOKEN})
        if r.returncode != 0:
            return None
        return [json.loads(line) for line in r.stdout.splitlines()]

    def status(self, *extra, env=None):
        return run([CLI, "status", "--metrics", self.ingest.address("metrics"), "--tracker",
                    self.tracker.address("grpc"), "--iterations", "1", "--json", *extra], env)

    def test_status_without_the_token_says_unauthenticated_and_exits_1(self):
        r = self.status()
        self.assertEqual(r.returncode, 1, r.stderr)
        view = json.loads(r.stdout)
        self.assertTrue(view["ingest_reachable"])
        self.assertIn("UNAUTHENTICATED", view["tracker_error"])
        text = run([CLI, "status", "--metrics", self.ingest.address("metrics"), "--tracker",
                    self.tracker.address("grpc"), "--iterations", "1"], None)
        self.assertIn("UNAUTHENTICATED", text.stdout)

    def test_status_with_the_token_from_flag_file_or_environment_shows_tracker_health(self):
        for extra, env in ((["--api-token", API_TOKEN], None),
                           (["--api-token-file", self.token_file.name], None),
                           ([], {"RADARHUB_API_TOKEN": API_TOKEN})):
            r = self.status(*extra, env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            view = json.loads(r.stdout)
            self.assertIsNone(view["tracker_error"])
            nodes = {n["node_id"]: n for n in view["nodes"]}
            self.assertEqual(set(nodes), {"radar1", "radar2"})
            for node in nodes.values():
                self.assertTrue(node["connected"])
                self.assertEqual(node["tracker"]["reason"], "ok")
                self.assertTrue(node["tracker"]["healthy"])
                self.assertGreater(node["frames_accepted"], 0)

    def test_status_table_with_the_token(self):
        r = run([CLI, "status", "--metrics", self.ingest.address("metrics"), "--tracker",
                 self.tracker.address("grpc"), "--iterations", "1"],
                {"RADARHUB_API_TOKEN": API_TOKEN})
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.splitlines()[1:]]
        self.assertEqual([row[0] for row in rows], ["radar1", "radar2"])
        self.assertTrue(all(row[1] == "connected" and row[7] == "ok" for row in rows), r.stdout)

    def test_tracks_lists_confirmed_tracks_as_a_table_and_as_json(self):
        tracks = self.tracks_json()
        self.assertTrue(tracks)
        for track in tracks:
            self.assertIn(track["status"], ("confirmed", "coasting"))
            for key in ("track_id", "node_id", "delay", "doppler", "hits", "adsb_hex"):
                self.assertIn(key, track)
        only = self.tracks_json("--node", "radar2")
        self.assertTrue(only)
        self.assertEqual({t["node_id"] for t in only}, {"radar2"})
        r = run([CLI, "tracks", "--tracker", self.tracker.address("grpc"), "--api-token-file",
                 self.token_file.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split()[:3], ["node", "track", "status"])
        self.assertGreaterEqual(len(lines) - 1, len(tracks) - 2)  # tracks come and go meanwhile

    def test_tracks_without_the_token_is_a_failure(self):
        r = run([CLI, "tracks", "--tracker", self.tracker.address("grpc")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("UNAUTHENTICATED", r.stderr)

    def test_tracks_follow_prints_snapshots_then_updates(self):
        r = run([CLI, "tracks", "--tracker", self.tracker.address("grpc"), "--follow", "--json",
                 "--count", "4"], {"RADARHUB_API_TOKEN": API_TOKEN})
        self.assertEqual(r.returncode, 0, r.stderr)
        updates = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(updates), 4)
        self.assertTrue(updates[0]["snapshot"])
        self.assertEqual({u["node_id"] for u in updates if u["snapshot"]}, {"radar1", "radar2"})
        self.assertFalse(updates[-1]["snapshot"])

    def test_health_json(self):
        r = run([CLI, "health", "--grpc", self.tracker.address("grpc"), "--json"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(json.loads(r.stdout), {"service": "", "status": "SERVING"})
        r = run([CLI, "health", "--grpc", self.tracker.address("grpc"), "--json", "--service",
                 "node/nosuch"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["status"], "UNKNOWN")

    def test_long_running_subcommands_end_with_0_on_sigint_then_sigterm(self):
        grpc_tracker = self.tracker.address("grpc")
        for args in ([CLI, "tracks", "--tracker", grpc_tracker, "--follow"],
                     [CLI, "watch", "--grpc", self.ingest.address("grpc"), "--status-only"],
                     [CLI, "status", "--metrics", self.ingest.address("metrics"), "--tracker",
                      grpc_tracker, "--interval", "10s"]):
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=dict(CLEAN_ENV, RADARHUB_API_TOKEN=API_TOKEN))
            self.assertTrue(proc.stdout.readline(), args)  # it is running and printing
            proc.send_signal(signal.SIGINT)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=10)
            self.assertEqual(proc.returncode, 0, "%s: %s" % (args[1], err))


class NodeSignals(unittest.TestCase):
    def test_sigterm_right_after_sigint_never_crashes_the_simulator(self):
        # It used to stop its I/O loops from the signal handler: a signal that came while the
        # interrupted thread held the loop's lock deadlocked it, or one that came after the
        # simulator was gone crashed it.
        ingest = start_ingest()
        try:
            for i in range(20):
                proc = subprocess.Popen(
                    [CLI, "node", "--ingest", ingest.address("node"), "--nodes", "50",
                     "--threads", "4", "--rate", "20", "--node-prefix", "sig%d" % i],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CLEAN_ENV)
                time.sleep(0.3 + 0.05 * (i % 5))  # past its start, before and after it connects
                proc.send_signal(signal.SIGINT)
                time.sleep(0.002 * (i % 10))  # SIGTERM while it is still stopping
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=15)
                self.assertEqual(proc.returncode, 0, "run %d: %s" % (i, err))
                self.assertEqual(json.loads(out)["nodes"], 50)
        finally:
            ingest.stop()


class DemoScript(unittest.TestCase):
    PORTS = (30050, 50051, 9105, 50061, 9106)  # the demo's fixed ports

    @staticmethod
    def listening(port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def test_closing_its_terminal_ends_every_child(self):
        busy = [p for p in self.PORTS if self.listening(p)]
        self.assertEqual(busy, [], "ports the demo needs are in use already")
        pid, master = pty.fork()
        if pid == 0:  # the demo, as a terminal's session leader
            os.chdir(SOURCE)
            os.execve("/bin/bash", ["bash", "tools/demo.sh", BUILD], CLEAN_ENV)
        seen = b""
        deadline = time.monotonic() + 60
        try:
            # Up when the live view shows the tracker's health of a node.
            while b"radar3" not in seen or b" ok " not in seen:
                self.assertLess(time.monotonic(), deadline, seen.decode(errors="replace"))
                if select.select([master], [], [], 1)[0]:
                    try:
                        seen += os.read(master, 65536)
                    except OSError:
                        break
            self.assertTrue(all(self.listening(p) for p in self.PORTS))
        finally:
            os.close(master)  # the terminal closes: the session gets SIGHUP
        _, status = os.waitpid(pid, 0)
        eventually(lambda: not any(self.listening(p) for p in self.PORTS),
                   "the demo's services to end", 20)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
