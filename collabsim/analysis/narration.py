"""Plain-language lines for the timeline: each model event told in English or Dutch (the Dutch
from the one catalogue, collabsim/locale).

"Month 27: the vmbo-2 liaison leaves — trust with mbo-1 falls from 0.62 to 0.41".
The classroom app shows these; they are also handy in notebooks (``narrate_all(model.events)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from collabsim.locale import N_, translator
from collabsim.model.events import Event
from collabsim.model.organisation_types import ORGANISATION_TYPES

LANGUAGES = ("en", "nl")

# Dutch words for the organisation-type prefixes of names such as "firm-3" (from the type table).
_NL_ORG = {lab: t.name_nl for lab, t in ORGANISATION_TYPES.items() if t.name_nl != lab}

# How important an event is for the timeline's colour: "major" events change the story.
SEVERITY = {
    "tension_raised": "minor",
    "tension_resolved": "good",
    "tension_escalated": "bad",
    "tension_let_go": "minor",
    "crisis": "bad",
    "liaison_left": "bad",
    "funding_started": "good",
    "funding_ended": "bad",
    "member_joined": "good",
    "member_left": "bad",
    "formalised": "good",
    "dissolved": "bad",
    "demand_shock": "minor",
    "teacher_moment": "teacher",
}

# The sentences, English as the key; their Dutch is in the one catalogue (collabsim/locale).
_MESSAGES = {
    "month": N_("Month {step}"),
    "liaison_left": N_("the {who} liaison leaves — trust with {other} {moves} from {a} to {b}"),
    "liaison_left_alone": N_("the {who} liaison leaves"),
    "tension_raised": N_("a tension comes up between {who} and {other}"),
    "tension_resolved": N_(
        "{who} and {other} work out their tension — trust {moves} from {a} to {b}"
    ),
    "tension_escalated": N_(
        "the tension between {who} and {other} escalates — trust {moves} from {a} to {b}"
    ),
    "tension_let_go": N_("{who} lets its tension with {other} go and gives in"),
    "tension_let_go_alone": N_("{who} lets a tension go and gives in"),
    "crisis": N_(
        "escalations pile up and the partnership breaks down — trust between the partners "
        "{moves} from {a} to {b}"
    ),
    "funding_started": N_("the funding '{who}' starts ({b} a month)"),
    "funding_ended": N_("the funding '{who}' ends (was {a} a month)"),
    "member_joined": N_("{who} joins the partnership (now {b} members)"),
    "member_left": N_("{who} leaves the partnership: it is no longer worth what it costs"),
    "formalised_covenant": N_("the partners sign a covenant"),
    "formalised_entity": N_("the partners found a legal entity"),
    "dissolved": N_("the partnership falls apart: fewer than two members remain"),
    "demand_up": N_("demand in the region rises sharply"),
    "demand_down": N_("demand in the region falls sharply"),
    "moment_funding": N_("teacher moment: the funding stops now"),
    "moment_person": N_("teacher moment: a key person at {who} leaves"),
    "moment_demand": N_("teacher moment: demand in the region shifts suddenly"),
    "moment_conflict": N_("teacher moment: a conflict breaks out between {who} and {other}"),
    "moment_other": N_("teacher moment: {detail}"),
    "rises": N_("rises"),
    "falls": N_("falls"),
    "stays": N_("stays"),
}


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language '{language}'; choose one of {', '.join(LANGUAGES)}")
    return language


def org_name(name: str, language: str = "en") -> str:
    """An organisation's name in the language: 'firm-3' is 'bedrijf-3' in Dutch."""
    if language == "nl":
        prefix, sep, rest = name.partition("-")
        if prefix in _NL_ORG:
            return f"{_NL_ORG[prefix]}{sep}{rest}"
    return name


def _number(x: float, language: str) -> str:
    text = f"{x:.2f}"
    return text.replace(".", ",") if language == "nl" else text


def _euros(x: float, language: str) -> str:
    text = f"EUR {x:,.0f}"
    return text.replace(",", ".") if language == "nl" else text


def _moves(before: float, after: float, t: dict[str, str]) -> str:
    if round(after, 2) > round(before, 2):
        return t["rises"]
    if round(after, 2) < round(before, 2):
        return t["falls"]
    return t["stays"]


def narrate(event: Event, language: str = "en") -> str:
    """One event as a sentence: 'Month 27: the vmbo-2 liaison leaves — trust with ...'."""
    _ = translator(_check_language(language))
    t = {key: _(message) for key, message in _MESSAGES.items()}
    who = org_name(event.who, language)
    other = org_name(event.other, language)
    before, after = event.before, event.after
    has_change = not (math.isnan(before) or math.isnan(after))
    num = {
        "a": _number(before, language) if has_change else "",
        "b": _number(after, language) if has_change else "",
        "moves": _moves(before, after, t) if has_change else "",
    }
    kind = event.kind
    if kind == "liaison_left":
        key = "liaison_left" if other and has_change else "liaison_left_alone"
        text = t[key].format(who=who, other=other, **num)
    elif kind in ("tension_resolved", "tension_escalated"):
        text = (t[kind] if has_change else t["tension_raised"]).format(who=who, other=other, **num)
    elif kind == "tension_let_go":
        text = t[kind if other else "tension_let_go_alone"].format(who=who, other=other)
    elif kind == "tension_raised":
        text = t[kind].format(who=who, other=other)
    elif kind == "crisis":
        text = t[kind].format(**num) if has_change else t[kind].split(" —")[0]
    elif kind in ("funding_started", "funding_ended"):
        a = _euros(before, language) if not math.isnan(before) else "?"
        b = _euros(after, language) if not math.isnan(after) else "?"
        text = t[kind].format(who=event.who, a=a, b=b)
    elif kind == "member_joined":
        b = f"{after:.0f}" if not math.isnan(after) else "?"
        text = t[kind].format(who=who, b=b)
    elif kind == "member_left":
        text = t[kind].format(who=who)
    elif kind == "formalised":
        entity = "legal" in event.detail or (not math.isnan(after) and after >= 1)
        text = t["formalised_entity" if entity else "formalised_covenant"]
    elif kind == "dissolved":
        text = t[kind]
    elif kind == "demand_shock":
        up = (after >= before) if has_change else "rise" in event.detail
        text = t["demand_up" if up else "demand_down"]
    elif kind == "teacher_moment":
        text = _teacher_moment(event, t, who, other)
    else:  # a kind added to the model later: still say something readable
        text = " ".join(x for x in (kind.replace("_", " "), who, event.detail) if x)
    return f"{t['month'].format(step=event.step)}: {text}"


def _teacher_moment(event: Event, t: dict[str, str], who: str, other: str) -> str:
    detail = event.detail.lower()
    if "funding" in detail:
        return t["moment_funding"]
    if "conflict" in detail:
        return t["moment_conflict"].format(who=who, other=other)
    if "demand" in detail:
        return t["moment_demand"]
    if "person" in detail or "leaves" in detail:
        return t["moment_person"].format(who=who)
    return t["moment_other"].format(detail=event.detail)


def narrate_all(events: Iterable[Event], language: str = "en") -> list[str]:
    """Every event as a sentence, in order."""
    return [narrate(e, language) for e in events]
