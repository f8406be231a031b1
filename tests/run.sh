#!/usr/bin/env bash
# The test entry point of 'make test' and CI: tests/run.sh all|sanity|lint|docs|unit|integration|packaging|compat
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
what=${1:-all}
OUT="$ROOT/tests/output"
mkdir -p "$OUT"
rm -f "$OUT"/junit-*.xml
declare -a RESULTS=()

step() { # name command...
    local name=$1; shift
    printf '\n===== %s =====\n' "$name"
    local t0=$SECONDS
    "$@"
    local rc=$?
    RESULTS+=("$name: exit $rc in $((SECONDS - t0))s")
    return $rc
}

sanity() {
    # ansible-test needs the collection at a real ansible_collections/<ns>/<name> path: copy the tracked tree.
    # It must be outside this git checkout too, or it would take the copy for ignored files.
    local top; top=$(mktemp -d "${TMPDIR:-/tmp}/vsphere_k8s_sanity.XXXXXX")
    local dest="$top/ansible_collections/vsphere_k8s/cloud_provider"
    mkdir -p "$dest"
    git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dest" 2>/dev/null
    local py; py=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    # ansible-test bootstraps pip in its venvs with a script from a host outside the reachable registries:
    # give it our stand-in (ensurepip, then pip from PyPI) under the cache name it looks for.
    local pipv; pipv=$(.venv/bin/python -c 'from ansible_test._internal.python_requirements import get_venv_packages
from ansible_test._internal.host_configs import NativePythonConfig
print(get_venv_packages(NativePythonConfig(version="'"$py"'"))["pip"])' 2>/dev/null || echo "")
    if [ -n "$pipv" ]; then
        mkdir -p "$HOME/.ansible/test/cache"
        cp tests/sanity/get_pip.py "$HOME/.ansible/test/cache/get_pip_${pipv//./_}.py"
    fi
    (cd "$dest" && "$ROOT/.venv/bin/ansible-test" sanity --venv --python "$py" --color no)
    local rc=$?
    rm -rf "$top"
    return $rc
}

docs() {
    # antsibull-docs checks every plugin's and role's documentation (schema, markup, references) in its own
    # virtualenv (lab/venv.sh DIR docs); the HTML docsite is 'make docs'.
    bash lab/venv.sh .venv-docs docs || return 1
    (export PATH="$ROOT/.venv-docs/bin:$PATH" && unset ANSIBLE_COLLECTIONS_PATH &&
        antsibull-docs lint-collection-docs --plugin-docs .)
}

lint() {
    # ansible-lint, production profile (.ansible-lint), on the roles and playbooks. The collection is put on a
    # collections path of its own (as the lab does), so the playbooks' FQCNs resolve to this checkout.
    local top; top=$(mktemp -d "${TMPDIR:-/tmp}/vsphere_k8s_lint.XXXXXX")
    mkdir -p "$top/ansible_collections/vsphere_k8s"
    ln -s "$ROOT" "$top/ansible_collections/vsphere_k8s/cloud_provider"
    ANSIBLE_COLLECTIONS_PATH="$top" .venv/bin/ansible-lint --nocolor roles/ playbooks/
    local rc=$?
    rm -rf "$top"
    return $rc
}

pytest_run() { # venv junit-name paths...
    local venv=$1 name=$2; shift 2
    "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE --junitxml "$OUT/junit-$name.xml" "$@"
}

lab_up() {
    bash lab/lab.sh up || return 1
    LAB_STARTED=1
}

integration() {
    lab_up || return 1
    # shellcheck disable=SC1091
    (source .lab/env && pytest_run .venv integration tests/integration)
}

compat() {
    bash lab/venv.sh .venv-compat compat || return 1
    pytest_run .venv-compat unit-compat tests/unit || return 1
    lab_up || return 1
    # The smoke test runs ansible-playbook from ansible-core 2.16.
    (source .lab/env && export PATH="$ROOT/.venv-compat/bin:$PATH" &&
        pytest_run .venv-compat integration-compat -m smoke tests/integration)
}

summary() {
    printf '\n===== summary =====\n'
    printf '%s\n' "${RESULTS[@]}"
    .venv/bin/python - "$OUT" <<'PY'
import glob, sys
import xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/junit-*.xml"):
    for s in ET.parse(f).getroot().iter("testsuite"):
        t, fl, e, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        failed += fl + e
        skipped += sk
        passed += t - fl - e - sk
print("total: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
PY
}

LAB_STARTED=0
cleanup() { [ "$LAB_STARTED" = 1 ] && [ "${KEEP_LAB:-0}" != 1 ] && bash lab/lab.sh down; }
trap cleanup EXIT

bash lab/venv.sh .venv newest || exit 1
rc=0
case "$what" in
    all)
        step sanity sanity || rc=1
        step lint lint || rc=1
        step docs docs || rc=1
        step unit pytest_run .venv unit tests/unit || rc=1
        step packaging pytest_run .venv packaging tests/packaging || rc=1
        step integration integration || rc=1
        step compat compat || rc=1
        ;;
    sanity) step sanity sanity || rc=1 ;;
    lint) step lint lint || rc=1 ;;
    docs) step docs docs || rc=1 ;;
    unit) step unit pytest_run .venv unit tests/unit || rc=1 ;;
    packaging) step packaging pytest_run .venv packaging tests/packaging || rc=1 ;;
    integration) step integration integration || rc=1 ;;
    compat) step compat compat || rc=1 ;;
    *) echo "usage: tests/run.sh all|sanity|lint|docs|unit|integration|packaging|compat" >&2; exit 2 ;;
esac
summary
exit $rc
