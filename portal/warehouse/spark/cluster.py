"""A local Spark Connect server over a real multi-process cluster (`local-cluster[2,1,1024]`: two
executor JVMs that talk over the network), for demos and tests: started from pyspark's own
distribution, bound to 127.0.0.1 only, with its logs, pid and table storage under one folder."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_CLIENTS: dict[str, object] = {}  # url → the Spark Connect client session this process opened
_CLIENTS_LOCK = threading.Lock()
_REPO = Path(__file__).resolve().parents[3]


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
            # the executors' Python runs the funnel pass: this interpreter has numba, numpy and pyarrow
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
            # ... and imports the portal's kernels (a real cluster gets the package pip-installed)
            "PYTHONPATH": os.pathsep.join(p for p in (str(_REPO), os.environ.get("PYTHONPATH", "")) if p),
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
            # a catalog that outlives the server (Hive metastore in embedded Derby), as a real cluster has
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={self.root / 'metastore'};create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.root}",
            "spark.driver.maxResultSize": "512m",
            # a cancelled or timed-out task stuck inside one function (a JVM loop that never checks
            # for interruption) gets its executor killed and replaced after 10 s
            "spark.task.reaper.enabled": "true",
            "spark.task.reaper.killTimeout": "10s",  # one result's ceiling on the server, whatever the client asks
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
        close_clients(self.url)
        was = self.answering()
        env = self._env()
        script = Path(env["SPARK_HOME"]) / "sbin" / "stop-connect-server.sh"
        subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=120)
        deadline = time.monotonic() + 60
        while self.answering() and time.monotonic() < deadline:  # the script only signals the server
            time.sleep(0.2)
        return was

    def status(self) -> dict:
        return {"running": self.answering(), "url": self.url, "logs": str(self.logs), "storage": str(self.storage)}

    def session(self):
        """This process's client session to the cluster (one per URL, closed by stop())."""
        return client(self.url)


# Analysts' statements get a client session of their own in which the optimizer never evaluates
# an expression itself: constant folding runs in the driver, where no time limit can stop it
# (`SELECT levenshtein(repeat('a', 200000), …)` would hold a driver thread for minutes). Unfolded, it
# runs as a task on an executor, which Cancel and the time limit interrupt (and the reaper kills).
HARDENED = {
    "spark.sql.optimizer.excludedRules": "org.apache.spark.sql.catalyst.optimizer.ConstantFolding,"
    "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation",
}


def client(url: str, analyst: bool = False):
    """This process's Spark Connect client for `url`: one for the portal's own SQL and one, hardened,
    for analysts' statements; each shared by every portal session. The cost-based optimizer is on,
    so EXPLAIN COST carries row counts for the size guard."""
    key = f"{url}#analyst" if analyst else url
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            import logging
            import warnings

            from pyspark.sql import SparkSession

            # the client logs every failed query (an analyst's typo) as an ERROR with the JVM stack;
            # the portal reports failures itself, in plain words
            logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
            with warnings.catch_warnings():  # "does not yet fully support pandas >= 3": tested here
                warnings.simplefilter("ignore", FutureWarning)
                builder = SparkSession.builder.remote(url)
                spark = builder.create() if analyst else builder.getOrCreate()
            spark.conf.set("spark.sql.cbo.enabled", "true")
            for k, v in (HARDENED if analyst else {}).items():
                spark.conf.set(k, v)
            if not _CLIENTS:
                atexit.register(_close_all)  # before the interpreter's teardown, while threads still run
            _CLIENTS[key] = spark
        return _CLIENTS[key]


def close_clients(url: str) -> None:
    """Stop this process's clients for `url`. Left to the interpreter's exit, a client's channel
    waits forever in its finalizer, so every command that opened one closes it first."""
    for key in (url, f"{url}#analyst"):
        with _CLIENTS_LOCK:
            client = _CLIENTS.pop(key, None)
        if client is not None:
            try:
                client.stop()
            except Exception:  # already gone
                pass


def _close_all() -> None:
    for key in list(_CLIENTS):
        close_clients(key.split("#")[0])
