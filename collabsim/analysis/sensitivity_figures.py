"""Figures of a sensitivity analysis (collabsim.analysis.sensitivity), one function each: bars,
heat maps, convergence, Morris, surfaces; `write_figures` draws every one the tables allow.

Files written into the analysis folder:
    indices.png            S1 and ST with their intervals, one panel per output
    second_order.png       S2 heat map per output (cells whose interval includes zero are hatched)
    convergence.png        S1 and ST against N (first N base samples of the same design)
    replicates_effect.png  sum of S1, sum of ST and each ST against the replicates averaged
    morris.png             mu* against sigma per output
    surfaces.png           the output over each pair of surface factors (others at base)
    surface_interaction.png  each surface minus its best additive fit
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from collabsim.analysis.sensitivity_indices import nonadditive
from collabsim.analysis.sensitivity_spec import OUTPUT_LABELS, short_key
from collabsim.runs.plotting import plt

if TYPE_CHECKING:
    from collabsim.analysis.sensitivity_outputs import AnalysisResult


def _label(o: str) -> str:
    return OUTPUT_LABELS.get(o, o)


def _panels(n: int, width: float = 5.0, height: float = 4.0, sharey: bool = False):
    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False, sharey=sharey)
    return fig, axes[0]


def write_figures(res: AnalysisResult) -> list[str]:
    """Every figure the analysis's tables allow, into res.out; returns the file names."""
    written = []
    for figure in FIGURES:
        written += figure(res)
    return written


def indices_figure(res: AnalysisResult) -> list[str]:
    """indices.png: S1 and ST with their intervals, one panel per output."""
    if res.indices is None:
        return []
    out, spec = res.out, res.spec
    fig, axes = _panels(len(spec.outputs), 5.2, 4.2, sharey=True)
    for ax, o in zip(axes, spec.outputs, strict=True):
        ind = res.indices[res.indices.output == o]
        x = np.arange(len(ind))
        ax.bar(x - 0.2, ind.S1, 0.4, yerr=ind.S1_conf, capsize=3, label="S1 (alone)")
        ax.bar(x + 0.2, ind.ST, 0.4, yerr=ind.ST_conf, capsize=3, label="ST (total)")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xticks(x, [short_key(f) for f in ind.factor], rotation=45, ha="right")
        s1 = ind.S1.sum()
        ax.set_title(f"{_label(o)}\nΣS1 = {s1:.2f}, 1 − ΣS1 = {1 - s1:.2f}", fontsize=10)
    axes[0].set_ylabel("Sobol index")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "indices.png", dpi=110)
    plt.close(fig)
    return ["indices.png"]


def second_order_figure(res: AnalysisResult) -> list[str]:
    """second_order.png: an S2 heat map per output (brackets: the interval includes 0)."""
    if not (res.second_order is not None and len(res.second_order)):
        return []
    out, spec = res.out, res.spec
    names = spec.names
    fig, axes = _panels(len(spec.outputs), 5.0, 4.4)
    vmax = max(0.02, float(res.second_order.S2.abs().max()))
    for ax, o in zip(axes, spec.outputs, strict=True):
        s2 = res.second_order[res.second_order.output == o]
        m = np.full((len(names), len(names)), np.nan)
        zero = np.zeros_like(m, dtype=bool)
        for r in s2.itertuples():
            i, j = names.index(r.factor_a), names.index(r.factor_b)
            m[i, j] = m[j, i] = r.S2
            zero[i, j] = zero[j, i] = r.S2 - r.S2_conf <= 0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        for i in range(len(names)):
            for j in range(len(names)):
                if i != j and np.isfinite(m[i, j]):
                    text = f"({m[i, j]:.2f})" if zero[i, j] else f"{m[i, j]:.2f}"
                    dark = abs(m[i, j]) > 0.6 * vmax
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="w" if dark else "k",
                    )
        ax.set_xticks(range(len(names)), [short_key(n) for n in names], rotation=60, ha="right")
        ax.set_yticks(range(len(names)), [short_key(n) for n in names])
        ax.set_title(f"S2: {_label(o)}\n(in brackets: interval includes 0)", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.75)
    fig.tight_layout()
    fig.savefig(out / "second_order.png", dpi=110)
    plt.close(fig)
    return ["second_order.png"]


def convergence_figure(res: AnalysisResult) -> list[str]:
    """convergence.png: S1 and ST against the base sample N."""
    if not (res.convergence is not None and res.convergence.N.nunique() > 1):
        return []
    out, spec = res.out, res.spec
    n_out = len(spec.outputs)
    fig, axes = plt.subplots(2, n_out, figsize=(4.8 * n_out, 7), squeeze=False, sharex=True)
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    for col, o in enumerate(spec.outputs):
        c = res.convergence[res.convergence.output == o]
        for row, idx in enumerate(("S1", "ST")):
            ax = axes[row, col]
            for k, f in enumerate(spec.names):
                g = c[c.factor == f].sort_values("N")
                color = colors[k % 10]
                ax.plot(g.N, g[idx], "o-", ms=3, color=color, label=short_key(f))
                ax.fill_between(
                    g.N,
                    g[idx] - g[f"{idx}_conf"],
                    g[idx] + g[f"{idx}_conf"],
                    color=color,
                    alpha=0.12,
                )
            ax.axhline(0, color="k", lw=0.5)
            ax.set_xscale("log", base=2)
            ax.set_title(f"{idx}: {_label(o)}", fontsize=10)
            if row == 1:
                ax.set_xlabel("base sample N (first N of the same design)")
    axes[0, 0].set_ylabel("first-order index S1")
    axes[1, 0].set_ylabel("total index ST")
    axes[0, -1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    fig.savefig(out / "convergence.png", dpi=110)
    plt.close(fig)
    return ["convergence.png"]


def replicates_figure(res: AnalysisResult) -> list[str]:
    """replicates_effect.png: the sums of the indices (or mu*) against the replicates averaged."""
    if not (res.replicates_effect is not None and res.replicates_effect.replicates.nunique() > 1):
        return []
    out, spec = res.out, res.spec
    eff = res.replicates_effect
    fig, axes = _panels(len(spec.outputs), 4.6, 3.8)
    for ax, o in zip(axes, spec.outputs, strict=True):
        e = eff[eff.output == o]
        if "ST" in e:
            g = e.groupby("replicates")[["S1", "ST"]].sum()
            ax.plot(g.index, g.S1, "o-", label="ΣS1")
            ax.plot(g.index, g.ST, "s--", label="ΣST")
            nz = res.noise[res.noise.output == o].set_index("replicates").noise_share
            ax.plot(nz.index, nz.values, "^:", color="0.4", label="noise share")
            ax.set_ylabel("sum of indices / share")
        else:
            for f, g in e.groupby("factor"):
                ax.plot(g.replicates, g.mu_star, ".-", lw=0.8, label=short_key(f))
            ax.set_ylabel("μ*")
        ax.set_xscale("log", base=2)
        ks = sorted(e.replicates.unique())
        ax.set_xticks(ks, [str(v) for v in ks])
        ax.set_xlabel("replicates averaged per point")
        ax.set_title(_label(o), fontsize=10)
        if "ST" in e:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "replicates_effect.png", dpi=110)
    plt.close(fig)
    return ["replicates_effect.png"]


def morris_figure(res: AnalysisResult) -> list[str]:
    """morris.png: mu* against sigma per output, the eight largest named."""
    if res.morris is None:
        return []
    out, spec = res.out, res.spec
    fig, axes = _panels(len(spec.outputs), 5.2, 4.6)
    for ax, o in zip(axes, spec.outputs, strict=True):
        m = res.morris[res.morris.output == o]
        ax.errorbar(
            m.mu_star, m.sigma, xerr=m.mu_star_conf, fmt="o", ms=3, alpha=0.7, elinewidth=0.6
        )
        lim = max(m.mu_star.max(), m.sigma.max()) * 1.05
        ax.plot([0, lim], [0, lim], color="0.6", lw=0.7, ls=":")
        for r in m.sort_values("mu_star", ascending=False).head(8).itertuples():
            ax.annotate(
                short_key(r.factor),
                (r.mu_star, r.sigma),
                fontsize=6,
                xytext=(3, 2),
                textcoords="offset points",
            )
        ax.set_xlabel("μ* (mean |elementary effect|)")
        ax.set_ylabel("σ (spread of the effects)")
        ax.set_title(f"Morris: {_label(o)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "morris.png", dpi=110)
    plt.close(fig)
    return ["morris.png"]


def surface_figures(res: AnalysisResult) -> list[str]:
    """surfaces.png and surface_interaction.png: each pair's surface and its non-additive part."""
    if res.surfaces is None or not len(res.surfaces):
        return []
    s = res.surfaces
    pairs = list(s.groupby(["factor_a", "factor_b"], sort=False))
    ncol = min(3, len(pairs))
    nrow = -(-len(pairs) // ncol)
    names = []
    for kind in ("surfaces", "surface_interaction"):
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.7 * nrow), squeeze=False)
        for ax in axes.flat[len(pairs) :]:
            ax.axis("off")
        for ax, ((a, b), g) in zip(axes.flat, pairs, strict=False):
            table = g.pivot(index="a", columns="b", values="mean")
            va, vb = table.index.to_numpy(), table.columns.to_numpy()
            if kind == "surfaces":
                z, cmap, lo, hi = table.to_numpy(), "viridis", 0.0, 1.0
                if res.spec.surface_output != "survived":
                    lo, hi = float(s["mean"].min()), float(s["mean"].max())
            else:
                z = nonadditive(g)
                lim = max(0.05, float(np.abs(z).max()))
                cmap, lo, hi = "RdBu_r", -lim, lim
            da, db = (va[1] - va[0]) / 2, (vb[1] - vb[0]) / 2  # cells centred on the grid
            ext = [vb[0] - db, vb[-1] + db, va[0] - da, va[-1] + da]
            im = ax.imshow(
                z, origin="lower", extent=ext, aspect="auto", cmap=cmap, vmin=lo, vmax=hi
            )
            if kind == "surfaces":
                cs = ax.contour(vb, va, z, levels=[0.25, 0.5, 0.75], colors="w", linewidths=0.8)
                ax.clabel(cs, fontsize=7, fmt="%.2f")
            ax.set_xlabel(short_key(b))
            ax.set_ylabel(short_key(a))
            fig.colorbar(im, ax=ax, shrink=0.85)
        title = (
            f"{_label(res.spec.surface_output)} over driver pairs (others at baseline)"
            if kind == "surfaces"
            else "what adding the two effects misses (surface − additive fit)"
        )
        fig.suptitle(title, fontsize=11)
        fig.tight_layout()
        fig.savefig(res.out / f"{kind}.png", dpi=110)
        plt.close(fig)
        names.append(f"{kind}.png")
    return names


FIGURES = (
    indices_figure,
    second_order_figure,
    convergence_figure,
    replicates_figure,
    morris_figure,
    surface_figures,
)
