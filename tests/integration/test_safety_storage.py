"""Safety of the storage modules against the lab: no typo, blind spot or fault loses a disk (issue 9).

Table-driven bad inputs for vmdk, vmdk_attachment, vmdk_info, persistent_volume and the storage role: each is a
clear error (no traceback, the message names the item and the option) and the vcsim trace and the apiserver audit
log prove nothing was written. Then the destructive paths, each refused with nothing changed.
"""

import os
import uuid

import pytest
from pyVmomi import vim

import lab_vsphere
from conftest import ROOT, audit_writes, mutating_soap_calls
from test_vmdk import ds_file

VMDK = "vsphere_k8s.cloud_provider.vmdk"
PV = "vsphere_k8s.cloud_provider.persistent_volume"
ATTACH = "vsphere_k8s.cloud_provider.vmdk_attachment"
INFO = "vsphere_k8s.cloud_provider.vmdk_info"
HUGE = "x" * 5000


@pytest.fixture(scope="module")
def victim(lab_env):
    """A disk that exists for the whole module: a bad input must never touch it."""
    name = "victim-" + uuid.uuid4().hex[:6]
    return "[LocalDS_0] kubevols/%s.vmdk" % name, name


@pytest.fixture
def n():
    return uuid.uuid4().hex[:8]


def create(playbook, path, **extra):
    r = playbook([{"name": "create", VMDK: dict(path=path, size="64Mi", **extra)}])
    assert r.rc == 0, r
    return r["create"]["disks"][0]


def refused(r, *words):
    """The task failed with a clear message (no traceback) naming every word; returns the message."""
    assert r.rc != 0, r
    result = next(iter(r.tasks.values()))
    msg = result.get("msg", "")
    assert result.get("failed") or result.get("_status") == "failed", r
    for text in (r.stdout, r.stderr, msg):
        assert "Traceback" not in text, text[-3000:]
    for w in words:
        assert w in msg, "%r not in %r" % (w, msg)
    return msg


BAD_VMDK_ITEMS = [
    # (id, item, words the message must name)
    ("state misspelled", {"state": "Present"}, ["disks[0]", "state", "present, absent"]),
    ("state absnt", {"state": "absnt"}, ["disks[0]", "state"]),
    ("disk_format typo", {"disk_format": "thinn", "state": "present", "size": "1Gi"}, ["disk_format", "thinn"]),
    ("adapter_type typo", {"adapter_type": "pvscsii", "size": "1Gi"}, ["adapter_type"]),
    ("force as a word", {"force": "maybe", "state": "absent"}, ["force"]),
    ("first_class as a list", {"first_class": ["no"]}, ["first_class"]),
    ("unknown key", {"sise": "1Gi"}, ["sise"]),
    ("size zero", {"size": "0"}, ["size"]),
    ("size with a bad unit", {"size": "10Gx"}, ["size", "unit"]),
    ("size negative", {"size": "-1Gi"}, ["size"]),
    ("size a list", {"size": [1]}, ["size"]),
    ("huge path", {"path": "[LocalDS_0] kubevols/%s.vmdk" % HUGE}, []),
    ("dot segment", {"path": "[LocalDS_0] kubevols/./dot.vmdk", "size": "1Gi"}, ["clean"]),
    ("dot-dot segment", {"path": "[LocalDS_0] kubevols/../up.vmdk", "size": "1Gi"}, ["clean"]),
    ("backslash", {"path": "[LocalDS_0] kubevols\\back.vmdk", "size": "1Gi"}, ["backslash"]),
    ("empty segment", {"path": "[LocalDS_0] kubevols//x.vmdk", "size": "1Gi"}, ["clean"]),
    ("no datastore", {"path": "kubevols/x.vmdk", "size": "1Gi"}, ["datastore path"]),
    ("not a vmdk", {"path": "[LocalDS_0] kubevols/x.txt", "size": "1Gi"}, [".vmdk"]),
    ("empty path", {"path": "", "size": "1Gi"}, ["path"]),
    ("unknown datastore", {"path": "[NoSuchDS] kubevols/x.vmdk", "size": "1Gi"}, ["NoSuchDS"]),
    ("policy without first_class", {"storage_policy": "vSAN Default Storage Policy", "size": "1Gi"},
     ["first_class"]),
    ("unknown policy", {"storage_policy": "No Such Policy", "first_class": True, "size": "1Gi"},
     ["No Such Policy"]),
    ("item not a dict", "just-a-string", ["disks"]),
]


@pytest.mark.parametrize("case, item, words", BAD_VMDK_ITEMS, ids=[c[0] for c in BAD_VMDK_ITEMS])
def test_a_bad_disks_item_is_a_clear_error_and_nothing_is_written(playbook, vsphere, victim, case, item, words,
                                                                  vcsim_trace, audit_log):
    path, name = victim
    if not ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name):
        create(playbook, path)
        vcsim_trace.mark()
        audit_log.mark()
    if isinstance(item, dict):
        item = dict({"path": "[LocalDS_0] kubevols/other-%s.vmdk" % name}, **item)
    # The victim comes first and is valid: a bad item anywhere stops the whole task before any change.
    r = playbook([{"name": "bad", VMDK: {"disks": [item, {"path": path, "state": "absent", "force": True}]}}])
    refused(r, *words)
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) is not None


BAD_VMDK_TASK = [
    ("concurrency zero", {"concurrency": 0}, ["concurrency"]),
    ("concurrency negative", {"concurrency": -1}, ["concurrency"]),
    ("concurrency huge", {"concurrency": 100000}, ["concurrency"]),
    ("state misspelled", {"state": "Absent"}, ["state"]),
    ("force a word", {"force": "sometimes"}, ["force"]),
    ("datacenter unknown", {"datacenter": "NoDC", "size": "1Gi"}, ["NoDC"]),
    ("path and name", {"name": "x", "size": "1Gi"}, ["path"]),
]


@pytest.mark.parametrize("case, params, words", BAD_VMDK_TASK, ids=[c[0] for c in BAD_VMDK_TASK])
def test_a_bad_vmdk_task_option_is_a_clear_error_and_nothing_is_written(
        playbook, case, params, words, n, vcsim_trace):
    r = playbook([{"name": "bad", VMDK: dict({"path": "[LocalDS_0] kubevols/%s.vmdk" % n}, **params)}])
    refused(r, *words)
    assert mutating_soap_calls(vcsim_trace.entries()) == []


@pytest.mark.parametrize("word", ["false", "no", "0", "off"])
def test_force_as_a_false_string_in_an_item_does_not_delete_an_attached_disk(playbook, vsphere, n, word):
    path = "[LocalDS_1] kubevols/f-%s.vmdk" % n
    create(playbook, path)
    att = playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-2", "path": path, "add_controller": True}}])
    assert att.rc == 0, att
    try:
        r = playbook([{"name": "delete", VMDK: {"disks": [{"path": path, "state": "absent", "force": word}]}}])
        refused(r, "attached to k8s-worker-2")
        assert ds_file(vsphere, "LocalDS_1", "kubevols/f-%s.vmdk" % n) is not None
    finally:
        playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-2", "path": path, "state": "absent",
                                              "force": True}}])


def test_first_class_no_as_a_string_does_not_register_the_disk(playbook, n):
    d = create(playbook, "[LocalDS_0] kubevols/fc-%s.vmdk" % n, first_class="no")
    assert d["fcd_id"] is None and d["action"] == "created"


# -- attachment truth on every datastore --------------------------------------------------------------------------

ATTACHED = [
    ("plain", "[LocalDS_0] kubevols/a-{n}.vmdk", "LocalDS_0", False),
    ("another datastore", "[LocalDS_1] kubevols/a-{n}.vmdk", "LocalDS_1", False),
    ("datastore cluster", "[DatastoreCluster/LocalDS_2] kubevols/a-{n}.vmdk", "LocalDS_2", False),
    ("datastore cluster by own name", "[LocalDS_2] kubevols/b-{n}.vmdk", "LocalDS_2", False),
    ("datastore folder", "[storage-tier/LocalDS_3] kubevols/a-{n}.vmdk", "LocalDS_3", False),
    ("nfs", "[nfs datastore 1] kubevols/a-{n}.vmdk", "nfs datastore 1", False),
    ("first class disk", "[LocalDS_1] kubevols/fcd-{n}.vmdk", "LocalDS_1", True),
]


@pytest.mark.parametrize("case, template, ds, first_class", ATTACHED, ids=[c[0] for c in ATTACHED])
def test_a_disk_attached_to_a_vm_is_refused_for_delete_on_every_datastore_kind(
        playbook, vsphere, n, case, template, ds, first_class, vcsim_trace):
    path = template.format(n=n)
    rel = path.split("] ", 1)[1]
    d = create(playbook, path, first_class=first_class)
    assert bool(d["fcd_id"]) == first_class
    att = playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-1", "path": path, "add_controller": True}}])
    assert att.rc == 0, att
    try:
        info = playbook([{"name": "info", INFO: {"paths": [path]}}])
        assert info.rc == 0, info
        assert info["info"]["disks"][0]["attached_to"] == ["k8s-worker-1"], info
        vcsim_trace.mark()
        r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}])
        refused(r, "attached to k8s-worker-1", "force")
        assert r["delete"]["disks"][0]["attached_to"] == ["k8s-worker-1"] if "disks" in r["delete"] else True
        assert mutating_soap_calls(vcsim_trace.entries()) == []
        assert ds_file(vsphere, ds, rel) is not None
    finally:
        playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-1", "path": path, "state": "absent",
                                              "force": True}}])
    gone = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}])
    assert gone.rc == 0 and gone["delete"]["disks"][0]["action"] == "deleted", gone
    assert ds_file(vsphere, ds, rel) is None


def test_force_detaches_a_disk_attached_on_another_datastore_first_then_deletes_it(playbook, vsphere, n):
    path = "[DatastoreCluster/LocalDS_2] kubevols/force-%s.vmdk" % n
    create(playbook, path)
    assert playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-1", "path": path, "add_controller": True}}]).rc == 0
    r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent", "force": True}}])
    assert r.rc == 0, r
    assert r["delete"]["disks"][0]["action"] == "detached+deleted"
    assert ds_file(vsphere, "LocalDS_2", "kubevols/force-%s.vmdk" % n) is None
    vm = lab_vsphere.find(vsphere, vim.VirtualMachine, "k8s-worker-1")[0]
    assert not [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)
                and d.backing.fileName.endswith("force-%s.vmdk" % n)]


def test_the_lab_lists_a_vm_on_every_datastore_that_holds_one_of_its_disks_as_vcenter_does(playbook, vsphere, n):
    path = "[LocalDS_3] kubevols/member-%s.vmdk" % n
    create(playbook, path)
    vm = lab_vsphere.find(vsphere, vim.VirtualMachine, "k8s-worker-2")[0]
    ds = lab_vsphere.find(vsphere, vim.Datastore, "LocalDS_3")[0]
    assert playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-2", "path": path, "add_controller": True}}]).rc == 0
    try:
        assert vm._moId in [v._moId for v in ds.vm]
        assert ds._moId in [d._moId for d in vm.datastore]
    finally:
        playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-2", "path": path, "state": "absent",
                                              "force": True}}])
    assert vm._moId not in [v._moId for v in ds.vm] or any(
        isinstance(d, vim.vm.device.VirtualDisk) and d.backing.fileName.startswith("[LocalDS_3]")
        for d in vm.config.hardware.device)


def test_detaching_from_a_running_vm_is_refused_without_force(playbook, vsphere, n, vcsim_trace):
    path = "[LocalDS_0] kubevols/inuse-%s.vmdk" % n
    create(playbook, path)
    assert playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-1", "path": path, "add_controller": True}}]).rc == 0
    vcsim_trace.mark()
    r = playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-1", "path": path, "state": "absent"}}])
    refused(r, "running VM k8s-worker-1", "force")
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    r = playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-1", "path": path, "state": "absent",
                                              "force": True}}], diff=True)
    assert r.rc == 0 and r["detach"]["changed"], r
    playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}])


def test_a_forced_move_diff_says_where_the_disk_was(playbook, n):
    path = "[LocalDS_0] kubevols/move-%s.vmdk" % n
    create(playbook, path)
    assert playbook([{"name": "attach", ATTACH: {"node": "k8s-worker-2", "path": path, "add_controller": True}}]).rc == 0
    r = playbook([{"name": "move", ATTACH: {"node": "k8s-worker-3", "path": path, "force": True,
                                            "add_controller": True}}], diff=True)
    assert r.rc == 0, r
    assert r["move"]["diff"]["before"].strip() == "attached to k8s-worker-2"
    playbook([{"name": "detach", ATTACH: {"node": "k8s-worker-3", "path": path, "state": "absent", "force": True}},
              {"name": "delete", VMDK: {"path": path, "state": "absent"}}])


# -- one disk, two notations ---------------------------------------------------------------------------------------

NOTATIONS = [
    ("cluster and own name", "[LocalDS_2] kubevols/{n}.vmdk", "[DatastoreCluster/LocalDS_2] kubevols/{n}.vmdk"),
    ("inventory path", "[LocalDS_0] kubevols/{n}.vmdk", "[/DC0/datastore/LocalDS_0] kubevols/{n}.vmdk"),
]


@pytest.mark.parametrize("case, one, two", NOTATIONS, ids=[c[0] for c in NOTATIONS])
def test_one_disk_in_two_notations_is_refused_before_anything_changes(playbook, vsphere, n, case, one, two,
                                                                      vcsim_trace):
    one, two = one.format(n=n), two.format(n=n)
    create(playbook, one)
    vcsim_trace.mark()
    r = playbook([{"name": "both", VMDK: {"disks": [{"path": one, "size": "128Mi"},
                                                    {"path": two, "state": "absent"}]}}])
    refused(r, "same disk")
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    ds = one.split("]")[0][1:]
    assert ds_file(vsphere, ds, "kubevols/%s.vmdk" % n) is not None
    playbook([{"name": "delete", VMDK: {"path": one, "state": "absent"}}])


# -- PersistentVolume references ------------------------------------------------------------------------------------

@pytest.fixture
def pv_disk(playbook, kube, n):
    """A disk named by an in-tree PersistentVolume; both removed at the end."""
    import kubernetes
    path = "[LocalDS_0] kubevols/pvref-%s.vmdk" % n
    create(playbook, path)
    r = playbook([{"name": "pv", PV: {"name": "pvref-%s" % n, "path": path, "provisioner": "in_tree",
                                      "capacity": "64Mi"}}])
    assert r.rc == 0, r
    yield path, "pvref-%s" % n
    try:
        kubernetes.client.CoreV1Api(kube).delete_persistent_volume("pvref-%s" % n)
    except kubernetes.client.exceptions.ApiException:
        pass
    playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}])


def test_a_disk_a_persistent_volume_names_is_not_deleted_when_the_kubernetes_option_is_not_given(
        playbook, vsphere, pv_disk, vcsim_trace):
    path, pv = pv_disk
    vcsim_trace.mark()
    r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}])
    refused(r, "PersistentVolume %s" % pv)
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", path.split("] ")[1]) is not None


def test_a_disk_a_persistent_volume_names_is_not_deleted_with_the_kubernetes_option(playbook, vsphere, pv_disk):
    path, pv = pv_disk
    r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent", "kubernetes": {}}}])
    refused(r, "PersistentVolume %s" % pv)
    assert ds_file(vsphere, "LocalDS_0", path.split("] ")[1]) is not None


def test_without_any_kubernetes_connection_deleting_is_refused_with_how_to_give_one(
        playbook, vsphere, n, tmp_path, vcsim_trace):
    path = "[LocalDS_0] kubevols/nokube-%s.vmdk" % n
    create(playbook, path)
    vcsim_trace.mark()
    env = {"K8S_AUTH_KUBECONFIG": None, "KUBECONFIG": str(tmp_path / "none"), "HOME": str(tmp_path),
           "KUBERNETES_SERVICE_HOST": None}
    r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent"}}], env=env)
    refused(r, "kubernetes", "check_references: false")
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", "kubevols/nokube-%s.vmdk" % n) is not None
    # Creating needs no Kubernetes, and the documented opt-out deletes.
    r = playbook([{"name": "delete", VMDK: {"path": path, "state": "absent", "check_references": False}}], env=env)
    assert r.rc == 0 and r["delete"]["disks"][0]["action"] == "deleted", r


def test_a_misspelled_state_never_skips_the_reference_check(playbook, vsphere, pv_disk, vcsim_trace):
    path, _pv = pv_disk
    r = playbook([{"name": "delete", VMDK: {"disks": [{"path": path, "state": "absnt"}]}}])
    refused(r, "state")
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", path.split("] ")[1]) is not None


# -- persistent_volume items -----------------------------------------------------------------------------------------

BAD_PV_ITEMS = [
    ("state Present", {"state": "Present"}, ["volumes[0]", "state"]),
    ("state absnt", {"state": "absnt"}, ["state"]),
    ("reclaim Recycle", {"reclaim_policy": "Recycle"}, ["reclaim_policy", "Recycle"]),
    ("provisioner bogus", {"provisioner": "bogus"}, ["provisioner", "bogus"]),
    ("access mode a string typo", {"access_modes": "ReadWriteOnc"}, ["access_modes"]),
    ("claim as a string", {"claim": "default/c"}, ["claim"]),
    ("claim without name", {"claim": {"namespace": "default"}}, ["claim", "name"]),
    ("labels a list", {"labels": ["a"]}, ["labels"]),
    ("capacity bogus", {"capacity": "lots"}, ["capacity"]),
    ("unknown key", {"reclaim": "Retain"}, ["reclaim"]),
    ("bad name", {"name": "Not_A_Name"}, ["Not_A_Name"]),
    ("huge name", {"name": HUGE}, []),
    ("dot-dot path", {"path": "[LocalDS_0] kubevols/../x.vmdk"}, ["clean"]),
]


@pytest.mark.parametrize("case, item, words", BAD_PV_ITEMS, ids=[c[0] for c in BAD_PV_ITEMS])
def test_a_bad_volumes_item_is_a_clear_error_and_nothing_is_written(playbook, case, item, words, n,
                                                                    vcsim_trace, audit_log):
    base = {"name": "bad-%s" % n, "path": "[LocalDS_0] kubevols/none-%s.vmdk" % n, "provisioner": "in_tree",
            "capacity": "64Mi"}
    r = playbook([{"name": "bad", PV: {"volumes": [dict(base, **item)]}}])
    refused(r, *words)
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []


def test_a_second_pv_for_a_disk_is_refused_whatever_the_case_of_state(playbook, pv_disk, audit_log):
    path, pv = pv_disk
    for state in ("present", "Present"):
        r = playbook([{"name": "dup", PV: {"volumes": [{"name": pv + "-dup", "path": path, "state": state,
                                                        "provisioner": "in_tree", "capacity": "64Mi"}]}}])
        refused(r)
    assert audit_writes(audit_log.entries()) == []


def test_access_modes_given_as_one_string_is_one_mode_not_letters(playbook, kube, n):
    import kubernetes
    name = "am-%s" % n
    r = playbook([{"name": "pv", PV: {"volumes": [{"name": name, "path": "[LocalDS_0] kubevols/am-%s.vmdk" % n,
                                                   "provisioner": "in_tree", "capacity": "64Mi",
                                                   "access_modes": "ReadWriteOnce"}]}}])
    assert r.rc == 0, r
    pv = kubernetes.client.CoreV1Api(kube).read_persistent_volume(name)
    assert pv.spec.access_modes == ["ReadWriteOnce"]
    kubernetes.client.CoreV1Api(kube).delete_persistent_volume(name)


@pytest.fixture(autouse=True)
def _disk_for_pv_tests(request, playbook, n):
    """The access_modes test needs its disk first."""
    if request.node.name.startswith("test_access_modes_given_as_one_string"):
        create(playbook, "[LocalDS_0] kubevols/am-%s.vmdk" % n)
    yield
    if request.node.name.startswith("test_access_modes_given_as_one_string"):
        playbook([{"name": "delete", VMDK: {"path": "[LocalDS_0] kubevols/am-%s.vmdk" % n, "state": "absent"}}])


# -- the storage role -------------------------------------------------------------------------------------------------

ROLE_BAD = [
    ("misspelled class key", {"storage_classes": [{"name": "c1", "reclaim_polcy": "Retain"}]}, "reclaim_polcy"),
    ("class choice typo", {"storage_classes": [{"name": "c1", "provisioner": "CSI"}]}, "provisioner"),
    ("disk state typo", {"storage_disks": [{"path": "[LocalDS_0] kubevols/r.vmdk", "state": "Absent"}]}, "state"),
    ("volume reclaim typo", {"storage_persistent_volumes": [{"name": "v", "reclaim_policy": "Recycle"}]},
     "reclaim_policy"),
]


@pytest.mark.parametrize("case, extra, word", ROLE_BAD, ids=[c[0] for c in ROLE_BAD])
def test_the_storage_role_refuses_a_misspelled_item_key_or_value_before_anything_changes(
        playbook, case, extra, word, vcsim_trace, audit_log):
    plays = [{"hosts": "localhost", "gather_facts": False, "roles": [{
        "role": "vsphere_k8s.cloud_provider.storage", "vars": extra}]}]
    r = playbook(plays)
    assert r.rc != 0, r
    assert "Traceback" not in r.stdout + r.stderr
    assert word in r.stdout + r.stderr
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []


# -- vmdk_info and vmdk_attachment bad inputs --------------------------------------------------------------------------

BAD_OTHERS = [
    ("attach state typo", ATTACH, {"node": "k8s-worker-1", "path": "[LocalDS_0] kubevols/x.vmdk", "state": "Absent"},
     ["state"]),
    ("attach disk_mode typo", ATTACH, {"node": "k8s-worker-1", "path": "[LocalDS_0] kubevols/x.vmdk",
                                       "disk_mode": "persistant"}, ["disk_mode"]),
    ("attach unknown node", ATTACH, {"node": "no-such-node", "path": "[LocalDS_0] kubevols/x.vmdk"},
     ["no-such-node"]),
    ("attach dot-dot", ATTACH, {"node": "k8s-worker-1", "path": "[LocalDS_0] kubevols/../x.vmdk"}, ["clean"]),
    ("attach missing disk", ATTACH, {"node": "k8s-worker-1", "path": "[LocalDS_0] kubevols/missing-x.vmdk"},
     ["does not exist"]),
    ("attach unknown fcd", ATTACH, {"node": "k8s-worker-1", "fcd_id": "00000000-0000-0000-0000-000000000000"},
     ["First Class Disk"]),
    ("object info type typo", "vsphere_k8s.cloud_provider.vsphere_object_info", {"type": "VirtualMachines"},
     ["type"]),
    ("object info unknown property", "vsphere_k8s.cloud_provider.vsphere_object_info",
     {"properties": ["config.noSuchThing"]}, ["config.noSuchThing"]),
    ("object info unknown datacenter", "vsphere_k8s.cloud_provider.vsphere_object_info", {"datacenter": "NoDC"},
     ["NoDC"]),
    ("object info dot-dot folder", "vsphere_k8s.cloud_provider.vsphere_object_info", {"folder": "../../x"}, []),
    ("info unknown datastore", INFO, {"paths": ["[NoSuchDS] kubevols/x.vmdk"]}, ["NoSuchDS"]),
    ("info dot-dot", INFO, {"paths": ["[LocalDS_0] kubevols/../x.vmdk"]}, ["clean"]),
]


@pytest.mark.parametrize("case, module, params, words", BAD_OTHERS, ids=[c[0] for c in BAD_OTHERS])
def test_bad_inputs_to_vmdk_attachment_and_vmdk_info_are_clear_errors(playbook, case, module, params, words,
                                                                      vcsim_trace):
    r = playbook([{"name": "bad", module: params}])
    refused(r, *words)
    assert mutating_soap_calls(vcsim_trace.entries()) == []


def test_the_lab_password_never_shows_in_a_failed_vmdk_task(playbook, n):
    r = playbook([{"name": "bad", VMDK: {"disks": [{"path": "[LocalDS_0] kubevols/%s.vmdk" % n, "state": "x"}]}}])
    assert r.rc != 0
    assert os.environ["VMWARE_PASSWORD"] not in r.stdout + r.stderr


def test_two_tasks_creating_the_same_disks_at_once_both_succeed_and_each_disk_is_made_once(playbook, vsphere, n):
    import threading
    disks = [{"path": "[LocalDS_1] kubevols/race-%s-%d.vmdk" % (n, i), "size": "64Mi"} for i in range(8)]
    results = []

    def run():
        results.append(playbook([{"name": "race", VMDK: {"disks": disks}}]))

    threads = [threading.Thread(target=run) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r.rc == 0, r
    for i in range(8):
        made = [r["race"]["disks"][i]["action"] for r in results]
        assert made.count("created") <= 1 and all(a in ("created", "none") for a in made), made
        assert ds_file(vsphere, "LocalDS_1", "kubevols/race-%s-%d.vmdk" % (n, i)) is not None
    playbook([{"name": "clean", VMDK: {"disks": [dict(d, state="absent") for d in disks]}}])


def test_the_vcenter_prereqs_role_refuses_a_misspelled_zone_key_before_anything_changes(playbook, vcsim_trace):
    plays = [{"hosts": "localhost", "gather_facts": False, "roles": [{
        "role": "vsphere_k8s.cloud_provider.vcenter_prereqs",
        "vars": {"vcenter_prereqs_zones": [{"name": "zone-a", "atach_to": ["/DC0/host/zone-a"]}]}}]}]
    # The lab inventory gives the role's required site values: the only thing wrong is the zone key.
    r = playbook(plays, inventory=os.path.join(ROOT, "playbooks", "inventory", "lab.yml"))
    assert r.rc != 0, r
    assert "atach_to" in r.stdout + r.stderr and "Traceback" not in r.stdout + r.stderr
    assert mutating_soap_calls(vcsim_trace.entries()) == []


# -- vCenter faults a module does not expect (the lab answers chosen methods with a fault, as vCenter would) ---------

@pytest.fixture
def vcsim_fault(lab_env):
    """Make vcsim answer the given SOAP methods with a fault: vcsim_fault({"ListVStorageObject": "NoPermission"})."""
    import json
    path = os.environ["LAB_VCSIM_FAULTS"]

    def inject(faults):
        with open(path, "w") as f:
            json.dump(faults, f)

    yield inject
    if os.path.exists(path):
        os.unlink(path)


FAULTS = [
    ("persistent_volume, FCD catalog refused", PV, {"ListVStorageObject": "NoPermission"},
     {"volumes": [{"name": "fault-pv", "path": "[LocalDS_0] kubevols/{victim}.vmdk"}], "vcenter": {}}),
    ("persistent_volume, disk uuid refused", PV,
     {"QueryVirtualDiskUuid": "NoPermission", "SearchDatastore_Task": "NoPermission"},
     {"volumes": [{"name": "fault-pv", "path": "[LocalDS_0] kubevols/{victim}.vmdk", "provisioner": "in_tree"}],
      "vcenter": {}}),
    ("storage_class, storage policies refused", "vsphere_k8s.cloud_provider.storage_class",
     {"PbmQueryProfile": "NoPermission", "PbmRetrieveContent": "NoPermission"},
     {"name": "fault-sc", "storage_policy": "vSAN Default Storage Policy", "vcenter": {}}),
    ("vmdk delete, FCD catalog refused", VMDK, {"ListVStorageObject": "NoPermission"},
     {"path": "[LocalDS_0] kubevols/{victim}.vmdk", "state": "absent"}),
    ("vmdk_info, datastore search refused", INFO, {"SearchDatastore_Task": "NoPermission"},
     {"paths": ["[LocalDS_0] kubevols/{victim}.vmdk"]}),
]


@pytest.mark.parametrize("case, module, faults, params", FAULTS, ids=[c[0] for c in FAULTS])
def test_a_vcenter_fault_in_any_stage_is_a_clear_error_and_nothing_is_written(
        playbook, vsphere, victim, vcsim_fault, vcsim_trace, audit_log, case, module, faults, params):
    import json
    path, name = victim
    if not ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name):
        create(playbook, path)
    vcsim_trace.mark()
    audit_log.mark()
    vcsim_fault(faults)
    r = playbook([{"name": "faulted", module: json.loads(json.dumps(params).replace("{victim}", name))}])
    vcsim_fault({})
    msg = refused(r, "NoPermission")
    assert "Nothing was" in msg or "failed" in msg, msg
    assert [e for e in vcsim_trace.entries() if e.get("fault")], "the fault was not reached"
    assert mutating_soap_calls([e for e in vcsim_trace.entries() if not e.get("fault")]) == []
    assert audit_writes(audit_log.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) is not None
