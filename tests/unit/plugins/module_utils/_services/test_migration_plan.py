"""The migration plan's pure logic: class translation, node switch, volume and site blockers, scale-down, steps."""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.migration import plan as mp

URLS = {"LocalDS_2": "ds:///vmfs/volumes/ds2/", "vsanDatastore": "ds:///vmfs/volumes/vsan:1/"}


def url_of(spec):
    return URLS.get(str(spec).rsplit("/", 1)[-1])


def sc(name, params, **extra):
    return dict({"metadata": {"name": name}, "provisioner": "kubernetes.io/vsphere-volume", "parameters": params},
                **extra)


def checks(blockers):
    return [(b["check"], b["object"]["kind"], b["object"]["name"]) for b in blockers]


# -- StorageClasses ---------------------------------------------------------------------------------------------
def test_policy_datastore_and_fstype_translate_to_their_csi_names_and_thin_is_dropped_silently():
    out = mp.translate_class(sc("gold", {"storagePolicyName": "Gold", "datastore": "DatastoreCluster/LocalDS_2",
                                         "fstype": "xfs", "diskformat": "thin"}), url_of)
    assert out["csi_parameters"] == {"storagepolicyname": "Gold", "datastoreurl": "ds:///vmfs/volumes/ds2/",
                                     "csi.storage.k8s.io/fstype": "xfs"}
    assert out["untranslatable"] == [] and out["blockers"] == [] and out["action"] == "convert"
    assert out["storage_class"] == {"name": "gold", "provisioner": "csi", "storage_policy": "Gold",
                                    "datastore": "DatastoreCluster/LocalDS_2", "fstype": "xfs",
                                    "reclaim_policy": "Delete", "volume_binding_mode": "Immediate"}


def test_thick_disk_formats_block_the_class_and_say_to_name_a_policy():
    for fmt in ("eagerzeroedthick", "zeroedthick"):
        out = mp.translate_class(sc("thick", {"diskformat": fmt}), url_of)
        assert checks(out["blockers"]) == [("storage_classes.disk_format", "StorageClass", "thick")]
        assert out["untranslatable"] == ["diskformat %s" % fmt] and out["action"] == "blocked"
        assert "storage policy" in out["blockers"][0]["fix"]


def test_raw_vsan_capabilities_are_one_blocker_naming_each_of_them():
    params = {"hostFailuresToTolerate": "1", "forceProvisioning": "1", "cacheReservation": "10", "diskStripes": "2",
              "objectSpaceReservation": "50", "iopsLimit": "100"}
    out = mp.translate_class(sc("vsan", params), url_of)
    assert checks(out["blockers"]) == [("storage_classes.vsan_capabilities", "StorageClass", "vsan")]
    assert sorted(out["untranslatable"]) == sorted(k.lower() for k in params)
    for k in params:
        assert k.lower() in out["blockers"][0]["message"]


def test_an_unknown_datastore_or_parameter_blocks_the_class():
    out = mp.translate_class(sc("x", {"datastore": "nowhere", "zones": "a"}), url_of)
    assert checks(out["blockers"]) == [("storage_classes.datastore_unknown", "StorageClass", "x"),
                                       ("storage_classes.unknown_parameter", "StorageClass", "x")]


def test_the_class_keeps_its_policy_mode_expansion_topology_and_default_annotation():
    out = mp.translate_class(sc("z", {"storagePolicyName": "p"}, reclaimPolicy="Retain",
                                volumeBindingMode="WaitForFirstConsumer", allowVolumeExpansion=True,
                                allowedTopologies=[{"matchLabelExpressions": [
                                    {"key": "failure-domain.beta.kubernetes.io/zone", "values": ["zone-a"]},
                                    {"key": "topology.kubernetes.io/region", "values": ["r1"]}]}],
                                metadata={"name": "z", "annotations": {
                                    "storageclass.kubernetes.io/is-default-class": "true"}}), url_of)
    assert out["storage_class"] == {"name": "z", "provisioner": "csi", "storage_policy": "p", "reclaim_policy": "Retain",
                                    "volume_binding_mode": "WaitForFirstConsumer", "allow_volume_expansion": True,
                                    "allowed_topologies": {"zones": ["zone-a"], "regions": ["r1"]}, "default": True}


def test_only_classes_without_datastore_or_policy_need_the_migration_datastore():
    classes = [sc("a", {}), sc("b", {"datastore": "x"}), sc("c", {"storagePolicyName": "p"}), sc("d", {"fstype": "ext4"})]
    assert mp.needs_migration_url(classes) == ["a", "d"]


# -- nodes ------------------------------------------------------------------------------------------------------
UUID = "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01"


def test_node_switch_replaces_the_in_tree_flags_keeps_the_others_and_removes_the_file():
    node = {"name": "cp", "control_plane": True, "cloud_config_present": True,
            "kubelet_args": "--cloud-provider=vsphere --cloud-config=/etc/kubernetes/vsphere.conf --v=2",
            "static_pods": [{"name": "kube-apiserver", "command": ["kube-apiserver", "--cloud-provider=vsphere",
                                                                   "--cloud-config=/etc/kubernetes/vsphere.conf"],
                             "volumes": [{"name": "cloud-config"}, {"name": "certs"}]},
                            {"name": "kube-controller-manager", "command": ["kcm", "--v=2"], "volumes": []}]}
    sw = mp.node_switch(node, UUID, {"provider_id": ""}, "/etc/kubernetes/vsphere.conf")
    assert sw["kubelet"] == {"before": ["--cloud-provider=vsphere", "--cloud-config=/etc/kubernetes/vsphere.conf",
                                        "--v=2"], "after": ["--cloud-provider=external", "--v=2"], "changes": True}
    assert sw["static_pods"] == [{"name": "kube-apiserver", "remove_flags": [
        "--cloud-provider=vsphere", "--cloud-config=/etc/kubernetes/vsphere.conf"], "remove_mount": True}]
    assert sw["files_removed"] == ["/etc/kubernetes/vsphere.conf"]
    assert sw["provider_id"] == {"now": "", "after": "vsphere://" + UUID, "cpi": "vsphere://" + UUID, "unchanged": True}


def test_an_external_node_changes_nothing():
    sw = mp.node_switch({"name": "w", "kubelet_args": "--cloud-provider=external"}, UUID,
                        {"provider_id": "vsphere://" + UUID.upper()}, "/etc/kubernetes/vsphere.conf")
    assert sw["kubelet"]["changes"] is False and sw["files_removed"] == [] and sw["static_pods"] == []
    assert sw["provider_id"]["unchanged"] is True and mp.node_blockers(sw, True) == []


def test_a_provider_id_naming_another_vm_or_a_node_without_vm_blocks():
    other = mp.node_switch({"name": "w"}, UUID, {"provider_id": "vsphere://00000000-0000-0000-0000-000000000001"}, "/c")
    assert checks(mp.node_blockers(other, True)) == [("mode.provider_id_changes", "Node", "w")]
    novm = mp.node_switch({"name": "w"}, None, {"provider_id": ""}, "/c")
    assert checks(mp.node_blockers(novm, True)) == [("mode.node_vm_missing", "Node", "w")]
    assert checks(mp.node_blockers(novm, False)) == [("mode.node_missing", "Node", "w")]


def test_installed_providers_report_their_image_and_version():
    ds = {"metadata": {"name": "vsphere-cloud-controller-manager", "namespace": "kube-system"}, "spec": {"template": {
        "spec": {"containers": [{"name": "vsphere-cloud-controller-manager",
                                 "image": "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.36.0"}]}}}}
    assert mp.workload(ds, mp.CPI_OBJECT)["version"] == "v1.36.0"
    assert mp.workload(None, mp.CSI_OBJECT) == {"installed": False, "kind": "Deployment",
                                                "name": "vsphere-csi-controller", "image": None, "version": None}


# -- volumes ----------------------------------------------------------------------------------------------------
def pv(name, path, claim="data"):
    return {"metadata": {"name": name}, "spec": {"vsphereVolume": {"volumePath": path},
                                                 "claimRef": {"namespace": "ns", "name": claim}}}


def pod(name, node, claim="data", owner=("StatefulSet", "db")):
    md = {"name": name, "namespace": "ns"}
    if owner:
        md["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {"metadata": md, "spec": {"nodeName": node, "volumes": [{"persistentVolumeClaim": {"claimName": claim}}]},
            "status": {"phase": "Running"}}


def site(pods=(), attached=None, files=None, fcds=None, replica_sets=None):
    workloads = {("StatefulSet", "ns", "db"): 3, ("Deployment", "ns", "web"): 2, ("ReplicaSet", "ns", "web-1"): 2}
    return dict(datastores={"LocalDS_0", "LocalDS_2"}, listed={("LocalDS_0", "kubevols"), ("LocalDS_2", "kubevols")},
                files=files if files is not None else {("LocalDS_0", "kubevols/a.vmdk"), ("LocalDS_2", "kubevols/a.vmdk")},
                fcds=fcds or {}, attached=attached or {}, node_vm={"w1": "vm-w1", "w2": "vm-w2"},
                pods=mp.claim_pods(list(pods)), workloads=workloads,
                owners=lambda p: mp.owner_of(p, replica_sets or {}, workloads))


def test_a_volume_on_a_datastore_cluster_member_with_its_fcd_registered_and_its_owner():
    s = site(pods=[pod("db-0", "w1")], attached={("LocalDS_2", "kubevols/a.vmdk"): ["vm-w1"]},
             fcds={("LocalDS_2", "kubevols/a.vmdk"): "fcd-1"})
    v = mp.volume_entry(pv("a", "[DatastoreCluster/LocalDS_2] kubevols/a.vmdk"), s)
    assert (v["datastore"], v["disk_exists"], v["fcd_id"], v["fcd"]) == ("LocalDS_2", True, "fcd-1", "registered")
    assert v["pods"] == [{"namespace": "ns", "name": "db-0", "node": "w1"}] and v["blockers"] == []
    assert v["owners"] == [{"kind": "StatefulSet", "namespace": "ns", "name": "db", "replicas": 3}]


def test_a_missing_disk_and_a_disk_attached_to_another_vm_than_the_pods_node_block():
    v = mp.volume_entry(pv("gone", "[LocalDS_0] kubevols/gone.vmdk"), site())
    assert checks(v["blockers"]) == [("volumes.disk_missing", "PersistentVolume", "gone")]
    assert v["disk_exists"] is False and v["fcd"] == "to register"
    s = site(pods=[pod("db-0", "w1")], attached={("LocalDS_0", "kubevols/a.vmdk"): ["vm-w2"]})
    v = mp.volume_entry(pv("a", "[LocalDS_0] kubevols/a.vmdk"), s)
    assert checks(v["blockers"]) == [("volumes.attached_elsewhere", "PersistentVolume", "a")]
    assert "attached to VM vm-w2" in v["blockers"][0]["message"] and "Node w1 (VM vm-w1)" in v["blockers"][0]["message"]


def test_a_disk_attached_with_no_pod_or_on_the_pods_node_is_no_blocker():
    attached = {("LocalDS_0", "kubevols/a.vmdk"): ["vm-w1"]}
    assert mp.volume_entry(pv("a", "[LocalDS_0] kubevols/a.vmdk"), site(attached=attached))["blockers"] == []
    s = site(pods=[pod("db-0", "w1")], attached=attached)
    assert mp.volume_entry(pv("a", "[LocalDS_0] kubevols/a.vmdk"), s)["blockers"] == []


def test_an_unknown_datastore_an_unlisted_folder_and_a_bare_pod():
    v = mp.volume_entry(pv("x", "[Other] kubevols/a.vmdk"), site())
    assert checks(v["blockers"]) == [("volumes.datastore_missing", "PersistentVolume", "x")]
    v = mp.volume_entry(pv("y", "[LocalDS_0] elsewhere/a.vmdk"), site())
    assert v["disk_exists"] is None and v["blockers"] == []
    v = mp.volume_entry(pv("a", "[LocalDS_0] kubevols/a.vmdk"), site(pods=[pod("p", "w1", owner=None)]))
    assert checks(v["blockers"]) == [("volumes.bare_pod", "PersistentVolume", "a")]


def test_a_deployment_owns_its_replica_sets_pods_and_is_scaled_down_once():
    rs = {("ns", "web-1"): {"metadata": {"name": "web-1", "ownerReferences": [
        {"kind": "Deployment", "name": "web", "controller": True}]}}}
    s = site(pods=[pod("web-1-a", "w1", owner=("ReplicaSet", "web-1")), pod("web-1-b", "w1", owner=("ReplicaSet", "web-1"))],
             replica_sets=rs)
    v = mp.volume_entry(pv("a", "[LocalDS_0] kubevols/a.vmdk"), s)
    assert v["owners"] == [{"kind": "Deployment", "namespace": "ns", "name": "web", "replicas": 2}]
    assert mp.scale_down([v]) == [{"kind": "Deployment", "namespace": "ns", "name": "web", "replicas": 2,
                                   "volumes": ["a"]}]


def test_finished_pods_do_not_use_their_claims():
    done = pod("old", "w1")
    done["status"]["phase"] = "Succeeded"
    assert mp.claim_pods([done]) == {}


# -- site -------------------------------------------------------------------------------------------------------
def test_vsphere_older_than_7_0_u2_a_datacenter_in_a_folder_and_a_missing_migration_url_block():
    old = mp.site_blockers({"name": "vc", "version": "7.0.1", "build": "1"}, "DC1", "/Sites", ["legacy"], None)
    assert checks(old) == [("site.vsphere_version", "vCenter", "vc"), ("site.datacenter_in_folder", "Datacenter", "DC1"),
                           ("site.migration_datastore_url", "StorageClass", "legacy")]
    assert mp.site_blockers({"version": "7.0.2"}, "DC1", None, ["legacy"], "ds:///x/") == []
    assert mp.site_blockers({"version": "8.0.3"}, "DC1", None, [], None) == []


def test_steps_are_in_order_with_the_in_tree_config_removed_last():
    plan = {"mode_switch": {"nodes": [mp.node_switch({"name": "w", "kubelet_args": "--cloud-provider=vsphere",
                                                      "cloud_config_present": True}, UUID, {}, "/c")],
                            "csi": {"installed": False}, "cpi": {"installed": True, "version": "v1.36.0"}},
            "storage_classes": [{"name": "legacy", "action": "convert"}, {"name": "thick", "action": "blocked"}],
            "volumes": [], "scale_down": [], "migration_datastore_url": "ds:///x/"}
    rows = mp.steps(plan)
    assert [r["id"] for r in rows] == ["csi_driver", "cloud_controller", "control_plane", "kubelets",
                                       "storage_classes", "in_tree_config", "volumes"]
    assert "legacy" in rows[4]["what"] and "thick" not in rows[4]["what"]
    assert rows[5]["what"] == "Remove the in-tree vsphere.conf from w (last)"
