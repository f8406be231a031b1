# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for many vSphere tasks at once, reading only info.state, info.error, info.result and what the task is."""

from __future__ import annotations

import time

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import (
    CONNECTION_ERRORS,
    TasksCutOffBase,
    VsphereError,
    fault_message,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect_objects

TASK_PROPS = ["info.state", "info.error", "info.result", "info.descriptionId"]


class TaskFailed(VsphereError):
    def __init__(self, task, message, fault=None):
        super().__init__(message)
        self.task = task
        self.fault = fault


class TasksCutOff(TasksCutOffBase):
    """The connection broke (or vCenter fell silent) while tasks were in flight. changed: whether any of them
    changes something (those may have finished on vCenter)."""

    def __init__(self, message, in_flight, changed):
        super().__init__(message)
        self.in_flight = in_flight
        self.changed = changed


def _writes(client, moid):
    """Whether a task changes something: the client saw it started by a method that does. A task the client
    did not see started is taken as a change (the safe side)."""
    started = getattr(client, "in_flight", None)
    return started is None or moid in started


def _where(client):
    return getattr(client, "where", None) or "vCenter"


def _name(moid, labels, kinds):
    """What a task works on (its label), else what it is (its kind), with its id."""
    label = labels.get(moid)
    if label:
        return "%s (%s)" % (label, moid)
    return "%s %s" % (kinds[moid], moid) if kinds.get(moid) else moid


def _cut_off(client, exc, pending, labels, kinds, timeout):
    names = [_name(m, labels, kinds) for m in sorted(pending)]
    changed = any(_writes(client, m) for m in pending)
    shown = ", ".join(names[:10]) + (" and %d more" % (len(names) - 10) if len(names) > 10 else "")
    if isinstance(exc, TimeoutError):
        how = "did not answer within %ss" % timeout if timeout else "did not answer"
    else:
        how = "broke the connection (%s)" % (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
    return TasksCutOff("%s %s while %d vSphere tasks were in flight: %s. They may have finished on vCenter. "
                       "Run the task again once vCenter answers: it continues from what "
                       "exists." % (_where(client), how, len(names), shown), names, changed)


class TaskWatch:
    """Tasks being waited for, read together: each poll() is one PropertyCollector call for every task still
    running, whatever their number; tasks can be added between polls (a window of tasks kept full).

    labels: {task moid: what the task works on}, used in messages. results: {task moid: result}; the results of
    failed tasks are TaskFailed instances (never raised, so the caller can say which of many items failed and keep
    the others). Tasks that succeed and change something are added to client.changes. A connection that breaks
    (or falls silent) while tasks are in flight raises TasksCutOff naming them. result=False leaves info.result
    unread (None): for tasks of another API (CNS) whose result types the vim25 session cannot read.
    """

    def __init__(self, client, timeout=3600, labels=None, result=True):
        self.client, self.timeout = client, timeout
        self.props = TASK_PROPS if result else [p for p in TASK_PROPS if p != "info.result"]
        self.labels = {}
        self.pending, self.results = {}, {}
        self.started = getattr(client, "in_flight", None) or {}
        self.kinds = {}
        self.changes = getattr(client, "changes", None)
        self.deadlines = {}  # each task has timeout seconds from when it was added
        self.add([], labels)

    def add(self, tasks, labels=None):
        self.labels.update((k, str(v)) for k, v in (labels or {}).items())
        now = time.monotonic()
        for t in tasks:
            self.pending[t._moId] = t
            self.deadlines[t._moId] = now + self.timeout
            if t._moId in self.started:
                self.kinds[t._moId] = self.started[t._moId]

    def poll(self):
        """One read of every pending task; returns the moids that ended in it."""
        client, pending, labels, kinds, started = self.client, self.pending, self.labels, self.kinds, self.started
        try:
            objects = collect_objects(client, list(pending.values()), self.props)
        except CONNECTION_ERRORS as e:
            raise _cut_off(client, e, pending, labels, kinds,
                           getattr(client, "params", {}).get("timeout")) from e
        ended = []
        for obj, props in objects:
            moid = obj._moId
            if props.get("info.descriptionId"):
                kinds[moid] = props["info.descriptionId"]
            state = props.get("info.state")
            if state in ("success", "error") and moid in started:
                method = started.pop(moid)
                if state == "success" and self.changes is not None:
                    self.changes.append(labels.get(moid) or "%s %s" % (method, moid))
            if state == "success":
                self.results[moid] = props.get("info.result")
            elif state == "error":
                fault = props.get("info.error")
                msg = fault_message(fault) if fault is not None else "the task failed"
                self.results[moid] = TaskFailed(obj, msg, fault)
            else:
                continue
            pending.pop(moid, None)
            ended.append(moid)
        now = time.monotonic()
        if any(now > self.deadlines[m] for m in pending):
            names = [_name(m, labels, kinds) for m in sorted(pending)]
            raise TasksCutOff("Timed out after %ss waiting for vSphere tasks %s (they may still be running on "
                              "%s)." % (self.timeout, ", ".join(names), _where(client)), names,
                              any(_writes(client, m) for m in pending))
        return ended


def wait_for_tasks(client, tasks, timeout=3600, poll=0.05, max_poll=1.0, labels=None, result=True):
    """Wait until every task has ended. One PropertyCollector call a poll, whatever the number of tasks.

    labels: {task moid: what the task works on}, used in messages. Returns {task moid: result} (see TaskWatch).
    """
    watch = TaskWatch(client, timeout, labels, result)
    watch.add(tasks)
    while watch.pending:
        watch.poll()
        if watch.pending:
            time.sleep(poll)
            poll = min(poll * 2, max_poll)
    return watch.results


def wait_for_task(client, task, timeout=3600, label=None, result=True):
    """Wait for one task; raise TaskFailed with vCenter's message when it fails."""
    result = wait_for_tasks(client, [task], timeout=timeout, labels={task._moId: label} if label else None,
                            result=result)[task._moId]
    if isinstance(result, TaskFailed):
        raise result
    return result
