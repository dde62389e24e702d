#!/usr/bin/env bash
# Build the test dbt project for real: its own virtualenv (dbt-core 1.10 installs offline from the
# registry; newer ones download a parser binary), the company's loaders, dbt build, docs and source
# freshness. Usage: build.sh OUT_DIR  (writes OUT_DIR/acme.duckdb and OUT_DIR/target/*.json)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
VENV="${DBT_VENV:-$HERE/../../.venv-dbt}"
if [ ! -x "$VENV/bin/dbt" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi
rm -rf "$OUT/project" "$OUT/acme.duckdb"
cp -r "$HERE" "$OUT/project"
export ACME_DUCKDB="$OUT/acme.duckdb" DBT_PROFILES_DIR="$OUT/project" DBT_SEND_ANONYMOUS_USAGE_STATS=false
"$VENV/bin/python" -c "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(open(sys.argv[2]).read())" \
  "$ACME_DUCKDB" "$HERE/sources.sql"
cd "$OUT/project"
"$VENV/bin/dbt" build --quiet || true          # one test fails on purpose (dim_customers.first_order_date)
cp target/run_results.json build_results.json   # docs generate and freshness write run_results.json too
"$VENV/bin/dbt" docs generate --quiet
"$VENV/bin/dbt" source freshness --quiet || true  # both sources are stale on purpose (loaded 2026-11-30)
mv build_results.json target/run_results.json
rm -rf "$OUT/target" && cp -r target "$OUT/target"
