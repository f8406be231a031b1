from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._items import item_label, validate_items

SPEC = dict(
    path=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
    size=dict(type="str"),
    secret=dict(type="str", no_log=True),
)


def test_a_misspelled_state_is_an_error_naming_the_item_the_option_and_the_choices():
    items, errors = validate_items([{"path": "[ds] a.vmdk", "state": "Present"}], SPEC, option="disks",
                                   label=item_label("path"))
    assert items == []
    assert len(errors) == 1
    assert errors[0].startswith("disks[0] ([ds] a.vmdk): ")
    assert "state" in errors[0] and "present, absent" in errors[0] and "Present" in errors[0]


def test_boolean_strings_are_converted_not_taken_as_truthy():
    items, errors = validate_items([{"force": "false"}, {"force": "no"}, {"force": "0"}, {"force": "yes"}], SPEC)
    assert errors == []
    assert [i["force"] for i in items] == [False, False, False, True]


def test_a_non_boolean_string_is_an_error():
    _items, errors = validate_items([{"force": "maybe"}], SPEC, option="disks")
    assert errors and "force" in errors[0]


def test_task_values_are_the_defaults_of_every_item_and_none_keeps_the_task_value():
    items, errors = validate_items([{"path": "a"}, {"path": "b", "state": "absent"}, {"path": "c", "state": None}],
                                   SPEC, base={"state": "absent", "force": True, "other": 1})
    assert errors == []
    assert [i["state"] for i in items] == ["absent", "absent", "absent"]
    assert all(i["force"] is True for i in items)


def test_unknown_keys_are_errors():
    _items, errors = validate_items([{"path": "a", "sise": "1Gi"}], SPEC, option="disks")
    assert errors and "sise" in errors[0]


def test_a_non_dict_item_is_an_error():
    _items, errors = validate_items(["a"], SPEC, option="disks")
    assert errors == ["disks[0]: each item must be a dictionary, got str"]


def test_mutually_exclusive_options_in_an_item():
    _items, errors = validate_items([{"path": "a", "size": "1"}], SPEC, mutually_exclusive=[["path", "size"]])
    assert errors and "mutually exclusive" in errors[0]


def test_no_log_values_of_items_are_collected():
    seen = set()
    validate_items([{"secret": "s3cr3t"}], SPEC, no_log_values=seen)
    assert "s3cr3t" in seen
