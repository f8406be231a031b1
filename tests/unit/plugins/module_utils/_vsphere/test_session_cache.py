"""The session_reuse cache: where it lives, who may read it, which password it serves, when it is idle."""

import json
import os
import stat
import time

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import sessions

PARAMS = dict(hostname="VC.example.com", port=443, username="Administrator@vsphere.local")


def test_one_file_per_vcenter_and_user_case_blind_in_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = sessions.session_path(PARAMS)
    assert path.startswith(str(tmp_path / "vsphere_k8s" / "sessions"))
    assert path == sessions.session_path(dict(PARAMS, hostname="vc.example.com", username="administrator@VSPHERE.LOCAL"))
    assert path != sessions.session_path(dict(PARAMS, port=8443))
    assert path != sessions.session_path(dict(PARAMS, username="other@vsphere.local"))


def test_the_record_is_private_and_holds_no_password(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = sessions.session_path(PARAMS)
    with sessions.locked(path):
        sessions.save(path, 'vmware_soap_session="abc"', "vim.version.v8_0_3_0", "s3cret-pw")
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "s3cret-pw" not in open(path).read()
    record, state = sessions.load(path, "s3cret-pw")
    assert state == "usable" and record["cookie"] == 'vmware_soap_session="abc"'


def test_another_password_gets_no_session(tmp_path):
    path = str(tmp_path / "s.json")
    sessions.save(path, "c", "v", "right")
    assert sessions.load(path, "wrong") == (None, "none")


def test_a_session_unused_past_the_idle_time_is_idle(tmp_path):
    path = str(tmp_path / "s.json")
    sessions.save(path, "c", "v", "pw")
    assert sessions.load(path, "pw", now=time.time() + sessions.IDLE_SECONDS + 1)[1] == "idle"
    sessions.touch(path)
    assert sessions.load(path, "pw")[1] == "usable"


def test_missing_corrupt_or_foreign_files_are_no_session(tmp_path):
    path = tmp_path / "s.json"
    assert sessions.load(str(path), "pw") == (None, "none")
    for text in ("{not json", "[]", json.dumps({"cookie": 1, "version": "v", "used": 0, "salt": "00", "password": "x"}),
                 json.dumps({"cookie": "c", "version": "v", "used": 0, "salt": "zz", "password": "x"})):
        path.write_text(text)
        assert sessions.load(str(path), "pw") == (None, "none"), text


def test_forget_says_whether_there_was_a_session(tmp_path):
    path = str(tmp_path / "s.json")
    assert sessions.forget(path) is False
    sessions.save(path, "c", "v", "pw")
    assert sessions.forget(path) is True and not os.path.exists(path)


def test_the_service_content_kept_with_the_session_survives_a_touch(tmp_path):
    path = str(tmp_path / "s.json")
    sessions.save(path, "c", "v", "pw", content="<obj/>")
    sessions.touch(path)
    record, state = sessions.load(path, "pw")
    assert state == "usable" and record["content"] == "<obj/>"
    sessions.save(path, "c", "v", "pw")
    assert "content" not in sessions.load(path, "pw")[0]


def test_the_kept_service_content_reads_back_on_the_resumed_stub_and_garbage_is_none():
    from pyVmomi import vim, vmodl
    from pyVmomi.SoapAdapter import SoapStubAdapter

    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import connection

    stub = SoapStubAdapter(host="127.0.0.1", port=1, version="vim.version.v8_0_3_0")
    content = vim.ServiceInstanceContent(
        rootFolder=vim.Folder("group-d1", stub), sessionManager=vim.SessionManager("SessionManager", stub),
        propertyCollector=vmodl.query.PropertyCollector("propertyCollector", stub),
        about=vim.AboutInfo(name="VMware vCenter Server", apiVersion="8.0.3.0", apiType="VirtualCenter",
                            fullName="x", vendor="VMware", version="8.0.3", build="1", osType="linux",
                            productLineId="vpx", instanceUuid="u"))
    text = connection._content_text(content, stub)
    other = SoapStubAdapter(host="127.0.0.1", port=2, version="vim.version.v8_0_3_0")
    back = connection._kept_content(text, other)
    assert back.rootFolder._moId == "group-d1" and back.rootFolder._stub is other
    assert back.about.apiVersion == "8.0.3.0" and back.sessionManager._moId == "SessionManager"
    for garbage in (None, "", "<not xml", "<obj xmlns='urn:vim25'/>", 42):
        assert connection._kept_content(garbage, other) is None, garbage
