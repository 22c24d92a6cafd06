#!/usr/bin/python3
"""Secrets rotate without a restart, as a Kubernetes Secret update delivers them.

The files live in a directory laid out as the kubelet lays out a Secret volume: each file a
symlink through `..data` to a timestamped directory, mode 0440 (group-readable, as `fsGroup`
mounts it), and an update swaps `..data` atomically. The real binaries, --reload-interval 1s:
- the tracker's API token file: the new token is accepted and the old refused, no SIGHUP (and
  with SIGHUP, before the interval is up);
- the ingest's tokens file: a node whose token was refused gets in once the file names it;
- the ingest's admin token file;
- TLS: the certificate the ingest serves (read with `openssl s_client`) changes, and the client
  certificate the tracker presents to an ingest that asks for one (mTLS);
- a bad update (readable by others) is refused and the previous secret stays.

usage: secret_reload_test.py BUILD_DIR [unittest arguments]
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
from services import CLEAN_ENV as ENV, Service, eventually  # noqa: E402
INGEST = os.path.join(BUILD, "services/ingest/radarhub-ingest")
TRACKER = os.path.join(BUILD, "services/tracker/radarhub-tracker")
CLI = os.path.join(BUILD, "tools/radarhub")


class SecretVolume:
    """A directory of files as the kubelet publishes a Secret: name -> ..data/name."""

    def __init__(self, files, mode=0o440):
        self.dir = tempfile.mkdtemp(prefix="rh-secret-")
        self.generation = 0
        self.publish(files, mode)
        for name in files:
            os.symlink(os.path.join("..data", name), os.path.join(self.dir, name))

    def path(self, name):
        return os.path.join(self.dir, name)

    def publish(self, files, mode=0o440):
        self.generation += 1
        version = "..%d_%d" % (time.time_ns(), self.generation)
        os.mkdir(os.path.join(self.dir, version))
        for name, content in files.items():
            target = os.path.join(self.dir, version, name)
            with open(target, "w") as f:
                f.write(content)
            os.chmod(target, mode)
        tmp = os.path.join(self.dir, "..data_tmp")
        os.symlink(version, tmp)
        os.rename(tmp, os.path.join(self.dir, "..data"))  # atomic, as the kubelet does

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=30, env=ENV)


def ingest_args(*extra):
    return [INGEST, "--node-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
            "--metrics-listen", "127.0.0.1:0", "--reload-interval", "1s",
            "--shutdown-grace", "2s", *extra]


class TokenFiles(unittest.TestCase):
    def test_tracker_api_token_rotates_and_a_bad_update_keeps_the_old_one(self):
        secret = SecretVolume({"api-token": "first-token\n"})
        ingest = Service(ingest_args("--allow-unauthenticated"))
        tracker = Service([TRACKER, "--ingest", ingest.address("grpc"), "--grpc-listen",
                           "127.0.0.1:0", "--metrics-listen", "", "--reload-interval", "1s",
                           "--api-token-file", secret.path("api-token"), "--shutdown-grace", "2s"])
        try:
            def accepted(token):
                return run([CLI, "tracks", "--tracker", tracker.address("grpc"), "--api-token",
                            token]).returncode == 0
            self.assertTrue(accepted("first-token"))
            self.assertFalse(accepted("second-token"))
            secret.publish({"api-token": "second-token\n"})
            eventually(lambda: accepted("second-token"), "the new token to be accepted")
            self.assertFalse(accepted("first-token"))
            self.assertTrue(tracker.logged("secret file reloaded setting=--api-token-file"))
            secret.publish({"api-token": "third-token\n"}, mode=0o444)  # others may read it
            eventually(lambda: tracker.logged("reload failed"), "the bad update to be refused")
            self.assertTrue(accepted("second-token"))
            self.assertFalse(accepted("third-token"))
            for token in ("first-token", "second-token", "third-token"):
                self.assertFalse(tracker.logged(token), "a token was logged")
        finally:
            tracker.stop()
            ingest.stop()
            secret.remove()
        self.assertEqual(tracker.proc.returncode, 0)

    def test_tracker_reloads_its_token_file_on_sighup(self):
        # operations.md: SIGHUP reloads the tokens; the tracker used to die of it.
        secret = SecretVolume({"api-token": "first-token\n"})
        tracker = Service([TRACKER, "--ingest", "127.0.0.1:9", "--grpc-listen", "127.0.0.1:0",
                           "--metrics-listen", "", "--reload-interval", "1h",
                           "--api-token-file", secret.path("api-token"), "--shutdown-grace", "2s"])
        try:
            def accepted(token):
                return run([CLI, "tracks", "--tracker", tracker.address("grpc"), "--api-token",
                            token]).returncode == 0
            secret.publish({"api-token": "second-token\n"})
            time.sleep(0.5)
            self.assertTrue(accepted("first-token"), "no reload before the signal")
            tracker.proc.send_signal(signal.SIGHUP)
            eventually(lambda: accepted("second-token"), "the token to be reloaded")
            self.assertTrue(tracker.logged("tokens reloaded"))
            self.assertIsNone(tracker.proc.poll())
        finally:
            tracker.stop()
            secret.remove()
        self.assertEqual(tracker.proc.returncode, 0)

    def test_ingest_node_tokens_and_admin_token_rotate(self):
        secret = SecretVolume({"node-tokens": "radar1 old-node-token\n",
                               "admin-token": "old-admin\n"})
        ingest = Service(ingest_args("--tokens-file", secret.path("node-tokens"),
                                     "--admin-token-file", secret.path("admin-token")))
        node = subprocess.Popen([CLI, "node", "--ingest", ingest.address("node"), "--node-ids",
                                 "radar1", "--token", "new-node-token", "--rate", "5"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        try:
            def accepted_frames():
                for line in ingest.metrics().splitlines():
                    if line.startswith('radarhub_ingest_frames_total{node_id="radar1",'
                                       'result="accepted"}'):
                        return float(line.split()[-1])
                return 0.0

            def admin_accepts(token):
                r = run([CLI, "forget", "nosuch", "--grpc", ingest.address("grpc"),
                         "--admin-token", token])
                return "NOT_FOUND" in r.stderr  # past the token check

            time.sleep(1.5)
            self.assertEqual(accepted_frames(), 0.0, "the node's token is not in the file yet")
            self.assertTrue(admin_accepts("old-admin"))
            secret.publish({"node-tokens": "radar1 new-node-token\n", "admin-token": "new-admin\n"})
            eventually(lambda: accepted_frames() > 0, "the node to get in", seconds=30)
            self.assertTrue(admin_accepts("new-admin"))
            self.assertFalse(admin_accepts("old-admin"))
        finally:
            node.terminate()
            node.wait(timeout=10)
            ingest.stop()
            secret.remove()


class TlsCertificates(unittest.TestCase):
    @staticmethod
    def served_subject(address):
        hello = subprocess.run(["openssl", "s_client", "-connect", address, "-alpn", "h2"],
                               input=b"", capture_output=True, timeout=10)
        subject = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=hello.stdout,
                                 capture_output=True)
        return subject.stdout.decode(errors="replace").strip()

    def test_the_served_certificate_changes_when_its_files_do(self):
        work = tempfile.mkdtemp(prefix="rh-tls-")
        key1, cert1 = read_pair(make_ca(work, "first-cert"))
        key2, cert2 = read_pair(make_ca(work, "second-cert"))
        secret = SecretVolume({"tls.key": key1, "tls.crt": cert1})
        ingest = Service(ingest_args("--allow-unauthenticated", "--tls-cert",
                                     secret.path("tls.crt"), "--tls-key", secret.path("tls.key")))
        try:
            address = ingest.address("grpc")
            self.assertIn("CN = first-cert", self.served_subject(address))
            secret.publish({"tls.key": key2, "tls.crt": cert2})
            eventually(lambda: "CN = second-cert" in self.served_subject(address),
                       "the new certificate to be served")
        finally:
            ingest.stop()
            secret.remove()
            shutil.rmtree(work, ignore_errors=True)
        self.assertEqual(ingest.proc.returncode, 0)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(directory, name):
    """A self-signed certificate (a CA, or a server's own), valid for 127.0.0.1: its file paths."""
    key, cert = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "2", "-subj", "/CN=" + name, "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert)
    return key, cert


def read_pair(paths):
    with open(paths[0]) as k, open(paths[1]) as c:
        return k.read(), c.read()


def make_signed(directory, name, ca, san=None):
    key, csr, cert = (os.path.join(directory, name + ext) for ext in (".key", ".csr", ".pem"))
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=" + name, "-keyout", key, "-out", csr)
    ext = os.path.join(directory, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % (san or "DNS:" + name))
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", cert)
    with open(key) as k, open(cert) as c:
        return k.read(), c.read()


class ClientCertificates(unittest.TestCase):
    def test_the_tracker_presents_its_rotated_client_certificate_to_the_ingest(self):
        # The ingest trusts client CA "a", then (restarted on the same port) only CA "b": the
        # tracker gets back in only if it picked up its new certificate, signed by "b".
        work = tempfile.mkdtemp(prefix="rh-mtls-")
        server_ca, ca_a, ca_b = (make_ca(work, n) for n in ("server-ca", "client-a", "client-b"))
        server_key, server_cert = make_signed(work, "ingest", server_ca, "IP:127.0.0.1")
        for path, text in (("server.key", server_key), ("server.pem", server_cert)):
            with open(os.path.join(work, path), "w") as f:
                f.write(text)
        os.chmod(os.path.join(work, "server.key"), 0o600)
        key_a, cert_a = make_signed(work, "tracker-a", ca_a)
        key_b, cert_b = make_signed(work, "tracker-b", ca_b)
        client = SecretVolume({"tls.key": key_a, "tls.crt": cert_a})
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            grpc_port = s.getsockname()[1]

        def start_ingest(client_ca):
            return Service([INGEST, "--node-listen", "127.0.0.1:0", "--grpc-listen",
                            "127.0.0.1:%d" % grpc_port, "--metrics-listen", "127.0.0.1:0",
                            "--allow-unauthenticated", "--shutdown-grace", "1s",
                            "--tls-cert", os.path.join(work, "server.pem"),
                            "--tls-key", os.path.join(work, "server.key"),
                            "--tls-client-ca", client_ca[1]])

        def subscribers(ingest):
            for line in ingest.metrics().splitlines():
                if line.startswith("radarhub_ingest_subscribers "):
                    return float(line.split()[-1])
            return 0.0

        ingest = start_ingest(ca_a)
        tracker = Service([TRACKER, "--ingest", "127.0.0.1:%d" % grpc_port, "--grpc-listen",
                           "127.0.0.1:0", "--metrics-listen", "", "--reload-interval", "1s",
                           "--ingest-tls-ca", server_ca[1],
                           "--ingest-tls-cert", client.path("tls.crt"),
                           "--ingest-tls-key", client.path("tls.key"), "--shutdown-grace", "1s"])
        try:
            eventually(lambda: subscribers(ingest) >= 1, "the tracker to subscribe with cert a")
            client.publish({"tls.key": key_b, "tls.crt": cert_b})
            time.sleep(2.5)  # two reload intervals
            ingest.stop()
            ingest = start_ingest(ca_b)
            eventually(lambda: subscribers(ingest) >= 1, "the tracker to subscribe with cert b",
                       seconds=40)
        finally:
            tracker.stop()
            ingest.stop()
            client.remove()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
