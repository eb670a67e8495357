"""Tensions and dilemmas, the bumpy road (docs/ODD.md §7.13): tensions arise between pairs of
members with cultural distance, ego-orientation, rigid rules, governance misfit and diverging
interests; an open tension is worked through (trust rises) if trust, informal culture and agility
suffice, and escalates (trust and engagement drop) if left unresolved too long. The uniform draws
that place and settle tensions come from Python: their number is known only once counted."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms.maths import poisson_from_uniform, sigmoid
from collabsim.model.event_buffer import (
    TENSION_ESCALATED,
    TENSION_LET_GO,
    TENSION_RAISED,
    TENSION_RESOLVED,
    EventBuffer,
    emit,
)
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.region import with_room
from collabsim.model.state import (
    EFFECT_FLAGS,
    EFFECT_FLOATS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    MEMBER_SLOTS,
    ORGANISATION_FLOATS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCRATCH_COUNTS,
    SCRATCH_FLOATS,
    SCRATCH_MEMBER_FLOATS,
    TENSION,
    Organisations,
    PartnershipState,
    call,
)

# --------------------------------------------------------------------------- tensions arise


@njit(cache=True)
def tension_rates_kernel(
    member_flags,
    member_floats,
    member_slots,
    member_pairs,
    partnership_flags,
    partnership_floats,
    organisation_floats,
    effect_floats,
    scratch_member_floats,
    scratch_floats,
    scratch_counts,
    tension_counts_draws,
    params,
):
    """rate = base · members/6 · (1 + culture · gap + ego · (1 − eco) + rules · rigidity +
    misfit · misfit + divergence · (1 − shared interest) + urgency_distrust · mean of U · (1 −
    trust seen) + irrelevance · (1 − relevance)); this month's count ~ Poisson(rate) from one
    draw per partnership. Returns the number of new tensions."""
    prm = params[0]
    member = member_flags[MEMBER_FLAGS.member]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    trust_seen = scratch_member_floats[SCRATCH_MEMBER_FLOATS.trust_seen]
    slot_org = member_slots[MEMBER_SLOTS.slot_org]
    culture_gap = member_pairs[MEMBER_PAIRS.culture_gap]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    orientation = organisation_floats[ORGANISATION_FLOATS.orientation]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    misfit = scratch_floats[SCRATCH_FLOATS.misfit]
    rates = scratch_floats[SCRATCH_FLOATS.rates]
    counts = scratch_counts[SCRATCH_COUNTS.counts]
    p_n, s_n = member.shape
    total = 0
    for p in range(p_n):
        counts[p] = 0
        n, eco, interest, gap, pairs, fights = 0, 0.0, 0.0, 0.0, 0, 0.0
        for s in range(s_n):
            if member[p, s]:
                n += 1
                eco += orientation[slot_org[p, s]]
                interest += shared[p, s]
                fights += urgency[p, s] * (1.0 - trust_seen[p, s])
                for j in range(s_n):
                    if j != s and member[p, j]:
                        gap += culture_gap[p, s, j]
                        pairs += 1
        if not alive[p] or n < 2:
            rates[p] = 0.0
            continue
        eco /= n
        divergence = 1.0 - interest / n
        gap /= max(pairs, 1)
        rates[p] = (
            prm.tensions_per_month
            * n
            / 6.0
            * (
                1.0
                + prm.tension_culture * gap
                + prm.tension_ego * (1.0 - eco)
                + prm.tension_rules * rigidity[p]
                + prm.tension_misfit * misfit[p]
                + prm.tension_divergence * divergence
                + prm.tension_urgency_distrust * fights / n
                + prm.tension_irrelevance * (1.0 - relevance[p])
            )
        )
        counts[p] = poisson_from_uniform(rates[p], tension_counts_draws[p])
        total += counts[p]
    return total


def raise_tensions(
    st: PartnershipState,
    org: Organisations,
    fx,
    sc,
    prm,
    rng,
    month: int,
    log: EventLog,
    draws: np.ndarray,
) -> None:
    """Tensions arise with cultural distance, ego-orientation, rigid rules, misfit, divergence,
    urgency without trust (urgency that partners do not trust each other with fights) and an
    agenda that lags demand (what partners see needed is not what the partnership does).

    New tensions a month ~ Poisson(base · members/6 · (1 + culture · gap + ego · (1 − eco) +
    rules · rigidity + misfit · misfit + divergence · (1 − shared interest) + urgency_distrust ·
    mean U · (1 − trust seen) + irrelevance · (1 − relevance))); each falls on a
    pair of members, more often between distant cultures. Rates and counts go to sc.rates and
    sc.counts; `draws`: one uniform per partnership for its count.
    """
    if call(tension_rates_kernel, (st, org, fx, sc), tension_counts_draws=draws, params=prm.record):
        open_tensions(st, org, sc, rng, month, log)


def open_tensions(st, org, sc, rng, month: int, log: EventLog) -> None:
    """Open this month's new tensions: sc.counts[p] of them in partnership p."""
    n_new = int(sc.counts.sum())
    if n_new == 0:
        return
    grow_tensions(st, n_new)
    buffer = EventBuffer(n_new)
    call(
        open_tensions_kernel,
        (st, sc),
        tension_draws=np.asarray(rng.random(n_new), dtype=float),
        tensions=st.tensions,
        n_tensions=st.n_tensions,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, org, month)


def grow_tensions(st: PartnershipState, room: int) -> None:
    """Make room in the table of open tensions for `room` more."""
    st.tensions = with_room(st.tensions, int(st.n_tensions[0]) + room)


def add_tension(st: PartnershipState, p: int, i: int, j: int, age_months: int) -> None:
    """Open one tension between members i and j of partnership p, already `age_months` old."""
    grow_tensions(st, 1)
    row = st.tensions[st.n_tensions[0]]
    row[TENSION.partnership], row[TENSION.member], row[TENSION.other] = p, i, j
    row[TENSION.age_months] = age_months
    st.n_tensions[0] += 1
    st.tensions_raised[p] += 1


@njit(cache=True)
def pick_pair(member, culture_gap, u):
    """A pair of members drawn with weight (cultural gap + 0.1), from one uniform number u."""
    s_n = member.shape[0]
    total = 0.0
    for i in range(s_n):
        for j in range(i + 1, s_n):
            if member[i] and member[j]:
                total += culture_gap[i, j] + 0.1
    target, run = u * total, 0.0
    last_i, last_j = -1, -1
    for i in range(s_n):
        for j in range(i + 1, s_n):
            if member[i] and member[j]:
                run += culture_gap[i, j] + 0.1
                last_i, last_j = i, j
                if run >= target:
                    return i, j
    return last_i, last_j


@njit(cache=True)
def open_tensions_kernel(
    scratch_counts,
    member_flags,
    member_pairs,
    partnership_counts,
    tension_draws,
    tensions,
    n_tensions,
    rows,
    count,
):
    """Open counts[p] tensions in each partnership p, each on a pair picked with one draw."""
    counts = scratch_counts[SCRATCH_COUNTS.counts]
    member = member_flags[MEMBER_FLAGS.member]
    culture_gap = member_pairs[MEMBER_PAIRS.culture_gap]
    tensions_raised = partnership_counts[PARTNERSHIP_COUNTS.tensions_raised]
    k = 0
    for p in range(member.shape[0]):
        for _ in range(counts[p]):
            i, j = pick_pair(member[p], culture_gap[p], tension_draws[k])
            k += 1
            n = n_tensions[0]
            tensions[n, TENSION.partnership] = p
            tensions[n, TENSION.member] = i
            tensions[n, TENSION.other] = j
            tensions[n, TENSION.age_months] = 0
            n_tensions[0] = n + 1
            tensions_raised[p] += 1
            emit(rows, count, TENSION_RAISED, p, i, j, np.nan, np.nan)


# --------------------------------------------------------------------------- worked through


@njit(cache=True)
def keep_open_kernel(tensions, n_tensions, partnership_flags, member_flags):
    """Drop tensions whose partnership dissolved or one of whose pair left; how many remain."""
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    member = member_flags[MEMBER_FLAGS.member]
    kept = 0
    for n in range(n_tensions[0]):
        p, i, j = (
            tensions[n, TENSION.partnership],
            tensions[n, TENSION.member],
            tensions[n, TENSION.other],
        )
        if alive[p] and member[p, i] and member[p, j]:
            tensions[kept] = tensions[n]
            kept += 1
    n_tensions[0] = kept
    return kept


@njit(cache=True)
def resolve_chances(
    tensions,
    member_pairs,
    member_slots,
    organisation_floats,
    scratch_floats,
    effect_floats,
    effect_flags,
    params,
    out,
):
    """P(resolved this month) = logistic(base + trust · pair trust + informal · (1 − mean
    culture of the pair) + agility · effective agility + coordinator − rigidity · rules)."""
    prm = params[0]
    w = prm.personal_trust_weight
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    slot_org = member_slots[MEMBER_SLOTS.slot_org]
    culture = organisation_floats[ORGANISATION_FLOATS.culture]
    agility_eff = scratch_floats[SCRATCH_FLOATS.agility]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    for n in range(tensions.shape[0]):
        p, i, j = (
            tensions[n, TENSION.partnership],
            tensions[n, TENSION.member],
            tensions[n, TENSION.other],
        )
        trust = pair_trust_of(personal, org, p, i, j, w)
        informal = 1.0 - 0.5 * (culture[slot_org[p, i]] + culture[slot_org[p, j]])
        out[n] = sigmoid(
            prm.resolve_base
            + prm.resolve_trust * trust
            + prm.resolve_informal * informal
            + prm.resolve_agility * agility_eff[p]
            + prm.resolve_coordinator * coordinator[p]
            - prm.resolve_rigidity * rigidity[p]
        )


def work_through_tensions(
    st: PartnershipState, org: Organisations, fx, sc, prm, rng, month: int, log: EventLog
) -> None:
    """An open tension is resolved if trust, informal culture and agility suffice, else escalates.

    P(resolved this month) = logistic(base + trust · pair trust + informal · informal culture +
    agility · effective agility (sc.agility) + coordinator − rigidity · rules). Unresolved after
    a few months, it escalates: the pair's trust and engagement drop and the partnership's strain
    grows (mechanisms.crises). Worked through, trust rises.
    """
    still_open = keep_open_kernel(st.tensions, st.n_tensions, st.partnership_flags, st.member_flags)
    if not still_open:
        return
    buffer = EventBuffer(still_open)
    call(
        settle_tensions_kernel,
        (st, org, fx, sc),
        tension_draws=np.asarray(rng.random(still_open), dtype=float),
        tensions=st.tensions,
        n_tensions=st.n_tensions,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, org, month)


@njit(cache=True)
def settle_tensions_kernel(
    tensions,
    n_tensions,
    tension_draws,
    member_pairs,
    member_slots,
    member_floats,
    partnership_floats,
    partnership_counts,
    organisation_floats,
    effect_floats,
    effect_flags,
    scratch_floats,
    params,
    rows,
    count,
):
    """Each open tension is resolved (draw under its chance), escalates (too old: it adds to
    the partnership's strain, mechanisms.crises) or ages. A played seat's team
    (collabsim.model.seats) may let it go (closed, no trust gained, the team's shared interest
    falls by let_go_interest_loss) or raise it (logit + raise_tension_bonus; unresolved, it ages
    two months); its draw is used either way."""
    prm = params[0]
    played = member_floats[MEMBER_FLOATS.played]
    choice = member_floats[MEMBER_FLOATS.tension_choice]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    given_up = member_floats[MEMBER_FLOATS.interest_given_up]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    resolved = partnership_counts[PARTNERSHIP_COUNTS.tensions_resolved]
    escalated = partnership_counts[PARTNERSHIP_COUNTS.tensions_escalated]
    strain = partnership_floats[PARTNERSHIP_FLOATS.strain]
    n_open = n_tensions[0]
    chance = np.empty(n_open)
    resolve_chances(
        tensions[:n_open],
        member_pairs,
        member_slots,
        organisation_floats,
        scratch_floats,
        effect_floats,
        effect_flags,
        params,
        chance,
    )
    kept = 0
    for n in range(n_open):
        p, i, j = (
            tensions[n, TENSION.partnership],
            tensions[n, TENSION.member],
            tensions[n, TENSION.other],
        )
        age = tensions[n, TENSION.age_months]
        mood = team_choice(played, choice, p, i, j)
        if mood < 0:  # a team lets it go: one side gives in
            quits = i if played[p, i] > 0.0 and choice[p, i] < 0.0 else j
            given_up[p, quits] += prm.let_go_interest_loss
            shared[p, quits] = max(shared[p, quits] - prm.let_go_interest_loss, 0.0)
            trust = pair_trust_of(personal, org, p, i, j, prm.personal_trust_weight)
            emit(rows, count, TENSION_LET_GO, p, quits, i + j - quits, trust, trust)
            continue
        if mood > 0:  # a team puts it on the table
            c = min(max(chance[n], 1e-12), 1.0 - 1e-12)
            chance[n] = sigmoid(np.log(c / (1.0 - c)) + prm.raise_tension_bonus)
            age += 1  # unresolved, it ages twice as fast
        if tension_draws[n] < chance[n]:
            step, loss = prm.tension_trust_gain_resolved, 0.0
            before, after = settle(personal, org, engagement, p, i, j, step, loss, prm)
            resolved[p] += 1
            emit(rows, count, TENSION_RESOLVED, p, i, j, before, after)
        elif age + 1 >= prm.tension_months_to_escalate:
            step, loss = -prm.tension_trust_loss_escalated, prm.tension_engagement_loss
            before, after = settle(personal, org, engagement, p, i, j, step, loss, prm)
            escalated[p] += 1
            strain[p] += prm.crisis_strain_per_escalation
            emit(rows, count, TENSION_ESCALATED, p, i, j, before, after)
        else:
            tensions[kept, TENSION.partnership] = p
            tensions[kept, TENSION.member] = i
            tensions[kept, TENSION.other] = j
            tensions[kept, TENSION.age_months] = age + 1
            kept += 1
    n_tensions[0] = kept


@njit(cache=True)
def team_choice(played, choice, p, i, j):
    """What the teams of a tension's pair chose (collabsim.model.seats): -1 if either lets it
    go, else +1 if either raises it, else 0 (the model's own way)."""
    a = choice[p, i] if played[p, i] > 0.0 else 0.0
    b = choice[p, j] if played[p, j] > 0.0 else 0.0
    if a < 0.0 or b < 0.0:
        return -1
    return 1 if a > 0.0 or b > 0.0 else 0


def pair_trust(st, p, i, j, prm) -> float:
    """Mean trust of a pair in both directions, both layers blended."""
    return float(pair_trust_of(st.personal_trust, st.org_trust, p, i, j, prm.personal_trust_weight))


@njit(cache=True)
def pair_trust_of(personal, org, p, i, j, w):
    """Mean trust of a pair in both directions, both layers blended (weight w on the personal)."""
    tp = personal[p, i, j] + personal[p, j, i]
    to = org[p, i, j] + org[p, j, i]
    return 0.5 * (w * tp + (1.0 - w) * to)


@njit(cache=True)
def settle(personal, org, engagement, p, i, j, trust_step, engagement_loss, prm):
    """Close a tension: working it through builds trust; an escalation breaks it down.

    T += step · (1 − T) for a gain, step · T for a loss (organisational trust half as much);
    both engagements drop by `engagement_loss`. Returns the pair's trust before and after."""
    w = prm.personal_trust_weight
    before = pair_trust_of(personal, org, p, i, j, w)
    for a, b in ((i, j), (j, i)):
        t = personal[p, a, b]
        personal[p, a, b] = t + trust_step * ((1 - t) if trust_step > 0 else t)
        o = org[p, a, b]
        org[p, a, b] = o + 0.5 * trust_step * ((1 - o) if trust_step > 0 else o)
    engagement[p, i] *= 1.0 - engagement_loss
    engagement[p, j] *= 1.0 - engagement_loss
    return before, pair_trust_of(personal, org, p, i, j, w)
