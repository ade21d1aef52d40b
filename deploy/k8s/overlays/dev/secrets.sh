#!/usr/bin/env bash
# Prints the Secrets the dev overlay references, with fresh random keys, as YAML for
# `kubectl apply -f -`; run it once per cluster:
#   deploy/k8s/overlays/dev/secrets.sh | kubectl apply -f -
# Nothing is written to disk but the dev cluster's local test signing authority, under
# $ECOPERMIT_DATA_DIR (default dev-esign), made on first use: the Committee's seal key comes from
# it, and its trust store becomes the ConfigMap ecopermit-signature-trust (deploy/k8s/README.md).
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
# Workflow payloads' AES-256 key, as id=base64 (ECOPERMIT_PAYLOAD_KEYS; rotate by putting a new
# id=key first and keeping the old one after it).
secret ecopermit-dev ecopermit-payload-keys "keys=dev-1=$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
secret ecopermit-dev ecopermit-object-store "access-key-id=ecopermit" \
  "secret-access-key=$object_store_key"
# The Committee's seal on permit certificates: the local test authority's key (`ecopermit` from
# the project's virtual environment).
seal_key=$(ECOPERMIT_DATA_DIR="${ECOPERMIT_DATA_DIR:-dev-esign}" ecopermit committee-test-key)
kubectl create secret generic ecopermit-committee-key --namespace ecopermit-dev \
  --from-file=committee.p12="$seal_key" --from-literal=password=ecopermit-local \
  --dry-run=client --output yaml
echo ---
