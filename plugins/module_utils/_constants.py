# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One home for the names and values several files need: a leaf every layer may import (it imports nothing)."""

from __future__ import annotations

import re

# A disk in datastore notation: '[ds] folder/name.vmdk' or '[DatastoreCluster/ds] ...'.
DATASTORE_PATH = re.compile(r"^\[(?P<ds>[^\[\]]+)\]\s*(?P<path>\S.*)$")
# The datastore folder the in-tree provider puts its volumes in (and the default of every disk option).
DEFAULT_FOLDER = "kubevols"

# The VMDK formats users write, and what vSphere calls them.
DISK_FORMATS = ("thin", "zeroedthick", "eagerzeroedthick")
DISK_TYPES = {"thin": "thin", "zeroedthick": "preallocated", "eagerzeroedthick": "eagerZeroedThick"}
FCD_PROVISIONING = {"thin": "thin", "zeroedthick": "lazyZeroedThick", "eagerzeroedthick": "eagerZeroedThick"}
ADAPTER_CHOICES = ("pvscsi", "lsiLogic", "lsiLogic-sas", "busLogic", "ide")

# Node topology labels (and the beta ones older nodes carry).
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
LEGACY_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
LEGACY_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"

# The vSphere CSI driver (its provisioner and volume driver name) and the in-tree provisioner.
CSI_DRIVER = "csi.vsphere.vmware.com"
IN_TREE_PROVISIONER = "kubernetes.io/vsphere-volume"

# In-tree raw vSAN capabilities: option -> (StorageClass parameter, minimum, maximum).
VSAN = {
    "host_failures_to_tolerate": ("hostfailurestotolerate", 0, 3),
    "force_provisioning": ("forceprovisioning", 0, 1),
    "cache_reservation": ("cachereservation", 0, 100),
    "disk_stripes": ("diskstripes", 1, 12),
    "object_space_reservation": ("objectspacereservation", 0, 100),
    "iops_limit": ("iopslimit", 0, None),
}

# What a secret is replaced with in output, diffs and rendered files.
MASK = "********"
