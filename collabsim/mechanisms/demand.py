"""Regional demand (docs/ODD.md §7.2): demand on each theme drifts as a mean-reverting random
walk every month, scaled by the region's volatility; sometimes it jumps up or down (a shortage,
a demographic decline). The jumps are drawn from the model's generator, which the compiled
kernel takes as it is (numba draws from a numpy Generator the same numbers, in the same order)."""

from __future__ import annotations

from collabsim.model.event_buffer import DEMAND_SHOCK, EventBuffer, emit
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


@njit(cache=True)
def demand_shocks_kernel(
    rng, theme_levels, partnership_flags, shock_draws, demand_volatility, params, rows, count
):
    """In each living partnership whose draw falls under the month's chance, demand on one theme
    (drawn) jumps by the shock size, up with chance 0.7, else down, within 0..1."""
    prm = params[0]
    chance = shock_chance(demand_volatility, prm.demand_shocks_per_year)
    if chance <= 0:
        return
    demand = theme_levels[THEME_LEVELS.demand]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    for p in range(demand.shape[0]):
        if shock_draws[p] < chance and alive[p]:
            theme = rng.integers(0, demand.shape[1])
            sign = 1.0 if rng.random() < 0.7 else -1.0
            before = demand[p, theme]
            demand[p, theme] = min(max(before + sign * prm.demand_shock_size, 0.0), 1.0)
            emit(rows, count, DEMAND_SHOCK, p, theme, sign, before, demand[p, theme])


def demand_shocks(
    st: PartnershipState,
    volatility: float,
    prm,
    rng,
    month: int,
    log: EventLog,
    draws,
) -> None:
    """Sometimes demand on one theme jumps up (70%) or down: a shortage, a demographic decline."""
    buffer = EventBuffer(len(st.alive))
    call(
        demand_shocks_kernel,
        (st,),
        rng=rng,
        shock_draws=draws,
        demand_volatility=volatility,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, None, month)
