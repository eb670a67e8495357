"""How much wider do the policy library's intervals get once the parameters are uncertain?

`python experiments/compare_posterior_effect.py` runs the README's comparison of six funding
schemes (200 runs each, seed 1) twice, exactly as a user would: once with the parameters at their
defaults (intervals: the model's randomness only) and once with every run drawing its parameters
from the committed calibration (`--parameters docs/results/calibration/posterior.parquet`:
intervals include the calibrated parameters' uncertainty). It writes
docs/results/compare_posterior/: both runs' comparison.csv, table.csv and report.md (ten-year
survival and the paired difference to no policy, with their intervals and widths, and each
scheme's rank in both).

With one draw per run, a share's interval is that of the posterior-predictive share (the
mean over the posterior): it barely widens, because mixing parameter sets changes the chance of
surviving, not the binomial spread of a share of 200 runs. How far the share itself could lie
under other plausible settings needs many runs per parameter set: the script also runs every
scheme under DRAWS parameter sets drawn from the posterior, RUNS_PER_DRAW runs each (the same
seeds for every scheme within a draw), and reports the spread of the ten-year survival share
across the draws, with the part that is binomial noise taken out (between_draws.csv).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from compare_readme_figures import SCHEMES  # the README's six schemes (a script beside this)

ROOT = Path(__file__).resolve().parent.parent
POSTERIOR = "docs/results/calibration/posterior.parquet"
OUT = ROOT / "docs" / "results" / "compare_posterior"
DRAWS, RUNS_PER_DRAW, DRAW_SEED = 40, 50, 1
COLUMNS = ["survival_10y", "survival_10y_low", "survival_10y_high"]
DIFF = ["diff_survival_10y", "diff_survival_10y_low", "diff_survival_10y_high"]


def compare(out: Path, *extra: str) -> pd.DataFrame:
    """Run `collabsim compare` as a user would; its comparison table."""
    cmd = [sys.executable, "-m", "collabsim", "compare", *SCHEMES]
    cmd += ["--replicates", "200", "--seed", "1", "--workers", "2", "--out", str(out), *extra]
    subprocess.run(cmd, cwd=ROOT, check=True)
    return pd.read_csv(out / "comparison.csv")


def side(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """One run's columns of the side-by-side table, named for the run."""
    part = table.set_index("scenario")[COLUMNS + DIFF].copy()
    part["width_10y"] = part["survival_10y_high"] - part["survival_10y_low"]
    part["diff_width"] = part["diff_survival_10y_high"] - part["diff_survival_10y_low"]
    part["rank"] = part["survival_10y"].rank(ascending=False, method="min").astype(int)
    return part.add_suffix(f"_{label}")


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def report(both: pd.DataFrame) -> str:
    """The side-by-side table in words and numbers."""
    rows = [
        "| scheme | 10-year survival, defaults | with the posterior | interval width (points) "
        "| Δ vs no policy, defaults | with the posterior | rank |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in both.iterrows():
        rows.append(
            f"| {name} | {pct(r.survival_10y_defaults)} ({pct(r.survival_10y_low_defaults)}–"
            f"{pct(r.survival_10y_high_defaults)}) | {pct(r.survival_10y_posterior)} "
            f"({pct(r.survival_10y_low_posterior)}–{pct(r.survival_10y_high_posterior)}) | "
            f"{100 * r.width_10y_defaults:.0f} → {100 * r.width_10y_posterior:.0f} | "
            f"{100 * r.diff_survival_10y_defaults:+.0f} "
            f"({100 * r.diff_survival_10y_low_defaults:+.0f} to "
            f"{100 * r.diff_survival_10y_high_defaults:+.0f}) | "
            f"{100 * r.diff_survival_10y_posterior:+.0f} "
            f"({100 * r.diff_survival_10y_low_posterior:+.0f} to "
            f"{100 * r.diff_survival_10y_high_posterior:+.0f}) | "
            f"{int(r.rank_defaults)} → {int(r.rank_posterior)} |"
        )
    widen = (both["width_10y_posterior"] / both["width_10y_defaults"]).median()
    widen_diff = (
        both["diff_width_posterior"] / both["diff_width_defaults"].where(lambda w: w > 0)
    ).median()
    same = (both["rank_defaults"] == both["rank_posterior"]).all()
    ranking = (
        "The ranking of the schemes by ten-year survival is the same."
        if same
        else "The ranking of the schemes by ten-year survival changes (see the rank column)."
    )
    return "\n".join(
        [
            "# The policy library with and without parameter uncertainty",
            "",
            "Six funding schemes on the baseline region, 200 runs each, seed 1, common random "
            "numbers; `defaults`: the mechanism constants at their defaults (intervals cover the "
            "model's randomness only); `with the posterior`: each run draws its constants from "
            f"`{POSTERIOR}` (the same draw for run r of every scheme), so the intervals also "
            "cover the calibrated parameters' uncertainty. 95% Wilson intervals for survival, "
            "paired intervals for the differences.",
            "",
            *rows,
            "",
            f"Median widening of the survival interval: {widen:.2f}×; of the paired difference "
            f"to no policy: {widen_diff:.2f}×. {ranking}",
            "",
            "Made by `python experiments/compare_posterior_effect.py`.",
            "",
        ]
    )


def between_draws() -> pd.DataFrame:
    """Each scheme's ten-year survival share under each of DRAWS posterior draws, RUNS_PER_DRAW
    runs each; per scheme the draws' median and 5-95% range, and the between-draw standard
    deviation with the binomial noise of RUNS_PER_DRAW runs taken out."""
    import numpy as np

    from collabsim.model.scenario import load_scenario
    from collabsim.runs.posterior import read_posterior
    from collabsim.runs.runner import replicate_seeds, run_replicates

    posterior = read_posterior(ROOT / POSTERIOR)
    particles = [posterior.draw(DRAW_SEED, (k,)) for k in range(DRAWS)]
    rows = []
    for path in SCHEMES:
        scheme = load_scenario(ROOT / path)
        shares = []
        for k, particle in enumerate(particles):
            seeds = replicate_seeds(DRAW_SEED + k, RUNS_PER_DRAW)  # common to every scheme
            runs = run_replicates(posterior.applied(scheme, particle), seeds=seeds, series=False)
            shares.append(runs.summary["survived"].mean())
        shares = np.array(shares)
        noise = float(np.mean(shares * (1 - shares) / (RUNS_PER_DRAW - 1)))
        rows.append(
            {
                "scenario": scheme.name,
                "median": float(np.median(shares)),
                "p05": float(np.quantile(shares, 0.05)),
                "p95": float(np.quantile(shares, 0.95)),
                "sd_draws": float(shares.std(ddof=1)),
                "sd_binomial": noise**0.5,
                "sd_parameters": max(float(shares.var(ddof=1)) - noise, 0.0) ** 0.5,
            }
        )
    return pd.DataFrame(rows).set_index("scenario")


def spread_report(spread: pd.DataFrame) -> list[str]:
    """The between-draw table in words and numbers."""
    rows = [
        f"## How far the share could lie: {DRAWS} parameter sets, {RUNS_PER_DRAW} runs each",
        "",
        "Each scheme under the same posterior draws (common seeds within a draw); the ten-year "
        "survival share of each draw; `sd from the parameters` is the spread across draws with "
        f"the binomial noise of {RUNS_PER_DRAW} runs taken out (a standard deviation, in points).",
        "",
        "| scheme | median share | 5%–95% of the draws | sd across draws | of which binomial "
        "| sd from the parameters |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in spread.iterrows():
        rows.append(
            f"| {name} | {pct(r['median'])} | {pct(r.p05)}–{pct(r.p95)} | "
            f"{100 * r.sd_draws:.1f} | {100 * r.sd_binomial:.1f} | {100 * r.sd_parameters:.1f} |"
        )
    return [*rows, ""]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        defaults = compare(Path(tmp) / "defaults")
        posterior = compare(Path(tmp) / "posterior", "--parameters", POSTERIOR)
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(tmp) / "defaults" / "comparison.csv", OUT / "comparison_defaults.csv")
        shutil.copy(Path(tmp) / "posterior" / "comparison.csv", OUT / "comparison_posterior.csv")
    both = side(defaults, "defaults").join(side(posterior, "posterior"))
    both.to_csv(OUT / "table.csv")
    spread = between_draws()
    spread.to_csv(OUT / "between_draws.csv")
    text = report(both).replace(
        "Made by `python", "\n".join(spread_report(spread)) + "\nMade by `python"
    )
    (OUT / "report.md").write_text(text, encoding="utf-8")
    print((OUT / "report.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
