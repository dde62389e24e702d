#!/usr/bin/env bash
# One command from a fresh clone: install the app, build the demo warehouse if missing, start the portal.
# It honours PORTAL_CONFIG and PORTAL_DB: only the shipped demo configuration ever builds a warehouse.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
echo "Installing the pinned packages (a minute or two on the first start, seconds afterwards)…" >&2
.venv/bin/python -m pip install --disable-pip-version-check -r requirements.txt | (grep -v "^Requirement already satisfied" || true)
.venv/bin/python -m portal ready --build-demo || echo "(the portal starts anyway and says the same on every page)"
exec .venv/bin/python serve.py "$@"
