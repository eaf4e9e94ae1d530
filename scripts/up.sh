#!/usr/bin/env bash
# Start everything: Neo4j (provisioned on first use), schema, seed data, API on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/oncoregio up "$@"
