#!/usr/bin/env bash
# One command from a fresh clone: install what the tests need (Python packages, Debian's chromium and Java), run them all.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
NEED=""
[ -x /usr/bin/chromium ] || NEED="chromium fonts-dejavu-core"
command -v java >/dev/null || NEED="$NEED openjdk-17-jre-headless"  # the Spark cluster's JVMs
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || NEED="$NEED postgresql"  # the app-state store's second backend
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || NEED="$NEED nginx-light"  # the replica pair's proxy
if [ -n "$NEED" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $NEED >/dev/null
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# dbt builds the test dbt project (tests/dbt_project) in a virtualenv of its own: never imported by the portal
[ -x .venv-dbt/bin/dbt ] || { "$PY" -m venv .venv-dbt && .venv-dbt/bin/python -m pip install --quiet \
  --disable-pip-version-check -r tests/dbt_project/requirements.txt; }
.venv/bin/ruff check portal ui pages app.py serve.py asgi.py deploy tests bench
.venv/bin/ruff format --check portal ui pages app.py serve.py asgi.py deploy tests bench
exec .venv/bin/python -m pytest "$@"
