"""The pure logic of vSphere failures: which calls change something, what a failure half way says."""

import http.client
import socket

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import connection, tasks


class Books:
    """A client's books without a vCenter: where, params, changes, in_flight."""

    def __init__(self, changes=(), in_flight=None):
        self.params = {"hostname": "vc.example.com", "port": 443, "timeout": 7}
        self.where = "vCenter vc.example.com:443"
        self.changes = list(changes)
        self.in_flight = dict(in_flight or {})


@pytest.mark.parametrize("method, changes", [
    ("RetrievePropertiesEx", False), ("CreateContainerView", False), ("DestroyView", False), ("Login", False),
    ("Logout", False), ("QueryVirtualDiskUuid", False), ("SearchDatastore_Task", False), ("CnsQueryVolume", False),
    ("AddAuthorizationRole", True), ("MakeDirectory", True), ("RegisterDisk", True), ("CreateFolder", True),
    ("CreateVirtualDisk_Task", True), ("SetEntityPermissions", True), ("ReconfigVM_Task", True),
])
def test_a_call_changes_something_unless_it_only_reads(method, changes):
    assert connection.changes_something(method) is changes


def test_a_call_is_labelled_by_its_first_text_argument_but_never_when_it_handles_credentials():
    assert connection._call_label("MakeDirectory", ["[ds] kubevols", None, True]) == "MakeDirectory [ds] kubevols"
    assert connection._call_label("AddAuthorizationRole", ["k8s-volumes", ["Datastore.Browse"]]) == \
        "AddAuthorizationRole k8s-volumes"
    assert connection._call_label("UpdateServiceMessage", ["x" * 201]) == "UpdateServiceMessage"
    for method in ("LoginByToken", "ChangePassword", "AcquireGenericServiceTicket", "SetCredential"):
        assert connection._call_label(method, ["s3cr3t"]) == method


def test_a_broken_connection_names_the_place_what_was_done_and_what_to_do():
    books = Books(changes=["[ds] a.vmdk"], in_flight={"task-9": "CreateVirtualDisk_Task"})
    msg, changed = connection.describe_failure(ConnectionResetError(104, "Connection reset by peer"),
                                               "changing disks", books)
    assert changed is True
    assert msg.startswith("The connection to vCenter vc.example.com:443 broke during changing disks: Connection "
                          "reset by peer.")
    assert "Done before the failure, and kept: 1 change ([ds] a.vmdk)." in msg
    assert "Started and not seen to end (they may have run): CreateVirtualDisk_Task task-9." in msg
    assert msg.endswith("Run the task again once vCenter answers: it continues from what exists.")


def test_a_silent_vcenter_is_named_with_the_timeout_and_nothing_done_is_changed_false():
    msg, changed = connection.describe_failure(socket.timeout("timed out"), "listing disks", Books())
    assert msg.startswith("vCenter vc.example.com:443 did not answer within 7s during listing disks.")
    assert changed is False


def test_a_fault_is_vcenter_s_own_words_and_an_unknown_error_is_left_alone():
    fault = vim.fault.NoPermission(msg="Permission to perform this operation was denied.")
    msg, changed = connection.describe_failure(fault, "changing disks", Books())
    assert msg == "changing disks failed: NoPermission: Permission to perform this operation was denied."
    assert changed is False
    assert connection.describe_failure(KeyError("x"), "changing disks", Books()) is None


def test_without_a_client_the_place_comes_from_the_options():
    msg, _changed = connection.describe_failure(http.client.RemoteDisconnected("gone"), "reading",
                                                params={"hostname": "vc", "port": 8443})
    assert "vCenter vc:8443 broke during reading: vCenter closed the connection without an answer." in msg


class Task:
    def __init__(self, moid):
        self._moId = moid


def test_a_connection_lost_while_waiting_names_the_tasks_in_flight_and_books_what_ended(monkeypatch):
    polls = iter([
        [(Task("task-1"), {"info.state": "success"}), (Task("task-2"), {"info.state": "running"})],
        ConnectionResetError(104, "Connection reset by peer"),
    ])

    def collect(client, objs, props):
        step = next(polls)
        if isinstance(step, Exception):
            raise step
        return step

    monkeypatch.setattr(tasks, "collect_objects", collect)
    books = Books(in_flight={"task-1": "CreateVirtualDisk_Task", "task-2": "CreateVirtualDisk_Task"})
    with pytest.raises(tasks.TasksCutOff) as e:
        tasks.wait_for_tasks(books, [Task("task-1"), Task("task-2")], poll=0,
                             labels={"task-1": "[ds] a.vmdk", "task-2": "[ds] b.vmdk"})
    assert str(e.value).startswith("vCenter vc.example.com:443 broke the connection (Connection reset by peer) "
                                   "while 1 vSphere tasks were in flight: [ds] b.vmdk (task-2).")
    assert e.value.changed is True and e.value.in_flight == ["[ds] b.vmdk (task-2)"]
    assert books.changes == ["[ds] a.vmdk"] and books.in_flight == {"task-2": "CreateVirtualDisk_Task"}


def test_a_read_only_task_cut_off_is_not_a_change(monkeypatch):
    def collect(client, objs, props):
        raise socket.timeout("timed out")

    monkeypatch.setattr(tasks, "collect_objects", collect)
    books = Books()  # the search task was not started by a call that changes something
    with pytest.raises(tasks.TasksCutOff) as e:
        tasks.wait_for_tasks(books, [Task("task-3")], poll=0)
    assert "did not answer within 7s while 1 vSphere tasks were in flight: task-3." in str(e.value)
    assert e.value.changed is False
