"""The query option (_query) and the module base's argument spec (_module): pure, no lab."""

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils import _query
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import build_argument_spec


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, query):
        self.params = dict(query=query)

    def fail_json(self, msg, **kwargs):
        raise Failed(msg, kwargs)


RESULT = dict(changed=False, disks=[dict(path="[ds1] a.vmdk", orphaned=True), dict(path="[ds1] b.vmdk", orphaned=False)],
              missing=[])


def test_no_query_leaves_the_result_alone():
    module = FakeModule(None)
    assert _query.compile_query(module) is None
    assert _query.select(module, None, dict(RESULT)) == RESULT


def test_a_query_selects_from_the_documented_keys_into_query_result():
    module = FakeModule("disks[?orphaned].path")
    out = _query.select(module, _query.compile_query(module), dict(RESULT))
    assert out[_query.RESULT_KEY] == ["[ds1] a.vmdk"] and out["disks"] == RESULT["disks"]


def test_changed_is_not_part_of_what_a_query_sees():
    module = FakeModule("changed")
    assert _query.select(module, _query.compile_query(module), dict(RESULT))["query_result"] is None


def test_an_invalid_expression_fails_cleanly_before_anything_is_read():
    with pytest.raises(Failed) as e:
        _query.compile_query(FakeModule("disks[?"))
    assert "not a valid JMESPath expression" in e.value.args[0] and "\n" not in e.value.args[0]


def test_a_query_that_fails_on_the_data_fails_with_the_result():
    module = FakeModule("abs(disks)")
    with pytest.raises(Failed) as e:
        _query.select(module, _query.compile_query(module), dict(RESULT))
    assert "failed on the result" in e.value.args[0] and e.value.args[1]["disks"] == RESULT["disks"]


def test_the_base_builds_the_spec_from_the_fragments_top_level_and_nested():
    spec = build_argument_spec(dict(name=dict(type="str")), vsphere=True, kubernetes="kubernetes")
    assert spec["hostname"]["required"] and spec["password"]["no_log"]
    assert spec["kubernetes"]["type"] == "dict" and "kubeconfig" in spec["kubernetes"]["options"]
    assert spec["name"] == dict(type="str")
    spec = build_argument_spec({}, vsphere="vcenter", kubernetes=True)
    assert "hostname" not in spec and "hostname" in spec["vcenter"]["options"] and "kubeconfig" in spec


def test_a_module_own_nested_option_wins_over_the_default_one():
    own = dict(kubernetes=dict(type="dict", default={}, options={}, apply_defaults=True))
    assert build_argument_spec(own, kubernetes="kubernetes")["kubernetes"] is own["kubernetes"]
