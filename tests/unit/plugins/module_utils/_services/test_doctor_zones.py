from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import zones
from doctor_snapshots import checks_of, clean, node


def test_a_clean_site_has_no_zone_finding():
    assert zones.check(clean()) == []


def test_a_missing_category_is_an_error_and_nothing_else_is_checked_for_it():
    snap = clean()
    del snap.categories["k8s-zone"]
    found = zones.check(snap)
    assert checks_of(found) == [("zones.category_missing", "k8s-zone")]


def test_a_multiple_cardinality_category_is_a_warning():
    snap = clean()
    snap.categories["k8s-region"]["cardinality"] = "MULTIPLE"
    assert checks_of(zones.check(snap)) == [("zones.category_cardinality", "k8s-region")]


def test_a_zone_tag_on_a_vm_or_vm_folder_is_on_the_wrong_object():
    snap = clean()
    snap.object_kinds["vm-7"] = ("VirtualMachine", "some-vm")
    snap.tag_attachments[("k8s-zone", "zone-a")] += [("VirtualMachine", "vm-7"), ("Folder", "group-v1")]
    found = zones.check(snap)
    assert checks_of(found) == [("zones.tag_on_wrong_object", "some-vm"), ("zones.tag_on_wrong_object", "vm")]
    assert found[0].object["tag"] == "k8s-zone/zone-a"


def test_a_host_without_zone_in_a_node_cluster_is_a_warning():
    snap = clean()
    snap.ancestors["host-3"] = ["host-3", "group-h1", "datacenter-1"]
    snap.object_kinds["host-3"] = ("HostSystem", "h3")
    snap.hosts.append("host-3")
    assert checks_of(zones.check(snap)) == [("zones.host_without_zone", "h3")]


def test_a_node_label_disagreeing_with_the_tags_is_an_error():
    snap = clean()
    node(snap, "k8s-worker-1").zone = "zone-b"
    node(snap, "k8s-worker-3").region = None
    found = zones.check(snap)
    assert checks_of(found) == [("zones.label_mismatch", "k8s-worker-1"), ("zones.label_mismatch", "k8s-worker-3")]
    assert "zone-a" in found[0].message


def test_the_walk_goes_on_until_zone_and_region_are_known_as_the_provider_walks():
    snap = clean()
    snap.tags["host-0"] = [("k8s-zone", "zone-x")]
    assert zones.check(snap) == []  # the cluster's zone-a, seen before the region, overwrites the host's
    snap.tags["host-0"].append(("k8s-region", "region-1"))
    found = zones.check(snap)
    assert checks_of(found) == [("zones.label_mismatch", "k8s-cp-1"), ("zones.label_mismatch", "k8s-worker-1")]


def test_uninitialized_nodes_are_left_to_the_nodes_area():
    snap = clean()
    n = node(snap, "k8s-worker-1")
    n.zone, n.uninitialized = None, True
    assert zones.check(snap) == []


def test_a_host_whose_cluster_mates_share_a_host_level_zone_gets_that_tag_as_repair():
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import repairs
    snap = clean()
    snap.tag_ids = {("k8s-zone", "zone-a"): "tag-a", ("k8s-zone", "zone-b"): "tag-b"}
    del snap.tags["domain-c1"]
    snap.tags["host-0"] = [("k8s-zone", "zone-a")]
    found = zones.check(snap)
    assert checks_of(found) == [("zones.host_without_zone", "h2")]
    assert found[0].repair == "tags" and "zone-a" in found[0].fix
    items = repairs.plan_tags(found, snap)
    assert [(i["object"], i["tag_id"], i["after"]) for i in items] == [("h2", "tag-a", {"zone": "zone-a"})]


def test_no_tag_repair_when_the_cluster_mates_disagree_or_there_are_none():
    snap = clean()
    snap.tag_ids = {("k8s-zone", "zone-a"): "tag-a"}
    snap.ancestors["host-3"] = ["host-3", "group-h1", "datacenter-1"]
    snap.object_kinds["host-3"] = ("HostSystem", "h3")
    snap.hosts.append("host-3")
    found = zones.check(snap)
    assert checks_of(found) == [("zones.host_without_zone", "h3")] and found[0].repair is None
