# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: static_pod_flags
short_description: Set command-line flags (and a read-only file mount) in a static pod manifest
version_added: 0.1.0
description:
  - Sets C(--name=value) flags on the first container's command of a static pod manifest (kube-apiserver,
    kube-controller-manager), replacing the same flags, and mounts a host file read-only at the same path.
  - With O(state=absent), removes the flags named (whatever their values) and the C(cloud-config) mount and volume,
    as when the in-tree provider's flags are taken off for the out-of-tree one.
author:
  - vsphere_k8s developers (@vsphere-k8s)
positional: flags, mount, state
options:
  _input: {description: The manifest as a dictionary., type: dict, required: true}
  flags: {description: Flag names (without --) and values., type: dict, required: true}
  mount: {description: A host file to mount read-only at the same path., type: str}
  state:
    description: V(present) sets the flags and the mount, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The in-tree provider on kube-apiserver
  ansible.builtin.copy:
    dest: /etc/kubernetes/manifests/kube-apiserver.yaml
    content: "{{ manifest | vsphere_k8s.cloud_provider.static_pod_flags({'cloud-provider': 'vsphere'}) | to_nice_yaml }}"

- name: The in-tree provider's flags and vsphere.conf mount taken off
  ansible.builtin.copy:
    dest: /etc/kubernetes/manifests/kube-apiserver.yaml
    content: >-
      {{ manifest | vsphere_k8s.cloud_provider.static_pod_flags({'cloud-provider': none, 'cloud-config': none},
         state='absent') | to_nice_yaml }}
"""

RETURN = r"""
_value: {description: The manifest with the flags set., type: dict}
"""

import copy

from ansible.errors import AnsibleFilterError


def static_pod_flags(manifest, flags, mount=None, state="present"):
    if state not in ("present", "absent"):
        raise AnsibleFilterError("static_pod_flags: state must be present or absent, not %r." % str(state)[:40])
    pod = copy.deepcopy(manifest)
    container = pod["spec"]["containers"][0]
    command = [c for c in container.get("command", []) if not any(
        c.startswith("--%s=" % name) or c == "--%s" % name for name in flags)]
    if state == "absent":
        container["command"] = command
        mounts = [m for m in container.get("volumeMounts") or [] if m.get("name") != "cloud-config"]
        volumes = [v for v in pod["spec"].get("volumes") or [] if v.get("name") != "cloud-config"]
        for key, value, where in (("volumeMounts", mounts, container), ("volumes", volumes, pod["spec"])):
            if key in where:
                where[key] = value
        return pod
    command += ["--%s=%s" % (name, value) for name, value in flags.items()]
    container["command"] = command
    if mount:
        mounts = [m for m in container.get("volumeMounts", []) if m.get("name") != "cloud-config"]
        mounts.append({"name": "cloud-config", "mountPath": mount, "readOnly": True})
        container["volumeMounts"] = mounts
        volumes = [v for v in pod["spec"].get("volumes", []) if v.get("name") != "cloud-config"]
        volumes.append({"name": "cloud-config", "hostPath": {"path": mount, "type": "File"}})
        pod["spec"]["volumes"] = volumes
    return pod


class FilterModule:
    def filters(self):
        return {"static_pod_flags": static_pod_flags}
