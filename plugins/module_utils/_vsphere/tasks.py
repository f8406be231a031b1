# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for many vSphere tasks at once, reading only info.state, info.error and info.result."""

from __future__ import annotations

import time

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect_objects

TASK_PROPS = ["info.state", "info.error", "info.result"]


class TaskFailed(VsphereError):
    def __init__(self, task, message, fault=None):
        super().__init__(message)
        self.task = task
        self.fault = fault


def wait_for_tasks(client, tasks, timeout=3600, poll=0.05, max_poll=1.0):
    """Wait until every task has ended. One PropertyCollector call a poll, whatever the number of tasks.

    Returns {task moid: result}; the results of failed tasks are TaskFailed instances (never raised here,
    so the caller can say which of many items failed and keep the others).
    """
    pending = {t._moId: t for t in tasks}
    results = {}
    deadline = time.monotonic() + timeout
    while pending:
        for obj, props in collect_objects(client, list(pending.values()), TASK_PROPS):
            state = props.get("info.state")
            if state == "success":
                results[obj._moId] = props.get("info.result")
                pending.pop(obj._moId, None)
            elif state == "error":
                fault = props.get("info.error")
                msg = getattr(fault, "localizedMessage", None) or getattr(fault, "msg", None) or str(fault)
                results[obj._moId] = TaskFailed(obj, msg, fault)
                pending.pop(obj._moId, None)
        if pending:
            if time.monotonic() > deadline:
                raise VsphereError("Timed out after %ss waiting for vSphere tasks %s."
                                   % (timeout, ", ".join(sorted(pending))))
            time.sleep(poll)
            poll = min(poll * 2, max_poll)
    return results


def wait_for_task(client, task, timeout=3600):
    """Wait for one task; raise TaskFailed with vCenter's message when it fails."""
    result = wait_for_tasks(client, [task], timeout=timeout)[task._moId]
    if isinstance(result, TaskFailed):
        raise result
    return result
