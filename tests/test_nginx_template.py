"""Security review #3, finding 8 and a low finding: behind the shipped nginx template a client cannot
claim an identity with its own `X-Forwarded-Email` (the portal trusts `[auth] user_header`), the
response does not name internal addresses, and the access log keeps no `?token=` secret. A real nginx
with deploy/nginx.conf in front of a server that echoes what it receives."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import ROOT, free_port

sys.path.insert(0, str(ROOT / "deploy"))
from pair import start_nginx  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or __import__("os").path.exists("/usr/sbin/nginx")),
    reason="./test.sh installs nginx-light",
)


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_client_cannot_set_the_trusted_identity_header(tmp_path):
    upstream = ThreadingHTTPServer(("127.0.0.1", free_port()), Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    listen = free_port()
    proxy = start_nginx(tmp_path / "nginx", listen, [upstream.server_address[1]])
    try:
        req = urllib.request.Request(
            f"http://127.0.0.1:{listen}/api/queries/x.csv?token=pat_abc_supersecret",
            headers={"X-Forwarded-Email": "dana@example.com"},
        )
        for _ in range(100):  # nginx starting
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    seen, headers = json.loads(r.read()), dict(r.headers)
                break
            except OSError:
                time.sleep(0.1)
        assert "x-forwarded-email" not in seen  # cleared: anyone is not anyone
        assert seen["x-forwarded-for"] == "127.0.0.1"
        assert "X-Portal-Upstream" not in headers  # no internal addresses for clients
    finally:
        proxy.terminate()
        proxy.wait(10)
        upstream.shutdown()
    log = (tmp_path / "nginx" / "access.log").read_text()
    assert "/api/queries/x.csv" in log and "supersecret" not in log and "token=" not in log
