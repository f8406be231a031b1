#!/usr/bin/env bash
# Benchmarks against the lab, side by side with the peers (community.vmware and kubernetes.core from PyPI's
# 'ansible' package, in .venv-peers). Not tests: they print figures.
#   benchmarks/run.sh [node_lookup ...]     default: every benchmarks/*.py
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash lab/venv.sh .venv newest
bash lab/venv.sh .venv-peers peers
LAB_VMS="${LAB_VMS:-5000}" bash lab/lab.sh up
# shellcheck disable=SC1091
source .lab/env
export PEERS_BIN="$ROOT/.venv-peers/bin"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd benchmarks && ls ./*.py | sed 's|^\./||; s|\.py$||' | grep -v '^_'))
for b in "${names[@]}"; do
    echo "===== $b"
    .venv/bin/python "benchmarks/$b.py"
done
