# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Matches plugins/module_utils/_kubernetes/argument_spec.py: kubernetes_argument_spec().
    # Option names and environment variables are those of kubernetes.core, so users set them once.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig itself as a dictionary.
      - Without it and without O(host), the default kubeconfig (E(KUBECONFIG) or C(~/.kube/config)) is used,
        and inside a pod the service account.
      - Falls back to the environment variable E(K8S_AUTH_KUBECONFIG).
    type: raw
  context:
    description:
      - The kubeconfig context to use. Defaults to the current context of the kubeconfig.
      - Falls back to the environment variable E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - The URL of the Kubernetes API server. Overrides the server of the kubeconfig.
      - Falls back to the environment variable E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - A bearer token to authenticate with. It is never logged nor returned.
      - Falls back to the environment variable E(K8S_AUTH_API_KEY).
    type: str
  ca_cert:
    description:
      - Path to the CA certificate that signed the API server certificate.
      - Falls back to the environment variable E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate to authenticate with.
      - Falls back to the environment variable E(K8S_AUTH_CERT_FILE).
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the key of O(client_cert).
      - Falls back to the environment variable E(K8S_AUTH_KEY_FILE).
    type: path
    aliases: [key_file]
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API server.
      - Falls back to the environment variable E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
requirements:
  - kubernetes >= 24.2.0
"""


def nest(doc, option, description, default=""):
    """The options of a fragment as suboptions of one dict option, for modules that talk to both backends
    (whose host and validate_certs options would clash under the flat names)."""
    head, options = doc.split("options:\n", 1)
    body, tail = options.split("requirements:\n", 1)
    body = body.replace("O(", "O(%s." % option)
    indented = "".join("    " + line if line.strip() else line for line in body.splitlines(True))
    described = "".join("      - %s\n" % line for line in description)
    return (head + "options:\n  %s:\n    description:\n" % option + described + "    type: dict\n" + default
            + "    suboptions:\n" + indented + "requirements:\n" + tail)


_WHAT = ["How to reach the Kubernetes API server. The keys are those of the kubernetes.core modules, with the",
         "same E(K8S_AUTH_*) environment fallbacks."]
ModuleDocFragment.NESTED = nest(ModuleDocFragment.DOCUMENTATION, "kubernetes", _WHAT, "    default: {}\n")
# Off unless given: V({}) takes the environment.
ModuleDocFragment.NESTED_OPTIONAL = nest(ModuleDocFragment.DOCUMENTATION, "kubernetes", _WHAT)
