"""Scenario discovery: in which part of the space of the factors do the cases of interest gather?

`discover(x, y)` takes the inputs (one column per factor: float, int, bool or str) and a bool array
marking the cases of interest (a partnership that collapsed, a run with little public value), and
returns a `DiscoveryResult`:

- PRIM boxes (the Patient Rule Induction Method of Friedman and Fisher 1999, as used for scenario
  discovery by Bryant and Lempert 2010), found with EMA Workbench's `analysis.prim` (Kwakkel 2017):
  each box's peeling trajectory (coverage against density) and the box chosen on it by BOX_RULE,
  with its limits and the quasi-p-value of each restricted factor;
- a CART tree (scikit-learn's DecisionTreeClassifier) fitted to the same data, for comparison: its
  leaves as boxes, the ones that predict a case marked;
- how much the two agree on which rows are cases.

`collabsim discover` calls it on a sweep's runs; a comparison across futures calls it on its own
tables. `limit_words` and `box_words` state a box in plain words.

References: Friedman, J.H. and Fisher, N.I. (1999), Bump hunting in high-dimensional data,
Statistics and Computing 9, 123-143, doi:10.1023/A:1008894516817. Bryant, B.P. and Lempert, R.J.
(2010), Thinking inside the box, Technological Forecasting and Social Change 77, 34-49,
doi:10.1016/j.techfore.2009.08.002. Kwakkel, J.H. (2017), The Exploratory Modeling Workbench,
Environmental Modelling & Software 96, 239-250, doi:10.1016/j.envsoft.2017.06.054.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from collabsim.locale import N_, decimal, translator

# The rule that picks one box on each peeling trajectory (stated in every report).
BOX_RULE = N_(
    "On each PRIM peeling trajectory, the candidate boxes restrict at least one factor and are "
    "denser than the whole data. The chosen box is the candidate with the highest score: the "
    "harmonic mean of its coverage c (of the cases not yet in an earlier box) and its density "
    "gain g = (d - b)/(1 - b), how far its density d rises above the share b of cases in all rows "
    "as a part of the most it could rise (ties: fewer restricted factors). Its restrictions that "
    "are not significant (quasi-p-value {alpha} or more), and then those without which its "
    "density would be less than {points:g} percentage points lower, are lifted one at a time, the "
    "weakest first, each time recomputing the box and its p-values. PRIM then looks again among "
    "the rows outside the boxes found, up to {max_boxes} boxes, and stops when a trajectory has "
    "no candidate or no restriction is left."
)
RULE_WHY = N_(
    "A box is a claim with two halves: 'here the cases are far more common' (density gain) and "
    "'this is where most of them are' (coverage). Peeling trades one for the other; the harmonic "
    "mean weighs them equally and falls as soon as either gives way, so it stops both at a corner "
    "of near-certain cases that explains few of them (where late peeling, following chance, "
    "drifts) and at a wide box that holds most cases but is hardly denser than the whole. Density "
    "counts as its gain over the whole data, so that common cases (a base rate of 40%) do not "
    "make a barely denser half of the space look good. Where the cases gather in two places, the "
    "best box covers one of them and the next box the other. A restriction the quasi-p test "
    "cannot tell from chance (Bryant and Lempert 2010) would only add words that do not hold up, "
    "and with many runs even a trim of the edge of a range is significant while it hardly changes "
    "the box: both are lifted, so that the box says only what matters."
)


@dataclass(frozen=True)
class Limit:
    """One factor's restriction in a box: a range of numbers or a set of categories.

    low/high: the box's bounds (None: not restricted on that side); values: the categories kept
    (bool and str factors); p_low/p_high: the quasi-p-value of each restricted side (for
    categories p_low), None for CART's leaves and for sides not restricted.
    """

    factor: str
    low: float | None = None
    high: float | None = None
    values: tuple | None = None
    p_low: float | None = None
    p_high: float | None = None

    @property
    def p(self) -> float | None:
        """The weakest (largest) quasi-p-value of the restriction's sides."""
        ps = [p for p in (self.p_low, self.p_high) if p is not None]
        return max(ps) if ps else None


@dataclass(frozen=True)
class Box:
    """A part of the factor space with its statistics over the rows it describes.

    PRIM's second box describes only the rows outside the first (it was found among them): `rows`,
    `cases`, `density` and `inside` count those; coverage and mass are shares of all cases and all
    rows.
    """

    number: int  # 1, 2, ... in the order found
    limits: tuple[Limit, ...]
    rows: int
    cases: int
    coverage: float  # share of all cases that are in the box
    density: float  # share of the box's rows that are cases
    mass: float  # share of all rows that are in the box
    inside: np.ndarray = field(repr=False)  # bool mask over all rows
    step: int | None = None  # its index on its peeling trajectory (PRIM boxes)
    case_leaf: bool = True  # CART: the leaf predicts a case


@dataclass
class DiscoveryResult:
    """What `discover` found: PRIM's boxes and trajectories, CART's leaves and their agreement."""

    factors: list[str]
    rows: int
    cases: int
    boxes: list[Box]
    trajectory: pd.DataFrame  # box, step, coverage, density, mass, res_dim, rows, cases, ...
    leaves: list[Box]  # CART's leaves, densest first
    tree_text: str
    tree: object = field(repr=False)  # the fitted DecisionTreeClassifier
    tree_features: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def base_rate(self) -> float:
        """The share of all rows that are cases."""
        return self.cases / self.rows

    @property
    def prim_inside(self) -> np.ndarray:
        """Rows in any PRIM box."""
        return _union([b.inside for b in self.boxes], self.rows)

    @property
    def cart_inside(self) -> np.ndarray:
        """Rows in any CART leaf that predicts a case."""
        return _union([leaf.inside for leaf in self.leaves if leaf.case_leaf], self.rows)

    @property
    def agreement(self) -> float:
        """Jaccard index of the rows in PRIM's boxes and in CART's case leaves (1: the same rows;
        nan if neither holds any)."""
        a, b = self.prim_inside, self.cart_inside
        union = int((a | b).sum())
        return float((a & b).sum() / union) if union else math.nan

    @property
    def rule(self) -> str:
        """BOX_RULE with this run's settings."""
        return BOX_RULE.format(**self.settings, points=100 * self.settings["min_density_gain"])


def _union(masks: list[np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for m in masks:
        out |= m
    return out


# --------------------------------------------------------------------------- PRIM


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    max_boxes: int = 3,
    alpha: float = 0.05,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    tree_depth: int = 4,
    min_density_gain: float = 0.02,
    on_step: Callable[[str], None] | None = None,
) -> DiscoveryResult:
    """PRIM boxes chosen by BOX_RULE and a CART tree for the cases `y` among the inputs `x`.

    Args:
        x: one column per factor (float, int, bool or str), one row per case or non-case.
        y: bool array, True for a case of interest; at least one case and one non-case.
        max_boxes: at most this many boxes.
        alpha: the significance level every restriction's quasi-p-value must be below.
        peel_alpha: PRIM's peeling step (a share of the rows).
        mass_min: PRIM's smallest box (a share of the rows).
        tree_depth: the CART tree's depth; its smallest leaf holds mass_min of the rows.
        min_density_gain: a restriction is lifted if the box's density falls by less without it.
        on_step: called with a short description before each box and before the tree.
    """
    y = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows, y {len(y)}")
    if not 0 < y.sum() < len(y):
        raise ValueError("y needs at least one case and one non-case")
    settings = {
        "max_boxes": max_boxes,
        "alpha": alpha,
        "peel_alpha": peel_alpha,
        "mass_min": mass_min,
        "tree_depth": tree_depth,
        "min_density_gain": min_density_gain,
    }
    step = on_step or (lambda _: None)
    with warnings.catch_warnings():  # EMA Workbench's pandas deprecation warnings
        warnings.filterwarnings("ignore", module="ema_workbench")
        prim = _prim_module().Prim(
            _prim_inputs(x),
            y.astype(int),
            peel_alpha=peel_alpha,
            paste_alpha=peel_alpha,
            mass_min=mass_min,
        )
    boxes: list[Box] = []
    trajectories = []
    remaining = y.copy()
    for number in range(1, max_boxes + 1):
        if not remaining.any():
            break
        step(f"PRIM box {number}")
        table, box = _next_box(prim, number, y, int(remaining.sum()), settings)
        if table is not None:
            trajectories.append(table)
        if box is None:
            break
        boxes.append(box)
        remaining &= ~box.inside
    step("CART tree")
    tree, features, leaves, text = _cart(x, y, tree_depth, mass_min)
    return DiscoveryResult(
        factors=list(x.columns),
        rows=len(y),
        cases=int(y.sum()),
        boxes=boxes,
        trajectory=pd.concat(trajectories, ignore_index=True) if trajectories else None,
        leaves=leaves,
        tree_text=text,
        tree=tree,
        tree_features=features,
        settings=settings,
    )


def _prim_module():
    """EMA Workbench's prim module, imported quietly (the package warns about optional parts)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def _prim_inputs(x: pd.DataFrame) -> pd.DataFrame:
    """The inputs as PRIM reads them: numbers as floats (ints too: EMA Workbench 3.0's pasting
    writes a float limit into an int column, which pandas 3 refuses), bool and str as
    categories."""
    out = {}
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.astype(bool)  # PRIM treats it as two categories
        elif pd.api.types.is_numeric_dtype(col):
            out[c] = col.astype(np.float64)
        else:
            out[c] = col.astype(str).astype(object)
    return pd.DataFrame(out)


def _limits(found, prim, i: int) -> tuple[Limit, ...]:
    """The restricted factors of box `i` on a PRIM trajectory, with their quasi-p-values."""
    lims, init, ps = found.box_lims[i], prim.box_init, found.p_values[i]
    out = []
    for c in lims.columns:
        lo, hi = lims.at[0, c], lims.at[1, c]
        lo0, hi0 = init.at[0, c], init.at[1, c]
        p_lo, p_hi = (None if p is None or p < 0 else float(p) for p in ps.get(c, (None, None)))
        if isinstance(lo, set):
            if lo != lo0:
                out.append(Limit(c, values=tuple(sorted(_plain(v) for v in lo)), p_low=p_lo))
        elif lo != lo0 or hi != hi0:
            out.append(
                Limit(
                    c,
                    low=_plain(lo) if lo != lo0 else None,
                    high=_plain(hi) if hi != hi0 else None,
                    p_low=p_lo if lo != lo0 else None,
                    p_high=p_hi if hi != hi0 else None,
                )
            )
    return tuple(out)


def _plain(v):
    """A numpy scalar as the Python value it holds."""
    return v.item() if isinstance(v, np.generic) else v


def _next_box(prim, number: int, y: np.ndarray, remaining_cases: int, settings: dict):
    """PRIM's next peeling trajectory (a table) and the box BOX_RULE takes from it (or None)."""
    found = prim.find_box()
    if found is None:
        return None, None
    alpha = settings["alpha"]
    table = _trajectory(found, prim, number, remaining_cases, float(y.mean()))
    table["candidate"] = (table.res_dim > 0) & (table.density > y.mean())
    candidates = table[table.candidate]
    if candidates.empty:
        return table, None
    i = int(table.loc[_chosen(candidates), "step"])
    found.select(i)
    peeled = len(found.peeling_trajectory)
    while lifted := _weakest(found, prim, i, alpha, settings["min_density_gain"]):
        worst, why = lifted
        found.drop_restriction(worst.factor, i=i)  # appends the wider box to the trajectory
        i = len(found.peeling_trajectory) - 1
        table = pd.concat(
            [table, _trajectory(found, prim, number, remaining_cases, float(y.mean()), i)],
            ignore_index=True,
        )
        table.loc[len(table) - 1, ["dropped", "why"]] = [worst.factor, why]
    table["candidate"] &= table.step < peeled
    if not _limits(found, prim, i):  # every restriction lifted: the whole space, no box chosen
        return table, None
    table["chosen"] = table.step == i
    return table, _prim_box(found, prim, number, i, y)


def _weakest(found, prim, i: int, alpha: float, min_gain: float) -> tuple[Limit, str] | None:
    """The restriction of box `i` to lift next and why: the least significant one with a
    quasi-p-value of `alpha` or more; else the one whose lifting lowers the density least, if by
    less than `min_gain`; else None."""
    limits = _limits(found, prim, i)
    weak = [lim for lim in limits if lim.p is None or lim.p >= alpha]
    if weak:
        lim = max(weak, key=lambda lim: 1.0 if lim.p is None else lim.p)
        return lim, f"not significant: quasi-p {lim.p:.2g}"
    density = found.peeling_trajectory.at[i, "density"]
    losses = [(density - _density_without(found, prim, i, lim.factor), lim) for lim in limits]
    loss, lim = min(losses, key=lambda t: t[0], default=(math.inf, None))
    if loss < min_gain:
        return lim, f"the density is only {100 * loss:.1f} points higher with it"
    return None


def _density_without(found, prim, i: int, factor: str) -> float:
    """The density of box `i` among PRIM's remaining rows with one factor's restriction lifted."""
    lims, x = found.box_lims[i], prim.x.loc[prim.yi_remaining]
    inside = np.ones(len(x), dtype=bool)
    for c in lims.columns:
        if c == factor:
            continue
        lo, hi = lims.at[0, c], lims.at[1, c]
        if isinstance(lo, set):
            inside &= x[c].isin(lo).to_numpy()
        else:
            inside &= ((x[c] >= lo) & (x[c] <= hi)).to_numpy()
    y = prim.y[prim.yi_remaining][inside]
    return float(y.mean()) if len(y) else 0.0


def _trajectory(found, prim, number, remaining_cases, base, start=0) -> pd.DataFrame:
    """A PRIM trajectory from step `start` on: each box's statistics, its weakest restriction's
    quasi-p-value and its score (coverage of the cases still to explain, and density gain over
    the share of cases in all rows, `base`)."""
    pt = found.peeling_trajectory
    rows = []
    for i in range(start, len(pt)):
        limits = _limits(found, prim, i)
        ps = [1.0 if lim.p is None else lim.p for lim in limits]
        cases = int(pt.at[i, "k"])
        rows.append(
            {
                "box": number,
                "step": i,
                "coverage": float(pt.at[i, "coverage"]),
                "density": float(pt.at[i, "density"]),
                "mass": float(pt.at[i, "mass"]),
                "res_dim": len(limits),
                "rows": int(pt.at[i, "n"]),
                "cases": cases,
                "max_p": max(ps) if ps else math.nan,
                "score": _score(cases / remaining_cases, float(pt.at[i, "density"]), base),
                "candidate": False,
                "chosen": False,
                "dropped": "",
                "why": "",
            }
        )
    return pd.DataFrame(rows)


def _score(coverage: float, density: float, base: float) -> float:
    """The harmonic mean of coverage and density gain (d - base) / (1 - base); 0 if a box is no
    denser than the whole."""
    gain = (density - base) / (1 - base)
    return 2 * coverage * gain / (coverage + gain) if gain > 0 and coverage > 0 else 0.0


def _chosen(candidates: pd.DataFrame) -> int:
    """The index of the box BOX_RULE picks among the candidates of one trajectory."""
    return candidates.sort_values(["score", "res_dim"], ascending=[False, True]).index[0]


def _prim_box(found, prim, number: int, step: int, y: np.ndarray) -> Box:
    """The selected box of a PRIM trajectory as a Box over all rows."""
    inside = np.zeros(len(y), dtype=bool)
    inside[np.asarray(found.yi)] = True
    cases = int(y[inside].sum())
    return Box(
        number=number,
        limits=_limits(found, prim, step),
        rows=int(inside.sum()),
        cases=cases,
        coverage=cases / int(y.sum()),
        density=cases / max(int(inside.sum()), 1),
        mass=float(inside.mean()),
        inside=inside,
        step=step,
    )


# --------------------------------------------------------------------------- CART


def _cart_inputs(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, object]]]:
    """The inputs as numbers for the tree (bool as 0/1, str one column per category) and, for
    each one-hot column, the factor and category it stands for."""
    cols, dummies = {}, {}
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_bool_dtype(col):
            cols[c] = col.astype(np.int8)
        elif pd.api.types.is_numeric_dtype(col):
            cols[c] = col.astype(np.float64)
        else:
            for v in sorted(col.astype(str).unique()):
                name = f"{c}={v}"
                cols[name] = (col.astype(str) == v).astype(np.int8)
                dummies[name] = (c, v)
    return pd.DataFrame(cols), dummies


def _cart(x: pd.DataFrame, y: np.ndarray, depth: int, mass_min: float):
    """The fitted tree, its features, its leaves as boxes (densest first) and a text rendering."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    xt, dummies = _cart_inputs(x)
    leaf_size = max(1, math.ceil(mass_min * len(y)))
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf_size, random_state=0)
    tree.fit(xt.to_numpy(), y.astype(int))
    features = list(xt.columns)
    leaf_of = tree.apply(xt.to_numpy())
    t = tree.tree_
    categories = {c: tuple(sorted(x[c].astype(str).unique())) for c, _ in dummies.values()}
    bools = {c for c in x.columns if pd.api.types.is_bool_dtype(x[c])}
    leaves = []

    def walk(node: int, bounds: dict) -> None:
        if t.children_left[node] == -1:
            inside = leaf_of == node
            cases = int(y[inside].sum())
            rows = int(inside.sum())
            leaves.append(
                Box(
                    number=0,
                    limits=_leaf_limits(bounds, bools, categories),
                    rows=rows,
                    cases=cases,
                    coverage=cases / int(y.sum()),
                    density=cases / rows,
                    mass=rows / len(y),
                    inside=inside,
                    case_leaf=bool(tree.classes_[int(np.argmax(t.value[node][0]))] == 1),
                )
            )
            return
        name, thr = features[t.feature[node]], float(t.threshold[node])
        walk(t.children_left[node], _narrow(bounds, name, dummies, high=thr))
        walk(t.children_right[node], _narrow(bounds, name, dummies, low=thr))

    walk(0, {})
    leaves.sort(key=lambda b: (-b.density, -b.rows))
    leaves = [replace(b, number=i + 1) for i, b in enumerate(leaves)]
    return tree, features, leaves, export_text(tree, feature_names=features, show_weights=True)


def _narrow(bounds: dict, name: str, dummies: dict, low=None, high=None) -> dict:
    """The bounds of a tree path one split further (x <= high goes left, x > low right)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in bounds.items()}
    if name in dummies:  # one category of a str factor: kept (right) or left out (left)
        factor, value = dummies[name]
        spec = out.setdefault(factor, {"in": None, "out": set()})
        if low is not None:
            spec["in"] = value
        else:
            spec["out"] = spec["out"] | {value}
        return out
    lo, hi = out.get(name, (None, None))
    if low is not None:
        lo = low if lo is None else max(lo, low)
    if high is not None:
        hi = high if hi is None else min(hi, high)
    out[name] = (lo, hi)
    return out


def _leaf_limits(bounds: dict, bools: set, categories: dict) -> tuple[Limit, ...]:
    out = []
    for factor, b in bounds.items():
        if isinstance(b, dict):
            kept = (b["in"],) if b["in"] is not None else tuple(categories[factor])
            out.append(Limit(factor, values=tuple(v for v in kept if v not in b["out"])))
        elif factor in bools:  # split at 0.5 on 0/1
            out.append(Limit(factor, values=(False,) if b[1] is not None else (True,)))
        else:
            out.append(Limit(factor, low=b[0], high=b[1]))
    return tuple(out)


# --------------------------------------------------------------------------- in words


def factor_name(key: str, keys: list[str]) -> str:
    """How a factor is named in words: the last part of its key ('drivers.urgency' -> 'urgency'),
    unless another factor's key ends the same way."""
    short = key.rsplit(".", 1)[-1]
    clash = sum(k.rsplit(".", 1)[-1] == short for k in keys) > 1
    return (key if clash else short).replace("_", " ")


def number_text(v: float, language: str = "en") -> str:
    """A limit as a reader wants it: three significant digits, no trailing zeros (a decimal
    comma in Dutch)."""
    return decimal(f"{v:.3g}" if isinstance(v, float) else str(v), language)


UNITS = {"run": N_("runs"), "point": N_("points"), "partnership": N_("partnerships")}


def limit_words(limit: Limit, keys: list[str], integer: bool = False, language: str = "en") -> str:
    """One restriction in words: 'urgency is below 0.35', 'there is no coordinator'."""
    _ = translator(language)
    name = factor_name(limit.factor, keys)
    if limit.values is not None:
        if all(isinstance(v, bool) for v in limit.values):
            if len(limit.values) == 1:
                there = _("there is a {name}") if limit.values[0] else _("there is no {name}")
                return there.format(name=name)
            return _("{name} either way").format(name=name)
        return _("{name} is {values}").format(
            name=name, values=_(" or ").join(str(v) for v in limit.values)
        )
    lo, hi = limit.low, limit.high
    if integer:  # PRIM and CART may cut between two whole numbers (4.5): say the whole ones
        lo = None if lo is None else math.floor(lo) + 1 if lo != int(lo) else int(lo)
        hi = None if hi is None else math.floor(hi) if hi != int(hi) else int(hi)
    if lo is not None and hi is not None:
        return _("{name} is between {low} and {high}").format(
            name=name, low=number_text(lo, language), high=number_text(hi, language)
        )
    if hi is not None:
        words = _("{name} is at most {value}") if integer else _("{name} is below {value}")
        return words.format(name=name, value=number_text(hi, language))
    words = _("{name} is at least {value}") if integer else _("{name} is above {value}")
    return words.format(name=name, value=number_text(lo, language))


def conditions_words(
    limits, keys: list[str], integers: set[str] = frozenset(), language: str = "en"
) -> str:
    """Restrictions in words, joined: 'urgency is below 0.35, trust is above 0.2 and there is no
    coordinator' ('everywhere' if there are none)."""
    _ = translator(language)
    parts = [limit_words(lim, keys, lim.factor in integers, language) for lim in limits]
    if not parts:
        return _("everywhere")
    return ", ".join(parts[:-1]) + (_(" and ") if len(parts) > 1 else "") + parts[-1]


def box_words(
    box: Box,
    keys: list[str],
    label: str,
    unit: str,
    integers: set[str] = frozenset(),
    language: str = "en",
) -> str:
    """A box in one sentence: '<label> in 81% of runs when urgency is below 0.35 and there is no
    coordinator, which covers 64% of all <label> (20% of all runs)'."""
    _ = translator(language)
    return _(
        "{label} in {density} of {units} when {conditions}, which covers {coverage} of all "
        "{label} ({mass} of all {units})"
    ).format(
        label=label,
        density=f"{box.density:.0%}",
        units=_(UNITS.get(unit, unit + "s")),
        conditions=conditions_words(box.limits, keys, integers, language),
        coverage=f"{box.coverage:.0%}",
        mass=f"{box.mass:.0%}",
    )


__all__ = [
    "BOX_RULE",
    "RULE_WHY",
    "Box",
    "DiscoveryResult",
    "Limit",
    "box_words",
    "conditions_words",
    "discover",
    "factor_name",
    "limit_words",
    "number_text",
]
