"""One table of organisation types: every module's per-type data comes from it, so adding a type
is adding one row (collabsim/model/organisation_types.py)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from typing import get_args

from collabsim.analysis.narration import org_name
from collabsim.apps.scan.answers import RESPONDENT_TYPES, TYPE_ALIASES
from collabsim.apps.scan.mapping import organisation_groups
from collabsim.model import region
from collabsim.model.agents import AGENT_CLASS, School
from collabsim.model.organisation_types import (
    ALIASES,
    ORG_LABELS,
    ORGANISATION_TYPES,
    SCHOOL_LEVELS,
    scenario_group,
)
from collabsim.model.scenario import OrganisationGroup

from .conftest import ROOT

LABELS = set(ORG_LABELS)


def test_every_module_knows_exactly_the_types_of_the_table():
    """Region's profiles, the agent classes, the scenario's type and level, the scan's respondent
    types and the Dutch names: each set of types is the table's labels."""
    for profile in (
        region.INTEREST_PROFILE,
        region.KNOWLEDGE_PROFILE,
        region.CULTURE_LEANING,
        region.SHORTAGE_EXPOSURE,
    ):
        assert set(profile) == LABELS
    assert set(AGENT_CLASS) == LABELS
    assert set(RESPONDENT_TYPES) == LABELS and TYPE_ALIASES == ALIASES
    scenario_types = get_args(OrganisationGroup.model_fields["type"].annotation)
    levels = get_args(get_args(OrganisationGroup.model_fields["level"].annotation)[0])
    assert levels == SCHOOL_LEVELS
    labels = {OrganisationGroup(**scenario_group(lab)).label for lab in ORG_LABELS}
    assert labels == LABELS
    assert {scenario_group(lab)["type"] for lab in ORG_LABELS} == set(scenario_types)
    for lab, t in ORGANISATION_TYPES.items():
        assert org_name(f"{lab}-2", "nl") == f"{t.name_nl}-2"
        assert issubclass(AGENT_CLASS[lab], School) == t.is_school


def test_region_profiles_are_the_tables_numbers():
    for lab, t in ORGANISATION_TYPES.items():
        assert region.INTEREST_PROFILE[lab] == t.interest
        assert region.KNOWLEDGE_PROFILE[lab] == t.knowledge
        assert len(t.interest) == len(region.THEMES)
        assert region.CULTURE_LEANING[lab] == t.culture_leaning
        assert region.SHORTAGE_EXPOSURE[lab] == t.shortage_exposure


def test_classroom_network_colours_every_type_of_the_table():
    from collabsim.apps.classroom import network_spec
    from collabsim.model.collaboration import CollaborationModel
    from collabsim.model.scenario import scenario_from_dict

    groups = [{**scenario_group(lab), "count": 1} for lab in ORG_LABELS]
    model = CollaborationModel(scenario_from_dict({"organisations": groups}), rng=1)
    for lang, name in (("en", "name_en"), ("nl", "name_nl")):
        scale = network_spec(model, lang)["layer"][1]["encoding"]["color"]["scale"]
        assert scale["domain"] == [getattr(t, name) for t in ORGANISATION_TYPES.values()]
        assert scale["range"] == [t.app_colour for t in ORGANISATION_TYPES.values()]


def test_scan_adds_the_tables_candidates_in_order():
    """Missing kinds join as candidates: those of every partnership, then strategic-only ones."""
    from collabsim.apps.scan.answers import Respondent

    people = [Respondent("row 2", "A", "vmbo", {}), Respondent("row 3", "B", "vmbo", {})]
    for operational, wanted in ((True, ("all",)), (False, ("all", "strategic"))):
        groups, _ = organisation_groups(people, operational)
        candidates = [g.get("level") or g["type"] for g in groups if not g["member"]]
        assert candidates == [
            lab for w in wanted for lab, t in ORGANISATION_TYPES.items() if t.scan_candidate == w
        ]


def _type_lists(tree: ast.AST, words: set[str]) -> list[int]:
    """Lines of the collections written out in the code (a tuple, list, set, or a dict's keys)
    that name two or more organisation types."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Dict):
            elements = [k for k in node.keys if k is not None]
        else:
            continue
        named = {e.value for e in elements if isinstance(e, ast.Constant) and e.value in words}
        if len(named) >= 2:
            lines.append(node.lineno)
    return lines


def test_no_module_keeps_its_own_list_of_types():
    """A tuple, list, set or dict that spells out two or more types (or their other words, such
    as 'gemeente') outside the table is a second list of the types, which a new row would miss;
    read the table instead. An example scenario naming a type or two is fine."""
    words = LABELS | set(ALIASES)
    table = ROOT / "collabsim" / "model" / "organisation_types.py"
    found = []
    for path in sorted((ROOT / "collabsim").rglob("*.py")):
        if path == table:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}:{line}" for line in _type_lists(tree, words)]
    assert not found, "types listed outside the table: " + ", ".join(found)
    old = 'ORG_TYPES = ("vmbo", "mbo", "hbo", "firm", "municipality")\nNL = {"firm": "bedrijf"}'
    assert _type_lists(ast.parse(old), words) == [1]  # what the test catches


NEW_ROW = """
_ROWS = (*_ROWS, OrganisationType(
    "wo", SCHOOL, "School",
    interest=(0.05, 0.15, 0.30, 0.50), knowledge=(0.20, 0.40, 0.60, 0.95),
    role="research", culture_leaning=0.3, shortage_exposure=0.5,
    name_en="university", name_nl="universiteit", app_colour="#000000", figure_colour="#111111",
    scan_candidate="",
))
"""

ADD_A_ROW = f"""
import importlib.util, sys
spec = importlib.util.find_spec("collabsim.model.organisation_types")
source = spec.loader.get_source(spec.name)
marker = "# fmt: on"
source = source.replace(marker, marker + {NEW_ROW!r}, 1)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
exec(compile(source, spec.origin, "exec"), module.__dict__)

from collabsim import CollaborationModel
from collabsim.analysis.narration import org_name
from collabsim.apps.scan.answers import RESPONDENT_TYPES, TYPE_ALIASES
from collabsim.model.scenario import scenario_from_dict

model = CollaborationModel(scenario_from_dict({{"organisations": [
    {{"type": "school", "level": "wo", "count": 1}},
    {{"type": "firm", "count": 1}},
]}}), rng=1).run(12)
assert [type(o).__name__ for o in model.organisations] == ["School", "Firm"]
assert model.organisations[0].level == "wo" and model.orgs.is_school.tolist() == [True, False]
assert "wo" in RESPONDENT_TYPES and TYPE_ALIASES["universiteit"] == "wo"
assert org_name("wo-1", "nl") == "universiteit-1"
print("ok")
"""


def test_adding_a_type_is_adding_one_row():
    """With one more row (a 'wo' school) and nothing else changed, a scenario with it validates
    and runs, and the scan and the Dutch timeline know it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run(
        [sys.executable, "-c", ADD_A_ROW], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]
