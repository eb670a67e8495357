"""The comparison's figures: survival with bands, the funding cliff, trust and engagement over
time, and public value per euro (collabsim.analysis.compare_report puts them in the report)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.comparison import (
    CLIFF_MONTHS,
    Comparison,
    alive_at,
    money_stops,
    survival_curve,
)
from collabsim.analysis.stats import wilson_interval
from collabsim.locale import translator
from collabsim.runs.plotting import plt

# --------------------------------------------------------------------------- figures


def _colours(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(k % cmap.N) for k in range(n)]


def plot_survival(comparison: Comparison, path: Path, language: str = "en") -> Path:
    """Kaplan–Meier curves with bands; a dotted line where each scheme's money stops."""
    _ = translator(language)
    fig, ax = plt.subplots(figsize=(9, 5.2))
    for arm, colour in zip(comparison.arms, _colours(len(comparison.arms)), strict=True):
        km = survival_curve(arm)
        ax.step(km["month"], km["survival"], where="post", color=colour, label=arm.label, lw=2)
        ax.fill_between(
            km["month"], km["low"], km["high"], step="post", color=colour, alpha=0.15, lw=0
        )
        stop = money_stops(arm.scenario)
        if stop is not None and stop < arm.scenario.scenario.steps:
            ax.axvline(stop, color=colour, ls=":", lw=1.2)
    ax.set_xlabel(_("month (dotted: the month each scheme's money stops)"))
    ax.set_ylabel(_("share of partnerships still going"))
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left", ncol=2 if len(comparison.arms) > 6 else 1)
    ax.set_title(_("Survival of the partnerships"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_cliff(comparison: Comparison, path: Path, language: str = "en") -> Path:
    """Conditional survival over each scheme's cliff window, with Wilson bands."""
    _ = translator(language)
    fig, ax = plt.subplots(figsize=(9, 5.2))
    drawn = 0
    for (_i, r), arm, colour in zip(
        comparison.table.iterrows(),
        comparison.arms,
        _colours(len(comparison.arms)),
        strict=True,
    ):
        if r["cliff_basis"] == "none" or r["cliff_at_risk"] == 0:
            continue
        s = arm.result.summary
        start = int(r["cliff_from_month"])
        at_risk = alive_at(s, start)
        k = int(at_risk.sum())
        months = np.arange(CLIFF_MONTHS + 1)
        kept = np.array([int((at_risk & alive_at(s, start + m)).sum()) for m in months])
        bands = np.array([wilson_interval(int(x), k) for x in kept])
        own = r["cliff_basis"] == "money stops"
        label = (
            _("{label} (money stops in month {month})")
            if own
            else _("{label} (months {month}–, money continues)")
        ).format(label=arm.label, month=start)
        ax.plot(months, kept / k, color=colour, lw=2, ls="-" if own else "--", label=label)
        ax.fill_between(months, bands[:, 0], bands[:, 1], color=colour, alpha=0.15, lw=0)
        drawn += 1
    if not drawn:
        ax.text(
            0.5,
            0.5,
            _("no scheme's money stops in time to observe a cliff"),
            ha="center",
            transform=ax.transAxes,
        )
    ax.set_xlabel(_("months after the money stops"))
    ax.set_ylabel(_("share still going, of those going when it stopped"))
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=8, loc="lower left")
    ax.set_title(_("The cliff at the end of funding"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _band(ts: pd.DataFrame, column: str) -> pd.DataFrame:
    going = ts[ts["phase"].astype(str) != "dissolved"]
    g = going.groupby("step")[column]
    return pd.DataFrame({"mean": g.mean(), "low": g.quantile(0.1), "high": g.quantile(0.9)})


def plot_trajectories(comparison: Comparison, path: Path, language: str = "en") -> Path:
    """Trust and engagement per scheme over the partnerships still going, with bands."""
    _ = translator(language)
    names = {"trust": _("trust"), "engagement": _("engagement")}
    fig, axes = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True)
    for arm, colour in zip(comparison.arms, _colours(len(comparison.arms)), strict=True):
        for ax, column in zip(axes, ("trust", "engagement"), strict=True):
            band = _band(arm.result.timeseries, column)
            ax.plot(band.index, band["mean"], color=colour, lw=1.8, label=arm.label)
            ax.fill_between(band.index, band["low"], band["high"], color=colour, alpha=0.12, lw=0)
    for ax, column in zip(axes, ("trust", "engagement"), strict=True):
        ax.set_ylabel(names[column])
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, ncol=2 if len(comparison.arms) > 6 else 1, loc="lower left")
    axes[0].set_title(_("Trust and engagement of the partnerships still going"))
    axes[1].set_xlabel(_("month"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_value_per_euro(comparison: Comparison, path: Path, language: str = "en") -> Path:
    """Bars of public value per EUR 100k (all, and extra over the first) with 95% intervals."""
    _ = translator(language)
    t = comparison.table
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.55 * len(t) + 1.8), sharey=True)
    colours = _colours(len(t))
    y = np.arange(len(t))[::-1]
    panels = (
        ("value_per_100k_eur", _("all public value per €100k spent"), _("no money spent")),
        (
            "extra_value_per_100k_eur",
            _("extra value per extra €100k vs {scenario}").format(scenario=t.iloc[0]["scenario"]),
            _("no extra spending"),
        ),
    )
    for ax, (key, title, empty) in zip(axes, panels, strict=True):
        for k, (_i, r) in enumerate(t.iterrows()):
            v = r[key]
            if math.isnan(v):
                ax.text(0, y[k], "  " + empty, va="center", fontsize=9, color="0.3")
                continue
            err = [[v - r[f"{key}_low"]], [r[f"{key}_high"] - v]]
            ax.barh(y[k], v, color=colours[k], xerr=err, capsize=4, alpha=0.85)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_xlabel(_("public value (model units)"))
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(title, fontsize=10)
    axes[0].set_yticks(y, t["scenario"].tolist())
    fig.suptitle(_("What the money buys"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


PLOTTERS = {
    "survival": plot_survival,
    "cliff": plot_cliff,
    "trajectories": plot_trajectories,
    "value_per_euro": plot_value_per_euro,
}
