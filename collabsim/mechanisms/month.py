"""The model's equations, one function per mechanism of the design (MODEL.md §3, docs/ODD.md §7).

Every mechanism updates the partnership arrays (collabsim.model.region.PartnershipState) for all
partnerships at once. The month-by-month arithmetic runs in small compiled kernels (numba; plain
loops "for each partnership, for each member, for each partner") because numpy's per-call overhead
on arrays of a dozen members made a run eight times slower than the 10 ms target (see
benchmarks/README.md). The model calls them all in one compiled call a month (`run_month`, at the
end of this module); each mechanism also has a Python function of its own name that calls the
same kernel (the unit tests use these). Kernels write the events they cause to a buffer
(collabsim.model.event_buffer) that is decoded into the event log.

`prm` is the mechanism parameters as a named tuple of floats (collabsim.model.parameters). Random
draws come only from the model's generator `rng`, in a fixed order, so the same seed gives the
same run.
"""

from __future__ import annotations

import functools
import inspect
from collections import namedtuple

import numpy as np

from collabsim.model.event_buffer import (
    DISSOLVED_EVENT,
    FORMALISED,
    LIAISON_LEFT,
    MEMBER_JOINED,
    MEMBER_LEFT,
    TENSION_ESCALATED,
    TENSION_RAISED,
    TENSION_RESOLVED,
    EventBuffer,
    emit,
)
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.policy import _apply_instruments
from collabsim.model.region import (
    ACTIVE,
    DISSOLVED,
    DORMANT,
    FORMING,
    STRUGGLING,
    Organisations,
    PartnershipState,
    pack,
    with_room,
)


@njit(cache=True)
def sigmoid(x):
    """Logistic function: turns a balance of reasons into a share or a probability."""
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- trust as seen


@njit(cache=True)
def _trust_views(personal, org, member, engagement, w, trust, seen, pair_trust):
    p_n, s_n = member.shape
    for p in range(p_n):
        total, pairs = 0.0, 0
        for i in range(s_n):
            num, den, plain, count = 0.0, 0.0, 0.0, 0
            for j in range(s_n):
                t = w * personal[p, i, j] + (1.0 - w) * org[p, i, j]
                trust[p, i, j] = t
                if j != i and member[p, j]:
                    num += t * engagement[p, j]
                    den += engagement[p, j]
                    plain += t
                    count += 1
                    if member[p, i]:
                        total += t
                        pairs += 1
            if den > 1e-9:
                seen[p, i] = num / den
            elif count > 0:
                seen[p, i] = plain / count
            else:
                seen[p, i] = 0.0
        pair_trust[p] = total / pairs if pairs > 0 else 0.0


def trust_views(st: PartnershipState, prm, scratch) -> None:
    """Trust between members (personal and organisational layers blended), as each member sees it.

    Fills scratch.trust (P, S, S), scratch.trust_seen (P, S): each member's trust in its partners
    weighted by how engaged they are, and scratch.pair_trust (P,): mean over member pairs.
    """
    _trust_views(
        st.personal_trust,
        st.org_trust,
        st.member,
        st.engagement,
        prm.personal_trust_weight,
        scratch.trust,
        scratch.trust_seen,
        scratch.pair_trust,
    )


def effective_trust(st: PartnershipState, prm) -> np.ndarray:
    """Trust between members: personal trust of the liaisons blended with organisational trust."""
    w = prm.personal_trust_weight
    return w * st.personal_trust + (1.0 - w) * st.org_trust


@njit(cache=True)
def _misfit(member, formality, operational, out):
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        fitting = (n - 3) / 20.0 + (0.25 if operational[p] else 0.0)
        fitting = min(max(fitting, 0.0), 1.0)
        out[p] = abs(formality[p] - fitting)


def governance_misfit(st: PartnershipState, out: np.ndarray) -> np.ndarray:
    """How far the governance is from the form that fits the partnership (Provan & Kenis 2008).

    Few members fit informal shared governance; many members, and operational work, fit a formal
    lead organisation or covenant: fitting = clip((members - 3)/20 + 0.25·operational, 0, 1).
    """
    _misfit(st.member, st.formality, st.operational, out)
    return out


# --------------------------------------------------------------------------- demand and urgency


@njit(cache=True)
def _drift(demand, demand_ref, normals, step_sd, reversion):
    for p in range(demand.shape[0]):
        for k in range(demand.shape[1]):
            d = (
                demand[p, k]
                + step_sd * normals[p, k]
                + reversion * (demand_ref[p, k] - demand[p, k])
            )
            demand[p, k] = min(max(d, 0.0), 1.0)


@njit(cache=True)
def shock_chance(volatility, shocks_per_year):
    """Chance that demand jumps in a partnership this month (volatility scales the rate)."""
    return volatility * shocks_per_year / 12.0


def demand_shocks(
    st: PartnershipState,
    volatility: float,
    prm,
    rng,
    month: int,
    log: EventLog,
    draws: np.ndarray,
) -> None:
    """Sometimes demand on one theme jumps up (70%) or down: a shortage, a demographic decline."""
    k = st.demand.shape[1]
    chance = shock_chance(volatility, prm.demand_shocks_per_year)
    if chance <= 0:
        return
    for p in np.flatnonzero((draws < chance) & st.alive):
        theme = int(rng.integers(k))
        sign = 1.0 if rng.random() < 0.7 else -1.0
        before = st.demand[p, theme]
        st.demand[p, theme] = min(max(before + sign * prm.demand_shock_size, 0.0), 1.0)
        log.add(
            month,
            st.names[p],
            "demand_shock",
            "region",
            variable=f"demand_theme_{theme}",
            before=float(before),
            after=float(st.demand[p, theme]),
            detail="demand rises sharply" if sign > 0 else "demand falls sharply",
        )


@njit(cache=True)
def _follow(
    agenda,
    demand,
    relevance,
    formality,
    rigidity,
    agility,
    rate,
    formal_loss,
    rules_loss,
    agility_eff,
):
    p_n, k_n = agenda.shape
    for p in range(p_n):
        a = agility * (1.0 - formal_loss * formality[p]) * (1.0 - rules_loss * rigidity[p])
        agility_eff[p] = a
        total = 0.0
        for k in range(k_n):
            total += demand[p, k]
        total = max(total, 1e-9)
        gap = 0.0
        for k in range(k_n):
            target = demand[p, k] / total
            agenda[p, k] += rate * a * (target - agenda[p, k])
            gap += abs(agenda[p, k] - target)
        relevance[p] = 1.0 - 0.5 * gap


def follow_demand(
    st: PartnershipState, agility: float, rigidity: np.ndarray, prm, out: np.ndarray
) -> np.ndarray:
    """The agenda follows shifting demand as fast as agility allows; returns effective agility.

    Effective agility = agility · (1 − formal loss · formality) · (1 − rules loss · rigidity);
    relevance = 1 − half the total distance between agenda shares and demand shares.
    """
    _follow(
        st.agenda,
        st.demand,
        st.relevance,
        st.formality,
        rigidity,
        agility,
        prm.agenda_adjust_per_month,
        prm.formal_agility_loss,
        prm.rules_agility_loss,
        out,
    )
    return out


@njit(cache=True)
def _shared_interest(interests, agenda, engagement, trust_seen, has_org, rate, shared):
    p_n, s_n, k_n = interests.shape
    chance = 1.0 / k_n
    for p in range(p_n):
        for s in range(s_n):
            pull = rate * engagement[p, s] * trust_seen[p, s]
            overlap = 0.0
            for k in range(k_n):
                interests[p, s, k] += pull * (agenda[p, k] - interests[p, s, k])
                overlap += min(interests[p, s, k], agenda[p, k])
            above_chance = (overlap - chance) / (1.0 - chance)
            shared[p, s] = min(max(above_chance, 0.0), 1.0) if has_org[p, s] else 0.0


def update_shared_interest(st: PartnershipState, trust_seen: np.ndarray, prm) -> None:
    """Shared interest is the overlap of interests with the agenda; working together aligns them.

    overlap = Σ_k min(interest_k, agenda_k) (1 when identical, 1/K for a chance match); shared
    interest = (overlap − 1/K) / (1 − 1/K), clipped to 0..1: only what is shared beyond chance
    counts. Interests move toward the agenda by understanding · engagement · trust a month (R1).
    """
    _shared_interest(
        st.interests,
        st.agenda,
        st.engagement,
        trust_seen,
        st.has_org,
        prm.understanding_per_month,
        st.shared_interest,
    )


@njit(cache=True)
def _urgency(urgency, base, need_ref, interests, demand, results, erosion_rate, rate):
    p_n, s_n, k_n = interests.shape
    for p in range(p_n):
        erosion = 1.0 - erosion_rate * results[p]
        for s in range(s_n):
            need = 0.0
            for k in range(k_n):
                need += interests[p, s, k] * demand[p, k]
            target = min(max(base[p, s] * need / need_ref[p, s] * erosion, 0.0), 1.0)
            urgency[p, s] += rate * (target - urgency[p, s])


def update_urgency(st: PartnershipState, prm) -> None:
    """Urgency tracks demand on each member's own themes and fades as results come in (B2).

    target = base urgency · need / need at start · (1 − erosion · recent results).
    """
    _urgency(
        st.urgency,
        st.base_urgency,
        st.need_ref,
        st.interests,
        st.demand,
        st.results,
        prm.success_erodes_urgency,
        prm.urgency_adjust_per_month,
    )


@njit(cache=True)
def _incentives(incentives, base, funding, mandate):
    for p in range(incentives.shape[0]):
        outside = 1.0 - (1.0 - funding[p]) * (1.0 - mandate[p])
        for s in range(incentives.shape[1]):
            incentives[p, s] = 1.0 - (1.0 - base[p, s]) * (1.0 - outside)


def update_incentives(st: PartnershipState, funding: np.ndarray, mandate: np.ndarray) -> None:
    """Incentives combine the partners' own reasons with money and mandates in force (B3)."""
    _incentives(st.incentives, st.base_incentive, funding, mandate)


# --------------------------------------------------------------------------- staff turnover


def liaison_turnover(
    st: PartnershipState,
    org: Organisations,
    turnover_per_year: float,
    prm,
    draws: np.ndarray,
    month: int,
    log: EventLog,
    coordinator: np.ndarray,
) -> None:
    """Liaisons leave at random; personal trust resets to what their organisation kept (B4).

    `coordinator` is whether each partnership has a coordinator this month (its design's or
    one paid by a scheme): a coordinator's handover keeps more of the organisation's trust.

    The organisation keeps a share base + formal · formality + handover · coordinator of its
    trust; the successor starts from that organisational trust and with less engagement.
    """
    buffer = EventBuffer(st.member.size)
    _turnover(
        draws,
        turnover_per_year / 12.0,
        st.member,
        st.alive,
        st.tenure_months,
        st.personal_trust,
        st.org_trust,
        st.engagement,
        st.formality,
        coordinator,
        prm.record,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)


@njit(cache=True)
def _turnover(
    draws,
    chance,
    member,
    alive,
    tenure_months,
    personal,
    org,
    engagement,
    formality,
    coordinator,
    params,
    rows,
    count,
):
    """Another month in post for every liaison; those whose draw falls under `chance` leave."""
    for p in range(member.shape[0]):
        for s in range(member.shape[1]):
            tenure_months[p, s] += 1
            if draws[p, s] < chance and member[p, s] and alive[p]:
                other, before, after = _liaison_leaves(
                    personal,
                    org,
                    member,
                    engagement,
                    tenure_months,
                    formality,
                    coordinator,
                    p,
                    s,
                    params,
                )
                emit(rows, count, LIAISON_LEFT, p, s, other, before, after)


@njit(cache=True)
def _liaison_leaves(
    personal, org, member, engagement, tenure_months, formality, coordinator, p, s, params
):
    """Reset a leaving liaison's trust; return the partner whose trust fell most, before, after."""
    prm = params[0]
    w = prm.personal_trust_weight
    kept = min(
        prm.trust_retained_base
        + prm.trust_retained_formal * formality[p]
        + prm.trust_retained_handover * coordinator[p],
        1.0,
    )
    other, drop, before_o, after_o = -1, -np.inf, 0.0, 0.0
    for j in range(member.shape[1]):
        before = w * personal[p, s, j] + (1.0 - w) * org[p, s, j]
        org[p, s, j] *= kept
        org[p, j, s] *= kept
        personal[p, s, j] = org[p, s, j]
        personal[p, j, s] = org[p, j, s]
        after = org[p, s, j]
        if j != s and member[p, j] and before - after > drop:
            other, drop, before_o, after_o = j, before - after, before, after
    engagement[p, s] *= 1.0 - prm.turnover_engagement_loss
    tenure_months[p, s] = 0
    return other, before_o, after_o


# --------------------------------------------------------------------------- engagement


@njit(cache=True)
def _engagement(
    engagement,
    member,
    has_org,
    slot_org,
    capacity,
    orientation,
    is_school,
    urgency,
    shared,
    incentives,
    trust_seen,
    results,
    culture_gap,
    misfit,
    rigidity,
    coordinator,
    params,
    memberships,
):
    prm = params[0]
    p_n, s_n = member.shape
    memberships[:] = 0
    for p in range(p_n):
        for s in range(s_n):
            if member[p, s]:
                memberships[slot_org[p, s]] += 1
    for p in range(p_n):
        partners = -1
        for s in range(s_n):
            partners += member[p, s]
        for s in range(s_n):
            if not member[p, s]:
                engagement[p, s] = 0.0
                continue
            o = slot_org[p, s]
            gap = 0.0
            for j in range(s_n):
                if member[p, j] and j != s:
                    gap += culture_gap[p, s, j]
            gap /= max(partners, 1)
            hubs = max(memberships[o], 1)
            worth = (
                prm.weight_urgency * urgency[p, s]
                + prm.weight_shared_interest * shared[p, s]
                + prm.weight_incentives * incentives[p, s]
                + prm.weight_trust * trust_seen[p, s]
                + prm.weight_results * results[p]
                + prm.weight_eco * orientation[o]
            )
            cost = (
                prm.cost_base
                + prm.cost_per_partner * partners
                + prm.cost_culture * gap
                + prm.cost_misfit * misfit[p]
                + prm.cost_rules * rigidity[p] * is_school[o]
                + prm.cost_shortage * (1.0 - capacity[o])
                + prm.cost_extra_partnership * (hubs - 1)
                - prm.coordinator_relief * coordinator[p]
            )
            available = capacity[o] / np.sqrt(hubs)
            target = available * sigmoid((worth - cost) / prm.decision_temperature)
            engagement[p, s] += prm.engagement_adjust_per_month * (target - engagement[p, s])


def decide_engagement(
    st: PartnershipState,
    org: Organisations,
    trust_seen: np.ndarray,
    misfit: np.ndarray,
    rigidity: np.ndarray,
    coordinator: np.ndarray,
    prm,
    memberships: np.ndarray,
) -> None:
    """Each member invests the share of its capacity collaboration is worth to it, with inertia.

    worth = Σ weights · (urgency, shared interest, incentives, trust in partners, recent
    results, eco-orientation); cost = base + per partner + culture gap + misfit + rules (schools)
    + staff shortage + further partnerships − coordinator relief. The target engagement is
    capacity / √(partnerships) · logistic((worth − cost) / temperature); engagement closes a
    fixed share of the gap to it each month (inertia).
    """
    _engagement(
        st.engagement,
        st.member,
        st.has_org,
        st.slot_org,
        org.capacity,
        org.orientation,
        org.is_school,
        st.urgency,
        st.shared_interest,
        st.incentives,
        trust_seen,
        st.results,
        st.culture_gap,
        misfit,
        rigidity,
        coordinator,
        prm.record,
        memberships,
    )


# --------------------------------------------------------------------------- joint action


@njit(cache=True)
def _joint_action(
    engagement,
    member,
    alive,
    slot_org,
    knowledge,
    agenda,
    relevance,
    contact,
    trust,
    rigidity,
    coordinator,
    draws,
    params,
    public_value,
    success_rate,
    results,
    joint_successes,
    ever_succeeded,
    months_without_action,
    engaged,
    success,
    acts,
):
    prm = params[0]
    p_n, s_n = member.shape
    k_n = agenda.shape[1]
    memory = 1.0 / prm.results_memory_months
    for p in range(p_n):
        n_members, n_engaged, capacity = 0, 0, 0.0
        for s in range(s_n):
            engaged[p, s] = member[p, s] and engagement[p, s] >= prm.min_engagement_to_act
            n_members += member[p, s]
            n_engaged += engaged[p, s]
            capacity += engagement[p, s] * member[p, s]
        capacity /= max(n_members, 1)
        acts[p] = alive[p] and n_engaged >= 2
        complementarity = 0.0
        for k in range(k_n):
            best = 0.0
            for s in range(s_n):
                if engaged[p, s]:
                    best = max(best, knowledge[slot_org[p, s], k])
            complementarity += best * agenda[p, k]
        t_sum, t_n = 0.0, 0
        for i in range(s_n):
            for j in range(s_n):
                if i != j and engaged[p, i] and engaged[p, j]:
                    t_sum += trust[p, i, j]
                    t_n += 1
        trust_engaged = t_sum / t_n if t_n > 0 else 0.0
        logit = (
            prm.success_base
            + prm.success_capacity * capacity
            + prm.success_complementarity * complementarity
            + prm.success_relevance * relevance[p]
            + prm.success_trust * trust_engaged
            + prm.coordinator_boost * coordinator[p]
            + prm.meeting_boost * (contact[p] - 0.2) / 0.8
            - prm.rules_penalty * rigidity[p]
        )
        success[p] = acts[p] and draws[p] < sigmoid(logit)
        produced = capacity * complementarity * relevance[p] if success[p] else 0.0
        public_value[p] += produced
        if alive[p]:
            success_rate[p] += memory * (success[p] - success_rate[p])
            results[p] += memory * (produced - results[p])
        joint_successes[p] += success[p]
        ever_succeeded[p] = ever_succeeded[p] or success[p]
        months_without_action[p] = 0 if acts[p] else months_without_action[p] + 1


def joint_action(
    st: PartnershipState,
    org: Organisations,
    trust: np.ndarray,
    rigidity: np.ndarray,
    coordinator: np.ndarray,
    prm,
    draws: np.ndarray,
    scratch,
) -> None:
    """With two or more engaged members the partnership acts; success adds public value.

    P(success) = logistic(base + capacity · engaged capacity + complementarity · knowledge
    covering the agenda + relevance · relevance + trust · trust among the engaged + coordinator +
    meeting rhythm − rules · rigidity). A success adds engaged capacity · complementarity ·
    relevance to public value (a small win); the moving averages remember success and results.
    """
    _joint_action(
        st.engagement,
        st.member,
        st.alive,
        st.slot_org,
        org.knowledge,
        st.agenda,
        st.relevance,
        st.contact,
        trust,
        rigidity,
        coordinator,
        draws,
        prm.record,
        st.public_value,
        st.success_rate,
        st.results,
        st.joint_successes,
        st.ever_succeeded,
        st.months_without_action,
        scratch.engaged,
        scratch.success,
        scratch.acts,
    )


# --------------------------------------------------------------------------- trust


@njit(cache=True)
def _update_trust(personal, org, member, engagement, engaged, contact_level, success, acts, params):
    prm = params[0]
    p_n, s_n = member.shape
    for p in range(p_n):
        failure = acts[p] and not success[p]
        for i in range(s_n):
            if not member[p, i]:
                continue
            for j in range(s_n):
                if j == i or not member[p, j]:
                    continue
                tp = personal[p, i, j]
                contact = contact_level[p] * np.sqrt(engagement[p, i] * engagement[p, j])
                change = prm.trust_gain_contact * contact * (1.0 - tp)
                change -= prm.trust_decay_per_month * (1.0 - contact) * tp
                if engaged[p, i] and engaged[p, j]:
                    if success[p]:
                        change += prm.trust_gain_success * tp * (1.0 - tp)
                    elif failure:
                        change -= prm.trust_loss_failure * tp
                tp = min(max(tp + change, 0.0), 1.0)
                personal[p, i, j] = tp
                org[p, i, j] += prm.org_trust_per_month * (tp - org[p, i, j])


def update_trust(st: PartnershipState, prm, scratch) -> None:
    """Trust grows with contact and small wins, falls faster with failures, decays without contact.

    For each pair of members: contact = meeting rhythm · √(engagement_i · engagement_j);
    Δ personal trust = gain_contact · contact · (1 − T) − decay · (1 − contact) · T, plus
    gain_success · T · (1 − T) after a joint success (the risk partners dared to take grows with
    trust: Vangen & Huxham's loop, which cannot start from zero) or − loss_failure · T after a
    failure, for pairs that both took part. Organisational trust follows personal trust slowly.
    """
    _update_trust(
        st.personal_trust,
        st.org_trust,
        st.member,
        st.engagement,
        scratch.engaged,
        st.contact,
        scratch.success,
        scratch.acts,
        prm.record,
    )


# --------------------------------------------------------------------------- tensions


@njit(cache=True)
def poisson_from_uniform(rate, u):
    """A Poisson(rate) count from one uniform number (inverse of the cumulative distribution)."""
    k, prob = 0, np.exp(-rate)
    cumulative = prob
    while u > cumulative and k < 1000:
        k += 1
        prob *= rate / k
        cumulative += prob
    return k


@njit(cache=True)
def _tension_rates(
    member,
    alive,
    slot_org,
    orientation,
    shared,
    culture_gap,
    misfit,
    rigidity,
    params,
    draws,
    rates,
    counts,
):
    prm = params[0]
    p_n, s_n = member.shape
    total = 0
    for p in range(p_n):
        counts[p] = 0
        n, eco, interest, gap, pairs = 0, 0.0, 0.0, 0.0, 0
        for s in range(s_n):
            if member[p, s]:
                n += 1
                eco += orientation[slot_org[p, s]]
                interest += shared[p, s]
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
            )
        )
        counts[p] = poisson_from_uniform(rates[p], draws[p])
        total += counts[p]
    return total


def raise_tensions(
    st: PartnershipState,
    org: Organisations,
    misfit: np.ndarray,
    rigidity: np.ndarray,
    prm,
    rng,
    month: int,
    log: EventLog,
    rates: np.ndarray,
    counts: np.ndarray,
    draws: np.ndarray,
) -> None:
    """Tensions arise with cultural distance, ego-orientation, rigid rules, misfit, divergence.

    New tensions a month ~ Poisson(base · members/6 · (1 + culture · gap + ego · (1 − eco) +
    rules · rigidity + misfit · misfit + divergence · (1 − shared interest))); each falls on a
    pair of members, more often between distant cultures.
    """
    if not _tension_rates(
        st.member,
        st.alive,
        st.slot_org,
        org.orientation,
        st.shared_interest,
        st.culture_gap,
        misfit,
        rigidity,
        prm.record,
        draws,
        rates,
        counts,
    ):
        return
    open_tensions(st, org, counts, rng, month, log)


def open_tensions(st, org, counts: np.ndarray, rng, month: int, log: EventLog) -> None:
    """Open this month's new tensions: counts[p] of them in partnership p."""
    n_new = int(counts.sum())
    if n_new == 0:
        return
    grow_tensions(st, n_new)
    buffer = EventBuffer(n_new)
    _open_new_tensions(
        counts,
        st.member,
        st.culture_gap,
        np.asarray(rng.random(n_new), dtype=float),
        st.tensions,
        st.n_tensions,
        st.tensions_raised,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)


def grow_tensions(st: PartnershipState, room: int) -> None:
    """Make room in the table of open tensions for `room` more."""
    st.tensions = with_room(st.tensions, int(st.n_tensions[0]) + room)


def add_tension(st: PartnershipState, p: int, i: int, j: int, age_months: int) -> None:
    """Open one tension between members i and j of partnership p, already `age_months` old."""
    grow_tensions(st, 1)
    st.tensions[st.n_tensions[0]] = (p, i, j, age_months)
    st.n_tensions[0] += 1
    st.tensions_raised[p] += 1


@njit(cache=True)
def _pick_pair(member, culture_gap, u):
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
def _open_new_tensions(
    counts, member, culture_gap, draws, tensions, n_tensions, tensions_raised, rows, count
):
    """Open counts[p] tensions in each partnership p, each on a pair picked with one draw."""
    k = 0
    for p in range(member.shape[0]):
        for _ in range(counts[p]):
            i, j = _pick_pair(member[p], culture_gap[p], draws[k])
            k += 1
            n = n_tensions[0]
            tensions[n, 0], tensions[n, 1], tensions[n, 2], tensions[n, 3] = p, i, j, 0
            n_tensions[0] = n + 1
            tensions_raised[p] += 1
            emit(rows, count, TENSION_RAISED, p, i, j, np.nan, np.nan)


@njit(cache=True)
def _keep_open(tensions, n_tensions, alive, member):
    """Drop tensions whose partnership dissolved or one of whose pair left; how many remain."""
    kept = 0
    for n in range(n_tensions[0]):
        p, i, j = tensions[n, 0], tensions[n, 1], tensions[n, 2]
        if alive[p] and member[p, i] and member[p, j]:
            tensions[kept] = tensions[n]
            kept += 1
    n_tensions[0] = kept
    return kept


@njit(cache=True)
def _resolve_chances(
    tensions, personal, org, slot_org, culture, agility_eff, rigidity, coordinator, params, out
):
    prm = params[0]
    w = prm.personal_trust_weight
    for n in range(tensions.shape[0]):
        p, i, j = tensions[n, 0], tensions[n, 1], tensions[n, 2]
        trust = _pair_trust_of(personal, org, p, i, j, w)
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
    st: PartnershipState,
    org: Organisations,
    agility_eff: np.ndarray,
    rigidity: np.ndarray,
    coordinator: np.ndarray,
    prm,
    rng,
    month: int,
    log: EventLog,
) -> None:
    """An open tension is resolved if trust, informal culture and agility suffice, else escalates.

    P(resolved this month) = logistic(base + trust · pair trust + informal · informal culture +
    agility · effective agility + coordinator − rigidity · rules). Unresolved after a few
    months, it escalates: the pair's trust and engagement drop. Worked through, trust rises.
    """
    still_open = _keep_open(st.tensions, st.n_tensions, st.alive, st.member)
    if not still_open:
        return
    buffer = EventBuffer(still_open)
    _settle_tensions(
        st.tensions,
        st.n_tensions,
        np.asarray(rng.random(still_open), dtype=float),
        st.personal_trust,
        st.org_trust,
        st.slot_org,
        org.culture,
        agility_eff,
        rigidity,
        coordinator,
        prm.record,
        st.engagement,
        st.tensions_resolved,
        st.tensions_escalated,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)


@njit(cache=True)
def _settle_tensions(
    tensions,
    n_tensions,
    draws,
    personal,
    org,
    slot_org,
    culture,
    agility_eff,
    rigidity,
    coordinator,
    params,
    engagement,
    tensions_resolved,
    tensions_escalated,
    rows,
    count,
):
    """Each open tension is resolved (draw under its chance), escalates (too old) or ages."""
    prm = params[0]
    n_open = n_tensions[0]
    chance = np.empty(n_open)
    _resolve_chances(
        tensions[:n_open],
        personal,
        org,
        slot_org,
        culture,
        agility_eff,
        rigidity,
        coordinator,
        params,
        chance,
    )
    kept = 0
    for n in range(n_open):
        p, i, j, age = tensions[n, 0], tensions[n, 1], tensions[n, 2], tensions[n, 3]
        if draws[n] < chance[n]:
            before, after = _settle(
                personal, org, engagement, p, i, j, prm.tension_trust_gain_resolved, 0.0, prm
            )
            tensions_resolved[p] += 1
            emit(rows, count, TENSION_RESOLVED, p, i, j, before, after)
        elif age + 1 >= prm.tension_months_to_escalate:
            before, after = _settle(
                personal,
                org,
                engagement,
                p,
                i,
                j,
                -prm.tension_trust_loss_escalated,
                prm.tension_engagement_loss,
                prm,
            )
            tensions_escalated[p] += 1
            emit(rows, count, TENSION_ESCALATED, p, i, j, before, after)
        else:
            tensions[kept, 0], tensions[kept, 1], tensions[kept, 2] = p, i, j
            tensions[kept, 3] = age + 1
            kept += 1
    n_tensions[0] = kept


def _pair_trust(st, p, i, j, prm) -> float:
    """Mean trust of a pair in both directions, both layers blended."""
    return float(
        _pair_trust_of(st.personal_trust, st.org_trust, p, i, j, prm.personal_trust_weight)
    )


@njit(cache=True)
def _pair_trust_of(personal, org, p, i, j, w):
    """Mean trust of a pair in both directions, both layers blended (weight w on the personal)."""
    tp = personal[p, i, j] + personal[p, j, i]
    to = org[p, i, j] + org[p, j, i]
    return 0.5 * (w * tp + (1.0 - w) * to)


@njit(cache=True)
def _settle(personal, org, engagement, p, i, j, trust_step, engagement_loss, prm):
    """Close a tension: working it through builds trust; an escalation breaks it down.

    Returns the pair's trust before and after."""
    w = prm.personal_trust_weight
    before = _pair_trust_of(personal, org, p, i, j, w)
    for a, b in ((i, j), (j, i)):
        t = personal[p, a, b]
        personal[p, a, b] = t + trust_step * ((1 - t) if trust_step > 0 else t)
        o = org[p, a, b]
        org[p, a, b] = o + 0.5 * trust_step * ((1 - o) if trust_step > 0 else o)
    engagement[p, i] *= 1.0 - engagement_loss
    engagement[p, j] *= 1.0 - engagement_loss
    return before, _pair_trust_of(personal, org, p, i, j, w)


# --------------------------------------------------------------------------- structure


@njit(cache=True)
def _sustained(alive, success_rate, formality, operational, sustained, params, ready):
    prm = params[0]
    any_ready = False
    for p in range(alive.shape[0]):
        if alive[p] and success_rate[p] >= prm.formalise_success_level:
            sustained[p] += 1
        else:
            sustained[p] = 0
        needed = (
            prm.formalise_months_operational if operational[p] else (prm.formalise_months_strategic)
        )
        ready[p] = sustained[p] > 0 and sustained[p] >= needed and formality[p] < 1.0
        any_ready = any_ready or ready[p]
    return any_ready


def formalise(st: PartnershipState, prm, month: int, log: EventLog, ready: np.ndarray) -> None:
    """Operational partnerships formalise after sustained success; strategic ones later (B5).

    After enough consecutive months with a success rate above a level, informal governance
    becomes a covenant, and a covenant a legal entity.
    """
    buffer = EventBuffer(len(st.alive))
    _formalise(
        st.alive,
        st.success_rate,
        st.formality,
        st.operational,
        st.sustained_success_months,
        st.formalised_month,
        prm.record,
        ready,
        month,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, None, month)


@njit(cache=True)
def _formalise(
    alive,
    success_rate,
    formality,
    operational,
    sustained,
    formalised_month,
    params,
    ready,
    month,
    rows,
    count,
):
    """Partnerships ready after sustained success take the next step: covenant, legal entity."""
    if not _sustained(alive, success_rate, formality, operational, sustained, params, ready):
        return
    for p in range(alive.shape[0]):
        if ready[p]:
            before = formality[p]
            formality[p] = min(before + 0.5, 1.0)
            sustained[p] = 0
            if formalised_month[p] < 0:
                formalised_month[p] = month
            emit(rows, count, FORMALISED, p, -1, -1, before, formality[p])


@njit(cache=True)
def _membership_counters(
    member, has_org, alive, engagement, binding, low_months, rejoin_wait, params, leaving
):
    prm = params[0]
    p_n, s_n = member.shape
    any_leaving, any_candidate = False, False
    for p in range(p_n):
        for s in range(s_n):
            low = member[p, s] and engagement[p, s] < prm.leave_engagement
            low_months[p, s] = low_months[p, s] + 1 if low else 0
            leaving[p, s] = (
                low and low_months[p, s] >= prm.leave_after_months and not binding[p] and alive[p]
            )
            any_leaving = any_leaving or leaving[p, s]
            rejoin_wait[p, s] = max(rejoin_wait[p, s] - 1, 0.0)
            if has_org[p, s] and not member[p, s] and rejoin_wait[p, s] == 0 and alive[p]:
                any_candidate = True
    return any_leaving, any_candidate


def leave_and_join(
    st: PartnershipState,
    org: Organisations,
    binding: np.ndarray,
    prm,
    draws: np.ndarray,
    month: int,
    log: EventLog,
    leaving: np.ndarray,
    joins: np.ndarray,
) -> None:
    """Members drift off after a spell of low engagement; fitting organisations join (R3).

    A candidate joins with chance join rate · shared interest · (0.5 + success rate); its trust
    in members comes through common partners (Cowan, Jonard & Zimmermann 2007).
    """
    buffer = EventBuffer(2 * st.member.size)
    _leave_and_join(
        st.member,
        st.has_org,
        st.alive,
        st.engagement,
        binding,
        st.low_months,
        st.rejoin_wait,
        st.shared_interest,
        st.success_rate,
        draws,
        st.personal_trust,
        st.org_trust,
        st.tenure_months,
        st.slot_org,
        org.capacity,
        prm.record,
        leaving,
        joins,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)


@njit(cache=True)
def _leave_and_join(
    member,
    has_org,
    alive,
    engagement,
    binding,
    low_months,
    rejoin_wait,
    shared,
    success_rate,
    draws,
    personal,
    org,
    tenure_months,
    slot_org,
    capacity,
    params,
    leaving,
    joins,
    rows,
    count,
):
    """This month's leavers go first; then candidates may join the smaller table."""
    prm = params[0]
    any_leaving, any_candidate = _membership_counters(
        member, has_org, alive, engagement, binding, low_months, rejoin_wait, params, leaving
    )
    if any_leaving:
        for p in range(member.shape[0]):
            for s in range(member.shape[1]):
                if leaving[p, s]:
                    before = engagement[p, s]
                    member[p, s] = False
                    engagement[p, s] = 0.0
                    low_months[p, s] = 0
                    rejoin_wait[p, s] = prm.rejoin_after_months
                    emit(rows, count, MEMBER_LEFT, p, s, -1, before, 0.0)
    if not any_candidate:
        return
    if _joiners(
        member,
        has_org,
        rejoin_wait,
        alive,
        shared,
        success_rate,
        draws,
        prm.join_per_month,
        joins,
    ):
        for p in range(member.shape[0]):
            for s in range(member.shape[1]):
                if joins[p, s]:
                    _join_member(
                        personal,
                        org,
                        member,
                        engagement,
                        tenure_months,
                        slot_org,
                        capacity,
                        p,
                        s,
                        prm.personal_trust_weight,
                        rows,
                        count,
                    )


@njit(cache=True)
def _joiners(member, has_org, rejoin_wait, alive, shared, success_rate, draws, rate, joins):
    """Which candidates join: chance = rate · shared interest · (0.5 + success rate)."""
    any_join = False
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        for s in range(member.shape[1]):
            candidate = has_org[p, s] and not member[p, s] and rejoin_wait[p, s] == 0 and alive[p]
            chance = rate * shared[p, s] * (0.5 + success_rate[p]) if n >= 2 else 0.0
            joins[p, s] = candidate and draws[p, s] < chance
            any_join = any_join or joins[p, s]
    return any_join


def _join(st, org, p: int, s: int, month: int, log: EventLog, prm) -> None:
    """A newcomer joins; its trust in members comes through common partners (Cowan et al. 2007)."""
    buffer = EventBuffer(1)
    _join_member(
        st.personal_trust,
        st.org_trust,
        st.member,
        st.engagement,
        st.tenure_months,
        st.slot_org,
        org.capacity,
        p,
        s,
        prm.personal_trust_weight,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)


@njit(cache=True)
def _join_member(
    personal, org, member, engagement, tenure_months, slot_org, capacity, p, s, w, rows, count
):
    """Newcomer s joins partnership p, trusting each member j at least as much as the best path
    through a current member k allows: max over k of T(s, k) · T(k, j) (Cowan et al. 2007)."""
    s_n = member.shape[1]
    trust = w * personal[p] + (1.0 - w) * org[p]
    through = np.empty(s_n)
    for j in range(s_n):
        best = 0.0
        for k in range(s_n):
            path = trust[s, k] * trust[k, j] * (1.0 if member[p, k] else 0.0)
            if k == 0 or path > best:
                best = path
        through[j] = best
    for layer in (personal, org):
        for j in range(s_n):
            layer[p, s, j] = max(layer[p, s, j], through[j])
        for j in range(s_n):
            layer[p, j, s] = max(layer[p, j, s], through[j])
        layer[p, s, s] = 0.0
    before = 0
    for k in range(s_n):
        before += member[p, k]
    member[p, s] = True
    engagement[p, s] = 0.3 * capacity[slot_org[p, s]]
    tenure_months[p, s] = 0
    emit(rows, count, MEMBER_JOINED, p, s, -1, before, before + 1)


@njit(cache=True)
def _few_engaged(member, engagement, alive, binding, few_months, params, gone):
    prm = params[0]
    any_gone = False
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s] and engagement[p, s] >= prm.min_engagement_to_act
        few = alive[p] and n < 2
        few_months[p] = few_months[p] + 1 if few else 0
        limit = prm.dissolve_after_months * (2.0 if binding[p] else 1.0)
        gone[p] = few and few_months[p] >= limit
        any_gone = any_gone or gone[p]
    return any_gone


def check_dissolution(
    st: PartnershipState, binding: np.ndarray, prm, month: int, log: EventLog, gone: np.ndarray
) -> None:
    """A partnership dissolves when fewer than two members stay engaged for a sustained spell.

    A binding (mandated) partnership holds out twice as long.
    """
    buffer = EventBuffer(len(st.alive))
    _dissolve(
        st.member,
        st.engagement,
        st.alive,
        binding,
        st.few_engaged_months,
        st.dissolved_month,
        st.phase,
        prm.record,
        gone,
        month,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, None, month)


@njit(cache=True)
def _dissolve(
    member,
    engagement,
    alive,
    binding,
    few_months,
    dissolved_month,
    phase,
    params,
    gone,
    month,
    rows,
    count,
):
    """Partnerships with too few engaged members for too long dissolve."""
    if not _few_engaged(member, engagement, alive, binding, few_months, params, gone):
        return
    for p in range(member.shape[0]):
        if gone[p]:
            before = 0
            for s in range(member.shape[1]):
                before += member[p, s]
                member[p, s] = False
                engagement[p, s] = 0.0
            alive[p] = False
            dissolved_month[p] = month
            phase[p] = DISSOLVED
            emit(rows, count, DISSOLVED_EVENT, p, -1, -1, before, 0.0)


@njit(cache=True)
def _phase(
    member, engagement, alive, ever_succeeded, months_without_action, success_rate, month, phase
):
    for p in range(member.shape[0]):
        if not alive[p]:
            phase[p] = DISSOLVED
            continue
        n, total = 0, 0.0
        for s in range(member.shape[1]):
            if member[p, s]:
                n += 1
                total += engagement[p, s]
        mean_engagement = total / max(n, 1)
        if month < 6 and not ever_succeeded[p]:
            phase[p] = FORMING
        elif months_without_action[p] >= 3:
            phase[p] = DORMANT
        elif success_rate[p] < 0.3 or mean_engagement < 0.2:
            phase[p] = STRUGGLING
        else:
            phase[p] = ACTIVE


@njit(cache=True)
def _close_month(
    member,
    engagement,
    alive,
    ever_succeeded,
    months_without_action,
    success_rate,
    month,
    phase,
    personal,
    org,
    w,
    trust,
    seen,
    pair_trust,
):
    _phase(
        member, engagement, alive, ever_succeeded, months_without_action, success_rate, month, phase
    )
    _trust_views(personal, org, member, engagement, w, trust, seen, pair_trust)


def update_phase(st: PartnershipState, month: int) -> None:
    """Phase: forming, active, struggling, dormant or dissolved, from the partnership's state."""
    _phase(
        st.member,
        st.engagement,
        st.alive,
        st.ever_succeeded,
        st.months_without_action,
        st.success_rate,
        month,
        st.phase,
    )


# --------------------------------------------------------------------------- observation


def layout(name: str, *arrays: str):
    """The rows (or columns) of a block of same-shaped arrays, by name: `layout(...).engagement`
    is the row of `engagement`, so kernels read `block[MEMBER_FLOATS.engagement]`, never a bare
    number."""
    return namedtuple(name, arrays)(*range(len(arrays)))


# The columns of one partnership-month in the month-end snapshot and the collected series
# (model.SERIES), named once: `latest[p, COLUMN.trust]`.
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
def _snapshot(
    member,
    engagement,
    urgency,
    incentives,
    shared,
    pair_trust,
    public_value,
    phase,
    relevance,
    funding_eur,
    out,
):
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
        out[p, COLUMN.trust] = pair_trust[p]
        out[p, COLUMN.engagement] = e / d
        out[p, COLUMN.urgency] = u / d
        out[p, COLUMN.incentives] = inc / d
        out[p, COLUMN.shared_interest] = si / d
        out[p, COLUMN.public_value] = public_value[p]
        out[p, COLUMN.active_members] = n
        out[p, COLUMN.phase] = phase[p]
        out[p, COLUMN.relevance] = relevance[p]
        out[p, COLUMN.funding_eur] = funding_eur[p]


def snapshot(st: PartnershipState, pair_trust: np.ndarray, out: np.ndarray) -> np.ndarray:
    """This month's state of every partnership into `out`, one row each, columns as in COLUMN."""
    _snapshot(
        st.member,
        st.engagement,
        st.urgency,
        st.incentives,
        st.shared_interest,
        pair_trust,
        st.public_value,
        st.phase,
        st.relevance,
        st.funding_eur,
        out,
    )
    return out


# --------------------------------------------------------------------------- the month


# Why the month kernel returned: demand shocks or tension draws needed from Python, or done
# (then the second value is the number of partnerships still alive).
SHOCKS, TENSIONS, DONE = 1, 2, 3


# Arrays the month kernel takes as one block each (collabsim.model.region.pack): numba's cost per
# call grows with every argument. Each layout is the one place its arrays' order is written.
MEMBER_FLOATS = layout(
    "MemberFloats",
    "engagement",
    "urgency",
    "base_urgency",
    "base_incentive",
    "incentives",
    "shared_interest",
    "need_ref",
    "tenure_months",
    "low_months",
    "rejoin_wait",
)
MEMBER_FLAGS = layout("MemberFlags", "has_org", "member")
MEMBER_PAIRS = layout("MemberPairs", "culture_gap", "personal_trust", "org_trust")
THEME_LEVELS = layout("ThemeLevels", "demand", "demand_ref", "agenda")
PARTNERSHIP_FLOATS = layout(
    "PartnershipFloats",
    "formality",
    "contact",
    "public_value",
    "success_rate",
    "results",
    "relevance",
    "funding_eur",
    "funding_total_eur",
    "trust_lived",
)
PARTNERSHIP_COUNTS = layout(
    "PartnershipCounts",
    "phase",
    "months_without_action",
    "sustained_success_months",
    "few_engaged_months",
    "dissolved_month",
    "formalised_month",
    "tensions_raised",
    "tensions_resolved",
    "tensions_escalated",
    "joint_successes",
    "months_lived",
)
PARTNERSHIP_FLAGS = layout(
    "PartnershipFlags", "operational", "alive", "ever_succeeded", "coordinator", "binding"
)
ORGANISATION_FLOATS = layout("OrganisationFloats", "capacity", "orientation", "culture")
EFFECT_FLOATS = layout("EffectFloats", "rigidity", "funding_incentive", "mandate_incentive")
EFFECT_FLAGS = layout("EffectFlags", "coordinator", "binding")
SCRATCH_FLOATS = layout("ScratchFloats", "pair_trust", "misfit", "agility", "rates")
SCRATCH_MEMBER_FLAGS = layout("ScratchMemberFlags", "engaged", "leaving", "joins")
SCRATCH_FLAGS = layout("ScratchFlags", "success", "acts", "ready", "gone")
# of policy.PolicySchedule, one entry per funding scheme
SCHEME_FLOATS = layout("SchemeFloats", "pays", "reductions", "match_shares")


def pack_for_month(
    st: PartnershipState, org: Organisations, scratch, draws, policy, latest: np.ndarray
) -> tuple:
    """Lay out the arrays the month kernel works on in a few blocks (each array becomes a view
    into its block) and return them as the kernel takes them after its per-month arguments,
    matched to its parameters by name.

    `latest` receives the snapshot of each month's end (columns as in COLUMN)."""
    sc, fx = scratch, policy.effects
    arrays = {
        "member_floats": pack(st, MEMBER_FLOATS._fields),
        "member_flags": pack(st, MEMBER_FLAGS._fields),
        "member_pairs": pack(st, MEMBER_PAIRS._fields),
        "theme_levels": pack(st, THEME_LEVELS._fields),
        "interests": st.interests,
        "slot_org": st.slot_org,
        "partnership_floats": pack(st, PARTNERSHIP_FLOATS._fields),
        "partnership_counts": pack(st, PARTNERSHIP_COUNTS._fields),
        "partnership_flags": pack(st, PARTNERSHIP_FLAGS._fields),
        "organisation_floats": pack(org, ORGANISATION_FLOATS._fields),
        "is_school": org.is_school,
        "knowledge": org.knowledge,
        "effect_floats": pack(fx, EFFECT_FLOATS._fields),
        "effect_flags": pack(fx, EFFECT_FLAGS._fields),
        "normals": draws.normal,
        "shock_draws": draws.shock,
        "turnover_draws": draws.turnover,
        "success_draws": draws.success,
        "tension_counts_draws": draws.tension,
        "join_draws": draws.join,
        "trust": sc.trust,
        "trust_seen": sc.trust_seen,
        "scratch_floats": pack(sc, SCRATCH_FLOATS._fields),
        "scratch_member_flags": pack(sc, SCRATCH_MEMBER_FLAGS._fields),
        "scratch_flags": pack(sc, SCRATCH_FLAGS._fields),
        "counts": sc.counts,
        "memberships": sc.memberships,
        "latest": latest,
        "codes": policy.codes,
        "scheme_floats": pack(policy, SCHEME_FLOATS._fields),
        "awarded": policy.awarded,
    }
    return in_order_of(run_month, arrays)


@functools.cache
def _parameters(function) -> tuple[str, ...]:
    """The names of a function's parameters, in order."""
    return tuple(inspect.signature(function).parameters)


def in_order_of(kernel, arrays: dict) -> tuple:
    """`arrays` in the order of the kernel's last parameters, matched by name (once per model:
    a compiled kernel is called positionally, the fastest way)."""
    names = _parameters(getattr(kernel, "py_func", kernel))
    tail = names[len(names) - len(arrays) :]
    if set(tail) != set(arrays):
        raise TypeError(f"{kernel.__name__} takes {tail}, not {sorted(arrays)}")
    return tuple(arrays[name] for name in tail)


@njit(cache=True)
def run_month(
    stage,
    tension_draws_now,
    tensions,
    n_tensions,
    rows,
    count,
    volatility,
    agility,
    turnover_per_year,
    base_rigidity,
    month,
    params,
    member_floats,
    member_flags,
    member_pairs,
    theme_levels,
    interests,
    slot_org,
    partnership_floats,
    partnership_counts,
    partnership_flags,
    organisation_floats,
    is_school,
    knowledge,
    effect_floats,
    effect_flags,
    normals,
    shock_draws,
    turnover_draws,
    success_draws,
    tension_counts_draws,
    join_draws,
    trust,
    trust_seen,
    scratch_floats,
    scratch_member_flags,
    scratch_flags,
    counts,
    memberships,
    latest,
    codes,
    scheme_floats,
    awarded,
):
    """One month of every mechanism in causal order (docs/ODD.md §3), in one compiled call.

    The funding instruments decided this month (policy.PolicySchedule.decide) take effect;
    demand drifts; [Python: demand shocks]; the drivers (agenda, shared interest, urgency,
    incentives); liaison turnover; engagement, joint action, trust and new tensions; [Python:
    one uniform draw to place each new tension, then one to settle each open one]; tensions
    opened and worked through; formalisation; leaving and joining; dissolution; phase and
    trust as seen.

    The model's generator stays in Python, so the kernel stops where the month needs draws
    whose number it only now knows and returns (stage to resume at, draws needed); the caller
    draws them and calls again from that stage: the draws come in the same order as ever.
    Events go to the rows/count buffer (collabsim.model.event_buffer).
    """
    # each array by its name in its block (the layouts above)
    engagement = member_floats[MEMBER_FLOATS.engagement]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    base_urgency = member_floats[MEMBER_FLOATS.base_urgency]
    base_incentive = member_floats[MEMBER_FLOATS.base_incentive]
    incentives = member_floats[MEMBER_FLOATS.incentives]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    need_ref = member_floats[MEMBER_FLOATS.need_ref]
    tenure_months = member_floats[MEMBER_FLOATS.tenure_months]
    low_months = member_floats[MEMBER_FLOATS.low_months]
    rejoin_wait = member_floats[MEMBER_FLOATS.rejoin_wait]
    has_org = member_flags[MEMBER_FLAGS.has_org]
    member = member_flags[MEMBER_FLAGS.member]
    culture_gap = member_pairs[MEMBER_PAIRS.culture_gap]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org_trust = member_pairs[MEMBER_PAIRS.org_trust]
    demand = theme_levels[THEME_LEVELS.demand]
    demand_ref = theme_levels[THEME_LEVELS.demand_ref]
    agenda = theme_levels[THEME_LEVELS.agenda]
    formality = partnership_floats[PARTNERSHIP_FLOATS.formality]
    contact = partnership_floats[PARTNERSHIP_FLOATS.contact]
    public_value = partnership_floats[PARTNERSHIP_FLOATS.public_value]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    results = partnership_floats[PARTNERSHIP_FLOATS.results]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    funding_eur = partnership_floats[PARTNERSHIP_FLOATS.funding_eur]
    funding_total_eur = partnership_floats[PARTNERSHIP_FLOATS.funding_total_eur]
    trust_lived = partnership_floats[PARTNERSHIP_FLOATS.trust_lived]
    phase = partnership_counts[PARTNERSHIP_COUNTS.phase]
    months_without_action = partnership_counts[PARTNERSHIP_COUNTS.months_without_action]
    sustained = partnership_counts[PARTNERSHIP_COUNTS.sustained_success_months]
    few_months = partnership_counts[PARTNERSHIP_COUNTS.few_engaged_months]
    dissolved_month = partnership_counts[PARTNERSHIP_COUNTS.dissolved_month]
    formalised_month = partnership_counts[PARTNERSHIP_COUNTS.formalised_month]
    tensions_raised = partnership_counts[PARTNERSHIP_COUNTS.tensions_raised]
    tensions_resolved = partnership_counts[PARTNERSHIP_COUNTS.tensions_resolved]
    tensions_escalated = partnership_counts[PARTNERSHIP_COUNTS.tensions_escalated]
    joint_successes = partnership_counts[PARTNERSHIP_COUNTS.joint_successes]
    months_lived = partnership_counts[PARTNERSHIP_COUNTS.months_lived]
    operational = partnership_flags[PARTNERSHIP_FLAGS.operational]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    ever_succeeded = partnership_flags[PARTNERSHIP_FLAGS.ever_succeeded]
    design_coordinator = partnership_flags[PARTNERSHIP_FLAGS.coordinator]
    design_binding = partnership_flags[PARTNERSHIP_FLAGS.binding]
    pays = scheme_floats[SCHEME_FLOATS.pays]
    reductions = scheme_floats[SCHEME_FLOATS.reductions]
    match_shares = scheme_floats[SCHEME_FLOATS.match_shares]
    capacity = organisation_floats[ORGANISATION_FLOATS.capacity]
    orientation = organisation_floats[ORGANISATION_FLOATS.orientation]
    culture = organisation_floats[ORGANISATION_FLOATS.culture]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    funding_incentive = effect_floats[EFFECT_FLOATS.funding_incentive]
    mandate_incentive = effect_floats[EFFECT_FLOATS.mandate_incentive]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    binding = effect_flags[EFFECT_FLAGS.binding]
    pair_trust = scratch_floats[SCRATCH_FLOATS.pair_trust]
    misfit = scratch_floats[SCRATCH_FLOATS.misfit]
    agility_eff = scratch_floats[SCRATCH_FLOATS.agility]
    rates = scratch_floats[SCRATCH_FLOATS.rates]
    engaged = scratch_member_flags[SCRATCH_MEMBER_FLAGS.engaged]
    leaving = scratch_member_flags[SCRATCH_MEMBER_FLAGS.leaving]
    joins = scratch_member_flags[SCRATCH_MEMBER_FLAGS.joins]
    success = scratch_flags[SCRATCH_FLAGS.success]
    acts = scratch_flags[SCRATCH_FLAGS.acts]
    ready = scratch_flags[SCRATCH_FLAGS.ready]
    gone = scratch_flags[SCRATCH_FLAGS.gone]
    prm = params[0]
    if stage == 0:
        # 1. policy: the instruments decided this month take effect
        if codes.shape[0] > 0:
            _apply_instruments(
                codes,
                pays,
                reductions,
                match_shares,
                awarded,
                alive,
                member,
                engagement,
                design_coordinator,
                design_binding,
                base_rigidity,
                prm.mandate_incentive,
                prm.funding_reference_eur,
                funding_eur,
                funding_total_eur,
                funding_incentive,
                mandate_incentive,
                rigidity,
                coordinator,
                binding,
            )
        # 2. demand drifts; a shock, if due, is drawn in Python (demand_shocks)
        _drift(
            demand,
            demand_ref,
            normals,
            volatility * prm.demand_drift_per_month,
            prm.demand_reversion_per_month,
        )
        chance = shock_chance(volatility, prm.demand_shocks_per_year)
        for p in range(alive.shape[0]):
            if chance > 0 and shock_draws[p] < chance and alive[p]:
                return SHOCKS, 0
        stage = SHOCKS
    if stage == SHOCKS:
        # 3. agenda: it follows demand as fast as agility allows; relevance
        _follow(
            agenda,
            demand,
            relevance,
            formality,
            rigidity,
            agility,
            prm.agenda_adjust_per_month,
            prm.formal_agility_loss,
            prm.rules_agility_loss,
            agility_eff,
        )
        # 4. shared interest: interests align with the agenda
        _shared_interest(
            interests, agenda, engagement, trust_seen, has_org, prm.understanding_per_month, shared
        )
        # 5. urgency follows need and fades with results
        _urgency(
            urgency,
            base_urgency,
            need_ref,
            interests,
            demand,
            results,
            prm.success_erodes_urgency,
            prm.urgency_adjust_per_month,
        )
        # 6. incentives: own reasons combined with money and mandates
        _incentives(incentives, base_incentive, funding_incentive, mandate_incentive)
        # 7. liaison turnover
        _turnover(
            turnover_draws,
            turnover_per_year / 12.0,
            member,
            alive,
            tenure_months,
            personal,
            org_trust,
            engagement,
            formality,
            coordinator,
            params,
            rows,
            count,
        )
        # 8. governance fit
        _misfit(member, formality, operational, misfit)
        # 9. engagement: each member decides how much capacity to invest
        _engagement(
            engagement,
            member,
            has_org,
            slot_org,
            capacity,
            orientation,
            is_school,
            urgency,
            shared,
            incentives,
            trust_seen,
            results,
            culture_gap,
            misfit,
            rigidity,
            coordinator,
            params,
            memberships,
        )
        # 10. trust as seen by each member
        _trust_views(
            personal,
            org_trust,
            member,
            engagement,
            prm.personal_trust_weight,
            trust,
            trust_seen,
            pair_trust,
        )
        # 11. joint action and public value
        _joint_action(
            engagement,
            member,
            alive,
            slot_org,
            knowledge,
            agenda,
            relevance,
            contact,
            trust,
            rigidity,
            coordinator,
            success_draws,
            params,
            public_value,
            success_rate,
            results,
            joint_successes,
            ever_succeeded,
            months_without_action,
            engaged,
            success,
            acts,
        )
        # 12. trust: contact, small wins, failures, decay
        _update_trust(
            personal, org_trust, member, engagement, engaged, contact, success, acts, params
        )
        # 13. tensions arise: how many per partnership (placed after the pause for draws)
        new = _tension_rates(
            member,
            alive,
            slot_org,
            orientation,
            shared,
            culture_gap,
            misfit,
            rigidity,
            params,
            tension_counts_draws,
            rates,
            counts,
        )
        still_open = _keep_open(tensions, n_tensions, alive, member)
        if new + still_open > 0:  # one draw to place each new tension, one to settle each
            return TENSIONS, 2 * new + still_open
    new = 0
    for p in range(counts.shape[0]):
        new += counts[p]
    if new + n_tensions[0] > 0:  # 13. the new tensions placed; 14. all worked through
        _open_new_tensions(
            counts,
            member,
            culture_gap,
            tension_draws_now[:new],
            tensions,
            n_tensions,
            tensions_raised,
            rows,
            count,
        )
        _settle_tensions(
            tensions,
            n_tensions,
            tension_draws_now[new:],
            personal,
            org_trust,
            slot_org,
            culture,
            agility_eff,
            rigidity,
            coordinator,
            params,
            engagement,
            tensions_resolved,
            tensions_escalated,
            rows,
            count,
        )
    # 15. formalisation
    _formalise(
        alive,
        success_rate,
        formality,
        operational,
        sustained,
        formalised_month,
        params,
        ready,
        month,
        rows,
        count,
    )
    # 16. membership: disengaged members leave, fitting candidates join
    _leave_and_join(
        member,
        has_org,
        alive,
        engagement,
        binding,
        low_months,
        rejoin_wait,
        shared,
        success_rate,
        join_draws,
        personal,
        org_trust,
        tenure_months,
        slot_org,
        capacity,
        params,
        leaving,
        joins,
        rows,
        count,
    )
    # 17. dissolution
    _dissolve(
        member,
        engagement,
        alive,
        binding,
        few_months,
        dissolved_month,
        phase,
        params,
        gone,
        month,
        rows,
        count,
    )
    # 18. phase; 19. trust as seen, and the month-end snapshot
    _close_month(
        member,
        engagement,
        alive,
        ever_succeeded,
        months_without_action,
        success_rate,
        month,
        phase,
        personal,
        org_trust,
        prm.personal_trust_weight,
        trust,
        trust_seen,
        pair_trust,
    )
    _snapshot(
        member,
        engagement,
        urgency,
        incentives,
        shared,
        pair_trust,
        public_value,
        phase,
        relevance,
        funding_eur,
        latest,
    )
    observe_lived(latest, trust_lived, months_lived)
    still_alive = 0
    for p in range(alive.shape[0]):
        still_alive += alive[p]
    return DONE, still_alive


@njit(cache=True)
def observe_lived(latest, trust_lived, months_lived):
    """Add a month-end snapshot to the running sums behind each partnership's mean trust over
    the months it was alive (so a run's summary needs no stored series)."""
    for p in range(latest.shape[0]):
        if latest[p, COLUMN.phase] != DISSOLVED:
            trust_lived[p] += latest[p, COLUMN.trust]
            months_lived[p] += 1
