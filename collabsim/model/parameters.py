"""Mechanism parameters: every constant of the model's equations, with its default and range.

They live in a scenario's optional `[parameters]` table, so a sweep or a Morris screening can vary
any of them (`--set parameters.trust_gain_success=0.08`). docs/ODD.md explains each one.
"""

from __future__ import annotations

import os
from collections import namedtuple

import numpy as np
from pydantic import Field

from collabsim.model.validation import StrictTable


def _p(default: float, lo: float, hi: float, what: str) -> float:
    """A mechanism parameter with its allowed range and a one-line meaning."""
    return Field(default, ge=lo, le=hi, description=what)


class MechanismParameters(StrictTable):
    """The constants of the equations in collabsim.mechanisms (defaults documented in the ODD)."""

    # demand and urgency
    demand_drift_per_month: float = _p(0.04, 0, 0.5, "sd of monthly demand drift at volatility 1")
    demand_shocks_per_year: float = _p(1.0, 0, 12, "expected demand shocks a year at volatility 1")
    demand_shock_size: float = _p(0.35, 0, 1, "size of a demand shock on one theme")
    demand_reversion_per_month: float = _p(0.01, 0, 1, "pull of demand back to its usual level")
    urgency_adjust_per_month: float = _p(0.15, 0.01, 1, "speed at which urgency follows need")
    urgency_from_demand: float = _p(1.0, 0, 5, "urgency a rise in demand on one's themes adds")
    urgency_contagion: float = _p(0.3, 0, 1, "weight of the urgency trusted partners voice")
    success_erodes_urgency: float = _p(0.4, 0, 1, "how much recent results lower urgency (B2)")
    # agenda and shared interest
    agenda_adjust_per_month: float = _p(0.6, 0, 1, "agenda's pull toward demand at agility 1")
    agility_exponent: float = _p(3.0, 0.1, 5, "how steeply the agenda's pull falls with agility")
    formal_agility_loss: float = _p(0.4, 0, 1, "share of agility lost by full formalisation")
    rules_agility_loss: float = _p(0.4, 0, 1, "share of agility lost at full rule rigidity")
    understanding_per_month: float = _p(0.01, 0, 0.5, "interests' pull toward the agenda (R1)")
    interest_from_success: float = _p(0.02, 0, 0.5, "interests' pull toward the agenda by results")
    # incentives
    board_dependence: float = _p(0.5, 0, 1, "share of own incentives needing the boards' backing")
    backing_adjust_per_month: float = _p(0.05, 0, 1, "speed at which backing follows results")
    backing_success_ref: float = _p(0.5, 0.01, 1, "success rate at which the boards back fully")
    in_kind_weight: float = _p(0.15, 0, 1, "pull of what partners put on the table in kind")
    # engagement decision
    engagement_adjust_per_month: float = _p(0.25, 0.01, 1, "inertia: share of gap closed a month")
    weight_urgency: float = _p(0.45, 0, 2, "value of urgency in the engagement decision")
    weight_shared_interest: float = _p(0.45, 0, 2, "value of shared interest")
    weight_incentives: float = _p(0.45, 0, 2, "value of incentives")
    weight_trust: float = _p(0.45, 0, 2, "value of trust in partners")
    weight_results: float = _p(0.3, 0, 2, "value of recent joint results (small wins)")
    weight_eco: float = _p(0.15, 0, 2, "value an eco-oriented organisation puts on 'us'")
    driver_complementarity: float = _p(1.0, 0, 1, "0: drivers add up; 1: each is necessary")
    weight_relevance: float = _p(2.0, 0, 3, "drivers' value lost per unit of irrelevance")
    cost_base: float = _p(0.5, 0, 3, "threshold cost of collaborating at all")
    cost_spread: float = _p(0.08, 0, 1, "sd of a partnership's own cost around the base")
    weight_chain: float = _p(0.5, 0, 1, "share of the drivers' value lost with no links")
    cost_per_partner: float = _p(0.012, 0, 0.2, "coordination cost per active partner (B6)")
    cost_culture: float = _p(0.2, 0, 2, "cost of cultural distance to partners")
    cost_misfit: float = _p(0.15, 0, 2, "cost of a governance that does not fit")
    cost_rules: float = _p(0.15, 0, 2, "cost of rigid teaching-time and examination rules")
    cost_shortage: float = _p(0.2, 0, 2, "cost of staff shortage")
    cost_extra_partnership: float = _p(0.08, 0, 1, "cost of each further partnership (hub)")
    coordinator_relief: float = _p(0.08, 0, 1, "cost a coordinator takes off the partners")
    decision_temperature: float = _p(0.08, 0.01, 1, "spread of the engagement decision")
    # joint action
    min_engagement_to_act: float = _p(0.15, 0, 1, "engagement needed to take part in action")
    success_base: float = _p(-2.6, -10, 10, "logit of success with nothing going for it")
    success_capacity: float = _p(1.6, 0, 10, "effect of engaged capacity")
    success_complementarity: float = _p(1.4, 0, 10, "effect of complementary knowledge")
    success_relevance: float = _p(1.4, 0, 10, "effect of the agenda's relevance to demand")
    success_trust: float = _p(1.4, 0, 10, "effect of trust among engaged partners")
    coordinator_boost: float = _p(0.5, 0, 5, "effect of a coordinator on success")
    meeting_boost: float = _p(0.4, 0, 5, "effect of weekly fixed meeting moments on success")
    rules_penalty: float = _p(0.5, 0, 5, "effect of rule rigidity on success")
    missing_role_loss: float = _p(0.5, 0, 1, "share of a theme's results lost per missing role")
    results_memory_months: float = _p(10, 1, 60, "memory of the success and results averages")
    # trust
    personal_trust_weight: float = _p(0.6, 0, 1, "weight of personal (liaison) trust in trust")
    trust_gain_success: float = _p(0.1, 0, 1, "trust gained from a joint success")
    trust_loss_failure: float = _p(0.08, 0, 1, "trust lost from a failure (falls faster)")
    trust_gain_contact: float = _p(0.01, 0, 1, "trust gained from a month of contact")
    trust_decay_per_month: float = _p(0.02, 0, 1, "trust lost in a month without contact")
    org_trust_per_month: float = _p(0.05, 0, 1, "pace at which organisations absorb trust")
    trust_retained_base: float = _p(0.5, 0, 1, "org trust kept when a liaison leaves")
    trust_retained_formal: float = _p(0.3, 0, 1, "extra kept with full formalisation")
    trust_retained_handover: float = _p(0.2, 0, 1, "extra kept with a coordinator's handover")
    turnover_engagement_loss: float = _p(0.3, 0, 1, "engagement lost when a liaison leaves")
    # tensions
    tensions_per_month: float = _p(0.05, 0, 2, "base rate of tensions for six members")
    tension_culture: float = _p(2.0, 0, 10, "extra tensions from cultural distance")
    tension_ego: float = _p(1.5, 0, 10, "extra tensions from ego-orientation")
    tension_rules: float = _p(1.0, 0, 10, "extra tensions from rigid rules")
    tension_misfit: float = _p(1.0, 0, 10, "extra tensions from governance misfit")
    tension_divergence: float = _p(1.5, 0, 10, "extra tensions from diverging interests")
    tension_urgency_distrust: float = _p(1.5, 0, 10, "extra tensions from urgency without trust")
    tension_irrelevance: float = _p(3.0, 0, 20, "extra tensions from an agenda that lags demand")
    resolve_base: float = _p(-2.0, -10, 10, "logit of resolving a tension in a month")
    resolve_trust: float = _p(3.0, 0, 10, "effect of the pair's trust on resolution")
    resolve_informal: float = _p(1.0, 0, 10, "effect of informal culture on resolution")
    resolve_agility: float = _p(0.3, 0, 10, "effect of agility on resolution")
    resolve_coordinator: float = _p(0.8, 0, 10, "effect of a coordinator on resolution")
    resolve_rigidity: float = _p(1.0, 0, 10, "effect of rigid rules against resolution")
    tension_months_to_escalate: float = _p(3, 1, 24, "months an open tension lasts unresolved")
    tension_trust_gain_resolved: float = _p(0.05, 0, 1, "trust gained by working one through")
    tension_trust_loss_escalated: float = _p(0.25, 0, 1, "trust lost when one escalates")
    tension_engagement_loss: float = _p(0.15, 0, 1, "engagement lost when one escalates")
    crisis_strain_per_escalation: float = _p(0.8, 0, 2, "strain an escalated tension adds")
    strain_relief_per_month: float = _p(0.03, 0, 1, "share of the strain that eases a month")
    crisis_trust_loss: float = _p(0.6, 0, 1, "share of trust a crisis breaks, every pair")
    crisis_engagement_loss: float = _p(0.1, 0, 1, "share of engagement a crisis costs")
    crisis_repair_per_month: float = _p(0.9, 0, 1, "share of broken trust repaired a month")
    # formalisation, membership, dissolution
    formalise_success_level: float = _p(0.45, 0, 1, "success rate that counts as sustained")
    formalise_months_operational: float = _p(12, 1, 240, "sustained months before formalising")
    formalise_months_strategic: float = _p(30, 1, 240, "same for strategic partnerships")
    leave_per_month: float = _p(0.05, 0, 1, "monthly chance of leaving when it is not worth it")
    outside_option: float = _p(0.05, 0, 1, "what a member could achieve alone instead")
    binding_leave_factor: float = _p(0.3, 0, 1, "share of that chance left when it is binding")
    join_per_month: float = _p(0.03, 0, 1, "monthly chance a fitting candidate joins")
    rejoin_after_months: float = _p(24, 0, 240, "months before a leaver may rejoin")
    # policy
    funding_reference_eur: float = _p(2000, 1, 1e6, "euros a member a month that give 63% pull")
    mandate_incentive: float = _p(0.3, 0, 1, "incentive a binding mandate adds")
    # played seats (class mode): what a team's choices do
    raise_tension_bonus: float = _p(1.5, 0, 10, "logit bonus of a tension a team raises")
    let_go_interest_loss: float = _p(0.05, 0, 1, "shared interest lost per tension let go")
    money_weight: float = _p(2.0, 1, 10, "weight of money in the partners' in-kind pull")
    money_cost: float = _p(0.1, 0, 2, "extra cost to a member that contributes money")


# the parameters that act only on a seat a team plays (class mode, collabsim.model.seats): no run
# without played seats depends on them, so a screening of the model's own runs leaves them out
CLASS_MODE_PARAMETERS = (
    "raise_tension_bonus",
    "let_go_interest_loss",
    "money_weight",
    "money_cost",
)

ParameterTuple = namedtuple("ParameterTuple", list(MechanismParameters.model_fields))


def parameter_range(name: str) -> tuple[float, float]:
    """A mechanism parameter's allowed range, read from its field above."""
    bounds = {}
    for m in MechanismParameters.model_fields[name].metadata:
        for attr in ("ge", "le"):
            if getattr(m, attr, None) is not None:
                bounds[attr] = float(getattr(m, attr))
    return bounds["ge"], bounds["le"]


# One dtype object for every model: numba recognises it at once instead of re-typing a new one.
PARAMETER_DTYPE = np.dtype([(name, "f8") for name in MechanismParameters.model_fields])


class Parameters(ParameterTuple):
    """The parameters as named floats (for Python) with `.record`, the form compiled kernels read.

    `.record` is a one-element structured numpy array: passing it to a compiled kernel costs a
    pointer, where a named tuple of 80 floats costs ~10 µs a call to convert.
    """

    record: np.ndarray


def as_tuple(params: MechanismParameters) -> Parameters:
    """The mechanism parameters as named floats plus their record for the compiled kernels."""
    values = {k: float(v) for k, v in params.model_dump().items()}
    out = Parameters(**values)
    out.record = np.array([tuple(values.values())], dtype=PARAMETER_DTYPE)
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):  # kernels run as Python:
        # reading `record[0].name` there needs a recarray's records
        out.record = out.record.view(np.recarray)
    return out
