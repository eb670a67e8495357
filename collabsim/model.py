"""The region as a Mesa model: one step is one month through every mechanism, in a fixed order."""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np

from collabsim import mechanisms as mech
from collabsim.agents import AGENT_CLASS, Partnership
from collabsim.events import EventLog
from collabsim.policy import PolicySchedule
from collabsim.region import (
    PHASES,
    assign_to_partnerships,
    build_organisations,
    build_partnerships,
)
from collabsim.scenario import Scenario

# Columns of one partnership-month in the collected time series (in this order).
SERIES = (
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


class CollaborationModel(mesa.Model):
    """Horizontal collaboration in a region: organisations, partnerships, policy; monthly steps."""

    def __init__(self, scenario: Scenario | None = None, *, rng=None, collect: bool = True):
        scenario = scenario if scenario is not None else Scenario.model_validate(
            {"organisations": [{"type": "school", "level": "mbo"}, {"type": "firm"}]}
        )
        super().__init__(rng=scenario.scenario.seed if rng is None else rng)
        self.config = scenario
        self.horizon_months = scenario.scenario.steps
        self.prm = SimpleNamespace(**scenario.parameters.model_dump())
        orgs, slots = assign_to_partnerships(scenario)
        self.orgs = build_organisations(orgs, scenario, self.rng)
        self.state = build_partnerships(scenario, orgs, slots, self.orgs, self.rng)
        self.organisations = [AGENT_CLASS[lab](self, i) for i, lab in enumerate(self.orgs.labels)]
        self.partnerships = [Partnership(self, p) for p in range(len(self.state.names))]
        self.events = EventLog()
        self.policy = PolicySchedule(scenario, len(self.state.names))
        self.collecting = collect
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "partnerships": CollaborationModel.snapshot,
                "alive_partnerships": lambda m: int(m.state.alive.sum()),
            }
        )
        self.running = True
        self._shock_pending: list[tuple[str, dict]] = []
        if collect:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ the monthly step

    def step(self) -> None:
        """One month: policy, demand, agenda, urgency, turnover, engagement, action, trust, ..."""
        st, prm, rng, month, log = self.state, self.prm, self.rng, self.steps, self.events
        cond = self.config.conditions
        self._apply_teacher_moments(month)
        policy = self.policy.apply(
            st, month, prm.funding_reference_eur, prm.mandate_incentive, rng, log
        )
        mech.shift_demand(st, cond.demand_volatility, prm, rng, month, log)
        agility = mech.follow_demand(st, cond.agility, policy.rigidity, prm)
        trust = mech.effective_trust(st, prm)
        trust_seen = mech.trust_in_partners(st, trust)
        mech.update_shared_interest(st, trust_seen, prm)
        mech.update_urgency(st, prm)
        mech.update_incentives(st, policy.funding_incentive, policy.mandate_incentive)
        mech.liaison_turnover(st, self.orgs, cond.staff_turnover, prm, rng, month, log)
        misfit = mech.governance_misfit(st)
        mech.decide_engagement(
            st, self.orgs, trust_seen, misfit, policy.rigidity, policy.coordinator, prm
        )
        trust = mech.effective_trust(st, prm)
        pairs = mech.pair_mask(st)
        success, acts, both = mech.joint_action(
            st, self.orgs, trust, pairs, policy.rigidity, policy.coordinator, prm, rng
        )
        mech.update_trust(st, success, acts, both, pairs, prm)
        mech.raise_tensions(st, self.orgs, misfit, policy.rigidity, prm, rng, month, log)
        mech.work_through_tensions(
            st, self.orgs, agility, policy.rigidity, policy.coordinator, prm, rng, month, log
        )
        mech.formalise(st, prm, month, log)
        mech.leave_and_join(
            st, self.orgs, mech.effective_trust(st, prm), policy.binding, prm, rng, month, log
        )
        mech.check_dissolution(st, policy.binding, prm, month, log)
        mech.update_phase(st, month)
        if self.collecting:
            self.datacollector.collect(self)
        if month >= self.horizon_months or not st.alive.any():
            self.running = False

    def run(self, months: int | None = None) -> CollaborationModel:
        """Step until the horizon (or for `months` more months); returns the model."""
        target = self.horizon_months if months is None else self.steps + months
        while self.steps < target and self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ observation

    def snapshot(self) -> np.ndarray:
        """This month's state of every partnership, one row each, columns as in SERIES."""
        st = self.state
        m = st.member
        n = m.sum(axis=1)
        d = np.maximum(n, 1)
        pairs = mech.pair_mask(st)
        trust = mech.partnership_trust(st, mech.effective_trust(st, self.prm), pairs)
        out = np.empty((len(n), len(SERIES)))
        out[:, 0] = trust
        out[:, 1] = (st.engagement * m).sum(axis=1) / d
        out[:, 2] = (st.urgency * m).sum(axis=1) / d
        out[:, 3] = (st.incentives * m).sum(axis=1) / d
        out[:, 4] = (st.shared_interest * m).sum(axis=1) / d
        out[:, 5] = st.public_value
        out[:, 6] = n
        out[:, 7] = st.phase
        out[:, 8] = st.relevance
        out[:, 9] = st.funding_eur
        return out

    def series(self) -> np.ndarray:
        """All collected months as an array (horizon + 1, partnerships, len(SERIES)).

        A run that ended early (every partnership dissolved) is padded with its last month.
        """
        rows = self.datacollector.model_vars["partnerships"]
        out = np.stack(rows)
        missing = self.horizon_months + 1 - len(rows)
        if missing > 0 and not self.running:
            out = np.concatenate([out, np.repeat(out[-1:], missing, axis=0)])
        return out

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Names of the phase codes in the series."""
        return PHASES

    # ------------------------------------------------------------------ teacher moments

    def inject(self, kind: str, **options) -> None:
        """Queue a teacher moment for the next month: funding_ends, key_person_leaves, ..."""
        self._shock_pending.append((kind, options))

    def _apply_teacher_moments(self, month: int) -> None:
        from collabsim.moments import apply_moment

        while self._shock_pending:
            kind, options = self._shock_pending.pop(0)
            apply_moment(self, kind, month, **options)
