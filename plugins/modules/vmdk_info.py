#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmdk_info
short_description: List the VMDKs of Kubernetes volumes, who uses them, and which are orphaned
version_added: 0.1.0
description:
  - Lists the disks in a datastore folder (V(kubevols) by default, where the in-tree provider puts its volumes)
    on every datastore of the datacenter or on the ones given, or the disks at given paths.
  - For each - capacity, First Class Disk id, the VMs it is attached to (one retrieval for the devices of all
    VMs), and with O(kubernetes) the PersistentVolumes and claims naming it and whether it is orphaned (no
    PersistentVolume and attached to no VM).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  datastores:
    description:
      - The datastores to look in (name, V(DatastoreCluster/name) or inventory path). Default - all of the
        datacenter's datastores.
    type: list
    elements: str
  folder:
    description:
      - The datastore folder to list.
    type: str
    default: kubevols
  paths:
    description:
      - Disks to describe, in datastore notation, instead of listing folders.
    type: list
    elements: str
  datacenter:
    description:
      - The datacenter, when vCenter has several.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.query
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.kubernetes.NESTED_OPTIONAL
notes:
  - The O(kubernetes) option is off by default; V({}) takes the E(K8S_AUTH_*) environment.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Orphaned volume disks on every datastore
  vsphere_k8s.cloud_provider.vmdk_info:
    kubernetes:
      kubeconfig: ~/.kube/config
  register: inventory

- name: Show them
  ansible.builtin.debug:
    msg: "{{ inventory.disks | selectattr('orphaned') | map(attribute='path') }}"

- name: Only the paths of the orphaned disks, selected in the task (JMESPath)
  vsphere_k8s.cloud_provider.vmdk_info:
    kubernetes: {}
    query: "disks[?orphaned].path"
  register: orphaned

- name: Show them
  ansible.builtin.debug:
    var: orphaned.query_result
"""

RETURN = r"""
disks:
  description: The disks found, sorted by path.
  returned: always
  type: list
  elements: dict
  contains:
    path: {description: "The disk in datastore notation, with the datastore's own name.", type: str}
    datastore: {description: "The datastore's name.", type: str}
    datastore_path: {description: "The datastore with its datastore cluster or folder, as in-tree volume paths write it.", type: str}
    datastore_url: {description: "The datastore URL.", type: str}
    capacity_bytes: {description: "The capacity.", type: int}
    uuid: {description: "The disk UUID, when vCenter records one.", type: str}
    fcd_id: {description: "The First Class Disk id, when it is one.", type: str}
    attached_to: {description: "The VMs it is attached to.", type: list, elements: str}
    persistent_volumes: {description: "PersistentVolumes naming it - name, claim, phase (with kubernetes).", type: list, elements: dict}
    orphaned: {description: "No PersistentVolume and no VM (with kubernetes; null without).", type: bool}
missing:
  description: Paths given that do not exist.
  returned: always
  type: list
  elements: str
query_result:
  description: What the O(query) expression selected from the result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DEFAULT_FOLDER
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._query import (
    compile_query,
    query_argument_spec,
    select,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.disks import kube_references
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskName,
    DiskSpecError,
    parse_disk,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore, in_listing
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree


def wanted_disks(module):
    """The paths option as disks (validate: a bad path fails before anything is read)."""
    try:
        return [parse_disk(x) for x in module.params["paths"] or []]
    except DiskSpecError as e:
        module.fail_json(msg=str(e))


def find_disks(client, p, wanted):
    """(store, [(Datastore, DiskName)] found, [paths given that do not exist]): one listing of every folder."""
    tree = InventoryTree(client).fetch()
    store = DiskStore(client, tree, tree.datacenter(p["datacenter"])).fetch()
    if wanted:
        targets = [(store.datastore(d.datastore), d) for d in wanted]
        folders = {(ds.moid, d.folder) for ds, d in targets}
    else:
        dss = [store.datastore(x) for x in p["datastores"]] if p["datastores"] else list(store.datastores.values())
        folders = {(ds.moid, p["folder"].strip("/")) for ds in dss}
    listing = store.list_folders(folders)
    found, missing = [], []
    if wanted:
        for ds, d in targets:
            (found if in_listing(listing, ds, d) else missing).append((ds, d))
        return store, found, [str(d) for _ds, d in missing]
    for (ds_moid, folder), files in listing.items():
        ds = store.datastores[ds_moid]
        for name in sorted(files or {}):
            found.append((ds, DiskName(ds.name, "%s/%s" % (folder, name) if folder else name)))
    return store, found, missing


def describe_disks(store, found):
    """(descriptor facts, First Class Disks, attachments) of the disks found, each read in one batch."""
    facts = store.descriptors([(d, ds) for ds, d in found]) if found else {}
    fcds = {}
    for ds in {ds.moid: ds for ds, _disk in found}.values():
        fcds.update(store.fcds(ds))
    attachments = store.attachments(list({ds.moid: ds for ds, _disk in found}.values()))
    return facts, fcds, attachments


def disk_entry(ds, d, facts, fcds, attachments, refs):
    """The result entry of one disk (pure)."""
    path = d.with_datastore(ds.name)
    fcd = fcds.get(path)
    f = facts.get(d, {})
    entry = dict(path=path, datastore=ds.name, datastore_path=ds.display, datastore_url=ds.url,
                 capacity_bytes=f.get("capacity_bytes"), uuid=f.get("uuid"), fcd_id=fcd["id"] if fcd else None,
                 attached_to=sorted({a["vm"] for a in attachments.get(path, [])}),
                 persistent_volumes=None, orphaned=None)
    if refs is not None:
        pvs = refs.get(("path", ds.name, d.path), []) + (refs.get(("fcd", fcd["id"]), []) if fcd else [])
        entry["persistent_volumes"] = pvs
        entry["orphaned"] = not pvs and not entry["attached_to"]
    return entry


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            datastores=dict(type="list", elements="str"),
            folder=dict(type="str", default=DEFAULT_FOLDER),
            paths=dict(type="list", elements="str"),
            datacenter=dict(type="str"),
            **query_argument_spec()
        ),
        vsphere=True, kubernetes="kubernetes",
        mutually_exclusive=[("paths", "datastores")],
        supports_check_mode=True,
    )
    p = module.params
    wanted, query = wanted_disks(module), compile_query(module)
    refs = kube_references(module, deleting=False) if p["kubernetes"] is not None else None
    with module.errors("listing disks"):
        store, found, missing = find_disks(module.vsphere, p, wanted)
        facts, fcds, attachments = describe_disks(store, found)
    disks = sorted((disk_entry(ds, d, facts, fcds, attachments, refs) for ds, d in found), key=lambda x: x["path"])
    module.exit_json(**select(module, query, dict(changed=False, disks=disks, missing=missing)))


if __name__ == "__main__":
    main()
