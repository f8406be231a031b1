# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A thin, fast Kubernetes API client: raw JSON calls on known resources (no discovery round trips)."""

from __future__ import annotations

import json
import os
import re
import traceback

from contextlib import contextmanager
from urllib.parse import quote, urlencode

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import (
    kubeconfig_as_dict,
    register_kube_secrets,
)

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
    "ReplicaSet": ("apis/apps/v1", "replicasets", True),
    "StatefulSet": ("apis/apps/v1", "statefulsets", True),
}


# How the API server validates metadata.name per kind (k8s.io/kubernetes pkg/apis/*/validation):
# "subdomain" NameIsDNSSubdomain (253), "label" DNS-1123 label (63), "dns1035" NameIsDNS1035Label (Service),
# "segment" path.IsValidPathSegmentName (RBAC kinds: e.g. system:controller:x), "csidriver" a DNS-1123
# subdomain of at most 63 characters, compared in lower case.
NAME_RULES = {
    "Namespace": "label",
    "Service": "dns1035",
    "ClusterRole": "segment",
    "ClusterRoleBinding": "segment",
    "Role": "segment",
    "RoleBinding": "segment",
    "CSIDriver": "csidriver",
}
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(r"^%s$" % _LABEL)
_DNS1123_SUBDOMAIN = re.compile(r"^%s(\.%s)*$" % (_LABEL, _LABEL))
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_RULE_TEXT = {
    "label": "a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or "
             "digit",
    "subdomain": "a DNS-1123 subdomain: at most 253 lower case letters, digits, '-' and '.', each part starting and "
                 "ending with a letter or digit",
    "dns1035": "a DNS-1035 label: at most 63 lower case letters, digits and '-', starting with a letter and ending "
               "with a letter or digit",
    "segment": "a path segment: not '.' or '..', without '/' or '%', at most 253 characters",
    "csidriver": "a DNS-1123 subdomain of at most 63 characters",
}


def name_problem(rule, name):
    """Why name breaks the rule, or None."""
    if not isinstance(name, str):
        return "it is a %s, not a string" % type(name).__name__
    if name == "":
        return "it is empty"
    if name in (".", "..") or "/" in name or "%" in name:
        return "a name may not be '.' or '..' nor contain '/' or '%'"
    if rule == "segment":
        return "it is longer than 253 characters" if len(name) > 253 else None
    limit, pattern, value = {
        "label": (63, _DNS1123_LABEL, name),
        "subdomain": (253, _DNS1123_SUBDOMAIN, name),
        "dns1035": (63, _DNS1035_LABEL, name),
        "csidriver": (63, _DNS1123_SUBDOMAIN, name.lower()),
    }[rule]
    if len(name) > limit:
        return "it is %d characters long, more than %d" % (len(name), limit)
    if not pattern.fullmatch(value):
        return "it is not %s" % _RULE_TEXT[rule]
    return None


def _shown(name):
    text = name if isinstance(name, str) else repr(name)
    return text if len(text) <= 80 else text[:60] + "...(%d characters)" % len(text)


def check_object_name(kind, name):
    """Raise KubernetesError unless name is a valid metadata.name of kind (as the API server would check)."""
    rule = NAME_RULES.get(kind, "subdomain")
    problem = name_problem(rule, name)
    if problem:
        raise KubernetesError("The %s name '%s' is not valid: %s. A %s name must be %s." % (
            kind, _shown(name), problem, kind, _RULE_TEXT[rule]))
    return name


def check_namespace(namespace):
    problem = name_problem("label", namespace)
    if problem:
        raise KubernetesError("The namespace '%s' is not valid: %s. A namespace must be %s." % (
            _shown(namespace), problem, _RULE_TEXT["label"]))
    return namespace


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
    if kubeconfig is not None and not isinstance(kubeconfig, (dict, str)):
        raise KubernetesError("kubeconfig must be the path of a kubeconfig file or a kubeconfig as a dict, not a %s."
                              % type(kubeconfig).__name__)
    if context is not None and not context:
        raise KubernetesError("context is empty: give the name of a context of the kubeconfig, or leave it out.")
    as_dict = kubeconfig_as_dict(kubeconfig)
    source = "the kubeconfig"
    try:
        if as_dict is not None:
            kubernetes.config.load_kube_config_from_dict(as_dict, context=context, client_configuration=cfg)
        elif kubeconfig:
            path = os.path.expanduser(kubeconfig)
            source = "the kubeconfig file %s" % path
            if not os.path.isfile(path):
                raise KubernetesError("The kubeconfig file %s does not exist (or is not a file). Give the path of a "
                                      "kubeconfig file, or the kubeconfig as a dict." % path)
            kubernetes.config.load_kube_config(config_file=path, context=context, client_configuration=cfg)
        elif not params.get("host"):
            default = os.path.expanduser(os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0])
            if os.path.exists(default):
                source = "the kubeconfig file %s" % default
                kubernetes.config.load_kube_config(config_file=default, context=context, client_configuration=cfg)
            else:
                source = "the in-cluster service account"
                kubernetes.config.load_incluster_config(client_configuration=cfg)
    except KubernetesError:
        raise
    except kubernetes.config.ConfigException as e:
        raise KubernetesError("Cannot use %s: %s. Give kubeconfig (and context), or host with api_key or "
                              "client_cert." % (source, e))
    except Exception as e:  # pylint: disable=broad-except
        # A malformed kubeconfig makes the kubernetes package fail in many ways (KeyError, TypeError, ...).
        raise KubernetesError("Cannot use %s: it is not a valid kubeconfig (%s: %s). Check its clusters, users "
                              "and contexts." % (source, type(e).__name__, e))
    if params.get("host"):
        cfg.host = params["host"]
    if params.get("api_key"):
        token = str(params["api_key"])
        if token.lower().startswith("bearer "):
            token = token[len("bearer "):]
        cfg.api_key = {"BearerToken": "Bearer " + token}
        cfg.api_key_prefix = {}
        cfg.refresh_api_key_hook = None
    if params.get("ca_cert"):
        cfg.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        cfg.cert_file = params["client_cert"]
    if params.get("client_key"):
        cfg.key_file = params["client_key"]
    if params.get("validate_certs") is not None:
        cfg.verify_ssl = params["validate_certs"]
    if not cfg.host or not re.match(r"^https?://[^/\s]+", cfg.host):
        raise KubernetesError("The Kubernetes API server address %r is not a URL: give host as "
                              "https://<address>:<port> (or a kubeconfig whose cluster has a server)." % cfg.host)
    return cfg


# api_key identifiers a Configuration may hold a token under: the current client uses BearerToken, older ones
# authorization.
TOKEN_KEYS = ("BearerToken", "authorization")


def auth_header(cfg):
    """The Authorization header value for a kubernetes Configuration: a token (from api_key, a kubeconfig token,
    an exec or auth-provider plugin through the refresh hook) or basic auth; None when it has none."""
    hook = getattr(cfg, "refresh_api_key_hook", None)
    if hook is not None:
        hook(cfg)
    api_key = getattr(cfg, "api_key", None) or {}
    prefixes = getattr(cfg, "api_key_prefix", None) or {}
    for key in TOKEN_KEYS:
        value = api_key.get(key)
        if value:
            prefix = prefixes.get(key)
            return "%s %s" % (prefix, value) if prefix else value
    if getattr(cfg, "username", None) and getattr(cfg, "password", None):
        return urllib3.util.make_headers(basic_auth="%s:%s" % (cfg.username, cfg.password))["authorization"]
    return None


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
        try:
            value = auth_header(self.cfg)
        except KubernetesError:
            raise
        except Exception as e:  # pylint: disable=broad-except
            raise KubernetesError("Cannot get a token from the kubeconfig's exec or auth-provider plugin (%s: %s). "
                                  "Check that the plugin runs, or give a token." % (type(e).__name__, e))
        return {"Authorization": value} if value else {}

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
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise KubernetesError("Cannot reach the Kubernetes API server %s: %s. Check host and that the API "
                                  "server is up." % (self.server, getattr(e, "reason", None) or e))
        if resp.status >= 400:
            raise self._api_error(resp.status, resp.data, method, path, what)
        if not resp.data:
            return None
        try:
            return json.loads(resp.data)
        except ValueError:
            raise KubernetesError("%s %s: the server %s answered with something that is not JSON (%s, HTTP %s). Check "
                                  "that host is a Kubernetes API server." % (
                                      method, what or "/" + path, self.server,
                                      resp.headers.get("Content-Type") or "no content type", resp.status))

    def _api_error(self, status, data, method, path, what):
        target = what or "/" + path
        try:
            body = json.loads(data)
        except (TypeError, ValueError):
            body = None
        if not isinstance(body, dict) or body.get("kind") != "Status":
            # An API server answers errors with a Status object; anything else is another server or an API
            # this server does not serve. Not taken for "the object does not exist" (status None).
            text = (data or b"").decode("utf-8", "replace").strip()[:200]
            return KubernetesError(
                "%s %s: the server %s answered HTTP %s without a Kubernetes status (%s). Check that host is a "
                "Kubernetes API server and that it serves /%s." % (
                    method, target, self.server, status, text or "no body", path))
        detail = body.get("message") or body.get("reason") or ""
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
        """The URL path of a kind's collection or object; the name and namespace checked as Kubernetes does."""
        if kind not in RESOURCES:
            raise KubernetesError("Unsupported kind %s." % kind)
        group, plural, namespaced = RESOURCES[kind]
        parts = [group]
        if namespaced:
            if namespace is None or namespace == "":
                raise KubernetesError("A namespace is needed for %s %s." % (kind, name))
            check_namespace(namespace)
            parts += ["namespaces", quote(namespace, safe="")]
        parts.append(plural)
        if name is not None:
            check_object_name(kind, name)
            parts.append(quote(name, safe=":@"))
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
        if kind not in RESOURCES:
            raise KubernetesError("Unsupported kind %s." % kind)
        group, plural, namespaced = RESOURCES[kind]
        if namespace is not None and namespace != "":
            check_namespace(namespace)
        path = self.path(kind, namespace=namespace) if (namespace or not namespaced) else "%s/%s" % (group, plural)
        query = {}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        data = self.request("GET", path, query=query)
        if not isinstance(data, dict):
            raise KubernetesError("GET %s: the server %s answered with no list. Check that host is a Kubernetes API "
                                  "server." % (path, self.server))
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

    def create(self, obj, dry_run=False):
        """POST a new object (metadata.name or metadata.generateName); with dry_run nothing is persisted."""
        md = obj["metadata"]
        query = {"fieldManager": FIELD_MANAGER}
        if dry_run:
            query["dryRun"] = "All"
        return self.request("POST", self.path(obj["kind"], namespace=md.get("namespace")), body=obj, query=query,
                            what="%s %s" % (obj["kind"], md.get("name") or md.get("generateName", "") + "*"))

    def delete(self, kind, name, namespace=None, dry_run=False):
        query = {"dryRun": "All"} if dry_run else {}
        return self.request("DELETE", self.path(kind, name, namespace), query=query, what="%s %s" % (kind, name))


def kube_client(module, option=None):
    """Build the client from the module's options (or from its nested dict option), failing the module with a
    clear message. The kubeconfig's secrets are registered as no_log values first."""
    register_kube_secrets(module, option)
    require_kubernetes(module)
    try:
        return KubeClient((module.params.get(option) or {}) if option else module.params)
    except KubernetesError as e:
        module.fail_json(msg=str(e))


def describe_kube_failure(exc, what):
    """The message for a Kubernetes failure during `what` (a KubernetesError, a urllib3, OS or JSON error), or None
    when exc is not one."""
    if isinstance(exc, KubernetesError):
        return "%s failed: %s" % (what, exc)
    if isinstance(exc, (ValueError, TypeError, KeyError, OSError)):
        return ("%s failed: %s: %s. Check the connection options and that the server is a Kubernetes API server."
                % (what, type(exc).__name__, exc))
    if urllib3 is not None and isinstance(exc, urllib3.exceptions.HTTPError):
        return ("%s failed: cannot talk to the Kubernetes API server: %s. Check host and that the API server is up."
                % (what, exc))
    return None


@contextmanager
def kube_errors(module, kube=None, what="The Kubernetes request", result=None):
    """One error path for the Kubernetes backend: any KubernetesError, urllib3, OS or JSON error inside the block
    fails the module with one clear message (what failed, on which object, what to do), never a traceback.

    result: a dict the block keeps up to date (changed, objects done...); it is returned with the failure, so
    that a partial write reports changed: true and what was done. The client is closed in every case.
    """
    result = result if result is not None else {}
    try:
        yield result
    except Exception as e:  # pylint: disable=broad-except
        msg = describe_kube_failure(e, what)
        if msg is None:
            raise
        module.fail_json(msg=msg, **result)
    finally:
        if kube is not None:
            try:
                kube.close()
            except Exception:  # pylint: disable=broad-except
                pass
