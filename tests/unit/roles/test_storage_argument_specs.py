"""The storage role types every item with the options of the module it goes to: the two must not drift apart."""

import os

import yaml

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.persistent_volumes import VOLUME_OPTIONS
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.disks import (
    disk_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules import storage_class

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def role_options(var):
    with open(os.path.join(ROOT, "roles", "storage", "meta", "argument_specs.yml")) as f:
        spec = yaml.safe_load(f)
    return spec["argument_specs"]["main"]["options"][var]["options"]


def shape(spec):
    """Types, element types, choices and nested options of an argument spec (what the role must repeat)."""
    return {k: (v.get("type", "str"), v.get("elements"), tuple(v.get("choices") or ()),
                shape(v["options"]) if v.get("options") else None) for k, v in spec.items()}


def module_spec(module):
    captured = {}

    class Stop(Exception):
        pass

    def fake(argument_spec, **_kw):
        captured.update(argument_spec)
        raise Stop()

    original = module.VsphereK8sModule
    module.VsphereK8sModule = fake
    try:
        module.main()
    except Stop:
        pass
    finally:
        module.VsphereK8sModule = original
    return captured


def test_storage_disks_items_have_the_vmdk_disk_options_and_choices():
    assert shape(role_options("storage_disks")) == shape(disk_argument_spec())


def test_storage_persistent_volumes_items_have_the_persistent_volume_options_and_choices():
    assert shape(role_options("storage_persistent_volumes")) == shape(VOLUME_OPTIONS)


def test_storage_classes_items_have_the_storage_class_options_and_choices():
    spec = module_spec(storage_class)
    connection = ("vcenter", "kubeconfig", "context", "host", "api_key", "ca_cert", "client_cert", "client_key",
                  "validate_certs")
    own = {k: v for k, v in spec.items() if k not in connection}
    assert shape(role_options("storage_classes")) == shape(own)
