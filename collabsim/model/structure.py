"""Structural switches (docs/ODD.md §4.3): every feedback loop of the model can be switched off
by a key of the scenario's [structure] table, to see which of the model's conclusions owe what to
which loop (experiments/loops_ablation.toml).

A loop is switched off by setting the constants that carry it to zero (and, for liaison turnover,
the turnover rate): the equations stay the same, the loop's term vanishes. LOOPS is the one place
that says which constants carry which loop; everything else (the scenario's keys, the model, the
ODD's table) reads it. All loops are on by default, so a scenario without [structure] runs as it
always has.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field, create_model

from collabsim.model.validation import StrictTable


class Loop(NamedTuple):
    """A feedback loop: what it does, and the constants (and conditions) that carry it."""

    meaning: str
    parameters: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()


LOOPS: dict[str, Loop] = {
    "engagement_builds_trust": Loop(
        "R1: members who invest meet, trust each other and come to share the agenda",
        ("trust_gain_contact", "understanding_per_month"),
    ),
    "small_wins": Loop(
        "R2: joint successes raise trust, shared interest and the worth of engaging; failures "
        "lower trust",
        ("trust_gain_success", "trust_loss_failure", "weight_results", "interest_from_success"),
    ),
    "board_backing": Loop(
        "B7: the boards' backing, half of a member's own incentives, follows the results",
        ("board_dependence",),
    ),
    "in_kind_reciprocity": Loop(
        "R4: what engaged partners put on the table in kind is an incentive to engage",
        ("in_kind_weight",),
    ),
    "joining": Loop("R3: a successful partnership attracts fitting newcomers", ("join_per_month",)),
    "urgency_spreads": Loop(
        "urgency voiced by engaged partners spreads through trusted ties", ("urgency_contagion",)
    ),
    "urgency_without_trust_fights": Loop(
        "urgency that partners do not trust each other with raises tensions",
        ("tension_urgency_distrust",),
    ),
    "success_erodes_urgency": Loop(
        "B2: results solve part of the problem, and urgency fades", ("success_erodes_urgency",)
    ),
    "liaison_turnover": Loop(
        "B4: liaisons leave and personal trust goes with them", conditions=("staff_turnover",)
    ),
    "formalisation_tradeoff": Loop(
        "B5: formalising keeps trust through turnover but slows the agenda",
        ("formal_agility_loss", "trust_retained_formal"),
    ),
    "tension_effects": Loop(
        "tensions worked through add trust; escalated ones cost trust and engagement",
        ("tension_trust_gain_resolved", "tension_trust_loss_escalated", "tension_engagement_loss"),
    ),
    "crises": Loop(
        "escalations that pile up break out into a crisis that shakes all trust at once",
        ("crisis_trust_loss", "crisis_engagement_loss"),
    ),
    "crisis_repair": Loop(
        "after a crisis, partners who keep meeting repair the trust it broke",
        ("crisis_repair_per_month",),
    ),
    "lagging_agenda_tensions": Loop(
        "an agenda that lags shifting demand raises tensions (what agility prevents)",
        ("tension_irrelevance",),
    ),
    "trust_decay": Loop("trust fades in months without contact", ("trust_decay_per_month",)),
}

Structure = create_model(
    "Structure",
    __base__=StrictTable,
    __doc__="[structure]: switch a feedback loop off (false) to see what the results owe it.",
    **{name: (bool, Field(True, description=loop.meaning)) for name, loop in LOOPS.items()},
)


def switched_off(structure) -> list[str]:
    """The loops a [structure] table switches off, in LOOPS order."""
    return [name for name in LOOPS if not getattr(structure, name)]


def effective_parameters(scenario):
    """The scenario's mechanism constants with those of every switched-off loop set to zero."""
    return _zeroed(scenario, "parameters")


def effective_conditions(scenario):
    """The scenario's conditions with those of every switched-off loop set to zero."""
    return _zeroed(scenario, "conditions")


def _zeroed(scenario, table: str):
    """A table of the scenario (named as the Loop field that lists its keys) with the keys of
    every switched-off loop set to zero; the table itself when no loop touches it."""
    off = switched_off(scenario.structure)
    zeroed = {key: 0.0 for name in off for key in getattr(LOOPS[name], table)}
    current = getattr(scenario, table)
    return current.model_copy(update=zeroed) if zeroed else current
