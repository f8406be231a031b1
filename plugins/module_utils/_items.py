# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Items of list-of-dict options (disks, volumes, ...) validated with the same argument spec as a module's own
options: types, choices, required, mutually exclusive; task-level values merged in first.

A loose dict item is how a misspelled ``state: Present`` or ``force: "no"`` turns into a deleted disk: every item
goes through here before anything is read or changed.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator


def _describe(index, item, label, option):
    where = "%s[%d]" % (option, index)
    name = label(item) if label else None
    return "%s (%s)" % (where, name) if name else where


def validate_items(items, spec, base=None, option="items", label=None, mutually_exclusive=None,
                   required_together=None, required_one_of=None, required_if=None, no_log_values=None):
    """Validate each item of a list option.

    items: the raw list (None or empty for none); spec: an argument spec (with defaults and choices); base: the
    task-level values, the defaults of every item (an item's key set to None keeps the task's value); label: a
    function naming an item (path or name) for messages; no_log_values: a set that receives the item values
    marked no_log. Returns (validated items, errors); each error names the item, the option and what is allowed.
    """
    validator = ArgumentSpecValidator(spec, mutually_exclusive=mutually_exclusive,
                                      required_together=required_together, required_one_of=required_one_of,
                                      required_if=required_if)
    out, errors = [], []
    for i, raw in enumerate(items or []):
        if not isinstance(raw, dict):
            errors.append("%s[%d]: each item must be a dictionary, got %s" % (option, i, type(raw).__name__))
            continue
        merged = dict((k, v) for k, v in (base or {}).items() if k in spec and v is not None)
        merged.update((k, v) for k, v in raw.items() if v is not None)
        result = validator.validate(merged)
        if no_log_values is not None:
            no_log_values.update(result._no_log_values)  # pylint: disable=protected-access
        where = _describe(i, raw, label, option)
        if result.error_messages:
            errors.extend("%s: %s" % (where, msg) for msg in result.error_messages)
            continue
        out.append(result.validated_parameters)
    return out, errors


def item_label(*keys):
    """A label function: the first of these keys an item has, as text."""
    def label(item):
        for key in keys:
            value = item.get(key)
            if value not in (None, ""):
                return str(value)
        return None
    return label
