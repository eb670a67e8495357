"""Policy instruments: funding, paid coordinators, mandates and relaxed rules, month by month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.region import PartnershipState
from collabsim.model.scenario import FUNDING_SCHEMES, Funding, Scenario


@dataclass
class PolicyEffects:
    """What the instruments in force do to each partnership this month."""

    funding_incentive: np.ndarray  # (P,) 0..1 pull of the money received
    mandate_incentive: np.ndarray  # (P,) 0..1
    rigidity: np.ndarray  # (P,) regulation rigidity after relaxed rules
    coordinator: np.ndarray  # (P,) bool, the design's or a paid one
    binding: np.ndarray  # (P,) bool, the design's or a mandate


def in_force(f: Funding, month: int) -> bool:
    """Whether a scheme is in force in a month (months count from 1; start=0 is from the first)."""
    return f.start < month <= f.end


def monthly_euros(f: Funding, month: int) -> float:
    """Euros a scheme pays a funded partnership in a month (tapering falls linearly to zero)."""
    if not in_force(f, month):
        return 0.0
    if f.scheme == "tapering":
        remaining = f.end - month + 0.5
        return f.amount * 2.0 * remaining / f.duration**2
    if f.scheme == "challenge_fund":
        return f.amount / f.awards / f.duration
    return f.amount / f.duration


SCHEME_CODE = {name: k for k, name in enumerate(FUNDING_SCHEMES)}


@njit(cache=True)
def _apply_instruments(
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
    mandate_pull,
    reference_eur,
    euros,
    total_eur,
    funding_incentive,
    mandate_incentive,
    rigidity,
    coordinator,
    binding,
):
    """Per partnership: money received, its pull, and the switches the instruments set.

    A partnership's money pulls its members as 1 − exp(−euros per member a month / reference).
    """
    matched, paid_coordinator, mandate, relaxed = 3, 5, 6, 7
    for p in range(alive.shape[0]):
        n, invested = 0, 0.0
        for s in range(member.shape[1]):
            if member[p, s]:
                n += 1
                invested += engagement[p, s]
        invested /= max(n, 1)
        money, pull = 0.0, 0.0
        rigid = base_rigidity
        coord, bind = design_coordinator[p], design_binding[p]
        for k in range(codes.shape[0]):
            if not (alive[p] and awarded[k, p]) or pays[k] < 0:
                continue
            code = codes[k]
            if code == matched:
                money += pays[k] * min(1.0, invested / max(match_shares[k], 1e-9))
            elif code <= paid_coordinator:
                money += pays[k]
            if code == paid_coordinator:
                coord = True
            elif code == mandate:
                bind = True
                pull = mandate_pull
            elif code == relaxed:
                rigid *= 1.0 - reductions[k]
        euros[p] = money
        total_eur[p] += money
        funding_incentive[p] = 1.0 - np.exp(-money / max(n, 1) / reference_eur)
        mandate_incentive[p] = pull
        rigidity[p] = rigid
        coordinator[p] = coord
        binding[p] = bind


class PolicySchedule:
    """The scenario's instruments; decides each month which partnerships they reach and how."""

    def __init__(self, scenario: Scenario, st: PartnershipState) -> None:
        n = len(st.alive)
        self.funding = [f.model_copy() for f in scenario.policy.funding]
        self.rigidity = scenario.conditions.regulation_rigidity
        self.awarded = np.ones((len(self.funding), n), dtype=bool)
        self.effects = PolicyEffects(
            np.zeros(n),
            np.zeros(n),
            np.full(n, self.rigidity),
            st.coordinator.copy(),
            st.binding.copy(),
        )
        # per scheme, for `_apply_instruments` (in the month kernel): code, this month's
        # payment (−1 when not in force), rigidity reduction, match share; `awarded` above
        self.codes = np.array([SCHEME_CODE[f.scheme] for f in self.funding], dtype=np.int64)
        self.pays = np.zeros(len(self.funding))
        self.reductions = np.array([f.rigidity_reduction for f in self.funding], dtype=float)
        self.match_shares = np.array([f.match_share for f in self.funding], dtype=float)

    def jury(self, st: PartnershipState, f: Funding, rng) -> np.ndarray:
        """A challenge fund's jury picks the strongest proposals (engagement, trust, relevance)."""
        members = np.maximum(st.member.sum(axis=1), 1)
        strength = st.engagement.sum(axis=1) / members * st.relevance * st.success_rate
        strength = strength + 0.05 * rng.random(len(strength))
        strength = np.where(st.alive & (st.member.sum(axis=1) >= 2), strength, -np.inf)
        chosen = np.zeros(len(strength), dtype=bool)
        order = np.argsort(-strength, kind="stable")[: f.awards]
        chosen[order[np.isfinite(strength[order])]] = True
        return chosen

    def decide(self, st: PartnershipState, month: int, rng, log: EventLog) -> None:
        """This month's payment per scheme (−1 when not in force), a challenge fund's jury in
        its first month, and starts and ends logged; the month kernel (mechanisms.run_month)
        then applies them with `_apply_instruments`."""
        for k, f in enumerate(self.funding):
            first, after = f.start + 1, f.end + 1
            if month == first and f.scheme == "challenge_fund":
                self.awarded[k] = self.jury(st, f, rng)
            if month == first or month == after:
                self._log_switch(st, f, month, self.awarded[k] & st.alive, log)
            self.pays[k] = monthly_euros(f, month) if in_force(f, month) else -1.0

    @staticmethod
    def _log_switch(st, f: Funding, month: int, reached: np.ndarray, log: EventLog) -> None:
        kind = "funding_started" if month == f.start + 1 else "funding_ended"
        for p in np.flatnonzero(reached):
            log.add(
                month,
                st.names[p],
                kind,
                f.name,
                variable="funding_eur_per_month",
                before=0.0 if kind == "funding_started" else float(monthly_euros(f, month - 1)),
                after=float(monthly_euros(f, month)),
                detail=f"{f.scheme.replace('_', ' ')} '{f.name}' "
                + ("starts" if kind == "funding_started" else "ends"),
            )
