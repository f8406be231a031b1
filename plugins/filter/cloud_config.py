# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cloud_config
short_description: Render vsphere.conf or csi-vsphere.conf from a structured configuration
version_added: 0.1.0
description:
  - The rendering of M(vsphere_k8s.cloud_provider.cloud_config), for templates. Every INI value is quoted the way
    gcfg reads it back.
  - The configuration is checked with the module's own option spec (types, choices, unknown keys) first. Errors never
    hold a password.
author:
  - vsphere_k8s developers (@vsphere-k8s)
positional: format
options:
  _input:
    description: The configuration, as the O(vsphere_k8s.cloud_provider.cloud_config#module:config) option takes it.
    type: dict
    required: true
  format:
    description: What to render.
    type: str
    choices: [in_tree, cpi_ini, cpi_yaml, csi]
    required: true
"""

EXAMPLES = r"""
- name: vsphere.conf from a template variable
  ansible.builtin.copy:
    content: "{{ vsphere_config | vsphere_k8s.cloud_provider.cloud_config('in_tree') }}"
    dest: /etc/kubernetes/vsphere.conf
    mode: "0600"
"""

RETURN = r"""
_value:
  description: The rendered file.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import GcfgError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    FORMATS,
    ConfigError,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import (
    check_config,
    scrub,
    secrets_of,
)


def cloud_config(config, format):  # pylint: disable=redefined-builtin
    if format not in FORMATS:
        raise AnsibleFilterError("cloud_config: the format must be one of %s, not %r."
                                 % (", ".join(FORMATS), str(format)[:40]))
    validated, errors = check_config(config)
    if errors:
        raise AnsibleFilterError("cloud_config: %s" % "; ".join(errors))
    secrets = secrets_of(config) | secrets_of(validated)
    try:
        return render_config(validated, format)
    except (ConfigError, GcfgError) as e:
        raise AnsibleFilterError("cloud_config: %s" % scrub(e, secrets))


class FilterModule:
    def filters(self):
        return {"cloud_config": cloud_config}
