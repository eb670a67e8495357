"""Regional demand (docs/ODD.md §7.2): demand on each theme drifts as a mean-reverting random
walk every month, scaled by the region's volatility; sometimes it jumps up or down (a shortage,
a demographic decline). The jumps are drawn in Python from the model's generator."""

from __future__ import annotations

import numpy as np

from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.state import PARTNERSHIP_FLAGS, THEME_LEVELS, PartnershipState, call


@njit(cache=True)
def drift_demand_kernel(theme_levels, normals, demand_volatility, params):
    """demand ← clip(demand + volatility · drift · normal + reversion · (usual − demand), 0, 1)."""
    prm = params[0]
    demand = theme_levels[THEME_LEVELS.demand]
    demand_ref = theme_levels[THEME_LEVELS.demand_ref]
    step_sd = demand_volatility * prm.demand_drift_per_month
    reversion = prm.demand_reversion_per_month
    for p in range(demand.shape[0]):
        for k in range(demand.shape[1]):
            d = (
                demand[p, k]
                + step_sd * normals[p, k]
                + reversion * (demand_ref[p, k] - demand[p, k])
            )
            demand[p, k] = min(max(d, 0.0), 1.0)


def drift_demand(st: PartnershipState, demand_volatility: float, prm, normals) -> None:
    """Demand on each theme drifts back toward its usual level, with noise (every month)."""
    call(
        drift_demand_kernel,
        (st,),
        normals=normals,
        demand_volatility=demand_volatility,
        params=prm.record,
    )


@njit(cache=True)
def shock_chance(volatility, shocks_per_year):
    """Chance that demand jumps in a partnership this month (volatility scales the rate)."""
    return volatility * shocks_per_year / 12.0


@njit(cache=True)
def shock_due_kernel(partnership_flags, shock_draws, demand_volatility, params):
    """Whether any living partnership's draw falls under this month's chance of a shock."""
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    chance = shock_chance(demand_volatility, params[0].demand_shocks_per_year)
    for p in range(alive.shape[0]):
        if chance > 0 and shock_draws[p] < chance and alive[p]:
            return True
    return False


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
