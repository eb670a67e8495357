"""docs/ODD.md cannot drift from the code: generated tables, inline defaults, names, code."""

from __future__ import annotations

import importlib
import re

import pytest

from collabsim.analysis import odd_tables as docs
from collabsim.model.parameters import MechanismParameters

from .conftest import ROOT

FIX = "run `python -m collabsim.analysis.odd_tables` to rewrite them"


@pytest.fixture(scope="module")
def odd() -> str:
    return docs.ODD_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("block", docs.BLOCKS)
def test_generated_block_matches_the_code(odd, block):
    """Each generated block of the ODD is exactly what the generator makes from the code now."""
    assert docs.read_block(odd, block) == docs.generated_blocks()[block], (
        f"docs/ODD.md block '{block}' is out of date; {FIX}"
    )


def test_inline_defaults_match_the_code(odd):
    """Every `name` = value written in the prose states the parameter's current default."""
    mentions = docs.inline_defaults(odd)
    assert mentions, "the ODD should quote defaults inline as `name` = value"
    stale = [(n, w, d) for n, w, d in mentions if w != d]
    assert not stale, f"stale defaults in docs/ODD.md (name, written, code): {stale}; {FIX}"


def test_render_is_a_fixed_point(odd):
    """Rendering the ODD changes nothing: the committed file is up to date."""
    assert docs.render(odd) == odd, f"docs/ODD.md is out of date; {FIX}"


def test_every_parameter_appears_in_the_odd(odd):
    """Every mechanism parameter is named in docs/ODD.md."""
    missing = [name for name in MechanismParameters.model_fields if name not in odd]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_every_parameter_is_explained_outside_the_table(odd):
    """Every parameter is also named in the prose of a submodel, not only in the generated table."""
    start, end = "<!-- parameters:start -->", "<!-- parameters:end -->"
    prose = odd[: odd.index(start)] + odd[odd.index(end) :]
    missing = [name for name in MechanismParameters.model_fields if f"`{name}`" not in prose]
    assert not missing, (
        f"parameters with no explanation in the submodels of docs/ODD.md: {missing} "
        "(add each to the equation and parameter list of its submodel, §7)"
    )


# Code is named by its path in the package: `mechanisms.engagement.decide_engagement`.
CODE_REF = re.compile(r"`((?:model|mechanisms|runs|analysis|apps|cli)\.[A-Za-z_][\w.]*)")


def _resolve(ref: str):
    """The object a dotted reference names: the longest importable module, then attributes."""
    parts = ref.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module("collabsim." + ".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(ref)


def test_code_named_in_the_odd_exists(odd):
    """Every function, class or constant the ODD names, by its path in the package."""
    broken = []
    for ref in sorted(set(CODE_REF.findall(odd))):
        try:
            _resolve(ref.rstrip("."))
        except (AttributeError, ModuleNotFoundError):
            broken.append(ref)
    assert not broken, f"docs/ODD.md names code that does not exist: {broken}"


def test_parameter_table_has_every_field_with_default_and_range():
    table = docs.parameter_table_markdown()
    for name, field in MechanismParameters.model_fields.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == docs._number(field.default)
        assert "…" in cells[2]
        assert cells[3] == field.description


def test_scenario_key_table_covers_every_section():
    table = docs.scenario_keys_table_markdown()
    for section, model in docs.SCENARIO_SECTIONS:
        for key in model.model_fields:
            assert f"`{section}.{key}`" in table


def test_render_rewrites_stale_blocks_and_defaults():
    """The generator fixes a stale table and a stale inline default."""
    text = (
        "`cost_base` = 123\n<!-- parameters:start -->\nold\n<!-- parameters:end -->\n"
        "<!-- scenario-keys:start -->\n<!-- scenario-keys:end -->\n"
        "<!-- region-profiles:start -->\n<!-- region-profiles:end -->\n"
        "<!-- structure:start -->\n<!-- structure:end -->\n"
    )
    out = docs.render(text)
    default = docs._number(MechanismParameters.model_fields["cost_base"].default)
    assert out.startswith(f"`cost_base` = {default}\n")
    assert docs.read_block(out, "parameters") == docs.parameter_table_markdown()
    assert docs.render(out) == out


def test_missing_marker_is_a_clear_error():
    with pytest.raises(ValueError, match="parameters:start"):
        docs.render("no markers here")


# The guides that name files and code of the package (the ODD has its own test above).
GUIDES = (
    "README.md",
    "docs/scan.md",
    "docs/classroom.md",
    "docs/extending.md",
    "docs/discover.md",
    "docs/getting-started.md",
    "docs/compare.md",
    "docs/sweeps.md",
    "docs/limits.md",
)
FILE_REF = re.compile(r"collabsim/[\w/]*\w\.py|collabsim/\w+/(?=[\s`),])")
DOTTED_REF = re.compile(r"`collabsim((?:\.[A-Za-z_]\w*)+)")
CREATED_BY_DIFF = re.compile(r"^\+\+\+ b/(collabsim/\S+)$", re.M)


def test_files_and_code_named_in_the_guides_exist():
    """Every `collabsim/...` path and `collabsim.x.y` name in the README and the guides is in the
    package (the files docs/extending.md's examples create excepted): the Layout section and the
    guides follow the tree."""
    broken = []
    for guide in GUIDES:
        text = (ROOT / guide).read_text(encoding="utf-8")
        created = set(CREATED_BY_DIFF.findall(text))
        for path in set(FILE_REF.findall(text)) - created:
            if not (ROOT / path).exists():
                broken.append(f"{guide}: {path}")
        for ref in set(DOTTED_REF.findall(text)):
            try:
                _resolve(ref.strip("."))
            except (AttributeError, ModuleNotFoundError):
                broken.append(f"{guide}: collabsim{ref}")
    assert not broken, f"named but not in the package: {broken}"
