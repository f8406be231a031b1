# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one module base: argument spec from the doc fragments' specs, both clients opened on first use and closed
at the end, every backend failure turned into one fail_json message.

In the spirit of amazon.aws's AnsibleAWSModule and vmware.vmware's ModulePyvmomiBase. A module's main() then reads
validate, plan, (check mode) act, report:

    module = VsphereK8sModule(argument_spec=dict(...), vsphere=True, supports_check_mode=True)
    with module.errors("listing disks"):
        ... module.vsphere ...
"""

from __future__ import annotations

from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import (
    register_kube_secrets,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.argument_spec import (
    vsphere_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    describe_failure,
    vsphere_client,
)

TOP = True  # the connection options are the module's own (doc fragment without a suffix)


def build_argument_spec(own, vsphere=None, kubernetes=None):
    """The module's own options with the connection options of the doc fragments: at the top level (True) or as a
    nested dict option of that name (the fragments' NESTED forms); None: not this backend."""
    spec = {}
    if vsphere is TOP:
        spec.update(vsphere_argument_spec())
    if kubernetes is TOP:
        spec.update(kubernetes_argument_spec())
    if isinstance(vsphere, str) and vsphere not in own:
        spec[vsphere] = dict(type="dict", options=vsphere_argument_spec())
    if isinstance(kubernetes, str) and kubernetes not in own:
        spec[kubernetes] = dict(type="dict", options=kubernetes_argument_spec())
    spec.update(own)
    return spec


class VsphereK8sModule(AnsibleModule):
    """AnsibleModule with the collection's two backends.

    vsphere / kubernetes: True for connection options at the top level, an option name for a nested dict option
    (for example vcenter, kubernetes), None when the module does not talk to that backend. The kubeconfig's
    secrets given inline are registered as no_log values before anything runs (a kubeconfig file's when a
    client reads it). `self.vsphere` and `self.kube` connect on first
    use (a connection that cannot be made fails the module with a clear message); both are closed on exit.
    """

    def __init__(self, argument_spec=None, vsphere=None, kubernetes=None, vsphere_prefix="", **kwargs):
        self._clients = {}  # before AnsibleModule's own checks, which may fail (and close) already
        self._vsphere_option = None if vsphere in (None, TOP) else vsphere
        self._kube_option = None if kubernetes in (None, TOP) else kubernetes
        self._vsphere_prefix = vsphere_prefix
        super().__init__(argument_spec=build_argument_spec(argument_spec or {}, vsphere, kubernetes), **kwargs)
        if kubernetes is not None:  # a kubeconfig file's secrets: when a client reads it (kube_client)
            register_kube_secrets(self, self._kube_option, files=False)

    # -- clients -----------------------------------------------------------------------------------
    @property
    def vsphere(self):
        """The vCenter client (VsphereClient), logged in on first use."""
        if "vsphere" not in self._clients:
            self._clients["vsphere"] = vsphere_client(self, self._vsphere_option, self._vsphere_prefix)
        return self._clients["vsphere"]

    @property
    def kube(self):
        """The Kubernetes client (KubeClient), built on first use."""
        if "kube" not in self._clients:
            # pylint: disable-next=import-outside-toplevel
            from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import kube_client
            self._clients["kube"] = kube_client(self, self._kube_option)
        return self._clients["kube"]

    def close(self):
        """Close every client opened (log out of vCenter, drop the HTTP pools); safe to call twice."""
        while self._clients:
            _name, client = self._clients.popitem()
            try:
                client.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def exit_json(self, **kwargs):
        self.close()
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self.close()
        super().fail_json(msg=msg, **kwargs)

    # -- one error path ----------------------------------------------------------------------------
    def failure(self, exc, what, backend):
        """(message, changed) for a backend failure during `what`, or None when exc is none: a Kubernetes error
        first (its own type), then vSphere (faults, VsphereError, timeouts, broken connections), then the
        generic errors of the backend the block talks to."""
        # The Kubernetes client is imported on first use: a module that only talks to vCenter never loads it.
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import describe_kube_failure
        if backend == "kubernetes":
            msg = describe_kube_failure(exc, what)
            return (msg, False) if msg is not None else None
        if isinstance(exc, KubernetesError):
            return describe_kube_failure(exc, what), False
        return describe_failure(exc, what, self._clients.get("vsphere"), self.params)

    @contextmanager
    def errors(self, what, backend="vsphere", result=None):
        """Any backend failure inside fails the module with one clear message, never a traceback.

        backend: which backend the block talks to ("vsphere" or "kubernetes"): it says how an error both could
        raise (an OS error, a broken connection) is described. result: a dict kept up to date by the block; it is
        returned with the failure, with changed: true when anything was (or may have been) changed before it.
        """
        result = result if result is not None else {}
        try:
            yield result
        except Exception as e:  # pylint: disable=broad-except
            failure = self.failure(e, what, backend)
            if failure is None:
                raise
            msg, changed = failure
            out = dict(result)
            if changed:
                out["changed"] = True
            self.fail_json(msg=msg, **out)
