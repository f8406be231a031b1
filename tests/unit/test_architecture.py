"""The import rule of docs/architecture.md, kept true: parse every import of plugins/** and fail on a cycle or on an
import that crosses the layers (an adapter importing the other adapter or a layer above it)."""

import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLUGINS = os.path.join(ROOT, "plugins")
PREFIX = "ansible_collections.vsphere_k8s.cloud_provider."
LEAVES = ("_errors", "_constants", "_items", "_query")

# layer -> the layers it may import (besides itself; a package may import its own modules).
ALLOWED = {
    "leaf": set(),
    "vsphere": {"leaf"},
    "kubernetes": {"leaf"},
    "base": {"leaf", "vsphere", "kubernetes"},
    "services": {"leaf", "vsphere", "kubernetes", "services"},
    "plugin": {"leaf", "vsphere", "kubernetes", "base", "services", "plugin"},
}


def layer(mod):
    """The layer of a dotted module name below plugins (module_utils._vsphere.tasks -> vsphere)."""
    parts = mod.split(".")
    if parts[0] != "module_utils":
        return "plugin"
    top = parts[1] if len(parts) > 1 else ""
    if top in LEAVES:
        return "leaf"
    if top == "_vsphere":
        return "vsphere"
    if top == "_kubernetes":
        return "kubernetes"
    if top == "_module":
        return "base"
    if top in ("_services", "_cloud_config"):
        return "services"
    return "plugin"


def modules():
    """{dotted name below plugins: path} of every Python file in plugins/."""
    out = {}
    for base, _dirs, files in os.walk(PLUGINS):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(base, name), PLUGINS)[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(base, name)
    return out


MODULES = modules()


def imports_of(path):
    """The collection's modules a file imports (anywhere in it, at any depth), as dotted names below plugins."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ["%s.%s" % (node.module, a.name) for a in node.names]
        for name in names:
            if name.startswith(PREFIX + "plugins."):
                mod = name[len(PREFIX + "plugins."):]
                if mod in MODULES:
                    found.add(mod)
    return found


GRAPH = {mod: imports_of(path) for mod, path in MODULES.items()}


def test_the_import_scan_sees_the_collection():
    assert "module_utils._vsphere.connection" in MODULES
    assert GRAPH["module_utils._vsphere.rest"], "rest.py imports the collection: the scan must see it"


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_no_import_crosses_the_layers(mod):
    mine = layer(mod)
    crossing = sorted(dep for dep in GRAPH[mod] if layer(dep) != mine and layer(dep) not in ALLOWED[mine])
    assert not crossing, "%s (%s layer) may not import %s: see docs/architecture.md" % (
        mod, mine, ", ".join("%s (%s)" % (d, layer(d)) for d in crossing))


def test_the_backend_adapters_never_import_each_other():
    for mod, deps in GRAPH.items():
        if layer(mod) in ("vsphere", "kubernetes"):
            other = "kubernetes" if layer(mod) == "vsphere" else "vsphere"
            assert not [d for d in deps if layer(d) == other], mod


def test_no_import_cycle():
    """Tarjan's strongly connected components over the import graph: every component has one module."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in GRAPH.get(v, ()):
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: %s" % cycles


def test_the_architecture_page_names_every_package():
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as f:
        text = f.read()
    packages = {m.split(".")[1] for m in MODULES if m.startswith("module_utils.") and m.count(".") >= 1}
    missing = sorted(p for p in packages if p and "`%s" % p not in text)
    assert not missing, "docs/architecture.md does not describe %s" % missing
