# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors both backend adapters raise, and vCenter's words for a fault: a leaf every layer may import.

It imports nothing of the collection, so the vSphere and Kubernetes adapters can share it without importing each
other, and the module base (module_utils/_module.py) can turn every backend failure into one message.
"""

from __future__ import annotations

import http.client
from xml.parsers.expat import ExpatError


class VsphereError(Exception):
    """A vSphere failure with a message meant for the user (what failed, on what, what to do)."""


class TasksCutOffBase(VsphereError):
    """A failure whose message already names the tasks in flight (_vsphere/tasks.TasksCutOff)."""


class KubernetesError(Exception):
    """A Kubernetes failure with a message meant for the user."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


# A broken, reset, refused or silent connection to vCenter, or an answer cut short.
CONNECTION_ERRORS = (OSError, http.client.HTTPException, ExpatError)


def fault_message(fault):
    """vCenter's own words for a fault (a MethodFault raised by a call, or a task's info.error): its message,
    else its localized message, else its type. The one fault-text helper of the collection."""
    return getattr(fault, "msg", None) or getattr(fault, "localizedMessage", None) or type(fault).__name__
