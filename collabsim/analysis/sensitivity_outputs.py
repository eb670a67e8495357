"""What a sensitivity analysis leaves behind: its tables, read back, and report.md.

`AnalysisResult` holds the tables run_analysis computed; `analysis_files` gives the hidden folder
they are written into (moved into place only when all are written); `load_result` reads a
finished folder back; `write_report` writes report.md: which factors matter, how much is
interaction, which pairs interact, one section builder per part.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.sensitivity_indices import nonadditive, significant
from collabsim.analysis.sensitivity_spec import OUTPUT_LABELS, SensitivitySpec, short_key


@dataclass
class AnalysisResult:
    """What run_analysis wrote and the main tables."""

    out: Path
    spec: SensitivitySpec
    indices: pd.DataFrame | None = None
    second_order: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None
    replicates_effect: pd.DataFrame | None = None
    noise: pd.DataFrame | None = None
    surfaces: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def analysis_files(out: Path) -> Iterator[Path]:
    """A hidden folder inside `out` for the analysis's tables, figures and report, moved into
    `out` only when all are written: a failure half-way (a full disk) leaves the runs, which
    --resume reuses, and no half-written results beside them."""
    dest = Path(tempfile.mkdtemp(prefix=".analysis.", dir=out))
    try:
        yield dest
        for item in sorted(dest.iterdir()):
            os.replace(item, out / item.name)
        dest.rmdir()
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def load_result(spec: SensitivitySpec, out: str | Path) -> AnalysisResult:
    """An analysis folder's tables read back (e.g. to redraw its figures with write_figures)."""
    out = Path(out)
    res = AnalysisResult(out=out, spec=spec)
    for name in (
        "indices",
        "second_order",
        "morris",
        "convergence",
        "replicates_effect",
        "noise",
        "surfaces",
    ):
        path = out / f"{name}.csv"
        if path.exists():
            setattr(res, name, pd.read_csv(path))
    return res


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def write_report(res: AnalysisResult) -> Path:
    """report.md: which factors matter, how much is interaction, which pairs interact."""
    spec = res.spec
    lines = report_header(spec)
    noise_r = (
        res.noise[res.noise.replicates == spec.replicates].set_index("output")
        if res.noise is not None
        else None
    )
    if spec.method == "sobol":
        for o in spec.outputs:
            lines += sobol_section(res, o, noise_r)
        lines += replicates_section(res) + convergence_section(res)
    else:
        for o in spec.outputs:
            lines += morris_section(res, o, noise_r)
    lines += surfaces_section(res) + time_section(res.timings)
    path = res.out / "report.md"
    path.write_text("\n".join(lines))
    return path


def report_header(spec: SensitivitySpec) -> list[str]:
    """The title, the description and how the analysis was done."""
    lines = [f"# Sensitivity analysis: {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    d = len(spec.factors)
    return lines + [
        f"Method: **{spec.method}**, {d} factors, "
        + (
            f"base sample N = {spec.samples} (Saltelli, second order "
            f"{'on' if spec.second_order else 'off'}), "
            if spec.method == "sobol"
            else f"{spec.samples} trajectories on a {spec.levels}-level grid, "
        )
        + f"{spec.total_points} design points x {spec.replicates} replicates = "
        f"{spec.total_runs} runs; intervals are {_pct(spec.conf_level)} bootstrap intervals "
        f"({spec.num_resamples} resamples). An index whose interval includes zero is read as zero.",
        "",
        "Each point's output is the mean over its replicates: `survived` is the share of runs "
        "whose partnership lasted the whole horizon. Boolean factors are sampled on [0, 1] and "
        "are true from 0.5 on.",
        "",
    ]


def sobol_section(res: AnalysisResult, o: str, noise_r: pd.DataFrame | None) -> list[str]:
    """One output's Sobol findings: the factors that matter, the interaction share net of
    replicate noise, the factors with clear interaction and the pairs that interact."""
    spec = res.spec
    ind = res.indices[res.indices.output == o].copy()
    s1 = significant(ind.S1, ind.S1_conf)
    st = significant(ind.ST, ind.ST_conf)
    ind["s1"], ind["st"] = s1, st
    ind = ind.sort_values("ST", ascending=False)
    sum_s1 = float(ind.S1.sum())
    sum_s1_sig = float(s1.sum())
    eta = float(noise_r.loc[o, "noise_share"]) if noise_r is not None else float("nan")
    lines = [f"## {OUTPUT_LABELS.get(o, o)}", ""]
    matter = ind[ind.st > 0]
    lines.append(
        "Factors that matter (total index above zero), largest first: "
        + (
            ", ".join(
                f"{short_key(r.factor)} (ST {r.ST:.2f} ± {r.ST_conf:.2f}, "
                f"S1 {r.S1:.2f} ± {r.S1_conf:.2f})"
                for r in matter.itertuples()
            )
            or "none"
        )
        + "."
    )
    none = ind[ind.st == 0]
    if len(none):
        lines.append("No measurable effect: " + ", ".join(short_key(f) for f in none.factor) + ".")
    lines.append("")
    lines.append(
        f"The first-order indices add up to ΣS1 = {sum_s1:.2f} ({sum_s1_sig:.2f} counting "
        f"only those whose interval excludes zero): factors acting alone explain "
        f"{_pct(sum_s1)} of the variance, so **{_pct(1 - sum_s1)} is interaction "
        f"or noise** (1 − ΣS1)."
    )
    if math.isfinite(eta):
        net = 1 - sum_s1 - eta
        lines.append(
            f"Replicate noise (the spread of a mean of {spec.replicates} runs) is "
            f"{_pct(eta)} of the variance, so interaction alone is about "
            f"**{_pct(max(net, 0.0))}** (1 − ΣS1 − noise). Noise also adds about "
            f"{eta:.2f} to every total index; ST − S1 above that is interaction."
        )
    gap = ind[(ind.ST - ind.S1 - ind.ST_conf > (eta if math.isfinite(eta) else 0))]
    if len(gap):
        lines.append(
            "Factors whose total effect clearly exceeds their effect alone (ST − S1 "
            "beyond the interval and the noise): "
            + ", ".join(f"{short_key(r.factor)} ({r.ST - r.S1:+.2f})" for r in gap.itertuples())
            + "."
        )
    if spec.second_order and res.second_order is not None and len(res.second_order):
        lines += [""] + pairs_lines(res.second_order[res.second_order.output == o].copy())
    return lines + [""]


def pairs_lines(s2: pd.DataFrame) -> list[str]:
    """The pairs of factors whose S2 interval is above zero (or that none is)."""
    s2["sig"] = significant(s2.S2, s2.S2_conf)
    hits = s2[s2.sig > 0].sort_values("S2", ascending=False)
    if not len(hits):
        return [
            "No single pair's S2 interval excludes zero: the interaction is spread "
            "over many small pairwise and higher-order terms."
        ]
    return [
        "Pairs that interact (S2 interval above zero): "
        + ", ".join(
            f"{short_key(r.factor_a)} × {short_key(r.factor_b)} (S2 {r.S2:.3f} ± {r.S2_conf:.3f})"
            for r in hits.itertuples()
        )
        + f"; together {hits.S2.sum():.2f} of the variance. The rest of the "
        "interaction is spread over many pairs too small to separate from zero "
        "at this N, and over triples and more."
    ]


def replicates_section(res: AnalysisResult) -> list[str]:
    """How the sums of the indices and the noise change with the replicates averaged."""
    spec = res.spec
    if res.replicates_effect is None or len(spec.replicate_subsets) <= 1:
        return []
    lines = ["## Replicates", ""]
    eff = res.replicates_effect
    for o in spec.outputs:
        parts = []
        for k in spec.replicate_subsets:
            e = eff[(eff.output == o) & (eff.replicates == k)]
            eta_k = res.noise[(res.noise.output == o) & (res.noise.replicates == k)]
            eta_v = float(eta_k.noise_share.iloc[0])
            parts.append(
                f"R = {k}: ΣS1 {e.S1.sum():.2f}, ΣST {e.ST.sum():.2f}, noise "
                + (_pct(eta_v) if math.isfinite(eta_v) else "not estimable from 1 run")
            )
        lines.append(f"- {OUTPUT_LABELS.get(o, o)}: " + "; ".join(parts) + ".")
    return lines + [
        "",
        "More replicates shrink the noise share; total indices fall with it, first-order "
        "indices rise a little (replicates_effect.csv, replicates_effect.png).",
        "",
    ]


def convergence_section(res: AnalysisResult) -> list[str]:
    """Where the indices against N are (if more than one N was computed)."""
    spec = res.spec
    if res.convergence is None or len(spec.convergence) <= 1:
        return []
    return [
        "## Convergence",
        "",
        "convergence.csv / convergence.png: the indices recomputed from the first "
        f"N = {', '.join(map(str, spec.convergence))} base samples of the same design.",
        "",
    ]


def morris_section(res: AnalysisResult, o: str, noise_r: pd.DataFrame | None) -> list[str]:
    """One output's Morris screening: how many factors matter, and the ten largest."""
    m = res.morris[res.morris.output == o].sort_values("mu_star", ascending=False)
    small = m[m.mu_star < 0.1 * m.mu_star.max()]
    lines = [
        f"## {OUTPUT_LABELS.get(o, o)}",
        "",
        f"{len(m) - len(small)} of {len(m)} factors have μ* of at least a tenth of the "
        f"largest ({short_key(m.factor.iloc[0])}); {len(small)} are below that: "
        "candidates to keep at their defaults for this output. (μ* is never below "
        "zero and replicate noise gives every factor some μ*, so its interval "
        "excluding zero says little.) "
        "The ten largest (μ* is the change of the output over the whole sampled range of "
        "the factor; σ large against μ* means the effect depends on the other factors: "
        "interaction or non-linearity):",
        "",
        "| factor | μ* | ± | σ | σ/μ* |",
        "|---|---|---|---|---|",
    ]
    for r in m.head(10).itertuples():
        ratio = r.sigma / r.mu_star if r.mu_star > 0 else float("nan")
        lines.append(
            f"| {r.factor} | {r.mu_star:.3g} | {r.mu_star_conf:.2g} | {r.sigma:.3g} | {ratio:.2f} |"
        )
    lines.append("")
    if noise_r is not None and math.isfinite(float(noise_r.loc[o, "noise_share"])):
        lines += [
            f"Replicate noise is {_pct(float(noise_r.loc[o, 'noise_share']))} of the "
            "variance of the point means; it inflates σ and μ* of factors with no effect.",
            "",
        ]
    return lines


def surfaces_section(res: AnalysisResult) -> list[str]:
    """The response surfaces: their range and the span of their non-additive part."""
    spec, s = res.spec, res.surfaces
    if s is None or not len(s):
        return []
    lines = [
        "## Response surfaces",
        "",
        f"{spec.surface_output} over a {spec.surface_levels} x {spec.surface_levels} grid of "
        f"each pair of {', '.join(short_key(k) for k in spec.surface_factors)}, the other "
        f"factors at the base scenario, {spec.surface_replicates} replicates a cell "
        "(surfaces.csv, surfaces.png; surface_interaction.png shows what an additive model "
        "of the two factors misses). A cell's mean carries replicate noise of about "
        f"±{float((s['sd'] / np.sqrt(s['runs'])).mean()):.2f} (one standard error, averaged "
        "over cells), so only the larger non-additive parts are interaction.",
        "",
    ]
    for (a, b), g in s.groupby(["factor_a", "factor_b"], sort=False):
        resid = nonadditive(g)
        lines.append(
            f"- {short_key(a)} × {short_key(b)}: from {g['mean'].min():.2f} to "
            f"{g['mean'].max():.2f}; the non-additive part spans {resid.min():+.2f} to "
            f"{resid.max():+.2f}."
        )
    return lines + [""]


def time_section(t: dict[str, float]) -> list[str]:
    """How long the runs, the analysis and the surfaces took."""
    if not t:
        return []
    return [
        "## Time",
        "",
        f"Runs {t.get('runs_seconds', 0):.0f} s, analysis {t.get('analysis_seconds', 0):.0f} s"
        + (f", surfaces {t['surface_seconds']:.0f} s" if "surface_seconds" in t else "")
        + ".",
        "",
    ]
