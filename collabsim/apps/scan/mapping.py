"""The mapping: the partners' scores turned into a scenario of their partnership.

Each lever's favourable mean score gives its scenario key a value through a documented monotone
mapping (linear through bad, neutral and good; or a setting such as governance, chosen by its fit
to the partnership's size and kind); each responding organisation becomes a member, and the kinds
the sources call relevant that did not answer join as candidates (docs/scan.md §3). Also the
answers one scan point better and a setting's next step, which the lever ranking reruns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from collabsim.apps.scan.answers import RESPONDENT_TYPES, Respondent
from collabsim.apps.scan.projection import HORIZON_10
from collabsim.apps.scan.questionnaire import Lever, Questionnaire
from collabsim.apps.scan.scoring import NEUTRAL, ItemScore, aggregate, lever_scores
from collabsim.model.organisation_types import ORGANISATION_TYPES, scenario_group

GOVERNANCE_FORMALITY = {"informal": 0.0, "covenant": 0.5, "legal_entity": 1.0}
MEETINGS = ("none", "monthly", "weekly")


def linear_value(lever: Lever, x: float) -> float:
    """Piecewise linear through (1, bad), (3, neutral), (5, good): monotone from bad to good."""
    x = min(max(x, 1.0), 5.0)
    if x <= NEUTRAL:
        return lever.bad + (lever.neutral - lever.bad) * (x - 1.0) / 2.0
    return lever.neutral + (lever.good - lever.neutral) * (x - NEUTRAL) / 2.0


def fitting_formality(members: int, operational: bool) -> float:
    """The formality that fits a partnership (as mechanisms.governance_fit computes it)."""
    return float(np.clip((members - 3) / 20 + 0.25 * operational, 0.0, 1.0))


def governance_by_fit(members: int, operational: bool) -> list[str]:
    """Governance options from best to worst fitting (ties: the less formal first)."""
    fit = fitting_formality(members, operational)
    return sorted(GOVERNANCE_FORMALITY, key=lambda g: abs(GOVERNANCE_FORMALITY[g] - fit))


def map_lever(lever: Lever, x: float, members: int = 2, operational: bool = True) -> Any:
    """The scenario value a favourable mean score x (1..5) gives for one lever."""
    if lever.mapping == "linear":
        return round(linear_value(lever, x), 6)
    if lever.mapping == "coordinator":
        return bool(x >= 3.5)
    if lever.mapping == "meeting_rhythm":
        return "none" if x < 2.5 else ("monthly" if x < 4.0 else "weekly")
    if lever.mapping == "kind":
        return "operational" if x >= NEUTRAL else "strategic"
    if lever.mapping == "governance":
        ranked = governance_by_fit(members, operational)
        return ranked[0] if x >= NEUTRAL else (ranked[1] if x >= 2.0 else ranked[2])
    raise ValueError(lever.mapping)


def goodness(lever: Lever, value: Any, members: int = 2, operational: bool = True) -> float:
    """How good a value of this lever is for the partnership (higher is better); for tests."""
    if lever.mapping == "linear":
        return float(value) if lever.good >= lever.bad else -float(value)
    if lever.mapping == "coordinator":
        return float(value)
    if lever.mapping == "meeting_rhythm":
        return float(MEETINGS.index(value))
    if lever.mapping == "governance":
        return -abs(GOVERNANCE_FORMALITY[value] - fitting_formality(members, operational))
    return 0.0


def organisation_groups(people: list[Respondent], operational: bool) -> tuple[list[dict], dict]:
    """The scenario's [[organisations]]: one per responding organisation; missing relevant kinds
    (firm, municipality, mbo; hbo for strategic work: the table of organisation types' column
    scan_candidate) join as candidates. Also the mapping from the
    model's names (mbo-1, firm-2, ...) to the organisations' own names."""
    orgs: dict[str, str] = {}
    for r in people:
        orgs.setdefault(r.organisation, r.type)
    groups, names = [], {}
    for kind in RESPONDENT_TYPES:
        mine = [o for o, t in orgs.items() if t == kind]
        if not mine:
            continue
        groups.append(_group(kind, len(mine), True))
        for k, o in enumerate(mine, start=1):
            names[f"{kind}-{k}"] = o
    # the kinds relevant to every partnership first, then those relevant to strategic work only
    wanted = ("all",) if operational else ("all", "strategic")
    relevant = [
        lab for w in wanted for lab, t in ORGANISATION_TYPES.items() if t.scan_candidate == w
    ]
    for kind in relevant:
        if kind not in orgs.values():
            groups.append(_group(kind, 1, False))
            names[f"{kind}-1"] = f"{kind} (not at the table yet)"
    return groups, names


def _group(kind: str, count: int, member: bool) -> dict:
    return {**scenario_group(kind), "count": count, "member": member}


@dataclass
class ScanInputs:
    """Everything the scan derived from the answers: scores, settings and the scenario."""

    people: list[Respondent]
    scores: dict[str, ItemScore]
    levers: dict[str, float]  # favourable mean per lever
    values: dict[str, Any]  # scenario key → value
    scenario: Any
    names: dict[str, str]
    members: int


def scan_values(
    levers: dict[str, float], q: Questionnaire, members: int, fixed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Scenario key → value for every lever; `fixed` overrides some (a lever's next setting)."""
    kind = q.levers["kind"]
    operational = map_lever(kind, levers.get("kind", NEUTRAL)) == "operational"
    values = {
        lev.key: map_lever(lev, levers.get(lid, NEUTRAL), members, operational)
        for lid, lev in q.levers.items()
    }
    values.update(fixed or {})
    return values


def build_scenario(
    people: list[Respondent],
    q: Questionnaire,
    name: str = "scan",
    seed: int = 1,
    fixed: dict[str, Any] | None = None,
    steps: int = HORIZON_10,
) -> ScanInputs:
    """The partnership's scenario: its organisations and the mapped scan scores."""
    from collabsim.model.scenario import validate_scenario

    scores = aggregate(people, q)
    levers = lever_scores(scores, q)
    operational = map_lever(q.levers["kind"], levers.get("kind", NEUTRAL)) == "operational"
    groups, names = organisation_groups(people, operational)
    members = sum(g["count"] for g in groups if g["member"])
    values = scan_values(levers, q, members, fixed)
    data: dict[str, Any] = {
        "scenario": {
            "name": name,
            "description": f"built by collabsim scan from {len(people)} respondents",
            "steps": steps,
            "seed": seed,
        },
        "organisations": groups,
    }
    for key, value in values.items():
        section, _, leaf = key.partition(".")
        data.setdefault(section, {})[leaf] = value
    scenario = validate_scenario(data, source=f"scan of {name}")
    return ScanInputs(people, scores, levers, values, scenario, names, members)


def improved_people(people: list[Respondent], q: Questionnaire, lever_id: str) -> list[Respondent]:
    """The answers with every answer on the lever's items one point better (capped at 1..5);
    an item nobody answered is taken as one point better than neutral."""
    out = []
    items = q.items_of(lever_id)
    for r in people:
        answers = dict(r.answers)
        for item in items:
            a = answers[item.id]
            if a is None:
                continue
            answers[item.id] = min(a + 1, 5) if item.direction == "+" else max(a - 1, 1)
        out.append(Respondent(r.row, r.organisation, r.type, answers, r.name))
    for item in items:  # nobody answered: neutral 3 assumed; one point better
        if all(r.answers[item.id] is None for r in people):
            out[0].answers[item.id] = 4 if item.direction == "+" else 2
    return out


def next_setting(lever: Lever, value: Any, members: int, operational: bool) -> Any | None:
    """A discrete lever's next better setting, or None when it is already the best."""
    if lever.mapping == "coordinator":
        return None if value else True
    if lever.mapping == "meeting_rhythm":
        k = MEETINGS.index(value)
        return MEETINGS[k + 1] if k + 1 < len(MEETINGS) else None
    if lever.mapping == "governance":
        best = governance_by_fit(members, operational)[0]
        return None if value == best else best
    return None


def setting_text(lever: Lever, value: Any) -> str:
    if lever.mapping == "coordinator":
        return "a coordinator" if value else "no coordinator"
    if lever.mapping == "meeting_rhythm":
        return {"none": "no fixed moments", "monthly": "monthly", "weekly": "weekly"}[value]
    if lever.mapping == "governance":
        return {"informal": "informal", "covenant": "a covenant", "legal_entity": "a legal entity"}[
            value
        ]
    return f"{value:.3g}" if isinstance(value, float) else str(value)
