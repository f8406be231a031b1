"""The roles' variables: every public one prefixed by its role's name and declared in meta/argument_specs.yml with a
description and a type, private ones (vars/, facts, task vars, registered results not meant for users) with the
double-underscore prefix, site values required with no default, and no value of the lab anywhere in a role."""

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = sorted(d for d in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", d)))
# What the lab's vcsim and inventory call things (playbooks/inventory/lab.yml): never in a role.
LAB_VALUES = ["DC0", "LocalDS_", "DatastoreCluster", "storage-tier", "k8s-cp-1", "k8s-worker", "lab-cluster",
              "zone-a", "zone-b", "region-1", "/vm/kubernetes", "k8s-vsphere", "10.0.0.0/24", "192.168.100."]
# Registered results the roles offer to playbooks (bootstrap.yml's summary reads them).
OUTPUTS = {
    "vcenter_prereqs": {"vcenter_prereqs_roles", "vcenter_prereqs_tags", "vcenter_prereqs_node_vms"},
    "cloud_controller": {"cloud_controller_apply"},
    "csi_driver": {"csi_driver_apply"},
    "storage": {"storage_disk_result", "storage_class_result", "storage_persistent_volume_result"},
    "node_config": {"node_config_state"},
}
# Required: what only a site knows.
REQUIRED = {
    "vcenter_prereqs": {"vcenter_prereqs_principal", "vcenter_prereqs_clusters", "vcenter_prereqs_datastores",
                        "vcenter_prereqs_read_only_objects", "vcenter_prereqs_node_folder"},
    "cloud_controller": {"cloud_controller_vsphere_config"},
    "csi_driver": {"csi_driver_vsphere_config"},
    "storage": set(),
    "node_config": set(),
}


def load(*parts):
    path = os.path.join(ROOT, "roles", *parts)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return yaml.safe_load(f)


def role_files(role):
    for top, _dirs, files in os.walk(os.path.join(ROOT, "roles", role)):
        for name in files:
            path = os.path.join(top, name)
            with open(path) as f:
                yield os.path.relpath(path, ROOT), f.read()


def options(role):
    return load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]


def walk_options(opts, where):
    for name, spec in opts.items():
        yield "%s.%s" % (where, name), spec
        if spec.get("options"):
            yield from walk_options(spec["options"], "%s.%s" % (where, name))


@pytest.mark.parametrize("role", ROLES)
def test_every_option_has_a_description_and_a_type_and_required_ones_have_no_default(role):
    problems = []
    for where, spec in walk_options(options(role), role):
        if not spec.get("description"):
            problems.append("%s: no description" % where)
        if not spec.get("type"):
            problems.append("%s: no type" % where)
        if spec.get("type") == "list" and not spec.get("elements"):
            problems.append("%s: a list without elements" % where)
        if spec.get("required") and "default" in spec:
            problems.append("%s: required with a default" % where)
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_site_values_are_required_and_absent_from_the_defaults(role):
    opts = options(role)
    assert {k for k, v in opts.items() if v.get("required")} == REQUIRED[role]
    defaults = load(role, "defaults", "main.yml") or {}
    assert REQUIRED[role] & set(defaults) == set()


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_a_declared_option_with_the_same_default(role):
    opts = options(role)
    defaults = load(role, "defaults", "main.yml") or {}
    problems = []
    for name, value in defaults.items():
        if name not in opts:
            problems.append("%s: not in meta/argument_specs.yml" % name)
        elif not (isinstance(value, str) and "{{" in value) and opts[name].get("default", None) != value:
            problems.append("%s: default %r, spec says %r" % (name, value, opts[name].get("default")))
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_every_public_variable_a_role_reads_is_declared_or_an_output(role):
    opts = set(options(role))
    used = set()
    for path, text in role_files(role):
        if path.endswith("argument_specs.yml"):
            continue
        text = re.sub(r"(?m)^\s*#.*$", "", text)  # comments
        # Names, not attributes (item.storage_policy, a module's FQCN) nor a module's option keys.
        used |= set(re.findall(r"(?<![.\w])(%s_[a-z0-9][a-z0-9_]*)\b(?!\s*:)" % role, text))
    used = {u for u in used if not u.startswith(role + "__")}
    assert used - opts - OUTPUTS[role] == set()


@pytest.mark.parametrize("role", ROLES)
def test_private_variables_carry_the_double_underscore_prefix(role):
    problems = []
    for name in (load(role, "vars", "main.yml") or {}):
        if not name.startswith(role + "__"):
            problems.append("vars/main.yml: %s" % name)
    for path, text in role_files(role):
        if not path.endswith(".yml") or "/tasks/" not in path:
            continue
        for task in yaml.safe_load(text) or []:
            for t in [task] + task.get("block", []):
                names = list((t.get("vars") or {}).keys())
                names += [n for n in (t.get("ansible.builtin.set_fact") or {}) if n not in OUTPUTS[role]]
                if t.get("register") and t["register"] not in OUTPUTS[role]:
                    names.append(t["register"])
                problems += ["%s: %s" % (path, n) for n in names if not n.startswith(role + "__")]
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_no_value_of_the_lab_is_in_a_role(role):
    found = [(path, v) for path, text in role_files(role) for v in LAB_VALUES if v in text
             and not path.endswith("argument_specs.yml")]
    assert found == []


def test_storage_volumes_is_renamed_so_it_cannot_collide_with_the_system_storage_role():
    assert "storage_volumes" not in options("storage")
    assert "storage_persistent_volumes" in options("storage")
