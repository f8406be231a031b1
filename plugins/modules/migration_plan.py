#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: migration_plan
short_description: Plan the move of a cluster from the in-tree vSphere provider to the cloud provider and CSI driver
version_added: 0.3.0
description:
  - Reads a running cluster and its vCenter and returns the plan of the migration from the in-tree vSphere provider
    (C(--cloud-provider=vsphere), C(vsphereVolume) PersistentVolumes, C(kubernetes.io/vsphere-volume) classes) to
    the out-of-tree cloud provider (CPI) and the vSphere CSI driver. It changes nothing, in check mode or not.
  - The mode switch - per node, the kubelet's flags before and after, the control-plane static pods' in-tree flags
    and mount to remove, the in-tree C(vsphere.conf) to remove last (from O(nodes), which the playbook reads on the
    nodes); whether the CPI and the CSI driver are installed, at which image and version, with the C(csi-migration)
    feature state and C(migration-datastore-url); each Node's providerID now and as the CPI computes it from its
    VM's BIOS UUID (it must not change).
  - Every in-tree StorageClass and its CSI equivalent - C(storagePolicyName) to C(storagepolicyname), C(datastore)
    to C(datastoreurl) (the datastore's URL), C(fstype) to C(csi.storage.k8s.io/fstype); a C(diskformat) other than
    thin, raw vSAN capabilities or any other parameter cannot be translated and blocks the class.
  - Every C(vsphereVolume) PersistentVolume - whether its disk exists, its First Class Disk id when the VMDK is
    registered (else V(to register)), its claim, the pods using the claim and their Nodes, the workloads owning them,
    and its blockers (disk missing, attached to a VM other than the VM of the Node running the pod, a pod no
    workload owns).
  - Blockers of the whole site - vCenter older than 7.0 Update 2 (from the ServiceContent's C(about)), the
    datacenter inside a folder, in-tree classes that rely on the default datastore without a migration datastore.
  - Reads are bounded - the doctor's gather step (one PropertyCollector retrieval per kind of object, one search per
    volume folder, one First Class Disk list per datastore), one list call per kind of Kubernetes object and a few
    gets of the installed providers; never one request per Node, PersistentVolume or pod.
  - The connection to Kubernetes is nested under O(kubernetes); V({}) takes the environment.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  datacenter:
    description: The datacenter of the in-tree volumes (the C(volumePath)s); needed when vCenter has several.
    type: str
  node_folder:
    description: The VM folder of the node VMs (their disks are read with the Nodes' VMs).
    type: str
  volume_folder:
    description: The datastore folder of the in-tree volumes.
    type: str
    default: kubevols
  migration_datastore:
    description:
      - The datastore (name, V(DatastoreCluster/name) or inventory path) whose URL becomes the CSI config's
        C(migration-datastore-url) - the in-tree default datastore. Exclusive with O(migration_datastore_url).
      - Without either, the value of the installed CSI config counts.
    type: str
  migration_datastore_url:
    description: The C(migration-datastore-url) itself (V(ds:///vmfs/volumes/<id>/)).
    type: str
  nodes:
    description:
      - The nodes as read on them by the playbook (the files the switch changes). Each item is validated.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: The Node name (the inventory host)., type: str, required: true}
      control_plane: {description: Whether it runs control-plane static pods., type: bool, default: false}
      kubelet_args: {description: "The kubelet's extra flags now (the value of C(KUBELET_EXTRA_ARGS)).", type: str, default: ""}
      cloud_config_present: {description: Whether the in-tree C(vsphere.conf) is on the node., type: bool, default: false}
      static_pods:
        description: Its control-plane static pods now.
        type: list
        elements: dict
        default: []
        suboptions:
          name: {description: "The manifest's name (kube-apiserver, kube-controller-manager).", type: str, required: true}
          command: {description: The first container's command., type: list, elements: str, default: []}
          volumes: {description: The pod's volumes., type: list, elements: dict, default: []}
  cloud_config_path:
    description: Where the in-tree C(vsphere.conf) is on the nodes.
    type: str
    default: /etc/kubernetes/vsphere.conf
  csi_namespace:
    description: The namespace of the CSI driver.
    type: str
    default: vmware-system-csi
  cpi_namespace:
    description: The namespace of the cloud controller.
    type: str
    default: kube-system
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.kubernetes.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: What would the migration change, and what blocks it?
  vsphere_k8s.cloud_provider.migration_plan:
    datacenter: DC1
    migration_datastore: vsanDatastore
    kubernetes: {}
  register: migration

- name: Stop on blockers
  ansible.builtin.assert:
    that: migration.plan.blockers | length == 0
    fail_msg: "{{ migration.plan.blockers | map(attribute='message') | list }}"
"""

RETURN = r"""
plan:
  description: The plan.
  returned: always
  type: dict
  contains:
    datacenter: {description: The datacenter of the volumes., type: str}
    vsphere: {description: "vCenter's C(name), C(version), C(build), C(api_version).", type: dict}
    migration_datastore_url: {description: The C(migration-datastore-url) the CSI config gets (or has)., type: str}
    mode_switch:
      description:
        - C(nodes) (per node - C(name), C(control_plane), C(kubelet) C(before)/C(after)/C(changes),
          C(static_pods) (C(name), C(remove_flags), C(remove_mount)), C(files_removed), C(provider_id)
          (C(now), C(after), C(cpi), C(unchanged))); C(cpi) and C(csi) (C(installed), C(image), C(version); the
          CSI driver also C(driver_registered), C(csi_migration), C(migration_datastore_url)); C(mode) (V(in_tree)
          while anything of the in-tree mode is left, else V(external)).
      type: dict
    storage_classes:
      description: Per in-tree class - C(name), C(parameters), C(csi_parameters), C(untranslatable), C(blockers),
        C(action) (V(convert) or V(blocked)) and C(storage_class) (the storage_class module's options).
      type: list
      elements: dict
    volumes:
      description: Per C(vsphereVolume) PV - C(name), C(volume_path), C(datastore), C(disk_exists), C(fcd_id), C(fcd)
        (V(registered) or V(to register)), C(claim), C(phase), C(storage_class), C(reclaim_policy), C(pods) (C(namespace),
        C(name), C(node)), C(attached_to) (node VM names), C(owners) (C(kind), C(namespace), C(name), C(replicas)),
        C(blockers).
      type: list
      elements: dict
    scale_down:
      description: The workloads to scale down to rewrite the volumes (C(kind), C(namespace), C(name), C(replicas),
        C(volumes)).
      type: list
      elements: dict
    blockers:
      description: Every blocker (C(check), C(object) C(kind)/C(name), C(message), C(fix)).
      type: list
      elements: dict
    apply_blockers: {description: "The blockers of the mode switch and the classes (site, nodes, classes).", type: list, elements: dict}
    volume_blockers: {description: The blockers of the volumes., type: list, elements: dict}
    steps: {description: "The ordered steps (C(step), C(id), C(what)).", type: list, elements: dict}
    summary: {description: Counts., type: dict}
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.gather import Gatherer
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.migration import plan as planner
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import require_pyvmomi
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import path_problem

NODE_SPEC = dict(
    name=dict(type="str", required=True),
    control_plane=dict(type="bool", default=False),
    kubelet_args=dict(type="str", default=""),
    cloud_config_present=dict(type="bool", default=False),
    static_pods=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        command=dict(type="list", elements="str", default=[]),
        volumes=dict(type="list", elements="dict", default=[]))),
)


def validate(module):
    p = module.params
    if p["node_folder"] is not None and path_problem(p["node_folder"]):
        module.fail_json(msg="node_folder: %s. Give a VM folder path such as /DC0/vm/kubernetes, or omit it. Nothing "
                             "was read." % path_problem(p["node_folder"]))
    url = p["migration_datastore_url"]
    if url is not None and not url.startswith("ds:///"):
        module.fail_json(msg="migration_datastore_url '%s' is not a datastore URL (ds:///vmfs/volumes/<id>/). Nothing "
                             "was read." % url)
    names = [n["name"] for n in p["nodes"]]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        module.fail_json(msg="nodes: %s given more than once; each node once. Nothing was read." % ", ".join(twice))


def gather(module):
    """The doctor's reads of the cluster, the site and its storage, then the migration's own lists."""
    p = module.params
    g = Gatherer(module.vsphere, module.kube, p)
    with module.errors("Reading the Kubernetes cluster (nothing was changed)", backend="kubernetes"):
        g.kube_reads()
    for secret in g.secrets:
        module.no_log_values.add(secret)
    with module.errors("Reading vCenter for the migration plan (nothing was changed)"):
        g.vsphere_reads()
        g.storage_reads(p["volume_folder"])
        return planner.read(g, module.kube, p)


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            datacenter=dict(type="str"),
            node_folder=dict(type="str"),
            volume_folder=dict(type="str", default="kubevols"),
            migration_datastore=dict(type="str"),
            migration_datastore_url=dict(type="str"),
            nodes=dict(type="list", elements="dict", default=[], options=NODE_SPEC),
            cloud_config_path=dict(type="str", default="/etc/kubernetes/vsphere.conf"),
            csi_namespace=dict(type="str", default="vmware-system-csi"),
            cpi_namespace=dict(type="str", default="kube-system"),
            kubernetes=dict(type="dict", default={}, options=kubernetes_argument_spec(), apply_defaults=True),
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
        mutually_exclusive=[("migration_datastore", "migration_datastore_url")],
    )
    require_pyvmomi(module)
    validate(module)
    plan = planner.build(gather(module))
    module.exit_json(changed=False, plan=plan)


if __name__ == "__main__":
    main()
