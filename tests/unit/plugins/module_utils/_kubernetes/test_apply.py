"""The change decision of server-side apply (pure logic; the client is a stand-in)."""

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    KubeClient,
    KubernetesError,
)


class FakeKube:
    def __init__(self, current, server_result):
        self.current, self.server_result, self.calls = current, server_result, []

    def get(self, kind, name, namespace=None):
        self.calls.append(("get", name))
        return self.current

    def apply(self, obj, dry_run=False):
        self.calls.append(("apply", dry_run))
        return self.server_result


def obj(**labels):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "default", "labels": labels}, "data": {"a": "1"}}


def with_bookkeeping(o, rv):
    o = dict(o, metadata=dict(o["metadata"], resourceVersion=rv, uid="u", managedFields=[{"time": rv}]))
    return o


def test_an_object_holding_every_desired_value_costs_only_the_read():
    kube = FakeKube(with_bookkeeping(obj(), "1"), with_bookkeeping(obj(), "2"))
    r = apply.ensure(kube, obj())
    assert r["changed"] is False
    assert kube.calls == [("get", "x")]


def test_a_difference_only_in_server_defaults_is_no_change():
    live = with_bookkeeping(obj(), "1")
    desired = dict(obj(), data={"a": "1"}, immutable=False)  # the server leaves immutable out
    kube = FakeKube(live, live)
    r = apply.ensure(kube, desired)
    assert r["changed"] is False and kube.calls == [("get", "x"), ("apply", True)]


def test_changed_object_is_written_once_after_the_dry_run():
    kube = FakeKube(with_bookkeeping(obj(), "1"), with_bookkeeping(obj(app="db"), "2"))
    r = apply.ensure(kube, obj(app="db"))
    assert r["changed"] is True
    assert kube.calls == [("get", "x"), ("apply", True), ("apply", False)]
    assert r["before"]["metadata"]["labels"] == {} and r["after"]["metadata"]["labels"] == {"app": "db"}
    assert "resourceVersion" not in r["after"]["metadata"]


def test_check_mode_never_writes():
    kube = FakeKube(None, with_bookkeeping(obj(), "2"))
    r = apply.ensure(kube, obj(), check_mode=True)
    assert r["changed"] is True and r["before"] is None
    assert ("apply", False) not in kube.calls


def test_a_missing_object_is_created_by_one_apply_without_a_dry_run():
    kube = FakeKube(None, with_bookkeeping(obj(), "2"))
    r = apply.ensure(kube, obj(), current=None)  # the caller's LIST says it is not there
    assert r["changed"] is True and r["before"] is None and r["after"]["data"] == {"a": "1"}
    assert kube.calls == [("apply", False)]


def test_a_missing_object_in_check_mode_is_only_a_dry_run():
    kube = FakeKube(None, with_bookkeeping(obj(), "2"))
    r = apply.ensure(kube, obj(), check_mode=True, current=None)
    assert r["changed"] is True and kube.calls == [("apply", True)]


class NoNamespaceKube(FakeKube):
    """A cluster where the object's namespace does not exist (a dry run created it, nothing was written)."""

    def apply(self, obj, dry_run=False):
        self.calls.append(("apply", dry_run))
        raise KubernetesError('PATCH configmaps x in default failed (404): namespaces "%s" not found'
                              % obj["metadata"]["namespace"], status=404)


def test_check_mode_on_a_fresh_cluster_shows_the_object_in_a_namespace_not_created_yet():
    kube = NoNamespaceKube(None, None)
    r = apply.ensure(kube, obj(app="db"), check_mode=True)
    assert r["changed"] is True and r["before"] is None
    assert r["after"]["metadata"]["labels"] == {"app": "db"}
    assert kube.calls == [("get", "x"), ("apply", True)]


def test_a_missing_namespace_is_still_an_error_outside_check_mode_and_for_an_existing_object():
    with pytest.raises(KubernetesError, match="not found"):
        apply.ensure(NoNamespaceKube(with_bookkeeping(obj(), "1"), None), obj(app="db"), check_mode=True)
    kube = NoNamespaceKube(None, None)
    with pytest.raises(KubernetesError, match="not found"):
        apply.ensure(kube, obj(app="db"))
    assert kube.calls == [("get", "x"), ("apply", False)]


def test_another_refusal_in_check_mode_is_still_an_error():
    class Refusing(FakeKube):
        def apply(self, obj, dry_run=False):
            raise KubernetesError('namespaces "default" is forbidden: quota', status=403)

    with pytest.raises(KubernetesError, match="forbidden"):
        apply.ensure(Refusing(None, None), obj(), check_mode=True)


def test_remove_takes_the_live_object_from_the_caller_without_a_read():
    class Deleting(FakeKube):
        def delete(self, kind, name, namespace=None, dry_run=False):
            self.calls.append(("delete", dry_run))

    kube = Deleting(None, None)
    r = apply.remove(kube, "ConfigMap", "x", "default", current=with_bookkeeping(obj(), "1"))
    assert r["changed"] is True and kube.calls == [("delete", False)]
    assert apply.remove(kube, "ConfigMap", "x", "default", current=None) == dict(changed=False, before=None)
    assert kube.calls == [("delete", False)]


def test_resource_paths():
    assert KubeClient.path("PersistentVolume", "pv-1") == "api/v1/persistentvolumes/pv-1"
    assert KubeClient.path("StorageClass") == "apis/storage.k8s.io/v1/storageclasses"
    assert KubeClient.path("Secret", "s", "kube-system") == "api/v1/namespaces/kube-system/secrets/s"


def pv(labels=None, sc=""):
    o = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1", "labels": {}},
         "spec": {"capacity": {"storage": "1Gi"}, "storageClassName": sc, "accessModes": ["ReadWriteOnce"]}}
    if labels is not None:
        o["metadata"]["labels"] = labels
    return o


def server_copy(o):
    """The object as the API server returns it: empty maps and strings are dropped."""
    live = with_bookkeeping(o, "1")
    live = dict(live, metadata={k: v for k, v in live["metadata"].items() if v not in ({}, "")},
                spec={k: v for k, v in live["spec"].items() if v not in ({}, "")})
    return live


def test_empty_labels_and_storage_class_name_the_server_dropped_cost_no_dry_run():
    kube = FakeKube(server_copy(pv()), None)
    r = apply.ensure(kube, pv())
    assert r["changed"] is False
    assert kube.calls == [("get", "pv-1")]  # no dry-run PATCH on a re-run


def test_an_empty_value_against_a_real_live_value_is_still_a_difference():
    live = server_copy(pv(sc="gold"))
    kube = FakeKube(live, server_copy(pv()))
    r = apply.ensure(kube, pv(sc=""))
    assert r["changed"] is True
    assert kube.calls == [("get", "pv-1"), ("apply", True), ("apply", False)]


def test_a_real_difference_next_to_empty_values_still_writes():
    kube = FakeKube(server_copy(pv()), server_copy(pv(labels={"app": "db"})))
    r = apply.ensure(kube, pv(labels={"app": "db"}))
    assert r["changed"] is True and ("apply", False) in kube.calls


def test_contains_treats_empty_values_as_absent_only():
    assert apply.contains({"a": 1}, {"a": 1, "b": {}, "c": "", "d": []})
    assert not apply.contains({"a": 1, "c": "x"}, {"c": ""})
    assert not apply.contains({"a": 1}, {"b": False})  # false is a value, not an empty one
    assert not apply.contains({"a": 1}, {"b": 0})


class ReplaceKube:
    """A stand-in recording the calls of apply.replace; fail names the calls that raise."""

    def __init__(self, fail=()):
        self.calls, self.fail = [], set(fail)

    def _maybe_fail(self, call):
        if call in self.fail:
            raise KubernetesError("%s refused (422)" % call, status=422)

    def create(self, obj, dry_run=False):
        call = "create-dry" if dry_run else "create"
        self.calls.append((call, obj["metadata"].get("name") or obj["metadata"].get("generateName")))
        self._maybe_fail(call)
        return dict(obj, metadata=dict(obj["metadata"], name=obj["metadata"].get("name") or "gen-abcde", uid="u"))

    def delete(self, kind, name, namespace=None, dry_run=False):
        self.calls.append(("delete-dry" if dry_run else "delete", name))
        self._maybe_fail("delete")

    def apply(self, obj, dry_run=False):
        call = "apply-dry" if dry_run else "apply"
        self.calls.append((call, obj["metadata"]["name"]))
        self._maybe_fail(call)
        return obj


def sc(policy):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gold"},
            "provisioner": "csi.vsphere.vmware.com", "parameters": {"storagepolicyname": policy}}


def test_replace_validates_the_new_object_before_deleting_the_old():
    kube = ReplaceKube(fail={"create-dry"})
    with pytest.raises(KubernetesError):
        apply.replace(kube, with_bookkeeping(sc("old"), "1"), sc("new"))
    assert kube.calls == [("create-dry", "gold-")]  # nothing deleted


def test_replace_deletes_then_creates():
    kube = ReplaceKube()
    r = apply.replace(kube, with_bookkeeping(sc("old"), "1"), sc("new"))
    assert kube.calls == [("create-dry", "gold-"), ("delete", "gold"), ("apply", "gold")]
    assert r["changed"] is True and r["after"]["parameters"] == {"storagepolicyname": "new"}


def test_replace_in_check_mode_sends_only_the_dry_run_and_shows_the_new_object_under_its_name():
    kube = ReplaceKube()
    r = apply.replace(kube, with_bookkeeping(sc("old"), "1"), sc("new"), check_mode=True)
    assert kube.calls == [("create-dry", "gold-")]
    assert r["changed"] is True and r["after"]["metadata"]["name"] == "gold"
    assert r["before"]["parameters"] == {"storagepolicyname": "old"} and "uid" not in r["before"]["metadata"]


def test_replace_restores_the_old_object_when_the_create_fails_after_the_delete():
    kube = ReplaceKube(fail={"apply"})
    with pytest.raises(apply.ReplaceError) as e:
        apply.replace(kube, with_bookkeeping(sc("old"), "1"), sc("new"))
    assert e.value.restored is True and "restored" in str(e.value)
    assert kube.calls[-1] == ("create", "gold")
    assert kube.calls[1] == ("delete", "gold")


def test_replace_says_how_to_restore_when_the_restore_fails_too():
    kube = ReplaceKube(fail={"apply", "create"})
    with pytest.raises(apply.ReplaceError) as e:
        apply.replace(kube, with_bookkeeping(sc("old"), "1"), sc("new"))
    assert e.value.restored is False and "'storagepolicyname': 'old'" in str(e.value)


def test_generated_names_for_the_dry_run_copy_are_valid_prefixes():
    assert apply._generate_name("a" * 253) == "a" * 50 + "-"
    assert apply._generate_name("x" * 49 + ".y") == "x" * 49 + "-"


def test_a_field_this_manager_applied_before_and_desired_now_leaves_out_is_a_change():
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.apply import (
        _dropped, owned_fields)
    managed = [{"manager": "vsphere-k8s", "operation": "Apply",
                "fieldsV1": {"f:data": {".": {}, "f:old-key": {}, "f:kept": {}}}},
               {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:data": {"f:theirs": {}}}}]
    live = {"metadata": {"name": "c", "managedFields": managed}, "data": {"old-key": "1", "kept": "2", "theirs": "3"}}
    assert _dropped(owned_fields(live), {"metadata": {"name": "c"}, "data": {"kept": "2"}})
    assert not _dropped(owned_fields(live), {"metadata": {"name": "c"}, "data": {"kept": "2", "old-key": "1"}})
    assert owned_fields({"metadata": {}}) is None and not _dropped(None, {"data": {}})
