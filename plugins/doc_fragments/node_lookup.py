# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Matches plugins/module_utils/_services/node_lookup.py: lookup_argument_spec().
    DOCUMENTATION = r"""
options:
  names:
    description:
      - Kubernetes node names. A node matches the VM of that name, else the VM whose guest host name (or its
        first label) is the node name, as the out-of-tree cloud provider finds it.
      - A name that matches several VMs is an error that lists them with their folders.
    type: list
    elements: str
    default: []
  uuids:
    description:
      - BIOS UUIDs (C(config.uuid)) in any form users meet - lower or upper case, without dashes, the
        C(VMware-42 1a 2b ...) form of C(/sys/class/dmi/id/product_serial), or byte-swapped in the first three
        groups as older hardware versions report C(product_uuid).
    type: list
    elements: str
    default: []
  provider_ids:
    description:
      - Kubernetes provider IDs, V(vsphere://<uuid>).
    type: list
    elements: str
    default: []
  ips:
    description:
      - IP addresses reported by VMware Tools on any NIC of the VM.
    type: list
    elements: str
    default: []
  from_cluster:
    description:
      - Match every Node of the Kubernetes cluster - by its C(status.nodeInfo.systemUUID) (either byte order),
        else its providerID, else its name - and report whether the Node agrees with vSphere. The systemUUID comes
        first - it is what the VM reports of itself, while a providerID may have been set wrong.
      - Needs the O(kubernetes) connection.
    type: bool
    default: false
  datacenter:
    description:
      - Only look for VMs in this datacenter (name or inventory path).
    type: str
  folder:
    description:
      - Only look for VMs below this VM folder (inventory path, or path below the datacenter's VM folder).
    type: str
  fail_on_missing:
    description:
      - Fail when an input matches no VM. Without it such inputs are listed in RV(missing).
    type: bool
    default: false
"""
