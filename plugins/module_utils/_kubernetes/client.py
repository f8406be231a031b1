# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A thin, fast Kubernetes API client: raw JSON calls on known resources (no discovery round trips)."""

from __future__ import annotations

import json
import os
import traceback

from urllib.parse import urlencode

from ansible.module_utils.basic import missing_required_lib

# The kubernetes package takes a quarter of a second to import: it is imported on first use only, so that
# modules that may talk to Kubernetes do not pay for it when they do not.
kubernetes = None
urllib3 = None


def _import():
    """Import kubernetes and urllib3; returns the traceback text when they are missing."""
    global kubernetes, urllib3  # pylint: disable=global-statement
    if kubernetes is None:
        try:
            import kubernetes as _kubernetes  # pylint: disable=import-outside-toplevel
            import kubernetes.config  # noqa: F401 pylint: disable=import-outside-toplevel,unused-import
            import urllib3 as _urllib3  # pylint: disable=import-outside-toplevel
        except ImportError:
            return traceback.format_exc()
        kubernetes, urllib3 = _kubernetes, _urllib3
    return None


FIELD_MANAGER = "vsphere-k8s"

# kind -> (API group/version path, plural, namespaced)
RESOURCES = {
    "Namespace": ("api/v1", "namespaces", False),
    "Node": ("api/v1", "nodes", False),
    "PersistentVolume": ("api/v1", "persistentvolumes", False),
    "PersistentVolumeClaim": ("api/v1", "persistentvolumeclaims", True),
    "Secret": ("api/v1", "secrets", True),
    "ConfigMap": ("api/v1", "configmaps", True),
    "ServiceAccount": ("api/v1", "serviceaccounts", True),
    "Service": ("api/v1", "services", True),
    "Pod": ("api/v1", "pods", True),
    "StorageClass": ("apis/storage.k8s.io/v1", "storageclasses", False),
    "CSIDriver": ("apis/storage.k8s.io/v1", "csidrivers", False),
    "CSINode": ("apis/storage.k8s.io/v1", "csinodes", False),
    "VolumeAttachment": ("apis/storage.k8s.io/v1", "volumeattachments", False),
    "ClusterRole": ("apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "Role": ("apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "DaemonSet": ("apis/apps/v1", "daemonsets", True),
    "Deployment": ("apis/apps/v1", "deployments", True),
    "StatefulSet": ("apis/apps/v1", "statefulsets", True),
}


class KubernetesError(Exception):
    """A failure with a message meant for the user."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def require_kubernetes(module):
    error = _import()
    if error:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=error)


def _configuration(params):
    if _import():
        raise KubernetesError("The Python package kubernetes is needed: pip install kubernetes")
    cfg = kubernetes.client.Configuration()
    kubeconfig = params.get("kubeconfig")
    context = params.get("context")
    try:
        if isinstance(kubeconfig, dict):
            kubernetes.config.load_kube_config_from_dict(kubeconfig, context=context, client_configuration=cfg)
        elif kubeconfig:
            path = os.path.expanduser(str(kubeconfig))
            if not os.path.exists(path):
                raise KubernetesError("The kubeconfig file %s does not exist." % path)
            kubernetes.config.load_kube_config(config_file=path, context=context, client_configuration=cfg)
        elif not params.get("host"):
            default = os.path.expanduser(os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0])
            if os.path.exists(default):
                kubernetes.config.load_kube_config(config_file=default, context=context, client_configuration=cfg)
            else:
                kubernetes.config.load_incluster_config(client_configuration=cfg)
    except kubernetes.config.ConfigException as e:
        raise KubernetesError("Cannot use the Kubernetes configuration: %s. Give kubeconfig (and context), or "
                              "host with api_key or client_cert." % e)
    if params.get("host"):
        cfg.host = params["host"]
    if params.get("api_key"):
        cfg.api_key = {"authorization": "Bearer " + params["api_key"]}
    if params.get("ca_cert"):
        cfg.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        cfg.cert_file = params["client_cert"]
    if params.get("client_key"):
        cfg.key_file = params["client_key"]
    if params.get("validate_certs") is not None:
        cfg.verify_ssl = params["validate_certs"]
    return cfg


def _cause(exc):
    seen = exc
    while seen is not None:
        if "CERTIFICATE_VERIFY_FAILED" in str(seen) or seen.__class__.__name__ == "SSLCertVerificationError":
            return "cert"
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "reason", None)
        if isinstance(seen, str):
            break
    return None


class KubeClient:
    """Raw JSON calls against the API server; errors become KubernetesError with a clear message.

    HTTP goes through urllib3 configured from the kubernetes package's Configuration (kubeconfig, token,
    client certificate, CA), so it does not depend on the generated client's call signatures.
    """

    def __init__(self, params):
        self.cfg = _configuration(params)
        self.server = self.cfg.host.rstrip("/")
        tls = {}
        if self.cfg.verify_ssl:
            tls["cert_reqs"] = "CERT_REQUIRED"
            if self.cfg.ssl_ca_cert:
                tls["ca_certs"] = self.cfg.ssl_ca_cert
        else:
            tls["cert_reqs"] = "CERT_NONE"
            urllib3.disable_warnings()
        if self.cfg.cert_file:
            tls["cert_file"] = self.cfg.cert_file
            tls["key_file"] = self.cfg.key_file
        if getattr(self.cfg, "proxy", None):
            self.http = urllib3.ProxyManager(self.cfg.proxy, **tls)
        else:
            self.http = urllib3.PoolManager(**tls)

    def close(self):
        self.http.clear()

    def _auth_headers(self):
        hook = getattr(self.cfg, "refresh_api_key_hook", None)
        if hook is not None:
            hook(self.cfg)
        token = self.cfg.get_api_key_with_prefix("authorization") if self.cfg.api_key else None
        if token:
            return {"Authorization": token}
        if self.cfg.username and self.cfg.password:
            return urllib3.util.make_headers(basic_auth="%s:%s" % (self.cfg.username, self.cfg.password))
        return {}

    # -- plumbing ----------------------------------------------------------------------------------
    def request(self, method, path, body=None, query=None, content_type="application/json", what=None):
        headers = {"Accept": "application/json", "Content-Type": content_type}
        headers.update(self._auth_headers())
        url = "%s/%s" % (self.server, path)
        if query:
            url += "?" + urlencode(query)
        payload = json.dumps(body).encode() if body is not None else None
        try:
            resp = self.http.request(method, url, body=payload, headers=headers, retries=False,
                                     timeout=urllib3.Timeout(connect=10, read=60))
        except urllib3.exceptions.SSLError as e:
            if _cause(e) == "cert":
                raise KubernetesError(
                    "The TLS certificate of the Kubernetes API server %s is not trusted. Give its CA with ca_cert "
                    "(or in the kubeconfig), or, on a lab only, set validate_certs: false." % self.server)
            raise KubernetesError("TLS with the Kubernetes API server %s failed: %s" % (self.server, e))
        except urllib3.exceptions.HTTPError as e:
            raise KubernetesError("Cannot reach the Kubernetes API server %s: %s. Check host and that the API "
                                  "server is up." % (self.server, getattr(e, "reason", None) or e))
        if resp.status >= 400:
            raise self._api_error(resp.status, resp.data, method, path, what)
        return json.loads(resp.data) if resp.data else None

    def _api_error(self, status, data, method, path, what):
        try:
            detail = json.loads(data).get("message") or data.decode("utf-8", "replace")
        except (TypeError, ValueError, AttributeError):
            detail = (data or b"").decode("utf-8", "replace")[:300]
        target = what or "/" + path
        if status == 401:
            msg = ("The Kubernetes API server %s rejected the credentials (401 Unauthorized). Check the token, "
                   "client certificate or kubeconfig." % self.server)
        elif status == 403:
            msg = "Forbidden: %s on %s: %s. Grant the user the permission or use another context." % (
                method, target, detail)
        else:
            msg = "%s %s failed (%s): %s" % (method, target, status, detail)
        return KubernetesError(msg, status=status)

    @staticmethod
    def path(kind, name=None, namespace=None):
        if kind not in RESOURCES:
            raise KubernetesError("Unsupported kind %s." % kind)
        group, plural, namespaced = RESOURCES[kind]
        parts = [group]
        if namespaced:
            if not namespace:
                raise KubernetesError("A namespace is needed for %s %s." % (kind, name))
            parts += ["namespaces", namespace]
        parts.append(plural)
        if name:
            parts.append(name)
        return "/".join(parts)

    # -- verbs -------------------------------------------------------------------------------------
    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        try:
            return self.request("GET", self.path(kind, name, namespace), what="%s %s" % (kind, name))
        except KubernetesError as e:
            if e.status == 404:
                return None
            raise

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        group, plural, namespaced = RESOURCES[kind]
        path = self.path(kind, namespace=namespace) if (namespace or not namespaced) else "%s/%s" % (group, plural)
        query = {}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        data = self.request("GET", path, query=query)
        kind_of_items = (data.get("kind") or "")[:-len("List")] or kind
        for item in data.get("items", []):  # a LIST leaves them out of each item
            item.setdefault("apiVersion", data.get("apiVersion"))
            item.setdefault("kind", kind_of_items)
        return data.get("items", [])

    def apply(self, obj, dry_run=False, force=True):
        """Server-side apply (field manager vsphere-k8s); with dry_run nothing is persisted."""
        md = obj["metadata"]
        query = {"fieldManager": FIELD_MANAGER}
        if force:
            query["force"] = "true"
        if dry_run:
            query["dryRun"] = "All"
        return self.request("PATCH", self.path(obj["kind"], md["name"], md.get("namespace")), body=obj,
                            query=query, content_type="application/apply-patch+yaml",
                            what="%s %s" % (obj["kind"], md["name"]))

    def merge_patch(self, kind, name, patch, namespace=None, dry_run=False):
        """A JSON merge patch (null removes a key), e.g. to drop an annotation another manager set."""
        query = {"fieldManager": FIELD_MANAGER}
        if dry_run:
            query["dryRun"] = "All"
        return self.request("PATCH", self.path(kind, name, namespace), body=patch, query=query,
                            content_type="application/merge-patch+json", what="%s %s" % (kind, name))

    def delete(self, kind, name, namespace=None, dry_run=False):
        query = {"dryRun": "All"} if dry_run else {}
        return self.request("DELETE", self.path(kind, name, namespace), query=query, what="%s %s" % (kind, name))


def kube_client(module, option=None):
    """Build the client from the module's options (or from its nested dict option), failing the module with a
    clear message."""
    require_kubernetes(module)
    try:
        return KubeClient(module.params[option] if option else module.params)
    except KubernetesError as e:
        module.fail_json(msg=str(e))
