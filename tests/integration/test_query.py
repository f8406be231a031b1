"""The query option of the info modules: a JMESPath expression selects from the documented result into
query_result (the full result stays), and an expression that is not JMESPath fails before anything is read."""

import pytest

NODE_VMS = ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"]


def test_node_vm_info_query_selects_from_the_nodes(playbook):
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider.node_vm_info": {
        "names": NODE_VMS, "query": "nodes[].{vm: vm_name, id: provider_id}"}}])
    assert r.rc == 0, r
    selected = r["q"]["query_result"]
    assert sorted(x["vm"] for x in selected) == NODE_VMS
    assert {x["vm"]: x["id"] for x in selected} == {n["vm_name"]: n["provider_id"] for n in r["q"]["nodes"]}


def test_vsphere_object_info_query_filters_on_a_property(playbook):
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider.vsphere_object_info": {
        "type": "VirtualMachine", "names": NODE_VMS, "properties": ["runtime.powerState"],
        "query": "objects[?properties.\"runtime.powerState\" == 'poweredOn'].name"}}])
    assert r.rc == 0, r
    on = sorted(o["name"] for o in r["q"]["objects"] if o["properties"]["runtime.powerState"] == "poweredOn")
    assert on and sorted(r["q"]["query_result"]) == on
    assert r["q"]["count"] == len(NODE_VMS)


def test_vmdk_info_query_counts_the_disks(playbook):
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider.vmdk_info": {"query": "length(disks)"}}])
    assert r.rc == 0, r
    assert r["q"]["query_result"] == len(r["q"]["disks"])


def test_k8s_cluster_info_query_selects_from_nodes_and_namespaces(playbook):
    # Other tests register and delete the lab's Nodes: the selection is compared with the result it comes from.
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider.k8s_cluster_info": {
        "gather": ["nodes", "namespaces"], "query": "{nodes: nodes[].name, system: namespaces[?starts_with(@, 'kube-')]}"}}])
    assert r.rc == 0, r
    assert r["q"]["query_result"]["nodes"] == [n["name"] for n in r["q"]["nodes"]]
    assert r["q"]["query_result"]["system"] == [n for n in r["q"]["namespaces"] if n.startswith("kube-")]
    assert "kube-system" in r["q"]["query_result"]["system"]


def test_without_query_there_is_no_query_result(playbook):
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider.k8s_cluster_info": {"gather": ["namespaces"]}}])
    assert r.rc == 0, r
    assert "query_result" not in r["q"] and "default" in r["q"]["namespaces"]


@pytest.mark.parametrize("module, args", [
    ("node_vm_info", {"names": ["k8s-cp-1"]}),
    ("vsphere_object_info", {"type": "Datastore"}),
    ("vmdk_info", {}),
])
def test_an_invalid_expression_fails_cleanly_and_reads_nothing(playbook, vcsim_trace, module, args):
    r = playbook([{"name": "q", "vsphere_k8s.cloud_provider." + module: dict(args, query="nodes[?")}])
    assert r.rc != 0
    msg = r["q"]["msg"]
    assert "is not a valid JMESPath expression" in msg and "Nothing was read" in msg
    assert "Traceback" not in r.stdout + r.stderr
    assert vcsim_trace.entries() == []  # not even a login
