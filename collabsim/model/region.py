"""Building a region from a scenario: organisations, partnerships and their initial state arrays.

The model keeps its hot state in numpy arrays (one row per partnership, one column per member slot)
so that all organisations of all partnerships update at once; the Mesa agents are thin views.
Each array is declared once, in the layout of its block (collabsim.model.state), and initialised
here by name.
"""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.organisation_types import ORGANISATION_TYPES, ROLES
from collabsim.model.scenario import Scenario
from collabsim.model.state import (
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    MEMBER_THEMES,
    PARTNERSHIP_FLOATS,
    Organisations,
    PartnershipState,
)

THEMES = ("skilled_technicians", "current_curriculum", "lifelong_learning", "regional_innovation")
# The roles of the chain (organisation_types.ROLES) each theme's results need: a technician
# needs pupils who choose technology, training and a work placement; a current curriculum needs
# the schools of both levels and the firms; lifelong learning needs training, employers and the
# region; innovation needs firms, research and the region.
ROLES_NEEDED = {
    "skilled_technicians": ("inflow", "training", "practice"),
    "current_curriculum": ("inflow", "training", "practice"),
    "lifelong_learning": ("training", "practice", "region"),
    "regional_innovation": ("practice", "research", "region"),
}
PHASES = ("forming", "active", "struggling", "dormant", "dissolved")
FORMING, ACTIVE, STRUGGLING, DORMANT, DISSOLVED = range(5)

# Per-type numbers, read from the one table of organisation types (model.organisation_types):
# what each kind cares about (Dirichlet weights over THEMES), what it brings to joint action,
# its organisational culture and how hard staff shortage bites.
INTEREST_PROFILE = {lab: t.interest for lab, t in ORGANISATION_TYPES.items()}
KNOWLEDGE_PROFILE = {lab: t.knowledge for lab, t in ORGANISATION_TYPES.items()}
CULTURE_LEANING = {lab: t.culture_leaning for lab, t in ORGANISATION_TYPES.items()}
SHORTAGE_EXPOSURE = {lab: t.shortage_exposure for lab, t in ORGANISATION_TYPES.items()}
# The region's usual demand per theme for each kind of collaboration.
DEMAND_BY_KIND = {
    "operational": (0.80, 0.70, 0.30, 0.20),
    "strategic": (0.50, 0.30, 0.50, 0.80),
}
GOVERNANCE_FORMALITY = {"informal": 0.0, "covenant": 0.5, "legal_entity": 1.0}
GOVERNANCE_BY_FORMALITY = {0.0: "informal", 0.5: "covenant", 1.0: "legal_entity"}
MEETING_CONTACT = {"none": 0.2, "monthly": 0.6, "weekly": 1.0}


def with_room(table: np.ndarray, rows: int) -> np.ndarray:
    """`table` itself if it has at least `rows` rows, else a copy grown (at least doubled); a
    table of rows (events, open tensions)."""
    if rows <= table.shape[0]:
        return table
    grown = np.zeros((max(rows, 2 * table.shape[0]), table.shape[1]), dtype=table.dtype)
    grown[: table.shape[0]] = table
    return grown


# the same, compiled, for a whole run in one compiled call (collabsim.model.batch); Python
# calls the plain function, which costs a quarter of a compiled call's dispatch
with_room_kernel = njit(cache=True)(with_room)


def _expand_organisations(scenario: Scenario) -> list[tuple[str, bool]]:
    """One (label, member) pair per organisation, in scenario order."""
    out: list[tuple[str, bool]] = []
    for group in scenario.organisations:
        out.extend((group.label, group.member) for _ in range(group.count))
    return out


def assign_to_partnerships(scenario: Scenario) -> tuple[list[tuple[str, bool]], list[list[int]]]:
    """Spread each group over the partnerships: split a large group, share a small one (hubs)."""
    orgs = _expand_organisations(scenario)
    n_part = scenario.scenario.partnerships
    slots: list[list[int]] = [[] for _ in range(n_part)]
    start = 0
    for group in scenario.organisations:
        idx = list(range(start, start + group.count))
        start += group.count
        if not idx:
            continue
        if len(idx) >= n_part:
            for k, org in enumerate(idx):
                slots[k % n_part].append(org)
        else:  # fewer organisations than partnerships: each serves several (a hub)
            for p in range(n_part):
                slots[p].append(idx[p % len(idx)])
    return orgs, slots


class OrganisationsLayout:
    """The region's organisations before any draw, the same for every seed: their names, kinds
    and profiles, and the levels their drawn capacity, orientation and culture vary around.
    Built once per model, or once per scenario for many runs (collabsim.model.batch)."""

    def __init__(self, orgs: list[tuple[str, bool]], scenario: Scenario) -> None:
        c = scenario.conditions
        n = self.n = len(orgs)
        labels = [label for label, _ in orgs]
        counters: dict[str, int] = {}
        names = []
        for label in labels:
            counters[label] = counters.get(label, 0) + 1
            names.append(f"{label}-{counters[label]}")
        exposure = np.array([SHORTAGE_EXPOSURE[lab] for lab in labels])
        leaning = np.array([CULTURE_LEANING[lab] for lab in labels])
        self.capacity_level = 1.0 - 0.6 * exposure * c.staff_shortage
        self.culture_level = 0.5 + 0.5 * leaning * c.culture_distance
        self.orientation = c.orientation
        knowledge = np.array([KNOWLEDGE_PROFILE[lab] for lab in labels], dtype=float).reshape(n, -1)
        is_school = np.array([ORGANISATION_TYPES[lab].is_school for lab in labels], dtype=bool)
        roles = np.array([ORGANISATION_TYPES[lab].role for lab in labels])
        holds_role = (roles[:, None] == np.array(ROLES)[None, :]).reshape(n, len(ROLES))
        needed = np.array([[r in ROLES_NEEDED[k] for r in ROLES] for k in THEMES], dtype=bool)
        undrawn = np.zeros(n)  # capacity, orientation and culture: drawn for each region
        self.organisations = Organisations(
            names=names,
            labels=labels,
            capacity=undrawn,
            orientation=undrawn,
            culture=undrawn,
            knowledge=knowledge,
            is_school=is_school,
            holds_role=holds_role,
            needed=needed,
        )


def build_organisations(
    orgs: list[tuple[str, bool]],
    scenario: Scenario,
    rng,
    layout: OrganisationsLayout | None = None,
) -> Organisations:
    """Draw each organisation's capacity, orientation and culture around the scenario levels.

    `layout`: the organisations before any draw (else made here)."""
    layout = OrganisationsLayout(orgs, scenario) if layout is None else layout
    made = layout.organisations.copy()
    noise = rng.normal(0.0, 1.0, size=(3, layout.n))
    made.capacity = np.clip(layout.capacity_level + 0.05 * noise[0], 0.05, 1.0)
    made.orientation = np.clip(layout.orientation + 0.1 * noise[1], 0.0, 1.0)
    made.culture = np.clip(layout.culture_level + 0.05 * noise[2], 0.0, 1.0)
    return made


# the member rows of played seats (collabsim.model.seats): zero, the model's own rule, at the start
SEAT_ROWS = (
    "played",
    "staff_time_choice",
    "tension_choice",
    "contribution_choice",
    "stay_choice",
    "interest_given_up",
)

# the partnership arrays drawn for each region (build_partnerships); the rest are the same for
# every seed (PartnershipsLayout)
DRAWN = (
    "engagement",
    "urgency",
    "base_urgency",
    "base_incentive",
    "incentives",
    "interests",
    "need_ref",
    "tenure_months",
    "culture_gap",
    "personal_trust",
    "org_trust",
    "cost_offset",
)


class PartnershipsLayout:
    """The partnerships before any draw, the same for every seed: who sits in which member
    slot, the region's demand, the design, and the state with these in place (the DRAWN arrays
    still zero). Built once per model, or once per scenario for many runs
    (collabsim.model.batch)."""

    def __init__(
        self, scenario: Scenario, orgs: list[tuple[str, bool]], slots: list[list[int]]
    ) -> None:
        d, design = scenario.drivers, scenario.partnership
        n_part, k = len(slots), len(THEMES)
        width = max(len(s) for s in slots)
        self.shape = (n_part, width, k)
        slot_org = np.full((n_part, width), -1, dtype=np.int64)
        for p, members in enumerate(slots):
            slot_org[p, : len(members)] = members
        has_org = self.has_org = slot_org >= 0
        safe = self.safe = np.where(has_org, slot_org, 0)
        member_flag = np.array([m for _, m in orgs], dtype=bool)
        member = self.member = has_org & member_flag[safe]

        demand_ref = self.demand_ref = np.tile(
            np.array(DEMAND_BY_KIND[design.kind], dtype=float), (n_part, 1)
        )
        agenda = self.agenda = demand_ref / demand_ref.sum(axis=1, keepdims=True)
        alpha = np.array([INTEREST_PROFILE[orgs[i][0]] for i in safe.ravel()], dtype=float)
        self.alpha = 0.3 + alpha
        self.pair_known = member[:, :, None] & member[:, None, :]
        eye = np.eye(width, dtype=bool)[None]
        self.no_pair = eye | ~(has_org[:, :, None] & has_org[:, None, :])

        zeros = np.zeros(n_part)
        izeros = np.zeros(n_part, dtype=np.int64)
        names = [f"{scenario.name}" if n_part == 1 else f"p{p + 1}" for p in range(n_part)]
        slot_zeros, pair_zeros = np.zeros((n_part, width)), np.zeros((n_part, width, width))
        undrawn = {  # each drawn for each region
            "interests": np.zeros((n_part, width, k)),
            "culture_gap": pair_zeros,
            "personal_trust": pair_zeros,
            "org_trust": pair_zeros,
            "cost_offset": zeros,
            **dict.fromkeys(DRAWN[:5] + DRAWN[6:8], slot_zeros),
        }
        self.state = PartnershipState(
            names=names,
            slot_org=slot_org,
            has_org=has_org,
            member=member,
            shared_interest=np.zeros((n_part, width)),
            rejoin_wait=np.zeros((n_part, width)),
            backing=has_org.astype(float),
            trust_before_crisis=np.zeros((n_part, width, width)),
            operational=np.full(n_part, design.kind == "operational"),
            formality=np.full(n_part, GOVERNANCE_FORMALITY[design.governance]),
            binding=np.full(n_part, design.binding),
            coordinator=np.full(n_part, design.coordinator),
            contact=np.full(n_part, MEETING_CONTACT[design.meeting_rhythm]),
            demand=demand_ref.copy(),
            demand_ref=demand_ref,
            agenda=agenda,
            public_value=zeros.copy(),
            success_rate=np.full(n_part, 0.5 * d.trust),
            results=zeros.copy(),
            relevance=np.ones(n_part),
            phase=np.full(n_part, FORMING, dtype=np.int64),
            alive=np.ones(n_part, dtype=bool),
            ever_succeeded=np.zeros(n_part, dtype=bool),
            months_without_action=izeros.copy(),
            sustained_success_months=izeros.copy(),
            dissolved_month=np.full(n_part, -1, dtype=np.int64),
            formalised_month=np.full(n_part, -1, dtype=np.int64),
            tensions_raised=izeros.copy(),
            tensions_resolved=izeros.copy(),
            tensions_escalated=izeros.copy(),
            joint_successes=izeros.copy(),
            funding_eur=zeros.copy(),
            funding_total_eur=zeros.copy(),
            trust_lived=zeros.copy(),
            strain=zeros.copy(),
            months_lived=izeros.copy(),
            crises=izeros.copy(),
            **{name: np.zeros((n_part, width)) for name in SEAT_ROWS},
            **undrawn,
        )
        if set(undrawn) != set(DRAWN):
            raise TypeError(f"the drawn arrays are {DRAWN}, not {sorted(undrawn)}")


def build_partnerships(
    scenario: Scenario,
    orgs: list[tuple[str, bool]],
    slots: list[list[int]],
    org: Organisations,
    rng,
    layout: PartnershipsLayout | None = None,
) -> PartnershipState:
    """Initial state of every partnership: members, drivers, trust, agenda and demand.

    `layout`: the partnerships before any draw (else made here); the DRAWN arrays are drawn
    here."""
    layout = PartnershipsLayout(scenario, orgs, slots) if layout is None else layout
    d = scenario.drivers
    n_part, width, k = layout.shape
    st = layout.state.copy()

    own = _dirichlet_rows(rng, layout.alpha).reshape(n_part, width, k)
    noise = rng.normal(0.0, 1.0, size=(4, n_part, width))
    tenure = rng.uniform(0, 60, size=(n_part, width))
    trust_noise = rng.normal(size=(n_part, width, width))
    # each partnership's own cost offset: one standard normal each, drawn whatever its spread
    cost_noise = rng.normal(size=n_part)
    levels = (d.shared_interest, d.urgency, d.incentives, d.trust, scenario.parameters.cost_spread)
    _drawn_partnerships(
        np.array(levels),
        noise,
        tenure,
        trust_noise,
        cost_noise,
        own,
        layout.agenda,
        layout.has_org,
        layout.member,
        layout.pair_known,
        layout.no_pair,
        org.capacity,
        org.culture,
        layout.safe,
        st.member_floats,
        st.member_themes,
        st.member_pairs,
        st.partnership_floats,
    )
    st.need_ref = np.maximum((st.interests * layout.demand_ref[:, None, :]).sum(axis=2), 1e-6)
    return st


@njit(cache=True)
def _clip01(x):
    """np.clip(x, 0.0, 1.0) to the bit: numpy's clip keeps x against a bound only where it is
    strictly beyond it (the larger first, then the smaller)."""
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@njit(cache=True)
def _drawn_partnerships(
    levels,
    noise,
    tenure,
    trust_noise,
    cost_noise,
    own,
    agenda,
    has_org,
    member,
    pair_known,
    no_pair,
    capacity,
    culture,
    safe,
    member_floats,
    member_themes,
    member_pairs,
    partnership_floats,
):
    """The DRAWN arrays (but need_ref) from the region's draws, into the state's blocks, each
    element as numpy's array expressions gave it: shared interest's target, urgency and
    incentives around the drivers' levels (`levels`: shared interest, urgency, incentives, trust
    and the cost spread), interests (interests_sharing), engagement, tenure, starting trust
    (symmetric, 0 on the diagonal and for empty slots), the culture gaps and the cost offsets."""
    shared_level, urgency_level, incentive_level, trust_level, cost_spread = levels
    p_n, s_n = has_org.shape
    target = np.empty((p_n, s_n))
    for p in range(p_n):
        for s in range(s_n):
            target[p, s] = _clip01(shared_level + 0.05 * noise[2, p, s])
    _interests_sharing(own, agenda, target, member_themes[MEMBER_THEMES.interests])
    engagement = member_floats[MEMBER_FLOATS.engagement]
    urgency, base_urgency = (
        member_floats[MEMBER_FLOATS.urgency],
        member_floats[MEMBER_FLOATS.base_urgency],
    )
    incentives = member_floats[MEMBER_FLOATS.incentives]
    base_incentive = member_floats[MEMBER_FLOATS.base_incentive]
    tenure_months = member_floats[MEMBER_FLOATS.tenure_months]
    cost_offset = partnership_floats[PARTNERSHIP_FLOATS.cost_offset]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    culture_gap = member_pairs[MEMBER_PAIRS.culture_gap]
    start = np.empty((s_n, s_n))
    for p in range(p_n):
        for s in range(s_n):
            filled = 1.0 if has_org[p, s] else 0.0
            urgency[p, s] = _clip01(urgency_level + 0.1 * noise[0, p, s]) * filled
            base_urgency[p, s] = urgency[p, s]
            incentives[p, s] = _clip01(incentive_level + 0.05 * noise[1, p, s]) * filled
            base_incentive[p, s] = incentives[p, s]
            engagement[p, s] = 0.5 * capacity[safe[p, s]] if member[p, s] else 0.0
            tenure_months[p, s] = np.floor(tenure[p, s])
        for i in range(s_n):
            for j in range(s_n):
                if pair_known[p, i, j]:
                    start[i, j] = _clip01(trust_level + 0.05 * trust_noise[p, i, j])
                else:
                    start[i, j] = 0.5 * trust_level
        for i in range(s_n):
            for j in range(s_n):
                both = 0.0 if no_pair[p, i, j] else 0.5 * (start[i, j] + start[j, i])
                personal[p, i, j] = both
                org[p, i, j] = both
                culture_gap[p, i, j] = abs(culture[safe[p, i]] - culture[safe[p, j]])
        cost_offset[p] = cost_spread * cost_noise[p]


def shared_beyond_chance(interests: np.ndarray, agenda: np.ndarray) -> np.ndarray:
    """Overlap of interests with the agenda beyond chance, 0..1 (see mechanisms)."""
    chance = 1.0 / agenda.shape[-1]
    overlap = np.minimum(interests, agenda[:, None, :]).sum(axis=-1)
    return np.clip((overlap - chance) / (1.0 - chance), 0.0, 1.0)


def interests_sharing(own: np.ndarray, agenda: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each member's own interest profile, pulled toward the agenda (or away from it, toward the
    theme the agenda neglects) just far enough that its shared interest equals the target level.

    This makes drivers.shared_interest mean what it says: 0 is no common ground beyond chance,
    1 is interests identical to the agenda; the type profile keeps each member's own flavour.
    The mix is found by bisection (shared interest rises with the pull).
    """
    out = np.empty_like(own)
    _interests_sharing(own, agenda, target, out)
    return out


@njit(cache=True)
def _interests_sharing(own, agenda, target, out):
    p_n, s_n, k_n = own.shape
    chance = 1.0 / k_n
    for p in range(p_n):
        neglected = np.argmin(agenda[p])
        for s in range(s_n):
            lo, hi = -1.0, 1.0
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                overlap = 0.0
                for k in range(k_n):
                    toward = agenda[p, k] if mid >= 0 else (1.0 if k == neglected else 0.0)
                    x = (1.0 - abs(mid)) * own[p, s, k] + abs(mid) * toward
                    overlap += min(x, agenda[p, k])
                shared = min(max((overlap - chance) / (1.0 - chance), 0.0), 1.0)
                if shared < target[p, s]:
                    lo = mid
                else:
                    hi = mid
            lam = 0.5 * (lo + hi)
            for k in range(k_n):
                toward = agenda[p, k] if lam >= 0 else (1.0 if k == neglected else 0.0)
                out[p, s, k] = (1.0 - abs(lam)) * own[p, s, k] + abs(lam) * toward


def _dirichlet_rows(rng, alpha: np.ndarray) -> np.ndarray:
    """One Dirichlet draw per row of alpha (numpy's dirichlet takes one alpha at a time)."""
    g = rng.standard_gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)
