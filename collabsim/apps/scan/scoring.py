"""Scoring: the answers aggregated per statement and per lever.

Per statement the mean, SD and range over the respondents who answered it (the neutral 3 is
assumed when nobody did), and whether partners disagree (answers two or more points apart); per
lever the favourable mean score 1..5: the mean over its statements, each turned so that 5 is
favourable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from collabsim.apps.scan.answers import Respondent
from collabsim.apps.scan.questionnaire import Item, Questionnaire

NEUTRAL = 3.0
DISAGREE_POINTS = 2  # a range of answers this wide or wider: partners disagree


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
