"""State is passed and read by name only: kernels take whole blocks (collabsim.model.state) under
the blocks' own names and read each array through its layout; the snapshot's columns likewise.

A bare row or column number (`member_floats[9]`, `latest[p, 7]`) ties a kernel to an order written
elsewhere, and two same-typed arrays passed in swapped order would go unnoticed; these tests fail
on the first of either written back. The last test adds a state array to a copy of the package
with the three edits it should take (declare, initialise, use), and runs it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import collabsim.mechanisms
from collabsim.mechanisms import month, observation
from collabsim.model import state
from collabsim.model.collaboration import SERIES

from .conftest import ROOT

HOLDERS = (
    state.PartnershipState,
    state.Organisations,
    state.PolicyEffects,
    state.Schemes,
    state.Scratch,
)
BLOCKS = {block for holder in HOLDERS for block in holder.BLOCKS}
# what a kernel may take besides blocks: the month's draws and values, the event buffer, the
# table of open tensions, the month-end snapshot
VALUES = {
    *month.PER_CALL,
    "demand_volatility",
    "agility",
    "staff_turnover",
    "base_rigidity",
    "params",
    "normals",
    "shock_draws",
    "turnover_draws",
    "success_draws",
    "tension_counts_draws",
    "membership_draws",
    "tension_draws",
    "latest",
    "rng",  # the model's generator, which numba draws from (demand shocks in the batch path)
}
MECHANISMS = Path(collabsim.mechanisms.__file__).parent


def mechanism_modules() -> list:
    return [
        importlib.import_module(f"collabsim.mechanisms.{path.stem}")
        for path in sorted(MECHANISMS.glob("*.py"))
        if path.stem != "__init__"
    ]


def kernels() -> dict[str, object]:
    """Every mechanism kernel (`*_kernel`) and the month's own kernels, by name."""
    found = {"run_month": month.run_month, "close_month": month.close_month}
    for module in mechanism_modules():
        for name, obj in vars(module).items():
            if name.endswith("_kernel") and getattr(obj, "__module__", "") == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_every_kernel_takes_blocks_and_named_values_only():
    assert len(kernels()) >= 20
    odd = {
        name: [p for p in state.parameters(kernel) if p not in BLOCKS | VALUES]
        for name, kernel in kernels().items()
    }
    assert not {name: p for name, p in odd.items() if p}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def _block_name(node: ast.expr) -> str | None:
    """`member_floats` for `member_floats` or `st.member_floats`; else None."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    return name if name in BLOCKS else None


def _by_name(index: ast.expr) -> bool:
    """A layout's attribute (MEMBER_FLOATS.engagement, COLUMN.trust), not a number."""
    return (
        isinstance(index, ast.Attribute)
        and isinstance(index.value, ast.Name)
        and index.value.id.isupper()
    )


def test_no_code_indexes_a_block_with_a_number():
    reads, bare = 0, []
    for path in sorted((ROOT / "collabsim").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Subscript) and _block_name(node.value):
                reads += 1
                if not _by_name(node.slice):
                    bare.append(f"{path.name}: {ast.unparse(node)}")
    assert reads >= 100
    assert not bare, bare


def test_tables_are_indexed_by_named_columns():
    """The table of open tensions and the month-end snapshot: `tensions[n, TENSION.age_months]`,
    `latest[p, COLUMN.trust]`, never `tensions[n, 3]`."""
    cells, bare = 0, []
    for path in sorted((ROOT / "collabsim").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Subscript)
                and getattr(node.value, "id", getattr(node.value, "attr", None))
                in ("tensions", "latest")
                and isinstance(node.slice, ast.Tuple)
            ):
                cells += 1
                if not _by_name(node.slice.elts[1]):
                    bare.append(f"{path.name}: {ast.unparse(node)}")
    assert cells >= 20
    assert not bare, bare


def test_the_month_passes_each_block_under_its_own_name():
    """In run_month and close_month every kernel gets, at each parameter, the variable of that
    name: two arrays or blocks swapped in a call fail here."""
    modules = {m.__name__.rpartition(".")[2]: m for m in mechanism_modules()}
    modules["tension"] = modules["tensions"]
    calls = 0
    for function in (month.run_month, month.close_month):
        tree = ast.parse(inspect.getsource(function.py_func))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                callee = getattr(modules.get(f.value.id), f.attr, None)
            else:
                callee = getattr(month, getattr(f, "id", ""), None)
            if not hasattr(callee, "py_func"):
                continue
            calls += 1
            passed = [getattr(arg, "id", ast.unparse(arg)) for arg in node.args]
            assert passed == list(state.parameters(callee)), ast.unparse(node)
    assert calls >= 20


def test_a_holder_shows_each_array_as_a_view_of_its_block():
    from .conftest import model

    st = model("baseline").state
    assert st.engagement.base is st.member_floats
    st.engagement = 0.25  # assigning writes into the block, never rebinds
    assert (st.member_floats[state.MEMBER_FLOATS.engagement] == 0.25).all()
    st.engagement -= 0.25
    assert not st.member_floats[state.MEMBER_FLOATS.engagement].any()


def test_snapshot_columns_are_written_and_read_by_name():
    kernels = (observation.snapshot_kernel, observation.observe_lived_kernel)
    writes = [
        node
        for kernel in kernels
        for node in ast.walk(ast.parse(inspect.getsource(kernel.py_func)))
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "latest"
    ]
    assert len(writes) == len(SERIES) + 2
    bare = [ast.unparse(node) for node in writes if not _by_name(node.slice.elts[1])]
    assert not bare, bare
    assert SERIES == observation.COLUMN._fields
    assert list(observation.COLUMN) == list(range(len(SERIES)))


# A new state array in three edits: declare it in its layout, initialise it, use it in a kernel.
NEW_ARRAY = (
    (
        "model/state.py",
        '    "months_lived",  # months observed alive (month 0 on): mean trust\'s divisor\n',
        '    "months_acted",  # months with joint action\n',
    ),
    (
        "model/region.py",
        "        months_lived=izeros.copy(),\n",
        "        months_acted=izeros.copy(),\n",
    ),
    (
        "mechanisms/joint_action.py",
        "        months_without_action[p] = 0 if acts[p] else months_without_action[p] + 1\n",
        "        partnership_counts[PARTNERSHIP_COUNTS.months_acted][p] += acts[p]\n",
    ),
)
FINGERPRINT = """
import hashlib, sys
from collabsim import CollaborationModel, load_scenario
m = CollaborationModel(load_scenario(sys.argv[1], ["scenario.steps=12"]), rng=2).run()
print(hashlib.sha256(m.series().tobytes() + repr(m.events.rows()).encode()).hexdigest())
st = m.state
print(getattr(st, "months_acted", None) is not None and int(st.months_acted.sum()))
print(int(st.joint_successes.sum()), len(st.alive))
"""


def _fingerprint(package_parent: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent), "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, str(ROOT / "scenarios" / "baseline.toml")],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_a_new_state_array_takes_three_edits(tmp_path):
    copy = tmp_path / "collabsim"
    shutil.copytree(ROOT / "collabsim", copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for file, after, added in NEW_ARRAY:
        path = copy / file
        text = path.read_text()
        assert text.count(after) == 1, (file, after)
        path.write_text(text.replace(after, after + added))
    before = _fingerprint(ROOT)
    digest, acted, successes, partnerships = _fingerprint(tmp_path)
    assert digest == before[0]  # nothing else changed
    assert before[1] == "False"
    assert int(successes) <= int(acted) <= 12 * int(partnerships) and int(acted) > 0
