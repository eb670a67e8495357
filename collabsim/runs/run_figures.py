"""Figures of a run: trajectories with bands, one replicate's bumpy road with its events; and a
PNG embedded in an HTML page (report and scan)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.model.collaboration import DRIVER_SERIES
from collabsim.runs.plotting import plt

COLOURS = {
    "trust": "#1b9e77",
    "engagement": "#d95f02",
    "urgency": "#7570b3",
    "incentives": "#e7298a",
    "shared_interest": "#66a61e",
}
EVENT_STYLE = {
    "tension_resolved": ("#1b9e77", "o", "tension resolved"),
    "tension_escalated": ("#d62728", "X", "tension escalated"),
    "crisis": ("#8b0000", "X", "crisis"),
    "liaison_left": ("#7f3c8d", "v", "liaison left"),
    "member_left": ("#8c564b", "<", "member left"),
    "member_joined": ("#17becf", ">", "member joined"),
    "formalised": ("#000000", "s", "formalised"),
    "dissolved": ("#000000", "*", "dissolved"),
    "demand_shock": ("#ff7f0e", "D", "demand shock"),
    "teacher_moment": ("#bcbd22", "P", "teacher moment"),
}


def embed_png(png: bytes | Path, alt: str) -> str:
    """An <img> holding the PNG as base64 (data URI), so an HTML report is one offline file."""
    data = base64.b64encode(png if isinstance(png, bytes) else Path(png).read_bytes())
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data.decode("ascii")}">'


def funding_periods(scenario) -> list[tuple[int, int, str]]:
    """(first month, last month, name) of each instrument that brings money."""
    return [
        (f.start + 1, f.end, f.name)
        for f in scenario.policy.funding
        if f.scheme not in ("mandate", "relaxed_rules")
    ]


def _shade_funding(ax, periods, horizon: int) -> None:
    for k, (first, last, _name) in enumerate(periods):
        ax.axvspan(
            first - 0.5,
            min(last, horizon) + 0.5,
            color="#f2c14e",
            alpha=0.18,
            lw=0,
            label="funding in force" if k == 0 else None,
        )


def draw_band(ax, months, lo, hi, mean, name: str) -> None:
    """A series' 10–90% band and its mean, in the series' colour (the trajectory figures)."""
    ax.fill_between(months, lo, hi, color=COLOURS[name], alpha=0.15, lw=0)
    ax.plot(months, mean, color=COLOURS[name], lw=2, label=name.replace("_", " "))


def finish_levels_axes(ax, title: str, horizon: int) -> None:
    """Title, labels, limits, legend and grid of a panel of 0–1 levels over the months."""
    ax.set_title(title)
    ax.set_ylabel("level (0–1), members' mean")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, horizon)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", ncol=3, fontsize=9, frameon=False)
    ax.grid(alpha=0.3)


def save_figure(fig, path: Path) -> Path:
    """Lay out, write and close a figure."""
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _band_over_alive(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """10th percentile, 90th percentile and mean of each month's row, ignoring missing values;
    a month in which no partnership is still going gives gaps (no values, and no warnings)."""
    lo, hi, mean = (np.full(len(values), np.nan) for _ in range(3))
    some = np.isfinite(values).any(axis=1)
    if some.any():
        lo[some], hi[some] = np.nanpercentile(values[some], [10, 90], axis=1)
        mean[some] = np.nanmean(values[some], axis=1)
    return lo, hi, mean


def plot_trajectories(timeseries: pd.DataFrame, scenario, path: Path) -> Path:
    """Mean and 10–90% band of drivers, engagement and trust over the partnerships still going,
    with funding periods shaded, and below it the share of partnerships still going."""
    fig, (ax, ax_alive) = plt.subplots(
        2, 1, figsize=(10, 7), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    horizon = int(timeseries["step"].max())
    alive = timeseries["phase"].astype(str) != "dissolved"
    for axis in (ax, ax_alive):
        _shade_funding(axis, funding_periods(scenario), horizon)
    for name in DRIVER_SERIES:
        wide = timeseries.assign(value=timeseries[name].where(alive)).pivot_table(
            index="step",
            columns=["replicate", "partnership"],
            values="value",
            observed=True,
            dropna=False,
        )
        draw_band(ax, wide.index, *_band_over_alive(wide.to_numpy()), name)
    share = alive.groupby(timeseries["step"]).mean()
    ax_alive.plot(share.index, share.to_numpy(), color="#333333", lw=2)
    ax_alive.set_ylim(0, 1.05)
    ax_alive.set_ylabel("still going")
    ax_alive.set_xlabel("month")
    ax_alive.grid(alpha=0.3)
    runs = timeseries.groupby(["replicate", "partnership"], observed=True).ngroups
    finish_levels_axes(
        ax,
        f"{scenario.name}: mean and 10–90% band over the partnerships still going ({runs} runs)",
        horizon,
    )
    return save_figure(fig, path)


def pick_bumpy_replicate(timeseries: pd.DataFrame, events: pd.DataFrame) -> int:
    """A replicate worth showing: the one with the most notable events (ties: the first)."""
    notable = events[events["kind"].isin(EVENT_STYLE)]
    if notable.empty:
        return int(timeseries["replicate"].min())
    counts = notable.groupby("replicate").size()
    return int(counts.idxmax())


def plot_timeline(
    timeseries: pd.DataFrame,
    events: pd.DataFrame,
    scenario,
    path: Path,
    replicate: int | None = None,
) -> Path:
    """One replicate's trust and engagement with its events marked on them: the bumpy road."""
    rep = pick_bumpy_replicate(timeseries, events) if replicate is None else replicate
    ts = timeseries[timeseries["replicate"] == rep]
    name = ts["partnership"].iloc[0]
    ts = ts[ts["partnership"] == name]
    ev = events[(events["replicate"] == rep) & (events["partnership"] == name)]
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    horizon = int(ts["step"].max())
    _shade_funding(ax, funding_periods(scenario), horizon)
    ax.plot(ts["step"], ts["trust"], color=COLOURS["trust"], lw=2.2, label="trust")
    ax.plot(ts["step"], ts["engagement"], color=COLOURS["engagement"], lw=2.2, label="engagement")
    trust_at = dict(zip(ts["step"], ts["trust"], strict=False))
    for kind, (colour, marker, label) in EVENT_STYLE.items():
        sel = ev[ev["kind"] == kind]
        if sel.empty:
            continue
        y = [trust_at.get(int(s), np.nan) for s in sel["step"]]
        ax.scatter(
            sel["step"],
            y,
            color=colour,
            marker=marker,
            s=55,
            zorder=5,
            label=label,
            edgecolor="white",
            linewidth=0.6,
        )
    ax.set_title(f"{scenario.name}: the bumpy road of replicate {rep} ({name})")
    ax.set_xlabel("month")
    ax.set_ylabel("level (0–1)")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, horizon)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", ncol=4, fontsize=8.5, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
