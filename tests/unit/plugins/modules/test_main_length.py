"""Every module's main() reads validate, plan, (check mode) act, report: under 40 lines (the team rule)."""

import ast
import os

import pytest

MODULES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules"))
LIMIT = 40


def mains():
    out = []
    for name in sorted(os.listdir(MODULES)):
        if name.endswith(".py") and name != "__init__.py":
            with open(os.path.join(MODULES, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name == "main":
                    out.append((name, node.end_lineno - node.lineno + 1))
    return out


@pytest.mark.parametrize("name, length", mains())
def test_main_is_under_40_lines(name, length):
    assert length < LIMIT, "%s: main() has %d lines; move validation, planning, acting or reporting out" % (name, length)
