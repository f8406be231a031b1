"""vcenter_role and vcenter_tags check every item before anything changes (pure logic)."""

from types import SimpleNamespace

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules.vcenter_role import (
    is_system_role,
    permission_items,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules.vcenter_tags import check_items


def role_params(**kw):
    p = dict(principal=None, group=False, propagate=True, permissions=[], entities=[])
    p.update(kw)
    return p


def test_permissions_without_principal_take_the_tasks_principal():
    items, errors = permission_items(role_params(principal="k8s@vsphere.local", propagate=False, permissions=[
        {"entity": "/DC0/host/DC0_C0"}, {"entity": "/DC0/vm", "propagate": True, "principal": "other"}]))
    assert errors == []
    assert items == [dict(entity="/DC0/host/DC0_C0", principal="k8s@vsphere.local", group=False, propagate=False),
                     dict(entity="/DC0/vm", principal="other", group=False, propagate=True)]


def test_the_documented_item_form_with_its_own_principal_still_works():
    items, errors = permission_items(role_params(permissions=[
        {"entity": "/DC0/datastore/LocalDS_0", "principal": "VSPHERE.LOCAL\\k8s-csi", "propagate": False}]))
    assert errors == [] and items[0]["principal"] == "VSPHERE.LOCAL\\k8s-csi" and items[0]["propagate"] is False


@pytest.mark.parametrize("item, words", [
    ({"entity": "/DC0"}, ["principal"]),
    ({"entity": "/DC0", "principal": "u", "propagate": "maybe"}, ["propagate"]),
    ({"entity": "/DC0", "principal": "u", "grup": True}, ["grup"]),
    ({"principal": "u"}, ["entity"]),
    ({"entity": "/DC0/../x", "principal": "u"}, ["'..'"]),
    ({"entity": "/DC0", "principal": " "}, ["principal is empty"]),
    ("/DC0", ["dictionary"]),
])
def test_bad_permission_items_are_errors_naming_the_item(item, words):
    _items, errors = permission_items(role_params(permissions=[item]))
    assert errors and all(w in errors[0] for w in words), errors
    assert errors[0].startswith("permissions[0]") or errors[0].startswith("entity")


def test_system_roles_are_recognised():
    assert is_system_role(SimpleNamespace(name="Admin", roleId=-1, system=True))
    assert is_system_role(SimpleNamespace(name="Anything", roleId=-7, system=False))
    assert is_system_role(SimpleNamespace(name="ReadOnly", roleId=2, system=None))
    assert not is_system_role(SimpleNamespace(name="k8s-volumes", roleId=1001, system=False))


@pytest.mark.parametrize("params, words", [
    (dict(categories=[{"name": ""}]), ["categories[0]", "name is empty"]),
    (dict(categories=[{"name": "k8s-zone", "cardinality": "single"}]), ["categories[0] (k8s-zone)", "SINGLE"]),
    (dict(categories=[{"name": "z", "associable_types": ["ClusterComputeResources"]}]), ["associable_types"]),
    (dict(tags=[{"name": "", "category": "k8s-zone"}]), ["tags[0]", "name is empty"]),
    (dict(tags=[{"name": "zone-a", "category": "  "}]), ["tags[0]", "category is empty"]),
    (dict(tags=[{"name": "zone-a", "category": "z", "attach_to": ["/DC0/host/../x"]}]), ["attach_to", "'..'"]),
    (dict(tags=[{"name": "zone-a", "category": "z", "atach_to": ["/DC0"]}]), ["atach_to"]),
    (dict(tags=["zone-a"]), ["tags[0]", "dictionary"]),
])
def test_bad_tag_items_are_errors_naming_the_item(params, words):
    _cats, _tags, errors = check_items(dict(dict(categories=[], tags=[]), **params))
    assert errors and all(w in errors[0] for w in words), errors


def test_good_tag_items_pass_with_defaults():
    cats, tags, errors = check_items(dict(categories=[{"name": "k8s-zone"}],
                                          tags=[{"name": "zone-a", "category": "k8s-zone"}]))
    assert errors == []
    assert cats == [{"name": "k8s-zone", "cardinality": "SINGLE", "associable_types": []}]
    assert tags == [{"name": "zone-a", "category": "k8s-zone", "attach_to": []}]


class FakeModule:
    def fail_json(self, **kw):
        raise SystemExit(kw)


@pytest.mark.parametrize("writer_of", ["role", "tags"])
def test_a_failure_after_a_change_reports_changed_and_what_was_done(writer_of):
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules import vcenter_role, vcenter_tags
    write = (vcenter_role if writer_of == "role" else vcenter_tags).Writer(FakeModule())

    def boom(*_a, **_kw):
        raise VsphereError("HTTP 500")

    assert write("first change", lambda *a, **kw: 7) == 7
    with pytest.raises(SystemExit) as e:
        write("second change", boom)
    kw = e.value.args[0]
    assert kw["changed"] is True and "first change" in kw["msg"] and "second change failed" in kw["msg"]
    # A failure outside a write, after one: still changed.
    with pytest.raises(SystemExit) as e:
        with write:
            raise VsphereError("reading failed")
    assert e.value.args[0]["changed"] is True


def test_a_failure_before_any_change_is_left_to_the_error_handler():
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules import vcenter_role
    write = vcenter_role.Writer(FakeModule())
    with pytest.raises(VsphereError):
        with write:
            raise VsphereError("reading failed")
