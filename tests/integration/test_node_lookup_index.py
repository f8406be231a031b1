"""A few BIOS UUIDs or provider IDs are answered by vCenter's search index (SearchIndex.FindAllByUuid), not by a read
of every VM; anything else still reads the inventory once."""

import json
import os

import pytest


@pytest.fixture(scope="module")
def nodes():
    with open(os.environ["LAB_VCSIM_INFO"]) as f:
        return {n["name"]: n for n in json.load(f)["nodes"]}


def _methods(entries):
    return [e.get("method") for e in entries if e.get("kind") == "soap"]


def _lookup(playbook, **args):
    r = playbook([{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": args}])
    assert r.rc == 0, r
    return r["lookup"]


def test_a_provider_id_and_a_byte_swapped_uuid_are_found_through_the_search_index(playbook, vcsim_trace, nodes):
    w1, w2 = nodes["k8s-worker-1"]["uuid"].lower(), nodes["k8s-worker-2"]["uuid"].lower()
    a, b, c = w2[:8], w2[9:13], w2[14:18]
    swapped = "%s-%s-%s-%s" % ("".join(reversed([a[i:i + 2] for i in range(0, 8, 2)])),
                               b[2:] + b[:2], c[2:] + c[:2], w2[19:])
    result = _lookup(playbook, provider_ids=["vsphere://" + w1], uuids=[swapped], fail_on_missing=True)
    assert sorted(n["vm_name"] for n in result["nodes"]) == ["k8s-worker-1", "k8s-worker-2"]
    by_name = {n["vm_name"]: n for n in result["nodes"]}
    assert by_name["k8s-worker-2"]["matched_by"][0]["how"] == "byte-swapped bios uuid"
    methods = _methods(vcsim_trace.entries())
    # one search for worker-1's UUID; the swapped one is not found as given, then found swapped back
    assert methods.count("FindAllByUuid") == 3, methods


def test_an_unknown_uuid_is_reported_missing_after_both_byte_orders(playbook, vcsim_trace):
    result = _lookup(playbook, uuids=["00000000-1111-2222-3333-444444444444"])
    assert result["nodes"] == [] and result["missing"] == [
        {"input": "uuid", "value": "00000000-1111-2222-3333-444444444444"}]
    assert _methods(vcsim_trace.entries()).count("FindAllByUuid") == 2


def test_names_or_many_uuids_read_the_inventory_once_instead(playbook, vcsim_trace, nodes):
    uuids = [n["uuid"] for n in nodes.values()] + ["00000000-1111-2222-3333-4444444444%02d" % i for i in range(6)]
    assert len(uuids) > 8
    result = _lookup(playbook, uuids=uuids, names=["k8s-worker-3"])
    assert len(result["nodes"]) == len(nodes)
    methods = _methods(vcsim_trace.entries())
    assert "FindAllByUuid" not in methods
