"""The change decision of server-side apply (pure logic; the client is a stand-in)."""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import KubeClient


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


def test_resource_paths():
    assert KubeClient.path("PersistentVolume", "pv-1") == "api/v1/persistentvolumes/pv-1"
    assert KubeClient.path("StorageClass") == "apis/storage.k8s.io/v1/storageclasses"
    assert KubeClient.path("Secret", "s", "kube-system") == "api/v1/namespaces/kube-system/secrets/s"
