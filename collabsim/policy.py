"""Policy instruments: funding schemes, paid coordinators, mandates and relaxed rules, month by month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from collabsim.events import EventLog
from collabsim.region import PartnershipState
from collabsim.scenario import Funding, Scenario


@njit(cache=True)
def _funding_pull(euros, member, reference_eur, out):
    """Pull of money on members: 1 − exp(−euros per member a month / reference)."""
    for p in range(euros.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        out[p] = 1.0 - np.exp(-euros[p] / max(n, 1) / reference_eur)


MONEY_SCHEMES = ("one_off", "structural", "tapering", "matched", "challenge_fund", "coordinator")


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


class PolicySchedule:
    """The scenario's instruments; decides each month which partnerships they reach and how."""

    def __init__(self, scenario: Scenario, st: PartnershipState) -> None:
        n = len(st.alive)
        self.funding = [f.model_copy() for f in scenario.policy.funding]
        self.rigidity = scenario.conditions.regulation_rigidity
        self.awarded = [np.ones(n, dtype=bool) for _ in self.funding]
        self.effects = PolicyEffects(
            np.zeros(n),
            np.zeros(n),
            np.full(n, self.rigidity),
            st.coordinator.copy(),
            st.binding.copy(),
        )
        self._euros = np.zeros(n)

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

    def apply(
        self,
        st: PartnershipState,
        month: int,
        reference_eur: float,
        mandate_pull: float,
        rng,
        log: EventLog,
    ) -> PolicyEffects:
        """Pay this month's money and switch instruments on or off, logging starts and ends."""
        fx = self.effects
        if not self.funding:
            return fx
        euros = self._euros
        euros[:] = 0.0
        fx.mandate_incentive[:] = 0.0
        fx.rigidity[:] = self.rigidity
        np.copyto(fx.coordinator, st.coordinator)
        np.copyto(fx.binding, st.binding)
        for k, f in enumerate(self.funding):
            first, after = f.start + 1, f.end + 1
            if month == first and f.scheme == "challenge_fund":
                self.awarded[k] = self.jury(st, f, rng)
            if month == first or month == after:
                self._log_switch(st, f, month, self.awarded[k] & st.alive, log)
            if not in_force(f, month):
                continue
            reached = self.awarded[k] & st.alive
            if f.scheme in MONEY_SCHEMES:
                pay = monthly_euros(f, month)
                if f.scheme == "matched":
                    members = np.maximum(st.member.sum(axis=1), 1)
                    invested = st.engagement.sum(axis=1) / members
                    pay = pay * np.minimum(1.0, invested / max(f.match_share, 1e-9))
                euros += reached * pay
            if f.scheme == "coordinator":
                fx.coordinator |= reached
            elif f.scheme == "mandate":
                fx.binding |= reached
                fx.mandate_incentive[reached] = mandate_pull
            elif f.scheme == "relaxed_rules":
                fx.rigidity[reached] *= 1.0 - f.rigidity_reduction
        st.funding_eur[:] = euros
        st.funding_total_eur += euros
        _funding_pull(euros, st.member, reference_eur, fx.funding_incentive)
        return fx

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
