#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vcenter_session
short_description: Open or log out the vCenter session that session_reuse keeps across tasks
version_added: 0.2.0
description:
  - With O(session_reuse=true) the vSphere modules of this collection keep one vCenter session for the tasks of a
    play instead of logging in and out in each (see the O(session_reuse) option). This module ends that session
    (O(state=absent) logs it out in vCenter and removes its file), or opens it ahead of the tasks
    (O(state=present)).
  - Run O(state=absent) at the end of a play that reuses sessions (in an C(always) section), so no session is left
    counting against vCenter's session limit until its idle timeout.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  state:
    description:
      - V(absent) logs the kept session out and forgets it; V(present) makes sure a valid one is kept (a new login
        when there is none, or when vCenter no longer knows it).
    type: str
    choices: [present, absent]
    default: absent
notes:
  - O(session_reuse) is implied; the other connection options say which vCenter and user the session is for.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
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
- name: A play that logs in to vCenter once
  hosts: localhost
  environment:
    VMWARE_SESSION_REUSE: "true"
  tasks:
    - block:
        - name: Node VMs
          vsphere_k8s.cloud_provider.node_vm_info:
            names: [k8s-worker-1, k8s-worker-2]
        - name: Disks
          vsphere_k8s.cloud_provider.vmdk_info:
            datastore: LocalDS_0
      always:
        - name: Log the kept session out
          vsphere_k8s.cloud_provider.vcenter_session:
            state: absent
"""

RETURN = r"""
reused:
  description: O(state=present) found a session vCenter still knows (no new login).
  returned: when state is present
  type: bool
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import sessions
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    logout_kept_session,
    require_pyvmomi,
)


def main():
    module = VsphereK8sModule(argument_spec=dict(state=dict(type="str", default="absent", choices=["present", "absent"])),
                              vsphere=True, supports_check_mode=True)
    require_pyvmomi(module)
    p = module.params
    p["session_reuse"] = True
    path = sessions.session_path(p)
    if p["state"] == "present":
        if module.check_mode:
            record, state = sessions.load(path, p["password"])
            module.exit_json(changed=state != "usable", reused=state == "usable")
        with module.errors("opening the kept session"):
            module.vsphere.ensure_session()  # a kept session vCenter no longer knows is replaced now
            reused = module.vsphere.reused
        module.exit_json(changed=not reused, reused=reused)
    if not module.check_mode:
        with module.errors("logging out the kept session"):
            existed = logout_kept_session(p)
    else:
        existed = sessions.load(path, p["password"])[1] != "none"
    module.exit_json(changed=existed)


if __name__ == "__main__":
    main()
