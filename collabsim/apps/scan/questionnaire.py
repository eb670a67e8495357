"""The questionnaire: the scan's statements (items) and the scenario keys they inform (levers).

``scenarios/scan/questionnaire.toml`` lists every statement with its block (drivers, design,
conditions, practice), its direction (a negatively worded statement counts reversed) and its
lever; each lever names one scenario key and the mapping that turns the partners' favourable mean
score into a value of that key (collabsim.apps.scan.mapping). Loading checks every key and mapping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from collabsim import shipped
from collabsim.errors import CollabsimInputError

QUESTIONNAIRE = shipped.root() / "scenarios" / "scan" / "questionnaire.toml"
EXAMPLES = shipped.root() / "scenarios" / "scan" / "examples"

BLOCKS = ("drivers", "design", "conditions", "practice")
DIRECTIONS = ("+", "-", "descriptive")
MAPPINGS = ("linear", "governance", "kind", "coordinator", "meeting_rhythm")


@dataclass(frozen=True)
class Lever:
    """One scenario key the scan informs, and how the favourable mean score maps onto it."""

    id: str
    key: str
    mapping: str
    label: str
    label_nl: str
    advice: str = ""
    advice_nl: str = ""
    lever: bool = True
    bad: float = math.nan
    neutral: float = math.nan
    good: float = math.nan


@dataclass(frozen=True)
class Item:
    """One statement of the scan."""

    id: str
    block: str
    lever: str
    direction: str
    en: str
    nl: str

    def favourable(self, score: float) -> float:
        """The score turned so that higher is better for the partnership (1..5)."""
        return 6.0 - score if self.direction == "-" else float(score)


@dataclass(frozen=True)
class Questionnaire:
    """The items and levers of the scan."""

    items: tuple[Item, ...]
    levers: dict[str, Lever]
    source: str = "questionnaire.toml"

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.items]

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def items_of(self, lever_id: str) -> list[Item]:
        return [i for i in self.items if i.lever == lever_id]


def load_questionnaire(path: str | Path = QUESTIONNAIRE) -> Questionnaire:
    """Read and check the questionnaire TOML (items, levers and their mappings)."""
    from collabsim.model.scenario import Scenario, parse_toml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CollabsimInputError(f"{p}: cannot read the questionnaire ({exc})") from None
    data = parse_toml(text, f"{p} (the questionnaire)")
    levers: dict[str, Lever] = {}
    for k, raw in enumerate(data.get("lever", []), start=1):
        try:
            lever = Lever(**raw)
        except TypeError as exc:
            raise CollabsimInputError(f"{p}: lever {k}: {exc}") from None
        section, _, name = lever.key.partition(".")
        model = Scenario.model_fields.get(section)
        fields = getattr(model.annotation, "model_fields", {}) if model else {}
        if name not in fields:
            raise CollabsimInputError(f"{p}: lever '{lever.id}': unknown scenario key {lever.key}")
        if lever.mapping not in MAPPINGS:
            raise CollabsimInputError(f"{p}: lever '{lever.id}': unknown mapping {lever.mapping}")
        if lever.mapping == "linear" and not all(
            math.isfinite(v) for v in (lever.bad, lever.neutral, lever.good)
        ):
            raise CollabsimInputError(f"{p}: lever '{lever.id}': linear needs bad, neutral, good")
        levers[lever.id] = lever
    items = []
    for k, raw in enumerate(data.get("item", []), start=1):
        try:
            item = Item(**raw)
        except TypeError as exc:
            raise CollabsimInputError(f"{p}: item {k}: {exc}") from None
        if item.block not in BLOCKS or item.direction not in DIRECTIONS:
            raise CollabsimInputError(f"{p}: item '{item.id}': bad block or direction")
        if item.lever not in levers:
            raise CollabsimInputError(f"{p}: item '{item.id}': unknown lever '{item.lever}'")
        items.append(item)
    if len({i.id for i in items}) != len(items):
        raise CollabsimInputError(f"{p}: item ids must be unique")
    return Questionnaire(tuple(items), levers, p.name)
