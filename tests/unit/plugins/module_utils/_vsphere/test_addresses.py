import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.addresses import (
    AddressError,
    instance_type,
    select_addresses,
)

NICS = [("VM Network", ["127.0.0.1", "fe80::1", "10.0.0.5", "fd00::5"]), ("external", ["192.168.1.5"])]


def pick(options):
    out = select_addresses("node-1", NICS, options)
    return {t: [a["address"] for a in out if a["type"] == t] for t in ("Hostname", "InternalIP", "ExternalIP")}


def test_default_is_the_first_usable_address_for_both_sides():
    assert pick({}) == {"Hostname": ["node-1"], "InternalIP": ["10.0.0.5"], "ExternalIP": ["10.0.0.5"]}


def test_subnets_take_precedence_over_network_names():
    got = pick({"internal_network_subnet_cidr": ["192.168.1.0/24"], "internal_vm_network_name": "VM Network"})
    assert got["InternalIP"] == ["192.168.1.5"] and got["ExternalIP"] == []


def test_network_names_are_case_insensitive():
    assert pick({"external_vm_network_name": "EXTERNAL"})["ExternalIP"] == ["192.168.1.5"]


def test_excluded_subnets_only_apply_to_their_side():
    got = pick({"exclude_internal_network_subnet_cidr": ["10.0.0.0/8"]})
    assert got["InternalIP"] == ["192.168.1.5"] and got["ExternalIP"] == ["10.0.0.5"]


def test_dual_stack_in_priority_order():
    out = select_addresses(None, NICS, {"ip_family": ["ipv6", "ipv4"]})
    assert [a["address"] for a in out if a["type"] == "InternalIP"] == ["fd00::5", "10.0.0.5"]


def test_bad_cidr_is_an_error_naming_the_option():
    with pytest.raises(AddressError, match="internal_network_subnet_cidr: '10.0.0/33'"):
        pick({"internal_network_subnet_cidr": ["10.0.0/33"]})


def test_instance_type_truncates_memory_to_whole_gib():
    assert instance_type(4, 1536, "ubuntu64Guest") == "vsphere-vm.cpu-4.mem-1gb.os-ubuntu64Guest"
    assert instance_type(2, 512, None) == "vsphere-vm.cpu-2.mem-0gb.os-unknown"
