# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk names and sizes as users write them (pure logic, no vSphere calls)."""

from __future__ import annotations

import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DATASTORE_PATH as _PATH
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DEFAULT_FOLDER

_SIZE = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]*)\s*$")
UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2, "g": 1000 ** 3, "gb": 1000 ** 3,
    "t": 1000 ** 4, "tb": 1000 ** 4,
    "ki": 1024, "kib": 1024, "mi": 1024 ** 2, "mib": 1024 ** 2, "gi": 1024 ** 3, "gib": 1024 ** 3,
    "ti": 1024 ** 4, "tib": 1024 ** 4,
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DiskSpecError(ValueError):
    pass


def _unclean(path):
    """Why a datastore file path is not clean (None when it is): vCenter reads '.', '..', empty segments and
    backslashes otherwise than they look, and a disk made that way cannot be found again."""
    if "\\" in path:
        return "a backslash"
    if _CONTROL.search(path):
        return "a control character"
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        return "a '.' or '..' segment"
    if any(s == "" for s in segments):
        return "an empty segment"
    if any(s != s.strip() for s in segments):
        return "a segment that starts or ends with a space"
    return None


class DiskName:
    """A disk in datastore notation. datastore is as written (it may be 'DatastoreCluster/ds'); path is the
    file path inside the datastore."""

    def __init__(self, datastore, path):
        self.datastore = datastore.strip()
        self.path = path.strip().lstrip("/")
        if not self.datastore:
            raise DiskSpecError("The datastore of a disk path cannot be empty.")
        if not self.path.endswith(".vmdk") or self.path.endswith("/.vmdk"):
            raise DiskSpecError("'%s' is not a disk: the file name must end in .vmdk." % self)
        bad = _unclean(self.path)
        if bad:
            raise DiskSpecError("'%s' is not a clean datastore path (%s): write it as '[datastore] folder/name.vmdk'."
                                % (self, bad))
        bad = _CONTROL.search(self.datastore)
        if bad or "\\" in self.datastore:
            raise DiskSpecError("the datastore '%s' has a control character or a backslash." % self.datastore)

    @property
    def folder(self):
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def name(self):
        return self.path.rsplit("/", 1)[-1][:-len(".vmdk")]

    def with_datastore(self, ds_name):
        """The path as the vSphere API takes it: the datastore by its own name."""
        return "[%s] %s" % (ds_name, self.path)

    def __str__(self):
        return "[%s] %s" % (self.datastore, self.path)

    def __eq__(self, other):
        return isinstance(other, DiskName) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def parse_disk(path=None, datastore=None, name=None, folder=None):
    """From 'path' ('[ds] kubevols/pg-0.vmdk', '[DatastoreCluster/ds] ...') or datastore + name (+ folder)."""
    if path:
        if datastore or name:
            raise DiskSpecError("Give a disk either as path or as datastore and name, not both (path %s)." % path)
        m = _PATH.match(path)
        if not m:
            raise DiskSpecError("'%s' is not a datastore path: write it as '[datastore] folder/name.vmdk'." % path)
        return DiskName(m.group("ds"), m.group("path"))
    if not (datastore and name):
        raise DiskSpecError("A disk needs path, or datastore and name.")
    if "/" in name or name.startswith("["):
        raise DiskSpecError("name '%s' must be a plain file name; use folder or path for folders." % name)
    fname = name if name.endswith(".vmdk") else name + ".vmdk"
    folder = DEFAULT_FOLDER if folder is None else folder.strip("/")
    return DiskName(datastore, "%s/%s" % (folder, fname) if folder else fname)


def parse_size(value, what="size"):
    """Bytes from 10Gi, 500Mi, 20GB, 1.5Ti or a plain number of bytes. Binary (Ki, Mi, Gi, Ti) and decimal
    (K, M, G, T and KB, MB, GB, TB) units as Kubernetes quantities use them."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DiskSpecError("%s %r is not a size." % (what, value))
    if isinstance(value, int):
        size = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise DiskSpecError("%s '%s' is not a size: write it as 10Gi, 500Mi, 20GB or a number of bytes."
                                % (what, value))
        unit = m.group("unit").lower()
        if unit not in UNITS:
            raise DiskSpecError("%s '%s' has an unknown unit '%s': use Ki, Mi, Gi, Ti, K, M, G, T (or KB, MB, "
                                "GB, TB)." % (what, value, m.group("unit")))
        size = int(float(m.group("num")) * UNITS[unit])
    if size <= 0:
        raise DiskSpecError("%s %s must be larger than 0." % (what, value))
    return size


def kib(size):
    """Whole KiB, rounded up (VirtualDiskManager sizes)."""
    return -(-size // 1024)


def mib(size):
    """Whole MiB, rounded up (First Class Disk sizes)."""
    return -(-size // (1024 * 1024))


def human(size):
    for unit, factor in (("Ti", 1024 ** 4), ("Gi", 1024 ** 3), ("Mi", 1024 ** 2), ("Ki", 1024)):
        if size and size % factor == 0:
            return "%d%s" % (size // factor, unit)
    return "%d bytes" % size
