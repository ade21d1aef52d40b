#!/usr/bin/env bash
# Prints the Secrets the dev overlay references, with fresh random keys, as YAML for
# `kubectl apply -f -`. Nothing is written to disk; run it once per cluster:
#   deploy/k8s/overlays/dev/secrets.sh | kubectl apply -f -
set -euo pipefail

random_key() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }

password=$(random_key)
token_secret=$(random_key)
object_store_key=$(random_key)

secret() {  # secret NAMESPACE NAME KEY=VALUE...
  local namespace=$1 name=$2
  shift 2
  local literals=()
  for pair in "$@"; do literals+=("--from-literal=$pair"); done
  kubectl create secret generic "$name" --namespace "$namespace" "${literals[@]}" \
    --dry-run=client --output yaml
  echo ---
}

secret ecopermit-dev postgresql "password=$password"
secret temporal temporal-postgresql "password=$password"
for service in applicants reviews inspections; do
  secret ecopermit-dev "ecopermit-$service-database" \
    "url=postgresql+asyncpg://ecopermit:$password@postgresql:5432/$service"
done
secret ecopermit-dev ecopermit-token "secret=$token_secret"
secret ecopermit-dev ecopermit-object-store "access-key-id=ecopermit" \
  "secret-access-key=$object_store_key"
