# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets inside a kubeconfig given as a dict, registered as no_log values (stub; see safety-kube)."""

from __future__ import annotations

_SECRET_KEYS = ("token", "client-key-data", "client-certificate-data", "password")


def kubeconfig_secrets(kubeconfig):
    found = set()
    if isinstance(kubeconfig, dict):
        for user in kubeconfig.get("users") or []:
            data = (user or {}).get("user") or {}
            for key in _SECRET_KEYS:
                if isinstance(data.get(key), str) and data[key]:
                    found.add(data[key])
    return found


def register_kube_secrets(module, option=None):
    params = module.params.get(option) if option else module.params
    if isinstance(params, dict):
        module.no_log_values.update(kubeconfig_secrets(params.get("kubeconfig")))
