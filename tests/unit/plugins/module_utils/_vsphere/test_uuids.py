import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    byte_swap,
    normalize_uuid,
    provider_id,
    uuid_from_provider_id,
)

CANON = "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01"


@pytest.mark.parametrize("value", [
    CANON,
    CANON.upper(),
    CANON.replace("-", ""),
    "{%s}" % CANON,
    "VMware-42 18 e0 a2 6b 1c 4c 5d-9e 7f 0a 1b 2c 3d 4e 01",
    "vsphere://" + CANON.upper(),
])
def test_every_form_of_a_bios_uuid_normalizes_to_lower_case_dashed(value):
    assert normalize_uuid(value) == CANON


@pytest.mark.parametrize("value", ["", None, "not-a-uuid", "4218e0a2-6b1c-4c5d-9e7f", "VMware-42 zz"])
def test_non_uuids_are_none(value):
    assert normalize_uuid(value) is None


def test_byte_swap_reverses_the_first_three_groups_and_is_its_own_inverse():
    assert byte_swap("422e4956-1234-abcd-9e7f-0a1b2c3d4e01") == "56492e42-3412-cdab-9e7f-0a1b2c3d4e01"
    assert byte_swap(byte_swap(CANON)) == CANON


def test_provider_ids():
    assert provider_id(CANON.upper()) == "vsphere://" + CANON
    assert uuid_from_provider_id("vsphere://" + CANON.upper()) == CANON
    assert uuid_from_provider_id("aws:///eu-west-1a/i-0123") is None
