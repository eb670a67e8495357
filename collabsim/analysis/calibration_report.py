"""What a calibration found: its figures and report.md, from its posterior and diagnostics.

Figures: the posterior marginals against the priors and the defaults (`marginals.png`), the
pairs (`pairs.png`), acceptance, threshold and effective sample size per generation
(`generations.png`), and the posterior predictive check of every target, calibration and
validation, against its interval (`predictive.png`). The report follows the compare report's
order: the question, the findings in words, the tables, the figures, then assumptions and limits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.calibration_targets import CalibrationSpec


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_marginals(posterior: pd.DataFrame, spec: CalibrationSpec, path: Path) -> None:
    """Weighted histogram of each free parameter over its prior range, the default marked."""
    plt = _plt()
    n = len(spec.free)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 2.8), squeeze=False)
    for ax, p in zip(axes[0], spec.free, strict=True):
        bins = np.linspace(p.low, p.high, 16)
        ax.hist(posterior[p.name], bins=bins, weights=posterior["weight"], density=True,
                color="#1b9e77", alpha=0.8, label="posterior")  # fmt: skip
        ax.axhline(1 / (p.high - p.low), color="grey", ls="--", lw=1, label="prior")
        ax.axvline(p.default, color="#d95f02", lw=1.5, label="default")
        ax.set_xlabel(p.name)
        ax.set_yticks([])
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("posterior marginals (uniform priors over the plotted range)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_pairs(posterior: pd.DataFrame, spec: CalibrationSpec, path: Path) -> None:
    """Each pair of free parameters: the particles, dot size by weight."""
    plt = _plt()
    names = [p.name for p in spec.free]
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n, 2.2 * n), squeeze=False)
    size = 400 * posterior["weight"] / posterior["weight"].max() + 2
    for i, a in enumerate(spec.free):
        for j, b in enumerate(spec.free):
            ax = axes[i][j]
            if i == j:
                ax.hist(posterior[a.name], bins=12, range=(a.low, a.high),
                        weights=posterior["weight"], color="#1b9e77")  # fmt: skip
            else:
                ax.scatter(posterior[b.name], posterior[a.name], s=size, alpha=0.5, c="#1b9e77")
                ax.set_xlim(b.low, b.high)
                ax.set_ylim(a.low, a.high)
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(b.name, fontsize=7)
            if j == 0:
                ax.set_ylabel(a.name, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_generations(gens: pd.DataFrame, path: Path) -> None:
    """Acceptance rate, threshold and effective sample size per generation."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    for ax, col, label in zip(
        axes,
        ("acceptance", "epsilon", "ess"),
        ("acceptance rate", "threshold ε (distance)", "effective sample size"),
        strict=True,
    ):
        ax.plot(gens["t"], gens[col], "o-", color="#7570b3")
        ax.set_xlabel("generation")
        ax.set_title(label, fontsize=9)
        ax.set_xticks(gens["t"])
    axes[2].plot(gens["t"], gens["particles"], ":", color="grey", label="particles")
    axes[2].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_predictive(summary: pd.DataFrame, path: Path) -> None:
    """Each target's interval (band) against the posterior predictive median and 90% interval,
    and the defaults' value; calibration targets first."""
    plt = _plt()
    n = len(summary)
    fig, axes = plt.subplots(n, 1, figsize=(7, 0.75 * n + 0.6), squeeze=False)
    for ax, row in zip(axes[:, 0], summary.itertuples(), strict=True):
        lo = min(row.low, row.q05, row.defaults)
        hi = max(row.high, row.q95, row.defaults)
        pad = 0.1 * (hi - lo or 1)
        ax.axvspan(row.low, row.high, color="#fdb863" if row.role == "calibration" else "#b2abd2")
        ax.errorbar([row.median], [0], xerr=[[row.median - row.q05], [row.q95 - row.median]],
                    fmt="o", color="black", capsize=3)  # fmt: skip
        ax.plot([row.defaults], [0], "x", color="#d95f02", ms=8)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_yticks([])
        ax.set_ylabel(f"{row.target}\n({row.role})", rotation=0, ha="right", va="center",
                      fontsize=7)  # fmt: skip
        ax.tick_params(labelsize=7)
    axes[0, 0].set_title(
        "target interval (band: orange calibration, purple validation)\n"
        "posterior predictive median and 90% interval (black); parameters.py defaults (x)",
        fontsize=8,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_figures(out: Path, posterior, spec, gens: pd.DataFrame, summary) -> list[str]:
    """All four figures; their file names."""
    plot_marginals(posterior, spec, out / "marginals.png")
    plot_pairs(posterior, spec, out / "pairs.png")
    plot_generations(gens, out / "generations.png")
    plot_predictive(summary, out / "predictive.png")
    return ["marginals.png", "pairs.png", "generations.png", "predictive.png"]


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A markdown table of a frame (numbers rounded)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.{digits}g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def findings(spec, summary: pd.DataFrame, gens: pd.DataFrame) -> list[str]:
    """The findings in words: which targets the posterior reproduces, which it does not."""
    out = []
    for role in ("calibration", "validation"):
        part = summary[summary.role == role]
        fits = part[(part["median"] >= part.low) & (part["median"] <= part.high)]
        misses = part[~part.index.isin(fits.index)]
        out.append(
            f"- **{role.capitalize()} targets**: the posterior predictive median lies inside "
            f"the target's interval for {len(fits)} of {len(part)}"
            + (f" (not for: {', '.join(misses.target)})" if len(misses) else "")
            + "."
        )
    last = gens.iloc[-1]
    out.append(
        f"- The last generation (t = {int(last.t)}) accepted {last.acceptance:.0%} of the "
        f"particles it simulated at threshold ε = {last.epsilon:.2f}, with an effective sample "
        f"size of {last.ess:.0f} of {int(last.particles)} particles."
    )
    return out


def report_text(spec, meta: dict, posterior, gens: pd.DataFrame, summary, cis) -> str:
    """report.md: question, findings, tables, figures, then assumptions and limits."""
    gen_table = gens[["t", "particles", "samples", "acceptance", "epsilon", "ess", "seconds"]]
    pred = summary.rename(columns={"q05": "5%", "q95": "95%", "inside": "share inside"})
    targets = pd.DataFrame(
        [
            {
                "target": t.name,
                "role": t.role,
                "statistic": t.statistic,
                "scenario": t.scenario,
                "interval": f"[{t.low:g}, {t.high:g}]",
                "pattern": t.pattern,
            }  # fmt: skip
            for t in spec.targets
        ]
    )
    parts = [
        f"# Calibration: {spec.name}",
        spec.description,
        "**The question.** Which values of the free parameters let the model reproduce what is "
        "known about how long such partnerships last, and how uncertain are they?",
        f"ABC-SMC (pyABC {meta['pyabc']}): {meta['particles']} particles, "
        f"{len(gens)} generations, {spec.replicates} runs per particle and scenario, "
        f"{meta['particles_simulated']} particles simulated ({meta['runs']} model runs, "
        f"posterior predictive included), {meta['wall_seconds']:.0f} s of wall time on "
        f"{meta['workers_label']}. Free: {', '.join(p.name for p in spec.free)}.",
        "## Findings",
        "\n".join(findings(spec, summary, gens)),
        "## Posterior of the free parameters (weighted mean and 90% credible interval)",
        _table(cis),
        "## Posterior predictive check",
        f"Each target's statistic for {meta['predictive_draws']} parameter sets drawn from the "
        f"posterior (weights respected), {spec.replicates} runs each; `defaults` is the "
        "parameters.py defaults; `share inside` is the share of draws inside the target's "
        "interval.",
        _table(pred),
        "![posterior predictive](predictive.png)",
        "## Generations",
        _table(gen_table),
        "![generations](generations.png)",
        "![marginals](marginals.png)",
        "![pairs](pairs.png)",
        "## Targets",
        _table(targets),
        "Sources, caveats and what each scenario assumes are in the targets files: "
        + ", ".join(f"`{f}`" for f in spec.files)
        + ".",
        "## Assumptions and limits",
        "- The distance is the root mean square of each calibration target's miss in units of "
        "its interval's half-width (collabsim/analysis/calibration.py); the threshold is "
        "pyABC's median of the last generation's distances.\n"
        "- Replicate noise is part of each particle's statistics; the posterior carries it.\n"
        "- Validation targets are never seen by the fit; the calibration targets are not "
        "independent of each other (the three Communities That Care numbers say one survival "
        "curve).\n"
        "- Only the free parameters vary; every other constant stays at its default, so the "
        "posterior's width understates the uncertainty of the model as a whole.\n"
        "- With more than one worker the fit is not repeatable to the bit (each worker draws "
        "its own seeds).",
        f"Command: `{meta['command']}`",
    ]
    return "\n\n".join(p for p in parts if p) + "\n"
