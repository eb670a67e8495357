"""Generated parts of docs/ODD.md: the parameter table and the scenario-key table, from the code.

The ODD (docs/ODD.md) holds two blocks that are written by this module, never by hand:

- between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->``: every mechanism parameter
  (collabsim.model.parameters.MechanismParameters) with its default, allowed range and meaning;
- between ``<!-- scenario-keys:start -->`` and ``<!-- scenario-keys:end -->``: every scenario key
  (collabsim.model.scenario) as ``section.key`` with its default and what is allowed;
- between ``<!-- region-profiles:start -->`` and ``<!-- region-profiles:end -->``: the profiles of
  each kind of organisation and of demand (collabsim.model.region);
- every inline mention of a default written as ```name` = value`` (for example in the small
  parameter tables of each submodel): the value is rewritten to the current default.

A further block, ``<!-- calibration:start -->`` ... ``<!-- calibration:end -->``, holds a snapshot
of the calibration patterns; it takes a few seconds of simulation, so it is only rewritten with
``--calibration`` and the tests do not compare it.

Run ``python -m collabsim.analysis.odd_tables`` after changing a default, a range, a key or a
profile; ``--check``
only reports whether the ODD is up to date (exit status 1 if not). tests/test_docs.py fails when the
ODD and the code disagree, so the documentation cannot drift from the model.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from collabsim.model import parameters as parameters_module
from collabsim.model.parameters import MechanismParameters
from collabsim.model.scenario import (
    Conditions,
    Drivers,
    Funding,
    OrganisationGroup,
    PartnershipDesign,
    ScenarioMeta,
)
from collabsim.model.structure import Structure

ODD_PATH = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
BLOCKS = ("parameters", "scenario-keys", "region-profiles")
# `name` = 0.45 in the prose: an inline default, kept equal to the code's default.
INLINE_DEFAULT = re.compile(r"`([a-z_][a-z0-9_]*)` = (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)")

# The scenario's sections in the order a scenario file lists them; "[]" marks a list of tables.
SCENARIO_SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("scenario", ScenarioMeta),
    ("organisations[]", OrganisationGroup),
    ("partnership", PartnershipDesign),
    ("drivers", Drivers),
    ("conditions", Conditions),
    ("policy.funding[]", Funding),
    ("structure", Structure),
)


# --------------------------------------------------------------------------- formatting


def _number(value: float | int) -> str:
    """A number as a reader writes it: 0.15, 12, -2.6, 1000000 (no trailing .0)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    v = float(value)
    if v.is_integer() and abs(v) < 1e7:
        return str(int(v))
    return f"{v:g}"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _bounds(field) -> tuple[Any, Any]:
    """The (lower, upper) bounds pydantic enforces on a field (None where there is none)."""
    lo = hi = None
    for m in field.metadata:
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo = m.gt
        if getattr(m, "le", None) is not None:
            hi = m.le
        if getattr(m, "lt", None) is not None:
            hi = m.lt
    return lo, hi


def _range(field) -> str:
    lo, hi = _bounds(field)
    if lo is not None and hi is not None:
        return f"{_number(lo)} … {_number(hi)}"
    if lo is not None:
        return f"≥ {_number(lo)}"
    if hi is not None:
        return f"≤ {_number(hi)}"
    return "any"


# --------------------------------------------------------------------------- parameters


def parameter_groups() -> dict[str, str]:
    """Each parameter's group, read from the section comments in collabsim/model/parameters.py.

    The class body is divided by comment lines such as ``# demand and urgency``; every field
    below a comment belongs to that group. Fields above the first comment fall in "other".
    """
    source = inspect.getsource(parameters_module.MechanismParameters)
    groups: dict[str, str] = {}
    current = "other"
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            current = stripped.lstrip("#").strip()
            continue
        match = re.match(r"([a-z_][a-z0-9_]*)\s*:", stripped)
        if match and match.group(1) in MechanismParameters.model_fields:
            groups[match.group(1)] = current
    return groups


def parameter_rows() -> list[tuple[str, str, str, str, str]]:
    """(group, name, default, range, meaning) for every mechanism parameter, in code order."""
    groups = parameter_groups()
    rows = []
    for name, field in MechanismParameters.model_fields.items():
        rows.append(
            (
                groups.get(name, "other"),
                name,
                _number(field.default),
                _range(field),
                field.description or "",
            )
        )
    return rows


def parameter_table_markdown() -> str:
    """The mechanism parameters as a Markdown table: name | default | range | meaning.

    Rows follow the order of collabsim.model.parameters.MechanismParameters; a bold row opens each
    group of parameters (the section comments of parameters.py).
    """
    lines = ["| name | default | range | meaning |", "|---|---:|---|---|"]
    last_group = None
    for group, name, default, rng, meaning in parameter_rows():
        if group != last_group:
            lines.append(f"| **{_cell(group)}** | | | |")
            last_group = group
        lines.append(f"| `{name}` | {default} | {rng} | {_cell(meaning)} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- scenario keys


def _literal_choices(annotation) -> tuple | None:
    """The choices of a Literal annotation (also inside Optional/Union), else None."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        choices: list = []
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) is Literal:
                choices.extend(typing.get_args(arg))
            elif arg is type(None):
                choices.append(None)
        return tuple(choices) if choices else None
    return None


def _value(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, (bool, int, float)):
        return _number(v)
    if isinstance(v, str):
        return f'"{v}"' if v else '""'
    if isinstance(v, list):
        return "[]" if not v else str(v)
    return str(v)


def _default(field) -> str:
    if field.default is PydanticUndefined:
        if field.default_factory is not None:
            return _value(field.default_factory())
        return "required"
    return _value(field.default)


def _allowed(field) -> str:
    ann = field.annotation
    choices = _literal_choices(ann)
    if choices:
        return ", ".join("none" if c is None else f"`{c}`" for c in choices)
    if ann is bool:
        return "true, false"
    if ann is str:
        return "text"
    kind = "whole number" if ann is int else "number"
    rng = _range(field)
    return kind if rng == "any" else f"{kind} {rng}"


def scenario_key_rows() -> list[tuple[str, str, str]]:
    """(section.key, default, allowed) for every scenario key, in the order of a scenario file."""
    rows = []
    for section, model in SCENARIO_SECTIONS:
        for key, field in model.model_fields.items():
            rows.append((f"{section}.{key}", _default(field), _allowed(field)))
    rows.append(
        (
            "parameters.<name>",
            "as in the parameter table",
            "any mechanism parameter, within its range (parameter table, §7.20)",
        )
    )
    return rows


def scenario_keys_table_markdown() -> str:
    """The scenario keys as a Markdown table: section.key | default | allowed."""
    lines = ["| section.key | default | allowed |", "|---|---|---|"]
    for key, default, allowed in scenario_key_rows():
        lines.append(f"| `{key}` | {_cell(default)} | {_cell(allowed)} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- region profiles


def _profile_table(title: str, profile: dict[str, tuple], columns: tuple[str, ...]) -> str:
    lines = [f"| {title} | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for label, values in profile.items():
        lines.append(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
    return "\n".join(lines)


def region_profiles_markdown() -> str:
    """The organisation types' profiles and collabsim.model.region's constants as Markdown."""
    from collabsim.model import region
    from collabsim.model.organisation_types import ORGANISATION_TYPES

    themes = region.THEMES
    types = ORGANISATION_TYPES.values()
    table = "`model.organisation_types.ORGANISATION_TYPES`"
    parts = [
        f"*Interest profile* ({table}, column `interest`; Dirichlet weights over the themes, "
        "0.3 is added to each before drawing):",
        "",
        _profile_table("kind", {t.label: t.interest for t in types}, themes),
        "",
        f"*Knowledge profile* ({table}, column `knowledge`; what each kind brings to joint "
        "action per theme):",
        "",
        _profile_table("kind", {t.label: t.knowledge for t in types}, themes),
        "",
        f"*Culture leaning and exposure to staff shortage* ({table}, columns `culture_leaning`, "
        "`shortage_exposure`):",
        "",
        _profile_table(
            "kind",
            {t.label: (t.culture_leaning, t.shortage_exposure) for t in types},
            ("culture leaning", "shortage exposure"),
        ),
        "",
        "*Usual demand per theme by kind of partnership* (`model.region.DEMAND_BY_KIND`):",
        "",
        _profile_table("kind of partnership", region.DEMAND_BY_KIND, themes),
        "",
        "*Design settings as numbers* (`model.region.GOVERNANCE_FORMALITY`, "
        "`model.region.MEETING_CONTACT`): "
        + ", ".join(f"{k} = {_number(v)}" for k, v in region.GOVERNANCE_FORMALITY.items())
        + " (formality); "
        + ", ".join(f"{k} = {_number(v)}" for k, v in region.MEETING_CONTACT.items())
        + " (contact intensity of the meeting rhythm).",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------- calibration snapshot


def calibration_markdown(replicates: int = 60, root_seed: int = 11) -> str:
    """The patterns experiments/calibrate.py prints, as a Markdown table (takes a few seconds)."""
    import importlib.util

    import numpy as np

    from collabsim.model.scenario import load_scenario
    from collabsim.runs.runner import run_replicates

    root = ODD_PATH.parents[1]
    spec = importlib.util.spec_from_file_location("calibrate", root / "experiments/calibrate.py")
    calibrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibrate)
    lines = [
        "| variant of the baseline | survive 10 years | median lifetime (months) | "
        "public value | mean trust | engagement month 48 → 54 | tensions resolved | "
        "formalised (share; median month) |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for name, sets in calibrate.VARIANTS.items():
        sc = load_scenario(root / "scenarios/baseline.toml", sets)
        r = run_replicates(sc, replicates, root_seed=root_seed)
        s, ts = r.summary, r.timeseries
        e48 = ts[ts.step == 48].engagement.mean()
        e54 = ts[ts.step == 54].engagement.mean()
        formal = s.formalised_month.notna().mean()
        month = f"{np.nanmedian(s.formalised_month):.0f}" if formal > 0 else "–"
        resolved = s.tensions_resolved.sum() / max(s.tensions.sum(), 1)
        lines.append(
            f"| {name} | {s.survived.mean():.2f} | {s.lifetime_months.median():.0f} | "
            f"{s.public_value.mean():.1f} | {s.mean_trust.mean():.2f} | {e48:.2f} → {e54:.2f} | "
            f"{resolved:.2f} | {formal:.2f}; {month} |"
        )
    lines.append("")
    lines.append(
        f"*{replicates} replicates per variant, root seed {root_seed}; written by "
        "`python -m collabsim.analysis.odd_tables --calibration`.*"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- the ODD file


def generated_blocks() -> dict[str, str]:
    """What each generated block of the ODD should contain now (the fast ones)."""
    return {
        "parameters": parameter_table_markdown(),
        "scenario-keys": scenario_keys_table_markdown(),
        "region-profiles": region_profiles_markdown(),
        "structure": structure_markdown(),
    }


def structure_markdown() -> str:
    """The [structure] switches (collabsim.model.structure.LOOPS) as a Markdown table."""
    from collabsim.model.structure import LOOPS

    rows = ["| key | the loop | switched off: set to 0 |", "|---|---|---|"]
    for name, loop in LOOPS.items():
        zeroed = [f"`{p}`" for p in loop.parameters] + [
            f"`conditions.{c}`" for c in loop.conditions
        ]
        rows.append(f"| `structure.{name}` | {_cell(loop.meaning)} | {', '.join(zeroed)} |")
    return "\n".join(rows)


def inline_defaults(text: str) -> list[tuple[str, str, str]]:
    """(name, value written, current default) for every inline `name` = value in the text."""
    fields = MechanismParameters.model_fields
    return [
        (m.group(1), m.group(2), _number(fields[m.group(1)].default))
        for m in INLINE_DEFAULT.finditer(text)
        if m.group(1) in fields
    ]


def _rewrite_inline(text: str) -> str:
    fields = MechanismParameters.model_fields

    def fix(m: re.Match) -> str:
        name = m.group(1)
        if name not in fields:
            return m.group(0)
        return f"`{name}` = {_number(fields[name].default)}"

    return INLINE_DEFAULT.sub(fix, text)


def _pattern(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- {re.escape(name)}:start -->\n)\n*(.*?)\n*(<!-- {re.escape(name)}:end -->)",
        re.DOTALL,
    )


def read_block(text: str, name: str) -> str:
    """The current content of a generated block in the ODD text (raises if markers are missing)."""
    match = _pattern(name).search(text)
    if match is None:
        raise ValueError(f"docs/ODD.md has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return match.group(2).strip("\n")


def _replace_block(text: str, name: str, content: str) -> str:
    read_block(text, name)  # fail clearly when a marker is missing
    # A blank line on each side keeps Markdown tables apart from the HTML-comment markers.
    return _pattern(name).sub(lambda m: f"{m.group(1)}\n{content}\n\n{m.group(3)}", text)


def render(text: str, calibration: bool = False) -> str:
    """The ODD text with every generated block and inline default rewritten from the code."""
    for name, content in generated_blocks().items():
        text = _replace_block(text, name, content)
    if calibration:
        text = _replace_block(text, "calibration", calibration_markdown())
    return _rewrite_inline(text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks of docs/ODD.md (or, with --check, only report drift)."""
    parser = argparse.ArgumentParser(
        prog="python -m collabsim.analysis.odd_tables", description=__doc__
    )
    parser.add_argument("--path", type=Path, default=ODD_PATH, help="the ODD file")
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    parser.add_argument(
        "--calibration", action="store_true", help="also rerun the calibration snapshot (slow)"
    )
    args = parser.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    new = render(text, calibration=args.calibration and not args.check)
    if args.check:
        if new != text:
            print(
                f"{args.path}: generated tables are out of date; "
                "run python -m collabsim.analysis.odd_tables"
            )
            return 1
        print(f"{args.path}: up to date")
        return 0
    if new != text:
        args.path.write_text(new, encoding="utf-8")
        print(f"{args.path}: tables rewritten")
    else:
        print(f"{args.path}: already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
