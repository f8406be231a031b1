# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read many objects' properties in one PropertyCollector call: round trips never grow with the inventory."""

from __future__ import annotations

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # connection.require_pyvmomi() reports it

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.fastread import retrieve_scalar

PAGE_SIZE = 100000  # vCenter caps a page at what it likes; the continuation token covers the rest


def _retrieve(client, filter_spec):
    """RetrievePropertiesEx plus its continuation pages; returns a list of (moref, {path: value})."""
    pc = client.property_collector
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=PAGE_SIZE)
    result = pc.RetrievePropertiesEx([filter_spec], options)
    out = []
    while result is not None:
        for oc in result.objects or []:
            out.append((oc.obj, {p.name: p.val for p in (oc.propSet or [])}))
        if not result.token:
            break
        result = pc.ContinueRetrievePropertiesEx(result.token)
    return out


def _prop_specs(types, props):
    """props is a list (the same paths for every type) or a dict {type: [paths]}."""
    specs = []
    for t in types:
        paths = props.get(t, []) if isinstance(props, dict) else props
        specs.append(vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=list(paths), all=False))
    return specs


def collect(client, types, props, root=None, recursive=True, scalar=False):
    """Properties of every object of the given managed types below root (default: the root folder).

    One ContainerView, one RetrievePropertiesEx (paged past PAGE_SIZE objects), one DestroyView (none when the
    client logs out at the end: the session takes its views with it).
    scalar=True: the properties are strings, numbers, booleans or references, read on the fast path
    (fastread); should one not be, the same request is made again through pyvmomi.
    """
    content = client.content
    view = content.viewManager.CreateContainerView(root or content.rootFolder, list(types), recursive)
    try:
        if scalar:
            spec = {t.__name__.split(".")[-1]: (props.get(t, []) if isinstance(props, dict) else props)
                    for t in types}
            try:
                return retrieve_scalar(client, view, spec, PAGE_SIZE)
            except ValueError:
                pass
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="traverseView", path="view", skip=False, type=vim.view.ContainerView)
        obj_spec = vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])
        spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[obj_spec], propSet=_prop_specs(types, props))
        return _retrieve(client, spec)
    finally:
        if not getattr(client, "logs_out", False):  # else the logout at the end takes the view with the session
            try:
                view.DestroyView()
            except Exception:  # pylint: disable=broad-except
                pass


def collect_objects(client, objs, props):
    """Properties of the given objects (any mix of types) in one call. props: list or {type: [paths]}."""
    objs = list(objs)
    if not objs:
        return []
    types = []
    for o in objs:
        if type(o) not in types:
            types.append(type(o))
    obj_specs = [vmodl.query.PropertyCollector.ObjectSpec(obj=o, skip=False) for o in objs]
    spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=obj_specs, propSet=_prop_specs(types, props))
    return _retrieve(client, spec)
