"""The collaboration scan (samenwerkingsscan): partners' answers → a scenario, a projection, advice.

Partners each score their partnership on the statements of ``scenarios/scan/questionnaire.toml``
(Likert 1–5). The scan aggregates the answers per statement, shows where partners disagree, turns
the scores into a scenario (each statement informs one scenario key through a documented monotone
mapping, see docs/scan.md), projects it 5 and 10 years ahead with replicated runs, and ranks the
levers: for each, the change in 5-year survival when it improves by one scan point, with common
random numbers. ``collabsim scan`` (collabsim/cli/scan.py) writes ``scan.html`` and ``scan.json``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from collabsim.errors import CollabsimInputError

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "scenarios" / "scan" / "questionnaire.toml"
EXAMPLES = ROOT / "scenarios" / "scan" / "examples"

BLOCKS = ("drivers", "design", "conditions", "practice")
DIRECTIONS = ("+", "-", "descriptive")
MAPPINGS = ("linear", "governance", "kind", "coordinator", "meeting_rhythm")
RESPONDENT_TYPES = ("vmbo", "mbo", "hbo", "firm", "municipality")
TYPE_ALIASES = {"bedrijf": "firm", "gemeente": "municipality", "company": "firm"}
NEUTRAL = 3.0
DISAGREE_POINTS = 2  # a range of answers this wide or wider: partners disagree
HORIZON_5, HORIZON_10 = 60, 120
SERIES_BANDS = ("trust", "engagement", "urgency", "incentives", "shared_interest")
GOVERNANCE_FORMALITY = {"informal": 0.0, "covenant": 0.5, "legal_entity": 1.0}
MEETINGS = ("none", "monthly", "weekly")
CAVEAT = (
    "collabsim is a thinking tool, not a forecast: the levels behind these numbers are judgements "
    "turned into a model, so read them as 'what would follow if the model's reasoning holds' and "
    "use them to start the conversation between partners, not to settle it."
)
CAVEAT_NL = (
    "collabsim is een denkinstrument, geen voorspelling: de getallen volgen uit inschattingen die "
    "in een model zijn gezet. Lees ze als 'wat zou volgen als de redenering van het model klopt' "
    "en gebruik ze om het gesprek tussen partners te beginnen, niet om het te beslechten."
)
TROUBLE_WORDS = {
    "tension_raised": "tensions come up between partners",
    "tension_resolved": "tensions are worked through",
    "tension_escalated": "tensions escalate",
    "liaison_left": "a representative (liaison) leaves",
    "member_left": "a member drifts off",
    "member_joined": "a member joins",
    "funding_started": "funding starts",
    "funding_ended": "funding ends",
    "formalised": "the partnership formalises",
    "demand_shock": "a sudden shift in regional demand",
    "teacher_moment": "a teacher moment",
}


# --------------------------------------------------------------------------- the questionnaire


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
    from collabsim.model.scenario import Scenario

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CollabsimInputError(f"{p}: cannot read the questionnaire ({exc})") from None
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


# --------------------------------------------------------------------------- answers


@dataclass
class Respondent:
    """One row of answers: who answered, for which organisation, and the scores (None: missing)."""

    row: str  # where in the file, e.g. "row 3"
    organisation: str
    type: str
    answers: dict[str, int | None]
    name: str = ""


def _parse_answer(value: Any, where: str, item_id: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == "" or text.lower() in ("na", "n/a", "-", "?"):
            return None
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise CollabsimInputError(
                f"{where}, item {item_id}: answer '{text}' is not a number; answer 1–5 "
                "(or leave it empty)"
            ) from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise CollabsimInputError(f"{where}, item {item_id}: answer {value!r} is not a number 1–5")
    else:
        number = float(value)
    if not 1 <= number <= 5:
        raise CollabsimInputError(
            f"{where}, item {item_id}: answer {value} is outside 1–5 "
            "(1 = strongly disagree ... 5 = strongly agree)"
        )
    if number != int(number):
        raise CollabsimInputError(
            f"{where}, item {item_id}: answer {value} is not a whole number 1–5"
        )
    return int(number)


def _respondent(
    where: str, fields: dict[str, Any], answers: dict[str, Any], q: Questionnaire
) -> Respondent:
    raw_type = str(fields.get("type") or "").strip().lower()
    organisation = str(fields.get("organisation") or "").strip()
    who = f"{where} ({organisation})" if organisation else where
    if not raw_type:
        raise CollabsimInputError(
            f"{who}, item type: no organisation type; use one of {', '.join(RESPONDENT_TYPES)}"
        )
    kind = TYPE_ALIASES.get(raw_type, raw_type)
    if kind not in RESPONDENT_TYPES:
        raise CollabsimInputError(
            f"{who}, item type: '{raw_type}' is not an organisation type; use one of "
            f"{', '.join(RESPONDENT_TYPES)}"
        )
    known = set(q.ids)
    for item_id in answers:
        if item_id not in known:
            raise _unknown_item(where, item_id, q)
    parsed = {i: _parse_answer(answers.get(i), who, i) for i in q.ids}
    return Respondent(
        where,
        organisation or f"{kind} ({where})",
        kind,
        parsed,
        str(fields.get("respondent") or fields.get("name") or "").strip(),
    )


INFO_COLUMNS = ("organisation", "type", "respondent", "name")


def _column(k: int) -> str:
    """A spreadsheet's name of the k-th column (1 → A, 27 → AA), to find it in Excel."""
    letters = ""
    while k > 0:
        k, rest = divmod(k - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _unknown_item(where: str, item_id: str, q: Questionnaire) -> CollabsimInputError:
    import difflib

    guess = difflib.get_close_matches(item_id, q.ids, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return CollabsimInputError(
        f"{where}, item {item_id}: unknown item{hint} (items: {', '.join(q.ids)})"
    )


def _csv_header(path: Path, n: int, row: list[str], q: Questionnaire) -> list[str]:
    """The header's column names: each known and given once (empty columns at the right end,
    as spreadsheets sometimes export them, are dropped)."""
    header = [c.strip() for c in row]
    while header and not header[-1]:
        header.pop()
    where = f"{path}: row {n} (header)"
    if "type" not in [c.lower() for c in header]:
        raise CollabsimInputError(
            f"{where}, item type: no 'type' column; the header needs organisation, type and the "
            "item ids (e.g. inc1, urg1, ...)"
        )
    seen: dict[str, int] = {}
    for k, col in enumerate(header, start=1):
        if not col:
            raise CollabsimInputError(
                f"{where}, column {k} ({_column(k)}): the column has no name; name it (an item id "
                "such as inc1, or organisation, type, respondent) or delete the column"
            )
        key = col.lower() if col.lower() in INFO_COLUMNS else col
        if key not in INFO_COLUMNS and key not in q.ids:
            raise _unknown_item(where, col, q)
        if key in seen:
            j = seen[key]
            raise CollabsimInputError(
                f"{where}, column {k} ({_column(k)}): '{col}' is already column {j} "
                f"({_column(j)}); keep one '{col}' column (delete or rename the other)"
            )
        seen[key] = k
    return [col.lower() if col.lower() in INFO_COLUMNS else col for col in header]


def _read_csv(path: Path, text: str, q: Questionnaire) -> list[Respondent]:
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), dialect))  # \r, \n or \r\n
    except csv.Error as exc:
        raise CollabsimInputError(
            f"{path}: not a readable CSV ({exc}); save it from the spreadsheet as CSV (UTF-8)"
        ) from None
    # rows as a spreadsheet numbers them (a quoted cell may span lines); blank rows are skipped
    rows = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise CollabsimInputError(
            f"{path}: the file has no rows with text; expected a header "
            "'organisation,type,<item ids>' and one row per respondent"
        )
    header = _csv_header(path, rows[0][0], rows[0][1], q)
    if len(rows) < 2:
        raise CollabsimInputError(f"{path}: no respondents; the file has only a header row")
    out = []
    for n, row in rows[1:]:
        cells = [c.strip() for c in row]
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise CollabsimInputError(
                f"{path}: row {n}: {len(cells)} cells but the header has {len(header)} columns; "
                f"cell {len(header) + 1} ({_column(len(header) + 1)}) onwards has no column name"
            )
        if len(cells) < len(header):
            raise CollabsimInputError(
                f"{path}: row {n}: {len(cells)} cells but the header has {len(header)} columns; "
                "give every row a cell for every column (leave a cell empty for a missing "
                "answer, e.g. '3,,4')"
            )
        named = dict(zip(header, cells, strict=False))
        fields = {c: v for c, v in named.items() if c in INFO_COLUMNS}
        answers = {c: v for c, v in named.items() if c not in INFO_COLUMNS}
        out.append(_respondent(f"{path}: row {n}", fields, answers, q))
    return out


def _read_toml(path: Path, text: str, q: Questionnaire) -> list[Respondent]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CollabsimInputError(f"{path}: not valid TOML ({exc})") from None
    for key in data:
        if key != "respondent":
            raise CollabsimInputError(
                f"{path}: '{key}' is not part of an answers file; it holds [[respondent]] tables "
                "(organisation, type, respondent, [respondent.answers])"
            )
    people = data.get("respondent", [])
    if not isinstance(people, list):
        raise CollabsimInputError(
            f"{path}: 'respondent' must be [[respondent]] tables, one per respondent"
        )
    if not people:
        raise CollabsimInputError(
            f"{path}: no respondents; add [[respondent]] tables with organisation, type, answers"
        )
    out = []
    for n, raw in enumerate(people, start=1):
        where = f"{path}: respondent {n}"
        if not isinstance(raw, dict):
            raise CollabsimInputError(f"{where}: must be a [[respondent]] table")
        for key in INFO_COLUMNS:
            if key in raw and not isinstance(raw[key], str):
                raise CollabsimInputError(
                    f'{where}, {key}: {raw[key]!r} must be text in quotes, e.g. {key} = "..."'
                )
        given = raw.get("answers", {})
        if not isinstance(given, dict):
            raise CollabsimInputError(
                f"{where}, answers: must be a table of item = answer, e.g. "
                "[respondent.answers] with inc1 = 4"
            )
        answers = dict(given)
        for key in set(raw) - {*INFO_COLUMNS, "answers"}:  # answers may sit in the table itself
            if key in answers:
                raise CollabsimInputError(
                    f"{where}, item {key}: given twice (in [respondent.answers] and in "
                    "[[respondent]] itself); keep one"
                )
            answers[key] = raw[key]
        out.append(_respondent(where, raw, answers, q))
    return out


def read_answers(path: str | Path, q: Questionnaire) -> list[Respondent]:
    """Read a CSV (one row per respondent) or TOML ([[respondent]]) file of scan answers.

    A byte-order mark (as Excel and Notepad write) is accepted; a column or an item given twice,
    a row with fewer or more cells than the header, and a respondent given twice are errors."""
    from collabsim.model.scenario import read_text_file

    p = Path(path)
    toml = p.suffix.lower() == ".toml"
    expected = (
        "[[respondent]] tables with organisation, type and answers"
        if toml
        else "a header 'organisation,type,<item ids>' and one row per respondent"
    )
    text = read_text_file(p, "answers", "scenarios/scan/examples/", expected)
    people = _read_toml(p, text, q) if toml else _read_csv(p, text, q)
    check_people(people, str(p))
    check_unique(people)
    return people


def check_unique(people: list[Respondent]) -> None:
    """Each person answers once: the same organisation and respondent twice is an error, and so
    are two unnamed rows of one organisation with the same answers (a copied row)."""

    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()

    seen: dict[tuple, Respondent] = {}
    for r in people:
        org = norm(r.organisation)
        if r.name:
            key: tuple = (org, norm(r.name))
        else:
            key = (org, r.type, tuple(r.answers.get(i) for i in sorted(r.answers)))
        first = seen.setdefault(key, r)
        if first is r:
            continue
        there = first.row.rsplit(": ", 1)[-1]
        if r.name:
            raise CollabsimInputError(
                f"{r.row}: the same respondent as {there} ('{r.name}' of {r.organisation}); "
                "each person answers once, so delete one of the two (or correct the name)"
            )
        raise CollabsimInputError(
            f"{r.row}: a copy of {there} ({r.organisation}, the same answers, no respondent "
            "name); delete the copy, or if they are two people, name them in a respondent column"
        )


def check_people(people: list[Respondent], source: str) -> None:
    """One organisation has one type; a partnership needs at least two organisations."""
    from collabsim.limits import MAX_PARTNERSHIP_MEMBERS

    if not people:
        raise CollabsimInputError(f"{source}: no respondents")
    types: dict[str, str] = {}
    for r in people:
        if types.setdefault(r.organisation, r.type) != r.type:
            raise CollabsimInputError(
                f"{r.row}, item type: organisation '{r.organisation}' is '{r.type}' here but "
                f"'{types[r.organisation]}' in an earlier row"
            )
    if len(types) < 2:
        raise CollabsimInputError(
            f"{source}: answers from only one organisation ({next(iter(types))}); a partnership "
            "needs at least two"
        )
    if len(types) > MAX_PARTNERSHIP_MEMBERS:
        raise CollabsimInputError(
            f"{source}: answers from {len(types)} organisations; the model runs partnerships of "
            f"at most {MAX_PARTNERSHIP_MEMBERS} members"
        )


def write_answers_csv(people: list[Respondent], q: Questionnaire, path: Path) -> Path:
    """Save answers as the CSV `collabsim scan` reads."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["organisation", "type", "respondent", *q.ids])
        for r in people:
            w.writerow(
                [r.organisation, r.type, r.name]
                + ["" if r.answers[i] is None else r.answers[i] for i in q.ids]
            )
    return path


# --------------------------------------------------------------------------- aggregation


@dataclass
class ItemScore:
    """One statement aggregated over respondents."""

    item: Item
    answers: list[int | None]
    mean: float
    sd: float
    lo: float
    hi: float
    assumed: float | None  # the neutral 3 when nobody answered

    @property
    def n(self) -> int:
        return sum(a is not None for a in self.answers)

    @property
    def spread(self) -> float:
        return self.hi - self.lo if self.n else 0.0

    @property
    def disagree(self) -> bool:
        return self.n >= 2 and self.spread >= DISAGREE_POINTS

    @property
    def favourable(self) -> float:
        return self.item.favourable(self.mean)


def aggregate(people: list[Respondent], q: Questionnaire) -> dict[str, ItemScore]:
    """Mean, SD and range per item over the respondents who answered it."""
    out = {}
    for item in q.items:
        answers = [r.answers.get(item.id) for r in people]
        given = np.array([a for a in answers if a is not None], dtype=float)
        if len(given):
            sd = float(given.std(ddof=1)) if len(given) > 1 else 0.0
            out[item.id] = ItemScore(
                item,
                answers,
                float(given.mean()),
                sd,
                float(given.min()),
                float(given.max()),
                None,
            )
        else:
            out[item.id] = ItemScore(item, answers, NEUTRAL, math.nan, math.nan, math.nan, NEUTRAL)
    return out


def lever_scores(scores: dict[str, ItemScore], q: Questionnaire) -> dict[str, float]:
    """Favourable mean score (1..5) per lever: the mean over its items, each turned favourable."""
    return {
        lid: float(np.mean([scores[i.id].favourable for i in q.items_of(lid)]))
        for lid in q.levers
        if q.items_of(lid)
    }


# --------------------------------------------------------------------------- the mapping


def linear_value(lever: Lever, x: float) -> float:
    """Piecewise linear through (1, bad), (3, neutral), (5, good): monotone from bad to good."""
    x = min(max(x, 1.0), 5.0)
    if x <= NEUTRAL:
        return lever.bad + (lever.neutral - lever.bad) * (x - 1.0) / 2.0
    return lever.neutral + (lever.good - lever.neutral) * (x - NEUTRAL) / 2.0


def fitting_formality(members: int, operational: bool) -> float:
    """The formality that fits a partnership (as `mechanisms.governance_misfit` computes it)."""
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
    (firm, municipality, mbo; hbo for strategic work) join as candidates. Also the mapping from the
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
    relevant = ["mbo", "firm", "municipality"] + ([] if operational else ["hbo"])
    for kind in relevant:
        if kind not in orgs.values():
            groups.append(_group(kind, 1, False))
            names[f"{kind}-1"] = f"{kind} (not at the table yet)"
    return groups, names


def _group(kind: str, count: int, member: bool) -> dict:
    if kind in ("vmbo", "mbo", "hbo"):
        return {"type": "school", "level": kind, "count": count, "member": member}
    return {"type": kind, "count": count, "member": member}


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


# --------------------------------------------------------------------------- projection


def survival_5y(summary: pd.DataFrame) -> np.ndarray:
    """1 for runs still going after 60 months (lifetime ≥ 60), else 0."""
    return (summary["lifetime_months"].to_numpy() >= HORIZON_5).astype(float)


def engagement_at(timeseries: pd.DataFrame, month: int) -> np.ndarray:
    """Mean engagement at one month per run, in replicate order (0 once dissolved)."""
    ts = timeseries[timeseries["step"] == month].sort_values(["replicate", "partnership"])
    alive = ts["phase"].astype(str) != "dissolved"
    return np.where(alive, ts["engagement"].to_numpy(), 0.0)


def _share(flags: np.ndarray) -> dict:
    from collabsim.analysis.stats import wilson_interval

    k, n = int(flags.sum()), len(flags)
    lo, hi = wilson_interval(k, n)
    return {"share": k / n if n else math.nan, "low": lo, "high": hi, "k": k, "n": n}


def trajectory_bands(timeseries: pd.DataFrame) -> dict[str, list[dict]]:
    """Per month: mean and 10–90% band of each driver over the partnerships still going."""
    alive = timeseries["phase"].astype(str) != "dissolved"
    ts = timeseries[alive]
    out: dict[str, list[dict]] = {}
    grouped = ts.groupby("step")
    for col in SERIES_BANDS:
        g = grouped[col]
        frame = pd.DataFrame(
            {"mean": g.mean(), "p10": g.quantile(0.1), "p90": g.quantile(0.9), "n": g.size()}
        )
        out[col] = [
            {"month": int(m), "mean": a, "p10": b, "p90": c, "going": int(n)}
            for m, a, b, c, n in zip(
                frame.index, frame["mean"], frame["p10"], frame["p90"], frame["n"], strict=True
            )
        ]
    return out


def sources_of_trouble(summary: pd.DataFrame, events: pd.DataFrame, window: int = 12) -> dict:
    """Event kinds in the 12 months before each collapse, against their rate over all months
    partnerships were going (the base rate)."""
    dead = summary[~summary["survived"]]
    exposure = float(summary["lifetime_months"].sum())
    ev = events[events["kind"] != "dissolved"]
    base = ev.groupby("kind").size()
    windows = []
    for _, row in dead.iterrows():
        d = int(row["lifetime_months"])
        sel = ev[
            (ev["replicate"] == row["replicate"])
            & (ev["partnership"] == row["partnership"])
            & (ev["step"] > d - window)
            & (ev["step"] <= d)
        ]
        windows.append((min(window, d), sel["kind"].value_counts()))
    months_before = float(sum(w for w, _ in windows))
    rows = []
    for kind in sorted(set(base.index)):
        count = int(sum(c.get(kind, 0) for _, c in windows))
        runs_with = int(sum(c.get(kind, 0) > 0 for _, c in windows))
        rate_before = count / months_before if months_before else math.nan
        base_rate = base.get(kind, 0) / exposure if exposure else math.nan
        rows.append(
            {
                "kind": kind,
                "what": TROUBLE_WORDS.get(kind, kind),
                "count_before_collapse": count,
                "collapses_with_it": runs_with,
                "share_of_collapses": runs_with / len(windows) if windows else math.nan,
                "rate_before_per_month": rate_before,
                "base_rate_per_month": base_rate,
                "ratio": rate_before / base_rate if base_rate else math.nan,
            }
        )
    rows.sort(key=lambda r: (-r["count_before_collapse"], r["kind"]))
    return {"collapses": len(windows), "window_months": window, "kinds": rows}


def project(scenario, seeds: list[int]) -> dict:
    """Run the scenario 10 years ahead: survival, lifetimes, bands and sources of trouble."""
    from collabsim.analysis.stats import kaplan_meier, mean_interval
    from collabsim.runs.runner import run_replicates

    res = run_replicates(scenario, seeds=seeds)
    s = res.summary
    km = kaplan_meier(s["lifetime_months"], ~s["survived"], scenario.scenario.steps)
    pv = mean_interval(s["public_value"])
    return {
        "result": res,
        "survival_5y": _share(survival_5y(s)),
        "survival_10y": _share(s["survived"].to_numpy().astype(float)),
        "median_lifetime_months": float(s["lifetime_months"].median()),
        "public_value": {"mean": pv[0], "low": pv[1], "high": pv[2]},
        "kaplan_meier": km.to_dict("records"),
        "bands": trajectory_bands(res.timeseries),
        "trouble": sources_of_trouble(s, res.events),
    }


def _setting_text(lever: Lever, value: Any) -> str:
    if lever.mapping == "coordinator":
        return "a coordinator" if value else "no coordinator"
    if lever.mapping == "meeting_rhythm":
        return {"none": "no fixed moments", "monthly": "monthly", "weekly": "weekly"}[value]
    if lever.mapping == "governance":
        return {"informal": "informal", "covenant": "a covenant", "legal_entity": "a legal entity"}[
            value
        ]
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def rank_levers(
    inputs: ScanInputs,
    q: Questionnaire,
    seeds: list[int],
    base_5y: np.ndarray,
    base_engagement: np.ndarray,
    name: str,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """Each lever improved by one scan point (a discrete one: its next setting), rerun with the
    same seeds over 5 years; paired difference in 5-year survival with a 95% interval.

    Ranked by that difference; equal differences (e.g. several levers that all lift survival to
    100%) by the mean change in members' engagement at month 60, then by questionnaire order.
    `base_engagement`: the projection's engagement at month 60 per run (0 once dissolved)."""
    from collabsim.analysis.stats import paired_difference
    from collabsim.runs.runner import run_replicates

    operational = inputs.values["partnership.kind"] == "operational"
    rows = []
    for lid, lever in q.levers.items():
        if not lever.lever or not q.items_of(lid):
            continue
        before = inputs.values[lever.key]
        score = inputs.levers[lid]
        if lever.mapping == "linear":
            better = improved_people(inputs.people, q, lid)
            new = build_scenario(better, q, name, steps=HORIZON_5)
            after, new_score = new.values[lever.key], new.levers[lid]
            change = f"score {score:.1f} → {new_score:.1f} (value {before:.3g} → {after:.3g})"
        else:
            after = next_setting(lever, before, inputs.members, operational)
            new_score = score
            new = (
                None
                if after is None
                else build_scenario(
                    inputs.people, q, name, fixed={lever.key: after}, steps=HORIZON_5
                )
            )
            change = (
                f"{_setting_text(lever, before)} → {_setting_text(lever, after)}"
                if after is not None
                else f"{_setting_text(lever, before)} (already the best setting)"
            )
        row = {
            "lever": lid,
            "label": lever.label,
            "label_nl": lever.label_nl,
            "key": lever.key,
            "score": score,
            "improved_score": new_score,
            "value": before,
            "improved_value": after,
            "change": change,
        }
        if new is None or after == before:
            row.update(status="already at the top", difference=0.0, low=0.0, high=0.0)
            row.update(survival_5y=float(base_5y.mean()), engagement_change=0.0)
        else:
            res = run_replicates(new.scenario, seeds=seeds)
            lever_5y = survival_5y(res.summary)
            d, lo, hi = paired_difference(base_5y, lever_5y)
            row.update(
                status="clearly helps"
                if lo > 0
                else ("clearly hurts" if hi < 0 else "no clear effect"),
                difference=d,
                low=lo,
                high=hi,
                survival_5y=float(lever_5y.mean()),
                engagement_change=float(
                    np.mean(engagement_at(res.timeseries, HORIZON_5) - base_engagement)
                ),
            )
        rows.append(row)
        if progress is not None:
            progress(1)
    order = list(q.levers)
    rows.sort(
        key=lambda r: (
            -round(r["difference"], 9),
            -round(r["engagement_change"], 9),
            order.index(r["lever"]),
        )
    )
    for k, r in enumerate(rows, start=1):
        r["rank"] = k
    return rows


def advice(ranking: list[dict], q: Questionnaire) -> list[dict]:
    """The top three levers in plain words (English and Dutch): those that raise 5-year
    survival, or, where survival is already (nearly) certain, those that raise engagement at
    month 60 most (a margin of safety)."""
    out = []
    for r in ranking:
        helps = r["difference"] > 0
        margin = r["difference"] == 0 and r["engagement_change"] > 0.01
        if len(out) == 3 or not (helps or margin):
            break
        lever = q.levers[r["lever"]]
        setting = _setting_text(lever, r["improved_value"])
        if helps:
            sure = (
                "the interval excludes zero"
                if r["low"] > 0
                else "the interval includes zero, so treat it as a hint"
            )
            en = (
                f"In the model, this raises 5-year survival by {100 * r['difference']:.0f} "
                f"points (95% interval {100 * r['low']:.0f} to {100 * r['high']:.0f}; {sure})."
            )
            nl = (
                f"In het model stijgt de kans dat de samenwerking 5 jaar standhoudt met "
                f"{100 * r['difference']:.0f} procentpunt (95%-interval {100 * r['low']:.0f} "
                f"tot {100 * r['high']:.0f})."
            )
        else:
            en = (
                "Survival is already (nearly) certain in the model; this lever adds most to "
                f"the partners' engagement after 5 years (+{r['engagement_change']:.2f} on a "
                "0-1 scale): a margin of safety for harder times."
            )
            nl = (
                "In het model houdt de samenwerking al (vrijwel) zeker stand; deze knop voegt "
                f"het meeste toe aan de inzet van partners na 5 jaar (+{r['engagement_change']:.2f}"
                " op een schaal van 0-1): een buffer voor moeilijker tijden."
            )
        out.append(
            {
                "rank": len(out) + 1,
                "lever": r["lever"],
                "en": f"{lever.advice.format(setting=setting)} {en}",
                "nl": f"{lever.advice_nl.format(setting=setting)} {nl}",
            }
        )
    return out


# --------------------------------------------------------------------------- figures


def _score_colour(x: float | None):
    import matplotlib

    if x is None or not math.isfinite(x):
        return "#d9d9d9"
    return matplotlib.colormaps["RdYlGn"]((x - 1) / 4 * 0.8 + 0.1)


def _value_text(lever: Lever, value: Any) -> str:
    """A lever's model setting in a few words, e.g. 'staff turnover 0.26' or 'a covenant'."""
    if lever.mapping == "linear":
        return f"{lever.key.split('.')[-1].replace('_', ' ')} {value:.2f}"
    return _setting_text(lever, value)


def plot_poster(inputs: ScanInputs, q: Questionnaire, path: Path) -> Path:
    """The conversation poster (praatplaat): design and practice (left) and conditions (right)
    shape the four drivers (centre), which keep partners engaged; engagement makes joint action
    possible, its small wins feed trust back and add public value. Boxes coloured by score."""
    import matplotlib
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from collabsim.runs.plotting import plt

    disagree = {
        lid for lid in q.levers if any(inputs.scores[i.id].disagree for i in q.items_of(lid))
    }
    fig, ax = plt.subplots(figsize=(14, 8.6), dpi=100)
    ax.set_xlim(0, 14)
    ax.set_ylim(0, 8.6)
    ax.axis("off")

    def frame(x, y, w, h, title):
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle="round,pad=0.05,rounding_size=0.2", fc="#f4f4f4", ec="#bbb"
            )
        )
        ax.text(x + 0.1, y + h - 0.08, title, fontsize=10.5, weight="bold", va="top", color="#333")

    def box(x, y, w, h, lid):
        lever = q.levers[lid]
        score = inputs.levers[lid]
        descriptive = lever.mapping == "kind"
        colour = "#e3e3ef" if descriptive else _score_colour(score)
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle="round,pad=0.03,rounding_size=0.1", fc=colour, ec="#555"
            )
        )
        value = inputs.values[lever.key]
        ax.text(x + 0.08, y + h - 0.1, lever.label, fontsize=9.5, weight="bold", va="top")
        ax.text(
            x + 0.08,
            y + h - 0.36,
            lever.label_nl,
            fontsize=7.5,
            style="italic",
            va="top",
            color="#333",
        )
        text = str(value) if descriptive else f"{score:.1f}/5 → {_value_text(lever, value)}"
        ax.text(x + 0.08, y + 0.07, text, fontsize=8, va="bottom")
        if lid in disagree:
            ax.text(
                x + w - 0.08,
                y + h - 0.1,
                "(!) disagree",
                fontsize=7.5,
                color="#b2182b",
                weight="bold",
                va="top",
                ha="right",
            )

    def arrow(a, b, **kw):
        ax.add_patch(
            FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16, lw=1.6, color="#555", **kw)
        )

    # left: design and practice
    frame(0.1, 4.15, 3.3, 3.9, "DESIGN  (ontwerp)")
    for k, lid in enumerate(("parties", "governance", "kind")):
        box(0.25, 6.55 - k * 1.12, 3.0, 0.95, lid)
    frame(0.1, 1.3, 3.3, 2.55, "PRACTICE  (praktijk)")
    for k, lid in enumerate(("coordinator", "meetings")):
        box(0.25, 2.35 - k * 1.0, 3.0, 0.85, lid)
    # right: conditions
    frame(10.6, 0.2, 3.3, 7.85, "CONDITIONS  (condities)")
    conditions = (
        "agility",
        "turnover",
        "handover",
        "rules",
        "staff_time",
        "culture",
        "orientation",
        "volatility",
    )
    for k, lid in enumerate(conditions):
        box(10.75, 6.85 - k * 0.9, 3.0, 0.78, lid)
    # centre: the four drivers
    frame(4.1, 3.75, 5.8, 4.3, "DRIVERS  (drijfveren): they only work in combination")
    for k, lid in enumerate(("incentives", "urgency", "shared_interest", "trust")):
        box(4.3 + (k % 2) * 2.8, 5.85 - (k // 2) * 1.95, 2.6, 1.55, lid)
    # centre bottom: what the drivers keep going
    outcomes = (
        ("engagement", "inzet van partners"),
        ("joint action", "samen doen"),
        ("public value", "publieke waarde"),
    )
    for k, (title, nl) in enumerate(outcomes):
        x = 4.1 + k * 2.0
        ax.add_patch(
            FancyBboxPatch(
                (x, 0.5),
                1.8,
                1.0,
                boxstyle="round,pad=0.03,rounding_size=0.1",
                fc="#dde7f3",
                ec="#555",
            )
        )
        ax.text(x + 0.9, 1.12, title, fontsize=9.5, weight="bold", ha="center")
        ax.text(x + 0.9, 0.78, nl, fontsize=7.5, style="italic", ha="center")
        if k:
            arrow((x - 0.2, 1.0), (x, 1.0))
    arrow((3.45, 6.0), (4.05, 6.0))
    arrow((3.45, 2.6), (4.05, 4.4))
    arrow((10.55, 5.9), (9.95, 5.9))
    arrow((7.0, 3.7), (5.0, 1.55))
    arrow((7.0, 1.55), (8.3, 3.7), connectionstyle="arc3,rad=0.25", ls="--")
    ax.text(8.05, 2.45, "small wins build trust\n(kleine successen)", fontsize=7.5, color="#444")
    sm = matplotlib.cm.ScalarMappable(
        cmap=matplotlib.colors.ListedColormap(
            [_score_colour(1 + 4 * t) for t in np.linspace(0, 1, 64)]
        ),
        norm=matplotlib.colors.Normalize(1, 5),
    )
    cax = fig.add_axes([0.02, 0.05, 0.2, 0.022])
    cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
    cb.set_label("partners' mean score, turned so that 5 is favourable", fontsize=8)
    ax.set_title(
        "Conversation poster (praatplaat): the partners' scores on the causal structure",
        fontsize=13,
        loc="left",
    )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01)
    fig.savefig(path)
    plt.close(fig)
    return path


TYPE_COLOURS = {
    "vmbo": "#7570b3",
    "mbo": "#1b9e77",
    "hbo": "#66a61e",
    "firm": "#d95f02",
    "municipality": "#e7298a",
}


def plot_disagreement(inputs: ScanInputs, q: Questionnaire, path: Path) -> Path:
    """Every respondent's answer per statement, by organisation type, with the mean; statements
    where partners differ by two points or more are marked."""
    from collabsim.runs.plotting import plt

    items = list(q.items)
    fig, ax = plt.subplots(figsize=(11, 0.34 * len(items) + 1.6), dpi=100)
    offsets = np.linspace(-0.25, 0.25, max(len(inputs.people), 1))
    for y, item in enumerate(items):
        sc = inputs.scores[item.id]
        if sc.disagree:
            ax.axhspan(y - 0.45, y + 0.45, color="#fde0dd", lw=0)
        for k, (r, a) in enumerate(zip(inputs.people, sc.answers, strict=True)):
            if a is not None:
                ax.scatter(a, y + offsets[k], s=22, color=TYPE_COLOURS[r.type], zorder=3)
        ax.scatter(sc.mean, y, marker="|", s=260, color="#000" if sc.n else "#999", zorder=4)
    labels = [
        f"{i.id}{' (−)' if i.direction == '-' else ''}  {i.en[:62]}{'…' if len(i.en) > 62 else ''}"
        for i in items
    ]
    ax.set_yticks(range(len(items)), labels, fontsize=7.5)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0.6, 5.4)
    ax.set_xticks([1, 2, 3, 4, 5], ["1 disagree", "2", "3", "4", "5 agree"])
    ax.grid(axis="x", alpha=0.3)
    for t, c in TYPE_COLOURS.items():
        if any(r.type == t for r in inputs.people):
            ax.scatter([], [], color=c, label=t)
    ax.scatter([], [], marker="|", s=120, color="#000", label="mean")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=6, fontsize=8, frameon=False)
    fig.suptitle(
        "Where partners agree and disagree (shaded: answers 2 or more points apart; "
        "(−): negatively worded statement)",
        fontsize=10,
        x=0.01,
        ha="left",
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_survival(proj: dict, path: Path) -> Path:
    """Share of projected partnerships still going, month by month, with its 95% band."""
    from collabsim.runs.plotting import plt

    km = pd.DataFrame(proj["kaplan_meier"])
    fig, ax = plt.subplots(figsize=(9, 3.8), dpi=100)
    ax.fill_between(km["month"], km["low"], km["high"], color="#333", alpha=0.15, lw=0)
    ax.step(km["month"], km["survival"], where="post", color="#333", lw=2)
    for m, key in ((HORIZON_5, "survival_5y"), (HORIZON_10, "survival_10y")):
        s = proj[key]
        ax.errorbar(
            m,
            s["share"],
            yerr=[[s["share"] - s["low"]], [s["high"] - s["share"]]],
            fmt="o",
            color="#d95f02",
            capsize=4,
        )
        ax.annotate(
            f"{s['share']:.0%} ({s['low']:.0%}–{s['high']:.0%})",
            (m, s["share"]),
            textcoords="offset points",
            xytext=(-70, 10),
            fontsize=9,
        )
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, km["month"].max())
    ax.set_xlabel("month")
    ax.set_ylabel("still going")
    ax.set_title("Projected survival (Kaplan–Meier with 95% band; dots: 5 and 10 years)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_bands(proj: dict, name: str, path: Path) -> Path:
    """Expected trajectories: mean and 10–90% band of each driver, month by month, over the
    projected partnerships still going (the numbers of scan.json → projection → bands)."""
    from collabsim.runs.plotting import plt
    from collabsim.runs.run_figures import draw_band, finish_levels_axes, save_figure

    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=100)
    last = -1
    for col in SERIES_BANDS:
        rows = proj["bands"][col]
        if not rows:
            continue
        month = [r["month"] for r in rows]
        last = max(last, month[-1])
        band = ([r[key] for r in rows] for key in ("p10", "p90", "mean"))
        draw_band(ax, month, *band, col)
    if last < HORIZON_10:
        ended = "at the start" if last < 0 else f"after month {last}"
        ax.text(
            HORIZON_10,
            0.97,
            f"no projected partnership still going {ended}",
            ha="right",
            va="top",
            fontsize=9,
            color="#555",
        )
    ax.set_xlabel("month")
    finish_levels_axes(
        ax, f"{name}: mean and 10–90% band over the partnerships still going", HORIZON_10
    )
    return save_figure(fig, path)


def plot_levers(ranking: list[dict], path: Path) -> Path:
    """Change in 5-year survival per lever (one scan point better), with 95% intervals."""
    from collabsim.runs.plotting import plt

    rows = list(reversed(ranking))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.4), dpi=100)
    y = np.arange(len(rows))
    d = np.array([100 * r["difference"] for r in rows])
    lo = np.array([100 * r["low"] for r in rows])
    hi = np.array([100 * r["high"] for r in rows])
    colours = [
        "#1b9e77" if r["low"] > 0 else ("#d62728" if r["high"] < 0 else "#999") for r in rows
    ]
    ax.barh(y, d, color=colours, alpha=0.8)
    ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="none", color="#333", capsize=3)
    ax.set_yticks(y, [f"{r['label']}" for r in rows], fontsize=8.5)
    ax.axvline(0, color="#333", lw=1)
    ax.set_xlabel("change in 5-year survival (percentage points), same random numbers")
    ax.set_title("Levers: one scan point better (a setting: its next step)", loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- report


def _clean(x: Any) -> Any:
    """Plain JSON: numpy scalars to Python, NaN to null, floats rounded to 6 decimals."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    return x


def timeline_lines(proj: dict, inputs: ScanInputs, replicate: int, limit: int = 30) -> list[str]:
    """One projected run's notable events in plain English (collabsim.analysis.narration), with the
    partners' own names instead of the model's (mbo-1, firm-2, ...)."""
    from collabsim.analysis.narration import narrate
    from collabsim.model.events import Event

    ev = proj["result"].events
    quiet = ("tension_raised", "tension_resolved")  # the everyday bumps; the rest tells the story
    ev = ev[(ev["replicate"] == replicate) & ~ev["kind"].isin(quiet)]
    out = []
    for row in ev.itertuples(index=False):
        e = Event(
            int(row.step),
            str(row.partnership),
            str(row.kind),
            inputs.names.get(str(row.who), str(row.who)),
            inputs.names.get(str(row.other), str(row.other)),
            str(row.variable),
            float(row.before),
            float(row.after),
            str(row.detail),
        )
        out.append(narrate(e, "en"))
    if len(out) > limit:
        out = out[: limit - 1] + [f"... and {len(out) - limit + 1} more events"]
    return out


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em} td,th{border:1px solid #ccc;
padding:.3em .6em;text-align:left;vertical-align:top} th{background:#f3f3f3}
img{max-width:100%;height:auto;border:1px solid #eee} .warn{background:#fde0dd}
.caveat{background:#fff8dc;border-left:4px solid #e6b800;padding:.6em 1em}
.big{font-size:1.4em;font-weight:bold} li{margin:.4em 0} .nl{color:#555;font-style:italic}
"""


def _pct(s: dict) -> str:
    return (
        f"{s['share']:.0%} (95% interval {s['low']:.0%}–{s['high']:.0%}, {s['k']} of {s['n']} runs)"
    )


def render_html(report: dict, figures: dict[str, Path]) -> str:
    """The self-contained scan report (no external files, scripts, fonts or links)."""
    from collabsim.runs.run_figures import embed_png

    e = html.escape
    p = report["projection"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>collabsim scan: {e(report['name'])}</title><style>{CSS}</style></head><body>",
        f"<h1>Collaboration scan: {e(report['name'])}</h1>",
        f"<p>{len(report['respondents'])} respondents from {len(report['organisations_at_table'])}"
        f" organisations ({e(', '.join(report['organisations_at_table']))}); "
        f"{report['replicates']} projected runs, root seed {report['seed']}.</p>",
        f"<p class='caveat'>{e(CAVEAT)}<br><span class='nl'>{e(CAVEAT_NL)}</span></p>",
        "<h2>1. Your scores on the causal structure (conversation poster)</h2>",
        "<p>Design, conditions and practice shape the four drivers; the drivers keep partners "
        "engaged, engagement makes joint action possible, and its small wins feed trust back. "
        "Each box shows the partners' mean score (turned so that 5 is favourable) and the "
        "model setting it gives.</p>",
        embed_png(figures["poster"], "conversation poster"),
        "<h2>2. Where partners disagree</h2>",
    ]
    flagged = [i for i in report["items"] if i["disagree"]]
    if flagged:
        parts.append(
            "<p>On these statements answers lie two or more points apart: a driver felt by only "
            "some partners is itself a finding worth discussing.</p><table><tr><th>item</th>"
            "<th>statement</th><th>answers</th><th>mean</th><th>range</th><th>SD</th></tr>"
        )
        for i in flagged:
            ans = ", ".join(
                f"{o}: {a}"
                for o, a in zip(report["respondent_labels"], i["answers"], strict=True)
                if a is not None
            )
            parts.append(
                f"<tr class='warn'><td>{e(i['id'])}</td><td>{e(i['en'])}<br><span class='nl'>"
                f"{e(i['nl'])}</span></td><td>{e(ans)}</td><td>{i['mean']:.1f}</td>"
                f"<td>{i['range']:.0f}</td><td>{i['sd']:.1f}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No statement has answers two or more points apart.</p>")
    if report["missing"]:
        parts.append("<p><b>Missing answers.</b></p><ul>")
        for m in report["missing"]:
            parts.append(f"<li>{e(m['note'])}</li>")
        parts.append("</ul>")
    parts.append(embed_png(figures["disagreement"], "answers per statement"))
    parts += [
        "<h2>3. Projection</h2>",
        f"<p>Still going after <b>5 years</b>: <span class='big'>{_pct(p['survival_5y'])}</span>"
        f"<br>after <b>10 years</b>: <span class='big'>{_pct(p['survival_10y'])}</span><br>"
        f"median lifetime {p['median_lifetime_months']:.0f} months; public value "
        f"{p['public_value']['mean']:.1f} (95% interval {p['public_value']['low']:.1f}–"
        f"{p['public_value']['high']:.1f}).</p>",
        embed_png(figures["survival"], "projected survival"),
        "<p>Expected trajectories: the mean and 10–90% band of each driver over the projected "
        "partnerships still going.</p>",
        embed_png(figures["trajectories"], "trajectory bands"),
        "<h3>Most likely sources of trouble</h3>",
    ]
    tr = p["trouble"]
    if tr["collapses"]:
        parts.append(
            f"<p>In the {tr['collapses']} projected runs that fell apart, these events happened in "
            f"the {tr['window_months']} months before the collapse (ratio: how much more often "
            "than in the months partnerships were going in general).</p><table><tr><th>event</th>"
            "<th>times</th><th>share of collapses</th><th>per month before collapse</th>"
            "<th>per month overall</th><th>ratio</th></tr>"
        )
        for k in tr["kinds"]:
            if not k["count_before_collapse"]:
                continue
            ratio = "–" if k["ratio"] is None else f"{k['ratio']:.1f}×"
            parts.append(
                f"<tr><td>{e(k['what'])}</td><td>{k['count_before_collapse']}</td>"
                f"<td>{k['share_of_collapses']:.0%}</td><td>{k['rate_before_per_month']:.2f}</td>"
                f"<td>{k['base_rate_per_month']:.2f}</td><td>{ratio}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None of the projected runs fell apart within 10 years.</p>")
    parts += [
        "<h2>4. Levers: what would help most</h2>",
        "<p>Each lever improved by one scan point (every partner's answer on its statements one "
        "point better; a setting such as the meeting rhythm: its next step), rerun with the same "
        "random numbers as the projection; the change in 5-year survival with a 95% interval.</p>",
    ]
    if report["advice"]:
        parts.append("<ol>")
        for a in report["advice"]:
            parts.append(f"<li>{e(a['en'])}<br><span class='nl'>{e(a['nl'])}</span></li>")
        parts.append("</ol>")
    else:
        parts.append("<p>No lever raises 5-year survival in these runs.</p>")
    parts.append(f"<p class='caveat'>{e(CAVEAT)}</p>")
    parts.append(embed_png(figures["levers"], "lever ranking"))
    parts.append(
        "<table><tr><th>rank</th><th>lever</th><th>change</th><th>5-year survival</th>"
        "<th>difference (95% interval)</th><th>reading</th></tr>"
    )
    for r in report["lever_ranking"]:
        parts.append(
            f"<tr><td>{r['rank']}</td><td>{e(r['label'])} <span class='nl'>({e(r['label_nl'])})"
            f"</span></td><td>{e(r['change'])}</td><td>{r['survival_5y']:.0%}</td>"
            f"<td>{100 * r['difference']:+.0f} ({100 * r['low']:+.0f} to {100 * r['high']:+.0f})"
            f"</td><td>{e(r['status'])}</td></tr>"
        )
    parts.append("</table>")
    t = report["timeline"]
    parts += [
        "<h2>5. One projected timeline</h2>",
        f"<p>Projected run {t['replicate']} ({e(t['fate'])}): trust and engagement month by "
        "month, with the events marked; the list tells the same story in words.</p>",
        embed_png(figures["timeline"], "one projected timeline"),
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in t["lines"]) + "</ul>",
        "<h2>6. The scenario the scan built</h2><table><tr><th>key</th><th>value</th>"
        "<th>from</th></tr>",
    ]
    for lv in report["levers"]:
        parts.append(
            f"<tr><td>{e(lv['key'])}</td><td>{e(str(lv['value']))}</td><td>{e(lv['label'])}: "
            f"mean favourable score {lv['score']:.2f}</td></tr>"
        )
    parts.append(
        "</table><p>Organisations: "
        + e(
            "; ".join(
                f"{g['count']} {g.get('level') or g['type']}"
                + ("" if g["member"] else " (candidate, not at the table yet)")
                for g in report["scenario"]["organisations"]
            )
        )
        + ". Every number of this page is in scan.json; the mapping is explained in "
        "docs/scan.md.</p></body></html>"
    )
    return "\n".join(parts)


# --------------------------------------------------------------------------- the whole scan


@dataclass
class ScanOutcome:
    """What a scan produced."""

    out: Path
    report: dict = field(default_factory=dict)


def check_options(replicates: int, seed: int) -> None:
    """--replicates within 2..MAX_REPLICATES, --seed within 0..2**63-1 (one line otherwise)."""
    from collabsim import limits

    limits.check_count("--replicates", replicates, 2, limits.MAX_REPLICATES)
    limits.check_seed("--seed", seed)


def rerun_levers(q: Questionnaire) -> list[str]:
    """The levers rank_levers may rerun (at most one set of runs each)."""
    return [lid for lid, lv in q.levers.items() if lv.lever and q.items_of(lid)]


def check_scan_work(
    inputs: ScanInputs, q: Questionnaire, replicates: int, yes: bool = False
) -> float:
    """Estimate the scan's work before any model run (collabsim.limits.check_work).

    Runs: the projection and one rerun per lever, `replicates` each (a lever already at its best
    is not rerun, so this is an upper bound; the 5-year lever runs are counted as 10-year runs).
    Memory: the projection's results (with monthly series) and one lever's results are held at a
    time, so the bytes kept are spread over all runs. Returns the estimated seconds."""
    from collabsim import limits

    size = limits.run_size(inputs.scenario)
    levers = len(rerun_levers(q))
    runs = replicates * (1 + levers)
    lever_size = limits.RunSize(size.partnerships, size.widest, HORIZON_5)
    held = size.kept_bytes(series=True) + (lever_size.kept_bytes(series=True) if levers else 0)
    return limits.check_work(
        f"a scan with --replicates {replicates} ({runs} runs: the projection and {levers} levers)",
        runs,
        size,
        kept_per_run=math.ceil(held / (1 + levers)),
        workers=1,
        yes=yes,
        advice="use fewer --replicates",
    )


def run_scan(
    people: list[Respondent],
    q: Questionnaire,
    out: Path,
    name: str,
    replicates: int = 100,
    seed: int = 1,
    answers_source: str = "",
    save_answers: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    yes: bool = False,
) -> ScanOutcome:
    """Build, project, rank levers and write scan.html and scan.json (all or nothing).

    Before any model run: the options are checked and the work estimated (collabsim.limits);
    work that cannot fit in memory is refused, work over an hour needs `yes`."""
    from collabsim.runs.outputs import check_out_dir, writing_folder
    from collabsim.runs.run_figures import plot_timeline
    from collabsim.runs.runner import replicate_seeds

    check_options(replicates, seed)
    out = Path(out)
    check_out_dir(out)
    inputs = build_scenario(people, q, name, seed)
    check_scan_work(inputs, q, replicates, yes=yes)
    seeds = replicate_seeds(seed, replicates)
    n_levers = len(rerun_levers(q))
    if progress:
        progress("projecting", 0, 1 + n_levers)
    proj = project(inputs.scenario, seeds)
    if progress:
        progress("ranking levers", 1, 1 + n_levers)
    base_5y = survival_5y(proj["result"].summary)
    base_engagement = engagement_at(proj["result"].timeseries, HORIZON_5)
    done = [1]

    def step(k: int) -> None:
        done[0] += k
        if progress:
            progress("ranking levers", done[0], 1 + n_levers)

    ranking = rank_levers(inputs, q, seeds, base_5y, base_engagement, name, step)
    with writing_folder(out) as tmp:
        res = proj["result"]
        from collabsim.runs.run_figures import pick_bumpy_replicate

        rep = pick_bumpy_replicate(res.timeseries, res.events)
        lifetime = int(res.summary.loc[res.summary["replicate"] == rep, "lifetime_months"].iloc[0])
        fate_ok = bool(res.summary.loc[res.summary["replicate"] == rep, "survived"].iloc[0])
        figures = {
            "poster": plot_poster(inputs, q, tmp / "poster.png"),
            "disagreement": plot_disagreement(inputs, q, tmp / "disagreement.png"),
            "survival": plot_survival(proj, tmp / "survival.png"),
            "trajectories": plot_bands(proj, name, tmp / "bands.png"),
            "levers": plot_levers(ranking, tmp / "levers.png"),
            "timeline": plot_timeline(
                res.timeseries, res.events, inputs.scenario, tmp / "timeline.png", replicate=rep
            ),
        }
        report = build_report(
            inputs, q, proj, ranking, name, seed, seeds, answers_source, rep, lifetime, fate_ok
        )
        (tmp / "scan.json").write_text(
            json.dumps(_clean(report), indent=1, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        (tmp / "scan.html").write_text(render_html(report, figures), encoding="utf-8")
        if save_answers:
            write_answers_csv(people, q, tmp / "answers.csv")
    return ScanOutcome(out, report)


def build_report(
    inputs: ScanInputs,
    q: Questionnaire,
    proj: dict,
    ranking: list[dict],
    name: str,
    seed: int,
    seeds: list[int],
    answers_source: str,
    rep: int,
    lifetime: int,
    survived: bool,
) -> dict:
    """Every number of the scan as plain data (scan.json)."""
    labels = [f"{r.organisation} ({r.type})" for r in inputs.people]
    items, missing = [], []
    for item in q.items:
        sc = inputs.scores[item.id]
        absent = [lab for lab, a in zip(labels, sc.answers, strict=True) if a is None]
        items.append(
            {
                "id": item.id,
                "block": item.block,
                "lever": item.lever,
                "direction": item.direction,
                "en": item.en,
                "nl": item.nl,
                "answers": sc.answers,
                "n": sc.n,
                "mean": sc.mean,
                "favourable_mean": sc.favourable,
                "sd": sc.sd,
                "min": sc.lo,
                "max": sc.hi,
                "range": sc.spread if sc.n else None,
                "disagree": sc.disagree,
                "assumed": sc.assumed,
            }
        )
        if sc.assumed is not None:
            missing.append(
                {
                    "item": item.id,
                    "missing_from": absent,
                    "assumed": sc.assumed,
                    "note": f"{item.id}: nobody answered; the neutral 3 was assumed (for a "
                    f"linear lever that is the scenario default)",
                }
            )
        elif absent:
            missing.append(
                {
                    "item": item.id,
                    "missing_from": absent,
                    "assumed": None,
                    "note": f"{item.id}: no answer from {', '.join(absent)}; the mean is over "
                    f"the {sc.n} who answered",
                }
            )
    levers = [
        {
            "lever": lid,
            "key": lv.key,
            "label": lv.label,
            "score": inputs.levers[lid],
            "value": inputs.values[lv.key],
            "items": [i.id for i in q.items_of(lid)],
        }
        for lid, lv in q.levers.items()
        if lid in inputs.levers
    ]
    projection = {k: v for k, v in proj.items() if k != "result"}
    return {
        "collabsim_scan": 1,
        "name": name,
        "answers_file": answers_source,
        "questionnaire": q.source,
        "seed": seed,
        "replicates": len(seeds),
        "seeds": seeds,
        "respondents": [
            {
                "where": r.row.split(": ")[-1],
                "organisation": r.organisation,
                "type": r.type,
                "respondent": r.name,
            }
            for r in inputs.people
        ],
        "respondent_labels": labels,
        "organisations_at_table": sorted({r.organisation for r in inputs.people}),
        "model_names": inputs.names,
        "items": items,
        "disagreement": [i["id"] for i in items if i["disagree"]],
        "missing": missing,
        "levers": levers,
        "scenario": inputs.scenario.to_dict(),
        "projection": projection,
        "lever_ranking": ranking,
        "advice": advice(ranking, q),
        "caveat": CAVEAT,
        "caveat_nl": CAVEAT_NL,
        "timeline": {
            "replicate": rep,
            "fate": "still going after 10 years" if survived else f"fell apart in month {lifetime}",
            "lines": timeline_lines(proj, inputs, rep),
        },
    }
