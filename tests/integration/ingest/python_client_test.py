#!/usr/bin/python3
"""A client not written in C++ against the real radarhub-ingest binary.

Python stubs are generated at test time from our proto by Debian's python3-grpc-tools. A Python
subscriber and `radarhub watch` (the C++ client) subscribe to the same node; a raw TCP node sends
frames with awkward content; both must receive the same frames with every field intact. Then
per-node health flips, and SIGTERM ends the stream with UNAVAILABLE and exits 0.

usage: python_client_test.py INGEST_BIN CLI_BIN PROTO_DIR
"""
import atexit
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

INGEST, CLI, PROTO_DIR = sys.argv[1:4]
TOKEN = "py-s3cret"
FRAMES = 40


def generate_stubs(out):
    # health.proto is copied to another path first: a generated top-level `grpc` package would
    # shadow grpcio's own.
    os.makedirs(os.path.join(out, "src", "rh_health"))
    with open("/usr/share/grpc-proto/grpc/health/v1/health.proto") as src, \
            open(os.path.join(out, "src", "rh_health", "health.proto"), "w") as dst:
        dst.write(src.read())
    subprocess.run(
        ["/usr/bin/python3", "-m", "grpc_tools.protoc", "-I", PROTO_DIR,
         "-I", os.path.join(out, "src"), "--python_out", out, "--grpc_python_out", out,
         "radarhub/v1/radarhub.proto", "rh_health/health.proto"],
        check=True)
    sys.path.insert(0, out)


STUBS = tempfile.mkdtemp(prefix="rh-pystubs-")
atexit.register(shutil.rmtree, STUBS, True)
generate_stubs(STUBS)
import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from rh_health import health_pb2, health_pb2_grpc  # noqa: E402
from radarhub.v1 import radarhub_pb2, radarhub_pb2_grpc  # noqa: E402


class Ingest:
    """radarhub-ingest on loopback port 0; the ports come from its 'listening' lines."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [INGEST, "--node-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
             "--metrics-listen", "", "--shutdown-grace", "5s"],
            env=dict(os.environ, RADARHUB_TOKEN=TOKEN), stderr=subprocess.PIPE, text=True)
        self.ports = {}
        self.log = []
        while len(self.ports) < 2:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("ingest exited: " + "".join(self.log))
            self.log.append(line)
            m = re.match(r"listening (\w+) .*:(\d+)$", line.strip())
            if m:
                self.ports[m.group(1)] = int(m.group(2))
        threading.Thread(target=self._drain, daemon=True).start()
        self.grpc_target = "127.0.0.1:%d" % self.ports["grpc"]

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()


def frame_line(ts):
    # Awkward but valid content: unicode, nested objects, nulls, big and negative numbers.
    adsb = {"hex": "4ca%03d" % ts, "flight": "RYR\u00e9%d" % ts, "alt_baro": 35000 + ts,
            "nested": {"list": [1, "two", None, True], "neg": -1.5e-7}}
    n = ts % 4  # 0..3 detections, so an empty frame is in there too
    return json.dumps({
        "node_id": "py1", "token": TOKEN, "timestamp": 1768932172000 + ts,
        "delay": [40.25 + i for i in range(n)], "doppler": [-27.5 - i for i in range(n)],
        "snr": [12.0 + i / 8 for i in range(n)],
        "adsb": [adsb if i == 0 else None for i in range(n)],
    }) + "\n"


class PythonClientTest(unittest.TestCase):
    def setUp(self):
        self.ingest = Ingest()
        self.channel = grpc.insecure_channel(self.ingest.grpc_target)
        self.stub = radarhub_pb2_grpc.IngestStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.node = None

    def tearDown(self):
        if self.node:
            self.node.close()
        self.channel.close()
        self.ingest.stop()

    def connect_node(self):
        self.node = socket.create_connection(("127.0.0.1", self.ingest.ports["node"]))
        self.node.sendall(json.dumps({"node_id": "py1", "token": TOKEN,
                                      "type": "heartbeat"}).encode() + b"\n")
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                if self.stub.GetNode(radarhub_pb2.GetNodeRequest(node_id="py1")).connected:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.01)
        self.fail("node py1 never connected")

    def health_of(self, service):
        return self.health.Check(health_pb2.HealthCheckRequest(service=service)).status

    def test_python_and_cpp_subscribers_receive_the_same_frames_intact(self):
        self.connect_node()
        # Python subscriber: events into a queue from its own thread.
        events = queue.Queue()
        call = self.stub.Subscribe(radarhub_pb2.SubscribeRequest(node_ids=["py1"], frames=True))

        def read():
            try:
                for response in call:
                    for e in response.events:
                        events.put(e)
            except grpc.RpcError:
                pass
        threading.Thread(target=read, daemon=True).start()
        # C++ subscriber: `radarhub watch`, one JSON event per line.
        watch = subprocess.Popen(
            [CLI, "watch", "--grpc", self.ingest.grpc_target, "--nodes", "py1",
             "--count", str(FRAMES + 1)], stdout=subprocess.PIPE, text=True)
        try:
            first_py = events.get(timeout=5)
            self.assertEqual(first_py.WhichOneof("kind"), "status")
            first_cpp = json_format.Parse(watch.stdout.readline(), radarhub_pb2.NodeEvent())
            self.assertEqual(first_cpp.WhichOneof("kind"), "status")
            self.assertTrue(first_cpp.status.connected)

            lines = [frame_line(ts) for ts in range(1, FRAMES + 1)]
            self.node.sendall("".join(lines).encode())

            py_frames = [events.get(timeout=5) for _ in range(FRAMES)]
            out, _ = watch.communicate(timeout=10)
            self.assertEqual(watch.returncode, 0)
        finally:
            if watch.poll() is None:
                watch.kill()
            call.cancel()
        cpp_frames = [json_format.Parse(line, radarhub_pb2.NodeEvent())
                      for line in out.splitlines()]
        self.assertEqual(len(cpp_frames), FRAMES)
        for i, (py, cpp, line) in enumerate(zip(py_frames, cpp_frames, lines), start=1):
            self.assertEqual(py, cpp, "frame %d differs between the clients" % i)
            sent = json.loads(line)
            f = py.frame
            self.assertEqual(py.node_id, "py1")
            self.assertEqual(f.sequence, i)
            self.assertEqual(f.timestamp_ms, sent["timestamp"])
            self.assertEqual([d.delay for d in f.detections], sent["delay"])
            self.assertEqual([d.doppler for d in f.detections], sent["doppler"])
            self.assertEqual([d.snr for d in f.detections], sent["snr"])
            for d, adsb in zip(f.detections, sent["adsb"]):
                if adsb is None:
                    self.assertFalse(d.HasField("adsb"))
                else:
                    got = json_format.MessageToDict(d.adsb)
                    self.assertEqual(got, json.loads(json.dumps(adsb), parse_int=float))
            self.assertGreater(f.received_at.seconds, 1700000000)

    def test_node_health_and_sigterm(self):
        self.assertEqual(self.health_of(""), health_pb2.HealthCheckResponse.SERVING)
        self.connect_node()
        self.assertEqual(self.health_of("node/py1"), health_pb2.HealthCheckResponse.SERVING)
        self.node.close()
        self.node = None
        deadline = time.time() + 1
        while (self.health_of("node/py1") != health_pb2.HealthCheckResponse.NOT_SERVING
               and time.time() < deadline):
            time.sleep(0.005)
        self.assertEqual(self.health_of("node/py1"), health_pb2.HealthCheckResponse.NOT_SERVING)

        call = self.stub.Subscribe(radarhub_pb2.SubscribeRequest(frames=True))
        first = next(iter(call))
        self.assertEqual(first.events[0].node_id, "py1")
        self.ingest.proc.terminate()
        with self.assertRaises(grpc.RpcError) as ended:
            for _ in call:
                pass
        self.assertEqual(ended.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(self.ingest.proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
