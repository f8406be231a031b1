# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets a kubeconfig holds, registered as no_log values so that no output, diff or error shows them."""

from __future__ import annotations

import os
import re

# users[].user keys whose values are credentials.
USER_SECRETS = ("token", "password", "client-key-data", "client-certificate-data")
# auth-provider config and exec env/args: a key naming one of these holds a credential.
_SECRET_KEY = re.compile(r"token|secret|password|passwd|key|credential|auth|cookie|session", re.I)
# exec args such as --token=abc or --password abc
_SECRET_ARG = re.compile(r"^--?[A-Za-z0-9_-]*(token|secret|password|passwd|key|credential)[A-Za-z0-9_-]*(=(.*))?$",
                         re.I)


def _strings(value):
    """Every non-empty string in a value (a secret may sit in a nested structure)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, bool) and str(value) != "":
        yield str(value)


def _user_secrets(user):
    found = set()
    if not isinstance(user, dict):
        return found
    for key in USER_SECRETS:
        found.update(_strings(user.get(key)))
    provider = user.get("auth-provider")
    if isinstance(provider, dict):
        config = provider.get("config")
        if isinstance(config, dict):
            for key, value in config.items():
                if _SECRET_KEY.search(str(key)):
                    found.update(_strings(value))
    exec_ = user.get("exec")
    if isinstance(exec_, dict):
        for item in exec_.get("env") or []:
            # An exec plugin's environment is where tokens and keys are handed over: every value is secret.
            if isinstance(item, dict):
                found.update(_strings(item.get("value")))
        args = exec_.get("args") or []
        if isinstance(args, list):
            args = [str(a) for a in args]
            for i, arg in enumerate(args):
                m = _SECRET_ARG.match(arg)
                if not m:
                    continue
                if m.group(2):
                    if m.group(3):
                        found.add(m.group(3))
                elif i + 1 < len(args):
                    found.add(args[i + 1])
    return found


def _parse(text):
    """A kubeconfig given as YAML text, or None."""
    try:
        import yaml  # pylint: disable=import-outside-toplevel
        data = yaml.safe_load(text)
    except Exception:  # pylint: disable=broad-except
        return None
    return data if isinstance(data, dict) else None


def kubeconfig_as_dict(kubeconfig):
    """The kubeconfig as a dict when it is one or is YAML text (not a path); else None."""
    if isinstance(kubeconfig, dict):
        return kubeconfig
    if isinstance(kubeconfig, str) and "\n" in kubeconfig:
        data = _parse(kubeconfig)
        if data is not None and ("clusters" in data or "users" in data or "contexts" in data):
            return data
    return None


def kubeconfig_secrets(kubeconfig):
    """The credentials a kubeconfig (a dict, YAML text or a file path) holds: tokens, passwords, client keys and
    certificates, exec environment values and secret arguments, auth-provider tokens and client secrets.

    A file that cannot be read yields nothing (its values are not in the module's parameters then).
    """
    data = kubeconfig_as_dict(kubeconfig)
    if data is None and isinstance(kubeconfig, str) and kubeconfig:
        path = os.path.expanduser(kubeconfig)
        try:
            if os.path.isfile(path) and os.path.getsize(path) < 16 * 1024 * 1024:
                with open(path, encoding="utf-8", errors="replace") as f:
                    data = _parse(f.read())
        except OSError:
            data = None
    if not isinstance(data, dict):
        return set()
    found = set()
    users = data.get("users")
    if isinstance(users, list):
        for entry in users:
            if isinstance(entry, dict):
                found |= _user_secrets(entry.get("user"))
    elif isinstance(users, dict):  # not a valid kubeconfig, but its values are still secrets
        for entry in users.values():
            found |= _user_secrets(entry.get("user") if isinstance(entry, dict) and "user" in entry else entry)
    return {s for s in found if s.strip()}


def _secrets_of(params, files=True):
    found = set()
    if not isinstance(params, dict):
        return found
    kubeconfig = params.get("kubeconfig")
    if kubeconfig is not None and (files or kubeconfig_as_dict(kubeconfig) is not None):
        found |= kubeconfig_secrets(kubeconfig)
    if params.get("api_key"):
        found.add(str(params["api_key"]))
    return found


def register_kube_secrets(module, option=None, files=True):
    """Add the kubeconfig's secrets (and the api_key) to module.no_log_values: of the module's own connection
    options, or of its nested option (e.g. option='kubernetes' for module.params['kubernetes']['kubeconfig']).

    files=False: only what the parameters hold themselves (a kubeconfig given inline, the api_key), not the
    content of a kubeconfig file they name: that is registered when a client reads it (kube_client), so a module
    that never talks to Kubernetes neither reads nor parses it."""
    params = module.params.get(option) if option else module.params
    found = _secrets_of(params, files)
    module.no_log_values.update(found)
    return found
