"""The CSI driver and cloud controller objects the roles install, held to upstream's release manifests.

For every release in meta/releases.yml the role's objects are rendered (the role's own task files, with the
release pinned) and compared with the facts extracted from that release's tag (meta/upstream/): objects, RBAC rules
(exactly: no rule dropped, none added), bindings, feature-state keys, Service, and for every workload its pod spec
and each container's image, command, args, env, mounts, ports, probe, pull policy and security context. A dropped
rule, container, arg or probe in any release fails here.
"""

import json
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELEASES = yaml.safe_load(open(os.path.join(ROOT, "meta", "releases.yml")))
IMAGE_OF = {"csi-attacher": "attacher", "csi-resizer": "resizer", "vsphere-csi-controller": "driver",
            "vsphere-csi-node": "driver", "liveness-probe": "liveness", "vsphere-syncer": "syncer",
            "csi-provisioner": "provisioner", "csi-snapshotter": "snapshotter", "node-driver-registrar": "registrar"}


def facts(path):
    with open(os.path.join(ROOT, "meta", "upstream", path)) as f:
        return yaml.safe_load(f)


def rule_set(rules):
    return {(g, r, v) for rule in rules for g in rule.get("apiGroups", []) for r in rule.get("resources", [])
            for v in rule.get("verbs", [])}


def env_of(container):
    out = set()
    for e in container.get("env") or []:
        ref = e.get("valueFrom")
        if ref:
            ref = ref.get("fieldRef")
            ref = ref.get("fieldPath") if isinstance(ref, dict) else ref
        out.add((e["name"], e.get("value"), ref))
    return out


def probe_of(container):
    p = container.get("livenessProbe")
    if not p or p.get("present") is False:
        return None
    if "present" in p:  # the facts' flattened form
        return {k: v for k, v in p.items() if k not in ("present",)}
    out = {k: v for k, v in p.items() if k not in ("httpGet", "exec")}
    if "httpGet" in p:
        out.update(type="httpGet", path=p["httpGet"]["path"], port=p["httpGet"]["port"])
    if "exec" in p:
        out.update(type="exec", command=p["exec"]["command"])
    return out


def mounts_of(container):
    return sorted(json.dumps(m, sort_keys=True) for m in container.get("volumeMounts") or [])


def compare_container(ours, theirs, image):
    where = "container %s" % theirs["name"]
    problems = []
    if ours.get("image") != image:
        problems.append("%s: image %s, release says %s" % (where, ours.get("image"), image))
    if sorted(ours.get("args") or []) != sorted(theirs.get("args") or []):
        problems.append("%s: args %s, upstream %s" % (where, ours.get("args"), theirs.get("args")))
    if (ours.get("command") or None) != (theirs.get("command") or None):
        problems.append("%s: command %s, upstream %s" % (where, ours.get("command"), theirs.get("command")))
    if env_of(ours) != env_of(theirs):
        problems.append("%s: env differs: ours only %s, upstream only %s" % (
            where, sorted(env_of(ours) - env_of(theirs)), sorted(env_of(theirs) - env_of(ours))))
    if mounts_of(ours) != mounts_of(theirs):
        problems.append("%s: volumeMounts %s, upstream %s" % (where, mounts_of(ours), mounts_of(theirs)))
    if sorted(json.dumps(p, sort_keys=True) for p in ours.get("ports") or []) != \
            sorted(json.dumps(p, sort_keys=True) for p in theirs.get("ports") or []):
        problems.append("%s: ports %s, upstream %s" % (where, ours.get("ports"), theirs.get("ports")))
    if probe_of(ours) != probe_of(theirs):
        problems.append("%s: livenessProbe %s, upstream %s" % (where, probe_of(ours), probe_of(theirs)))
    if (ours.get("securityContext") or None) != (theirs.get("securityContext") or None):
        problems.append("%s: securityContext %s, upstream %s" % (where, ours.get("securityContext"),
                                                                 theirs.get("securityContext")))
    if ours.get("imagePullPolicy") != theirs.get("imagePullPolicy"):
        problems.append("%s: imagePullPolicy %s, upstream %s" % (where, ours.get("imagePullPolicy"),
                                                                 theirs.get("imagePullPolicy")))
    return problems


POD_KEYS = ("serviceAccountName", "priorityClassName", "dnsPolicy", "nodeSelector", "tolerations", "affinity",
            "securityContext", "volumes")


def compare_workload(ours, theirs, image_for):
    where = "%s %s" % (theirs["kind"], theirs["name"])
    spec = ours["spec"]
    pod = spec["template"]["spec"]
    problems = []
    for key in POD_KEYS:
        if (pod.get(key) or None) != (theirs["pod"].get(key) or None):
            problems.append("%s: pod %s %s, upstream %s" % (where, key, pod.get(key), theirs["pod"].get(key)))
    if bool(pod.get("hostNetwork")) != bool(theirs["pod"].get("hostNetwork")):
        problems.append("%s: hostNetwork differs" % where)
    if spec["selector"]["matchLabels"] != theirs["selector"]:
        problems.append("%s: selector differs" % where)
    if spec["template"]["metadata"]["labels"] != theirs["template_labels"]:
        problems.append("%s: pod labels differ" % where)
    for key in ("replicas", "strategy", "updateStrategy"):
        if key in theirs and spec.get(key) != theirs[key]:
            problems.append("%s: %s %s, upstream %s" % (where, key, spec.get(key), theirs[key]))
    containers = {c["name"]: c for c in pod["containers"]}
    if sorted(containers) != sorted(c["name"] for c in theirs["containers"]):
        problems.append("%s: containers %s, upstream %s" % (where, sorted(containers),
                                                            sorted(c["name"] for c in theirs["containers"])))
    for c in theirs["containers"]:
        if c["name"] in containers:
            problems += compare_container(containers[c["name"]], c, image_for(c))
    return problems


def compare(objects, upstream, image_for, feature_state_keys=None):
    """Every difference between our objects and upstream's facts, in words (empty when equivalent)."""
    ours = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    problems = ["%s %s is missing" % (o["kind"], o["name"]) for o in upstream["objects"]
                if (o["kind"], o["name"]) not in ours]
    for r in upstream.get("roles") or []:
        mine = ours.get((r["kind"], r["name"]))
        if mine and rule_set(mine["rules"]) != rule_set(r["rules"]):
            problems.append("%s %s: rules ours only %s, upstream only %s" % (
                r["kind"], r["name"], sorted(rule_set(mine["rules"]) - rule_set(r["rules"])),
                sorted(rule_set(r["rules"]) - rule_set(mine["rules"]))))
    for b in upstream.get("bindings") or []:
        mine = ours.get((b["kind"], b["name"]))
        if mine and (mine["roleRef"] != b["roleRef"] or
                     sorted(json.dumps({k: v for k, v in s.items() if k != "apiGroup" or v}, sort_keys=True)
                            for s in mine["subjects"]) !=
                     sorted(json.dumps({k: v for k, v in s.items() if k != "apiGroup" or v}, sort_keys=True)
                            for s in b["subjects"])):
            problems.append("%s %s: roleRef or subjects differ" % (b["kind"], b["name"]))
    for s in upstream.get("services") or []:
        mine = ours.get(("Service", s["name"]))
        if mine and (mine["spec"]["ports"] != s["ports"] or mine["spec"]["selector"] != s["selector"]):
            problems.append("Service %s: ports or selector differ" % s["name"])
    if upstream.get("csidriver"):
        mine = ours.get(("CSIDriver", upstream["csidriver"]["name"]))
        if mine and mine["spec"] != upstream["csidriver"]["spec"]:
            problems.append("CSIDriver spec differs")
    if feature_state_keys is not None:
        mine = ours.get(("ConfigMap", upstream["feature_states"]["name"]))
        theirs = sorted(upstream["feature_states"]["keys"])
        if mine and sorted(mine["data"]) != theirs:
            problems.append("feature states: ours %s, upstream %s" % (sorted(mine["data"]), theirs))
    for w in upstream["workloads"]:
        mine = ours.get((w["kind"], w["name"]))
        if mine:
            problems += compare_workload(mine, w, image_for)
    return problems


def render_csi(playbook, tags, extra=None):
    plays = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "release %s" % tag, "ansible.builtin.include_role": {
            "name": "vsphere_k8s.cloud_provider.csi_driver", "tasks_from": "release.yml"},
         "vars": dict({"csi_driver_version": tag, "csi_driver_kubernetes_version": "v%s.0" % RELEASES["csi"][tag]
                       ["kubernetes"][1]}, **(extra or {}))},
        {"name": "objects %s" % tag, "ansible.builtin.include_role": {
            "name": "vsphere_k8s.cloud_provider.csi_driver", "tasks_from": "objects.yml"}, "vars": extra or {}},
        {"name": "show %s" % tag, "ansible.builtin.debug": {"var": "csi_driver__objects"}}]} for tag in tags]
    r = playbook(plays)
    assert r.rc == 0, r
    return {tag: r["show %s" % tag]["csi_driver__objects"] for tag in tags}


@pytest.mark.parametrize("tag", sorted(RELEASES["csi"]))
def test_the_csi_objects_of_every_release_are_equivalent_to_upstream_manifest_of_that_release(playbook, tag):
    release = RELEASES["csi"][tag]
    upstream = facts(release["manifest"])
    objects = render_csi(playbook, [tag])[tag]
    images = release["images"]
    problems = compare(objects, upstream, lambda c: images[IMAGE_OF[c["name"]]], feature_state_keys=True)
    assert problems == [], "\n".join(problems)
    # The release's own images are upstream's (the v3.8.0 driver and syncer come from the release notes).
    for c_image in upstream["images"].values():
        name, version = c_image.rsplit("/", 1)[-1].split(":")
        ours = [i for i in images.values() if i.rsplit("/", 1)[-1].split(":")[0] == name]
        assert ours, c_image
        if "-rc." not in version:
            assert c_image in images.values(), c_image


def test_a_dropped_rule_arg_probe_or_container_is_caught(playbook):
    tag = "v3.7.3"
    upstream = facts(RELEASES["csi"][tag]["manifest"])
    objects = render_csi(playbook, [tag])[tag]
    images = RELEASES["csi"][tag]["images"]

    def image_for(container):
        return images[IMAGE_OF[container["name"]]]

    controller = next(o for o in objects if o["kind"] == "Deployment")
    role = next(o for o in objects if o["kind"] == "ClusterRole")
    cases = []
    import copy
    for mutate in (lambda c, r: r["rules"].pop(),
                   lambda c, r: c["spec"]["template"]["spec"]["containers"][0]["args"].pop(),
                   lambda c, r: c["spec"]["template"]["spec"]["containers"][2].pop("livenessProbe"),
                   lambda c, r: c["spec"]["template"]["spec"]["containers"].pop()):
        objs = copy.deepcopy(objects)
        c = next(o for o in objs if o["kind"] == "Deployment")
        r = next(o for o in objs if o["kind"] == "ClusterRole")
        mutate(c, r)
        cases.append(compare(objs, upstream, image_for))
    assert all(cases), cases
    assert controller and role


def test_topology_snapshots_windows_and_replicas_are_options(playbook):
    objects = render_csi(playbook, ["v3.7.3"], {"csi_driver_topology": True, "csi_driver_snapshots": False,
                                                "csi_driver_windows": False, "csi_driver_controller_replicas": 1})
    objs = objects["v3.7.3"]
    assert not [o for o in objs if o["metadata"]["name"] == "vsphere-csi-node-windows"]
    controller = next(o for o in objs if o["kind"] == "Deployment")
    assert controller["spec"]["replicas"] == 1
    names = [c["name"] for c in controller["spec"]["template"]["spec"]["containers"]]
    assert "csi-snapshotter" not in names
    prov = next(c for c in controller["spec"]["template"]["spec"]["containers"] if c["name"] == "csi-provisioner")
    assert "--feature-gates=Topology=true" in prov["args"] and "--strict-topology" in prov["args"]


def test_an_image_registry_relocates_every_image_and_a_pin_wins(playbook):
    objs = render_csi(playbook, ["v3.7.3"], {"csi_driver_image_registry": "mirror.local:5000/k8s",
                                             "csi_driver_images": {"syncer": "other.local/syncer:v9"}})["v3.7.3"]
    images = {c["image"] for o in objs if o["kind"] in ("Deployment", "DaemonSet")
              for c in o["spec"]["template"]["spec"]["containers"]}
    assert "other.local/syncer:v9" in images
    assert all(i.startswith("mirror.local:5000/k8s/") for i in images - {"other.local/syncer:v9"}), images
    assert "mirror.local:5000/k8s/sig-storage/csi-attacher:v4.9.0" in images


def render_cpi(playbook, tags):
    plays = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "release %s" % tag, "ansible.builtin.include_role": {
            "name": "vsphere_k8s.cloud_provider.cloud_controller", "tasks_from": "release.yml", "public": True},
         "vars": {"cloud_controller_version": tag,
                  "cloud_controller_kubernetes_version": "v%s.0" % RELEASES["cpi"][tag]["kubernetes"]}},
        {"name": "show %s" % tag, "ansible.builtin.debug": {"var": "cloud_controller__objects"}}]} for tag in tags]
    r = playbook(plays, extra_vars={"cloud_controller_namespace": "kube-system"})
    assert r.rc == 0, r
    return {tag: r["show %s" % tag]["cloud_controller__objects"] for tag in tags}


@pytest.mark.parametrize("tag", sorted(RELEASES["cpi"]))
def test_the_cloud_controller_objects_of_every_release_are_equivalent_to_upstream_manifest(playbook, tag):
    upstream = facts("cpi/%s.yml" % tag)
    objects = render_cpi(playbook, [tag])[tag]
    # The config and its Secret are written by the cloud_config module, not as manifest objects.
    upstream = dict(upstream, objects=[o for o in upstream["objects"] if o["kind"] not in ("ConfigMap", "Secret")])
    problems = compare(objects, upstream, lambda c: RELEASES["cpi"][tag]["image"])
    assert problems == [], "\n".join(problems)
    assert RELEASES["cpi"][tag]["image"] in upstream["images"].values()


def test_the_release_table_names_for_every_minor_the_cpi_of_that_minor_and_a_csi_release_supporting_it():
    for minor, pick in RELEASES["kubernetes"].items():
        assert RELEASES["cpi"][pick["cpi"]]["kubernetes"] == minor
        low, high = RELEASES["csi"][pick["csi"]]["kubernetes"]
        assert tuple(map(int, low.split("."))) <= tuple(map(int, minor.split("."))) <= \
            tuple(map(int, high.split(".")))
    upstream = facts("versions.yml")
    for minor, pick in RELEASES["kubernetes"].items():
        assert upstream["kubernetes"][minor]["cpi"]["tag"] == pick["cpi"]
    for tag, release in RELEASES["csi"].items():
        line = upstream["csi_lines"]["v" + release["line"]]
        assert [line["kubernetes_min"], line["kubernetes_max"]] == release["kubernetes"]
