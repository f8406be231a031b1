"""The real CSI driver: upstream's vSphere CSI controller v3.7.0 with the upstream external-provisioner and
external-attacher (the lab builds them from their Go modules) runs with exactly what the csi_driver role installed
(csi-vsphere.conf from its Secret, the feature states ConfigMap, the Deployment's container arguments) against vcsim
and the lab apiserver. Claims become First Class Disks, the attach/detach controller's VolumeAttachments become
disks on the node VMs; each test checks vCenter (pyvmomi) and the apiserver.

The lab runs no scheduler and no kubelet: lab/labcsi.py does what they would do (the selected node of a
WaitForFirstConsumer claim, the pod's Binding, the node's volumesInUse after an unmount). The controller binds port
2112 on every interface (hard-coded upstream), so one runs per machine: the module starts it once and always stops it.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest
import yaml
from pyVmomi import vim

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "lab"))
import labcsi  # noqa: E402  (the lab's scheduler and kubelet stand-ins)

INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
LAB_SH = os.path.join(ROOT, "lab", "lab.sh")
NS = "csi-real"
POLICY = "vSAN Default Storage Policy"
WORKERS = ("k8s-worker-1", "k8s-worker-2", "k8s-worker-3")

# The csi_driver role and the storage role's classes, with the lab inventory's variables.
ROLE_PLAY = [{"name": "csi driver and classes", "hosts": "localhost", "gather_facts": False, "tasks": [
    {"name": "csi_driver", "ansible.builtin.include_role": {"name": "vsphere_k8s.cloud_provider.csi_driver"}},
    {"name": "storage", "ansible.builtin.include_role": {"name": "vsphere_k8s.cloud_provider.storage"}}]}]
ROLE_VARS = {"storage_disks": [], "storage_persistent_volumes": [], "storage_classes": [
    {"name": "vsphere-csi", "storage_policy": POLICY, "default": True, "allow_volume_expansion": True,
     "volume_binding_mode": "WaitForFirstConsumer"},
    {"name": "vsphere-csi-retain", "storage_policy": POLICY, "reclaim_policy": "Retain",
     "volume_binding_mode": "WaitForFirstConsumer"}]}


def lab(*args, timeout=1800):
    return subprocess.run(["bash", LAB_SH] + list(args), capture_output=True, text=True, timeout=timeout, check=False)


def _run_play(tmp, plays, extra_vars):
    path = os.path.join(tmp, "play.yml")
    with open(path, "w") as f:
        yaml.safe_dump(plays, f, sort_keys=False)
    import json
    return subprocess.run(["ansible-playbook", "-i", INVENTORY, path, "-e", json.dumps(extra_vars)],
                          capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def csi(lab_env, kube, tmp_path_factory):
    """The role applied, Nodes and CSINodes registered fresh, the controller and sidecars running (always stopped)."""
    r = _run_play(str(tmp_path_factory.mktemp("csi")), ROLE_PLAY, ROLE_VARS)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    reg = lab("nodes")
    assert reg.returncode == 0, reg.stderr
    core, storage, apps = labcsi.clients(kube)
    try:
        core.create_namespace({"metadata": {"name": NS}})
    except Exception as e:  # noqa: BLE001 - 409 when a previous run left it
        if getattr(e, "status", None) != 409:
            raise
    started = lab("csi", "start")
    try:
        assert started.returncode == 0, started.stderr
        yield core, storage, apps
    finally:
        try:
            cleanup(core, apps, storage)
        finally:
            lab("csi", "stop")


def cleanup(core, apps, storage):
    """What the module made goes while the driver still runs: pods, claims (Delete volumes lose their FCDs), the
    static volume's PV (its disk stays, as persistent_volume promises)."""
    for sts in apps.list_namespaced_stateful_set(NS).items:
        apps.delete_namespaced_stateful_set(sts.metadata.name, NS)
    for pod in core.list_namespaced_pod(NS).items:
        labcsi.evict(core, NS, pod.metadata.name)
    pvs = [c.spec.volume_name for c in core.list_namespaced_persistent_volume_claim(NS).items if c.spec.volume_name]
    core.delete_collection_namespaced_persistent_volume_claim(NS)
    for node in WORKERS:
        labcsi.unmounted(core, node)
    labcsi.wait("the module's volumes detached", lambda: not [
        va for va in storage.list_volume_attachment().items if va.spec.source.persistent_volume_name in pvs], timeout=180)
    for pv in core.list_persistent_volume().items:
        if pv.metadata.name in pvs and pv.spec.persistent_volume_reclaim_policy == "Retain":
            core.delete_persistent_volume(pv.metadata.name)
    labcsi.wait("the module's volumes deleted", lambda: not [
        pv for pv in core.list_persistent_volume().items if pv.metadata.name in pvs], timeout=180)
    import kubernetes
    kubernetes.client.StorageV1Api(core.api_client).delete_storage_class("vsphere-csi-retain")
    core.delete_namespace(NS)


def controller_log():
    path = os.path.join(os.environ.get("LAB_ROOT", os.path.join(ROOT, ".lab")), "log", "proc-csi-controller.log")
    with open(path, errors="replace") as f:
        return f.read()[-3000:]


def pvc(name, size="1Gi", storage_class="vsphere-csi"):
    spec = {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
            "resources": {"requests": {"storage": size}}}
    return {"metadata": {"name": name}, "spec": spec}


def provision(core, name, size="1Gi", storage_class="vsphere-csi", node="k8s-worker-1"):
    """A claim, provisioned for a node as the scheduler's volume binding asks (WaitForFirstConsumer)."""
    core.create_namespaced_persistent_volume_claim(NS, pvc(name, size, storage_class))
    core.patch_namespaced_persistent_volume_claim(name, NS, {"metadata": {"annotations": {labcsi.SELECTED_NODE: node}}})

    def bound():
        c = core.read_namespaced_persistent_volume_claim(name, NS)
        return c if c.status.phase == "Bound" else None

    claim = labcsi.wait("claim %s Bound" % name, bound, timeout=180)
    return claim, core.read_persistent_volume(claim.spec.volume_name)


def vm_by_name(si, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next(vm for vm in view.view if vm.name == name)
    finally:
        view.Destroy()


def fcd_disks(vm):
    return {d.vDiskId.id: d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk) and d.vDiskId}


def vmdk_info(playbook, path):
    r = playbook([{"name": "info", "vsphere_k8s.cloud_provider.vmdk_info": {"paths": [path], "kubernetes": {}}}])
    assert r.rc == 0, r
    return r["info"]["disks"][0]


def test_a_claim_on_the_role_class_becomes_a_first_class_disk_of_its_size_listed_by_vmdk_info(csi, vsphere, playbook):
    core, _storage, _apps = csi
    claim, pv = provision(core, "data-size", size="2Gi")
    assert pv.spec.csi.driver == labcsi.DRIVER and pv.spec.storage_class_name == "vsphere-csi"
    fcd_id = pv.spec.csi.volume_handle
    obj = labcsi.fcd(vsphere, fcd_id)
    assert obj is not None, "no First Class Disk %s in vCenter" % fcd_id
    assert obj.config.capacityInMB == 2048
    path = obj.config.backing.filePath
    info = vmdk_info(playbook, path)
    assert info["fcd_id"] == fcd_id and info["capacity_bytes"] == 2 * 1024 ** 3
    assert [p["name"] for p in info["persistent_volumes"]] == [pv.metadata.name]
    assert info["orphaned"] is False and info["attached_to"] == []
    core.delete_namespaced_persistent_volume_claim("data-size", NS)


@pytest.fixture(scope="module")
def web(csi, vsphere):
    """A 3-replica StatefulSet on vsphere-csi, each pod scheduled to its own worker."""
    core, storage, apps = csi
    apps.create_namespaced_stateful_set(NS, labcsi.statefulset("web", 3, "vsphere-csi"))
    placed = {}
    for i, node in enumerate(WORKERS):
        labcsi.schedule(core, NS, "web-%d" % i, node)
        placed["web-%d" % i] = node
    return placed


def pv_of(core, claim):
    return core.read_persistent_volume(core.read_namespaced_persistent_volume_claim(claim, NS).spec.volume_name)


def test_a_statefulset_gets_a_disk_per_identity_attached_to_its_node_vm_by_vdiskid(csi, web, vsphere):
    core, storage, _apps = csi
    fcds = {}
    for pod, node in web.items():
        pv = pv_of(core, "data-" + pod)
        labcsi.wait_attached(storage, pv.metadata.name, node)
        fcds[pod] = pv.spec.csi.volume_handle
    assert len(set(fcds.values())) == 3
    on_vms = labcsi.disks_by_fcd(vsphere)
    for pod, node in web.items():
        assert labcsi.fcd(vsphere, fcds[pod]) is not None
        assert [vm for vm, _f, _u in on_vms.get(fcds[pod], [])] == [node], (pod, on_vms.get(fcds[pod]))
        disk = fcd_disks(vm_by_name(vsphere, node))[fcds[pod]]
        assert disk.backing.fileName == labcsi.fcd(vsphere, fcds[pod]).config.backing.filePath
        va = labcsi.attachment(storage, pv_of(core, "data-" + pod).metadata.name, node)
        # The attacher's publish context is the disk UUID vCenter reports for the disk on the VM.
        assert va.status.attachment_metadata["diskUUID"].replace("-", "").lower() == disk.backing.uuid.replace("-", "").lower()


def test_a_pod_moved_to_another_node_takes_its_disk_along(csi, web, vsphere, playbook):
    core, storage, _apps = csi
    pv = pv_of(core, "data-web-0")
    fcd_id = pv.spec.csi.volume_handle
    first, second = web["web-0"], "k8s-worker-2" if web["web-0"] != "k8s-worker-2" else "k8s-worker-3"
    labcsi.wait_attached(storage, pv.metadata.name, first)
    path = labcsi.fcd(vsphere, fcd_id).config.backing.filePath
    labcsi.evict(core, NS, "web-0")
    labcsi.wait_detached(storage, pv.metadata.name, first)
    labcsi.schedule(core, NS, "web-0", second)
    web["web-0"] = second
    labcsi.wait_attached(storage, pv.metadata.name, second)
    assert fcd_id not in fcd_disks(vm_by_name(vsphere, first))
    assert fcd_disks(vm_by_name(vsphere, second))[fcd_id].backing.fileName == path
    assert pv_of(core, "data-web-0").spec.csi.volume_handle == fcd_id
    obj = labcsi.fcd(vsphere, fcd_id)
    assert obj.config.backing.filePath == path
    info = vmdk_info(playbook, path)
    assert info["attached_to"] == [second] and info["fcd_id"] == fcd_id
    r = playbook([{"name": "nodes", "vsphere_k8s.cloud_provider.node_vm_info": {"names": [first, second]}}])
    assert r.rc == 0, r
    disks = {n["node_name"]: [d for d in n["disks"] if d.get("fcd_id")] for n in r["nodes"]["nodes"]}
    assert fcd_id in [d["fcd_id"] for d in disks[second]]
    assert fcd_id not in [d["fcd_id"] for d in disks[first]]
    assert [d["path"] for d in disks[second] if d["fcd_id"] == fcd_id] == [path]
    # The doctor agrees: the volume's disk sits where its VolumeAttachment says, no stuck or missing attachment.
    r = playbook([{"name": "doctor", "vsphere_k8s.cloud_provider.doctor": {"checks": ["volumes"]}}])
    assert r.rc == 0, r
    about = [f for f in r["doctor"]["findings"]
             if pv.metadata.name in json.dumps(f["object"]) or fcd_id in json.dumps(f["object"])]
    assert about == [], about


def test_delete_reclaim_removes_the_fcd_and_retain_keeps_it_orphaned(csi, vsphere, playbook):
    core, _storage, _apps = csi
    _claim, pv = provision(core, "data-delete")
    gone = pv.spec.csi.volume_handle
    assert labcsi.fcd(vsphere, gone) is not None
    core.delete_namespaced_persistent_volume_claim("data-delete", NS)
    labcsi.wait("the Delete volume's PV to go", lambda: not [
        p for p in core.list_persistent_volume().items if p.metadata.name == pv.metadata.name], timeout=120)
    labcsi.wait("the FCD %s to be deleted" % gone, lambda: labcsi.fcd(vsphere, gone) is None, timeout=60)

    _claim, pv = provision(core, "data-retain", storage_class="vsphere-csi-retain")
    kept = pv.spec.csi.volume_handle
    assert pv.spec.persistent_volume_reclaim_policy == "Retain"
    core.delete_namespaced_persistent_volume_claim("data-retain", NS)
    labcsi.wait("the Retain volume Released", lambda: core.read_persistent_volume(pv.metadata.name).status.phase == "Released")
    core.delete_persistent_volume(pv.metadata.name)
    labcsi.wait("the Retain PV to go", lambda: not [
        p for p in core.list_persistent_volume().items if p.metadata.name == pv.metadata.name], timeout=60)
    time.sleep(2)  # the provisioner would act on the deletion now if it were to
    obj = labcsi.fcd(vsphere, kept)
    assert obj is not None, "the Retain volume's FCD was deleted"
    info = vmdk_info(playbook, obj.config.backing.filePath)
    assert info["fcd_id"] == kept and info["persistent_volumes"] == [] and info["orphaned"] is True
    labcsi.delete_cns(vsphere, kept)  # the CNS volume and its disk: nothing left for the doctor to call orphaned
    labcsi.wait("the FCD %s to be deleted" % kept, lambda: labcsi.fcd(vsphere, kept) is None, timeout=60)


def test_the_collections_static_csi_volume_is_attached_by_the_same_driver(csi, vsphere, playbook):
    core, storage, _apps = csi
    path = "[LocalDS_1] kubevols/csi-static-0.vmdk"
    r = playbook([
        {"name": "disk", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "1Gi"}},
        {"name": "pv", "vsphere_k8s.cloud_provider.persistent_volume": {
            "name": "csi-static-0", "path": path, "claim": {"namespace": NS, "name": "static-0"}, "wait": True,
            "vcenter": {}}}])
    assert r.rc == 0, r
    pv = core.read_persistent_volume("csi-static-0")
    assert pv.spec.csi.driver == labcsi.DRIVER
    fcd_id = pv.spec.csi.volume_handle
    labcsi.register_static(vsphere, pv)  # the syncer's part (the lab runs none)
    core.create_namespaced_pod(NS, {"metadata": {"name": "static"}, "spec": {
        "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "static-0"}}]}})
    labcsi.schedule(core, NS, "static", "k8s-worker-3")
    labcsi.wait_attached(storage, "csi-static-0", "k8s-worker-3")
    disk = fcd_disks(vm_by_name(vsphere, "k8s-worker-3"))[fcd_id]
    assert disk.backing.fileName == path
    labcsi.evict(core, NS, "static")
    labcsi.wait_detached(storage, "csi-static-0", "k8s-worker-3")
    assert fcd_id not in fcd_disks(vm_by_name(vsphere, "k8s-worker-3"))
    obj = labcsi.fcd(vsphere, fcd_id)
    assert not obj.config.consumerId
    # Nothing left behind: the claim, the PV (Retain: the disk stays), then the disk.
    core.delete_namespaced_persistent_volume_claim("static-0", NS)
    core.delete_persistent_volume("csi-static-0")
    labcsi.wait("the static PV to go", lambda: "csi-static-0" not in [p.metadata.name for p in core.list_persistent_volume().items])
    labcsi.delete_cns(vsphere, fcd_id)  # registered in CNS above: delete it there, with its disk
    labcsi.wait("the FCD %s to be deleted" % fcd_id, lambda: labcsi.fcd(vsphere, fcd_id) is None, timeout=60)


def test_an_attach_vcenter_refuses_is_reported_on_the_volumeattachment_and_retried(csi, vsphere):
    """LAB_VCSIM_FAULTS reaches the CNS endpoint too: a NoPermission on CnsAttachVolume leaves the disk off the VM
    and the error on the VolumeAttachment; once vCenter allows it, the attacher's retry attaches it."""
    core, storage, _apps = csi
    faults = os.environ["LAB_VCSIM_FAULTS"]
    _claim, pv = provision(core, "data-fault", node="k8s-worker-1")
    fcd_id = pv.spec.csi.volume_handle
    core.create_namespaced_pod(NS, {"metadata": {"name": "fault"}, "spec": {
        "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-fault"}}]}})
    with open(faults, "w") as f:
        f.write('{"CnsAttachVolume": "NoPermission"}')
    try:
        labcsi.schedule(core, NS, "fault", "k8s-worker-1")

        def refused():
            a = labcsi.attachment(storage, pv.metadata.name, "k8s-worker-1")
            return a if a and a.status and a.status.attach_error else None

        va = labcsi.wait("an attach error on the VolumeAttachment", refused, timeout=120)
        assert "NoPermission" in va.status.attach_error.message or "permission" in va.status.attach_error.message.lower()
        assert not va.status.attached
        assert fcd_id not in fcd_disks(vm_by_name(vsphere, "k8s-worker-1"))
    finally:
        os.remove(faults)
    labcsi.wait_attached(storage, pv.metadata.name, "k8s-worker-1", timeout=300)
    assert fcd_id in fcd_disks(vm_by_name(vsphere, "k8s-worker-1"))


def test_vcsim_cns_attach_and_detach_act_on_the_vm_as_vcenter_does(lab_env, vsphere):
    """The lab's vcsim (lab/go/vcsim/cns.go): attach adds a disk with the FCD's vDiskId and sets its consumer, again
    for the same VM is the same disk, for another VM is ResourceInUse in the volume's result (the task succeeds);
    detach removes the disk and clears the consumer, so the FCD can be deleted."""
    content = vsphere.RetrieveContent()
    ds = next(d for d in content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True).view
              if d.name == "LocalDS_1")
    first, other = vm_by_name(vsphere, "k8s-cp-1"), vm_by_name(vsphere, "k8s-worker-1")
    spec = vim.vslm.CreateSpec(name="cns-probe", capacityInMB=64, backingSpec=vim.vslm.CreateSpec.DiskFileBackingSpec(
        datastore=ds, provisioningType="thin"))
    created = labcsi.task_outcome(vsphere, content.vStorageObjectManager.CreateDisk_Task(spec))
    assert created["state"] == "success", created
    fcd_id = created["result"].config.id.id
    uuids = []
    for vm in (first, first):
        state, info = labcsi.cns_call(vsphere, "CnsAttachVolume", labcsi.attach_specs(fcd_id, vm._moId))
        assert state == "success" and "<fault>" not in info, info
        uuids.append(re.search(r"<diskUUID>([^<]+)<", info).group(1))
    disks = fcd_disks(vm_by_name(vsphere, "k8s-cp-1"))
    assert list(disks) == [fcd_id] or fcd_id in disks
    assert uuids[0] == uuids[1] == disks[fcd_id].backing.uuid
    assert disks[fcd_id].backing.fileName == labcsi.fcd(vsphere, fcd_id).config.backing.filePath
    assert labcsi.fcd(vsphere, fcd_id).config.consumerId[0].id == first.config.uuid
    state, info = labcsi.cns_call(vsphere, "CnsAttachVolume", labcsi.attach_specs(fcd_id, other._moId))
    assert state == "success" and 'type="ResourceInUse"' in info, info
    assert fcd_id not in fcd_disks(vm_by_name(vsphere, "k8s-worker-1"))
    state, info = labcsi.cns_call(vsphere, "CnsDetachVolume", labcsi.attach_specs(fcd_id, first._moId, "detachSpecs"))
    assert state == "success" and "<fault>" not in info, info
    assert fcd_id not in fcd_disks(vm_by_name(vsphere, "k8s-cp-1"))
    assert not labcsi.fcd(vsphere, fcd_id).config.consumerId
    deleted = labcsi.task_outcome(vsphere, content.vStorageObjectManager.DeleteVStorageObject_Task(vim.vslm.ID(id=fcd_id), ds))
    assert deleted["state"] == "success", deleted
    assert labcsi.fcd(vsphere, fcd_id) is None
