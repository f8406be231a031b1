# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS contexts for vCenter: the SOAP login and every side channel (REST, PBM, datastore file reads)."""

from __future__ import annotations

import ssl


def ssl_context(validate_certs, ca_bundle=None):
    if not validate_certs:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()


def side_channel_context(params):
    """The TLS context of a side channel to vCenter (REST, PBM, datastore files), by the connection options: the
    same rules as the SOAP session (the CA bundle only when certificates are validated)."""
    validate = params["validate_certs"]
    return ssl_context(validate, params.get("ca_bundle") if validate else None)
