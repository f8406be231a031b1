"""A cluster bootstrapped in_tree with in-tree classes, volumes, claims and workloads, for the migration tests.

Classes: vsphere-legacy (the inventory's: DatastoreCluster/LocalDS_2, thin - translatable), mig-thick
(eagerzeroedthick), mig-vsan (raw vSAN capabilities). In-tree PVs bound to claims in namespace default:
demo-legacy-0 (the inventory's, on the datastore-cluster member LocalDS_2), mig-folder-0 (LocalDS_3, in the
datastore folder storage-tier; used by StatefulSet mig-folder on k8s-worker-1), mig-wrong-0 (LocalDS_0; used by
StatefulSet mig-wrong on k8s-worker-1 while its disk is attached to k8s-worker-2), mig-missing-0 (its disk
deleted). The Nodes carry the providerIDs the in-tree provider gave them (vsphere://<BIOS UUID>).
"""

import json
import os
import time

import yaml

from conftest import ROOT

BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
MIGRATE = os.path.join(ROOT, "playbooks", "migrate.yml")
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
NODES = ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"]
NS = "default"
DISKS = {"mig-folder-0": "[LocalDS_3] kubevols/mig-folder-0.vmdk",
         "mig-wrong-0": "[LocalDS_0] kubevols/mig-wrong-0.vmdk",
         "mig-missing-0": "[LocalDS_1] kubevols/mig-missing-0.vmdk"}
WORKLOADS = {"mig-folder": "data-mig-folder-0", "mig-wrong": "data-mig-wrong-0"}


def manifest(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "kube-system"},
            "spec": {"containers": [{"name": name, "image": "registry.k8s.io/%s:v1.36.3" % name,
                                     "command": [name, "--v=2"],
                                     "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki"}]}],
                     "volumes": [{"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki"}}]}}


def write_manifests(node_root):
    d = os.path.join(node_root, "k8s-cp-1", "etc/kubernetes/manifests")
    os.makedirs(d, exist_ok=True)
    for name in ("kube-apiserver", "kube-controller-manager"):
        with open(os.path.join(d, name + ".yaml"), "w") as f:
            yaml.safe_dump(manifest(name), f)


def node_vars(node_root):
    return {"node_config_root": node_root + "/{{ inventory_hostname }}"}


def run_migrate(playbook, node_root, extra=None, **kw):
    return playbook(path=MIGRATE, inventory=INVENTORY, extra_vars=dict(node_vars(node_root), **(extra or {})), **kw)


SETUP = """
- name: disks
  vsphere_k8s.cloud_provider.vmdk:
    disks:
      - {path: "[LocalDS_3] kubevols/mig-folder-0.vmdk", size: 1Gi}
      - {path: "[LocalDS_0] kubevols/mig-wrong-0.vmdk", size: 1Gi}
      - {path: "[LocalDS_1] kubevols/mig-missing-0.vmdk", size: 1Gi}
- name: in-tree classes
  vsphere_k8s.cloud_provider.storage_class:
    name: "{{ item.name }}"
    provisioner: in_tree
    disk_format: "{{ item.disk_format | default(omit) }}"
    vsan: "{{ item.vsan | default(omit) }}"
    datastore: "{{ item.datastore | default(omit) }}"
  loop:
    - {name: mig-thick, disk_format: eagerzeroedthick, datastore: LocalDS_1}
    - {name: mig-vsan, vsan: {host_failures_to_tolerate: 1, object_space_reservation: 50}}
- name: in-tree volumes and their claims
  vsphere_k8s.cloud_provider.persistent_volume:
    provisioner: in_tree
    capacity: 1Gi
    volumes:
      - {name: mig-folder-0, path: "[LocalDS_3] kubevols/mig-folder-0.vmdk", claim: {namespace: default, name: data-mig-folder-0}}
      - {name: mig-wrong-0, path: "[LocalDS_0] kubevols/mig-wrong-0.vmdk", claim: {namespace: default, name: data-mig-wrong-0}}
      - {name: mig-missing-0, path: "[LocalDS_1] kubevols/mig-missing-0.vmdk", claim: {namespace: default, name: data-mig-missing-0}}
    wait: true
- name: the disk of mig-missing-0 is gone
  vsphere_k8s.cloud_provider.vmdk:
    path: "[LocalDS_1] kubevols/mig-missing-0.vmdk"
    state: absent
    force: true
- name: the disk of mig-wrong-0 attached to k8s-worker-2
  vsphere_k8s.cloud_provider.vmdk_attachment:
    node: k8s-worker-2
    path: "[LocalDS_0] kubevols/mig-wrong-0.vmdk"
"""


def statefulset(name, claim):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": NS},
            "spec": {"replicas": 1, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {
                         "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                         "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                         "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}}}}


def bind_pod(kube, name, node):
    """The scheduler's part (the lab has none): bind the pod to a node."""
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    body = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
    core.create_namespaced_pod_binding(name, NS, body, _preload_content=False)


def wait_pod(kube, name, timeout=60):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    end = time.time() + timeout
    while time.time() < end:
        try:
            return core.read_namespaced_pod(name, NS)
        except kubernetes.client.ApiException as e:
            if e.status != 404:
                raise
        time.sleep(0.5)
    raise AssertionError("pod %s never appeared" % name)


def in_tree_provider_ids(kube, vsphere):
    """Each Node gets the providerID the in-tree provider set: vsphere://<BIOS UUID>, unless it has one."""
    import kubernetes
    from pyVmomi import vim
    core = kubernetes.client.CoreV1Api(kube)
    view = vsphere.content.viewManager.CreateContainerView(vsphere.content.rootFolder, [vim.VirtualMachine], True)
    uuids = {vm.name: vm.config.uuid.lower() for vm in view.view if vm.name in NODES}
    view.Destroy()
    out = {}
    for n in NODES:
        node = core.read_node(n)
        if not node.spec.provider_id:
            core.patch_node(n, {"spec": {"providerID": "vsphere://" + uuids[n]}})
        out[n] = core.read_node(n).spec.provider_id
    return out


def build(playbook, kube, vsphere, node_root):
    """Bootstrap in_tree, then the classes, volumes, claims and workloads above. Returns the providerIDs."""
    import kubernetes
    storage = kubernetes.client.StorageV1Api(kube)
    try:  # an earlier migration converted the inventory's in-tree class: bootstrap makes it in-tree again
        if storage.read_storage_class("vsphere-legacy").provisioner != "kubernetes.io/vsphere-volume":
            storage.delete_storage_class("vsphere-legacy")
    except kubernetes.client.ApiException as e:
        if e.status != 404:
            raise
    core = kubernetes.client.CoreV1Api(kube)
    try:  # an earlier migration rewrote the inventory's in-tree volume as CSI: bootstrap makes it in-tree again
        if not core.read_persistent_volume("demo-legacy-0").spec.vsphere_volume:
            delete_volume(kube, "demo-legacy-0", "data-legacy-0")
    except kubernetes.client.ApiException as e:
        if e.status != 404:
            raise
    for call in (lambda: core.delete_namespaced_secret("vsphere-config-secret", "vmware-system-csi"),
                 lambda: core.delete_namespaced_config_map("internal-feature-states.csi.vsphere.vmware.com",
                                                           "vmware-system-csi")):
        try:  # an in-tree cluster has no CSI configuration (an earlier test of the lab may have left one)
            call()
        except kubernetes.client.ApiException as e:
            if e.status != 404:
                raise
    write_manifests(node_root)
    r = playbook(path=BOOTSTRAP, inventory=INVENTORY, extra_vars=dict(node_vars(node_root), bootstrap_mode="in_tree"))
    assert r.rc == 0, r
    r = playbook(SETUP)
    assert r.rc == 0, r
    apps = kubernetes.client.AppsV1Api(kube)
    for name, claim in WORKLOADS.items():
        try:
            apps.create_namespaced_stateful_set(NS, statefulset(name, claim))
        except kubernetes.client.ApiException as e:
            if e.status != 409:
                raise
        pod = wait_pod(kube, name + "-0")
        if not pod.spec.node_name:
            bind_pod(kube, name + "-0", "k8s-worker-1")
    return in_tree_provider_ids(kube, vsphere)


CLEANUP = """
- name: detach
  vsphere_k8s.cloud_provider.vmdk_attachment:
    node: k8s-worker-2
    path: "[LocalDS_0] kubevols/mig-wrong-0.vmdk"
    state: absent
    force: true
- name: classes
  vsphere_k8s.cloud_provider.storage_class:
    name: "{{ item }}"
    state: absent
  loop: [mig-thick, mig-vsan]
"""


def delete_volume(kube, pv, claim):
    """A PV and its claim deleted (the disk stays), their protection finalizers lifted, waited gone."""
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    steps = ((lambda: core.delete_namespaced_persistent_volume_claim(claim, NS),
              lambda: core.patch_namespaced_persistent_volume_claim(claim, NS, {"metadata": {"finalizers": None}}),
              lambda: core.read_namespaced_persistent_volume_claim(claim, NS)),
             (lambda: core.delete_persistent_volume(pv),
              lambda: core.patch_persistent_volume(pv, {"metadata": {"finalizers": None}}),
              lambda: core.read_persistent_volume(pv)))
    for delete, unblock, read in steps:
        for call in (delete, unblock):
            try:
                call()
            except kubernetes.client.ApiException:
                pass
        end = time.time() + 30
        while time.time() < end:
            try:
                read()
            except kubernetes.client.ApiException as e:
                if e.status == 404:
                    break
            time.sleep(0.3)


def cleanup(playbook, kube):
    """What the tests made goes (workloads, claims, PVs, disks), so the suite's other tests meet the lab as before."""
    import kubernetes
    apps = kubernetes.client.AppsV1Api(kube)
    core = kubernetes.client.CoreV1Api(kube)
    for name in WORKLOADS:
        try:
            apps.delete_namespaced_stateful_set(name, NS)
        except kubernetes.client.ApiException:
            pass
        try:
            core.delete_namespaced_pod(name + "-0", NS, grace_period_seconds=0)
        except kubernetes.client.ApiException:
            pass
    playbook(CLEANUP)
    for pv in DISKS:
        delete_volume(kube, pv, "data-" + pv)
    try:  # the inventory's in-tree volume, when a test rewrote it as CSI (bootstrap makes it in-tree again)
        if not core.read_persistent_volume("demo-legacy-0").spec.vsphere_volume:
            delete_volume(kube, "demo-legacy-0", "data-legacy-0")
    except kubernetes.client.ApiException:
        pass
    playbook([{"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "disks": [{"path": p, "state": "absent", "force": True} for p in DISKS.values()], "check_references": False}}])


def load(path):
    with open(path) as f:
        return json.load(f) if path.endswith(".json") else f.read()
