"""The window of vSphere tasks (disk_ops.run_tasks over tasks.TaskWatch): how many are submitted before a wait,
one read per poll for every running task, results by key, per-task timeouts (pure logic; a stand-in PropertyCollector)."""

import threading

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import disk_ops, tasks


class Task:
    def __init__(self, moid):
        self._moId = moid


class Books:
    params = {"hostname": "vc.example.com", "port": 443, "timeout": 7}
    where = "vCenter vc.example.com:443"

    def __init__(self):
        self.changes, self.in_flight = [], {}


class Lab:
    """Tasks end after `polls` reads; the log records submissions and reads in order."""

    def __init__(self, polls=1, fail=()):
        self.polls, self.fail, self.seen, self.log, self.lock = polls, set(fail), {}, [], threading.Lock()

    def job(self, key):
        def submit():
            with self.lock:
                self.log.append(("submit", key))
            return Task("task-%s" % key)
        return key, submit

    def collect(self, client, objs, props):
        self.log.append(("read", len(objs)))
        out = []
        for t in objs:
            self.seen[t._moId] = self.seen.get(t._moId, 0) + 1
            if self.seen[t._moId] < self.polls:
                out.append((t, {"info.state": "running"}))
            elif t._moId in self.fail:
                out.append((t, {"info.state": "error"}))
            else:
                out.append((t, {"info.state": "success", "info.result": "made " + t._moId}))
        return out


def test_a_full_window_is_submitted_before_any_wait_and_each_poll_is_one_read_for_all_running_tasks(monkeypatch):
    lab = Lab()
    monkeypatch.setattr(tasks, "collect_objects", lab.collect)
    out = disk_ops.run_tasks(Books(), [lab.job(i) for i in range(10)], concurrency=4, poll=0)
    assert out == {i: "made task-%d" % i for i in range(10)}
    kinds = [k for k, _v in lab.log]
    assert kinds[:5] == ["submit"] * 4 + ["read"]
    assert [n for k, n in lab.log if k == "read"] == [4, 4, 2]  # 10 tasks, 3 reads: one per window, never per task
    assert kinds.count("submit") == 10


def test_a_task_that_ends_makes_room_for_the_next_and_failures_stay_per_key(monkeypatch):
    lab = Lab(polls=2, fail={"task-1"})
    monkeypatch.setattr(tasks, "collect_objects", lab.collect)
    out = disk_ops.run_tasks(Books(), [lab.job(i) for i in range(3)], concurrency=2, poll=0)
    assert isinstance(out[1], tasks.TaskFailed) and out[0] == "made task-0" and out[2] == "made task-2"
    assert all(n <= 2 for k, n in lab.log if k == "read")


def test_a_task_running_longer_than_the_timeout_is_named_as_cut_off(monkeypatch):
    lab = Lab(polls=10 ** 9)
    monkeypatch.setattr(tasks, "collect_objects", lab.collect)
    watch = tasks.TaskWatch(Books(), timeout=0)
    watch.add([Task("task-1")], {"task-1": "[ds] a.vmdk"})
    with pytest.raises(tasks.TasksCutOff) as e:
        watch.poll()
    assert "Timed out after 0s waiting for vSphere tasks [ds] a.vmdk (task-1)" in str(e.value)


def test_a_broken_submission_is_raised_after_the_window_is_recorded(monkeypatch):
    lab = Lab()
    monkeypatch.setattr(tasks, "collect_objects", lab.collect)

    def broken():
        raise ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(ConnectionResetError):
        disk_ops.run_tasks(Books(), [lab.job(0), ("x", broken)], concurrency=2, poll=0)
