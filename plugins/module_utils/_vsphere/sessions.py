# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A vCenter session kept across the tasks of a play (session_reuse), so a play logs in once.

One file per vCenter and user in the user's cache (`$XDG_CACHE_HOME/vsphere_k8s/sessions`, else
`~/.cache/vsphere_k8s/sessions`; directory 0700, files 0600), holding the SOAP session cookie, the API version
negotiated at login, vCenter's service content (no secret: the same for every session), a salted hash of the
password (a cached session serves only the password that opened it) and when it was last used. A session idle
longer than IDLE_SECONDS is logged out and replaced; one vCenter no longer knows is replaced;
`vcenter_session state=absent` logs it out at the end of a play. A lock file serialises the tasks of one play that
connect at once, so they share one session instead of leaking one each.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time

try:
    import fcntl
except ImportError:  # not on a POSIX control node: reuse still works, without the lock
    fcntl = None

# vCenter logs a session out after 30 minutes idle by default; a cached one is given up well before.
IDLE_SECONDS = 600
_ITERATIONS = 10000


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vsphere_k8s", "sessions")


def session_path(params):
    key = "%s:%s:%s" % (params["hostname"].lower(), params["port"], params["username"].lower())
    return os.path.join(cache_dir(), hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".json")


def _password_hash(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), _ITERATIONS).hex()


@contextlib.contextmanager
def locked(path):
    """Hold the lock of one cached session (created 0600 with its directory 0700)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def load(path, password, now=None):
    """(record, state): state is "usable", "idle" (too long unused: log it out) or "none" (no file, unreadable,
    another password, or not a record of ours). The record is returned for "usable" and "idle"."""
    try:
        with open(path) as f:
            record = json.load(f)
        salt, digest = record["salt"], record["password"]
        cookie, version, used = record["cookie"], record["version"], float(record["used"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, "none"
    if not (isinstance(cookie, str) and isinstance(version, str)):
        return None, "none"
    try:
        if not hmac.compare_digest(_password_hash(password, salt), str(digest)):
            return None, "none"
    except (ValueError, TypeError):
        return None, "none"
    if (now or time.time()) - used > IDLE_SECONDS:
        return record, "idle"
    return record, "usable"


def save(path, cookie, version, password, content=None):
    """Write the record atomically, readable by the user only. content: vCenter's service content as XML (the same
    for every session: a resumed session need not read it again)."""
    salt = os.urandom(16).hex()
    record = dict(cookie=cookie, version=version, used=time.time(), salt=salt,
                  password=_password_hash(password, salt))
    if content:
        record["content"] = content
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f)
    os.replace(tmp, path)


def touch(path):
    """Mark the cached session used now (its idle time starts again)."""
    try:
        with open(path) as f:
            record = json.load(f)
        record["used"] = time.time()
        tmp = "%s.%d.tmp" % (path, os.getpid())
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(record, f)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


def forget(path):
    """Remove the cached session; True when there was one."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
