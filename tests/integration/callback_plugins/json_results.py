# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only stdout callback: every task result as one JSON document at the end of the run."""

from __future__ import annotations

import json
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: json_results
type: stdout
short_description: task results as JSON, for the integration tests
description: Prints one JSON document with the result of every task, by task name.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json_results"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {"plays": [{"tasks": []}], "stats": {}}
        self.task_started = time.monotonic()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.task_started = time.monotonic()

    def _record(self, result, status):
        data = dict(result._result)
        data["_status"] = status
        data["_seconds"] = round(time.monotonic() - self.task_started, 3)
        self.results["plays"][0]["tasks"].append(
            {"task": {"name": result._task.get_name()}, "hosts": {result._host.get_name(): data}})

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        for host in sorted(stats.processed):
            self.results["stats"][host] = stats.summarize(host)
        self._display.display(json.dumps(self.results, default=str))
