#!/bin/sh
# Grafana's own entrypoint (/run.sh), after one step: the key that encrypts what the Encore data
# source writes to the stack's Redis (secureJsonData.cacheEncryptionKey in
# provisioning/datasources/encore.yaml, read there as ${ENCORE_CACHE_KEY}). Set it in .env to
# choose it; otherwise one is made on the first start and kept in Grafana's data volume, so the
# stack needs no secret in any file and the cached entries stay readable across restarts.
set -eu
if [ -z "${ENCORE_CACHE_KEY:-}" ]; then
  key_file="${GF_PATHS_DATA:-/var/lib/grafana}/encore-cache-key"
  if [ ! -s "$key_file" ]; then
    umask 077
    # 32 random bytes, base64: 44 characters (the data source asks for at least 16).
    head -c 32 /dev/urandom | base64 | tr -d '\n' > "$key_file.tmp"
    mv "$key_file.tmp" "$key_file"
  fi
  ENCORE_CACHE_KEY=$(cat "$key_file")
  export ENCORE_CACHE_KEY
fi
exec /run.sh "$@"
