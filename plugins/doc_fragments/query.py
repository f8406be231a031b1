# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The query option of the info modules (module_utils/_query.py).
    DOCUMENTATION = r"""
options:
  query:
    description:
      - A JMESPath expression (U(https://jmespath.org)) run on the module's result (its documented return keys,
        without C(changed)); the selection is returned in RV(query_result), next to the full result. This is what
        the C(community.general.json_query) filter does after the task, without another collection.
      - An expression that is not valid JMESPath fails the task before anything is read.
      - Needs the Python package C(jmespath).
    type: str
"""
