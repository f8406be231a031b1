"""The csi_driver and cloud_controller roles choose their release from the lab's Kubernetes version, refuse an
unsupported pin with nothing written, relocate images, and upgrade in place from an older pin and layout."""

import os

import kubernetes
import pytest

from conftest import ROOT, audit_writes

CSI_ROLE = "vsphere_k8s.cloud_provider.csi_driver"
CPI_ROLE = "vsphere_k8s.cloud_provider.cloud_controller"
# The site values (the roles' vSphere configs) come from the lab's inventory, as they would from a site's.
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")


def play(role, **role_vars):
    # The configs are not what these tests are about: no round trip to vCenter to check them.
    role_vars.setdefault("csi_driver_validate" if role == CSI_ROLE else "cloud_controller_validate", False)
    return [{"hosts": "localhost", "gather_facts": False, "roles": [dict(role=role, vars=role_vars)]}]


@pytest.fixture
def playbook(playbook):
    """The conftest fixture with the lab's inventory."""
    def run(*args, **kw):
        kw.setdefault("inventory", INVENTORY)
        return playbook(*args, **kw)
    return run


def images(kube, kind, name, ns):
    apps = kubernetes.client.AppsV1Api(kube)
    obj = apps.read_namespaced_deployment(name, ns) if kind == "Deployment" else \
        apps.read_namespaced_daemon_set(name, ns)
    return {c.name: c.image for c in obj.spec.template.spec.containers}


def exists(fn, *args):
    try:
        fn(*args)
        return True
    except kubernetes.client.exceptions.ApiException as e:
        assert e.status == 404
        return False


@pytest.mark.parametrize("role, pin", [(CSI_ROLE, {"csi_driver_version": "v3.5.0"}),
                                       (CPI_ROLE, {"cloud_controller_version": "v1.33.0"})],
                         ids=["csi v3.5.0", "cpi v1.33.0"])
def test_a_pin_that_does_not_support_the_cluster_is_refused_naming_the_supported_range_and_writes_nothing(
        playbook, audit_log, role, pin):
    r = playbook(play(role, **pin))
    assert r.rc != 0
    out = r.stdout + r.stderr
    assert "does not support Kubernetes 1.36" in out and "allow_unsupported" in out, out[-2000:]
    assert "Traceback" not in out
    assert audit_writes(audit_log.entries()) == []


def test_the_csi_driver_upgrades_in_place_from_an_older_pin_and_layout_to_the_release_of_the_cluster(
        playbook, kube):
    core, apps = kubernetes.client.CoreV1Api(kube), kubernetes.client.AppsV1Api(kube)
    # What an older layout left in kube-system.
    old = {"metadata": {"name": "vsphere-csi-node", "namespace": "kube-system"},
           "spec": {"selector": {"matchLabels": {"app": "vsphere-csi-node"}}, "template": {
               "metadata": {"labels": {"app": "vsphere-csi-node"}},
               "spec": {"containers": [{"name": "x", "image": "registry.k8s.io/csi-vsphere/driver:v2.1.0"}]}}}}
    if not exists(apps.read_namespaced_daemon_set, "vsphere-csi-node", "kube-system"):
        apps.create_namespaced_daemon_set("kube-system", old)
    r = playbook(play(CSI_ROLE, csi_driver_version="v3.5.0", csi_driver_allow_unsupported=True))
    assert r.rc == 0, r
    assert images(kube, "Deployment", "vsphere-csi-controller", "vmware-system-csi")["vsphere-csi-controller"] == \
        "registry.k8s.io/csi-vsphere/driver:v3.5.0"
    assert not exists(apps.read_namespaced_daemon_set, "vsphere-csi-node", "kube-system")
    fss = core.read_namespaced_config_map("internal-feature-states.csi.vsphere.vmware.com", "vmware-system-csi")
    assert sorted(fss.data) == ["pv-to-backingdiskobjectid-mapping", "trigger-csi-fullsync"]
    # Re-running without the pin moves to the release of the cluster's 1.36, in place.
    r = playbook(play(CSI_ROLE))
    assert r.rc == 0, r
    got = images(kube, "Deployment", "vsphere-csi-controller", "vmware-system-csi")
    assert got["vsphere-csi-controller"] == "registry.k8s.io/csi-vsphere/driver:v3.8.0"
    assert got["csi-attacher"] == "registry.k8s.io/sig-storage/csi-attacher:v4.10.0"
    node = images(kube, "DaemonSet", "vsphere-csi-node", "vmware-system-csi")
    assert node["node-driver-registrar"] == "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.14.0"
    fss = core.read_namespaced_config_map("internal-feature-states.csi.vsphere.vmware.com", "vmware-system-csi")
    assert "high-pv-node-density" in fss.data
    assert playbook(play(CSI_ROLE)).stats.get("changed") == 0


def test_an_image_registry_relocates_the_cloud_controller_and_csi_images(playbook, kube):
    r = playbook(play(CPI_ROLE, cloud_controller_image_registry="mirror.local:5000/k8s"))
    assert r.rc == 0, r
    assert images(kube, "DaemonSet", "vsphere-cloud-controller-manager", "kube-system") == {
        "vsphere-cloud-controller-manager": "mirror.local:5000/k8s/cloud-pv-vsphere/cloud-provider-vsphere:v1.36.0"}
    r = playbook(play(CSI_ROLE, csi_driver_image_registry="mirror.local:5000/k8s"))
    assert r.rc == 0, r
    got = images(kube, "Deployment", "vsphere-csi-controller", "vmware-system-csi")
    assert all(i.startswith("mirror.local:5000/k8s/") for i in got.values()), got
    # Back to upstream's registry for the other tests.
    assert playbook(play(CPI_ROLE)).rc == 0 and playbook(play(CSI_ROLE)).rc == 0
