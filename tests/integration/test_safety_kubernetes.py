"""Safety of the Kubernetes modules (k8s_apply, storage_class, k8s_cluster_info) against the lab's apiserver.

Table-driven: each bad input gives one clear error naming the option, no traceback, and the audit log shows no
write. Tokens from a kubeconfig are really used (the audit log names the identity) and never shown.
"""

import os
import uuid

import pytest
import yaml

from conftest import audit_writes

ISSUER = "https://kubernetes.default.svc.cluster.local"
HUGE = "a" * 300
TOKEN = "not-a-real-token-7f3a9c"  # a one-letter token would be masked in every message


@pytest.fixture
def uid():
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def api(kube):
    import kubernetes
    return {"core": kubernetes.client.CoreV1Api(kube), "storage": kubernetes.client.StorageV1Api(kube),
            "rbac": kubernetes.client.RbacAuthorizationV1Api(kube)}


@pytest.fixture
def namespace(api, uid):
    name = "safety-" + uid
    api["core"].create_namespace({"metadata": {"name": name}})
    yield name
    api["core"].delete_namespace(name)


def lab_kubeconfig():
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        return yaml.safe_load(f)


def token_kubeconfig(token):
    """A kubeconfig with the lab's cluster and a user that has nothing but the token."""
    cfg = lab_kubeconfig()
    cfg["users"] = [{"name": "sa", "user": {"token": token}}]
    cfg["contexts"] = [{"name": "sa", "context": {"cluster": cfg["clusters"][0]["name"], "user": "sa"}}]
    cfg["current-context"] = "sa"
    return cfg


@pytest.fixture
def service_account(api, namespace):
    """A ServiceAccount allowed to write ConfigMaps in its namespace, and a token for it."""
    import kubernetes
    api["core"].create_namespaced_service_account(namespace, {"metadata": {"name": "deployer"}})
    # A Role of its own: the lab runs no aggregation controller, so the built-in edit role has no rules.
    api["rbac"].create_namespaced_role(namespace, {
        "metadata": {"name": "configmaps"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "create", "patch"]}]})
    api["rbac"].create_namespaced_role_binding(namespace, {
        "metadata": {"name": "deployer-configmaps"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "configmaps"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": namespace}]})
    request = kubernetes.client.AuthenticationV1TokenRequest(
        spec=kubernetes.client.V1TokenRequestSpec(audiences=[ISSUER], expiration_seconds=3600))
    token = api["core"].create_namespaced_service_account_token("deployer", namespace, request).status.token
    return "system:serviceaccount:%s:deployer" % namespace, token


def configmap(name, namespace, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace},
            "data": data or {"a": "1"}}


def apply_task(**kw):
    return [{"name": "apply", "vsphere_k8s.cloud_provider.k8s_apply": kw}]


def users_of(events):
    return {e.get("user", {}).get("username") for e in events}


# -- F8/F4: a token-only kubeconfig acts as its identity, and the token never shows -----------------------------------
@pytest.mark.parametrize("form", ["dict", "file"])
def test_a_token_only_kubeconfig_acts_as_its_service_account(playbook, audit_log, service_account, namespace, form,
                                                             tmp_path, api):
    user, token = service_account
    kubeconfig = token_kubeconfig(token)
    if form == "file":
        path = tmp_path / "sa.kubeconfig"
        path.write_text(yaml.safe_dump(kubeconfig))
        kubeconfig = str(path)
    audit_log.mark()  # after the set-up's own writes
    r = playbook(apply_task(kubeconfig=kubeconfig, definitions=[configmap("by-token", namespace)]),
                 env={"ANSIBLE_VERBOSITY": "3"})
    assert r.rc == 0, r
    events = [e for e in audit_log.entries() if "/configmaps" in e.get("requestURI", "")]
    assert events and users_of(events) == {user}, users_of(events)
    assert {e["verb"] for e in events} >= {"get", "patch"}
    assert api["core"].read_namespaced_config_map("by-token", namespace).data == {"a": "1"}
    assert token not in r.stdout + r.stderr


def test_a_kubeconfig_dict_never_shows_its_token_or_key_even_in_a_failure(playbook, audit_log, service_account):
    token = service_account[1]
    kubeconfig = token_kubeconfig(token)
    kubeconfig["users"][0]["user"]["client-key-data"] = "S0VZLURBVEEtc2VjcmV0"
    audit_log.mark()
    r = playbook(apply_task(kubeconfig=kubeconfig, context="no-such-context",
                            definitions=[configmap("x", "default")]), env={"ANSIBLE_VERBOSITY": "3"})
    assert r["apply"]["_status"] == "failed" and "no-such-context" in r["apply"]["msg"]
    for secret in (token, "S0VZLURBVEEtc2VjcmV0"):
        assert secret not in r.stdout + r.stderr
    assert audit_writes(audit_log.entries()) == []


# -- F5: names and namespaces never reach another object --------------------------------------------------------------
def test_a_configmap_named_like_a_path_does_not_delete_a_secret(playbook, audit_log, api, namespace):
    api["core"].create_namespaced_secret(namespace, {"metadata": {"name": "x"}, "stringData": {"k": "v"}})
    audit_log.mark()
    r = playbook(apply_task(state="absent", definitions=[configmap("../secrets/x", namespace)]))
    assert r["apply"]["_status"] == "failed" and "definitions[0]" in r["apply"]["msg"]
    assert api["core"].read_namespaced_secret("x", namespace).metadata.name == "x"
    assert audit_writes(audit_log.entries()) == []


def test_a_namespace_with_a_path_does_not_reach_kube_system(playbook, audit_log, api, uid):
    name = "reach-" + uid
    api["core"].create_namespaced_config_map("kube-system", {"metadata": {"name": name}, "data": {"a": "1"}})
    audit_log.mark()
    try:
        r = playbook(apply_task(state="absent", definitions=[
            configmap(name, "default/configmaps/../../kube-system")]))
        assert r["apply"]["_status"] == "failed" and "namespace" in r["apply"]["msg"]
        assert api["core"].read_namespaced_config_map(name, "kube-system").data == {"a": "1"}
        assert audit_writes(audit_log.entries()) == []
    finally:
        api["core"].delete_namespaced_config_map(name, "kube-system")


# -- bad inputs: one clear error naming the option, nothing written ----------------------------------------------------
CM = {"apiVersion": "v1", "kind": "ConfigMap"}
K8S_APPLY_BAD = [
    ("state misspelled", dict(state="Present", definitions=[configmap("a", "default")]), "state"),
    ("option misspelled", dict(definitions=[configmap("a", "default")], stat="absent"), "stat"),
    ("definitions missing", dict(), "definitions"),
    ("definitions empty", dict(definitions=[]), "definitions is empty"),
    ("definitions a string", dict(definitions="kind=ConfigMap"), "definitions"),
    ("definition a string", dict(definitions=["x"]), "definitions"),
    ("definition a list", dict(definitions=[["x"]]), "definitions"),
    ("metadata a string", dict(definitions=[dict(CM, metadata="x")]), "definitions[0] (ConfigMap): metadata"),
    ("metadata missing", dict(definitions=[dict(CM)]), "definitions[0] (ConfigMap): metadata"),
    ("kind misspelled", dict(definitions=[dict(configmap("a", "default"), kind="Configmap")]), "definitions[0]: kind"),
    ("kind missing", dict(definitions=[{"apiVersion": "v1", "metadata": {"name": "a"}}]), "definitions[0]: kind"),
    ("apiVersion wrong", dict(definitions=[dict(configmap("a", "default"), apiVersion="apps/v1")]), "apiVersion"),
    ("name empty", dict(definitions=[configmap("", "default")]), "metadata.name"),
    ("name huge", dict(definitions=[configmap("a" * 300, "default")]), "more than 253"),
    ("name a path", dict(definitions=[configmap("../secrets/x", "default")]), "definitions[0]"),
    ("name dots", dict(definitions=[configmap("..", "default")]), "definitions[0]"),
    ("name upper case", dict(definitions=[configmap("Config", "default")]), "definitions[0]"),
    ("name a number", dict(definitions=[configmap(5, "default")]), "definitions[0]"),
    ("name with a newline", dict(definitions=[configmap("a\n", "default")]), "definitions[0]"),
    ("namespace missing", dict(definitions=[configmap("a", None)]), "metadata.namespace is needed"),
    ("namespace a path", dict(definitions=[configmap("a", "default/configmaps/../../kube-system")]), "namespace"),
    ("namespace huge", dict(definitions=[configmap("a", HUGE)]), "namespace"),
    ("namespace on a cluster-scoped kind", dict(definitions=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "a", "namespace": "default"}}]), "not namespaced"),
    ("rbac name a path", dict(definitions=[{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                            "metadata": {"name": "../x"}}]), "definitions[0]"),
    ("service name not DNS-1035", dict(definitions=[{"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "1svc", "namespace": "default"}}]), "DNS-1035"),
    ("second definition bad", dict(definitions=[configmap("ok", "default"), configmap("B", "default")]),
     "definitions[1]"),
    ("kubeconfig a number", dict(kubeconfig=5, definitions=[configmap("a", "default")]), "kubeconfig"),
    ("kubeconfig a list", dict(kubeconfig=["a"], definitions=[configmap("a", "default")]), "kubeconfig"),
    ("kubeconfig missing file", dict(kubeconfig="/no/such/kubeconfig", definitions=[configmap("a", "default")]),
     "kubeconfig"),
    ("kubeconfig malformed dict", dict(kubeconfig={"clusters": "x"}, definitions=[configmap("a", "default")]),
     "kubeconfig"),
    ("context unknown", dict(context="no-such-context", definitions=[configmap("a", "default")]), "no-such-context"),
    ("validate_certs not a bool", dict(validate_certs="maybe", definitions=[configmap("a", "default")]),
     "validate_certs"),
    ("host unreachable", dict(host="https://127.0.0.1:1", api_key=TOKEN, definitions=[configmap("a", "default")]),
     "Cannot reach the Kubernetes API server https://127.0.0.1:1"),
    ("host not a URL", dict(host="127.0.0.1", api_key=TOKEN, definitions=[configmap("a", "default")]), "host"),
]


def assert_clean_failure(r, task, expected, audit_log):
    result = r[task]
    assert r.rc != 0 and result["_status"] == "failed", r
    assert expected in result["msg"], result["msg"]
    assert "Traceback" not in r.stdout + r.stderr
    assert audit_writes(audit_log.entries()) == []


@pytest.mark.parametrize("case, args, expected", K8S_APPLY_BAD, ids=[c[0] for c in K8S_APPLY_BAD])
def test_k8s_apply_bad_input_is_a_clear_error_and_writes_nothing(playbook, audit_log, case, args, expected):
    r = playbook(apply_task(**args))
    assert_clean_failure(r, "apply", expected, audit_log)


def test_k8s_apply_against_a_server_that_is_no_apiserver_is_a_clear_error(playbook, audit_log):
    # vcsim speaks HTTPS with the lab's CA but answers no Kubernetes JSON.
    host = "https://127.0.0.1:%s" % os.environ["VMWARE_PORT"]
    r = playbook(apply_task(host=host, api_key=TOKEN, ca_cert=os.environ["VMWARE_CA_BUNDLE"],
                            definitions=[configmap("a", "default")]))
    assert_clean_failure(r, "apply", "ConfigMap default/a", audit_log)
    assert "Check that host is a Kubernetes API server" in r["apply"]["msg"]
    r = playbook([{"name": "info", "vsphere_k8s.cloud_provider.k8s_cluster_info": {
        "host": host, "api_key": TOKEN, "ca_cert": os.environ["VMWARE_CA_BUNDLE"]}}])
    assert_clean_failure(r, "info", "Reading the cluster failed", audit_log)


def sc_task(**kw):
    return [{"name": "sc", "vsphere_k8s.cloud_provider.storage_class": kw}]


STORAGE_CLASS_BAD = [
    ("state misspelled", dict(name="x", state="presnt"), "state"),
    ("provisioner misspelled", dict(name="x", provisioner="CSI"), "provisioner"),
    ("reclaim policy misspelled", dict(name="x", reclaim_policy="delete"), "reclaim_policy"),
    ("reclaim policy Recycle", dict(name="x", reclaim_policy="Recycle"), "reclaim_policy"),
    ("binding mode misspelled", dict(name="x", volume_binding_mode="immediate"), "volume_binding_mode"),
    ("disk format misspelled", dict(name="x", provisioner="in_tree", disk_format="thinn"), "disk_format"),
    ("option misspelled", dict(name="x", storage_polcy="gold"), "storage_polcy"),
    ("vsan option misspelled", dict(name="x", provisioner="in_tree", vsan={"disk_strips": 2}), "disk_strips"),
    ("vsan value a word", dict(name="x", provisioner="in_tree", vsan={"disk_stripes": "two"}), "disk_stripes"),
    ("recreate not a bool", dict(name="x", recreate="maybe"), "recreate"),
    ("default not a bool", dict(name="x", default="maybe"), "default"),
    # ansible-core's own message for a string given to a dict option with suboptions does not name the option
    ("topologies a string", dict(name="x", allowed_topologies="zone-a"), "dictionary requested"),
    ("topologies misspelled", dict(name="x", allowed_topologies={"zone": ["a"]}), "zone"),
    ("name missing", dict(storage_policy="gold"), "name"),
    ("name empty", dict(name=""), "StorageClass name"),
    ("name huge", dict(name=HUGE), "StorageClass name"),
    ("name a path", dict(name="../x"), "StorageClass name"),
    ("name upper case", dict(name="Gold"), "StorageClass name"),
    ("fstype huge", dict(name="x", fstype="a" * 300000), "parameters"),
    ("kubeconfig a number", dict(name="x", kubeconfig=5), "kubeconfig"),
    ("context unknown", dict(name="x", context="no-such-context"), "no-such-context"),
    ("host unreachable", dict(name="x", host="https://127.0.0.1:1", api_key=TOKEN), "Cannot reach"),
]


@pytest.mark.parametrize("case, args, expected", STORAGE_CLASS_BAD, ids=[c[0] for c in STORAGE_CLASS_BAD])
def test_storage_class_bad_input_is_a_clear_error_and_writes_nothing(playbook, audit_log, api, case, args,
                                                                     expected, uid):
    if args.get("name") == "x":
        args = dict(args, name="bad-" + uid)
    r = playbook(sc_task(**args))
    assert_clean_failure(r, "sc", expected, audit_log)
    assert "bad-" + uid not in [c.metadata.name for c in api["storage"].list_storage_class().items]


CLUSTER_INFO_BAD = [
    ("gather misspelled", dict(gather=["version", "node"]), "gather"),
    ("gather a dict", dict(gather={"a": 1}), "gather"),
    ("option misspelled", dict(gathr=["nodes"]), "gathr"),
    ("kubeconfig a number", dict(kubeconfig=5), "kubeconfig"),
    ("kubeconfig a list", dict(kubeconfig=[]), "kubeconfig"),
    ("kubeconfig missing file", dict(kubeconfig="/no/such/kubeconfig"), "kubeconfig"),
    ("kubeconfig without users", dict(kubeconfig={"apiVersion": "v1", "clusters": []}), "kubeconfig"),
    ("context unknown", dict(context="no-such-context"), "no-such-context"),
    ("context empty", dict(context=""), "context"),
    ("host unreachable", dict(host="https://127.0.0.1:1", api_key=TOKEN), "Cannot reach"),
    ("host huge", dict(host="https://" + HUGE, api_key=TOKEN), "Cannot reach"),
]


@pytest.mark.parametrize("case, args, expected", CLUSTER_INFO_BAD, ids=[c[0] for c in CLUSTER_INFO_BAD])
def test_k8s_cluster_info_bad_input_is_a_clear_error(playbook, audit_log, case, args, expected):
    r = playbook([{"name": "info", "vsphere_k8s.cloud_provider.k8s_cluster_info": args}])
    assert_clean_failure(r, "info", expected, audit_log)


# -- partial writes report changed -------------------------------------------------------------------------------------
def test_k8s_apply_reports_changed_with_the_objects_done_after_a_partial_write(playbook, api, namespace, uid):
    r = playbook(apply_task(definitions=[configmap("first", namespace),
                                         configmap("second", "missing-" + uid)]))
    result = r["apply"]
    assert result["_status"] == "failed" and result["changed"] is True, result
    assert [(o["name"], o["changed"]) for o in result["objects"]] == [("first", True)]
    assert "ConfigMap missing-%s/second" % uid in result["msg"] and "already applied: ConfigMap first" in result["msg"]
    assert api["core"].read_namespaced_config_map("first", namespace).data == {"a": "1"}


# -- re-runs send no dry run when the live object holds every value ----------------------------------------------------
def test_a_rerun_of_objects_with_empty_labels_and_class_sends_no_request_but_reads(playbook, audit_log, api, uid):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "empty-" + uid, "labels": {}},
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                   "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem",
                   "vsphereVolume": {"volumePath": "[LocalDS_0] kubevols/empty-%s.vmdk" % uid, "fsType": "ext4"}}}
    try:
        r = playbook(apply_task(definitions=[pv]))
        assert r.rc == 0 and r["apply"]["changed"] is True, r
        mark = audit_log.mark()
        r = playbook(apply_task(definitions=[pv]))
        assert r.rc == 0 and r["apply"]["changed"] is False, r
        verbs = [e["verb"] for e in mark.entries() if "/persistentvolumes" in e.get("requestURI", "")]
        assert verbs == ["get"], verbs  # not even a dry-run patch
    finally:
        api["core"].delete_persistent_volume("empty-" + uid)


# -- StorageClass immutable changes ------------------------------------------------------------------------------------
@pytest.fixture
def gold(playbook, api, uid):
    name = "imm-" + uid
    r = playbook(sc_task(name=name, storage_policy="gold", allowed_topologies={"zones": ["zone-a"]}))
    assert r.rc == 0, r
    sc = api["storage"].read_storage_class(name)
    yield name, sc.metadata.uid
    try:
        api["storage"].delete_storage_class(name)
    except Exception:  # pylint: disable=broad-except
        pass


def assert_unchanged(api, gold):
    sc = api["storage"].read_storage_class(gold[0])
    assert sc.metadata.uid == gold[1] and sc.parameters == {"storagepolicyname": "gold"}


def test_an_immutable_change_without_recreate_is_refused_and_nothing_changes(playbook, audit_log, api, gold):
    audit_log.mark()  # after the fixture created the class
    r = playbook(sc_task(name=gold[0], storage_policy="silver", allowed_topologies={"zones": ["zone-a"]}))
    assert_clean_failure(r, "sc", "set recreate: true", audit_log)
    assert r["sc"]["changed"] is False
    assert_unchanged(api, gold)


def test_recreate_with_a_class_the_server_refuses_keeps_the_old_class(playbook, audit_log, api, gold):
    audit_log.mark()  # after the fixture created the class
    # The API server refuses duplicate topology values (422); the old code deleted the class first.
    r = playbook(sc_task(name=gold[0], storage_policy="silver", recreate=True,
                         allowed_topologies={"zones": ["zone-b", "zone-b"]}))
    assert_clean_failure(r, "sc", "Duplicate value", audit_log)
    assert r["sc"]["changed"] is False
    assert_unchanged(api, gold)


def test_recreate_in_check_mode_reports_the_change_with_a_diff_and_writes_nothing(playbook, audit_log, api, gold):
    audit_log.mark()  # after the fixture created the class
    r = playbook(sc_task(name=gold[0], storage_policy="silver", recreate=True,
                         allowed_topologies={"zones": ["zone-a"]}), check=True, diff=True)
    result = r["sc"]
    assert r.rc == 0, r
    assert result["changed"] is True and result["recreated"] is True
    assert result["diff"]["before"]["parameters"] == {"storagepolicyname": "gold"}
    assert result["diff"]["after"]["parameters"] == {"storagepolicyname": "silver"}
    assert result["diff"]["after"]["metadata"]["name"] == gold[0]
    assert audit_writes(audit_log.entries()) == []
    assert_unchanged(api, gold)


def test_recreate_replaces_the_class(playbook, api, gold):
    r = playbook(sc_task(name=gold[0], storage_policy="silver", recreate=True,
                         allowed_topologies={"zones": ["zone-a"]}))
    assert r.rc == 0 and r["sc"]["changed"] is True and r["sc"]["recreated"] is True, r
    sc = api["storage"].read_storage_class(gold[0])
    assert sc.parameters == {"storagepolicyname": "silver"} and sc.metadata.uid != gold[1]
    r = playbook(sc_task(name=gold[0], storage_policy="silver", allowed_topologies={"zones": ["zone-a"]}))
    assert r.rc == 0 and r["sc"]["changed"] is False
