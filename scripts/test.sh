#!/usr/bin/env bash
# The whole test suite: sets up PostgreSQL and Chromium from Debian's packages
# when missing, then runs ruff (lint and format check) and pytest on both databases and in
# the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
export SAFETYNET_TEST_PG_URL="${SAFETYNET_TEST_PG_URL:-$(bash scripts/ensure_postgres.sh)}"
bash scripts/ensure_browser.sh >&2
bash scripts/ensure_java.sh >&2
.venv/bin/ruff check safetynet tests
.venv/bin/ruff format --check safetynet tests
.venv/bin/pytest -n 2 "$@"
