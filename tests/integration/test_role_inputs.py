"""The roles take site values only from the inventory: a role run without one stops at its argument spec, naming
every missing variable, with nothing written to vCenter, Kubernetes or the node; bootstrap_mode is the inventory's
to choose; node_config restarts the kubelet once when its flags or vsphere.conf change, and not on a re-run."""

import os

import pytest
import yaml

from conftest import ROOT, audit_writes, mutating_soap_calls

BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
REQUIRED = [
    ("vcenter_prereqs", ["vcenter_prereqs_principal", "vcenter_prereqs_clusters", "vcenter_prereqs_datastores",
                         "vcenter_prereqs_read_only_objects", "vcenter_prereqs_node_folder"]),
    ("cloud_controller", ["cloud_controller_vsphere_config"]),
    ("csi_driver", ["csi_driver_vsphere_config"]),
]


def role_play(role, hosts="localhost", **role_vars):
    return [{"hosts": hosts, "gather_facts": False,
             "roles": [{"role": "vsphere_k8s.cloud_provider." + role, "vars": role_vars}]}]


def failed_msgs(r):
    return [res.get("msg", "") for tasks in r.by_host.values() for res in tasks.values()
            if res.get("failed") or res.get("_status") == "failed"]


@pytest.mark.parametrize("role, names", REQUIRED, ids=[r for r, _n in REQUIRED])
def test_a_role_without_its_site_values_stops_naming_each_and_writes_nothing(playbook, vcsim_trace, audit_log,
                                                                             role, names):
    r = playbook(role_play(role))  # no inventory: nothing of the lab's
    assert r.rc != 0, r
    msgs = failed_msgs(r)
    assert len(msgs) == 1 and "missing required arguments" in msgs[0], msgs
    assert [n for n in names if n not in msgs[0]] == [], msgs[0]
    assert "Traceback" not in r.stdout + r.stderr
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []


def test_node_config_in_tree_without_the_vsphere_config_stops_before_writing_anything(playbook, tmp_path):
    root = tmp_path / "node"
    r = playbook(role_play("node_config", node_config_mode="in_tree", node_config_root=str(root),
                           node_config_kubelet_restart="none"))
    assert r.rc != 0, r
    assert any("node_config_vsphere_config is required in in_tree mode" in m for m in failed_msgs(r)), r
    assert not root.exists()


def lab_inventory(tmp_path, **all_vars):
    with open(INVENTORY) as f:
        inv = yaml.safe_load(f)
    inv["all"]["vars"].update(all_vars)
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inv, sort_keys=False))
    return str(path)


def test_the_inventory_chooses_bootstrap_mode(playbook, tmp_path, vcsim_trace, audit_log):
    nodes = str(tmp_path / "nodes")
    r = playbook(path=BOOTSTRAP, inventory=lab_inventory(tmp_path, bootstrap_mode="in_tree"), check=True,
                 extra_vars={"node_config_root": nodes + "/{{ inventory_hostname }}"})
    assert r.rc == 0, r
    assert r["Summary"]["msg"]["mode"] == "in_tree"
    # In-tree: vsphere.conf on every node (check mode: would be written), no cloud controller nor CSI driver.
    conf = [res for name, res in r.by_host["k8s-worker-1"].items() if name.endswith("Write vsphere.conf (mode 0600)")]
    assert [res["changed"] for res in conf] == [True], r.by_host["k8s-worker-1"].keys()
    assert r["The out-of-tree cloud controller"]["_status"] == "skipped"
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert not os.path.exists(nodes)


def test_a_misspelled_bootstrap_mode_is_refused_naming_it_before_anything_changes(playbook, tmp_path, vcsim_trace,
                                                                                  audit_log):
    nodes = str(tmp_path / "nodes")
    r = playbook(path=BOOTSTRAP, inventory=lab_inventory(tmp_path, bootstrap_mode="intree"),
                 extra_vars={"node_config_root": nodes + "/{{ inventory_hostname }}"})
    assert r.rc != 0, r
    msgs = failed_msgs(r)
    assert any("bootstrap_mode" in m and "external, in_tree" in m for m in msgs), msgs
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert not os.path.exists(nodes)


def test_the_kubelet_is_restarted_once_when_its_flags_or_vsphere_conf_change_and_not_on_a_re_run(playbook, tmp_path):
    root = tmp_path / "nodes"
    restarts = root / "k8s-worker-1" / "kubelet-restarts"

    def run(check=False, **role_vars):
        # The lab inventory's restart command appends a line to <node root>/kubelet-restarts.
        return playbook(role_play("node_config", hosts="k8s-worker-1", **role_vars), inventory=INVENTORY,
                        check=check, extra_vars={"node_config_root": str(root) + "/{{ inventory_hostname }}"})

    def count():
        return len(restarts.read_text().splitlines()) if restarts.exists() else 0

    in_tree = dict(node_config_mode="in_tree", node_config_vsphere_config="{{ bootstrap_vsphere_config }}")
    # vsphere.conf and the flags both change: one restart.
    r = run(**in_tree)
    assert r.rc == 0, r
    assert count() == 1
    # Nothing changes: no restart.
    r = run(**in_tree)
    assert r.rc == 0 and r.all_stats["k8s-worker-1"]["changed"] == 0, r
    assert count() == 1
    # A change in check mode restarts nothing either.
    r = run(check=True, node_config_mode="external")
    assert r.rc == 0 and r.all_stats["k8s-worker-1"]["changed"] > 0, r
    assert count() == 1
    # The flags change (external mode): one more.
    r = run(node_config_mode="external")
    assert r.rc == 0, r
    assert count() == 2
    assert (root / "k8s-worker-1" / "etc/default/kubelet").read_text().strip() == \
        "KUBELET_EXTRA_ARGS=--cloud-provider=external"
    r = run(node_config_mode="external")
    assert r.rc == 0 and r.all_stats["k8s-worker-1"]["changed"] == 0, r
    assert count() == 2


def test_the_cloud_controller_refuses_a_config_without_its_credentials_secret_before_writing(playbook, audit_log):
    cfg = {"vcenters": [{"server": os.environ["VMWARE_HOST"], "user": "u", "password": "p", "datacenters": ["X"]}]}
    r = playbook(role_play("cloud_controller", cloud_controller_vsphere_config=cfg))
    assert r.rc != 0, r
    assert any("credentials: secret with secret_name and secret_namespace" in m for m in failed_msgs(r)), r
    assert audit_writes(audit_log.entries()) == []
