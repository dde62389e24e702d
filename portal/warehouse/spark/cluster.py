"""A local Spark Connect server over a real multi-process cluster (`local-cluster[2,1,1024]`: two
executor JVMs that talk over the network), for demos and tests: started from pyspark's own
distribution, bound to 127.0.0.1 only, with its logs, pid and table storage under one folder."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_CLIENTS: dict[str, object] = {}  # url → the Spark Connect client session this process opened


class ClusterError(RuntimeError):
    """The cluster could not start, or is not there; says where its logs are."""


@dataclass(frozen=True)
class Cluster:
    root: Path  # logs/, run/ (pid), storage/ (the Parquet tables)
    port: int = 15002
    executors: int = 2
    memory_mb: int = 1024

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    def _env(self) -> dict:
        import pyspark

        home = Path(pyspark.__file__).parent
        return {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(self.logs),
            "SPARK_PID_DIR": str(self.root / "run"),
            "SPARK_IDENT_STRING": f"portal{self.port}",
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", "python3"),
        }

    def answering(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self, timeout_s: float = 180) -> str:
        """Start (or find running) and wait until it answers a query; returns the sc:// URL."""
        if self.answering():
            return self.url
        for d in (self.logs, self.root / "run", self.storage):
            d.mkdir(parents=True, exist_ok=True)
        env = self._env()
        script = Path(env["SPARK_HOME"]) / "sbin" / "start-connect-server.sh"
        conf = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.sql.warehouse.dir": str(self.storage / "warehouse"),
            "spark.sql.session.timeZone": "UTC",
        }
        args = ["bash", str(script), "--master", f"local-cluster[{self.executors},1,{self.memory_mb}]"]
        for k, v in conf.items():
            args += ["--conf", f"{k}={v}"]
        run = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise ClusterError(f"Spark did not start: {run.stderr.strip() or run.stdout.strip()} (logs: {self.logs})")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.answering():
                try:
                    self.session().sql("SELECT 1").collect()
                    return self.url
                except Exception:  # still starting
                    pass
            time.sleep(0.5)
        raise ClusterError(f"Spark Connect did not answer on {self.url} within {timeout_s:.0f} s (logs: {self.logs})")

    def stop(self) -> bool:
        """Stop this process's client, then the server and its executors; False if it was not running.
        The client goes first: left open, it retries its release against the stopped server at exit
        and keeps the interpreter alive for minutes."""
        client = _CLIENTS.pop(self.url, None)
        if client is not None:
            try:
                client.stop()
            except Exception:  # already gone
                pass
        was = self.answering()
        env = self._env()
        script = Path(env["SPARK_HOME"]) / "sbin" / "stop-connect-server.sh"
        subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=120)
        return was

    def status(self) -> dict:
        return {"running": self.answering(), "url": self.url, "logs": str(self.logs), "storage": str(self.storage)}

    def session(self):
        """This process's client session to the cluster (one per URL, closed by stop())."""
        from pyspark.sql import SparkSession

        if self.url not in _CLIENTS:
            _CLIENTS[self.url] = SparkSession.builder.remote(self.url).getOrCreate()
        return _CLIENTS[self.url]
