"""The collection as users get it: the built tarball installs, every module's docs render, and an
Ansible Automation Platform execution environment can be built from it."""

import glob
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")))


def run(*cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kw)
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT)
    tarball = glob.glob(str(out / "vsphere_k8s-cloud_provider-*.tar.gz"))
    assert len(tarball) == 1
    dest = tmp_path_factory.mktemp("collections")
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-p", str(dest), tarball[0])
    return tarball[0], dest


def test_tarball_leaves_out_the_lab_and_test_artefacts(installed):
    tarball = installed[0]
    names = run("tar", "-tzf", tarball).split()
    assert "meta/runtime.yml" in names and "plugins/modules/vsphere_object_info.py" in names
    for unwanted in (".lab/", ".venv/", "lab/", "benchmarks/", ".build/", "tests/output/"):
        assert not any(n.startswith(unwanted) for n in names), unwanted


def test_every_module_in_the_installed_collection_has_rendering_docs(installed):
    dest = installed[1]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(dest))
    listed = run(os.path.join(BIN, "ansible-doc"), "-t", "module", "-l", "vsphere_k8s.cloud_provider", env=env)
    for module in MODULES:
        assert "vsphere_k8s.cloud_provider.%s" % module in listed
        text = run(os.path.join(BIN, "ansible-doc"), "vsphere_k8s.cloud_provider.%s" % module, env=env)
        assert "EXAMPLES" in text and "RETURN VALUES" in text, module


def test_action_groups_name_every_module():
    runtime = yaml.safe_load(open(os.path.join(ROOT, "meta", "runtime.yml")))
    groups = runtime["action_groups"]
    grouped = set(groups["vsphere"]) | set(groups["kubernetes"])
    # cloud_config takes both connections nested: neither group's defaults fit it.
    assert set(MODULES) - {"cloud_config"} <= grouped


def test_execution_environment_builds_from_the_collection(tmp_path, installed):
    dest = installed[1]
    builder = os.path.join(BIN, "ansible-builder")
    # What ansible-builder reads from the installed collection: its Python and system requirements.
    intro = yaml.safe_load(run(builder, "introspect", str(dest)))
    python_reqs = " ".join(intro["python"])
    for req in ("pyvmomi>=", "kubernetes>=", "jmespath>="):
        assert req in python_reqs
    assert any("ca-certificates" in x for x in intro["system"])
    ee = tmp_path / "execution-environment.yml"
    ee.write_text(yaml.safe_dump({
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
        "dependencies": {"galaxy": {"collections": [{"name": installed[0], "type": "file"}]},
                         "ansible_core": {"package_pip": "ansible-core"}, "ansible_runner": {"package_pip": "ansible-runner"}},
    }))
    run(builder, "create", "-f", str(ee), "-c", str(tmp_path / "context"))
    ctx = tmp_path / "context"
    build_file = ctx / "Containerfile" if (ctx / "Containerfile").exists() else ctx / "Dockerfile"
    assert "ansible-galaxy" in build_file.read_text()
    assert "vsphere_k8s-cloud_provider" in (ctx / "_build" / "requirements.yml").read_text()
