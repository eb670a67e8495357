"""Observation (docs/ODD.md §7.18): each month's end is recorded, one row per partnership with the
columns of COLUMN (named once: `latest[p, COLUMN.trust]`); the running sums behind each
partnership's mean trust over its life are kept on the way (so a run's summary needs no stored
series)."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.region import DISSOLVED
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLOATS,
    SCRATCH_FLOATS,
    PartnershipState,
    call,
    layout,
)

# The columns of one partnership-month in the month-end snapshot and the collected series
# (model.collaboration.SERIES), named once: `latest[p, COLUMN.trust]`.
COLUMN = layout(
    "Column",
    "trust",
    "engagement",
    "urgency",
    "incentives",
    "shared_interest",
    "public_value",
    "active_members",
    "phase",
    "relevance",
    "funding_eur",
)
SERIES = COLUMN._fields


@njit(cache=True)
def snapshot_kernel(
    member_flags, member_floats, partnership_floats, partnership_counts, scratch_floats, latest
):
    """Per partnership: pair trust, the members' mean engagement, urgency, incentives and shared
    interest, public value, the number of members, phase, relevance and this month's euros."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    incentives = member_floats[MEMBER_FLOATS.incentives]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    public_value = partnership_floats[PARTNERSHIP_FLOATS.public_value]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    funding_eur = partnership_floats[PARTNERSHIP_FLOATS.funding_eur]
    phase = partnership_counts[PARTNERSHIP_COUNTS.phase]
    pair_trust = scratch_floats[SCRATCH_FLOATS.pair_trust]
    for p in range(member.shape[0]):
        n, e, u, inc, si = 0, 0.0, 0.0, 0.0, 0.0
        for s in range(member.shape[1]):
            if member[p, s]:
                n += 1
                e += engagement[p, s]
                u += urgency[p, s]
                inc += incentives[p, s]
                si += shared[p, s]
        d = max(n, 1)
        latest[p, COLUMN.trust] = pair_trust[p]
        latest[p, COLUMN.engagement] = e / d
        latest[p, COLUMN.urgency] = u / d
        latest[p, COLUMN.incentives] = inc / d
        latest[p, COLUMN.shared_interest] = si / d
        latest[p, COLUMN.public_value] = public_value[p]
        latest[p, COLUMN.active_members] = n
        latest[p, COLUMN.phase] = phase[p]
        latest[p, COLUMN.relevance] = relevance[p]
        latest[p, COLUMN.funding_eur] = funding_eur[p]


def snapshot(st: PartnershipState, sc, out: np.ndarray) -> np.ndarray:
    """This month's state of every partnership into `out`, one row each, columns as in COLUMN
    (pair trust as trust_views left it in sc.pair_trust)."""
    call(snapshot_kernel, (st, sc), latest=out)
    return out


@njit(cache=True)
def observe_lived_kernel(latest, partnership_floats, partnership_counts):
    """Add a month-end snapshot to the running sums behind each partnership's mean trust over
    the months it was alive: trust_lived += trust, months_lived += 1 while not dissolved."""
    trust_lived = partnership_floats[PARTNERSHIP_FLOATS.trust_lived]
    months_lived = partnership_counts[PARTNERSHIP_COUNTS.months_lived]
    for p in range(latest.shape[0]):
        if latest[p, COLUMN.phase] != DISSOLVED:
            trust_lived[p] += latest[p, COLUMN.trust]
            months_lived[p] += 1


def observe_lived(st: PartnershipState, latest: np.ndarray) -> None:
    """Add the month-end snapshot `latest` to the running sums of each partnership's lived trust."""
    call(observe_lived_kernel, (st,), latest=latest)
