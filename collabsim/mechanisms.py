"""The model's equations, one function per mechanism of the design (MODEL.md §3, docs/ODD.md §7).

Every function updates the partnership arrays in place for all partnerships at once. `prm` holds
the mechanism parameters (collabsim.parameters) as plain floats. Random draws come only from the
model's generator `rng`, in a fixed order, so the same seed gives the same run.
"""

from __future__ import annotations

import numpy as np

from collabsim.events import EventLog
from collabsim.region import (
    ACTIVE,
    DISSOLVED,
    DORMANT,
    FORMING,
    STRUGGLING,
    Organisations,
    PartnershipState,
)


def sigmoid(x):
    """Logistic function: turns a balance of reasons into a share or a probability."""
    return 1.0 / (1.0 + np.exp(-x))


def pair_mask(st: PartnershipState) -> np.ndarray:
    """(P, S, S) float mask of pairs of distinct current members."""
    m = st.member.astype(float)
    pm = m[:, :, None] * m[:, None, :]
    idx = np.arange(pm.shape[1])
    pm[:, idx, idx] = 0.0
    return pm


def effective_trust(st: PartnershipState, prm) -> np.ndarray:
    """Trust between members: personal trust of the liaisons blended with organisational trust."""
    w = prm.personal_trust_weight
    return w * st.personal_trust + (1.0 - w) * st.org_trust


def trust_in_partners(st: PartnershipState, trust: np.ndarray) -> np.ndarray:
    """Each member's trust in its partners, weighted by how engaged those partners are."""
    w = st.engagement * st.member
    total = trust @ w[:, :, None]
    weight = w.sum(axis=1, keepdims=True) - w
    plain = (trust * st.member[:, None, :]).sum(axis=2) / np.maximum(
        st.member.sum(axis=1, keepdims=True) - 1, 1
    )
    return np.where(weight > 1e-9, total[:, :, 0] / np.maximum(weight, 1e-9), plain)


def partnership_trust(st: PartnershipState, trust: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Mean trust over pairs of current members (0 where fewer than two members)."""
    n = pairs.sum(axis=(1, 2))
    return np.where(n > 0, (trust * pairs).sum(axis=(1, 2)) / np.maximum(n, 1), 0.0)


def governance_misfit(st: PartnershipState) -> np.ndarray:
    """How far the governance is from the form that fits the partnership (Provan & Kenis 2008)."""
    members = st.member.sum(axis=1)
    fitting = np.clip((members - 3) / 20.0 + np.where(st.operational, 0.25, 0.0), 0.0, 1.0)
    return np.abs(st.formality - fitting)


# --------------------------------------------------------------------------- demand and urgency


def shift_demand(st: PartnershipState, volatility: float, prm, rng, month: int, log: EventLog):
    """Regional demand drifts and sometimes jumps (a labour shortage, demographic decline)."""
    n, k = st.demand.shape
    drift = rng.normal(0.0, 1.0, size=(n, k))
    st.demand += volatility * prm.demand_drift_per_month * drift
    st.demand += prm.demand_reversion_per_month * (st.demand_ref - st.demand)
    shock_chance = volatility * prm.demand_shocks_per_year / 12.0
    hits = np.flatnonzero((rng.random(n) < shock_chance) & st.alive) if shock_chance > 0 else []
    for p in hits:
        theme = int(rng.integers(k))
        sign = 1.0 if rng.random() < 0.7 else -1.0
        before = st.demand[p, theme]
        st.demand[p, theme] = min(max(before + sign * prm.demand_shock_size, 0.0), 1.0)
        log.add(
            month, st.names[p], "demand_shock", "region", variable=f"demand_theme_{theme}",
            before=float(before), after=float(st.demand[p, theme]),
            detail="demand rises sharply" if sign > 0 else "demand falls sharply",
        )
    np.clip(st.demand, 0.0, 1.0, out=st.demand)


def follow_demand(st: PartnershipState, agility: float, rigidity: np.ndarray, prm) -> np.ndarray:
    """The agenda follows shifting demand as fast as agility allows; returns effective agility."""
    agility_eff = (
        agility
        * (1.0 - prm.formal_agility_loss * st.formality)
        * (1.0 - prm.rules_agility_loss * rigidity)
    )
    target = st.demand / np.maximum(st.demand.sum(axis=1, keepdims=True), 1e-9)
    st.agenda += (prm.agenda_adjust_per_month * agility_eff)[:, None] * (target - st.agenda)
    st.relevance[:] = 1.0 - 0.5 * np.abs(st.agenda - target).sum(axis=1)
    return agility_eff


def update_shared_interest(st: PartnershipState, trust_seen: np.ndarray, prm) -> None:
    """Shared interest is the overlap of interests with the agenda; working together aligns them."""
    pull = prm.understanding_per_month * st.engagement * trust_seen
    st.interests += pull[:, :, None] * (st.agenda[:, None, :] - st.interests)
    overlap = np.minimum(st.interests, st.agenda[:, None, :]).sum(axis=2)
    st.shared_interest[:] = overlap * st.has_org


def update_urgency(st: PartnershipState, prm) -> None:
    """Urgency tracks demand on each member's own themes and fades as results come in (B2)."""
    need = (st.interests * st.demand[:, None, :]).sum(axis=2)
    erosion = 1.0 - prm.success_erodes_urgency * st.results[:, None]
    target = np.clip(st.base_urgency * need / st.need_ref * erosion, 0.0, 1.0)
    st.urgency += prm.urgency_adjust_per_month * (target - st.urgency)


def update_incentives(st: PartnershipState, funding: np.ndarray, mandate: np.ndarray) -> None:
    """Incentives combine the partners' own reasons with money and mandates in force (B3)."""
    outside = 1.0 - (1.0 - funding) * (1.0 - mandate)
    st.incentives[:] = 1.0 - (1.0 - st.base_incentive) * (1.0 - outside[:, None])


# --------------------------------------------------------------------------- staff turnover


def liaison_turnover(
    st: PartnershipState, org: Organisations, turnover_per_year: float, prm, rng, month: int,
    log: EventLog,
) -> None:
    """Liaisons leave at random; personal trust resets to what their organisation kept (B4)."""
    st.tenure_months += 1
    draws = rng.random(st.member.shape)
    leaving = (draws < turnover_per_year / 12.0) & st.member & st.alive[:, None]
    if not leaving.any():
        return
    kept_share = np.minimum(
        prm.trust_retained_base
        + prm.trust_retained_formal * st.formality
        + prm.trust_retained_handover * st.coordinator,
        1.0,
    )
    for p, s in np.argwhere(leaving):
        before = effective_trust_row(st, p, s, prm)
        st.org_trust[p, s, :] *= kept_share[p]
        st.org_trust[p, :, s] *= kept_share[p]
        st.personal_trust[p, s, :] = st.org_trust[p, s, :]
        st.personal_trust[p, :, s] = st.org_trust[p, :, s]
        st.engagement[p, s] *= 1.0 - prm.turnover_engagement_loss
        st.tenure_months[p, s] = 0
        after = effective_trust_row(st, p, s, prm)
        partners = st.member[p].copy()
        partners[s] = False
        other = int(np.argmax(np.where(partners, before - after, -np.inf))) if partners.any() else s
        log.add(
            month, st.names[p], "liaison_left", org.names[st.slot_org[p, s]],
            other=org.names[st.slot_org[p, other]] if other != s else "",
            variable="trust", before=float(before[other]), after=float(after[other]),
            detail="the liaison leaves; a successor starts from what the organisation kept",
        )


def effective_trust_row(st: PartnershipState, p: int, s: int, prm) -> np.ndarray:
    """Trust of member s in each other slot of partnership p."""
    w = prm.personal_trust_weight
    return w * st.personal_trust[p, s] + (1.0 - w) * st.org_trust[p, s]


# --------------------------------------------------------------------------- engagement


def memberships_per_org(st: PartnershipState, n_orgs: int) -> np.ndarray:
    """How many partnerships each organisation is at the table of (a hub splits its time)."""
    return np.bincount(st.slot_org[st.member], minlength=n_orgs)


def decide_engagement(
    st: PartnershipState, org: Organisations, trust_seen: np.ndarray, misfit: np.ndarray,
    rigidity: np.ndarray, coordinator: np.ndarray, prm,
) -> None:
    """Each member invests the share of its capacity collaboration is worth to it, with inertia."""
    safe = np.where(st.has_org, st.slot_org, 0)
    n_memberships = np.maximum(memberships_per_org(st, len(org.names)), 1)[safe]
    partners = st.member.sum(axis=1, keepdims=True) - 1
    culture_gap = (st.culture_gap * st.member[:, None, :]).sum(axis=2) / np.maximum(partners, 1)
    worth = (
        prm.weight_urgency * st.urgency
        + prm.weight_shared_interest * st.shared_interest
        + prm.weight_incentives * st.incentives
        + prm.weight_trust * trust_seen
        + prm.weight_results * st.results[:, None]
        + prm.weight_eco * org.orientation[safe]
    )
    cost = (
        prm.cost_base
        + prm.cost_per_partner * partners
        + prm.cost_culture * culture_gap
        + prm.cost_misfit * misfit[:, None]
        + prm.cost_rules * rigidity[:, None] * org.is_school[safe]
        + prm.cost_shortage * (1.0 - org.capacity[safe])
        + prm.cost_extra_partnership * (n_memberships - 1)
        - prm.coordinator_relief * coordinator[:, None]
    )
    available = org.capacity[safe] / np.sqrt(n_memberships)
    target = available * sigmoid((worth - cost) / prm.decision_temperature)
    st.engagement += prm.engagement_adjust_per_month * (target - st.engagement)
    st.engagement *= st.member


# --------------------------------------------------------------------------- joint action


def joint_action(
    st: PartnershipState, org: Organisations, trust: np.ndarray, pairs: np.ndarray,
    rigidity: np.ndarray, coordinator: np.ndarray, prm, rng,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """With two or more engaged members the partnership acts; success adds public value."""
    engaged = st.member & (st.engagement >= prm.min_engagement_to_act)
    acts = (engaged.sum(axis=1) >= 2) & st.alive
    members = np.maximum(st.member.sum(axis=1), 1)
    capacity = st.engagement.sum(axis=1) / members
    safe = np.where(st.has_org, st.slot_org, 0)
    covered = np.where(engaged[:, :, None], org.knowledge[safe], 0.0).max(axis=1)
    complementarity = (covered * st.agenda).sum(axis=1)
    both = engaged[:, :, None] & engaged[:, None, :] & (pairs > 0)
    trust_engaged = np.where(
        both.any(axis=(1, 2)), (trust * both).sum(axis=(1, 2)) / np.maximum(both.sum((1, 2)), 1), 0
    )
    logit = (
        prm.success_base
        + prm.success_capacity * capacity
        + prm.success_complementarity * complementarity
        + prm.success_relevance * st.relevance
        + prm.success_trust * trust_engaged
        + prm.coordinator_boost * coordinator
        + prm.meeting_boost * (st.contact - 0.2) / 0.8
        - prm.rules_penalty * rigidity
    )
    draws = rng.random(len(acts))
    success = acts & (draws < sigmoid(logit))
    produced = np.where(success, capacity * complementarity * st.relevance, 0.0)
    st.public_value += produced
    memory = 1.0 / prm.results_memory_months
    alive = st.alive
    st.success_rate += alive * memory * (success - st.success_rate)
    st.results += alive * memory * (produced - st.results)
    st.joint_successes += success
    st.ever_succeeded |= success
    st.months_without_action = np.where(acts, 0, st.months_without_action + 1)
    return success, acts, both


# --------------------------------------------------------------------------- trust


def update_trust(
    st: PartnershipState, success: np.ndarray, acts: np.ndarray, both: np.ndarray,
    pairs: np.ndarray, prm,
) -> None:
    """Trust grows with contact and small wins, falls faster with failures, decays without contact."""
    tp = st.personal_trust
    e = st.engagement
    contact = st.contact[:, None, None] * np.sqrt(e[:, :, None] * e[:, None, :])
    failure = acts & ~success
    outcome = np.where(
        success[:, None, None],
        prm.trust_gain_success * (1.0 - tp),
        np.where(failure[:, None, None], -prm.trust_loss_failure * tp, 0.0),
    )
    change = (
        prm.trust_gain_contact * contact * (1.0 - tp)
        + both * outcome
        - prm.trust_decay_per_month * (1.0 - contact) * tp
    )
    tp += pairs * change
    np.clip(tp, 0.0, 1.0, out=tp)
    st.org_trust += prm.org_trust_per_month * pairs * (tp - st.org_trust)


# --------------------------------------------------------------------------- tensions


def raise_tensions(
    st: PartnershipState, org: Organisations, misfit: np.ndarray, rigidity: np.ndarray, prm, rng,
    month: int, log: EventLog,
) -> None:
    """Tensions arise with cultural distance, ego-orientation, rigid rules, misfit, divergence."""
    safe = np.where(st.has_org, st.slot_org, 0)
    members = st.member.sum(axis=1)
    n = np.maximum(members, 1)
    eco = (org.orientation[safe] * st.member).sum(axis=1) / n
    divergence = 1.0 - (st.shared_interest * st.member).sum(axis=1) / n
    pairs = pair_mask(st)
    gap = (st.culture_gap * pairs).sum(axis=(1, 2)) / np.maximum(pairs.sum(axis=(1, 2)), 1)
    rate = (
        prm.tensions_per_month
        * members
        / 6.0
        * (
            1.0
            + prm.tension_culture * gap
            + prm.tension_ego * (1.0 - eco)
            + prm.tension_rules * rigidity
            + prm.tension_misfit * misfit
            + prm.tension_divergence * divergence
        )
    )
    counts = rng.poisson(np.where(st.alive & (members >= 2), rate, 0.0))
    for p in np.flatnonzero(counts):
        for _ in range(int(counts[p])):
            _open_tension(st, org, p, pairs[p], rng, month, log)


def _open_tension(st, org, p: int, pairs_p: np.ndarray, rng, month: int, log: EventLog) -> None:
    """Open one tension between a pair of members, more likely between distant cultures."""
    weight = np.triu(pairs_p * (st.culture_gap[p] + 0.1), 1).ravel()
    pick = int(rng.choice(weight.size, p=weight / weight.sum()))
    i, j = divmod(pick, pairs_p.shape[0])
    st.open_tensions.append([p, i, j, 0])
    st.tensions_raised[p] += 1
    log.add(
        month, st.names[p], "tension_raised", org.names[st.slot_org[p, i]],
        other=org.names[st.slot_org[p, j]], detail="a tension or dilemma comes up",
    )


def work_through_tensions(
    st: PartnershipState, org: Organisations, agility_eff: np.ndarray, rigidity: np.ndarray,
    coordinator: np.ndarray, prm, rng, month: int, log: EventLog,
) -> None:
    """An open tension is resolved if trust, informal culture and agility suffice, else escalates."""
    if not st.open_tensions:
        return
    still_open = [
        t for t in st.open_tensions if st.alive[t[0]] and st.member[t[0], t[1]]
        and st.member[t[0], t[2]]
    ]
    st.open_tensions = []
    if not still_open:
        return
    arr = np.array(still_open)
    p, i, j = arr[:, 0], arr[:, 1], arr[:, 2]
    w = prm.personal_trust_weight
    trust = 0.5 * (
        w * (st.personal_trust[p, i, j] + st.personal_trust[p, j, i])
        + (1 - w) * (st.org_trust[p, i, j] + st.org_trust[p, j, i])
    )
    culture = org.culture[st.slot_org[p, i]] + org.culture[st.slot_org[p, j]]
    informal = 1.0 - 0.5 * culture
    logit = (
        prm.resolve_base
        + prm.resolve_trust * trust
        + prm.resolve_informal * informal
        + prm.resolve_agility * agility_eff[p]
        + prm.resolve_coordinator * coordinator[p]
        - prm.resolve_rigidity * rigidity[p]
    )
    resolved = rng.random(len(arr)) < sigmoid(logit)
    for k, (pk, ik, jk, age) in enumerate(still_open):
        if resolved[k]:
            _settle(st, org, pk, ik, jk, prm.tension_trust_gain_resolved, 0.0, prm, month, log)
        elif age + 1 >= prm.tension_months_to_escalate:
            _settle(st, org, pk, ik, jk, -prm.tension_trust_loss_escalated,
                    prm.tension_engagement_loss, prm, month, log)
        else:
            st.open_tensions.append([pk, ik, jk, age + 1])


def _settle(st, org, p, i, j, trust_step, engagement_loss, prm, month, log) -> None:
    """Close a tension: working it through builds trust; an escalation breaks it down."""
    before = float(0.5 * (effective_trust_row(st, p, i, prm)[j] + effective_trust_row(st, p, j, prm)[i]))
    for a, b in ((i, j), (j, i)):
        t = st.personal_trust[p, a, b]
        st.personal_trust[p, a, b] = t + trust_step * ((1 - t) if trust_step > 0 else t)
        o = st.org_trust[p, a, b]
        st.org_trust[p, a, b] = o + 0.5 * trust_step * ((1 - o) if trust_step > 0 else o)
    st.engagement[p, [i, j]] *= 1.0 - engagement_loss
    after = float(0.5 * (effective_trust_row(st, p, i, prm)[j] + effective_trust_row(st, p, j, prm)[i]))
    resolved = trust_step > 0
    if resolved:
        st.tensions_resolved[p] += 1
    else:
        st.tensions_escalated[p] += 1
    log.add(
        month, st.names[p], "tension_resolved" if resolved else "tension_escalated",
        org.names[st.slot_org[p, i]], other=org.names[st.slot_org[p, j]], variable="trust",
        before=before, after=after,
        detail="worked through in practice" if resolved else "left unresolved; it escalates",
    )


# --------------------------------------------------------------------------- structure


def formalise(st: PartnershipState, prm, month: int, log: EventLog) -> None:
    """Operational partnerships formalise after sustained success; strategic ones later (B5)."""
    sustained = st.alive & (st.success_rate >= prm.formalise_success_level)
    st.sustained_success_months = np.where(sustained, st.sustained_success_months + 1, 0)
    needed = np.where(st.operational, prm.formalise_months_operational, prm.formalise_months_strategic)
    ready = sustained & (st.sustained_success_months >= needed) & (st.formality < 1.0)
    for p in np.flatnonzero(ready):
        before = st.formality[p]
        st.formality[p] = min(before + 0.5, 1.0)
        st.sustained_success_months[p] = 0
        if st.formalised_month[p] < 0:
            st.formalised_month[p] = month
        log.add(
            month, st.names[p], "formalised", st.names[p], variable="formality",
            before=float(before), after=float(st.formality[p]),
            detail="covenant signed" if st.formality[p] < 1 else "legal entity founded",
        )


def leave_and_join(
    st: PartnershipState, org: Organisations, trust: np.ndarray, binding: np.ndarray, prm, rng,
    month: int, log: EventLog,
) -> None:
    """Members drift off after a spell of low engagement; fitting organisations join (R3)."""
    low = st.member & (st.engagement < prm.leave_engagement)
    st.low_months = np.where(low, st.low_months + 1, 0)
    leaving = low & (st.low_months >= prm.leave_after_months) & ~binding[:, None]
    for p, s in np.argwhere(leaving & st.alive[:, None]):
        before = float(st.engagement[p, s])
        st.member[p, s] = False
        st.engagement[p, s] = 0.0
        st.low_months[p, s] = 0
        st.rejoin_wait[p, s] = prm.rejoin_after_months
        log.add(
            month, st.names[p], "member_left", org.names[st.slot_org[p, s]], variable="engagement",
            before=before, after=0.0, detail="leaves after months of low engagement",
        )
    np.maximum(st.rejoin_wait - 1, 0, out=st.rejoin_wait)
    candidates = st.has_org & ~st.member & (st.rejoin_wait == 0) & st.alive[:, None]
    if not candidates.any():
        return
    appeal = st.shared_interest * (0.5 + st.success_rate[:, None]) * (st.member.sum(1) >= 2)[:, None]
    joins = candidates & (rng.random(st.member.shape) < prm.join_per_month * appeal)
    for p, s in np.argwhere(joins):
        _join(st, org, trust, p, s, month, log)


def _join(st, org, trust, p: int, s: int, month: int, log: EventLog) -> None:
    """A newcomer joins; its trust in members comes through common partners (Cowan et al. 2007)."""
    via = st.member[p]
    through = (trust[p, s, :, None] * trust[p, :, :] * via[:, None]).max(axis=0)
    for layer in (st.personal_trust, st.org_trust):
        layer[p, s, :] = np.maximum(layer[p, s, :], through)
        layer[p, :, s] = np.maximum(layer[p, :, s], through)
        layer[p, s, s] = 0.0
    st.member[p, s] = True
    st.engagement[p, s] = 0.3 * org.capacity[st.slot_org[p, s]]
    st.tenure_months[p, s] = 0
    log.add(
        month, st.names[p], "member_joined", org.names[st.slot_org[p, s]], variable="members",
        before=float(st.member[p].sum() - 1), after=float(st.member[p].sum()),
        detail="joins through common partners",
    )


def check_dissolution(
    st: PartnershipState, binding: np.ndarray, prm, month: int, log: EventLog
) -> None:
    """A partnership dissolves when fewer than two members stay engaged for a sustained spell."""
    engaged = (st.member & (st.engagement >= prm.min_engagement_to_act)).sum(axis=1)
    few = st.alive & (engaged < 2)
    st.few_engaged_months = np.where(few, st.few_engaged_months + 1, 0)
    limit = np.where(binding, 2 * prm.dissolve_after_months, prm.dissolve_after_months)
    for p in np.flatnonzero(few & (st.few_engaged_months >= limit)):
        before = float(st.member[p].sum())
        st.alive[p] = False
        st.dissolved_month[p] = month
        st.member[p] = False
        st.engagement[p] = 0.0
        st.phase[p] = DISSOLVED
        log.add(
            month, st.names[p], "dissolved", st.names[p], variable="members", before=before,
            after=0.0, detail="fewer than two members stayed engaged",
        )


def update_phase(st: PartnershipState, month: int) -> None:
    """Phase: forming, active, struggling, dormant or dissolved, from the partnership's state."""
    members = np.maximum(st.member.sum(axis=1), 1)
    mean_engagement = st.engagement.sum(axis=1) / members
    phase = np.where(
        st.months_without_action >= 3,
        DORMANT,
        np.where((st.success_rate < 0.3) | (mean_engagement < 0.2), STRUGGLING, ACTIVE),
    )
    phase = np.where((month < 6) & ~st.ever_succeeded, FORMING, phase)
    st.phase[:] = np.where(st.alive, phase, DISSOLVED)
