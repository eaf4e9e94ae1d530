#!/usr/bin/env bash
# Run the test suite against a real Neo4j (the local 'test' instance unless NEO4J_URI is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
