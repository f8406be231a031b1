"""Both connections end to end from a playbook, and their failure messages."""

import os

import pytest


@pytest.mark.smoke
def test_vsphere_object_info_lists_the_lab_node_vms_with_one_property_retrieval(playbook, lab_env, vcsim_trace):
    r = playbook("""
        - name: node VMs
          vsphere_k8s.cloud_provider.vsphere_object_info:
            folder: kubernetes
            properties: [config.uuid, runtime.powerState, guest.hostName]
        """)
    assert r.rc == 0, r
    objects = r["node VMs"]["objects"]
    assert [o["name"] for o in objects] == sorted(n["name"] for n in lab_env["nodes"])
    uuids = {n["name"]: n["uuid"] for n in lab_env["nodes"]}
    for o in objects:
        assert o["properties"]["config.uuid"] == uuids[o["name"]]
        assert o["properties"]["runtime.powerState"] == "poweredOn"
        assert o["properties"]["guest.hostName"] == o["name"]
        assert o["moid"].startswith("vm-")
    methods = [e["method"] for e in vcsim_trace.entries() if e["kind"] == "soap"]
    # The folder scope costs one retrieval for the inventory tree, the listing one more.
    assert methods.count("RetrievePropertiesEx") == 2, methods
    assert "RetrieveProperties" not in methods


def test_vsphere_object_info_reads_every_vm_in_constant_round_trips(playbook, lab_env, vcsim_trace):
    r = playbook("""
        - name: all VMs
          vsphere_k8s.cloud_provider.vsphere_object_info:
            properties: [config.uuid]
        """)
    assert r.rc == 0, r
    assert r["all VMs"]["count"] == lab_env["vms_total"]
    methods = [e["method"] for e in vcsim_trace.entries() if e["kind"] == "soap"]
    assert methods.count("RetrievePropertiesEx") == 1 and "ContinueRetrievePropertiesEx" not in methods


def test_module_defaults_for_the_vsphere_action_group_set_the_connection_once(playbook):
    env = {k: None for k in ("VMWARE_HOST", "VMWARE_PORT", "VMWARE_USER", "VMWARE_PASSWORD", "VMWARE_CA_BUNDLE")}
    defaults = {"group/vsphere_k8s.cloud_provider.vsphere": {
        "hostname": os.environ["VMWARE_HOST"], "port": int(os.environ["VMWARE_PORT"]),
        "username": os.environ["VMWARE_USER"], "password": os.environ["VMWARE_PASSWORD"],
        "ca_bundle": os.environ["VMWARE_CA_BUNDLE"]}}
    r = playbook("""
        - name: datastores
          vsphere_k8s.cloud_provider.vsphere_object_info:
            type: Datastore
            properties: [summary.url]
        """, env=env, module_defaults=defaults)
    assert r.rc == 0, r
    assert {o["name"] for o in r["datastores"]["objects"]} >= {"LocalDS_0", "LocalDS_1", "LocalDS_2", "LocalDS_3"}


@pytest.mark.smoke
def test_k8s_cluster_info_lists_nodes_and_namespaces(playbook, kube):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    name = "smoke-node-1"
    try:
        core.delete_node(name)
    except kubernetes.client.exceptions.ApiException:
        pass
    core.create_node({"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": name, "labels": {"topology.kubernetes.io/zone": "zone-a"}},
        "spec": {"taints": [{"key": "node.cloudprovider.kubernetes.io/uninitialized", "value": "true",
                             "effect": "NoSchedule"}]}})
    try:
        r = playbook("""
            - name: cluster
              vsphere_k8s.cloud_provider.k8s_cluster_info:
            """)
        assert r.rc == 0, r
        info = r["cluster"]
        assert {"default", "kube-system"} <= set(info["namespaces"])
        node = [n for n in info["nodes"] if n["name"] == name][0]
        assert node["zone"] == "zone-a" and node["uninitialized"] is True and node["provider_id"] == ""
        assert info["version"]["gitVersion"].startswith("v1.")
    finally:
        core.delete_node(name)


@pytest.mark.parametrize("case", ["wrong password", "unreachable host", "untrusted certificate"])
def test_vsphere_connection_failures_say_what_failed_without_the_password(playbook, case):
    env, args = {}, {}
    expected = {"wrong password": "rejected the login of user",
                "unreachable host": "Cannot reach vCenter 127.0.0.1:1",
                "untrusted certificate": "is not trusted"}[case]
    if case == "wrong password":
        args["password"] = "not-the-Lab-password;#1"
    elif case == "unreachable host":
        args["port"] = 1
    else:
        env["VMWARE_CA_BUNDLE"] = None
    r = playbook([{"name": "connect", "vsphere_k8s.cloud_provider.vsphere_object_info": args}], env=env)
    result = r["connect"]
    assert r.rc != 0 and result["_status"] == "failed"
    assert expected in result["msg"], result["msg"]
    assert "Traceback" not in r.stdout + r.stderr
    for secret in (os.environ["VMWARE_PASSWORD"], "not-the-Lab-password;#1"):
        assert secret not in r.stdout + r.stderr
    if case == "untrusted certificate":
        assert "ca_bundle" in result["msg"] and "validate_certs" in result["msg"]


@pytest.mark.parametrize("case", ["unreachable host", "untrusted certificate", "missing kubeconfig"])
def test_kubernetes_connection_failures_say_what_failed(playbook, case, tmp_path):
    import yaml
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        cfg = yaml.safe_load(f)
    env = {}
    if case == "unreachable host":
        cfg["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
        expected = "Cannot reach the Kubernetes API server https://127.0.0.1:1"
    elif case == "untrusted certificate":
        del cfg["clusters"][0]["cluster"]["certificate-authority"]
        expected = "is not trusted"
    else:
        env["K8S_AUTH_KUBECONFIG"] = str(tmp_path / "nope")
        expected = "does not exist"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    env.setdefault("K8S_AUTH_KUBECONFIG", str(path))
    r = playbook([{"name": "connect", "vsphere_k8s.cloud_provider.k8s_cluster_info": {"gather": ["namespaces"]}}],
                 env=env)
    result = r["connect"]
    assert result["_status"] == "failed", r
    assert expected in result["msg"], result["msg"]
    assert "Traceback" not in r.stdout + r.stderr
