# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 1, Node to VM: every Node matches one VM, its providerID is the VM's, every node VM has a Node."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    byte_swap,
    normalize_uuid,
    provider_id,
    uuid_from_provider_id,
)


def node_obj(node):
    return obj("Node", node.name)


def vm_obj(vm):
    return obj("VirtualMachine", vm.name, vm.moid)


def check(snap):
    out = []
    matched_vms = set()
    claimed = {}
    for node in snap.nodes:
        if node.vm:
            claimed.setdefault(node.vm, []).append(node.name)
    for moid, names in sorted(claimed.items()):
        vm = snap.vms.get(moid)
        if len(names) > 1 and vm is not None:
            out.append(Finding(
                "nodes.same_vm", "error", vm_obj(vm),
                "Nodes %s all match VM %s (BIOS UUID %s)." % (", ".join(sorted(names)), vm.name, vm.uuid),
                "Only one of them can be that VM: the others are clones with the same BIOS UUID, or stale Nodes; "
                "volumes attach to the wrong VM.",
                "Give cloned VMs a new BIOS UUID (uuid.bios), and delete the Nodes of VMs that are gone."))
    for node in snap.nodes:
        vm = snap.vms.get(node.vm) if node.vm else None
        if vm is None and node.candidates:
            matched_vms.update(node.candidates)
            out.append(Finding(
                "nodes.ambiguous_vm", "error", node_obj(node),
                "Node %s matches %d VMs: %s (the same BIOS UUID or name)." % (
                    node.name, len(node.candidates), ", ".join(
                        "%s (%s)" % (snap.candidate_names.get(m, m), m) for m in node.candidates)),
                "The cloud provider cannot tell which VM is the node: initialization and volume attachment fail or "
                "pick the wrong VM.",
                "Give cloned VMs a new BIOS UUID (uuid.bios) and unique names."))
            continue
        if vm is None:
            out.append(Finding(
                "nodes.no_vm", "error", node_obj(node),
                "Node %s matches no VM: neither its systemUUID %s (in either byte order), its providerID %s nor its "
                "name is a VM's." % (node.name, node.system_uuid or "(none)", node.provider_id or "(none)"),
                "The cloud provider cannot initialize or address the node, and no volume can be attached to it.",
                "Check that the node runs on this vCenter; delete the Node if its VM is gone, or fix the VM's BIOS UUID "
                "or name."))
            continue
        matched_vms.add(vm.moid)
        expected = provider_id(vm.uuid)
        if not node.provider_id:
            if snap.csi_installed:
                out.append(Finding(
                    "nodes.csi_without_provider_id", "error", node_obj(node),
                    "Node %s has no providerID while the vSphere CSI driver is installed (VM %s, expected %s)."
                    % (node.name, vm.name, expected),
                    "The CSI driver finds node VMs by providerID: without it volumes of this node never attach.",
                    "Let the vSphere cloud controller initialize the node (it must run with --cloud-provider=external "
                    "kubelets), then restart the CSI node pod on it."))
            else:
                out.append(Finding(
                    "nodes.provider_id_empty", "warning", node_obj(node),
                    "Node %s has no providerID (VM %s, expected %s)." % (node.name, vm.name, expected),
                    "The node is not initialized by the cloud provider: no addresses, zone or volume attachment.",
                    "Run the vSphere cloud controller and start the kubelet with --cloud-provider=external."))
        else:
            got = uuid_from_provider_id(node.provider_id)
            if got is None or got != vm.uuid:
                how = ""
                if got is not None and byte_swap(got) == vm.uuid:
                    how = " (the same UUID with its first three groups byte-swapped)"
                elif normalize_uuid(node.provider_id) is None:
                    how = " (not of the form vsphere://<uuid>)"
                out.append(Finding(
                    "nodes.provider_id_mismatch", "error", node_obj(node),
                    "Node %s has providerID %s, but its VM %s has BIOS UUID %s, so the providerID should be %s%s."
                    % (node.name, node.provider_id, vm.name, vm.uuid, expected, how),
                    "The cloud provider and the CSI driver look the VM up by the providerID: a wrong one points at no "
                    "VM or at another VM, and attachments fail or land elsewhere.",
                    "The providerID cannot be changed on a Node: drain it, delete the Node and let the kubelet "
                    "register it again so the cloud controller sets %s." % expected))
            elif node.provider_id != node.provider_id.lower():
                out.append(Finding(
                    "nodes.provider_id_case", "info", node_obj(node),
                    "Node %s has an upper-case providerID %s (older tooling); the cloud provider writes %s."
                    % (node.name, node.provider_id, expected),
                    "Tools that compare providerIDs as strings may not find the node.",
                    "Nothing urgent: re-register the Node at its next rebuild."))
    for moid in snap.node_folder_vms:
        vm = snap.vms.get(moid)
        if vm is None or moid in matched_vms or vm.template:
            continue
        out.append(Finding(
            "nodes.vm_without_node", "warning", vm_obj(vm),
            "VM %s is in the node folder %s but no Node matches it." % (vm.name, snap.settings.node_folder),
            "A node VM whose kubelet did not register (or a leftover VM) uses resources and may still hold volumes.",
            "Join it to the cluster, or move it out of the node folder (and delete it if it is a leftover)."))
    return out
