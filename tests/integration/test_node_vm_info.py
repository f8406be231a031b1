"""node_vm_info against the lab: every input form, ambiguity, missing nodes, addresses, zones, from_cluster."""

import pytest
from pyVmomi import vim

import lab_vsphere

UUID = {  # the lab's node VMs (lab/go/vcsim/main.go)
    "k8s-cp-1": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01",
    "k8s-worker-1": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02",
    "k8s-worker-2": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e03",
    "k8s-worker-3": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e04",
}


def by_vm(result):
    return {n["vm_name"]: n for n in result["nodes"]}


def addresses(node, kind):
    return [a["address"] for a in node["addresses"] if a["type"] == kind]


def test_every_input_form_in_one_task_finds_the_right_vms(playbook):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
        "names": ["k8s-cp-1"],
        "uuids": [
            "VMware-42 18 e0 a2 6b 1c 4c 5d-9e 7f 0a 1b 2c 3d 4e 02",  # product_serial of k8s-worker-1
            "a2e01842-1c6b-5d4c-9e7f-0a1b2c3d4e03",                   # byte-swapped product_uuid of k8s-worker-2
        ],
        "provider_ids": ["vsphere://4218E0A2-6B1C-4C5D-9E7F-0A1B2C3D4E04"],  # upper case, k8s-worker-3
        "ips": ["192.168.100.12"],                                           # second NIC of k8s-worker-1
    }}])
    assert r.rc == 0, r
    found = by_vm(r["lookup"])
    assert sorted(found) == sorted(UUID)
    how = {vm: sorted((m["input"], m["how"]) for m in n["matched_by"]) for vm, n in found.items()}
    assert how["k8s-cp-1"] == [("name", "vm name")]
    assert how["k8s-worker-1"] == [("ip", "guest ip"), ("uuid", "bios uuid")]
    assert how["k8s-worker-2"] == [("uuid", "byte-swapped bios uuid")]
    assert how["k8s-worker-3"] == [("provider_id", "bios uuid")]
    for vm, n in found.items():
        assert n["uuid"] == UUID[vm]
        assert n["provider_id"] == "vsphere://" + UUID[vm]
    cp = found["k8s-cp-1"]
    assert cp["datacenter"] == "DC0" and cp["cluster"] == "zone-a" and cp["folder"] == "/DC0/vm/kubernetes"
    assert cp["instance_type"] == "vsphere-vm.cpu-2.mem-4gb.os-ubuntu64Guest"
    assert cp["hardware_version"] == "vmx-19" and cp["power_state"] == "poweredOn"
    assert cp["disk_enable_uuid"] is True and found["k8s-worker-2"]["disk_enable_uuid"] in (True, False)
    assert cp["scsi_controllers"][0]["type"] in ("lsilogic", "pvscsi")
    assert cp["disks"][0]["path"] == "[LocalDS_0] k8s-cp-1/k8s-cp-1.vmdk"
    assert cp["disks"][0]["capacity_bytes"] == 16 * 1024 ** 3 and cp["disks"][0]["controller"] == "scsi0"
    assert r["lookup"]["missing"] == []


def test_lookup_cost_does_not_grow_with_the_inputs(playbook, vcsim_trace):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
        "names": list(UUID), "uuids": list(UUID.values()), "zone_category": "k8s-zone",
        "region_category": "k8s-region"}}])
    assert r.rc == 0, r
    soap = [e["method"] for e in vcsim_trace.entries() if e["kind"] == "soap"]
    assert len(soap) <= 10, soap
    assert soap.count("RetrievePropertiesEx") == 2, soap
    rest = [e for e in vcsim_trace.entries() if e["kind"] == "http" and "tag-association" in e["path"]]
    assert len(rest) == 1


def test_unknown_inputs_are_listed_as_missing_and_fail_only_when_asked(playbook):
    task = {"names": ["k8s-worker-9"], "uuids": ["00000000-0000-0000-0000-000000000001"]}
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": task}])
    assert r.rc == 0, r
    assert r["lookup"]["nodes"] == []
    assert {(m["input"], m["value"]) for m in r["lookup"]["missing"]} == {
        ("name", "k8s-worker-9"), ("uuid", "00000000-0000-0000-0000-000000000001")}
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": dict(task, fail_on_missing=True)}])
    assert r["lookup"]["_status"] == "failed" and "k8s-worker-9" in r["lookup"]["msg"]


def test_malformed_uuid_is_a_clear_error(playbook):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {"uuids": ["not-a-uuid"]}}])
    assert r["lookup"]["_status"] == "failed"
    assert "'not-a-uuid' is not a BIOS UUID" in r["lookup"]["msg"]


@pytest.fixture
def duplicate_vms(vsphere):
    vms = [lab_vsphere.create_vm(vsphere, "dup-node", "test-dup/a", power_on=False),
           lab_vsphere.create_vm(vsphere, "dup-node", "test-dup/b", power_on=False)]
    yield vms
    for vm in vms:
        lab_vsphere.destroy(vm)


def test_a_name_matching_several_vms_is_an_error_listing_them_with_folders(playbook, duplicate_vms):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {"names": ["dup-node"]}}])
    msg = r["lookup"]["msg"]
    assert r["lookup"]["_status"] == "failed"
    assert "matches 2 VMs" in msg and "/DC0/vm/test-dup/a" in msg and "/DC0/vm/test-dup/b" in msg
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
        "names": ["dup-node"], "folder": "test-dup/b"}}])
    assert r.rc == 0, r
    assert [n["folder"] for n in r["lookup"]["nodes"]] == ["/DC0/vm/test-dup/b"]


@pytest.mark.parametrize("options, internal, external", [
    ({}, ["10.0.0.13"], ["10.0.0.13"]),
    ({"internal_network_subnet_cidr": ["10.0.0.0/24"], "external_network_subnet_cidr": ["192.168.100.0/24"]},
     ["10.0.0.13"], ["192.168.100.13"]),
    ({"internal_vm_network_name": "vm network", "external_vm_network_name": "DC0_DVPG0"},
     ["10.0.0.13"], ["192.168.100.13"]),
    ({"exclude_external_network_subnet_cidr": ["10.0.0.0/8"]}, ["10.0.0.13"], ["192.168.100.13"]),
    ({"internal_network_subnet_cidr": ["10.0.0.0/24"]}, ["10.0.0.13"], []),
    ({"ip_family": ["ipv6"]}, ["fd00:10::13"], ["fd00:10::13"]),
], ids=["first address", "subnets", "network names", "exclude", "one side only", "ipv6"])
def test_multi_nic_node_addresses_follow_the_provider_rules(playbook, options, internal, external):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": dict(
        names=["k8s-worker-2"], **options)}])
    assert r.rc == 0, r
    node = r["lookup"]["nodes"][0]
    assert addresses(node, "Hostname") == ["k8s-worker-2"]
    assert addresses(node, "InternalIP") == internal
    assert addresses(node, "ExternalIP") == external


def test_zone_and_region_come_from_cluster_datacenter_and_host_tags(playbook, vsphere):
    tags = lab_vsphere.Tags()
    host = [h for h in lab_vsphere.find(vsphere, vim.ClusterComputeResource, "zone-b")[0].host
            if h.name.endswith("_H1")][0]
    rack = tags.create_tag("k8s-zone", "zone-b-rack-7")
    region = tags.create_tag("k8s-region", "region-7")
    tags.attach(rack, host)
    tags.attach(region, host)
    try:
        r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
            "names": ["k8s-worker-1", "k8s-worker-2", "k8s-worker-3"],
            "zone_category": "k8s-zone", "region_category": "k8s-region"}}])
        assert r.rc == 0, r
        found = by_vm(r["lookup"])
        assert (found["k8s-worker-1"]["zone"], found["k8s-worker-1"]["region"]) == ("zone-a", "region-1")
        assert (found["k8s-worker-2"]["zone"], found["k8s-worker-2"]["region"]) == ("zone-b", "region-1")
        assert found["k8s-worker-3"]["host"] == host.name
        assert (found["k8s-worker-3"]["zone"], found["k8s-worker-3"]["region"]) == ("zone-b-rack-7", "region-7")
    finally:
        tags.detach(rack, host)
        tags.detach(region, host)
        tags.delete_tag(rack)
        tags.delete_tag(region)


def test_from_cluster_matches_nodes_as_kubelets_registered_them_and_flags_disagreement(playbook, kube):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    nodes = {
        # node name: (systemUUID as the kubelet reports it, providerID, zone label)
        "k8s-cp-1": (UUID["k8s-cp-1"].upper(), "vsphere://" + UUID["k8s-cp-1"], "zone-a"),
        "k8s-worker-1": (UUID["k8s-worker-1"], "", "zone-a"),
        "k8s-worker-2": ("a2e01842-1c6b-5d4c-9e7f-0a1b2c3d4e03", "", None),  # old hardware: byte-swapped
        "k8s-worker-3": (UUID["k8s-worker-3"], "vsphere://" + UUID["k8s-worker-1"], "zone-a"),  # wrong
    }
    for name, (sys_uuid, pid, zone) in nodes.items():
        labels = {"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": "region-1"} if zone else {}
        body = {"metadata": {"name": name, "labels": labels}, "spec": {"providerID": pid} if pid else {}}
        try:
            core.delete_node(name)
        except kubernetes.client.exceptions.ApiException:
            pass
        core.create_node(body)
        core.patch_node_status(name, {"status": {"nodeInfo": {
            "systemUUID": sys_uuid, "machineID": "m", "bootID": "b", "kernelVersion": "6", "osImage": "x",
            "containerRuntimeVersion": "c", "kubeletVersion": "v1.36.3", "kubeProxyVersion": "",
            "operatingSystem": "linux", "architecture": "amd64"}}})
    try:
        r = playbook([{"name": "check", "vsphere_k8s.cloud_provider.node_vm_info": {
            "from_cluster": True, "zone_category": "k8s-zone", "region_category": "k8s-region"}}])
        assert r.rc == 0, r
        found = {n["node_name"]: n for n in r["check"]["nodes"]}
        assert sorted(found) == sorted(nodes)
        for name, n in found.items():
            assert n["vm_name"] == name
        k = {name: n["kubernetes"] for name, n in found.items()}
        assert k["k8s-cp-1"]["agrees"] is True
        assert k["k8s-worker-1"]["provider_id_ok"] is False and "not set" in k["k8s-worker-1"]["problems"][0]
        assert found["k8s-worker-2"]["matched_by"][0]["how"] == "byte-swapped bios uuid"
        assert k["k8s-worker-2"]["zone_ok"] is False
        assert k["k8s-worker-3"]["provider_id_ok"] is False and k["k8s-worker-3"]["zone_ok"] is False
        assert found["k8s-worker-3"]["matched_by"][0]["how"] == "bios uuid"  # its systemUUID, not the wrong ID
        assert any("is not vsphere://" + UUID["k8s-worker-3"] in p for p in k["k8s-worker-3"]["problems"])
    finally:
        for name in nodes:
            core.delete_node(name)
