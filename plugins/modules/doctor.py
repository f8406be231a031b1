#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: doctor
short_description: Find what breaks vSphere volumes and nodes of a Kubernetes cluster, and fix the safe part
version_added: 0.2.0
description:
  - Reads a live site - the Kubernetes cluster and its vCenter - and reports every finding of the checks chosen,
    each with its check id, severity (C(error), C(warning), C(info)), the object, what is wrong, why it matters
    and how to fix it, plus a summary by severity and by area.
  - Read-only by default. With O(fix=true) it applies the safe repairs only - C(disk.EnableUUID=TRUE), a
    ParaVirtual SCSI controller, the move into the configured node folder, the zone tag of a host whose
    cluster's other hosts all have the same one - each reported in RV(changes) with
    its before and after; in check mode they are reported and nothing is written.
  - The number of requests does not grow with the inventory nor with the number of Nodes - one PropertyCollector
    retrieval for the inventory with every VM's name, BIOS UUID and folder, one for the details of the node VMs.
  - When the vCenter has CNS, every CNS volume is read in one paginated C(CnsQueryVolume) (never per PV) and a CNS
    volume no PV names is the finding C(volumes.orphan_cns) (a warning, with its id, name, datastore, size and
    creation time when known). A vCenter without CNS (the query answers a fault or the endpoint is missing) is no
    finding.
  - The config area checks the effective privileges of each config's user on every object concerned (the root
    folder, the datacenter, the node VMs, the datastores) in one C(HasUserPrivilegeOnEntities) per user, and reports
    C(config.privileges) naming the object and the privileges missing.
  - The readiness area reads, in one event collector (pages of 1000), the VM reconfigurations since the oldest boot of
    a powered-on node VM whose C(disk.EnableUUID) is TRUE; a VM that got it after its last power on is
    C(readiness.power_cycle_pending) (an error, the running VM does not have it yet). With O(fix), setting it on a
    powered-on VM is listed as a change with a power cycle pending, in RV(reboot_required), and warned about.
  - The StorageClasses area reports a storage policy without a compatible datastore (PBM C(PbmCheckCompatibility),
    one per policy), a datastore not mounted on every host that runs a node (of the class's zones), and a datastore
    in a fully automated Storage DRS cluster; the zones area, a zone or region category whose cardinality is not
    SINGLE; the addresses area, a Node without an InternalIP of a family the cloud config's ip-family asks for.
  - The connection to Kubernetes is nested under O(kubernetes); V({}) takes the environment.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  checks:
    description:
      - The areas to check, in the order of the report. Default, every area.
    type: list
    elements: str
    choices: [nodes, readiness, addresses, zones, config, storage_classes, volumes, capacity]
  node_folder:
    description:
      - The VM folder the node VMs belong in (inventory path such as V(/DC0/vm/kubernetes), or a path below the
        datacenter's VM folder). VMs in it without a Node are reported, node VMs outside it too.
    type: str
  datacenter:
    description:
      - The datacenter of O(node_folder) when it is a relative path; needed when vCenter has several.
    type: str
  zone_category:
    description:
      - The tag category of zones. Default, C(labels.zone) of the cloud provider's config found in the cluster.
    type: str
  region_category:
    description:
      - The tag category of regions. Default, C(labels.region) of the cloud provider's config found in the cluster.
    type: str
  volume_folder:
    description:
      - The folder of volume disks on each datastore (the in-tree provider's C(kubevols)); VMDKs in it that no
        PV names are reported as orphans.
    type: str
    default: kubevols
  min_hardware_version:
    description:
      - Node VMs with a lower virtual hardware version are reported (the CSI driver needs 15).
    type: int
    default: 15
  fix:
    description:
      - Apply the safe repairs of the findings (see O(repairs)). Orphaned disks are never deleted - feed the
        volume findings to M(vsphere_k8s.cloud_provider.vmdk) after a dry run.
    type: bool
    default: false
  repairs:
    description:
      - Which safe repairs O(fix) may apply. V(tags) attaches to a host without zone the zone tag all the other
        hosts of its cluster have.
    type: list
    elements: str
    choices: [disk_enable_uuid, pvscsi, folder, tags]
    default: [disk_enable_uuid, pvscsi, folder, tags]
  query:
    description:
      - A JMESPath expression applied to the result (C(findings), C(summary), C(changes)); its value is returned
        in RV(query_result). Needs the C(jmespath) Python package.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.kubernetes.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: What is wrong with the site?
  vsphere_k8s.cloud_provider.doctor:
    node_folder: /DC1/vm/kubernetes
  register: doctor

- name: Fail on errors
  ansible.builtin.assert:
    that: doctor.summary.by_severity.error == 0
    fail_msg: "{{ doctor.findings | selectattr('severity', 'eq', 'error') | map(attribute='message') | list }}"

- name: Repair what is safe to repair (dry run first with --check --diff)
  vsphere_k8s.cloud_provider.doctor:
    node_folder: /DC1/vm/kubernetes
    fix: true

- name: Only the names of the VMs without disk.EnableUUID
  vsphere_k8s.cloud_provider.doctor:
    checks: [readiness]
    query: "findings[?check=='readiness.disk_enable_uuid'].object.name"
  register: no_uuid
"""

RETURN = r"""
findings:
  description: What is wrong, errors first, by area.
  returned: always
  type: list
  elements: dict
  contains:
    check: {description: "The check id, C(<area>.<what>).", type: str, sample: readiness.disk_enable_uuid}
    area: {description: "The area of the check.", type: str, sample: readiness}
    severity: {description: "C(error), C(warning) or C(info).", type: str}
    object: {description: "The object - C(kind), C(name) and, for vSphere objects, C(moid).", type: dict}
    message: {description: "What is wrong, naming the object.", type: str}
    why: {description: "Why it matters.", type: str}
    fix: {description: "How to fix it.", type: str}
    repair: {description: "The safe repair O(fix) applies, when there is one.", type: str}
summary:
  description: Counts - C(total), C(by_severity) and C(by_area) (each by severity).
  returned: always
  type: dict
changes:
  description: With O(fix), per object repaired (or, in check mode, to repair) - C(object) and C(kind) (C(vm) for
    VMs), C(moid), C(changes), C(before), C(after), C(checks) (the findings it answers), C(error).
  returned: always
  type: list
  elements: dict
reboot_required:
  description: Powered-on VMs that got C(disk.EnableUUID) from O(fix) - a power cycle is pending for each (the
    setting applies only when the VM is powered off and on; a guest reboot is not enough). The module also warns,
    and the next run reports C(readiness.power_cycle_pending) for them until they are power cycled.
  returned: always
  type: list
  elements: str
capacity:
  description: Per datastore - C(datastore), C(capacity_bytes), C(free_bytes), C(pv_bytes) and C(pvs) (the PVs on
    it), C(orphan_bytes) and C(orphans).
  returned: always
  type: list
  elements: dict
capacity_by_policy:
  description: Per storage policy a StorageClass names (and vCenter knows) - C(policy), C(storage_classes) (the
    classes naming it), C(datastores) (the names of its compatible datastores), C(capacity_bytes) and C(free_bytes)
    (summed over those datastores), C(pv_bytes) and C(pvs) (the PVs of those classes), C(orphan_bytes) and
    C(orphans) (the orphans on those datastores).
  returned: always
  type: list
  elements: dict
areas:
  description: The areas checked, in the order of the report.
  returned: always
  type: list
  elements: str
query_result:
  description: The value of O(query) on the result.
  returned: when query is given
  type: raw
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._query import (
    compile_query,
    query_argument_spec,
    select,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import repairs
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.capacity import (
    policy_table,
    table as capacity_table,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.checks import (
    AREAS,
    run_checks,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.gather import Gatherer
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import (
    Finding,
    summarize,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import require_pyvmomi
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import path_problem

GATHER_PROBLEMS = {
    "config.node_folder_missing": (
        "error", "Node VMs cannot be checked against their folder, nor VMs without a Node found.",
        "Give node_folder as an existing VM folder (inventory path, such as /DC0/vm/kubernetes)."),
}


def validate(module):
    p = module.params
    if p["node_folder"] is not None:
        problem = path_problem(p["node_folder"])
        if problem:
            module.fail_json(msg="node_folder: %s. Give a VM folder path such as /DC0/vm/kubernetes, or omit it. "
                                 "Nothing was read." % problem)
    if p["min_hardware_version"] < 1:
        module.fail_json(msg="min_hardware_version must be a positive number (such as 15), not %d."
                         % p["min_hardware_version"])


def wanted(p, *areas):
    return not p["checks"] or bool(set(p["checks"]) & set(areas))


def gather(module):
    """Read the cluster, then the site (one retrieval per kind of object): the Gatherer with its snapshot."""
    p = module.params
    g = Gatherer(module.vsphere, module.kube, p)
    g.snap.settings.min_hardware_version = p["min_hardware_version"]
    with module.errors("Reading the Kubernetes cluster (nothing was changed)", backend="kubernetes"):
        g.kube_reads()
    for secret in g.secrets:
        module.no_log_values.add(secret)
    with module.errors("checking the site against vCenter"):
        g.vsphere_reads()
        if wanted(p, "zones"):
            g.zone_reads()
        if wanted(p, "config"):
            g.config_reads()
        if wanted(p, "storage_classes", "volumes", "capacity"):
            g.storage_reads(p["volume_folder"])
    return g


def diagnose(g, p):
    findings = run_checks(g.snap, p["checks"])[0]
    for check, o, message in g.problems:
        sev, why, fix = GATHER_PROBLEMS[check]
        findings.insert(0, Finding(check, sev, o, message, why, fix))
    return findings


def repair(module, g, findings, result):
    """Plan the safe repairs of the findings and, unless in check mode, apply them; each listed as a change."""
    p = module.params
    items = repairs.plan(findings, g.snap, p["repairs"])
    tag_items = repairs.plan_tags(findings, g.snap, p["repairs"])
    errors = {}
    with module.errors("repairing node VMs and tags", result=result):
        if items and not module.check_mode:
            folder = g.tree.folder(g.snap.settings.node_folder, g.datacenter, "vm") \
                if g.snap.settings.node_folder else None
            errors = repairs.apply(module.vsphere, g.tree, items, folder)
        if tag_items and not module.check_mode:
            errors.update(repairs.apply_tags(module.vsphere, g.tree, tag_items))
    for i in items:
        result["changes"].append(dict(object=i["vm"], kind="VirtualMachine", vm=i["vm"], moid=i["moid"],
                                      changes=i["changes"], before=i["before"], after=i["after"],
                                      checks=sorted(set(i["checks"])), error=errors.get(i["vm"])))
        if i["power_cycle"]:
            result["reboot_required"].append(i["vm"])
    for i in tag_items:
        result["changes"].append(dict(object=i["object"], kind=i["kind"], moid=i["moid"], changes=i["changes"],
                                      before=i["before"], after=i["after"], checks=i["checks"],
                                      error=errors.get(i["object"])))
    result["changed"] = bool(items or tag_items)
    pending = sorted(i["vm"] for i in items if i["power_cycle"] and i["vm"] not in errors)
    if pending:
        module.warn("disk.EnableUUID %s TRUE on the powered-on VM(s) %s: power cycle pending - it applies only when "
                    "each VM is powered off and on again (a guest reboot is not enough); until then the repair is not "
                    "complete." % ("would be set to" if module.check_mode else "was set to", ", ".join(pending)))
    if errors:
        result["failed_repairs"] = errors


def report(module, g, findings, result):
    p = module.params
    result["capacity"] = capacity_table(g.snap, findings) if "fcds" in g.snap.gathered else []
    result["capacity_by_policy"] = policy_table(g.snap, findings) if "fcds" in g.snap.gathered else []
    result["areas"] = [a for a in AREAS if not p["checks"] or a in p["checks"]]
    result["findings"] = [f.as_dict() for f in findings]
    result["summary"] = summarize(findings)
    result["reboot_required"].sort()
    if module._diff and result["changes"]:
        result["diff"] = dict(before={c["object"]: c["before"] for c in result["changes"]},
                              after={c["object"]: c["after"] for c in result["changes"]})
    return result


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            checks=dict(type="list", elements="str", choices=list(AREAS)),
            node_folder=dict(type="str"),
            datacenter=dict(type="str"),
            zone_category=dict(type="str"),
            region_category=dict(type="str"),
            min_hardware_version=dict(type="int", default=15),
            volume_folder=dict(type="str", default="kubevols"),
            fix=dict(type="bool", default=False),
            repairs=dict(type="list", elements="str", choices=list(repairs.REPAIRS), default=list(repairs.REPAIRS)),
            kubernetes=dict(type="dict", default={}, options=kubernetes_argument_spec(), apply_defaults=True),
            **query_argument_spec()
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
    )
    require_pyvmomi(module)
    validate(module)
    query = compile_query(module)
    g = gather(module)
    findings = diagnose(g, module.params)
    result = dict(changed=False, changes=[], reboot_required=[])
    if module.params["fix"]:
        repair(module, g, findings, result)
    result = select(module, query, report(module, g, findings, result))
    if result.get("failed_repairs"):
        module.fail_json(msg="Some repairs failed: %s" % "; ".join(
            "%s: %s" % kv for kv in sorted(result["failed_repairs"].items())), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
