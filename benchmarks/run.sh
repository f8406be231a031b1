#!/usr/bin/env bash
# Benchmarks against the lab, side by side with the peers (community.vmware and kubernetes.core from PyPI's
# 'ansible' package, in .venv-peers). Not tests: they print figures.
#   benchmarks/run.sh                 side by side, then the cost curves
#   benchmarks/run.sh side [NAME ...] side by side with the peers at LAB_VMS (default 5000) VMs, best of 2
#                                     (default: every benchmarks/*.py)
#   benchmarks/run.sh curves          ours (and the physical limit) at several sizes: inventory BENCH_INVENTORY
#                                     ("1000 5000 20000" VMs: node lookup, doctor, inventory plugin), disks
#                                     BENCH_DISKS ("10 100 500"), PVs BENCH_PVS ("10 100 1000")
# Each at every round-trip time of BENCH_RTTS ("0 20" ms) of the lab's link in front of vcsim (lab/lab.sh rtt).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash lab/venv.sh .venv newest
bash lab/venv.sh .venv-peers peers
export PEERS_BIN="$ROOT/.venv-peers/bin"
# Every benchmark appends its result lines here; they are printed again together at the end.
export BENCH_SUMMARY="${BENCH_SUMMARY:-$ROOT/.lab/bench-summary.txt}"
mkdir -p "$(dirname "$BENCH_SUMMARY")"
: >"$BENCH_SUMMARY"

lab() { # LAB_VMS
    LAB_VMS="$1" bash lab/lab.sh up
    # shellcheck disable=SC1091
    source .lab/env
}

side() {
    local names=("$@")
    [ ${#names[@]} -gt 0 ] || names=($(cd benchmarks && ls ./*.py | sed 's|^\./||; s|\.py$||' | grep -v '^_'))
    lab "${LAB_VMS:-5000}"
    for b in "${names[@]}"; do
        echo "===== $b"
        .venv/bin/python "benchmarks/$b.py"
    done
}

curves() {
    local n
    echo "===== curves"
    for n in ${BENCH_INVENTORY:-1000 5000 20000}; do
        lab "$n"
        .venv/bin/python benchmarks/node_lookup.py --curve
        .venv/bin/python benchmarks/doctor.py --curve
        .venv/bin/python benchmarks/inventory_plugin.py --curve
    done
    .venv/bin/python benchmarks/vmdk_create.py --curve
    .venv/bin/python benchmarks/pv_create.py --curve
    bash lab/lab.sh rtt 0
}

case "${1:-all}" in
    side) shift; side "$@" ;;
    curves) curves ;;
    all) side; curves ;;
    *) side "$@" ;;
esac
echo "===== summary (also in $BENCH_SUMMARY)"
cat "$BENCH_SUMMARY"
