"""vmdk, vmdk_info and vmdk_attachment against the lab: every path form, safety, FCDs, policies, attachments."""

import os
import uuid

import pytest
from pyVmomi import vim

import lab_vsphere
from conftest import mutating_soap_calls


def ds_file(vsphere, ds_name, path):
    """The file as vCenter lists it (None when absent), read through the datastore browser."""
    ds = lab_vsphere.find(vsphere, vim.Datastore, ds_name)[0]
    folder, name = path.rsplit("/", 1)
    spec = vim.host.DatastoreBrowser.SearchSpec(matchPattern=[name])
    try:
        res = lab_vsphere.wait(ds.browser.SearchDatastore_Task("[%s] %s" % (ds_name, folder), spec))
    except RuntimeError:
        return None
    return res.file[0] if res.file else None


def capacity(vsphere, ds_name, path):
    """Capacity from the disk descriptor, downloaded from the datastore (independent of the collection)."""
    import ssl
    import urllib.request
    ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
    import urllib.parse
    query = urllib.parse.urlencode({"dcPath": "DC0", "dsName": ds_name})
    url = "https://%s:%s/folder/%s?%s" % (os.environ["VMWARE_HOST"], os.environ["VMWARE_PORT"], path, query)
    req = urllib.request.Request(url, headers={"Cookie": vsphere._stub.cookie})
    text = urllib.request.urlopen(req, context=ctx).read().decode()
    return sum(int(line.split()[1]) * 512 for line in text.splitlines() if line.startswith("RW "))


@pytest.fixture
def name():
    return "t-" + uuid.uuid4().hex[:8]


PATHS = [
    ("[LocalDS_0] kubevols/{n}.vmdk", "LocalDS_0"),
    ("[DatastoreCluster/LocalDS_2] kubevols/{n}.vmdk", "LocalDS_2"),
    ("[storage-tier/LocalDS_3] kubevols/{n}.vmdk", "LocalDS_3"),
    ("[nfs datastore 1] kubevols/{n}.vmdk", "nfs datastore 1"),
]


@pytest.mark.parametrize("template, ds", PATHS, ids=["plain", "datastore cluster", "datastore folder",
                                                     "name with spaces"])
def test_create_grow_and_delete_in_every_path_form(playbook, vsphere, name, template, ds):
    path = template.format(n=name)
    rel = "kubevols/%s.vmdk" % name
    r = playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "1Gi"}}])
    assert r.rc == 0, r
    d = r["create"]["disks"][0]
    assert r["create"]["changed"] and d["action"] == "created" and d["datastore"] == ds
    assert capacity(vsphere, ds, rel) == 1024 ** 3 and d["capacity_bytes"] == 1024 ** 3
    again = playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "1Gi"}}])
    assert again["create"]["changed"] is False
    grow = playbook([{"name": "grow", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "2Gi"}}])
    assert grow["grow"]["disks"][0]["action"] == "grown"
    assert capacity(vsphere, ds, rel) == 2 * 1024 ** 3
    delete = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "state": "absent"}}])
    assert delete["delete"]["changed"] is True and ds_file(vsphere, ds, rel) is None
    again = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "state": "absent"}}])
    assert again["delete"]["changed"] is False


def test_datastore_and_name_form_creates_the_folder(playbook, vsphere, name):
    r = playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "name": name, "folder": "kubevols-%s/deep" % name, "size": "64Mi"}}])
    assert r.rc == 0, r
    assert r["create"]["disks"][0]["path"] == "[LocalDS_1] kubevols-%s/deep/%s.vmdk" % (name, name)
    assert ds_file(vsphere, "LocalDS_1", "kubevols-%s/deep/%s.vmdk" % (name, name)) is not None


def test_shrink_is_refused_and_changes_nothing(playbook, vsphere, name, vcsim_trace):
    path = "[LocalDS_0] kubevols/%s.vmdk" % name
    playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "2Gi"}}])
    mark = vcsim_trace.mark()
    r = playbook([{"name": "shrink", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "1Gi"}}])
    assert r["shrink"]["_status"] == "failed"
    assert "cannot shrink" in r["shrink"]["msg"] and "Nothing was changed" in r["shrink"]["msg"]
    assert mutating_soap_calls(mark.entries()) == []
    assert capacity(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) == 2 * 1024 ** 3


@pytest.mark.parametrize("task, expected", [
    ({"path": "LocalDS_0 kubevols/x.vmdk", "size": "1Gi"}, "is not a datastore path"),
    ({"path": "[LocalDS_0] kubevols/x.txt", "size": "1Gi"}, "must end in .vmdk"),
    ({"path": "[NoSuchDS] kubevols/x.vmdk", "size": "1Gi"}, "No datastore 'NoSuchDS'"),
    ({"path": "[LocalDS_0] kubevols/x.vmdk", "size": "0"}, "must be larger than 0"),
    ({"path": "[LocalDS_0] kubevols/x.vmdk", "size": "-5Gi"}, "is not a size"),
    ({"path": "[LocalDS_0] kubevols/x.vmdk", "size": "10Qi"}, "unknown unit 'Qi'"),
], ids=["malformed path", "not a vmdk", "unknown datastore", "size 0", "negative size", "unknown unit"])
def test_bad_input_is_a_clear_error_and_changes_nothing(playbook, task, expected, vcsim_trace):
    r = playbook([{"name": "bad", "vsphere_k8s.cloud_provider.vmdk": task}])
    assert r["bad"]["_status"] == "failed"
    assert expected in r["bad"]["msg"], r["bad"]["msg"]
    assert mutating_soap_calls(vcsim_trace.entries()) == []


def test_check_mode_makes_no_mutating_call_and_diff_shows_the_change(playbook, vsphere, name, vcsim_trace):
    path = "[LocalDS_0] kubevols/%s.vmdk" % name
    r = playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "1Gi"}}],
                 check=True, diff=True)
    assert r["create"]["changed"] is True
    assert r["create"]["diff"]["before"].strip() == "%s: absent" % path
    assert r["create"]["diff"]["after"].strip() == "%s: present, 1Gi" % path
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) is None


def test_many_disks_in_one_task_are_created_concurrently(playbook, name, vcsim_trace):
    disks = [{"name": "%s-%d" % (name, i)} for i in range(6)]
    r = playbook([{"name": "many", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "size": "16Mi", "disks": disks, "concurrency": 4}}])
    assert r.rc == 0, r
    assert [d["action"] for d in r["many"]["disks"]] == ["created"] * 6
    methods = [e["method"] for e in vcsim_trace.entries() if e["kind"] == "soap"]
    first = methods.index("CreateVirtualDisk_Task")
    assert methods[first:first + 4] == ["CreateVirtualDisk_Task"] * 4  # a batch goes out before any wait
    assert methods.count("CreateVirtualDisk_Task") == 6


def test_first_class_disks_created_and_registered(playbook, vsphere, name):
    r = playbook([{"name": "fcd", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "name": name, "size": "128Mi", "first_class": True}}])
    assert r.rc == 0, r
    d = r["fcd"]["disks"][0]
    assert d["fcd_id"] and d["action"] == "created+registered"
    vsom = vsphere.RetrieveContent().vStorageObjectManager
    ds = lab_vsphere.find(vsphere, vim.Datastore, "LocalDS_1")[0]
    obj = vsom.RetrieveVStorageObject(id=vim.vslm.ID(id=d["fcd_id"]), datastore=ds)
    assert obj.config.backing.filePath == "[LocalDS_1] kubevols/%s.vmdk" % name
    # An existing plain disk is registered in place; the next run changes nothing.
    plain = "[LocalDS_1] kubevols/%s-plain.vmdk" % name
    playbook([{"name": "plain", "vsphere_k8s.cloud_provider.vmdk": {"path": plain, "size": "64Mi"}}])
    r = playbook([{"name": "register", "vsphere_k8s.cloud_provider.vmdk": {"path": plain, "first_class": True}}])
    assert r["register"]["disks"][0]["action"] == "registered" and r["register"]["disks"][0]["fcd_id"]
    r = playbook([{"name": "register", "vsphere_k8s.cloud_provider.vmdk": {"path": plain, "first_class": True}}])
    assert r["register"]["changed"] is False


def test_storage_policy_is_validated_and_applied_to_first_class_disks(playbook, name):
    r = playbook([{"name": "bad", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "name": name, "size": "64Mi", "first_class": True,
        "storage_policy": "No Such Policy"}}])
    assert r["bad"]["_status"] == "failed"
    assert "Storage policy 'No Such Policy' does not exist" in r["bad"]["msg"]
    assert "vSAN Default Storage Policy" in r["bad"]["msg"]
    r = playbook([{"name": "good", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "name": name, "size": "64Mi", "first_class": True,
        "storage_policy": "vSAN Default Storage Policy"}}])
    assert r.rc == 0, r
    assert r["good"]["disks"][0]["fcd_id"]
    r = playbook([{"name": "plain", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "name": name + "x", "size": "64Mi", "storage_policy": "vSAN Default Storage Policy"}}])
    assert "needs first_class: true" in r["plain"]["msg"]


def test_attached_and_pv_referenced_disks_are_not_deleted_without_force(playbook, vsphere, kube, name):
    import kubernetes
    path = "[LocalDS_0] kubevols/%s.vmdk" % name
    playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "64Mi"}}])
    r = playbook([{"name": "attach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "k8s-worker-3", "path": path, "add_controller": True}}])
    assert r.rc == 0, r
    r = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "state": "absent"}}])
    assert r["delete"]["_status"] == "failed" and "attached to k8s-worker-3" in r["delete"]["msg"]
    r = playbook([{"name": "detach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "k8s-worker-3", "path": path, "state": "absent"}}])
    assert r["detach"]["_status"] == "failed" and "running VM k8s-worker-3" in r["detach"]["msg"]
    r = playbook([{"name": "detach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "k8s-worker-3", "path": path, "state": "absent", "force": True}}])
    assert r["detach"]["changed"] is True
    assert ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) is not None  # detach keeps the file
    core = kubernetes.client.CoreV1Api(kube)
    pv = {"metadata": {"name": "pv-" + name}, "spec": {
        "capacity": {"storage": "64Mi"}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Retain",
        "vsphereVolume": {"volumePath": "[LocalDS_0] kubevols/%s.vmdk" % name, "fsType": "ext4"}}}
    core.create_persistent_volume(pv)
    try:
        r = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {
            "path": path, "state": "absent", "kubernetes": {}}}])
        assert r["delete"]["_status"] == "failed" and "referenced by PersistentVolume pv-%s" % name in r["delete"]["msg"]
        info = playbook([{"name": "info", "vsphere_k8s.cloud_provider.vmdk_info": {"paths": [path], "kubernetes": {}}}])
        d = info["info"]["disks"][0]
        assert d["orphaned"] is False and d["persistent_volumes"][0]["name"] == "pv-" + name
        r = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {
            "path": path, "state": "absent", "kubernetes": {}, "force": True}}])
        assert r["delete"]["changed"] is True
        assert ds_file(vsphere, "LocalDS_0", "kubevols/%s.vmdk" % name) is None
    finally:
        core.delete_persistent_volume("pv-" + name)


def test_force_delete_detaches_first(playbook, vsphere, name):
    path = "[LocalDS_0] kubevols/%s.vmdk" % name
    playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "size": "64Mi"}}])
    playbook([{"name": "attach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "k8s-worker-3", "path": path, "add_controller": True}}])
    r = playbook([{"name": "delete", "vsphere_k8s.cloud_provider.vmdk": {"path": path, "state": "absent",
                                                                         "force": True}}])
    assert r.rc == 0, r
    vm = lab_vsphere.find(vsphere, vim.VirtualMachine, "k8s-worker-3")[0]
    assert not [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)
                and d.backing.fileName == path]


def test_attach_is_idempotent_allocates_units_and_moves_a_stuck_disk_only_with_force(playbook, name, vcsim_trace):
    paths = ["[LocalDS_0] kubevols/%s-%d.vmdk" % (name, i) for i in range(2)]
    playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {
        "size": "32Mi", "disks": [{"path": p} for p in paths]}}])
    units = []
    for p in paths:
        r = playbook([{"name": "attach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
            "node": "k8s-worker-2", "path": p, "add_controller": True}}])
        assert r.rc == 0, r
        units.append((r["attach"]["controller"], r["attach"]["unit"]))
    assert units[0][0] == units[1][0] and units[0][1] != units[1][1]
    mark = vcsim_trace.mark()
    again = playbook([{"name": "attach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "k8s-worker-2", "path": paths[0]}}])
    assert again["attach"]["changed"] is False and mutating_soap_calls(mark.entries()) == []
    # Another node: refused, then moved with force (the stuck-volume recovery).
    r = playbook([{"name": "move", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02", "path": paths[0], "add_controller": True}}])
    assert r["move"]["_status"] == "failed" and "attached to k8s-worker-2" in r["move"]["msg"]
    r = playbook([{"name": "move", "vsphere_k8s.cloud_provider.vmdk_attachment": {
        "node": "vsphere://4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02", "path": paths[0], "add_controller": True,
        "force": True}}], diff=True)
    assert r.rc == 0, r
    assert r["move"]["detached_from"] == ["k8s-worker-2"] and r["move"]["vm"] == "k8s-worker-1"
    for p in paths:
        for node in ("k8s-worker-1", "k8s-worker-2"):
            playbook([{"name": "detach", "vsphere_k8s.cloud_provider.vmdk_attachment": {
                "node": node, "path": p, "state": "absent"}}])


def test_vmdk_info_lists_folders_on_every_datastore(playbook, name):
    playbook([{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {"size": "16Mi", "disks": [
        {"path": "[LocalDS_0] kubevols/%s-a.vmdk" % name},
        {"path": "[DatastoreCluster/LocalDS_2] kubevols/%s-b.vmdk" % name}]}}])
    r = playbook([{"name": "info", "vsphere_k8s.cloud_provider.vmdk_info": {}}])
    assert r.rc == 0, r
    by_path = {d["path"]: d for d in r["info"]["disks"]}
    assert by_path["[LocalDS_0] kubevols/%s-a.vmdk" % name]["capacity_bytes"] == 16 * 1024 ** 2
    b = by_path["[LocalDS_2] kubevols/%s-b.vmdk" % name]
    assert b["datastore_path"] == "DatastoreCluster/LocalDS_2" and b["orphaned"] is None
