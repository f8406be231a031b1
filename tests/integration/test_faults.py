"""Faults: vCenter and the Kubernetes API server silent, or stopped in the middle of a task, then back.

A FaultProxy stands in front of vcsim or the apiserver: it forwards bytes, and cuts every connection (and
refuses new ones) when told, at a point chosen from the vcsim trace or the apiserver audit log, so the
request after that point never arrives. The simulators keep their state, as a restarted vCenter or apiserver
would. Each fault must give one clear error (no traceback, what failed and where), changed: true when
something was written before, and a re-run after "the restart" must converge with no duplicates.
"""

import os
import socket
import time
import uuid

import pytest
import yaml
from pyVmomi import vim

import lab_vsphere
from conftest import ROOT
from faultproxy import FaultProxy, JsonLines, audit_write, soap_method, wait_until

BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")


def assert_clear_failure(r, task, *words):
    """The run failed on `task` with a message holding every word, and nothing printed a traceback."""
    assert r.rc != 0, r
    result = r[task]
    assert result.get("failed") or result.get("_status") == "failed", r
    msg = result.get("msg", "")
    for word in words:
        assert word in msg, msg
    for text in (r.stdout, r.stderr, msg):
        assert "Traceback" not in text, text[-3000:]
    assert "exception" not in result or "Traceback" not in result["exception"], result["exception"]
    return msg


@pytest.fixture
def vcsim_proxy(lab_env):
    with FaultProxy(int(os.environ["VMWARE_PORT"])) as proxy:
        yield proxy


@pytest.fixture
def apiserver_proxy(lab_env, tmp_path):
    """A proxy in front of the apiserver and a kubeconfig pointing at it (K8S_AUTH_KUBECONFIG for playbooks)."""
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        kc = yaml.safe_load(f)
    port = int(kc["clusters"][0]["cluster"]["server"].rsplit(":", 1)[1])
    with FaultProxy(port) as proxy:
        kc["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:%d" % proxy.port
        path = tmp_path / "kubeconfig-via-proxy"
        path.write_text(yaml.safe_dump(kc))
        path.chmod(0o600)
        proxy.kubeconfig = str(path)
        yield proxy


# -- the proxy itself ------------------------------------------------------------------------------------------
def test_the_proxy_forwards_cuts_refuses_and_resumes(vcsim_proxy):
    def connects():
        try:
            socket.create_connection(("127.0.0.1", vcsim_proxy.port), timeout=2).close()
            return True
        except OSError:
            return False

    assert connects()
    vcsim_proxy.cut()
    assert not connects()  # refused: the port is closed
    vcsim_proxy.resume()
    assert connects()
    vcsim_proxy.cut_after(1)
    assert connects()
    connects()  # the kernel accepts it; the proxy resets it and closes the port
    assert wait_until(lambda: vcsim_proxy.down, timeout=5) and not connects()
    assert vcsim_proxy.cuts == 2


# -- F9: a silent vCenter ------------------------------------------------------------------------------------
@pytest.mark.parametrize("module, args", [
    ("node_vm_info", {"names": ["k8s-worker-1"]}),
    ("vmdk_info", {"paths": ["[LocalDS_0] kubevols/x.vmdk"]}),
])
def test_a_vcenter_that_accepts_tcp_and_never_answers_fails_within_the_timeout(
        playbook, vcsim_proxy, module, args):
    vcsim_proxy.freeze()  # connections are accepted and held, never answered (not even the TLS handshake)
    t0 = time.monotonic()
    r = playbook([{"name": "silent", "timeout": 60,  # the task keyword only bounds a hang of the old code
                   "vsphere_k8s.cloud_provider.%s" % module: dict(args, port=vcsim_proxy.port, timeout=3)}])
    elapsed = time.monotonic() - t0
    assert_clear_failure(r, "silent", "vCenter 127.0.0.1:%d did not answer within 3s" % vcsim_proxy.port)
    assert elapsed < 30, elapsed


# -- vCenter stopped in the middle of a multi-disk task -----------------------------------------------------
def with_extents(names):
    """The files of these (thin, plain) disks: each descriptor and its -flat extent."""
    return sorted(names + [n[:-len(".vmdk")] + "-flat.vmdk" for n in names])


def disks_in(files):
    return [f for f in files if not f.endswith("-flat.vmdk")]


def datastore_files(vsphere, ds_name, folder):
    """Every file vCenter lists in a datastore folder (names), read through the datastore browser."""
    ds = lab_vsphere.find(vsphere, vim.Datastore, ds_name)[0]
    try:
        spec = vim.host.DatastoreBrowser.SearchSpec(matchPattern=["*"])
        res = lab_vsphere.wait(ds.browser.SearchDatastore_Task("[%s] %s" % (ds_name, folder), spec))
    except RuntimeError:
        return []
    return sorted(f.path for f in res.file or [])


def test_vcenter_stopped_in_the_middle_of_14_disks_fails_clearly_with_changed_and_a_rerun_converges(
        playbook, vsphere, vcsim_proxy):
    folder = "faults-%s" % uuid.uuid4().hex[:8]
    names = ["d-%02d.vmdk" % i for i in range(14)]
    task = {"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "disks": [{"path": "[LocalDS_0] %s/%s" % (folder, n), "size": "16Mi"} for n in names],
        "concurrency": 4, "port": vcsim_proxy.port, "timeout": 10}}
    trace = JsonLines(os.environ["LAB_VCSIM_TRACE"])
    # Two batches of four are submitted; the next request (the wait for the second batch) finds vCenter gone.
    vcsim_proxy.cut_when(lambda: trace.count(soap_method("CreateVirtualDisk_Task")) >= 8)
    r = playbook([task])
    assert vcsim_proxy.cuts == 1
    msg = assert_clear_failure(r, "disks", "vCenter 127.0.0.1:%d" % vcsim_proxy.port, "in flight",
                               "Run the task again")
    assert r["disks"]["changed"] is True, r["disks"]
    files = datastore_files(vsphere, "LocalDS_0", folder)
    made = disks_in(files)
    assert 0 < len(made) < len(names) and files == with_extents(made), files
    assert all(("%s/%s" % (folder, n)) in msg for n in made[4:]), msg  # the second batch, named as in flight

    vcsim_proxy.resume()  # "vCenter is back", with what it had made
    again = playbook([task])
    assert again.rc == 0, again
    assert again["disks"]["changed"] is True
    assert sorted(d["action"] for d in again["disks"]["disks"]) == sorted(
        ["none"] * len(made) + ["created"] * (len(names) - len(made)))
    assert datastore_files(vsphere, "LocalDS_0", folder) == with_extents(names)  # each once, nothing else
    third = playbook([task])
    assert third.rc == 0 and third["disks"]["changed"] is False, third


def test_vcenter_stopped_while_submitting_a_batch_fails_clearly_with_changed(playbook, vsphere, vcsim_proxy):
    folder = "faults-%s" % uuid.uuid4().hex[:8]
    names = ["d-%02d.vmdk" % i for i in range(13)]
    task = {"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "disks": [{"path": "[LocalDS_0] %s/%s" % (folder, n), "size": "16Mi"} for n in names],
        "concurrency": 4, "port": vcsim_proxy.port, "timeout": 10}}
    trace = JsonLines(os.environ["LAB_VCSIM_TRACE"])
    # The second window's four creations go out together: the cut comes while they are sent, so either a creation
    # finds vCenter gone (the failure names the stage) or the wait that follows does (it names the tasks in flight).
    vcsim_proxy.cut_when(lambda: trace.count(soap_method("CreateVirtualDisk_Task")) >= 5)
    r = playbook([task])
    msg = assert_clear_failure(r, "disks", "vCenter 127.0.0.1:%d" % vcsim_proxy.port, "Run the task again")
    assert "changing disks" in msg or "in flight" in msg, msg
    assert r["disks"]["changed"] is True, r["disks"]
    vcsim_proxy.resume()
    again = playbook([task])
    assert again.rc == 0, again
    assert datastore_files(vsphere, "LocalDS_0", folder) == with_extents(names)


# -- the Kubernetes API server stopped in the middle ----------------------------------------------------------
def test_apiserver_stopped_in_the_middle_of_many_volumes_fails_clearly_and_a_rerun_converges(
        playbook, kube, apiserver_proxy):
    import kubernetes
    prefix = "flt-%s" % uuid.uuid4().hex[:6]
    volumes = [{"name": "%s-%02d" % (prefix, i), "path": "[LocalDS_0] kubevols/%s-%02d.vmdk" % (prefix, i)}
               for i in range(30)]
    task = {"name": "pvs", "vsphere_k8s.cloud_provider.persistent_volume": {
        "provisioner": "in_tree", "capacity": "1Gi", "labels": {"faults": prefix}, "volumes": volumes}}
    env = {"K8S_AUTH_KUBECONFIG": apiserver_proxy.kubeconfig}
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    apiserver_proxy.cut_when(lambda: audit.count(audit_write("persistentvolumes")) >= 3)
    r = playbook([task], env=env)
    assert apiserver_proxy.cuts == 1
    assert_clear_failure(r, "pvs", "Kubernetes API server https://127.0.0.1:%d" % apiserver_proxy.port)
    core = kubernetes.client.CoreV1Api(kube)

    def ours():
        return sorted(pv.metadata.name for pv in core.list_persistent_volume(label_selector="faults=" + prefix).items)

    written = ours()
    assert 0 < len(written) < len(volumes), written
    assert r["pvs"]["changed"] is True, r["pvs"]

    apiserver_proxy.resume()
    again = playbook([task], env=env)
    assert again.rc == 0 and again["pvs"]["changed"] is True, again
    assert ours() == sorted(v["name"] for v in volumes)
    third = playbook([task], env=env)
    assert third.rc == 0 and third["pvs"]["changed"] is False, third
    for v in volumes:
        core.delete_persistent_volume(v["name"])


def test_apiserver_stopped_in_the_middle_of_k8s_apply_reports_changed_and_a_rerun_converges(
        playbook, kube, apiserver_proxy):
    import kubernetes
    prefix = "flt-%s" % uuid.uuid4().hex[:6]
    task = {"name": "apply", "vsphere_k8s.cloud_provider.k8s_apply": {"definitions": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "%s-%02d" % (prefix, i), "namespace": "default",
                                                               "labels": {"faults": prefix}}, "data": {"i": str(i)}}
        for i in range(12)]}}
    env = {"K8S_AUTH_KUBECONFIG": apiserver_proxy.kubeconfig}
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    apiserver_proxy.cut_when(lambda: audit.count(audit_write("configmaps")) >= 4)
    r = playbook([task], env=env)
    msg = assert_clear_failure(r, "apply", "Kubernetes API server https://127.0.0.1:%d" % apiserver_proxy.port)
    assert r["apply"]["changed"] is True, r["apply"]
    assert "ConfigMap %s-00" % prefix in msg
    core = kubernetes.client.CoreV1Api(kube)
    assert 0 < len(core.list_namespaced_config_map("default", label_selector="faults=" + prefix).items) < 12
    apiserver_proxy.resume()
    again = playbook([task], env=env)
    assert again.rc == 0 and again["apply"]["changed"] is True, again
    assert len(core.list_namespaced_config_map("default", label_selector="faults=" + prefix).items) == 12
    third = playbook([task], env=env)
    assert third.rc == 0 and third["apply"]["changed"] is False, third
    core.delete_collection_namespaced_config_map("default", label_selector="faults=" + prefix)


def run_bootstrap(playbook, tmp_path, **kw):
    extra = dict(kw.pop("extra_vars", {}), node_config_root=str(tmp_path / "nodes") + "/{{ inventory_hostname }}")
    return playbook(path=BOOTSTRAP, inventory=INVENTORY, extra_vars=extra, **kw)


def changed_counts(r):
    return {h: s["changed"] for h, s in r.all_stats.items()}


def failed_messages(r):
    """The messages of every failed task (and loop item) of a run."""
    msgs = []
    for tasks in r.by_host.values():
        for result in tasks.values():
            if result.get("failed") or result.get("_status") == "failed":
                msgs.append(result.get("msg", ""))
                msgs += [i.get("msg", "") for i in result.get("results", []) if i.get("msg")]
    return msgs


def assert_bootstrap_failed_clearly(r, *words):
    assert r.rc != 0, r
    msgs = [m for m in failed_messages(r) if m and m != "One or more items failed"]
    assert msgs, r
    assert any(all(w in m for w in words) for m in msgs), msgs
    for text in [r.stdout, r.stderr] + msgs:
        assert "Traceback" not in text, text[-3000:]
    return msgs


K8S_ROLES = ["k8s-vcenter", "k8s-node-vms", "k8s-volumes", "k8s-read-only"]


def test_vcenter_then_the_apiserver_stopped_during_bootstrap_fail_clearly_and_re_runs_converge(
        playbook, kube, vsphere, vcsim_proxy, apiserver_proxy, tmp_path):
    """One bootstrap.yml sequence (its runs are slow): vCenter stopped in the vCenter part; back, and the
    apiserver stopped in the cluster part; back, and the run converges; the next run changes nothing."""
    import kubernetes
    # Take away what each part writes, so that each run has writes to be cut in the middle of.
    am = vsphere.RetrieveContent().authorizationManager
    for role in am.roleList:
        if role.name in K8S_ROLES:
            am.RemoveAuthorizationRole(role.roleId, failIfUsed=False)
    core, apps = kubernetes.client.CoreV1Api(kube), kubernetes.client.AppsV1Api(kube)
    for delete, args in [(core.delete_namespaced_config_map, ("vsphere-cloud-config", "kube-system")),
                         (core.delete_namespaced_secret, ("vsphere-cloud-secret", "kube-system")),
                         (apps.delete_namespaced_daemon_set, ("vsphere-cloud-controller-manager", "kube-system")),
                         (core.delete_namespaced_secret, ("vsphere-config-secret", "vmware-system-csi"))]:
        try:
            delete(*args)
        except kubernetes.client.ApiException as e:
            assert e.status == 404
    vc = {"hostname": os.environ["VMWARE_HOST"], "port": vcsim_proxy.port, "username": os.environ["VMWARE_USER"],
          "password": os.environ["VMWARE_PASSWORD"], "ca_bundle": os.environ["VMWARE_CA_BUNDLE"], "timeout": 10}
    kw = dict(env={"K8S_AUTH_KUBECONFIG": apiserver_proxy.kubeconfig}, extra_vars={"vcenter_prereqs_vcenter": vc})

    # 1. vCenter stops after the first role is made.
    trace = JsonLines(os.environ["LAB_VCSIM_TRACE"])
    vcsim_proxy.cut_when(lambda: trace.count(soap_method("AddAuthorizationRole")) >= 1)
    r = run_bootstrap(playbook, tmp_path, **kw)
    assert vcsim_proxy.cuts == 1
    msgs = assert_bootstrap_failed_clearly(r, "vCenter 127.0.0.1:%d" % vcsim_proxy.port, "broke during",
                                           "AddAuthorizationRole k8s-vcenter")
    assert not os.path.exists(tmp_path / "nodes")  # stopped before the node part
    roles = [x.name for x in am.roleList if x.name in K8S_ROLES]
    assert roles == ["k8s-vcenter"], (roles, msgs)

    # 2. vCenter is back; the apiserver stops after two writes of the cluster part.
    vcsim_proxy.resume()
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    apiserver_proxy.cut_when(lambda: audit.count(audit_write()) >= 2)
    r = run_bootstrap(playbook, tmp_path, **kw)
    assert apiserver_proxy.cuts == 1
    assert_bootstrap_failed_clearly(r, "Kubernetes API server https://127.0.0.1:%d" % apiserver_proxy.port)
    assert sorted(x.name for x in am.roleList if x.name in K8S_ROLES) == sorted(K8S_ROLES)  # each once

    # 3. Both back: the run converges, and the next changes nothing.
    apiserver_proxy.resume()
    again = run_bootstrap(playbook, tmp_path, **kw)
    assert again.rc == 0, again
    core.read_namespaced_secret("vsphere-config-secret", "vmware-system-csi")
    apps.read_namespaced_daemon_set("vsphere-cloud-controller-manager", "kube-system")
    third = run_bootstrap(playbook, tmp_path, **kw)
    assert third.rc == 0 and set(changed_counts(third).values()) == {0}, changed_counts(third)
