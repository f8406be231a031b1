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
