"""Extract upstream facts (CPI and CSI release manifests) into meta/upstream/*.yml.

This is a maintainer's tool, not used at runtime: the roles and tests read only its
YAML output. It reads two git snapshots (bare repositories with their tags) and writes:

  meta/upstream/versions.yml        Kubernetes minor -> CPI release and CSI release(s)
  meta/upstream/csi/<tag>.yml       facts of manifests/vanilla/vsphere-csi-driver.yaml at <tag>
  meta/upstream/cpi/<tag>.yml       facts of releases/v1.NN/vsphere-cloud-controller-manager.yaml at <tag>

How it was run (2026-08 snapshots, fetched with the project's snapshot tool):

  .venv/bin/python meta/upstream/extract.py \\
      --csi-git /work/.mirror/kubernetes-sigs+vsphere-csi-driver/repo \\
      --cpi-git /work/.mirror/kubernetes+cloud-provider-vsphere/repo \\
      --out meta/upstream

Any clone of github.com/kubernetes-sigs/vsphere-csi-driver and
github.com/kubernetes/cloud-provider-vsphere with tags works (pass the .git directory).
The output is deterministic for the same snapshots; re-run it when upstream tags a release
and review the diff.

What comes from where:
  * CPI: one release line per Kubernetes minor (README.md "Compatibility with Kubernetes",
    checked at the line's tag). The line's newest patch tag vX.Y.Z present in the snapshot is
    chosen; its own copy of releases/v1.NN/vsphere-cloud-controller-manager.yaml is read.
  * CSI: the supported Kubernetes range of each release line comes from upstream's release
    notes ("Recommended Kubernetes Versions", see CSI_LINES below); the maximum is verified
    against the k8s.io/kubernetes version in the tag's go.mod. The newest patch tag of each
    line present in the snapshot is chosen; pre-release tags (-rc.N) are used only when a line
    has no final tag, and are marked prerelease: true.
"""

import argparse
import os
import re
import subprocess
import sys

import yaml

KUBERNETES_MINORS = ["1.32", "1.33", "1.34", "1.35", "1.36"]

CSI_REPO = "kubernetes-sigs/vsphere-csi-driver"
CPI_REPO = "kubernetes/cloud-provider-vsphere"
CSI_MANIFEST = "manifests/vanilla/vsphere-csi-driver.yaml"
CSI_NAMESPACE_MANIFEST = "manifests/vanilla/namespace.yaml"
CPI_MANIFEST = "releases/v{minor}/vsphere-cloud-controller-manager.yaml"

# Supported Kubernetes range of each CSI release line, from upstream's release notes
# (GitHub release pages of kubernetes-sigs/vsphere-csi-driver, "Recommended Kubernetes
# Versions: Minimum, Maximum"). Maximum is re-checked against go.mod below.
CSI_LINES = {
    "v3.5": {"min": "1.31", "max": "1.33", "doc": "release notes v3.5.0 (Recommended Kubernetes Versions)"},
    "v3.6": {"min": "1.32", "max": "1.34", "doc": "release notes v3.6.0 (Recommended Kubernetes Versions)"},
    "v3.7": {"min": "1.33", "max": "1.35", "doc": "release notes v3.7.0 (Recommended Kubernetes Versions)"},
    "v3.8": {"min": "1.34", "max": "1.36", "doc": "release notes v3.8.0 (Recommended Kubernetes Versions:"
                                                  " Minimum 1.34, Maximum 1.36)"},
}

# Sidecar versions upstream's v3.8.0 release notes list; the snapshot has only v3.8.0-rc.1,
# whose manifest is compared with them (recorded in versions.yml, not asserted).
CSI_V380_RELEASE_NOTES_SIDECARS = {
    "csi-provisioner": "v4.0.1", "csi-attacher": "v4.10.0", "csi-resizer": "v2.0.0",
    "livenessprobe": "v2.17.0", "csi-node-driver-registrar": "v2.14.0", "csi-snapshotter": "v8.4.0",
}

# Tags extracted besides the matrix's: what the collection pins today.
CSI_EXTRA_TAGS = ["v3.5.0"]
CPI_EXTRA_TAGS = ["v1.33.0"]

FEATURE_STATES = "internal-feature-states.csi.vsphere.vmware.com"


# ----------------------------------------------------------------------------- git helpers

def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir] + list(args), check=True,
                          capture_output=True, text=True).stdout


def show(gitdir, ref, path):
    return git(gitdir, "show", "%s:%s" % (ref, path))


def exists(gitdir, ref, path):
    return subprocess.run(["git", "--git-dir", gitdir, "cat-file", "-e", "%s:%s" % (ref, path)],
                          capture_output=True, check=False).returncode == 0


def commit_of(gitdir, ref):
    return git(gitdir, "rev-parse", ref + "^{commit}").strip()


def tags(gitdir):
    return git(gitdir, "tag").split()


SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(?:-(alpha|beta|rc)\.(\d+))?$")
PRE_ORDER = {"alpha": 0, "beta": 1, "rc": 2, None: 3}


def version_key(tag):
    m = SEMVER.match(tag)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), PRE_ORDER[m.group(4)], int(m.group(5) or 0))


def newest_of_line(all_tags, line):
    """Newest final tag of a line 'vX.Y'; the newest pre-release when there is no final one."""
    major, minor = line[1:].split(".")
    ours = [t for t in all_tags if SEMVER.match(t) and t.startswith("v%s.%s." % (major, minor))
            and SEMVER.match(t).group(1) == major and SEMVER.match(t).group(2) == minor]
    final = sorted((t for t in ours if SEMVER.match(t).group(4) is None), key=version_key)
    if final:
        return final[-1], False
    pre = sorted(ours, key=version_key)
    return (pre[-1], True) if pre else (None, None)


# ----------------------------------------------------------------------------- extraction

def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def image_tag(image):
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def probe(p):
    if not p:
        return {"present": False}
    out = {"present": True}
    if "httpGet" in p:
        out["type"] = "httpGet"
        out["path"] = p["httpGet"].get("path")
        out["port"] = p["httpGet"].get("port")
    elif "exec" in p:
        out["type"] = "exec"
        out["command"] = list(p["exec"].get("command", []))
    elif "tcpSocket" in p:
        out["type"] = "tcpSocket"
        out["port"] = p["tcpSocket"].get("port")
    elif "grpc" in p:
        out["type"] = "grpc"
        out["port"] = p["grpc"].get("port")
    for k in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "failureThreshold", "successThreshold"):
        if k in p:
            out[k] = p[k]
    return out


def env_entry(e):
    out = {"name": e["name"]}
    if "value" in e:
        out["value"] = str(e["value"])
    elif "valueFrom" in e:
        vf = e["valueFrom"]
        if "fieldRef" in vf:
            out["valueFrom"] = {"fieldRef": vf["fieldRef"]["fieldPath"]}
        else:
            out["valueFrom"] = vf
    return out


def container(c):
    out = {"name": c["name"], "image": c["image"], "image_tag": image_tag(c["image"])}
    for k in ("command", "args"):
        if k in c:
            out[k] = [str(a) for a in c[k]]
    if "imagePullPolicy" in c:
        out["imagePullPolicy"] = c["imagePullPolicy"]
    out["env"] = [env_entry(e) for e in c.get("env", [])]
    out["env_names"] = [e["name"] for e in c.get("env", [])]
    mounts = []
    for m in c.get("volumeMounts", []):
        mm = {"name": m["name"], "mountPath": m["mountPath"]}
        for k in ("readOnly", "mountPropagation", "subPath"):
            if k in m:
                mm[k] = m[k]
        mounts.append(mm)
    out["volumeMounts"] = mounts
    out["ports"] = [dict(p) for p in c.get("ports", [])]
    out["livenessProbe"] = probe(c.get("livenessProbe"))
    if "readinessProbe" in c:
        out["readinessProbe"] = probe(c["readinessProbe"])
    out["securityContext"] = c.get("securityContext")
    if "resources" in c:
        out["resources"] = c["resources"]
    return out


def workload(doc):
    spec = doc["spec"]
    pod = spec["template"]["spec"]
    out = {
        "kind": doc["kind"],
        "name": doc["metadata"]["name"],
        "namespace": doc["metadata"].get("namespace"),
        "labels": doc["metadata"].get("labels"),
        "selector": spec.get("selector", {}).get("matchLabels"),
        "template_labels": spec["template"].get("metadata", {}).get("labels"),
    }
    if doc["kind"] == "Deployment":
        out["replicas"] = spec.get("replicas")
        out["strategy"] = spec.get("strategy")
    else:
        out["updateStrategy"] = spec.get("updateStrategy")
    out["pod"] = {
        "serviceAccountName": pod.get("serviceAccountName"),
        "priorityClassName": pod.get("priorityClassName"),
        "hostNetwork": pod.get("hostNetwork", False),
        "dnsPolicy": pod.get("dnsPolicy"),
        "nodeSelector": pod.get("nodeSelector"),
        "tolerations": pod.get("tolerations", []),
        "affinity": pod.get("affinity"),
        "securityContext": pod.get("securityContext"),
        "volumes": pod.get("volumes", []),
    }
    out["initContainers"] = [container(c) for c in pod.get("initContainers", [])]
    out["containers"] = [container(c) for c in pod["containers"]]
    return out


def rules(rs):
    out = []
    for r in rs or []:
        rule = {"apiGroups": list(r.get("apiGroups", [])), "resources": list(r.get("resources", [])),
                "verbs": list(r.get("verbs", []))}
        if "resourceNames" in r:
            rule["resourceNames"] = list(r["resourceNames"])
        if "nonResourceURLs" in r:
            rule["nonResourceURLs"] = list(r["nonResourceURLs"])
        out.append(rule)
    return out


def extract_objects(docs_by_file):
    """Common facts of a list of (file, document)."""
    out = {"objects": [], "roles": [], "bindings": [], "configmaps": [], "secrets": [], "services": [],
           "workloads": []}
    for fname, d in docs_by_file:
        kind, meta = d["kind"], d.get("metadata", {})
        out["objects"].append({"kind": kind, "apiVersion": d.get("apiVersion"), "name": meta.get("name"),
                               "namespace": meta.get("namespace"), "file": fname})
        if kind in ("ClusterRole", "Role"):
            out["roles"].append({"kind": kind, "name": meta["name"], "namespace": meta.get("namespace"),
                                 "rules": rules(d.get("rules"))})
        elif kind in ("ClusterRoleBinding", "RoleBinding"):
            out["bindings"].append({"kind": kind, "name": meta["name"], "namespace": meta.get("namespace"),
                                    "roleRef": d["roleRef"], "subjects": d.get("subjects", [])})
        elif kind == "ConfigMap":
            out["configmaps"].append({"name": meta["name"], "namespace": meta.get("namespace"),
                                      "keys": sorted((d.get("data") or {}).keys()),
                                      "data": {k: str(v) for k, v in (d.get("data") or {}).items()}})
        elif kind == "Secret":
            data = d.get("stringData") or d.get("data") or {}
            out["secrets"].append({"name": meta["name"], "namespace": meta.get("namespace"),
                                   "example_keys": sorted(data.keys())})
        elif kind == "Service":
            s = d["spec"]
            out["services"].append({"name": meta["name"], "namespace": meta.get("namespace"),
                                    "labels": meta.get("labels"), "type": s.get("type", "ClusterIP"),
                                    "selector": s.get("selector"), "ports": s.get("ports", [])})
        elif kind in ("Deployment", "DaemonSet", "StatefulSet"):
            out["workloads"].append(workload(d))
    return out


def images_of(facts):
    images = {}
    for w in facts["workloads"]:
        for c in w["initContainers"] + w["containers"]:
            images["%s/%s" % (w["name"], c["name"])] = c["image"]
    return images


def csi_facts(gitdir, tag, prerelease):
    docs = [(CSI_MANIFEST, d) for d in load_docs(show(gitdir, tag, CSI_MANIFEST))]
    files = [CSI_MANIFEST]
    if exists(gitdir, tag, CSI_NAMESPACE_MANIFEST):
        docs = [(CSI_NAMESPACE_MANIFEST, d) for d in load_docs(show(gitdir, tag, CSI_NAMESPACE_MANIFEST))] + docs
        files.insert(0, CSI_NAMESPACE_MANIFEST)
    facts = extract_objects(docs)
    out = {"source": {"repo": CSI_REPO, "tag": tag, "commit": commit_of(gitdir, tag), "file": CSI_MANIFEST,
                      "files": files},
           "prerelease": prerelease}
    drivers = [d for f, d in docs if d["kind"] == "CSIDriver"]
    out["csidriver"] = {"name": drivers[0]["metadata"]["name"], "spec": drivers[0]["spec"]} if drivers else None
    fss = [c for c in facts["configmaps"] if c["name"] == FEATURE_STATES]
    out["feature_states"] = ({"name": fss[0]["name"], "namespace": fss[0]["namespace"], "keys": fss[0]["keys"],
                              "data": fss[0]["data"]} if fss else None)
    out["images"] = images_of(facts)
    out["go_mod_kubernetes"] = go_mod_kubernetes(gitdir, tag)
    out.update(facts)
    return out


def cpi_facts(gitdir, tag, minor):
    path = CPI_MANIFEST.format(minor=minor)
    docs = [(path, d) for d in load_docs(show(gitdir, tag, path))]
    facts = extract_objects(docs)
    out = {"source": {"repo": CPI_REPO, "tag": tag, "commit": commit_of(gitdir, tag), "file": path},
           "kubernetes_minor": minor}
    out["images"] = images_of(facts)
    # The Secret and ConfigMap of the release manifest are examples to be edited.
    for c in facts["configmaps"]:
        c["example"] = True
        if "vsphere.conf" in c["data"]:
            c["data"] = {"vsphere.conf": "<example configuration; not extracted>"}
    for s in facts["secrets"]:
        s["example"] = True
    out.update(facts)
    return out


def go_mod_kubernetes(gitdir, tag):
    m = re.search(r"^\s*k8s\.io/kubernetes\s+(v\S+)\s*$", show(gitdir, tag, "go.mod"), re.M)
    return m.group(1) if m else None


def cpi_readme_supports(gitdir, tag, minor):
    """True when README.md at tag has the compatibility row 'v1.NN.X | v1.NN.X | release-1.NN'."""
    text = show(gitdir, tag, "README.md")
    pat = r"\|\s*v%s\.X\s*\|\s*v%s\.X\s*\|\s*release-%s\s*\|" % ((re.escape(minor),) * 3)
    return re.search(pat, text) is not None


# ----------------------------------------------------------------------------- output

class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _repr_list(dumper, data):
    scalars = all(isinstance(x, (str, int, float, bool)) or x is None for x in data)
    flow = scalars and sum(len(str(x)) + 2 for x in data) <= 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


Dumper.add_representer(list, _repr_list)


def write(path, data, header):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# " + header + "\n# Generated by meta/upstream/extract.py; do not edit by hand.\n")
        yaml.dump(data, f, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=120,
                  allow_unicode=True)


def sidecars(images):
    out = {}
    for key, image in images.items():
        repo = image.rsplit(":", 1)[0].rsplit("/", 1)[-1]
        out.setdefault(repo, image_tag(image))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    ap.add_argument("--csi-git", required=True)
    ap.add_argument("--cpi-git", required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args(argv)

    csi_tags, cpi_tags = tags(a.csi_git), tags(a.cpi_git)
    problems = []

    # CSI lines
    lines = {}
    for line, sup in CSI_LINES.items():
        tag, pre = newest_of_line(csi_tags, line)
        if tag is None:
            problems.append("CSI line %s has no tag in the snapshot" % line)
            continue
        gomod = go_mod_kubernetes(a.csi_git, tag)
        gomod_minor = ".".join(gomod.lstrip("v").split(".")[:2]) if gomod else None
        if gomod_minor != sup["max"]:
            problems.append("CSI %s: go.mod k8s.io/kubernetes %s, release notes say max %s" % (tag, gomod, sup["max"]))
        lines[line] = {"kubernetes_min": sup["min"], "kubernetes_max": sup["max"], "newest_tag": tag,
                       "prerelease": pre, "go_mod_kubernetes": gomod,
                       "source": {"doc": "%s: %s" % (CSI_REPO, sup["doc"]),
                                  "verified_max": {"repo": CSI_REPO, "tag": tag, "file": "go.mod"}}}
    csi_wanted = {}
    for line, info in lines.items():
        csi_wanted[info["newest_tag"]] = info["prerelease"]
    for t in CSI_EXTRA_TAGS:
        csi_wanted.setdefault(t, False)

    csi_out = {}
    for tag, pre in sorted(csi_wanted.items(), key=lambda kv: version_key(kv[0])):
        facts = csi_facts(a.csi_git, tag, pre)
        csi_out[tag] = facts
        write(os.path.join(a.out, "csi", tag + ".yml"), facts,
              "Facts of %s %s at tag %s." % (CSI_REPO, CSI_MANIFEST, tag))

    # CPI lines
    cpi_out = {}
    cpi_line_tag = {}
    for minor in KUBERNETES_MINORS:
        tag, pre = newest_of_line(cpi_tags, "v" + minor)
        if tag is None or pre:
            problems.append("CPI line v%s has no final tag in the snapshot" % minor)
            continue
        cpi_line_tag[minor] = tag
    extra = [(".".join(t.lstrip("v").split(".")[:2]), t) for t in CPI_EXTRA_TAGS]
    for minor, tag in list(cpi_line_tag.items()) + extra:
        if tag in cpi_out:
            continue
        facts = cpi_facts(a.cpi_git, tag, minor)
        if not cpi_readme_supports(a.cpi_git, tag, minor):
            problems.append("CPI %s: README.md compatibility table has no row for v%s" % (tag, minor))
        cpi_out[tag] = facts
        write(os.path.join(a.out, "cpi", tag + ".yml"), facts,
              "Facts of %s %s at tag %s." % (CPI_REPO, facts["source"]["file"], tag))

    # Matrix
    matrix = {}
    for minor in KUBERNETES_MINORS:
        entry = {}
        tag = cpi_line_tag.get(minor)
        if tag:
            f = cpi_out[tag]
            image = f["images"]["vsphere-cloud-controller-manager/vsphere-cloud-controller-manager"]
            entry["cpi"] = {
                "tag": tag, "image": image, "image_tag": image_tag(image), "file": "cpi/%s.yml" % tag,
                "source": {"repo": CPI_REPO, "tag": tag, "file": f["source"]["file"]},
                "support_source": {"repo": CPI_REPO, "tag": tag,
                                   "file": "README.md (Compatibility with Kubernetes: v%s.X -> release-%s)"
                                           % (minor, minor)},
            }
        supporting = [line for line, info in lines.items()
                      if version_key("v%s.0" % info["kubernetes_min"]) <= version_key("v%s.0" % minor)
                      <= version_key("v%s.0" % info["kubernetes_max"])]
        supporting.sort(key=lambda ln: version_key(ln + ".0"), reverse=True)
        releases = []
        for line in supporting:
            t = lines[line]["newest_tag"]
            f = csi_out[t]
            releases.append({
                "tag": t, "line": line, "prerelease": lines[line]["prerelease"], "file": "csi/%s.yml" % t,
                "kubernetes_range": [lines[line]["kubernetes_min"], lines[line]["kubernetes_max"]],
                "images": sidecars(f["images"]),
                "image_repos": sorted({i.rsplit(":", 1)[0] for i in f["images"].values()}),
                "source": {"repo": CSI_REPO, "tag": t, "file": CSI_MANIFEST},
                "support_source": lines[line]["source"]["doc"],
            })
        final = [r for r in releases if not r["prerelease"]]
        recommended = final[0] if final else (releases[0] if releases else None)
        entry["csi"] = {
            "recommended": recommended["tag"] if recommended else None,
            "recommended_is_prerelease": bool(recommended and recommended["prerelease"]),
            "newest_supporting_line": supporting[0] if supporting else None,
            "releases": releases,
        }
        if releases and releases[0]["prerelease"]:
            entry["csi"]["note"] = (
                "The newest line supporting %s is %s; the snapshot has only its pre-release %s (images from the "
                "staging registry). Upstream's release notes announce %s.0 (Minimum 1.34, Maximum 1.36); "
                "re-run extract.py once its tag is in the snapshot."
                % (minor, supporting[0], releases[0]["tag"], supporting[0]))
        matrix[minor] = entry

    rc1 = csi_out.get("v3.8.0-rc.1")
    v380_check = None
    if rc1:
        got = sidecars(rc1["images"])
        v380_check = {
            "release_notes_sidecars": CSI_V380_RELEASE_NOTES_SIDECARS,
            "rc1_manifest_sidecars_equal": all(got.get(k) == v for k, v in CSI_V380_RELEASE_NOTES_SIDECARS.items()),
            "source": {"repo": CSI_REPO, "doc": "release notes v3.8.0 (Supported Sidecar Container Versions)",
                       "compared_with": {"tag": "v3.8.0-rc.1", "file": CSI_MANIFEST}},
        }

    versions = {
        "snapshots": {
            "csi": {"repo": CSI_REPO, "head": commit_of(a.csi_git, "HEAD")},
            "cpi": {"repo": CPI_REPO, "head": commit_of(a.cpi_git, "HEAD")},
        },
        "cpi_policy": {"rule": "only the CPI minor equal to the Kubernetes minor is supported",
                       "source": {"repo": CPI_REPO, "tag": cpi_line_tag.get(KUBERNETES_MINORS[-1]),
                                  "file": "README.md (Compatibility with Kubernetes)"}},
        "csi_lines": lines,
        "csi_v3_8_0_release_notes": v380_check,
        "kubernetes": matrix,
        "extra_tags": {"csi": CSI_EXTRA_TAGS, "cpi": CPI_EXTRA_TAGS,
                       "why": "pinned by the collection's roles today (csi_driver, cloud_controller)"},
        "problems": problems,
    }
    write(os.path.join(a.out, "versions.yml"), versions,
          "Kubernetes minor -> CPI and CSI releases upstream supports, with the source of each fact.")
    for p in problems:
        print("WARNING: " + p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
