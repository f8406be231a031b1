"""What the lab writes to its apiserver in place of the node agents, and what it reads back to run upstream programs.

No kubelet runs in the lab: `nodes` registers a Node for each node VM of lab-vcsim as a kubelet started with
--cloud-provider=external registers it (the uninitialized taint, status.nodeInfo.systemUUID as the kubelet reads
it, the Hostname address only, Ready). `ccm-prepare` reads back what the cloud_controller role installed (the
ConfigMap's vsphere.conf and the DaemonSet's arguments) so the upstream cloud controller runs as a process with
exactly that. `wait-nodes` waits until the cloud controller has initialized every node and prints the fields.
`nodes` also registers each node's CSINode as the vSphere CSI node plugin (through the kubelet's plugin registration)
would: driver csi.vsphere.vmware.com, nodeID the VM's BIOS UUID (the controller finds node VMs only through them).
`csi-prepare` reads back what the csi_driver role installed (csi-vsphere.conf from its Secret, the controller
Deployment's container arguments) so the driver's controller and its sidecars run as processes with exactly that.

Standard library only (the lab script runs it with any python3). Usage (from lab/lab.sh):
  labkube.py nodes KUBELET_VERSION
  labkube.py ccm-prepare OUT_DIR          prints the controller's arguments, one per line
  labkube.py wait-nodes SECONDS PID_FILE LOG_FILE
  labkube.py csi-prepare OUT_DIR SOCKET   writes OUT_DIR/csi-vsphere.conf and OUT_DIR/<container>.args
  labkube.py apply-yaml FILE              creates the object of a YAML file (kept if it exists)
"""

import base64
import hashlib
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid as uuidlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.environ.get("LAB_ROOT") or os.path.join(ROOT, ".lab")
UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
CCM_NAMESPACE = os.environ.get("LAB_CCM_NAMESPACE", "kube-system")
CCM_CONFIGMAP = "vsphere-cloud-config"
CCM_DAEMONSET = "vsphere-cloud-controller-manager"
CSI_DRIVER = "csi.vsphere.vmware.com"
CSI_NAMESPACE = os.environ.get("LAB_CSI_NAMESPACE", "vmware-system-csi")
CSI_SECRET = "vsphere-config-secret"
CSI_DEPLOYMENT = "vsphere-csi-controller"
CSI_FSS = "internal-feature-states.csi.vsphere.vmware.com"
# Containers of the controller Deployment the lab runs (the syncer, the snapshotter, the resizer and the liveness
# probe are not run: nothing in the lab needs them).
CSI_CONTAINERS = ("vsphere-csi-controller", "csi-provisioner", "csi-attacher")


class LabError(Exception):
    pass


class Api:
    """The lab apiserver as its admin (the client certificate of .lab/kubeconfig)."""

    def __init__(self):
        with open(os.path.join(LAB, "kubeconfig")) as f:
            m = re.search(r"^\s*server:\s*(\S+)\s*$", f.read(), re.M)
        if not m:
            raise LabError("no server in %s/kubeconfig: run 'lab/lab.sh up' first" % LAB)
        self.server = m.group(1)
        pki = os.path.join(LAB, "pki")
        self.ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))

    def call(self, method, path, body=None, content_type="application/json", ok404=False):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            if ok404 and e.code == 404:
                return None
            detail = e.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("message", detail)
            except ValueError:
                pass
            raise LabError("%s %s: HTTP %d: %s" % (method, path, e.code, detail)) from None
        except (urllib.error.URLError, OSError) as e:
            raise LabError("%s %s: %s (is the lab up?)" % (method, path, e)) from None


def node_vms():
    path = os.path.join(LAB, "vcsim-ready.json")
    try:
        with open(path) as f:
            return json.load(f)["nodes"]
    except (OSError, ValueError, KeyError) as e:
        raise LabError("cannot read the node VMs from %s (%s): run 'lab/lab.sh up' first" % (path, e)) from None


def kubelet_system_uuid(bios_uuid, hardware_version=19):
    """status.nodeInfo.systemUUID as the kubelet reports it: /sys/class/dmi/id/product_uuid, upper case.

    From virtual hardware version 13 on, the SMBIOS UUID decodes to the VM's BIOS UUID (config.uuid); older versions
    show the first three groups byte-swapped. The lab's node VMs are vmx-19.
    """
    u = bios_uuid.lower()
    if hardware_version < 13:
        u = "%s%s%s%s-%s%s-%s%s-%s" % (u[6:8], u[4:6], u[2:4], u[0:2], u[11:13], u[9:11], u[16:18], u[14:16], u[19:])
    return u.upper()


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def node_objects(vm, kubelet_version):
    """The Node and its status as `kubelet --cloud-provider=external` (no --node-ip) registers them."""
    name = vm["name"]
    control_plane = name.startswith("k8s-cp-")
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}
    taints = [{"key": UNINITIALIZED, "value": "true", "effect": "NoSchedule"}]
    if control_plane:  # what kubeadm adds to a control-plane node
        labels[CONTROL_PLANE] = ""
        taints.append({"key": CONTROL_PLANE, "effect": "NoSchedule"})
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels,
                         "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": {"taints": taints}}
    resources = {"cpu": str(vm.get("cpus", 2)), "memory": "%dMi" % vm.get("memory_mb", 4096), "pods": "110",
                 "ephemeral-storage": "16Gi"}
    t = now()
    conditions = [
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
         "message": "kubelet has sufficient memory available"},
        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
         "message": "kubelet has no disk pressure"},
        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
         "message": "kubelet has sufficient PID available"},
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
    ]
    for c in conditions:
        c.update(lastHeartbeatTime=t, lastTransitionTime=t)
    status = {"status": {
        "nodeInfo": {"systemUUID": kubelet_system_uuid(vm["uuid"]),
                     "machineID": hashlib.sha256(("machine-id:" + name).encode()).hexdigest()[:32],
                     "bootID": str(uuidlib.uuid4()), "kernelVersion": "6.8.0-lab", "osImage": "Ubuntu 24.04 LTS",
                     "containerRuntimeVersion": "containerd://2.0.0", "kubeletVersion": kubelet_version,
                     "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
        "addresses": [{"type": "Hostname", "address": name}],
        "capacity": resources, "allocatable": resources, "conditions": conditions,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}}
    return node, status


def register_nodes(api, kubelet_version):
    """(Re)register every node VM's Node as freshly joined: any older Node of that name is replaced."""
    for vm in node_vms():
        name = vm["name"]
        node, status = node_objects(vm, kubelet_version)
        path = "/api/v1/nodes/" + urllib.parse.quote(name)
        if api.call("DELETE", path, ok404=True) is not None:
            for attempt in range(100):
                if api.call("GET", path, ok404=True) is None or attempt == 99:
                    break
                time.sleep(0.1)
        api.call("POST", "/api/v1/nodes", node)
        api.call("PATCH", path + "/status", status, content_type="application/merge-patch+json")
        # The apiserver taints a Node created without a Ready condition not-ready; the node lifecycle controller
        # lifts that once the kubelet posts Ready. The lab runs no such controller: lift it as it would.
        api.call("PATCH", path, {"spec": {"taints": node["spec"]["taints"]}},
                 content_type="application/merge-patch+json")
        print("lab: registered Node %s (systemUUID %s, uninitialized)" % (name, status["status"]["nodeInfo"]["systemUUID"]),
              file=sys.stderr)
        register_csinode(api, vm, api.call("GET", path))


def csinode_object(vm, node):
    """The CSINode the kubelet writes once the vSphere CSI node plugin registered (NodeGetInfo): no topology keys
    (the lab's driver config has no topology-categories), the driver's default volume limit."""
    return {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
            "metadata": {"name": vm["name"], "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": vm["name"], "uid": node["metadata"]["uid"]}]},
            "spec": {"drivers": [{"name": CSI_DRIVER, "nodeID": vm["uuid"], "topologyKeys": None,
                                  "allocatable": {"count": 59}}]}}


def register_csinode(api, vm, node):
    path = "/apis/storage.k8s.io/v1/csinodes/" + urllib.parse.quote(vm["name"])
    if api.call("DELETE", path, ok404=True) is not None:
        for attempt in range(100):
            if api.call("GET", path, ok404=True) is None or attempt == 99:
                break
            time.sleep(0.1)
    api.call("POST", "/apis/storage.k8s.io/v1/csinodes", csinode_object(vm, node))
    print("lab: registered CSINode %s (driver %s, nodeID %s)" % (vm["name"], CSI_DRIVER, vm["uuid"]), file=sys.stderr)


def csi_prepare(api, out_dir, socket):
    """Write the role's csi-vsphere.conf to out_dir and each run container's arguments to out_dir/<name>.args."""
    ns = urllib.parse.quote(CSI_NAMESPACE)
    secret = api.call("GET", "/api/v1/namespaces/%s/secrets/%s" % (ns, CSI_SECRET), ok404=True)
    if secret is None or "csi-vsphere.conf" not in (secret.get("data") or {}):
        raise LabError("Secret %s/%s with key csi-vsphere.conf not found: run the csi_driver role first (make demo)"
                       % (CSI_NAMESPACE, CSI_SECRET))
    if api.call("GET", "/api/v1/namespaces/%s/configmaps/%s" % (ns, CSI_FSS), ok404=True) is None:
        raise LabError("ConfigMap %s/%s (the feature states) not found: run the csi_driver role first" % (CSI_NAMESPACE, CSI_FSS))
    dep = api.call("GET", "/apis/apps/v1/namespaces/%s/deployments/%s" % (ns, CSI_DEPLOYMENT), ok404=True)
    if dep is None:
        raise LabError("Deployment %s/%s not found: run the csi_driver role first" % (CSI_NAMESPACE, CSI_DEPLOYMENT))
    os.makedirs(out_dir, mode=0o700, exist_ok=True)
    conf = os.path.join(out_dir, "csi-vsphere.conf")
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(base64.b64decode(secret["data"]["csi-vsphere.conf"]))
    containers = {c["name"]: c for c in dep["spec"]["template"]["spec"]["containers"]}
    for name in CSI_CONTAINERS:
        if name not in containers:
            raise LabError("the Deployment %s/%s has no container %s" % (CSI_NAMESPACE, CSI_DEPLOYMENT, name))
        c = containers[name]
        env = {e["name"]: e.get("value", "") for e in c.get("env") or []}
        env["CSI_NAMESPACE"] = CSI_NAMESPACE  # the pod's namespace (a fieldRef)
        env["ADDRESS"] = socket
        args = []
        for a in list(c.get("command", [])[1:]) + list(c.get("args", [])):
            # One instance per lab: no leader election (the lease would need the pod's namespace file).
            if a.startswith("--leader-election"):
                continue
            args.append(re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), a))
        with open(os.path.join(out_dir, name + ".args"), "w") as f:
            f.write("\n".join(args) + "\n")
        if name == "vsphere-csi-controller":
            with open(os.path.join(out_dir, name + ".env"), "w") as f:
                for k in sorted(env):
                    if k not in ("ADDRESS",):
                        f.write("%s=%s\n" % (k, env[k]))
    print(conf)


def apply_yaml(api, path):
    """Create the object of a YAML file through the apiserver's YAML decoding (labkube has no YAML parser)."""
    with open(path, "rb") as f:
        body = f.read()
    m = re.search(rb"^kind:\s*(\w+)", body, re.M)
    if not m or m.group(1) != b"CustomResourceDefinition":
        raise LabError("%s: only CustomResourceDefinitions are applied" % path)
    req = urllib.request.Request(api.server + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", data=body,
                                 method="POST", headers={"Content-Type": "application/yaml", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, context=api.ctx, timeout=30):
            pass
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise LabError("creating the CRD of %s: HTTP %d: %s" % (path, e.code, e.read()[:300])) from None


def ccm_prepare(api, out_dir):
    """Write the role's vsphere.conf to out_dir; print the DaemonSet container's arguments for a local process."""
    ns = urllib.parse.quote(CCM_NAMESPACE)
    cm = api.call("GET", "/api/v1/namespaces/%s/configmaps/%s" % (ns, CCM_CONFIGMAP), ok404=True)
    if cm is None or "vsphere.conf" not in (cm.get("data") or {}):
        raise LabError("ConfigMap %s/%s with key vsphere.conf not found: run the cloud_controller role first "
                       "(make demo)" % (CCM_NAMESPACE, CCM_CONFIGMAP))
    ds = api.call("GET", "/apis/apps/v1/namespaces/%s/daemonsets/%s" % (ns, CCM_DAEMONSET), ok404=True)
    if ds is None:
        raise LabError("DaemonSet %s/%s not found: run the cloud_controller role first" % (CCM_NAMESPACE, CCM_DAEMONSET))
    os.makedirs(out_dir, mode=0o700, exist_ok=True)
    conf = os.path.join(out_dir, "vsphere.conf")
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(cm["data"]["vsphere.conf"])
    container = ds["spec"]["template"]["spec"]["containers"][0]
    args = list(container.get("command", [])[1:]) + list(container.get("args", []))
    out = []
    for a in args:
        if a.startswith("--cloud-config="):
            a = "--cloud-config=" + conf
        out.append(a)
    if not any(a.startswith("--cloud-config=") for a in out):
        out.append("--cloud-config=" + conf)
    print("\n".join(out))


def node_fields(n):
    labels = n["metadata"].get("labels") or {}
    return {"name": n["metadata"]["name"], "providerID": n["spec"].get("providerID", ""),
            "addresses": [(a["type"], a["address"]) for a in n["status"].get("addresses", [])],
            "zone": labels.get("topology.kubernetes.io/zone"), "region": labels.get("topology.kubernetes.io/region"),
            "instance_type": labels.get("node.kubernetes.io/instance-type"),
            "taints": ["%s=%s:%s" % (t["key"], t.get("value", ""), t["effect"]) for t in n["spec"].get("taints") or []]}


def initialized(n):
    return bool(n["spec"].get("providerID")) and not any(
        t["key"] == UNINITIALIZED for t in n["spec"].get("taints") or [])


def wait_nodes(api, seconds, pid_file, log_file):
    names = [vm["name"] for vm in node_vms()]
    deadline = time.time() + seconds
    while True:
        nodes = {n["metadata"]["name"]: n for n in api.call("GET", "/api/v1/nodes")["items"]}
        missing = [x for x in names if x not in nodes]
        if missing:
            raise LabError("no Node for %s: run 'lab/lab.sh nodes' first" % ", ".join(missing))
        pending = [x for x in names if not initialized(nodes[x])]
        if not pending:
            for x in names:
                print(json.dumps(node_fields(nodes[x])))
            return
        try:
            with open(pid_file) as f:
                os.kill(int(f.read().strip()), 0)
        except (OSError, ValueError):
            raise LabError("the cloud controller exited before initializing %s (log: %s):\n%s"
                           % (", ".join(pending), log_file, log_tail(log_file))) from None
        if time.time() > deadline:
            raise LabError("the cloud controller did not initialize %s within %ds (log: %s):\n%s"
                           % (", ".join(pending), seconds, log_file, log_tail(log_file)))
        time.sleep(0.5)


def log_tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    errors = [x for x in lines if x[:1] in ("E", "F") or "rror" in x]
    return "\n".join((errors or lines)[-n:])


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        api = Api()
        if argv[1] == "nodes" and len(argv) == 3:
            register_nodes(api, argv[2])
        elif argv[1] == "ccm-prepare" and len(argv) == 3:
            ccm_prepare(api, argv[2])
        elif argv[1] == "csi-prepare" and len(argv) == 4:
            csi_prepare(api, argv[2], argv[3])
        elif argv[1] == "apply-yaml" and len(argv) == 3:
            apply_yaml(api, argv[2])
        elif argv[1] == "wait-nodes" and len(argv) == 5:
            wait_nodes(api, int(argv[2]), argv[3], argv[4])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (LabError, OSError) as e:
        print("lab: ERROR: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
