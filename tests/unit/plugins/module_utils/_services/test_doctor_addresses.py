from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import addresses
from doctor_snapshots import checks_of, clean, node, vm


def test_a_clean_site_has_no_address_finding():
    assert addresses.check(clean()) == []


def test_a_kubelet_ip_outside_what_the_rules_pick_is_an_error():
    snap = clean()
    vm(snap, "k8s-worker-2").nics.append(("vip", ["10.0.0.200"]))
    node(snap, "k8s-worker-2").addresses[1]["address"] = "10.0.0.200"
    found = addresses.check(snap)
    assert checks_of(found) == [("addresses.node_ip_not_selected", "k8s-worker-2")]
    assert "10.0.0.13" in found[0].message and "10.0.0.200" in found[0].message


def test_the_exclude_rule_is_honoured():
    snap = clean()
    snap.settings.nodes_options = {"exclude_internal_network_subnet_cidr": ["10.0.0.0/24"], "ip_family": ["ipv4"]}
    found = addresses.check(snap)
    # with 10.0.0.0/24 excluded the provider picks the 192.168 address: every node's 10.0.0.x is wrong
    assert [c for c, _n in checks_of(found)] == ["addresses.node_ip_not_selected"] * 4


def test_dual_stack_without_an_ipv6_address_is_a_warning():
    snap = clean()
    snap.settings.nodes_options["ip_family"] = ["ipv4", "ipv6"]
    for v in snap.vms.values():
        v.nics[0][1].append("fd00:10::%d" % int(v.nics[0][1][0].rsplit(".", 1)[1]))
    for n in snap.nodes:
        ip4 = n.addresses[1]["address"]
        n.addresses.append({"type": "InternalIP", "address": "fd00:10::%s" % ip4.rsplit(".", 1)[1]})
    node(snap, "k8s-cp-1").addresses.pop()
    assert checks_of(addresses.check(snap)) == [("addresses.family_missing", "k8s-cp-1")]


def test_no_guest_data_is_left_to_the_readiness_area():
    snap = clean()
    vm(snap, "k8s-worker-1").nics = []
    assert addresses.check(snap) == []
