# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log in to vCenter with pyvmomi and turn every way that can fail into one clear message."""

from __future__ import annotations

import http.client
import socket
import ssl
import traceback

from xml.etree.ElementTree import ElementTree, ParseError, fromstring

PYVMOMI_IMPORT_ERROR = None
try:
    from pyVim import connect as pyvim_connect
    from pyVim.connect import SmartStubAdapter
    from pyVmomi.SoapAdapter import Deserialize, Serialize, SoapStubAdapter
    from pyVmomi.VmomiSupport import GetServiceVersions
    from pyVmomi import vim, vmodl
except ImportError:
    PYVMOMI_IMPORT_ERROR = traceback.format_exc()

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import (  # noqa: F401 (VsphereError is imported from here too)
    CONNECTION_ERRORS,
    TasksCutOffBase,
    VsphereError,
    fault_message,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import ssl_context


def _sessions():
    """The session_reuse cache, imported on first use (a module without session_reuse never needs it)."""
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import sessions  # pylint: disable=import-outside-toplevel
    return sessions


def require_pyvmomi(module):
    if PYVMOMI_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("pyvmomi"), exception=PYVMOMI_IMPORT_ERROR)


def _is_cert_error(exc):
    while exc is not None:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _stub_adapter(timeout, **kwargs):
    """SmartStubAdapter whose API version negotiation honours the timeout too.

    pyVim opens the connection that fetches vimServiceVersions.xml without a timeout (only the SOAP stub
    gets httpConnectionTimeout), so a vCenter that accepts TCP and never answers would hang the module
    forever. That connection takes the socket default timeout, set here for the negotiation only.
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return SmartStubAdapter(httpConnectionTimeout=timeout, **kwargs)
    finally:
        socket.setdefaulttimeout(previous)


VERSIONS_PATH = "/sdk/vimServiceVersions.xml"


def _negotiated_stub(timeout, **kwargs):
    """SmartStubAdapter's API version choice (the newest version pyVmomi and vCenter both know, from
    vimServiceVersions.xml), read over the SOAP stub's own first connection, which the stub then keeps: one TCP and
    TLS handshake for the whole module instead of two. Through a proxy, or should vCenter not answer the document
    (or pyVim no longer have its version check), SmartStubAdapter does it as it always did."""
    supported = pyvim_connect.__dict__.get("__VersionIsSupported")
    if kwargs.get("httpProxyHost") or supported is None:
        return _stub_adapter(timeout, **kwargs)
    host, port = pyvim_connect.parse_hostport(kwargs["host"], kwargs["port"])
    versions = GetServiceVersions("vim25")
    args = dict(host=host, port=port, sslContext=kwargs.get("sslContext"), httpConnectionTimeout=timeout)
    probe = SoapStubAdapter(version=versions[0], **args)
    conn = probe.GetConnection()
    try:
        conn.request("GET", VERSIONS_PATH)
        resp = conn.getresponse()
        body = resp.read()
        tree = ElementTree(fromstring(body)) if resp.status == 200 else None
    except ParseError:
        tree = None
    except Exception:
        conn.close()
        raise
    chosen = next((v for v in versions if supported(v, tree)), None) if tree is not None else None
    if chosen is None:
        conn.close()
        return _stub_adapter(timeout, **kwargs)
    stub = SoapStubAdapter(version=chosen, **args)
    stub.ReturnConnection(conn)
    return stub


def _login(**kwargs):
    """Negotiate the API version, read the service content once and log in: three requests in all, on one
    connection.

    Every request honours kwargs["timeout"] (seconds; None waits for ever)."""
    user, pwd, timeout = kwargs.pop("user"), kwargs.pop("pwd"), kwargs.pop("timeout")
    stub = _negotiated_stub(timeout, **kwargs)
    si = vim.ServiceInstance("ServiceInstance", stub)
    content = si.RetrieveContent()
    content.sessionManager.Login(user, pwd, None)
    return si, content


def _content_text(content, stub):
    """The service content as XML, kept with a session_reuse session: it is the same for every session of a vCenter,
    so a resumed session need not read it again."""
    try:
        return Serialize(content, version=stub.version).decode("utf-8")
    except Exception:  # pylint: disable=broad-except
        return None


def _kept_content(text, stub):
    """The service content kept with the session, on this stub; None when there is none or it does not parse."""
    if not isinstance(text, str) or not text:
        return None
    try:
        content = Deserialize(text.encode("utf-8"), vim.ServiceInstanceContent, stub=stub)
    except Exception:  # pylint: disable=broad-except
        return None
    return content if isinstance(content, vim.ServiceInstanceContent) and content.sessionManager else None


def _resume(record, **kwargs):
    """The cached session on a stub of the API version it was opened with (no version negotiation) with the
    service content kept with it: no request at all. vCenter checks the session on its first use, and VsphereClient
    replaces one vCenter no longer knows then (see VsphereClient.renew). A record without kept content costs the one
    request that reads it."""
    kwargs.pop("user"), kwargs.pop("pwd")
    stub = SoapStubAdapter(version=record["version"], httpConnectionTimeout=kwargs.pop("timeout"), **kwargs)
    stub.cookie = record["cookie"]
    si = vim.ServiceInstance("ServiceInstance", stub)
    content = _kept_content(record.get("content"), stub)
    if content is None:
        content = si.RetrieveContent()
    return si, content


def _logout_quietly(content):
    try:
        content.sessionManager.Logout()
    except Exception:  # pylint: disable=broad-except
        pass


def _reusing_login(**kwargs):
    """(si, content, reused) with session_reuse: the cached session, else a new login that is cached (an idle one
    is logged out first)."""
    sessions = _sessions()
    path = sessions.session_path(dict(hostname=kwargs["host"], port=kwargs["port"], username=kwargs["user"]))
    with sessions.locked(path):
        record, state = sessions.load(path, kwargs["pwd"])
        if state == "usable":
            sessions.touch(path)
            return _resume(record, **dict(kwargs)) + (True,)
        if state == "idle":  # unused too long: give it back to vCenter rather than leave it to time out
            _logout_quietly(_resume(record, **dict(kwargs))[1])
            sessions.forget(path)
        si, content = _login(**dict(kwargs))
        sessions.save(path, si._stub.cookie, si._stub.version, kwargs["pwd"], _content_text(content, si._stub))
        return si, content, False


def _connect_kwargs(params):
    """The stub's arguments for the connection options (the CA bundle loaded), or raise VsphereError."""
    host, port, user = params["hostname"], params["port"], params["username"]
    if params.get("ca_bundle") and params["validate_certs"]:
        try:
            ctx = ssl_context(True, params["ca_bundle"])
        except (OSError, ssl.SSLError) as e:
            raise VsphereError("Cannot load the CA bundle %s for vCenter %s:%s: %s. Give a readable PEM file."
                               % (params["ca_bundle"], host, port, e))
    else:
        ctx = ssl_context(params["validate_certs"])
    kwargs = dict(host=host, port=port, user=user, pwd=params["password"], sslContext=ctx,
                  timeout=params.get("timeout") or None)
    if params.get("proxy_host"):
        kwargs.update(httpProxyHost=params["proxy_host"], httpProxyPort=params.get("proxy_port") or 80)
    return kwargs


def _login_rejected(where, user):
    return VsphereError("%s rejected the login of user %s: check username and password (a user needs its SSO domain, "
                        "for example administrator@vsphere.local)." % (where, user))


def connect(params):
    """Return a logged-in (ServiceInstance, ServiceContent, reused) for the connection options, or raise
    VsphereError. reused: the session is session_reuse's cached one (it is not logged out at the end)."""
    host, user = params["hostname"], params["username"]
    where = "vCenter %s:%s" % (host, params["port"])
    kwargs = _connect_kwargs(params)
    try:
        if params.get("session_reuse"):
            return _reusing_login(**kwargs)
        return _login(**kwargs) + (False,)
    except vim.fault.InvalidLogin:
        raise _login_rejected(where, user)
    except vim.fault.NoPermission as e:
        raise VsphereError("%s refused user %s: %s" % (where, user, e.msg))
    except vmodl.MethodFault as e:
        raise VsphereError("Login to %s failed: %s" % (where, e.msg))
    except Exception as e:  # pylint: disable=broad-except
        cert_error = _is_cert_error(e)
        if cert_error is not None:
            raise VsphereError(
                "The TLS certificate of %s is not trusted (%s). Give the CA that signed it with ca_bundle "
                "(or VMWARE_CA_BUNDLE), or, on a lab only, set validate_certs: false."
                % (where, getattr(cert_error, "verify_message", None) or cert_error))
        if isinstance(e, (socket.timeout, TimeoutError)):
            raise VsphereError("%s did not answer within %ss (timeout). Check hostname, port, proxy and firewall, "
                               "and that vCenter is up; raise timeout if it is only slow." % (where, params.get("timeout")))
        if isinstance(e, ssl.SSLError):
            raise VsphereError("TLS handshake with %s failed: %s" % (where, e))
        if isinstance(e, socket.gaierror):
            raise VsphereError("Cannot resolve the vCenter host name %s: %s. Check hostname." % (host, e))
        if isinstance(e, OSError):
            raise VsphereError("Cannot reach %s: %s. Check hostname, port, proxy and that vCenter is up."
                               % (where, e.strerror or e))
        raise VsphereError("Cannot connect to %s: %s: %s" % (where, type(e).__name__, e))


def logout_kept_session(params):
    """Log out session_reuse's session for these connection options and forget it; True when there was one
    (a session vCenter has already dropped is only forgotten)."""
    sessions = _sessions()
    path = sessions.session_path(params)
    with sessions.locked(path):
        record, state = sessions.load(path, params["password"])
        if state == "none":
            return sessions.forget(path)
        _logout_quietly(_resume(record, **_connect_kwargs(params))[1])  # quietly: vCenter may have dropped it
        sessions.forget(path)
        return True


# SOAP methods that only read (or keep the books of reading); any other call changes something.
READ_METHODS = ("Retrieve", "Continue", "Query", "Find", "Search", "Fetch", "List", "Browse", "Has", "Check",
                "Validate", "Login", "Logout", "CurrentTime", "CreateContainerView", "CreateListView",
                "CreateFilter", "CreatePropertyCollector", "DestroyView", "DestroyPropertyFilter",
                "DestroyCollector", "WaitForUpdates", "CancelWaitForUpdates", "CnsQuery", "PbmQuery",
                "PbmRetrieve", "PbmFetch", "PbmCheck")
SECRET_WORDS = ("password", "passwd", "login", "ticket", "token", "credential", "key", "secret", "cert")


def changes_something(method):
    """Whether a SOAP method (its WSDL name) changes vSphere state."""
    return not method.startswith(READ_METHODS)


def _call_label(method, args):
    """A call as the user may read it: the method and what it is about (its first text argument), never an
    argument of a method that handles credentials."""
    if any(w in method.lower() for w in SECRET_WORDS):
        return method
    first = next((a for a in args if isinstance(a, str)), None)
    return "%s %s" % (method, first) if first and len(first) <= 200 else method


class VsphereClient:
    """A vCenter session and its service content. Use as a context manager to log out at the end.

    It keeps the books of what its calls changed, so that a module failing half way can say what was done
    (and report changed): `changes` lists the calls that changed something and the tasks that did, `in_flight`
    the tasks started and not yet seen to end ({task id: method}).
    """

    def __init__(self, params):
        self.params = params
        self.si, self.content, self.reused = connect(params)
        self.session_file = None
        if params.get("session_reuse"):
            sessions = _sessions()
            self.session_file = sessions.session_path(params)
        self._rest = None
        self.changes = []
        self.in_flight = {}
        # Views (ContainerView) live as long as the session: when this client logs out at the end, it does not
        # destroy them one by one (a round trip each); a kept session_reuse session does.
        self.logs_out = not self.session_file
        # A resumed session is not checked before use: vCenter checks it on the first call, and one it no longer
        # knows is replaced by a new login then (renew), the call made again.
        self.verified = not self.reused
        self._record(self.si._stub)

    def _record(self, stub):
        invoke = stub.InvokeMethod

        def recording(mo, info, args, *rest):
            try:
                result = invoke(mo, info, args, *rest)
            except vim.fault.NotAuthenticated:
                if self.verified:
                    raise
                self.renew()
                result = invoke(mo, info, args, *rest)
            self.verified = True
            method = info.wsdlName
            if changes_something(method):
                if method.endswith("_Task") and isinstance(result, vim.Task):
                    self.in_flight[result._moId] = method
                else:
                    self.changes.append(_call_label(method, args))
            return result

        stub.InvokeMethod = recording

    def renew(self):
        """Replace the resumed session vCenter no longer knows: by the one another task of the play has put in the
        cache meanwhile, else by a new login, cached. The stub keeps its objects; only its cookie changes."""
        sessions = _sessions()
        stub = self.si._stub
        self.verified, self.reused = True, False  # the login below, and the call made again, are not renewed again
        with sessions.locked(self.session_file):
            record, state = sessions.load(self.session_file, self.params["password"])
            if state == "usable" and record["cookie"] != stub.cookie:
                stub.cookie = record["cookie"]
                return
            try:
                self.content.sessionManager.Login(self.params["username"], self.params["password"], None)
            except vim.fault.InvalidLogin:
                sessions.forget(self.session_file)
                raise _login_rejected(self.where, self.params["username"])
            # vCenter dropped the session: it may have restarted or been upgraded, so its content is read again.
            self.content = self.si.RetrieveContent()
            sessions.save(self.session_file, stub.cookie, stub.version, self.params["password"],
                          _content_text(self.content, stub))

    def ensure_session(self):
        """Check a resumed session with vCenter before its cookie serves a side channel that cannot renew it (PBM,
        CNS, datastore file transfers): one request, once, and none for a session this client opened or has used."""
        if not self.verified:
            if self.content.sessionManager.currentSession is None:
                self.renew()
            self.verified = True

    @property
    def where(self):
        return "vCenter %s:%s" % (self.params["hostname"], self.params["port"])

    @property
    def session_cookie(self):
        """The SOAP session's cookie header, for side channels (datastore file reads, PBM, CNS), checked first."""
        self.ensure_session()
        return self.si._stub.cookie

    @property
    def session_id(self):
        """The session id alone (vmware_soap_session="<id>"; Path=..., quotes optional), for the PBM endpoint."""
        return self.session_cookie.split("=", 1)[-1].split(";")[0].strip().strip('"')

    @property
    def property_collector(self):
        return self.content.propertyCollector

    def rest(self):
        """The vSphere Automation (REST) session of this client, opened on first use."""
        if self._rest is None:
            from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.rest import RestSession  # pylint: disable=import-outside-toplevel
            self._rest = RestSession(self.params)
        return self._rest

    def close(self):
        """Log out, unless the session is session_reuse's: then it stays for the next task."""
        if self._rest is not None:
            self._rest.close()
        if self.session_file is not None:
            sessions = _sessions()
            sessions.touch(self.session_file)
            return
        _logout_quietly(self.content)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def vsphere_client(module, option=None, prefix=""):
    """Connect with the module's options (or its nested dict option), failing the module with a clear message
    (after prefix) when that cannot be done."""
    require_pyvmomi(module)
    try:
        return VsphereClient(module.params[option] if option else module.params)
    except VsphereError as e:
        module.fail_json(msg=prefix + str(e))


def _some(names, limit=8):
    names = list(names)
    more = len(names) - limit
    return ", ".join(names[:limit]) + (" and %d more" % more if more > 0 else "")


def describe_failure(exc, what, client=None, params=None):
    """(message, changed) for a vSphere failure during `what`, or None when exc is not one.

    The message says what failed and where, what was done before (from the client's books) and what to do;
    changed: whether anything was (or, in flight, may have been) changed before the failure.
    """
    params = getattr(client, "params", None) or params or {}
    if client is not None:
        where = client.where
    else:
        where = "vCenter %s:%s" % (params["hostname"], params.get("port")) if params.get("hostname") else "vCenter"
    changes = list(getattr(client, "changes", None) or [])
    in_flight = dict(getattr(client, "in_flight", None) or {})
    changed = bool(changes) or bool(in_flight) or bool(getattr(exc, "changed", False))
    done = ""
    if changes:
        done += " Done before the failure, and kept: %d change%s (%s)." % (
            len(changes), "s" if len(changes) > 1 else "", _some(changes))
    if in_flight and not isinstance(exc, TasksCutOffBase):
        done += " Started and not seen to end (they may have run): %s." % _some(
            "%s %s" % (m, t) for t, m in sorted(in_flight.items()))
    again = " Run the task again once vCenter answers: it continues from what exists."
    if isinstance(exc, VsphereError):
        return str(exc) + done, changed
    if isinstance(exc, vmodl.MethodFault):
        kind = type(exc).__name__.split(".")[-1]
        return "%s failed: %s: %s.%s" % (what, kind, fault_message(exc).rstrip("."), done), changed
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ("%s did not answer within %ss during %s.%s Check that vCenter is up, raise timeout if it is only "
                "slow, and run the task again: it continues from what exists."
                % (where, params.get("timeout"), what, done), changed)
    if isinstance(exc, CONNECTION_ERRORS):
        return ("The connection to %s broke during %s: %s.%s%s" % (where, what, _describe(exc), done, again),
                changed)
    return None


class vsphere_errors:  # pylint: disable=invalid-name
    """Context manager: any vSphere failure inside fails the module with a clear message, never a traceback.

    The module fails with changed: true when calls of the client changed (or tasks in flight may have changed)
    something before the failure. Closes the client at the end when one is given.
    """

    def __init__(self, module, client=None, what="vSphere call"):
        self.module, self.client, self.what = module, client, what

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.client is not None:
            self.client.close()
        if exc is None:
            return False
        failure = describe_failure(exc, self.what, self.client, self.module.params)
        if failure is not None:
            self.module.fail_json(msg=failure[0], changed=failure[1])
        return False


def _describe(exc):
    """A short text for a connection error: its OS message, else its text, else its type."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if isinstance(exc, http.client.RemoteDisconnected):
        text = "vCenter closed the connection without an answer"
    return text
