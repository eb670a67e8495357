"""The model's state arrays, each declared once: by name, in the layout of the block it lives in.

Every array the month works on lives in a block of same-shaped, same-typed arrays (one per row):
`MEMBER_FLOATS` lists the (partnership, member slot) floats, so the engagement array is row
`MEMBER_FLOATS.engagement` of the block `member_floats`. A compiled kernel takes whole blocks,
as parameters named after them, and reads each array by name inside
(`engagement = member_floats[MEMBER_FLOATS.engagement]`); the Python side reads the same arrays as
attributes (`st.engagement`), views into the blocks that the holders below derive from the
layouts. Adding a state array therefore takes three edits: declare it in its layout, initialise it
(a partnership array in collabsim.model.region: in PartnershipsLayout if the same for every
seed, else in build_partnerships and region.DRAWN), use it in a kernel.
Kernels take blocks rather than dozens of arrays because numba's cost per call grows with
every argument (docs/ODD.md §3 and §9).
"""

from __future__ import annotations

import functools
import inspect
from collections import namedtuple

import numpy as np


def layout(name: str, *arrays: str):
    """The rows of a block of same-shaped arrays (or the columns of a table), by name:
    `layout(...).engagement` is the row of `engagement`, so kernels read
    `block[MEMBER_FLOATS.engagement]`, never a bare number."""
    return namedtuple(name, arrays)(*range(len(arrays)))


# ----------------------------------------------------------------------- partnerships (P, ...)
# (partnership, member slot) floats
MEMBER_FLOATS = layout(
    "MemberFloats",
    "engagement",  # share of capacity invested
    "urgency",
    "base_urgency",  # the urgency each felt at the start
    "base_incentive",  # incentives other than funding (law, leadership, ...)
    "incentives",
    "shared_interest",  # overlap of interests with the agenda
    "need_ref",  # need at the start, to scale urgency
    "tenure_months",  # liaison's months in post
    # played seats (class mode, collabsim.model.seats): a team's decisions replace the member's
    # own rule while `played` is 1; all 0 for a seat the model plays
    "played",  # 1: a team plays this seat
    "staff_time_choice",  # share of available capacity the team invests, 0..1
    "tension_choice",  # -1 let go, 0 as the model does, +1 raise
    "contribution_choice",  # 0 nothing, 1 in kind, 2 money
    "stay_choice",  # 1 stay (or rejoin when allowed), 0 leave
    "interest_given_up",  # shared interest lost by letting tensions go (kept)
    "rejoin_wait",  # months before a leaver may rejoin
    "backing",  # the member's board's backing, 0..1: it follows the partnership's results
)
MEMBER_FLAGS = layout("MemberFlags", "has_org", "member")  # a slot is filled; at the table now
MEMBER_SLOTS = layout("MemberSlots", "slot_org")  # the organisation in each slot, -1 for none
MEMBER_PAIRS = layout(  # (partnership, member, member), diagonal 0
    "MemberPairs",
    "culture_gap",  # |culture_i - culture_j|
    "personal_trust",  # between liaisons
    "org_trust",  # between organisations
    "trust_before_crisis",  # personal trust the last crisis broke, which repair aims back at
)
MEMBER_THEMES = layout("MemberThemes", "interests")  # (P, S, K) what each cares about, sums to 1
THEME_LEVELS = layout(  # (partnership, theme)
    "ThemeLevels",
    "demand",  # regional demand levels 0..1
    "demand_ref",  # usual demand
    "agenda",  # what the partnership works on (sums to 1)
)
PARTNERSHIP_FLOATS = layout(
    "PartnershipFloats",
    "formality",  # 0 informal, 0.5 covenant, 1 legal entity
    "contact",  # meeting rhythm as contact intensity
    "public_value",
    "success_rate",  # moving average of joint-action success
    "results",  # moving average of public value produced a month
    "relevance",
    "funding_eur",  # euros received this month
    "funding_total_eur",  # euros received so far
    "trust_lived",  # month-end pair trust summed over the months alive (month 0 on)
    "strain",  # escalated tensions not yet eased; a crisis breaks out at 1
    "cost_offset",  # what makes this partnership harder (or easier) work than the base cost
)
PARTNERSHIP_COUNTS = layout(
    "PartnershipCounts",
    "phase",  # index into region.PHASES
    "months_without_action",
    "sustained_success_months",
    "dissolved_month",  # -1 while alive
    "formalised_month",  # -1 until formalised
    "tensions_raised",
    "tensions_resolved",
    "tensions_escalated",
    "joint_successes",
    "months_lived",  # months observed alive (month 0 on): mean trust's divisor
    "crises",  # crises so far
)
PARTNERSHIP_FLAGS = layout(
    "PartnershipFlags", "operational", "alive", "ever_succeeded", "coordinator", "binding"
)

# The columns of the table of open tensions (PartnershipState.tensions): `tensions[n, TENSION.age]`.
TENSION = layout("Tension", "partnership", "member", "other", "age_months")

# ----------------------------------------------------------------------- organisations (N, ...)
ORGANISATION_FLOATS = layout(
    "OrganisationFloats",
    "capacity",  # staff time, 0..1
    "orientation",  # ego 0 .. eco 1
    "culture",  # horizontal 0 .. vertical 1
)
ORGANISATION_FLAGS = layout("OrganisationFlags", "is_school")
ORGANISATION_THEMES = layout("OrganisationThemes", "knowledge")  # (N, K)
ORGANISATION_ROLES = layout("OrganisationRoles", "holds_role")  # (N, R) its role in the chain
ROLE_NEEDS = layout("RoleNeeds", "needed")  # (K, R) the roles each theme's results need

# ----------------------------------------------------------------------- policy (P,)
EFFECT_FLOATS = layout(
    "EffectFloats",
    "rigidity",  # regulation rigidity after relaxed rules
    "funding_incentive",  # 0..1 pull of the money received
    "mandate_incentive",  # 0..1
)
# the design's or the policy's coordinator and mandate; structural money in force
EFFECT_FLAGS = layout("EffectFlags", "coordinator", "binding", "structural")
# one entry per funding scheme: code, this month's payment (-1 when not in force), ...
SCHEME_CODES = layout("SchemeCodes", "codes")
SCHEME_FLOATS = layout("SchemeFloats", "pays", "reductions", "match_shares")
SCHEME_AWARDS = layout("SchemeAwards", "awarded")  # (schemes, P) who each scheme reaches
# the schemes' plan for the run (policy.PolicySchedule.plan): per scheme its first month in
# force, the month after its last, a challenge fund's awards; per (month, scheme) its payment
# (-1 when not in force) and its euros a month (0 when not in force)
SCHEME_COUNTS = layout("SchemeCounts", "first_month", "month_after", "awards")
SCHEME_CALENDAR = layout("SchemeCalendar", "pay", "euros")

# ----------------------------------------------------------------------- work arrays of a month
SCRATCH_PAIRS = layout("ScratchPairs", "trust")  # (P, S, S) both layers blended
SCRATCH_MEMBER_FLOATS = layout(  # (P, S)
    "ScratchMemberFloats",
    "trust_seen",  # each member's trust in its engaged partners
    "shortfall",  # what collaborating costs a member, plus its outside option, minus its worth
    "voiced",  # last month's urgency, as partners voice it (mechanisms.urgency)
)
SCRATCH_MEMBER_FLAGS = layout("ScratchMemberFlags", "engaged", "leaving", "joins")
SCRATCH_FLOATS = layout("ScratchFloats", "pair_trust", "misfit", "agility", "rates")
SCRATCH_FLAGS = layout("ScratchFlags", "success", "acts", "ready", "gone")
SCRATCH_COUNTS = layout("ScratchCounts", "counts")  # (P,) new tensions this month
SCRATCH_ORGANISATION_COUNTS = layout("ScratchOrganisationCounts", "memberships")  # (N,)


class _Row:
    """An array of a holder by name: a view of its row in the block (assigning copies into it)."""

    def __init__(self, block: str, row: int) -> None:
        self.block, self.row = block, row

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, holder, owner=None):
        if holder is None:
            return self
        return holder.__dict__["_views"][self.name]

    def __set__(self, holder, value) -> None:
        view = holder.__dict__["_views"][self.name]
        if value is not view:
            view[...] = value


class Blocks:
    """Arrays held in blocks, each array an attribute (a view into its block) by its name.

    A subclass declares its blocks once in BLOCKS: block name -> (layout, dtype, dimensions).
    It is built from keyword arrays named as in the layouts (other keywords become plain
    attributes), or, with `zeros`, from the sizes of the dimensions.
    """

    BLOCKS: dict[str, tuple] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for block, (rows, _, _) in cls.BLOCKS.items():
            for name in rows._fields:
                row = _Row(block, getattr(rows, name))
                row.__set_name__(cls, name)
                setattr(cls, name, row)
        # each block's arrays by (name, row), for `copy`
        cls._ROWS = tuple(
            (block, tuple((name, getattr(rows, name)) for name in rows._fields))
            for block, (rows, _, _) in cls.BLOCKS.items()
        )

    def __init__(self, **arrays) -> None:
        views = {}
        self.__dict__["_views"] = views
        for block, (rows, dtype, _) in self.BLOCKS.items():
            first = np.asarray(arrays[rows._fields[0]])
            data = np.empty((len(rows), *first.shape), dtype=dtype)
            for name in rows._fields:
                array = np.asarray(arrays.pop(name))
                if array.shape != first.shape or array.dtype != data.dtype:
                    raise ValueError(
                        f"{name} is {array.dtype}{array.shape}, not {data.dtype}{first.shape} "
                        f"as the rest of {block}"
                    )
                data[getattr(rows, name)] = array
                views[name] = data[getattr(rows, name)]
            setattr(self, block, data)
        for name, value in arrays.items():
            setattr(self, name, value)

    @classmethod
    def zeros(cls, sizes: dict[str, int], **others):
        """Every block filled with zeros, its shape from its dimensions' sizes."""
        arrays = {
            name: np.zeros(tuple(sizes[d] for d in dims), dtype=dtype)
            for rows, dtype, dims in cls.BLOCKS.values()
            for name in rows._fields
        }
        return cls(**arrays, **others)

    def copy(self):
        """A holder of copies of these blocks (fast: nothing checked again); its other
        attributes are copied if arrays, else shared (a holder built once, then copied for each
        run: collabsim.model.region.RegionLayout)."""
        new = object.__new__(type(self))
        mine, theirs = self.__dict__, new.__dict__
        views = theirs["_views"] = {}
        for block, rows in self._ROWS:
            data = theirs[block] = mine[block].copy()
            for name, row in rows:
                views[name] = data[row]
        for name, value in mine.items():
            if name not in theirs:
                theirs[name] = value.copy() if isinstance(value, np.ndarray) else value
        return new

    def blocks(self) -> dict[str, np.ndarray]:
        """The blocks by name (as kernels take them)."""
        return {block: getattr(self, block) for block in self.BLOCKS}


class PartnershipState(Blocks):
    """Slot arrays: row p is a partnership, column s a member slot (organisation index or -1).

    Also `names`, and the table of open tensions: one row per tension, columns as in TENSION, the
    first n_tensions[0] rows in use (mechanisms.tensions.add_tension).
    """

    BLOCKS = {
        "member_floats": (MEMBER_FLOATS, np.float64, "PS"),
        "member_flags": (MEMBER_FLAGS, np.bool_, "PS"),
        "member_slots": (MEMBER_SLOTS, np.int64, "PS"),
        "member_pairs": (MEMBER_PAIRS, np.float64, "PSS"),
        "member_themes": (MEMBER_THEMES, np.float64, "PSK"),
        "theme_levels": (THEME_LEVELS, np.float64, "PK"),
        "partnership_floats": (PARTNERSHIP_FLOATS, np.float64, "P"),
        "partnership_counts": (PARTNERSHIP_COUNTS, np.int64, "P"),
        "partnership_flags": (PARTNERSHIP_FLAGS, np.bool_, "P"),
    }

    def __init__(self, names: list[str], **arrays) -> None:
        arrays.setdefault("tensions", np.zeros((16, len(TENSION)), dtype=np.int64))
        arrays.setdefault("n_tensions", np.zeros(1, dtype=np.int64))
        super().__init__(names=names, **arrays)


class Organisations(Blocks):
    """Organisation-level arrays (one entry per organisation in the region), `names`, `labels`."""

    BLOCKS = {
        "organisation_floats": (ORGANISATION_FLOATS, np.float64, "N"),
        "organisation_flags": (ORGANISATION_FLAGS, np.bool_, "N"),
        "organisation_themes": (ORGANISATION_THEMES, np.float64, "NK"),
        "organisation_roles": (ORGANISATION_ROLES, np.bool_, "NR"),
        "role_needs": (ROLE_NEEDS, np.bool_, "KR"),
    }


class PolicyEffects(Blocks):
    """What the instruments in force do to each partnership this month."""

    BLOCKS = {
        "effect_floats": (EFFECT_FLOATS, np.float64, "P"),
        "effect_flags": (EFFECT_FLAGS, np.bool_, "P"),
    }


class Schemes(Blocks):
    """Per funding scheme, what the month kernel needs to apply it (policy.PolicySchedule)."""

    BLOCKS = {
        "scheme_codes": (SCHEME_CODES, np.int64, "F"),
        "scheme_floats": (SCHEME_FLOATS, np.float64, "F"),
        "scheme_awards": (SCHEME_AWARDS, np.bool_, "FP"),
    }


class SchemePlan(Blocks):
    """The funding schemes' months, worked out before the run (policy.PolicySchedule.plan)."""

    BLOCKS = {
        "scheme_counts": (SCHEME_COUNTS, np.int64, "F"),
        "scheme_calendar": (SCHEME_CALENDAR, np.float64, "MF"),
    }


class Scratch(Blocks):
    """Work arrays reused every month (so a step allocates almost nothing): `Scratch.zeros`."""

    BLOCKS = {
        "scratch_pairs": (SCRATCH_PAIRS, np.float64, "PSS"),
        "scratch_member_floats": (SCRATCH_MEMBER_FLOATS, np.float64, "PS"),
        "scratch_member_flags": (SCRATCH_MEMBER_FLAGS, np.bool_, "PS"),
        "scratch_floats": (SCRATCH_FLOATS, np.float64, "P"),
        "scratch_flags": (SCRATCH_FLAGS, np.bool_, "P"),
        "scratch_counts": (SCRATCH_COUNTS, np.int64, "P"),
        "scratch_organisation_counts": (SCRATCH_ORGANISATION_COUNTS, np.int64, "N"),
    }


@functools.cache
def parameters(function) -> tuple[str, ...]:
    """The names of a (compiled or plain) function's parameters, in order."""
    return tuple(inspect.signature(getattr(function, "py_func", function)).parameters)


def by_name(kernel, holders, values: dict | None = None) -> tuple:
    """The arguments of `kernel`, each found by its parameter's name: in `values`, else a block
    of one of the `holders` (a compiled kernel is then called positionally, the fastest way)."""
    found = dict(values or {})
    for holder in holders:
        if holder is not None:
            for name, block in holder.blocks().items():
                found.setdefault(name, block)
    missing = [name for name in parameters(kernel) if name not in found]
    if missing:
        raise TypeError(f"{kernel.__name__} needs {missing}, which nobody holds")
    return tuple(found[name] for name in parameters(kernel))


def call(kernel, holders, **values):
    """Call `kernel` with its arguments found by name (see `by_name`)."""
    return kernel(*by_name(kernel, holders, values))
