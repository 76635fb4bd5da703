#!/usr/bin/env bash
# Make sure a local PostgreSQL server from Debian's packages runs and has a
# `safetynet` role for the tests; print the URL the tests use.
# Installs the server with apt-get when it is missing and we are root.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  else
    echo "PostgreSQL is not installed; run as root or: sudo apt-get install postgresql" >&2
    exit 1
  fi
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$ver" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
for _ in $(seq 1 30); do as_pg psql -p "$port" -qtAc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
as_pg psql -p "$port" -qtAc "SELECT 1 FROM pg_roles WHERE rolname='safetynet'" | grep -q 1 \
  || as_pg psql -p "$port" -qc "CREATE ROLE safetynet LOGIN CREATEDB PASSWORD 'safetynet'" >&2
as_pg psql -p "$port" -qtAc "SELECT 1 FROM pg_database WHERE datname='safetynet'" | grep -q 1 \
  || as_pg psql -p "$port" -qc "CREATE DATABASE safetynet OWNER safetynet" >&2
echo "postgresql://safetynet:safetynet@127.0.0.1:$port/safetynet"
