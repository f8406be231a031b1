# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The query option of the info modules: select part of the result with a JMESPath expression, as users otherwise
do with the json_query filter (doc fragment: query). A leaf: it imports nothing of the collection."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib


def _missing_jmespath():
    """None when jmespath can be imported, else the traceback text. It is imported on first use: a task without
    query never loads it."""
    try:
        import jmespath  # noqa: F401 pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return traceback.format_exc()
    return None


# Where the selection goes in the result: the full result keeps its documented keys.
RESULT_KEY = "query_result"


def query_argument_spec():
    return dict(query=dict(type="str"))


def compile_query(module):
    """The compiled expression of the query option (None without one); a bad expression fails the module before
    anything is read."""
    expression = module.params.get("query")
    if expression is None:
        return None
    error = _missing_jmespath()
    if error:
        module.fail_json(msg=missing_required_lib("jmespath"), exception=error)
    import jmespath  # pylint: disable=import-outside-toplevel
    from jmespath.exceptions import JMESPathError  # pylint: disable=import-outside-toplevel
    try:
        return jmespath.compile(expression)
    except JMESPathError as e:
        module.fail_json(msg="query %r is not a valid JMESPath expression: %s. Nothing was read."
                             % (expression, " ".join(str(e).split())))


def select(module, compiled, result):
    """result with the selection under RESULT_KEY (the expression runs on the result's documented keys)."""
    if compiled is None:
        return result
    from jmespath.exceptions import JMESPathError  # pylint: disable=import-outside-toplevel
    data = {k: v for k, v in result.items() if k not in ("changed", "diff")}
    try:
        result[RESULT_KEY] = compiled.search(data)
    except JMESPathError as e:
        reason = " ".join(str(e).split())
        module.fail_json(msg="query %r failed on the result: %s" % (module.params["query"], reason), **result)
    return result
