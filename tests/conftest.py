"""Make the collection importable as ansible_collections.vsphere_k8s.cloud_provider for every test."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")


def _link_tree():
    ns = os.path.join(COLLECTIONS, "ansible_collections", "vsphere_k8s")
    os.makedirs(ns, exist_ok=True)
    link = os.path.join(ns, "cloud_provider")
    if os.path.realpath(link) != ROOT:
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(ROOT, link)


_link_tree()
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


def pytest_configure(config):
    config.addinivalue_line("markers", "smoke: the integration smoke test also run on ansible-core 2.16")
