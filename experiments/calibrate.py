"""Quick look at the stylised-fact patterns (MODEL.md §5) for a set of scenario variants.

Usage: python experiments/calibrate.py [replicates] [--set KEY=VALUE ...]
Prints survival, median lifetime, public value and trust for each variant; used while
calibrating the mechanism parameters (docs/ODD.md, "Calibration").
"""

from __future__ import annotations

import sys

from collabsim.model.scenario import load_scenario
from collabsim.runs.runner import run_replicates

VARIANTS = {
    "baseline": [],
    "all moderate, no funding": ["policy.funding=[]"],
    "incentives 0": ["drivers.incentives=0", "policy.funding=[]"],
    "urgency 0": ["drivers.urgency=0"],
    "shared interest 0": ["drivers.shared_interest=0"],
    "trust 0": ["drivers.trust=0"],
    "coordinator + weekly": ["partnership.coordinator=true", "partnership.meeting_rhythm='weekly'"],
    "turnover 0.5": ["conditions.staff_turnover=0.5"],
    "strategic": ["partnership.kind='strategic'"],
    "no firms": ["organisations.2.count=0"],
}


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 60
    extra = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--set=")]
    for name, sets in VARIANTS.items():
        sc = load_scenario("scenarios/baseline.toml", extra + sets)
        r = run_replicates(sc, reps, root_seed=11)
        s = r.summary
        ts = r.timeseries
        eng48 = ts[ts.step == 48].engagement.mean()
        eng54 = ts[ts.step == 54].engagement.mean()
        formalised = s.formalised_month.dropna()
        formal_median = formalised.median() if len(formalised) else -1
        print(
            f"{name:28s} surv={s.survived.mean():.2f} life={s.lifetime_months.median():5.0f} "
            f"pv={s.public_value.mean():6.1f} trust={s.mean_trust.mean():.2f} "
            f"eng48={eng48:.2f} eng54={eng54:.2f} tens={s.tensions.mean():4.1f} "
            f"res={s.tensions_resolved.sum() / max(s.tensions.sum(), 1):.2f} "
            f"formal={formal_median:.0f}"
            f" ({s.formalised_month.notna().mean():.2f})"
        )


if __name__ == "__main__":
    main()
