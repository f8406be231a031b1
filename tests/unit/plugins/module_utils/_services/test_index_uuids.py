"""Which node lookups vCenter's search index answers (a few UUIDs alone) and which read every VM once."""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import (
    INDEX_LIMIT,
    index_uuids,
)

U = "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01"


def test_uuids_and_provider_ids_alone_use_the_index_in_canonical_form():
    assert index_uuids({"uuids": ["VMware-42 18 e0 a2 6b 1c 4c 5d-9e 7f 0a 1b 2c 3d 4e 01"],
                        "provider_ids": ["vsphere://" + U.upper()]}) == [U]


def test_any_other_input_or_a_folder_reads_every_vm():
    assert index_uuids({"uuids": [U], "names": ["n"]}) is None
    assert index_uuids({"uuids": [U], "ips": ["10.0.0.1"]}) is None
    assert index_uuids({"uuids": [U], "from_cluster": True}) is None
    assert index_uuids({"uuids": [U]}, folder="kubernetes") is None
    assert index_uuids({}) is None


def test_too_many_or_malformed_uuids_read_every_vm():
    many = ["4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e%02d" % i for i in range(INDEX_LIMIT + 1)]
    assert index_uuids({"uuids": many}) is None
    assert index_uuids({"uuids": many[:INDEX_LIMIT]}) == sorted(many[:INDEX_LIMIT])
    assert index_uuids({"uuids": [U, "not-a-uuid"]}) is None
