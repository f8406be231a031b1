"""The lab's stand-ins for the scheduler and the kubelet around the real vSphere CSI driver, and `make demo`'s
StatefulSet.

The lab runs no kube-scheduler and no kubelet. What they would do for a pod with vSphere volumes is done here, through
the API, as they do it:
  - schedule(): the scheduler's volume binding for WaitForFirstConsumer claims (the selected-node annotation), the
    wait for the claims to be Bound (PreBind), then the pod's Binding to the node;
  - unmounted(): the kubelet's node status once the pod's volumes are unmounted (status.volumesInUse without them),
    which lets the attach/detach controller detach at once instead of after its 6 minute timeout;
  - evict(): a pod deleted at once, as a kubelet confirms a termination.
The lab runs no vSphere CSI syncer either: register_static() registers a static CSI PersistentVolume's First Class
Disk as a CNS container volume (CnsCreateVolume with its backing disk id), as the syncer does when such a PV appears;
the controller looks a volume up in CNS before it detaches it.
The attach/detach controller (kube-controller-manager), the external-provisioner and external-attacher and the vSphere
CSI controller do everything else.

Run with the lab's Python (.venv: kubernetes, pyvmomi): python lab/labcsi.py demo [NAMESPACE]
  python lab/labcsi.py power-cycle [VM ...]   power off and on the (four node) VMs that are on, as an operator does
                                              after the bootstrap lists them (disk.EnableUUID applies at power on)
"""

import os
import ssl
import sys
import time

import kubernetes
from kubernetes.client.rest import ApiException

DRIVER = "csi.vsphere.vmware.com"
SELECTED_NODE = "volume.kubernetes.io/selected-node"


class Timeout(Exception):
    pass


def clients(api_client=None):
    api = api_client or kubernetes.config.new_client_from_config(config_file=os.environ["K8S_AUTH_KUBECONFIG"])
    return kubernetes.client.CoreV1Api(api), kubernetes.client.StorageV1Api(api), kubernetes.client.AppsV1Api(api)


def wait(what, fn, timeout=120, interval=0.5):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise Timeout("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(interval)


def pod_claims(pod):
    return [v.persistent_volume_claim.claim_name for v in pod.spec.volumes or [] if v.persistent_volume_claim]


def schedule(core, namespace, pod_name, node, timeout=180):
    """Bind a pending pod to a node as kube-scheduler would once its claims are bound."""
    pod = wait("pod %s/%s" % (namespace, pod_name), lambda: _get_pod(core, namespace, pod_name), timeout)
    if pod.spec.node_name:
        return pod
    for claim in pod_claims(pod):
        pvc = wait("claim %s/%s" % (namespace, claim), lambda c=claim: _get_pvc(core, namespace, c), timeout)
        if pvc.status.phase != "Bound" and not (pvc.metadata.annotations or {}).get(SELECTED_NODE):
            core.patch_namespaced_persistent_volume_claim(
                claim, namespace, {"metadata": {"annotations": {SELECTED_NODE: node}}})
    for claim in pod_claims(pod):
        wait("claim %s/%s to be Bound" % (namespace, claim),
             lambda c=claim: _get_pvc(core, namespace, c).status.phase == "Bound", timeout)
    body = kubernetes.client.V1Binding(metadata=kubernetes.client.V1ObjectMeta(name=pod_name),
                                       target=kubernetes.client.V1ObjectReference(kind="Node", name=node, api_version="v1"))
    core.create_namespaced_binding(namespace, body, _preload_content=False)
    return wait("pod %s/%s on %s" % (namespace, pod_name, node),
                lambda: (_get_pod(core, namespace, pod_name) or None) if _node_of(core, namespace, pod_name) == node else None,
                timeout)


def _node_of(core, namespace, name):
    pod = _get_pod(core, namespace, name)
    return pod.spec.node_name if pod else None


def _get_pod(core, namespace, name):
    try:
        return core.read_namespaced_pod(name, namespace)
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def _get_pvc(core, namespace, name):
    try:
        return core.read_namespaced_persistent_volume_claim(name, namespace)
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def evict(core, namespace, pod_name, timeout=60):
    """Delete a pod at once, as its kubelet confirms the termination; wait until it is gone (the UID changes when
    its controller recreates it)."""
    old = _get_pod(core, namespace, pod_name)
    if old is None:
        return
    try:
        core.delete_namespaced_pod(pod_name, namespace, grace_period_seconds=0)
    except ApiException as e:
        if e.status != 404:  # else gone meanwhile (the garbage collector, after its owner was deleted)
            raise

    def gone():
        pod = _get_pod(core, namespace, pod_name)
        return pod is None or pod.metadata.uid != old.metadata.uid

    wait("pod %s/%s to go" % (namespace, pod_name), gone, timeout)
    if old.spec.node_name:
        unmounted(core, old.spec.node_name)


def unmounted(core, node):
    """The kubelet's node status after unmounting: volumesInUse lists only volumes of pods still on the node."""
    in_use = []
    for pod in core.list_pod_for_all_namespaces(field_selector="spec.nodeName=" + node).items:
        for claim in pod_claims(pod):
            pvc = _get_pvc(core, pod.metadata.namespace, claim)
            if pvc and pvc.spec.volume_name:
                pv = core.read_persistent_volume(pvc.spec.volume_name)
                if pv.spec.csi:
                    in_use.append("kubernetes.io/csi/%s^%s" % (pv.spec.csi.driver, pv.spec.csi.volume_handle))
    core.patch_node_status(node, {"status": {"volumesInUse": in_use or None}})


def attachment(storage, pv_name, node=None):
    """The VolumeAttachment of a PV (on a node), or None."""
    for va in storage.list_volume_attachment().items:
        if va.spec.source.persistent_volume_name == pv_name and (node is None or va.spec.node_name == node):
            return va
    return None


def wait_attached(storage, pv_name, node, timeout=180):
    def attached():
        va = attachment(storage, pv_name, node)
        return va if va and va.status and va.status.attached else None

    return wait("the volume %s attached to %s" % (pv_name, node), attached, timeout)


def wait_detached(storage, pv_name, node, timeout=180):
    return wait("the volume %s detached from %s" % (pv_name, node),
                lambda: attachment(storage, pv_name, node) is None, timeout)


# ---------------------------------------------------------------------------------------------------------------
# vCenter side (pyvmomi)

def vsphere():
    from pyVim.connect import SmartConnect
    ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
    return SmartConnect(host=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]),
                        user=os.environ["VMWARE_USER"], pwd=os.environ["VMWARE_PASSWORD"], sslContext=ctx)


def disks_by_fcd(si):
    """{FCD id: [(VM name, disk file, disk UUID)]}: every VM disk that carries a vDiskId."""
    from pyVmomi import vim
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        out = {}
        for vm in view.view:
            for d in vm.config.hardware.device if vm.config else []:
                if isinstance(d, vim.vm.device.VirtualDisk) and d.vDiskId:
                    out.setdefault(d.vDiskId.id, []).append((vm.name, d.backing.fileName, d.backing.uuid))
        return out
    finally:
        view.Destroy()


def fcd(si, fcd_id):
    """The First Class Disk's VStorageObject (any datastore), or None."""
    from pyVmomi import vim
    content = si.RetrieveContent()
    vsom = content.vStorageObjectManager
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
    try:
        for ds in view.view:
            try:
                return vsom.RetrieveVStorageObject(vim.vslm.ID(id=fcd_id), ds)
            except (vim.fault.NotFound, vmodl_fault()):
                continue
        return None
    finally:
        view.Destroy()


SOAP = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><{method} xmlns="urn:vsan"><_this type="CnsVolumeManager">cns-volume-manager</_this>{body}</{method}>
</soapenv:Body></soapenv:Envelope>"""

CNS_CREATE = """<createSpecs><name>{name}</name><volumeType>BLOCK</volumeType>
<metadata><containerCluster><clusterType>KUBERNETES</clusterType><clusterId>{cluster}</clusterId>
<vSphereUser>{user}</vSphereUser><clusterFlavor>VANILLA</clusterFlavor></containerCluster>
<entityMetadata xsi:type="CnsKubernetesEntityMetadata"><entityName>{name}</entityName><delete>false</delete>
<entityType>PERSISTENT_VOLUME</entityType><namespace></namespace></entityMetadata></metadata>
<backingObjectDetails xsi:type="CnsBlockBackingDetails"><backingDiskId>{fcd}</backingDiskId></backingObjectDetails>
</createSpecs>"""


def _post(si, path, envelope):
    import http.client
    cookie = si._stub.cookie.split(";")[0]
    ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
    conn = http.client.HTTPSConnection(os.environ["VMWARE_HOST"], int(os.environ["VMWARE_PORT"]), context=ctx, timeout=60)
    try:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vsan/vsan.version.version3",
                   "Cookie": cookie}
        conn.request("POST", path, envelope.encode(), headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


TASK_INFO = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet>
<propSet><type>Task</type><pathSet>info.state</pathSet><pathSet>info.error</pathSet><pathSet>info.result</pathSet></propSet>
<objectSet><obj type="Task">{task}</obj></objectSet></specSet><options></options></RetrievePropertiesEx>
</soapenv:Body></soapenv:Envelope>"""


def cns_call(si, method, body):
    """A CNS method (its specs as XML) on vCenter's /vsanHealth endpoint in the session of si. Waits for its task
    and returns (state, the task's info as XML): pyVmomi reads neither a TaskInfo whose entity is the
    CnsVolumeManager nor CNS results."""
    import re
    status, data = _post(si, "/vsanHealth", SOAP.format(method=method, body=body))
    m = re.search(r"<returnval[^>]*>([^<]+)<", data)
    if status != 200 or not m:
        raise RuntimeError("%s: HTTP %d: %s" % (method, status, data[:500]))

    def done():
        code, info = _post(si, "/sdk", TASK_INFO.format(task=m.group(1)))
        state = re.search(r"<name>info.state</name><val[^>]*>(\w+)<", info)
        return (state.group(1), info) if code == 200 and state and state.group(1) in ("success", "error") else None

    return wait("the task of %s" % method, done, timeout=60)


def task_outcome(si, task, what="a task"):
    """Wait for a task; its {state, error, result}. Not the whole TaskInfo: pyVmomi cannot read one whose entity is
    not a ManagedEntity (the VStorageObjectManager's tasks)."""
    from pyVmomi import vim, vmodl
    pc = si.RetrieveContent().propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.state", "info.error", "info.result"])])

    def done():
        props = {p.name: p.val for p in pc.RetrieveContents([spec])[0].propSet}
        return props if props.get("info.state") in ("success", "error") else None

    props = wait("the task of %s" % what, done, timeout=60)
    return {"state": props["info.state"], "error": props.get("info.error"), "result": props.get("info.result")}


def register_static(si, pv, cluster_id="lab-cluster"):
    """What the syncer does for a static CSI PV: CnsCreateVolume with the FCD as backing disk (no new disk)."""
    from xml.sax.saxutils import escape
    body = CNS_CREATE.format(name=escape(pv.metadata.name), cluster=escape(cluster_id),
                             user=escape(os.environ["VMWARE_USER"]), fcd=escape(pv.spec.csi.volume_handle))
    state, info = cns_call(si, "CnsCreateVolume", body)
    if state != "success" or "<fault>" in info:
        raise RuntimeError("CnsCreateVolume for %s failed: %s" % (pv.metadata.name, info[:1000]))


def delete_cns(si, volume_id):
    """Delete a CNS volume and its disk (CnsDeleteVolume with deleteDisk), as the driver does for reclaim Delete:
    the way to remove a volume CNS manages, where deleting only its First Class Disk would leave the CNS volume."""
    from xml.sax.saxutils import escape
    state, info = cns_call(si, "CnsDeleteVolume", "<volumeIds><id>%s</id></volumeIds><deleteDisk>true</deleteDisk>"
                           % escape(volume_id))
    if state != "success" or "<fault>" in info:
        raise RuntimeError("CnsDeleteVolume for %s failed: %s" % (volume_id, info[:1000]))


def attach_specs(fcd_id, vm_moid, tag="attachSpecs"):
    return '<%s><volumeId><id>%s</id></volumeId><vm type="VirtualMachine">%s</vm></%s>' % (tag, fcd_id, vm_moid, tag)


def vmodl_fault():
    from pyVmomi import vmodl
    return vmodl.fault.InvalidArgument


# ---------------------------------------------------------------------------------------------------------------
# make demo

DEMO_WORKERS = ("k8s-worker-1", "k8s-worker-2", "k8s-worker-3")


def statefulset(name, replicas, storage_class, size="1Gi"):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"serviceName": name, "replicas": replicas, "podManagementPolicy": "Parallel",
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                                           "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
                                                        "resources": {"requests": {"storage": size}}}}]}}


def demo(namespace="csi-demo"):
    core, storage, apps = clients()
    try:
        core.create_namespace({"metadata": {"name": namespace}})
    except ApiException as e:
        if e.status != 409:
            raise
    name, replicas = "web", 3
    try:
        apps.create_namespaced_stateful_set(namespace, statefulset(name, replicas, "vsphere-csi"))
    except ApiException as e:
        if e.status != 409:
            raise
    t0 = time.time()
    for i in range(replicas):
        schedule(core, namespace, "%s-%d" % (name, i), DEMO_WORKERS[i % len(DEMO_WORKERS)])
    rows = []
    for i in range(replicas):
        pod = core.read_namespaced_pod("%s-%d" % (name, i), namespace)
        pvc = core.read_namespaced_persistent_volume_claim("data-%s-%d" % (name, i), namespace)
        pv = core.read_persistent_volume(pvc.spec.volume_name)
        wait_attached(storage, pv.metadata.name, pod.spec.node_name)
        rows.append((pod.metadata.name, pvc.metadata.name, pvc.status.phase, pv.spec.csi.volume_handle,
                     pod.spec.node_name))
    si = vsphere()
    on_vms = disks_by_fcd(si)
    print("StatefulSet %s/%s on StorageClass vsphere-csi, %d claims provisioned and attached in %.0fs:"
          % (namespace, name, replicas, time.time() - t0))
    print("%-8s %-12s %-7s %-38s %-14s %s" % ("POD", "CLAIM", "PHASE", "FCD ID", "NODE", "DISK ON VM (vCenter)"))
    ok = True
    for pod, claim, phase, fcd_id, node in rows:
        vms = on_vms.get(fcd_id, [])
        where = ", ".join("%s %s" % (d[0], d[1]) for d in vms) or "NOT ATTACHED"
        ok = ok and phase == "Bound" and [d[0] for d in vms] == [node]
        print("%-8s %-12s %-7s %-38s %-14s %s" % (pod, claim, phase, fcd_id, node, where))
    return 0 if ok else 1


def power_cycle(names):
    """Power off and on again the named VMs that are powered on, as the operator does after the bootstrap lists them
    (disk.EnableUUID applies at power on; until then the doctor reports a power cycle pending)."""
    from pyVmomi import vim
    si = vsphere()
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        vms = {vm.name: vm for vm in view.view if vm.name in names}
        view.Destroy()
        missing = sorted(set(names) - set(vms))
        if missing:
            raise RuntimeError("no VM named %s" % ", ".join(missing))
        for name in names:
            vm = vms[name]
            if vm.runtime.powerState != "poweredOn":
                continue
            for what, task in (("power off", vm.PowerOffVM_Task), ("power on", vm.PowerOnVM_Task)):
                outcome = task_outcome(si, task(), "%s %s" % (what, name))
                if outcome["state"] != "success":
                    raise RuntimeError("%s of %s failed: %s" % (what, name, outcome["error"]))
            print("lab: %s power cycled" % name)
    finally:
        from pyVim.connect import Disconnect
        Disconnect(si)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "power-cycle":
        try:
            return power_cycle(argv[2:] or ("k8s-cp-1",) + DEMO_WORKERS)
        except (Timeout, RuntimeError) as e:
            print("lab: ERROR: %s" % e, file=sys.stderr)
            return 1
    if len(argv) >= 2 and argv[1] == "demo":
        try:
            return demo(*argv[2:3])
        except (Timeout, ApiException) as e:
            print("lab: ERROR: %s" % e, file=sys.stderr)
            return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
