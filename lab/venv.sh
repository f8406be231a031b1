#!/usr/bin/env bash
# Create or update a virtualenv for the collection's development and tests.
#   lab/venv.sh DIR newest          newest Python among 3.13/3.12/3.11, newest ansible-core it supports
#   lab/venv.sh DIR compat          Python 3.11 with ansible-core 2.16 (the oldest requires_ansible allows)
#   lab/venv.sh DIR peers           the peers benchmarks compare with: PyPI's 'ansible' package
#                                   (community.vmware, kubernetes.core) in a virtualenv of its own
#   lab/venv.sh DIR docs            ansible-core with antsibull-docs and Sphinx (the docs lint and 'make docs')
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$1 mode=${2:-newest}

find_python() {
    local v p
    for v in "$@"; do
        for p in "python$v" "$HOME/.pyenv/versions/$v"*/bin/python; do
            if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys, venv' >/dev/null 2>&1; then
                command -v "$p"; return 0
            fi
        done
    done
    return 1
}

reqs=(-r "$ROOT/requirements.txt" -r "$ROOT/tests/requirements.txt")
pins=()
if [ "$mode" = compat ]; then
    py=$(find_python 3.11) || { echo "venv: Python 3.11 is needed for the ansible-core 2.16 run" >&2; exit 1; }
    core='ansible-core>=2.16,<2.17'
elif [ "$mode" = peers ]; then
    py=$(find_python 3.13 3.12 3.11) || { echo "venv: Python 3.11 or newer is needed" >&2; exit 1; }
    core='ansible'
    reqs=(-r "$ROOT/requirements.txt")
elif [ "$mode" = docs ]; then
    py=$(find_python 3.13 3.12 3.11) || { echo "venv: Python 3.11 or newer is needed" >&2; exit 1; }
    core='ansible-core'
    # The theme and extensions antsibull-docs sphinx-init asks for; runtime requirements so the docs import.
    reqs=(-r "$ROOT/requirements.txt" antsibull-docs 'sphinx-ansible-theme>=0.9.0' sphinx)
else
    py=$(find_python 3.13 3.12 3.11) || { echo "venv: Python 3.11 or newer is needed" >&2; exit 1; }
    core='ansible-core'
    # The lint stage (tests/run.sh lint): a pinned ansible-lint known to work with the newest ansible-core
    # (26.x supports ansible-core 2.16 and newer; checked with 2.21). Only here: it would pull a newer
    # ansible-core into the compat venv.
    pins=("ansible-lint==26.10.1")
fi

want="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ -x "$dir/bin/python" ] && [ "$("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$want" ]; then
    rm -rf "$dir"
fi
[ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
stamp="$dir/.stamp"
key="$mode $( (cat "$ROOT/requirements.txt" "$ROOT/tests/requirements.txt"; echo "${pins[*]}") | sha256sum | cut -c1-16) $(date +%F)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$core" "${reqs[@]}" "${pins[@]}"
    echo "$key" >"$stamp"
fi
echo "venv: $dir: $("$dir/bin/python" --version), $("$dir/bin/ansible" --version | sed -n 1p)" >&2
