from ansible_collections.vsphere_k8s.cloud_provider.plugins.filter.static_pod_flags import static_pod_flags

POD = {"apiVersion": "v1", "kind": "Pod", "spec": {
    "containers": [{"name": "kube-apiserver", "command": ["kube-apiserver", "--cloud-provider=external", "--v=2"]}]}}


def test_flags_replace_their_old_values_and_the_file_is_mounted_once():
    out = static_pod_flags(POD, {"cloud-provider": "vsphere", "cloud-config": "/etc/k/vsphere.conf"}, "/etc/k/vsphere.conf")
    again = static_pod_flags(out, {"cloud-provider": "vsphere", "cloud-config": "/etc/k/vsphere.conf"}, "/etc/k/vsphere.conf")
    assert again == out
    command = out["spec"]["containers"][0]["command"]
    assert command == ["kube-apiserver", "--v=2", "--cloud-provider=vsphere", "--cloud-config=/etc/k/vsphere.conf"]
    assert out["spec"]["volumes"] == [{"name": "cloud-config", "hostPath": {"path": "/etc/k/vsphere.conf", "type": "File"}}]
    assert POD["spec"]["containers"][0]["command"][1] == "--cloud-provider=external"  # input untouched


def test_state_absent_removes_the_flags_and_the_cloud_config_mount_and_keeps_the_rest():
    pod = {"spec": {"containers": [{"name": "c", "command": ["kube-apiserver", "--v=2", "--cloud-provider=vsphere",
                                                             "--cloud-config=/etc/k/vsphere.conf"],
                                    "volumeMounts": [{"name": "certs", "mountPath": "/pki"},
                                                     {"name": "cloud-config", "mountPath": "/etc/k/vsphere.conf"}]}],
                    "volumes": [{"name": "certs", "hostPath": {"path": "/pki"}},
                                {"name": "cloud-config", "hostPath": {"path": "/etc/k/vsphere.conf"}}]}}
    out = static_pod_flags(pod, {"cloud-provider": None, "cloud-config": None}, state="absent")
    assert out["spec"]["containers"][0]["command"] == ["kube-apiserver", "--v=2"]
    assert out["spec"]["containers"][0]["volumeMounts"] == [{"name": "certs", "mountPath": "/pki"}]
    assert out["spec"]["volumes"] == [{"name": "certs", "hostPath": {"path": "/pki"}}]
    assert static_pod_flags(out, {"cloud-provider": None, "cloud-config": None}, state="absent") == out
    assert static_pod_flags(POD, {"cloud-config": None}, state="absent") == POD  # nothing to remove: unchanged
