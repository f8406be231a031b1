# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes storage objects checked against vCenter, for the modules that take a nested vcenter option."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.pbm import policy_id
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect_objects


def check_against_vsphere(client, p, params):
    """The datastore and storage policy of a StorageClass exist; a CSI datastore becomes its datastoreurl.
    Returns the parameters (with datastoreurl for a CSI datastore); raises VsphereError."""
    if p["storage_policy"]:
        policy_id(client, p["storage_policy"])
    if p["datastore"]:
        tree = InventoryTree(client).fetch()
        ds = tree.get(tree.datastore(p["datastore"]))["obj"]
        if p["provisioner"] == "csi":
            url = dict(collect_objects(client, [ds], ["summary.url"])[0][1]).get("summary.url")
            params = dict(params, datastoreurl=url)
    return params
