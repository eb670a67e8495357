"""The month kernel reads its packed blocks, and the snapshot its columns, by name only.

A bare row or column number (`member_floats[9]`, `out[p, 7]`) ties a kernel to an order written
elsewhere; these tests fail on the first one written back.
"""

from __future__ import annotations

import ast
import inspect

from collabsim.mechanisms import month as mech
from collabsim.model.collaboration import SERIES

BLOCKS = {
    name
    for name in mech._parameters(mech.run_month.py_func)
    if name.endswith(("_floats", "_flags", "_pairs", "_levels", "_counts"))
}


def _subscripts(function, names: set[str]) -> list[ast.Subscript]:
    tree = ast.parse(inspect.getsource(function.py_func))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) in names
    ]


def _by_name(index: ast.expr) -> bool:
    """A layout's attribute (MEMBER_FLOATS.engagement, COLUMN.trust), not a number."""
    return isinstance(index, ast.Attribute) and index.value.id.isupper()


def test_the_month_kernel_reads_every_block_by_name():
    reads = _subscripts(mech.run_month, BLOCKS)
    assert len(BLOCKS) == 14 and len(reads) >= 60
    bare = [ast.unparse(node) for node in reads if not _by_name(node.slice)]
    assert not bare, bare


def test_snapshot_columns_are_written_and_read_by_name():
    writes = _subscripts(mech._snapshot, {"out"}) + _subscripts(mech.observe_lived, {"latest"})
    assert len(writes) == len(SERIES) + 2
    bare = [ast.unparse(node) for node in writes if not _by_name(node.slice.elts[1])]
    assert not bare, bare
    assert SERIES == mech.COLUMN._fields and list(mech.COLUMN) == list(range(len(SERIES)))
