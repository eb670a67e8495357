"""Plain-language lines for the timeline: each model event told in English or Dutch.

"Month 27: the vmbo-2 liaison leaves — trust with mbo-1 falls from 0.62 to 0.41".
The classroom app shows these; they are also handy in notebooks (``narrate_all(model.events)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

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

_T = {
    "en": {
        "month": "Month {step}",
        "liaison_left": "the {who} liaison leaves — trust with {other} {moves} from {a} to {b}",
        "liaison_left_alone": "the {who} liaison leaves",
        "tension_raised": "a tension comes up between {who} and {other}",
        "tension_resolved": (
            "{who} and {other} work out their tension — trust {moves} from {a} to {b}"
        ),
        "tension_escalated": (
            "the tension between {who} and {other} escalates — trust {moves} from {a} to {b}"
        ),
        "crisis": "escalations pile up and the partnership breaks down — trust between the "
        "partners {moves} from {a} to {b}",
        "funding_started": "the funding '{who}' starts ({b} a month)",
        "funding_ended": "the funding '{who}' ends (was {a} a month)",
        "member_joined": "{who} joins the partnership (now {b} members)",
        "member_left": "{who} leaves the partnership: it is no longer worth what it costs",
        "formalised_covenant": "the partners sign a covenant",
        "formalised_entity": "the partners found a legal entity",
        "dissolved": "the partnership falls apart: fewer than two members remain",
        "demand_up": "demand in the region rises sharply",
        "demand_down": "demand in the region falls sharply",
        "moment_funding": "teacher moment: the funding stops now",
        "moment_person": "teacher moment: a key person at {who} leaves",
        "moment_demand": "teacher moment: demand in the region shifts suddenly",
        "moment_conflict": "teacher moment: a conflict breaks out between {who} and {other}",
        "moment_other": "teacher moment: {detail}",
        "rises": "rises",
        "falls": "falls",
        "stays": "stays",
    },
    "nl": {
        "month": "Maand {step}",
        "liaison_left": (
            "de contactpersoon van {who} vertrekt — het vertrouwen met {other} {moves} "
            "van {a} naar {b}"
        ),
        "liaison_left_alone": "de contactpersoon van {who} vertrekt",
        "tension_raised": "er ontstaat een spanning tussen {who} en {other}",
        "tension_resolved": (
            "{who} en {other} lossen hun spanning op — het vertrouwen {moves} van {a} naar {b}"
        ),
        "tension_escalated": (
            "de spanning tussen {who} en {other} escaleert — het vertrouwen {moves} "
            "van {a} naar {b}"
        ),
        "crisis": "de escalaties stapelen zich op en de samenwerking loopt vast — het vertrouwen "
        "tussen de partners {moves} van {a} naar {b}",
        "funding_started": "de financiering '{who}' begint ({b} per maand)",
        "funding_ended": "de financiering '{who}' stopt (was {a} per maand)",
        "member_joined": "{who} sluit zich aan bij het samenwerkingsverband (nu {b} leden)",
        "member_left": (
            "{who} stapt uit het samenwerkingsverband: het is niet meer waard wat het kost"
        ),
        "formalised_covenant": "de partners tekenen een convenant",
        "formalised_entity": "de partners richten een rechtspersoon op",
        "dissolved": "het samenwerkingsverband valt uiteen: er blijven minder dan twee leden over",
        "demand_up": "de vraag in de regio stijgt sterk",
        "demand_down": "de vraag in de regio daalt sterk",
        "moment_funding": "docentmoment: de financiering stopt nu",
        "moment_person": "docentmoment: een sleutelfiguur bij {who} vertrekt",
        "moment_demand": "docentmoment: de vraag in de regio verschuift plotseling",
        "moment_conflict": "docentmoment: er ontstaat een conflict tussen {who} en {other}",
        "moment_other": "docentmoment: {detail}",
        "rises": "stijgt",
        "falls": "daalt",
        "stays": "blijft",
    },
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
    t = _T[_check_language(language)]
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
