"""Zone and region from tags, walked from the host upwards as the cloud provider does."""

from test_inventory import tree

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.vm_facts import zone_and_region


def test_nearest_tags_win_when_both_are_on_the_same_object():
    tags = {"h-1": [("k8s-zone", "rack-1"), ("k8s-region", "r-1")], "c-1": [("k8s-zone", "zone-a")]}
    assert zone_and_region(tree(), "h-1", tags, "k8s-zone", "k8s-region") == ("rack-1", "r-1")


def test_walk_goes_on_until_both_are_known_so_a_cluster_zone_overrides_a_host_zone():
    # The provider's own behaviour: the host's zone is overwritten by the cluster's, since the region is only
    # found on the datacenter.
    tags = {"h-1": [("k8s-zone", "rack-1")], "c-1": [("k8s-zone", "zone-a")], "dc-1": [("k8s-region", "r-1")]}
    assert zone_and_region(tree(), "h-1", tags, "k8s-zone", "k8s-region") == ("zone-a", "r-1")


def test_without_categories_there_is_no_zone():
    assert zone_and_region(tree(), "h-1", {"c-1": [("k8s-zone", "zone-a")]}, None, None) == (None, None)
