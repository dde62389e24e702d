#!/usr/bin/env bash
# One command from a fresh clone: install the app, build the demo warehouse if missing, start the portal.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
if [ ! -f data/warehouse.duckdb ] || [ ! -f data/warehouse.public.duckdb ]; then
  echo "Building the demo warehouse (about a minute, first start only)…"
  .venv/bin/python -m portal demo
fi
exec .venv/bin/python serve.py "$@"
