"""Every file cloud_config writes, read back by the upstream parsers themselves (lab/go/parsers: the out-of-tree
provider v1.36.0, the CSI driver v3.7.0, the last in-tree provider v0.29.15): for a matrix of hard values, every
value the parser reads equals the one given - passwords with quotes, backslashes, comment and key characters,
backticks, spaces at the ends, non-ASCII and emoji; several vCenters; IPv6; non-default ports; thumbprints; CA
files; and the credentials Secret as the out-of-tree provider's credential manager reads it."""

import base64
import json
import os
import subprocess

import kubernetes
import pytest

PASSWORDS = ['pa"ss', "back\\slash\\", "semi;colon", "hash#tag", "eq=ual", "back`tick", "  spaces at the ends  ",
             "ünïcødé-пароль", "emoji \U0001F600 \U0001F680", '"\\;#=` all of them ', "[Global]", "tab\tinside"]
DCS = ["DC 0", "Zürich DC", "folder/DC-1"]


@pytest.fixture(scope="module")
def parsers():
    path = os.environ.get("LAB_PARSERS")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("the parser program is not built (LAB_PARSERS=%r): run 'bash lab/lab.sh build' and "
                    "'source .lab/env'" % path)
    return path


def parse(parsers, mode, path):
    proc = subprocess.run([parsers, mode, str(path)], capture_output=True, text=True, timeout=60, check=False)
    out = json.loads(proc.stdout) if proc.stdout.strip() else {"error": proc.stderr[-2000:]}
    return proc.returncode, out


def vcenters(password, csi=False):
    """Three vCenters: a host name on a non-default port with a thumbprint, an IPv6 address with a CA file, an IPv4
    address that is insecure."""
    return [
        {"server": "vc1.example.com", "port": 8443, "user": "k8s-user@vsphere.local", "password": password,
         "datacenters": DCS[:2], "thumbprint": "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"},
        {"server": "fd00:10::1", "port": 10443, "user": "VSPHERE\\k8s_user" if csi else "admin ü@vsphere.local",
         "password": password[::-1], "datacenters": [DCS[2]], "ca_file": "/etc/ssl/vc two/ca bundle.pem",
         "insecure": False},
        {"server": "192.0.2.10", "user": "k8s.user@corp.example", "password": "x" + password, "datacenters": ["DC0"],
         "insecure": True, "soap_roundtrip_count": 7},
    ]


def cases():
    out = []
    for i, pw in enumerate(PASSWORDS):
        out.append(("cpi_ini-%d" % i, "cpi_ini", {
            "vcenters": vcenters(pw), "port": 9443, "insecure": True, "ca_file": "/etc/ssl/global ca.pem",
            "thumbprint": "01:02", "soap_roundtrip_count": 4, "ip_family": ["ipv4", "ipv6"],
            "api_disable": True, "api_binding": ":43009", "secrets_directory": "/etc/cloud/creds dir",
            "labels": {"zone": "k8s zone ü", "region": "k8s-region"},
            "nodes": {"internal_network_subnet_cidr": ["10.0.0.0/24", "fd00::/64"],
                      "external_vm_network_name": ["VM Network ü"],
                      "exclude_internal_network_subnet_cidr": ["10.0.0.1/32"]}}))
        out.append(("cpi_yaml-%d" % i, "cpi_yaml", dict(out[-1][2], vcenters=[
            dict(v, ip_family=["ipv6"]) if v["server"] == "fd00:10::1" else v for v in vcenters(pw)])))
        out.append(("csi-%d" % i, "csi", {
            "vcenters": [dict(v, target_vsan_file_share_clusters=["vsan 1", "vsan-2"]) if v["server"] == "vc1.example.com"
                         else v for v in vcenters(pw, csi=True)],
            "cluster_id": "cluster ü-%d" % i, "insecure": True, "ca_file": "/etc/ssl/global ca.pem",
            "thumbprint": "01:02",
            "csi": {"topology_categories": ["k8s-region", "k8s zone"], "query_limit": 500, "list_volume_threshold": 9,
                    "csi_auth_check_intervalinmin": 11, "cnsregistervolumes_cleanup_intervalinmin": 12,
                    "migration_datastore_url": "ds:///vmfs/volumes/abc/",
                    "topology_category_labels": [{"category": "k8s zone", "label": "topology.kubernetes.io/zone"}],
                    "net_permissions": [{"name": "net A", "ips": "10.0.0.0/8", "permissions": "READ_ONLY",
                                         "rootsquash": True}],
                    "snapshot": {"global_max_snapshots_per_block_volume": 4}}}))
        out.append(("csi-single-%d" % i, "csi", {
            "vcenters": [dict(vcenters(pw, csi=True)[1], insecure=None)], "thumbprint": "01:02",
            "labels": {"zone": "k8s-zone"}}))
        out.append(("in_tree-%d" % i, "in_tree", {
            "vcenters": [dict(v, insecure=None, ca_file=None) for v in vcenters(pw)], "insecure": False,
            "ca_file": "/etc/ssl/global ca.pem", "thumbprint": "01:02", "soap_roundtrip_count": 5, "port": 9443,
            "workspace": {"server": "fd00:10::1", "datacenter": DCS[2], "folder": "k8s/nodes ü",
                          "default_datastore": "DatastoreCluster/ds 1", "resourcepool_path": "zone a/Resources"},
            "disk": {"scsicontrollertype": "lsiLogic-sas"}, "network": {"public_network": "VM Network ü"},
            "labels": {"zone": "k8s zone", "region": "k8s-region"}}))
    return out


def resolved(cfg, vc, key, default=None):
    for v in (vc.get(key), cfg.get(key)):
        if v not in (None, ""):
            return v
    return default


def check_cpi(cfg, got, fmt):
    assert got["format"] == ("yaml" if fmt == "cpi_yaml" else "ini")
    conf, raw = got["config"], got["raw"]
    assert set(conf["VirtualCenter"]) == {v["server"] for v in cfg["vcenters"]}
    for vc in cfg["vcenters"]:
        read = conf["VirtualCenter"][vc["server"]]
        assert read["VCenterIP"] == vc["server"]
        assert (read["User"], read["Password"]) == (vc["user"], vc["password"])
        assert read["VCenterPort"] == str(resolved(cfg, vc, "port", 443))
        assert read["InsecureFlag"] is bool(resolved(cfg, vc, "insecure", False))
        assert read["Datacenters"].split(",") == vc["datacenters"]
        assert read["RoundTripperCount"] == resolved(cfg, vc, "soap_roundtrip_count", 3)
        assert read["CAFile"] == resolved(cfg, vc, "ca_file", "")
        assert read["Thumbprint"] == resolved(cfg, vc, "thumbprint", "")
        assert read["IPFamilyPriority"] == resolved(cfg, vc, "ip_family", ["ipv4"])
    assert conf["Labels"] == {"Zone": cfg["labels"]["zone"], "Region": cfg["labels"]["region"]}
    nodes = cfg["nodes"]
    assert conf["Nodes"]["InternalNetworkSubnetCIDR"] == ",".join(nodes["internal_network_subnet_cidr"])
    assert conf["Nodes"]["ExternalVMNetworkName"] == ",".join(nodes["external_vm_network_name"])
    assert conf["Nodes"]["ExcludeInternalNetworkSubnetCIDR"] == ",".join(nodes["exclude_internal_network_subnet_cidr"])
    g = raw["Global"]
    assert (g["SecretsDirectory"], g["APIDisable"], g["APIBinding"]) == \
        (cfg["secrets_directory"], cfg["api_disable"], cfg["api_binding"])
    assert (g["IPFamilyPriority"] if fmt == "cpi_yaml" else g["IPFamily"].split(",")) == cfg["ip_family"]


def check_csi(cfg, got):
    csi = cfg.get("csi") or {}
    assert set(got["VirtualCenter"]) == {v["server"] for v in cfg["vcenters"]}
    single = len(cfg["vcenters"]) == 1
    for vc in cfg["vcenters"]:
        read = got["VirtualCenter"][vc["server"]]
        assert (read["User"], read["Password"]) == (vc["user"], vc["password"])
        assert read["VCenterPort"] == str(resolved(cfg, vc, "port", 443))
        assert read["InsecureFlag"] is bool(resolved(cfg, vc, "insecure", False))
        assert read["Datacenters"].split(",") == vc["datacenters"]
        # One vCenter: the driver takes ca-file and thumbprint from [Global]; several: each its own, else [Global].
        where = got["Global"] if single else read
        assert where["CAFile"] == resolved(cfg, vc, "ca_file", "")
        assert where["Thumbprint"] == resolved(cfg, vc, "thumbprint", "")
        assert read["TargetvSANFileShareClusters"] == ",".join(vc.get("target_vsan_file_share_clusters") or [])
        assert read["MigrationDataStoreURL"] == csi.get("migration_datastore_url", "")
    cats = csi.get("topology_categories") or [c for c in (cfg["labels"].get("region"), cfg["labels"].get("zone")) if c]
    assert got["Labels"] == {"Zone": "", "Region": "", "TopologyCategories": ",".join(cats)}
    assert got["Global"]["ClusterID"] == cfg.get("cluster_id", "")
    if csi:
        assert (got["Global"]["QueryLimit"], got["Global"]["ListVolumeThreshold"]) == (500, 9)
        assert got["Global"]["CSIAuthCheckIntervalInMin"] == 11
        assert got["Global"]["CnsRegisterVolumesCleanupIntervalInMin"] == 12
        assert got["TopologyCategory"] == {"k8s zone": {"Label": "topology.kubernetes.io/zone"}}
        assert got["NetPermissions"] == {"net A": {"Ips": "10.0.0.0/8", "Permissions": "READ_ONLY",
                                                   "RootSquash": True}}
        assert got["Snapshot"]["GlobalMaxSnapshotsPerBlockVolume"] == 4


def check_in_tree(cfg, got):
    conns = got["connections"]
    assert set(conns) == {v["server"] for v in cfg["vcenters"]}
    for vc in cfg["vcenters"]:
        c = conns[vc["server"]]
        assert (c["Username"], c["Password"]) == (vc["user"], vc["password"])
        assert c["Port"] == str(resolved(cfg, vc, "port", 443))
        assert c["Insecure"] is bool(cfg["insecure"])
        assert c["CACert"] == cfg["ca_file"]
        assert c["Thumbprint"] == resolved(cfg, vc, "thumbprint", "")
        assert c["RoundTripperCount"] == resolved(cfg, vc, "soap_roundtrip_count", 3)
        assert c["Datacenters"].split(",") == vc["datacenters"]
    ws = cfg["workspace"]
    assert got["config"]["Workspace"] == {"VCenterIP": ws["server"], "Datacenter": ws["datacenter"],
                                          "Folder": ws["folder"], "DefaultDatastore": ws["default_datastore"],
                                          "ResourcePoolPath": ws["resourcepool_path"]}
    assert got["config"]["Disk"] == {"SCSIControllerType": cfg["disk"]["scsicontrollertype"]}
    assert got["config"]["Network"] == {"PublicNetwork": cfg["network"]["public_network"]}
    assert got["config"]["Labels"] == {"Zone": cfg["labels"]["zone"], "Region": cfg["labels"]["region"]}


def render_all(playbook, matrix, tmp_path):
    """Render every (name, format, config) of the matrix with the cloud_config module to tmp_path/<name>.conf."""
    r = playbook([{"name": "render", "vsphere_k8s.cloud_provider.cloud_config": {
        "format": "{{ item.format }}", "config": "{{ item.config }}", "dest": "%s/{{ item.name }}.conf" % tmp_path},
        "loop": [{"name": n, "format": f, "config": c} for n, f, c in matrix], "loop_control": {"label": "{{ item.name }}"}}])
    assert r.rc == 0, r
    return r


def test_every_rendered_value_reads_back_equal_with_the_upstream_parsers(parsers, playbook, tmp_path):
    matrix = cases()
    render_all(playbook, matrix, tmp_path)
    failures = {}
    for name, fmt, cfg in matrix:
        rc, got = parse(parsers, {"cpi_ini": "cpi", "cpi_yaml": "cpi"}.get(fmt, fmt), tmp_path / ("%s.conf" % name))
        try:
            assert rc == 0, got
            {"cpi_ini": lambda: check_cpi(cfg, got, fmt), "cpi_yaml": lambda: check_cpi(cfg, got, fmt),
             "csi": lambda: check_csi(cfg, got), "in_tree": lambda: check_in_tree(cfg, got)}[fmt]()
        except AssertionError as e:
            failures[name] = str(e)[:600]
    assert failures == {}


def test_the_credentials_secret_reads_back_with_the_cpi_credential_manager(parsers, playbook, kube, tmp_path):
    """Written into the lab's apiserver (which takes every key), read back as the out-of-tree provider's credential
    manager reads it: an IPv6 vCenter under server_/username_/password_<id>, the others as <server>.username."""
    pw = '"\\;#=` ü\U0001F600 '
    cfg = {"vcenters": vcenters(pw), "credentials": "secret", "secret_name": "parsers-creds",
           "secret_namespace": "default", "labels": {"zone": "z", "region": "r"}}
    r = playbook([{"name": "render", "vsphere_k8s.cloud_provider.cloud_config": {
        "format": "cpi_yaml", "config": cfg, "dest": str(tmp_path / "vsphere.conf"),
        "credentials_secret": {"name": "parsers-creds", "namespace": "default"}, "kubernetes": {}}}])
    assert r.rc == 0, r
    core = kubernetes.client.CoreV1Api(kube)
    try:
        secret = core.read_namespaced_secret("parsers-creds", "default")
        data = {k: base64.b64decode(v).decode("utf-8") for k, v in secret.data.items()}
    finally:
        core.delete_namespaced_secret("parsers-creds", "default")
    assert "server_fd00-10--1" in data
    rc, got = parse(parsers, "cpi", tmp_path / "vsphere.conf")
    assert rc == 0, got
    g = got["config"]["Global"]
    assert (g["SecretName"], g["SecretNamespace"]) == ("parsers-creds", "default")
    for vc in cfg["vcenters"]:
        read = got["config"]["VirtualCenter"][vc["server"]]
        # Every vCenter takes its credentials from the global Secret (SecretRef "Global"), none from the file.
        assert (read["SecretRef"], read["User"], read["Password"]) == ("Global", "", "")
    (tmp_path / "secret.json").write_text(json.dumps({
        "name": "parsers-creds", "namespace": "default", "data": data,
        "servers": [v["server"] for v in cfg["vcenters"]]}))
    rc, got = parse(parsers, "cpi_secret", tmp_path / "secret.json")
    assert rc == 0, got
    assert {s: (c["User"], c["Password"]) for s, c in got.items()} == \
        {v["server"]: (v["user"], v["password"]) for v in cfg["vcenters"]}


NSXT_PASSWORD = '"\\;#=` nsx ü\U0001F600 '


def nsxt_cases():
    """The Load Balancer (with classes) and Routes through NSX-T, NSX-T credentials in the file and in a Secret,
    and a VMC token or client certificate instead; each as INI and YAML."""
    base = {"vcenters": vcenters("pw")[:1], "labels": {"zone": "z", "region": "r"}}
    lb = {"size": "MEDIUM", "tier1_gateway_path": "/infra/tier-1s/t1 ü", "tcp_app_profile_name": "tcp prof",
          "udp_app_profile_path": "/infra/lb-app-profiles/udp", "snat_disabled": True,
          "tags": {"owner": 'team "a" ü', "env": "lab;#"}}
    out = []
    for fmt in ("cpi_ini", "cpi_yaml"):
        out.append(("nsxt-user-%s" % fmt, fmt, dict(base, nsxt={
            "host": "nsx.example.com:8443", "user": "admin ü", "password": NSXT_PASSWORD, "insecure": True,
            "remote_auth": True, "ca_file": "/etc/ssl/nsx ca.pem"},
            load_balancer=dict(lb, ip_pool_id="pool-1"),
            load_balancer_classes=[{"name": "public", "ip_pool_id": "pool-pub", "tcp_app_profile_path": "/p/tcp"},
                                   {"name": "bare"}],
            route={"router_path": "/infra/tier-1s/k8s router"})))
        nsxt_secret = {"host": "192.0.2.50", "credentials": "secret", "secret_name": "nsxt-creds",
                       "secret_namespace": "kube-system", "user": "ignored", "password": NSXT_PASSWORD}
        out.append(("nsxt-secret-%s" % fmt, fmt, dict(
            base, credentials="secret", secret_name="vc-creds", secret_namespace="kube-system", nsxt=nsxt_secret,
            load_balancer=dict(lb),
            load_balancer_classes=[{"name": "default", "ip_pool_name": "pool ü"}, {"name": "other"}])))
        out.append(("nsxt-vmc-%s" % fmt, fmt, dict(base, nsxt={
            "host": "nsx", "vmc_access_token": NSXT_PASSWORD, "vmc_auth_host": "console.example.com"},
            route={"router_path": "/infra/tier-1s/t1"})))
        out.append(("nsxt-cert-%s" % fmt, fmt, dict(base, nsxt={
            "host": "nsx", "client_auth_cert_file": "/etc/nsx/c.pem", "client_auth_key_file": "/etc/nsx/k.pem"},
            route={"router_path": "/infra/tier-1s/t1"})))
    return out


def check_nsxt(cfg, got, fmt):
    want_format = "yaml" if fmt == "cpi_yaml" else "ini"
    nsxt = cfg["nsxt"]
    secret = nsxt.get("credentials") == "secret"
    assert "config" in got["nsxt"], got["nsxt"]
    assert got["formats"]["nsxt"] == want_format
    n = got["nsxt"]["config"]
    assert n == {"Host": nsxt["host"], "User": "" if secret else nsxt.get("user", ""),
                 "Password": "" if secret else nsxt.get("password", ""),
                 "InsecureFlag": bool(nsxt.get("insecure")), "RemoteAuth": bool(nsxt.get("remote_auth")),
                 "SecretName": nsxt.get("secret_name", "") if secret else "",
                 "SecretNamespace": nsxt.get("secret_namespace", "") if secret else "",
                 "VMCAccessToken": nsxt.get("vmc_access_token", ""), "VMCAuthHost": nsxt.get("vmc_auth_host", ""),
                 "ClientAuthCertFile": nsxt.get("client_auth_cert_file", ""),
                 "ClientAuthKeyFile": nsxt.get("client_auth_key_file", ""), "CAFile": nsxt.get("ca_file", "")}
    if "route" in cfg:
        assert got["formats"]["route"] == want_format
        assert got["route"]["config"]["Route"]["RouterPath"] == cfg["route"]["router_path"]
    else:
        assert "error" in got["route"]
    if "load_balancer" not in cfg:
        assert got.get("lb_enabled") in (None, False)
        return
    assert got["formats"]["lb"] == want_format and got["lb_enabled"] is True
    lb, read = cfg["load_balancer"], got["lb"]["config"]
    keys = {"ip_pool_name": "IPPoolName", "ip_pool_id": "IPPoolID", "tcp_app_profile_name": "TCPAppProfileName",
            "tcp_app_profile_path": "TCPAppProfilePath", "udp_app_profile_name": "UDPAppProfileName",
            "udp_app_profile_path": "UDPAppProfilePath"}
    assert read["LoadBalancer"] == dict(
        [(up, lb.get(k, "")) for k, up in keys.items()],
        Size=lb["size"], LBServiceID=lb.get("lb_service_id", ""), Tier1GatewayPath=lb.get("tier1_gateway_path", ""),
        SnatDisabled=bool(lb.get("snat_disabled")), AdditionalTags=lb.get("tags") or {})
    classes = cfg.get("load_balancer_classes") or []
    assert set(read["LoadBalancerClass"]) == {c["name"] for c in classes}
    for c in classes:
        # A class takes loadBalancer's IP pool when it has none (CompleteAndValidate); nothing else.
        want = dict((up, c.get(k, "")) for k, up in keys.items())
        if not c.get("ip_pool_name"):
            want["IPPoolName"] = lb.get("ip_pool_name", "")
        if not c.get("ip_pool_id"):
            want["IPPoolID"] = lb.get("ip_pool_id", "")
        assert read["LoadBalancerClass"][c["name"]] == want


def test_nsxt_load_balancer_and_route_sections_read_back_equal_with_the_providers_readers(parsers, playbook,
                                                                                          tmp_path):
    """The provider reads the nsxt, loadBalancer, loadBalancerClass and route sections from the same vsphere.conf
    with its own readers (cloud.go init), each YAML first then INI; every value given is what they read, and the
    main config reader still reads the file."""
    matrix = nsxt_cases()
    r = render_all(playbook, matrix, tmp_path)
    failures = {}
    for name, fmt, cfg in matrix:
        path = tmp_path / ("%s.conf" % name)
        try:
            rc, got = parse(parsers, "cpi_nsxt", path)
            assert rc == 0, got
            check_nsxt(cfg, got, fmt)
            rc, main = parse(parsers, "cpi", path)
            assert rc == 0, main
            assert main["format"] == ("yaml" if fmt == "cpi_yaml" else "ini")
        except AssertionError as e:
            failures[name] = str(e)[:800]
    assert failures == {}
    # No NSX-T secret in what the module returned.
    # No NSX-T secret in what the module returned (the loop's own item, the test's input, aside).
    returned = json.dumps([{k: v for k, v in res.items() if k != "item"}
                           for task in json.loads(r.stdout[r.stdout.index("{"):])["plays"][0]["tasks"]
                           for host in task["hosts"].values() for res in host.get("results", [host])])
    assert "holds_credentials" in returned
    for form in (NSXT_PASSWORD, json.dumps(NSXT_PASSWORD)[1:-1]):
        assert form not in returned


def test_nsxt_credentials_go_into_their_own_secret_and_never_into_the_file(playbook, kube, tmp_path):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    cfg = {"vcenters": [{"server": os.environ["VMWARE_HOST"], "user": "u@vsphere.local", "password": "x",
                         "datacenters": ["DC0"]}],
           "credentials": "secret", "secret_name": "nsxt-test-vc", "secret_namespace": "default",
           "nsxt": {"host": "192.0.2.50", "credentials": "secret", "secret_name": "nsxt-test-creds",
                    "secret_namespace": "default", "user": "nsx-admin", "password": NSXT_PASSWORD},
           "route": {"router_path": "/infra/tier-1s/t1"}}
    dest = tmp_path / "vsphere.conf"
    r = playbook([{"name": "render", "vsphere_k8s.cloud_provider.cloud_config": {
        "format": "cpi_ini", "config": cfg, "dest": str(dest),
        "credentials_secret": {"name": "nsxt-test-vc", "namespace": "default"}, "kubernetes": {}}}])
    try:
        assert r.rc == 0, r
        data = {k: base64.b64decode(v).decode() for k, v in
                core.read_namespaced_secret("nsxt-test-creds", "default").data.items()}
        assert data == {"username": "nsx-admin", "password": NSXT_PASSWORD}
        text = dest.read_text()
        assert NSXT_PASSWORD not in text and "nsx-admin" not in text and "nsxt-test-creds" in text
        assert NSXT_PASSWORD not in r.stdout + r.stderr
    finally:
        for name in ("nsxt-test-creds", "nsxt-test-vc"):
            try:
                core.delete_namespaced_secret(name, "default")
            except kubernetes.client.exceptions.ApiException:
                pass
