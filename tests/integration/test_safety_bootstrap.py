"""Safety of the bootstrap modules against the lab: vcenter_role, vcenter_tags, node_vm, node_vm_info, cloud_config.

Table-driven: every bad input (misspelled choices in options and list items, wrong types, empty and huge values,
malformed paths with '..', unknown objects) is a clear error naming the option or object, never a traceback, and
neither vCenter (SOAP and REST) nor Kubernetes is written. Then the destructive and leaking paths: system roles,
folders called '..', passwords in errors and diffs, symlinks planted at temporary names.
"""

import base64
import json
import os
import stat

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse
from conftest import audit_writes, mutating_soap_calls

HUGE = "x" * 20000
LAB_PASSWORD_ENV = "VMWARE_PASSWORD"


def rest_writes(entries):
    """vSphere Automation (tagging) calls that create, change or delete something (sessions and listings aside)."""
    out = []
    for e in entries:
        if e.get("kind") != "http" or "/rest/" not in e.get("path", ""):
            continue
        path, query, verb = e["path"], e.get("query", ""), e.get("http")
        if path.endswith("/cis/session"):
            continue
        if verb in ("PUT", "PATCH", "DELETE"):
            out.append(e)
        elif verb == "POST" and ("action=attach" in query or "action=detach" in query or (
                "action=" not in query and (path.endswith("/tagging/category") or path.endswith("/tagging/tag")))):
            out.append(e)
    return out


def run_table(playbook, module, cases, **kw):
    """One playbook, one task per case (errors ignored), so the whole table costs one ansible-playbook run."""
    tasks = [{"name": name, module: args, "ignore_errors": True} for name, args, _words in cases]
    return playbook(tasks, **kw)


def assert_clear_errors(r, cases):
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, r.stderr[-3000:]
    problems = []
    for name, _args, words in cases:
        res = r[name]
        text = json.dumps(res)
        if not (res.get("failed") or res.get("_status") == "failed"):
            problems.append("%s: did not fail: %s" % (name, text[:300]))
            continue
        if "module_stderr" in res or "Traceback" in text:
            problems.append("%s: traceback: %s" % (name, text[:600]))
            continue
        msg = res.get("msg", "")
        missing = [w for w in words if w.lower() not in msg.lower()]
        if missing:
            problems.append("%s: message lacks %s: %s" % (name, missing, msg[:400]))
    assert problems == [], "\n".join(problems)


# -- vcenter_role --------------------------------------------------------------------------------------------------
ROLE = "safety-role"
ROLE_CASES = [
    ("role state misspelled", dict(name=ROLE, state="Absent"), ["state", "present, absent"]),
    ("role removing Admin", dict(name="Admin", state="absent"), ["Admin", "system role"]),
    ("role removing ReadOnly", dict(name="ReadOnly", state="absent"), ["ReadOnly", "system role"]),
    ("role removing NoAccess", dict(name="NoAccess", state="absent"), ["NoAccess", "system role"]),
    ("role removing Anonymous", dict(name="Anonymous", state="absent"), ["Anonymous", "system role"]),
    ("role removing View", dict(name="View", state="absent"), ["View", "system role"]),
    ("role narrowing Admin", dict(name="Admin", privileges=["Datastore.AllocateSpace"]), ["Admin", "system role"]),
    ("role unknown privilege", dict(name=ROLE, privileges=["Datastore.AllocateSpac"]),
     ["Unknown privileges", "Datastore.AllocateSpac"]),
    ("role huge privilege", dict(name=ROLE, privileges=[HUGE]), ["Unknown privileges"]),
    ("role empty privilege", dict(name=ROLE, privileges=[""]), ["privileges[0]", "empty"]),
    ("role empty name", dict(name="", privileges=["Datastore.AllocateSpace"]), ["name", "empty"]),
    ("role name with a line break", dict(name="safety\nrole", privileges=["Datastore.AllocateSpace"]),
     ["name", "control"]),
    ("role privileges wrong type", dict(name=ROLE, privileges={"a": 1}), ["privileges"]),
    ("role permission without any principal", dict(name=ROLE, permissions=[{"entity": "/DC0"}]),
     ["permissions[0]", "principal"]),
    ("role permission propagate not a bool",
     dict(name=ROLE, permissions=[{"entity": "/DC0", "principal": "u@vsphere.local", "propagate": "maybe"}]),
     ["permissions[0]", "propagate"]),
    ("role permission misspelled key",
     dict(name=ROLE, permissions=[{"entity": "/DC0", "principal": "u@vsphere.local", "grup": True}]),
     ["permissions[0]", "grup"]),
    ("role permission not a dict", dict(name=ROLE, permissions=["/DC0"]), ["permissions", "dict"]),
    ("role permission dot dot", dict(name=ROLE, principal="u@vsphere.local", permissions=[{"entity": "/DC0/../x"}]),
     ["/DC0/../x", ".."]),
    ("role entity unknown", dict(name=ROLE, principal="u@vsphere.local", entities=["/DC9/host"]),
     ["/DC9/host", "No inventory object"]),
    ("role entity backslash", dict(name=ROLE, principal="u@vsphere.local", entities=["\\DC0\\host"]),
     ["backslash"]),
    ("role entity huge", dict(name=ROLE, principal="u@vsphere.local", entities=["/" + HUGE]),
     ["No inventory object"]),
    ("role entities without principal", dict(name=ROLE, entities=["/DC0"]), ["entities", "principal"]),
    ("role documented form with a misspelled item key",
     dict(name=ROLE, privileges=["Datastore.AllocateSpace"],
          permissions=[{"entity": "/DC0/datastore/LocalDS_0", "principal": "u@vsphere.local", "propagat": False}]),
     ["permissions[0]", "propagat"]),
    ("role group not a bool", dict(name=ROLE, principal="u@vsphere.local", entities=["/DC0"], group="maybe"),
     ["group"]),
]


def test_vcenter_role_bad_inputs_are_clear_errors_and_change_nothing(playbook, vcsim_trace, vsphere):
    am = vsphere.RetrieveContent().authorizationManager
    roles_before = {r.name: (r.roleId, sorted(r.privilege or [])) for r in am.roleList}
    r = run_table(playbook, "vsphere_k8s.cloud_provider.vcenter_role", ROLE_CASES)
    assert_clear_errors(r, ROLE_CASES)
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert {x.name: (x.roleId, sorted(x.privilege or [])) for x in am.roleList} == roles_before


def test_vcenter_role_grants_with_the_tasks_principal_and_grants_a_system_role_unchanged(playbook, vsphere):
    """F10: the permissions form without principal in the items works; a system role is granted as it is."""
    content = vsphere.RetrieveContent()
    am = content.authorizationManager
    principal = "safety-user@vsphere.local"
    dc = content.rootFolder.childEntity[0]
    try:
        r = playbook([
            {"name": "role", "vsphere_k8s.cloud_provider.vcenter_role": {
                "name": ROLE, "privileges": ["Datastore.AllocateSpace"], "principal": principal,
                "permissions": [{"entity": "/DC0", "propagate": False}]}},
            {"name": "again", "vsphere_k8s.cloud_provider.vcenter_role": {
                "name": ROLE, "privileges": ["Datastore.AllocateSpace"], "principal": principal,
                "permissions": [{"entity": "/DC0", "propagate": False}]}},
            {"name": "read only", "vsphere_k8s.cloud_provider.vcenter_role": {
                "name": "ReadOnly", "principal": principal, "entities": ["/DC0/datastore"]}},
        ])
        assert r.rc == 0, r
        assert r["role"]["changed"] is True and r["again"]["changed"] is False
        role = next(x for x in am.roleList if x.name == ROLE)
        perms = [p for p in am.RetrieveEntityPermissions(entity=dc, inherited=False) if p.principal == principal]
        assert [(p.roleId, p.propagate) for p in perms] == [(role.roleId, False)]
        read_only = next(x for x in am.roleList if x.name == "ReadOnly")
        ds_folder = dc.datastoreFolder
        perms = [p for p in am.RetrieveEntityPermissions(entity=ds_folder, inherited=False)
                 if p.principal == principal]
        assert [p.roleId for p in perms] == [read_only.roleId]
        assert sorted(read_only.privilege or []) == sorted(
            next(x for x in vsphere.RetrieveContent().authorizationManager.roleList
                 if x.name == "ReadOnly").privilege or [])
    finally:
        for obj in (dc, dc.datastoreFolder):
            try:
                am.RemoveEntityPermission(entity=obj, user=principal, isGroup=False)
            except vim.fault.NotFound:
                pass
        for x in am.roleList:
            if x.name == ROLE:
                am.RemoveAuthorizationRole(roleId=x.roleId, failIfUsed=False)


# -- vcenter_tags ---------------------------------------------------------------------------------------------------
TAG_CASES = [
    ("tags empty category name", dict(categories=[{"name": ""}]), ["categories[0]", "name is empty"]),
    ("tags blank category name", dict(categories=[{"name": "   "}]), ["categories[0]", "name is empty"]),
    ("tags empty tag name", dict(categories=[{"name": "safety-zone"}],
                                 tags=[{"name": "", "category": "safety-zone"}]), ["tags[0]", "name is empty"]),
    ("tags empty tag category", dict(tags=[{"name": "safety-a", "category": ""}]), ["tags[0]", "category is empty"]),
    ("tags cardinality misspelled", dict(categories=[{"name": "safety-zone", "cardinality": "single"}]),
     ["categories[0] (safety-zone)", "cardinality", "SINGLE, MULTIPLE"]),
    ("tags associable type misspelled",
     dict(categories=[{"name": "safety-zone", "associable_types": ["ClusterComputeResources"]}]),
     ["categories[0] (safety-zone)", "associable_types", "ClusterComputeResource"]),
    ("tags category key misspelled", dict(categories=[{"name": "safety-zone", "cardinallity": "SINGLE"}]),
     ["categories[0] (safety-zone)", "cardinallity"]),
    ("tags tag key misspelled",
     dict(tags=[{"name": "safety-a", "category": "k8s-zone", "atach_to": ["/DC0/host/zone-a"]}]),
     ["tags[0] (safety-a)", "atach_to"]),
    ("tags tag not a dict", dict(tags=["safety-a"]), ["tags", "dict"]),
    ("tags categories a string", dict(categories="safety-zone"), ["categories", "dict"]),
    ("tags attach_to dot dot",
     dict(categories=[{"name": "safety-zone"}],
          tags=[{"name": "safety-a", "category": "safety-zone", "attach_to": ["/DC0/host/../x"]}]),
     ["tags[0] (safety-a)", "attach_to", ".."]),
    ("tags attach_to empty segment",
     dict(tags=[{"name": "safety-a", "category": "k8s-zone", "attach_to": ["/DC0//host"]}]), ["empty segment"]),
    ("tags attach_to unknown",
     dict(categories=[{"name": "safety-zone"}],
          tags=[{"name": "safety-a", "category": "safety-zone", "attach_to": ["/DC0/host/no-such-cluster"]}]),
     ["/DC0/host/no-such-cluster", "No inventory object"]),
    ("tags unknown category", dict(tags=[{"name": "safety-a", "category": "no-such-category"}]),
     ["no-such-category", "do not exist"]),
    ("tags huge tag name", dict(tags=[{"name": HUGE, "category": "no-such-category"}]),
     ["no-such-category", "do not exist"]),
    ("tags attach_to wrong type",
     dict(tags=[{"name": "safety-a", "category": "k8s-zone", "attach_to": {"a": 1}}]), ["tags[0]", "attach_to"]),
]


def test_vcenter_tags_bad_inputs_are_clear_errors_and_create_nothing(playbook, vcsim_trace):
    r = run_table(playbook, "vsphere_k8s.cloud_provider.vcenter_tags", TAG_CASES)
    assert_clear_errors(r, TAG_CASES)
    entries = vcsim_trace.entries()
    assert mutating_soap_calls(entries) == []
    assert rest_writes(entries) == []


# -- node_vm ---------------------------------------------------------------------------------------------------------
NODE = ["k8s-worker-1"]
NODE_VM_CASES = [
    ("node_vm dot dot folder", dict(names=NODE, move_to_folder="../../x"), ["move_to_folder", ".."]),
    ("node_vm dot dot inside", dict(names=NODE, move_to_folder="/DC0/vm/../../x"), ["move_to_folder", ".."]),
    ("node_vm dot folder", dict(names=NODE, move_to_folder="/DC0/vm/./x"), ["move_to_folder", "'.'"]),
    ("node_vm empty segment", dict(names=NODE, move_to_folder="/DC0/vm/a//b"), ["move_to_folder", "empty segment"]),
    ("node_vm backslash", dict(names=NODE, move_to_folder="kubernetes\\nodes"), ["move_to_folder", "backslash"]),
    ("node_vm line break", dict(names=NODE, move_to_folder="kubernetes/no\ndes"), ["move_to_folder", "control"]),
    ("node_vm empty folder", dict(names=NODE, move_to_folder=""), ["move_to_folder", "empty"]),
    ("node_vm huge folder", dict(names=NODE, move_to_folder="/DC0/vm/" + "y" * 100), ["at most 80"]),
    ("node_vm unknown datacenter folder", dict(names=NODE, move_to_folder="/DC9/vm/x"), ["DC9"]),
    ("node_vm folder of another kind", dict(names=NODE, move_to_folder="/DC0/host/x"), ["vm folder"]),
    ("node_vm unknown vm", dict(names=["no-such-vm"]), ["no-such-vm"]),
    ("node_vm huge name", dict(names=[HUGE[:5000]]), ["No VM found"]),
    ("node_vm pvscsi not a bool", dict(names=NODE, pvscsi="maybe"), ["pvscsi"]),
    ("node_vm disk_enable_uuid misspelled", dict(names=NODE, disk_enable_uuid="tru"), ["disk_enable_uuid"]),
    ("node_vm fail_on_missing not a bool", dict(names=NODE, fail_on_missing="sometimes"), ["fail_on_missing"]),
    ("node_vm unknown option", dict(names=NODE, move_to_foldr="/DC0/vm/x"), ["move_to_foldr"]),
    ("node_vm no input", dict(pvscsi=True), ["names"]),
    ("node_vm unknown datacenter", dict(names=NODE, datacenter="DC9"), ["DC9"]),
    ("node_vm dot dot search folder", dict(names=NODE, folder="../vm", move_to_folder="/DC0/vm/x"),
     ["folder", ".."]),
]


def test_node_vm_bad_inputs_are_clear_errors_and_change_nothing(playbook, vcsim_trace, vsphere):
    vm = [v for v in vsphere.RetrieveContent().viewManager.CreateContainerView(
        vsphere.RetrieveContent().rootFolder, [vim.VirtualMachine], True).view if v.name == NODE[0]][0]
    parent = vm.parent.name
    r = run_table(playbook, "vsphere_k8s.cloud_provider.node_vm", NODE_VM_CASES)
    assert_clear_errors(r, NODE_VM_CASES)
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert vm.parent.name == parent
    folders = vsphere.RetrieveContent().viewManager.CreateContainerView(
        vsphere.RetrieveContent().rootFolder, [vim.Folder], True).view
    assert [f.name for f in folders if f.name in ("..", ".", "x")] == []


# -- node_vm_info (read-only: never a traceback, never a write) -----------------------------------------------------
INFO_CASES = [
    ("info unknown datacenter", dict(names=NODE, datacenter="DC9"), ["DC9"]),
    ("info dot dot folder", dict(names=NODE, folder="../x"), ["folder"]),
    ("info unknown folder", dict(names=NODE, folder="/DC0/vm/no-such-folder"), ["no-such-folder"]),
    ("info missing with fail_on_missing", dict(names=["no-such-vm"], fail_on_missing=True), ["no-such-vm"]),
    ("info from_cluster not a bool", dict(from_cluster="maybe"), ["from_cluster"]),
    ("info names wrong type", dict(names={"a": 1}), ["names"]),
    ("info unknown option", dict(nmaes=NODE), ["nmaes"]),
    ("info ip family misspelled", dict(names=NODE, ip_family=["ipv5"]), ["ip_family"]),
    ("info bad cidr", dict(names=NODE, internal_network_subnet_cidr=["10.0.0.0/33"]), ["10.0.0.0/33"]),
    ("info no input", dict(), ["names"]),
]
INFO_OK = [
    ("info bad uuid", dict(uuids=["not-a-uuid"])),
    ("info bad provider id", dict(provider_ids=["aws:///i-123"])),
    ("info bad ip", dict(ips=["999.1.1.1"])),
    ("info huge name", dict(names=[HUGE[:5000]])),
    ("info empty name", dict(names=[""])),
    ("info unknown zone category", dict(names=NODE, zone_category="no-such-category")),
]


def test_node_vm_info_never_tracebacks_and_never_writes(playbook, vcsim_trace, audit_log):
    module = "vsphere_k8s.cloud_provider.node_vm_info"
    tasks = [{"name": n, module: a, "ignore_errors": True} for n, a, _w in INFO_CASES]
    tasks += [{"name": n, module: a, "ignore_errors": True} for n, a in INFO_OK]
    r = playbook(tasks)
    assert_clear_errors(r, INFO_CASES)
    for name, _args in INFO_OK:
        res = r[name]
        text = json.dumps(res)
        assert "Traceback" not in text and "module_stderr" not in res, text[:600]
        assert res.get("_status") != "failed" or res.get("msg"), text[:600]
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []


# -- cloud_config ---------------------------------------------------------------------------------------------------
def vcenter(password=None, **kw):
    vc = dict(server=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]), user=os.environ["VMWARE_USER"],
              password=os.environ[LAB_PASSWORD_ENV] if password is None else password, datacenters=["DC0"],
              ca_file=os.environ["VMWARE_CA_BUNDLE"])
    vc.update(kw)
    return vc


BROKEN_PASSWORD = "Broken-pass\nword-second-line;#\"\\"


def secret_forms(secret):
    return [f for f in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1],
                        base64.b64encode(secret.encode()).decode()) + tuple(
        x for x in secret.splitlines() if len(x) >= 6) if f]


@pytest.fixture
def dirs(tmp_path):
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "target").write_text("keep me")
    os.symlink(tmp_path / "target", tmp_path / "link.conf")
    return tmp_path


def cloud_cases(d):
    ok = dict(vcenters=[vcenter()])
    k8s = {}
    return [
        ("cc format misspelled", dict(format="in_tre", config=ok), ["format", "in_tree"]),
        ("cc password with a line break", dict(format="in_tree", config=dict(vcenters=[vcenter(BROKEN_PASSWORD)]),
                                               dest=str(d / "broken.conf")), ["password", "line break"]),
        ("cc password with a line break csi", dict(format="csi", config=dict(vcenters=[vcenter(BROKEN_PASSWORD)]),
                                                   secret=dict(name="safety-csi", namespace="default", key="k"),
                                                   kubernetes=k8s), ["password", "line break"]),
        ("cc credentials misspelled", dict(format="cpi_ini", config=dict(ok, credentials="Secret")), ["credentials"]),
        ("cc scsicontrollertype misspelled", dict(format="in_tree", config=dict(ok, disk={"scsicontrollertype": "pvscci"})),
         ["scsicontrollertype", "pvscsi"]),
        ("cc workspace key misspelled", dict(format="in_tree", config=dict(ok, workspace={"defualt_datastore": "x"})),
         ["defualt_datastore"]),
        ("cc nodes key misspelled", dict(format="cpi_yaml", config=dict(ok, nodes={"internal_subnet": "10.0.0.0/8"})),
         ["internal_subnet"]),
        ("cc ip family misspelled", dict(format="cpi_ini", config=dict(ok, ip_family=["ipv5"])), ["ip_family"]),
        ("cc port not a number", dict(format="in_tree", config=dict(ok, port="many")), ["port"]),
        ("cc port zero", dict(format="in_tree", config=dict(vcenters=[vcenter(port=0)])), ["port"]),
        ("cc no vcenters", dict(format="in_tree", config=dict(vcenters=[])), ["vcenters"]),
        ("cc empty server", dict(format="in_tree", config=dict(vcenters=[vcenter(server="")])), ["server"]),
        ("cc server with a line break", dict(format="cpi_yaml", config=dict(vcenters=[vcenter(server="vc\n[x]")])),
         ["server"]),
        ("cc huge cluster id", dict(format="csi", config=dict(ok, cluster_id=HUGE)), ["cluster_id", "64"]),
        ("cc config not a dict", dict(format="in_tree", config="vcenters"), ["config"]),
        ("cc vcenter not a dict", dict(format="in_tree", config=dict(vcenters=["vc"])), ["vcenters"]),
        ("cc dest a directory", dict(format="in_tree", config=ok, dest=str(d / "a-dir")), ["dest", "directory"]),
        ("cc dest below a file", dict(format="in_tree", config=ok, dest=str(d / "a-file" / "x.conf")),
         ["dest", "not a directory"]),
        ("cc dest a symlink", dict(format="in_tree", config=ok, dest=str(d / "link.conf")), ["dest", "symbolic link"]),
        ("cc dest unwritable", dict(format="in_tree", config=ok, dest="/proc/sys/vsphere.conf"), ["dest"]),
        ("cc secret name with dot dot", dict(format="csi", config=ok, kubernetes=k8s,
                                             secret=dict(name="../secrets/x", namespace="default", key="k")),
         ["secret.name"]),
        ("cc secret namespace with slash", dict(format="csi", config=ok, kubernetes=k8s,
                                                secret=dict(name="x", namespace="default/configmaps/../../kube-system",
                                                            key="k")), ["secret.namespace"]),
        ("cc configmap with credentials", dict(format="in_tree", config=ok, kubernetes=k8s,
                                               configmap=dict(name="safety-cm", namespace="default", key="k")),
         ["ConfigMap"]),
        ("cc kubernetes missing", dict(format="csi", config=ok, secret=dict(name="x", namespace="default", key="k")),
         ["kubernetes"]),
        ("cc validate untrusted certificate", dict(format="in_tree", validate=True,
                                                   config=dict(vcenters=[vcenter(ca_file=None)])),
         ["not trusted", "insecure: true", "ca_file"]),
        ("cc validate wrong password", dict(format="in_tree", validate=True,
                                            config=dict(vcenters=[vcenter("Wrong-Passw0rd-42")])),
         ["rejected the login", "user and password"]),
        ("cc validate unknown datacenter", dict(format="in_tree", validate=True,
                                                config=dict(vcenters=[vcenter(datacenters=["DC9"])])), ["DC9"]),
    ]


def with_workspace(cases):
    """The in-tree provider refuses a vsphere.conf without a full [Workspace]: in-tree cases about something
    else get one, so each still fails on what it is about."""
    out = []
    for name, params, words in cases:
        cfg = params.get("config")
        if params.get("format") == "in_tree" and isinstance(cfg, dict) and "workspace" not in cfg and \
                cfg.get("vcenters") and isinstance(cfg["vcenters"][0], dict) and cfg["vcenters"][0].get("server"):
            params = dict(params, config=dict(cfg, workspace=dict(
                server=cfg["vcenters"][0]["server"], datacenter="DC0", folder="kubernetes")))
        out.append((name, params, words))
    return out


def test_cloud_config_bad_inputs_are_clear_errors_and_write_nothing(playbook, dirs, vcsim_trace, audit_log):
    cases = with_workspace(cloud_cases(dirs))
    before = sorted(os.listdir(dirs))
    r = run_table(playbook, "vsphere_k8s.cloud_provider.cloud_config", cases, diff=True,
                  env={"ANSIBLE_VERBOSITY": "3"})
    assert_clear_errors(r, cases)
    for name in ("cc validate untrusted certificate", "cc validate wrong password"):
        for foreign in ("validate_certs", "ca_bundle", "VMWARE_", "hostname", "username"):
            assert foreign not in r[name]["msg"], (name, r[name]["msg"])
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []
    assert sorted(os.listdir(dirs)) == before and (dirs / "target").read_text() == "keep me"
    leaks = [f for s in (BROKEN_PASSWORD, "Wrong-Passw0rd-42", os.environ[LAB_PASSWORD_ENV]) for f in secret_forms(s)
             if f in r.stdout or f in r.stderr]
    assert leaks == []


def test_cloud_config_never_follows_links_planted_at_temporary_names(playbook, tmp_path):
    """F16: whatever temporary name the module might use, a link planted there is not written through."""
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    dest = tmp_path / "vsphere.conf"
    names = ["vsphere.conf.tmp-vsphere-k8s", "vsphere.conf.tmp", ".vsphere.conf.tmp", "vsphere.conf~",
             ".vsphere.conf.swp", "vsphere.conf.new", ".vsphere.conf"]
    for n in names:
        os.symlink(victim, tmp_path / n)
    task = {"name": "write", "vsphere_k8s.cloud_provider.cloud_config": {
        "format": "in_tree", "config": {"vcenters": [vcenter()], "workspace": {
            "server": os.environ["VMWARE_HOST"], "datacenter": "DC0", "folder": "kubernetes"}}, "dest": str(dest)}}
    r = playbook([task], diff=True, env={"ANSIBLE_VERBOSITY": "3"})
    assert r.rc == 0, r
    assert victim.read_text() == "keep me"
    assert not dest.is_symlink() and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    server = os.environ["VMWARE_HOST"]
    assert parse(dest.read_text())[("VirtualCenter", server)]["password"] == os.environ[LAB_PASSWORD_ENV]
    assert sorted(os.listdir(tmp_path)) == sorted(names + ["victim", "vsphere.conf"])
    assert [f for f in secret_forms(os.environ[LAB_PASSWORD_ENV]) if f in r.stdout or f in r.stderr] == []
    assert "********" in r["write"]["diff"]["after"] and "********" in r["write"]["content"]
    again = playbook([task])
    assert again.rc == 0 and again["write"]["changed"] is False, again
