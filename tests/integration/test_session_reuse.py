"""session_reuse: a play logs in to vCenter once, a task resumes the kept session without a request, a session
vCenter dropped is replaced on the first call, one that sat idle before use; it serves only its own password, and
vcenter_session logs it out."""

import hashlib
import json
import os
import stat
import time

import pytest

LOOKUP = {"vsphere_k8s.cloud_provider.node_vm_info": {"names": ["k8s-worker-1"]}}


@pytest.fixture
def cache(tmp_path):
    """A cache directory of the test's own (XDG_CACHE_HOME) and the session file of the lab's vCenter and user."""
    key = "%s:%s:%s" % (os.environ["VMWARE_HOST"].lower(), os.environ["VMWARE_PORT"], os.environ["VMWARE_USER"].lower())
    name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"
    sessions = tmp_path / "cache" / "vsphere_k8s" / "sessions"
    return dict(env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "VMWARE_SESSION_REUSE": "true"},
                dir=sessions, file=sessions / name)


def _calls(entries, method):
    return [e for e in entries if e.get("method") == method]


def test_a_play_with_session_reuse_logs_in_once_and_vcenter_session_logs_it_out(playbook, vcsim_trace, cache):
    tasks = [dict(LOOKUP, name="lookup %d" % i) for i in range(5)] + [
        {"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}]
    r = playbook(tasks, env=cache["env"])
    assert r.rc == 0, r
    assert all(r["lookup %d" % i]["nodes"][0]["vm_name"] == "k8s-worker-1" for i in range(5))
    entries = vcsim_trace.entries()
    assert len(_calls(entries, "Login")) == 1
    # The tasks that resume the session read nothing to do so: the service content is kept with it.
    assert len(_calls(entries, "RetrieveServiceContent")) == 1
    assert len(_calls(entries, "Logout")) == 1  # by vcenter_session, at the end
    assert r["end"]["changed"] is True
    assert not cache["file"].exists()


def test_without_session_reuse_every_task_logs_out_what_it_opened(playbook, vcsim_trace, cache):
    env = dict(cache["env"], VMWARE_SESSION_REUSE=None)
    r = playbook([dict(LOOKUP, name="lookup %d" % i) for i in range(3)], env=env)
    assert r.rc == 0, r
    entries = vcsim_trace.entries()
    assert len(_calls(entries, "Login")) == 3 and len(_calls(entries, "Logout")) == 3
    assert not cache["dir"].exists()


def test_the_kept_session_is_private_to_the_user_and_never_in_the_output(playbook, vsphere, cache):
    r = playbook([dict(LOOKUP, name="lookup")], env=cache["env"])
    assert r.rc == 0, r
    assert stat.S_IMODE(os.stat(cache["dir"]).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache["file"]).st_mode) == 0o600
    record = json.loads(cache["file"].read_text())
    assert os.environ["VMWARE_PASSWORD"] not in cache["file"].read_text()
    session_id = record["cookie"].split("=", 1)[1].split(";")[0].strip('"')
    assert session_id not in r.stdout and session_id not in r.stderr
    # vCenter knows it: it is a live session of the lab's user
    sessions = vsphere.content.sessionManager.sessionList
    assert any(s.key == session_id for s in sessions)
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])
    assert not any(s.key == session_id for s in vsphere.content.sessionManager.sessionList)


def test_a_session_vcenter_dropped_is_replaced_by_a_new_login(playbook, vsphere, vcsim_trace, cache):
    assert playbook([dict(LOOKUP, name="first")], env=cache["env"]).rc == 0
    record = json.loads(cache["file"].read_text())
    vsphere.content.sessionManager.TerminateSession([record["cookie"].split("=", 1)[1].split(";")[0].strip('"')])
    mark = vcsim_trace.mark()
    r = playbook([dict(LOOKUP, name="again")], env=cache["env"])
    assert r.rc == 0, r
    assert r["again"]["nodes"][0]["vm_name"] == "k8s-worker-1"
    assert len(_calls(mark.entries(), "Login")) == 1
    # vCenter may have restarted or been upgraded: the content kept with the session is read again with the login.
    assert len(_calls(mark.entries(), "RetrieveServiceContent")) == 1
    assert json.loads(cache["file"].read_text())["cookie"] != record["cookie"]
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])


def test_vcenter_session_present_replaces_a_session_vcenter_dropped(playbook, vsphere, vcsim_trace, cache):
    assert playbook([{"name": "open", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "present"}}],
                    env=cache["env"]).rc == 0
    record = json.loads(cache["file"].read_text())
    vsphere.content.sessionManager.TerminateSession([record["cookie"].split("=", 1)[1].split(";")[0].strip('"')])
    mark = vcsim_trace.mark()
    r = playbook([{"name": "again", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "present"}},
                  dict(LOOKUP, name="then")], env=cache["env"])
    assert r.rc == 0, r
    assert (r["again"]["changed"], r["again"]["reused"]) == (True, False)
    assert r["then"]["nodes"][0]["vm_name"] == "k8s-worker-1"
    assert len(_calls(mark.entries(), "Login")) == 1
    assert json.loads(cache["file"].read_text())["cookie"] != record["cookie"]
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])


def test_an_idle_session_is_logged_out_and_replaced(playbook, vcsim_trace, cache):
    assert playbook([dict(LOOKUP, name="first")], env=cache["env"]).rc == 0
    record = json.loads(cache["file"].read_text())
    record["used"] = time.time() - 3600
    cache["file"].write_text(json.dumps(record))
    mark = vcsim_trace.mark()
    assert playbook([dict(LOOKUP, name="later")], env=cache["env"]).rc == 0
    entries = mark.entries()
    assert len(_calls(entries, "Logout")) == 1 and len(_calls(entries, "Login")) == 1
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])


def test_a_kept_session_serves_only_the_password_that_opened_it(playbook, vcsim_trace, cache):
    assert playbook([dict(LOOKUP, name="first")], env=cache["env"]).rc == 0
    mark = vcsim_trace.mark()
    r = playbook([dict(LOOKUP, name="wrong password")], env=dict(cache["env"], VMWARE_PASSWORD="not-the-password"))
    assert r.rc != 0
    assert "rejected the login of user" in r["wrong password"]["msg"]
    assert len(_calls(mark.entries(), "Login")) == 1  # tried, and refused: the cached session was not used
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])


def test_vcenter_session_present_opens_once_and_check_mode_logs_nothing_out(playbook, vcsim_trace, cache):
    r = playbook([{"name": "open", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "present"}},
                  {"name": "again", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "present"}}],
                 env=cache["env"])
    assert r.rc == 0, r
    assert (r["open"]["changed"], r["again"]["changed"], r["again"]["reused"]) == (True, False, True)
    mark = vcsim_trace.mark()
    r = playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}],
                 env=cache["env"], check=True)
    assert r["end"]["changed"] is True and cache["file"].exists()
    assert not _calls(mark.entries(), "Logout")
    r = playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}] * 2,
                 env=cache["env"])
    assert r.rc == 0 and not cache["file"].exists()
    assert len(_calls(mark.entries(), "Logout")) == 1


def test_a_corrupt_session_file_is_replaced_not_a_traceback(playbook, cache):
    cache["dir"].mkdir(parents=True)
    cache["file"].write_text("{not json")
    r = playbook([dict(LOOKUP, name="lookup")], env=cache["env"])
    assert r.rc == 0, r
    assert "cookie" in json.loads(cache["file"].read_text())
    playbook([{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}], env=cache["env"])
