"""Teacher moments: events a teacher injects now (funding ends, a key person leaves, ...)."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms.tensions import add_tension
from collabsim.mechanisms.turnover import liaison_turnover

MOMENTS = ("funding_ends", "key_person_leaves", "demand_shock", "conflict")


def apply_moment(model, kind: str, month: int, partnership: int = 0) -> None:
    """Apply one teacher moment to a partnership of the model, logging it on the timeline."""
    st, prm, log, orgs = model.state, model.prm, model.events, model.orgs
    p = partnership
    if kind not in MOMENTS:
        raise ValueError(f"unknown teacher moment '{kind}'; choose one of {', '.join(MOMENTS)}")
    if not st.alive[p]:
        return
    if kind == "funding_ends":
        for f in model.policy.funding:
            if f.start < month <= f.end:
                f.duration = max(month - 1 - f.start, 1)
        model.policy.plan()  # the schemes' months again, with the new ends
        log.add(month, st.names[p], "teacher_moment", "teacher", detail="the funding stops now")
    elif kind == "key_person_leaves":
        engaged = np.where(st.member[p], st.engagement[p], -1.0)
        s = int(np.argmax(engaged))
        log.add(
            month,
            st.names[p],
            "teacher_moment",
            orgs.names[st.slot_org[p, s]],
            detail="a key person leaves",
        )
        leaving = np.zeros_like(st.member)
        leaving[p, s] = True
        _force_turnover(model, leaving, month)
    elif kind == "demand_shock":
        before = float(st.demand[p].mean())
        st.demand[p] = np.clip(st.demand[p] + 0.3 * np.array([1.0, -0.5, 0.5, 1.0]), 0.0, 1.0)
        log.add(
            month,
            st.names[p],
            "teacher_moment",
            "region",
            variable="demand",
            before=before,
            after=float(st.demand[p].mean()),
            detail="demand shifts suddenly",
        )
    elif kind == "conflict":
        members = np.flatnonzero(st.member[p])
        if len(members) < 2:
            return
        gap = st.culture_gap[p][np.ix_(members, members)]
        a, b = np.unravel_index(int(np.argmax(gap)), gap.shape)
        i, j = int(members[a]), int(members[b])
        log.add(
            month,
            st.names[p],
            "teacher_moment",
            orgs.names[st.slot_org[p, i]],
            other=orgs.names[st.slot_org[p, j]],
            detail="a conflict breaks out",
        )
        add_tension(st, p, i, j, int(prm.tension_months_to_escalate) - 1)


def _force_turnover(model, leaving: np.ndarray, month: int) -> None:
    """Make exactly the marked liaisons leave, through the ordinary turnover mechanism."""
    st = model.state
    draws = np.where(leaving, 0.0, 1.0)
    fx = model.policy.effects  # whether a coordinator hands over: the design's or a paid one
    liaison_turnover(st, model.orgs, fx, model.prm, 12.0, draws, month, model.events)
    st.tenure_months -= ~leaving  # the forced call is not a month passing for the others
