"""Policy instruments: funding, paid coordinators, mandates and relaxed rules, month by month."""

from __future__ import annotations

import numpy as np

from collabsim.model.events import EventLog
from collabsim.model.scenario import FUNDING_SCHEMES, Funding, Scenario
from collabsim.model.state import PartnershipState, PolicyEffects, Schemes


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


class PolicySchedule:
    """The scenario's instruments; decides each month which partnerships they reach and how."""

    def __init__(self, scenario: Scenario, st: PartnershipState) -> None:
        n = len(st.alive)
        self.funding = [f.model_copy() for f in scenario.policy.funding]
        self.rigidity = scenario.conditions.regulation_rigidity
        self.effects = PolicyEffects(
            funding_incentive=np.zeros(n),
            mandate_incentive=np.zeros(n),
            rigidity=np.full(n, self.rigidity),
            coordinator=st.coordinator.copy(),
            binding=st.binding.copy(),
            structural=np.zeros(n, dtype=bool),
        )
        # per scheme, for mechanisms.policy_instruments (in the month kernel): code, this
        # month's payment (−1 when not in force), rigidity reduction, match share, who it reaches
        self.schemes = Schemes(
            codes=np.array([SCHEME_CODE[f.scheme] for f in self.funding], dtype=np.int64),
            pays=np.zeros(len(self.funding)),
            reductions=np.array([f.rigidity_reduction for f in self.funding], dtype=float),
            match_shares=np.array([f.match_share for f in self.funding], dtype=float),
            awarded=np.ones((len(self.funding), n), dtype=bool),
        )

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
        its first month, and starts and ends logged; the month kernel (mechanisms.month.run_month)
        then applies them (mechanisms.policy_instruments)."""
        for k, f in enumerate(self.funding):
            first, after = f.start + 1, f.end + 1
            if month == first and f.scheme == "challenge_fund":
                self.schemes.awarded[k] = self.jury(st, f, rng)
            if month == first or month == after:
                self._log_switch(st, f, month, self.schemes.awarded[k] & st.alive, log)
            self.schemes.pays[k] = monthly_euros(f, month) if in_force(f, month) else -1.0

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
