#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vsphere_object_info
short_description: List vSphere inventory objects with chosen properties, in one round trip
version_added: 0.1.0
description:
  - Lists every object of one managed type (virtual machines, hosts, clusters, datastores, ...) below the
    root folder, a datacenter or a folder, with the properties asked for.
  - All objects are read with one PropertyCollector retrieval through a container view, so the number of
    requests to vCenter does not grow with the inventory.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  type:
    description:
      - The managed object type to list.
    type: str
    default: VirtualMachine
    choices: [VirtualMachine, HostSystem, ClusterComputeResource, ComputeResource, Datastore, StoragePod,
              Folder, Datacenter, Network, ResourcePool]
  properties:
    description:
      - Property paths to read for each object, as in the vSphere API (V(config.uuid), V(runtime.powerState),
        V(guest.net)).
      - The object's name is always returned.
    type: list
    elements: str
    default: [name]
  datacenter:
    description:
      - Only objects in this datacenter (name or inventory path).
    type: str
  folder:
    description:
      - Only objects below this folder, by inventory path (V(/DC0/vm/kubernetes)) or by path relative to the
        datacenter's folder of the listed type (V(kubernetes)).
    type: str
  names:
    description:
      - Only objects with one of these names.
    type: list
    elements: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.query
  - vsphere_k8s.cloud_provider.vsphere
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: List the Kubernetes node VMs with their BIOS UUID and power state
  vsphere_k8s.cloud_provider.vsphere_object_info:
    hostname: vcenter.example.com
    username: k8s-reader@vsphere.local
    password: "{{ vcenter_password }}"
    folder: /DC0/vm/kubernetes
    properties: [config.uuid, runtime.powerState, guest.hostName]
  register: node_vms

- name: Datastores with their URL and free space
  vsphere_k8s.cloud_provider.vsphere_object_info:
    type: Datastore
    datacenter: DC0
    properties: [summary.url, summary.freeSpace, summary.type]

- name: The names of the powered-on VMs (JMESPath)
  vsphere_k8s.cloud_provider.vsphere_object_info:
    type: VirtualMachine
    properties: [runtime.powerState]
    query: "objects[?properties.\"runtime.powerState\" == 'poweredOn'].name"
  register: running
"""

RETURN = r"""
objects:
  description: One entry per object found.
  returned: always
  type: list
  elements: dict
  contains:
    moid:
      description: The managed object id.
      type: str
      sample: vm-1042
    type:
      description: The managed object type.
      type: str
      sample: VirtualMachine
    name:
      description: The object's name.
      type: str
      sample: k8s-worker-1
    properties:
      description: The requested properties by path; a property that is not set is null.
      type: dict
      sample: {"config.uuid": "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02", "runtime.powerState": "poweredOn"}
count:
  description: The number of objects returned.
  returned: always
  type: int
  sample: 4
query_result:
  description: What the O(query) expression selected from the result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._query import (
    compile_query,
    query_argument_spec,
    select,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import require_pyvmomi
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.serialize import to_data

try:
    from pyVmomi import vim
except ImportError:
    pass

FOLDER_KIND = {"VirtualMachine": "vm", "Folder": "vm", "HostSystem": "host", "ClusterComputeResource": "host",
               "ComputeResource": "host", "ResourcePool": "host", "Datastore": "datastore",
               "StoragePod": "datastore", "Network": "network", "Datacenter": "vm"}


def unknown_property(vim_type, path):
    """The first segment of a property path the vSphere API type does not have (None when all are known).
    vCenter refuses an unknown path with InvalidProperty; it is named here before any request."""
    t = vim_type
    for segment in path.split("."):
        try:
            t = t._GetPropertyInfo(segment).type  # pylint: disable=protected-access
        except AttributeError:
            return segment
    return None


def check_properties(module):
    """Every property path is one of the type's (before any request)."""
    p = module.params
    bad = [(x, unknown_property(getattr(vim, p["type"]), x)) for x in p["properties"]]
    bad = ["%s (no '%s')" % (x, seg) for x, seg in bad if seg]
    if bad:
        module.fail_json(msg="Unknown properties of %s: %s. Use the property paths of the vSphere API, for example "
                         "config.uuid, runtime.powerState, guest.net." % (p["type"], ", ".join(bad)))


def search_root(client, p):
    """The datacenter or folder to search in, or None for the whole inventory."""
    if not (p["datacenter"] or p["folder"]):
        return None
    tree = InventoryTree(client).fetch()
    dc = tree.datacenter(p["datacenter"]) if p["datacenter"] else None
    if p["folder"]:
        return tree.get(tree.folder(p["folder"], dc, FOLDER_KIND[p["type"]]))["obj"]
    return tree.get(dc)["obj"]


def list_objects(client, p, root):
    """The objects of the type with their properties, in one PropertyCollector retrieval, sorted by name."""
    paths = ["name"] + [x for x in p["properties"] if x != "name"]
    wanted = set(p["names"] or [])
    objects = []
    for obj, props in collect(client, [getattr(vim, p["type"])], paths, root=root):
        if wanted and props.get("name") not in wanted:
            continue
        objects.append(dict(moid=obj._moId, type=type(obj).__name__.split(".")[-1], name=props.get("name"),
                            properties={k: to_data(props.get(k)) for k in paths if k != "name"}))
    return sorted(objects, key=lambda o: (o["name"] or "", o["moid"]))


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            type=dict(type="str", default="VirtualMachine", choices=sorted(FOLDER_KIND)),
            properties=dict(type="list", elements="str", default=["name"]),
            datacenter=dict(type="str"),
            folder=dict(type="str"),
            names=dict(type="list", elements="str"),
            **query_argument_spec()
        ),
        vsphere=True, supports_check_mode=True,
    )
    p = module.params
    require_pyvmomi(module)
    check_properties(module)
    query = compile_query(module)
    with module.errors("listing %s objects" % p["type"]):
        objects = list_objects(module.vsphere, p, search_root(module.vsphere, p))
    module.exit_json(**select(module, query, dict(changed=False, objects=objects, count=len(objects))))


if __name__ == "__main__":
    main()
