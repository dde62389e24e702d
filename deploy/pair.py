"""Run the replica pair on this machine: two portal servers (ports BASE+1, BASE+2) behind nginx on
BASE, sharing app state in PostgreSQL (`--state-url`) and the queries and dashboards folders.

    python deploy/pair.py --state-url postgresql://portal@/portal?host=/run/postgresql --port 8500

The tests (tests/test_replicas.py) and the load benchmark (bench/bench_many_users.py --pair) use
the same functions. Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config(
    prefix: Path, listen: int, ports: list[int], sso_cookie: str = "", show_upstream: bool = False
) -> Path:
    """deploy/nginx.conf with this machine's ports and folders filled in. `sso_cookie` stands in for
    an SSO proxy in tests: the signed-in e-mail travels from that cookie to `[auth] user_header`
    (X-Forwarded-Email), set by the proxy on every request, websockets included, as an SSO proxy does."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in ports)
    text = (
        text.replace("@UPSTREAMS@", upstreams)
        .replace("@LISTEN@", f"127.0.0.1:{listen}")
        .replace("@PREFIX@", str(prefix))
    )
    if sso_cookie:
        text = text.replace(
            'proxy_set_header X-Forwarded-Email "";', f"proxy_set_header X-Forwarded-Email $cookie_{sso_cookie};"
        )
    # which server answered, for the replica tests only: a deployment does not tell clients its addresses
    shown = "            add_header X-Portal-Upstream $upstream_addr always;" if show_upstream else ""
    text = text.replace("@TEST_HEADERS@", shown)
    if os.geteuid() == 0:  # as root, nginx's workers would run as nobody, who cannot reach a private folder
        text = "user root;\n" + text
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(prefix, 0o777)
    for p in (prefix / "tmp").rglob("*"):
        os.chmod(p, 0o777)
    os.chmod(prefix / "tmp", 0o777)
    conf = prefix / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def start_nginx(
    prefix: Path, listen: int, ports: list[int], sso_cookie: str = "", show_upstream: bool = False
) -> subprocess.Popen:
    conf = nginx_config(prefix, listen, ports, sso_cookie, show_upstream)
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])
    wait_for(f"http://127.0.0.1:{listen}/_stcore/health", proc, prefix / "error.log")
    return proc


def start_server(port: int, env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "w")
    proc = subprocess.Popen(
        [sys.executable, "serve.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
    return proc


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process ended:\n{log.read_text() if log.exists() else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{url} did not answer:\n{log.read_text() if log.exists() else ''}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state-url", required=True, help="postgresql://… shared by both servers")
    ap.add_argument("--port", type=int, default=8500)
    ap.add_argument("--folder", default=str(ROOT / "state" / "pair"), help="logs and nginx files")
    args = ap.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PORTAL_STATE_URL": args.state_url}
    servers = [start_server(args.port + i, env, folder / f"server{i}.log") for i in (1, 2)]
    proxy = start_nginx(folder, args.port, [args.port + 1, args.port + 2])
    print(f"portal pair on http://127.0.0.1:{args.port} (servers {args.port + 1}, {args.port + 2})")
    try:
        proxy.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for p in (proxy, *servers):
            p.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
