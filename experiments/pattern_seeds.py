"""Every pattern test's statistic (tests/test_patterns.py) at other root seeds than the suite's.

Run: .venv/bin/python experiments/pattern_seeds.py [--seeds 2026,2027,2028,1,2,3,4,5,6,7,8]
     [--set KEY=VALUE ...] [--out docs/results/pattern_seeds]

The pattern tests draw their replicates from one root seed (tests/test_patterns.py ROOT_SEED).
A bar that holds at that seed but not at others is met by luck of the seed, not by a margin.
This script computes each test's number through the test module's own functions at each root
seed and writes, per statistic, its value at every seed, its mean, the bar and how many seeds
miss the bar (seeds.csv), and a summary (seeds.md). `--set` runs a model variant (scenario keys
as in `collabsim run --set`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model2_evidence import md_table  # noqa: E402 (this script's folder)

from tests import test_patterns as tp  # noqa: E402 (after the path: the tests are not a package on it)

# statistic, its bar, and whether the value must be at least ("ge") or at most ("le") the bar
BARS = {
    "baseline survival": (0.60, "ge"),
    "sustained funding, urgency 0.1": (0.45, "le"),
    "sustained funding, shared_interest 0.1": (0.45, "le"),
    "sustained funding, trust 0.1": (0.45, "le"),
    "funding drop": (0.06, "ge"),
    "trust carry gap": (0.15, "ge"),
    "agility: volatile minus steady": (0.15, "ge"),
    "pattern-4 lead of the model's survivors": (0.15, "ge"),
    **{f"value without the {party}": (0.85, "le") for party in tp.PARTY},
    "coordinator gain": (0.10, "ge"),
    "turnover loss": (0.20, "ge"),
    "hub lead": (0.15, "ge"),
}


def statistics(extra: tuple[str, ...]) -> dict[str, float]:
    """The pattern tests' numbers at the module's current ROOT_SEED."""
    base = tp.survival("baseline", *extra)
    out = {"baseline survival": base}
    for d in ("urgency", "shared_interest", "trust"):
        out[f"sustained funding, {d} 0.1"] = tp.survival(
            tp.SUSTAINED, f"drivers.{d}=0.1", *extra, reps=60
        )
    out["funding drop"] = tp.funding_drop(*extra)
    out["trust carry gap"] = tp.trust_carry(*extra)[1]
    volatile, steady = tp.agility_effect(0.9, *extra), tp.agility_effect(0.1, *extra)
    out["agility: volatile minus steady"] = volatile - steady
    model, walk, shuffled = tp.bumpy_road(tp.survivor_trust(*extra))
    out["pattern-4 lead of the model's survivors"] = model - max(walk, shuffled)
    for party in tp.PARTY:
        out[f"value without the {party}"] = tp.value_without(party, *extra)
    coordinated = tp.survival("baseline", "partnership.coordinator=true", *extra)
    out["coordinator gain"] = coordinated - base
    out["turnover loss"] = tp.turnover_loss(*extra)
    hub, own = tp.hub_penalty(*extra)
    out["hub lead"] = own - hub
    return out


SUITE_SEED = tp.ROOT_SEED


def misses(value: float, bar: float, side: str) -> bool:
    """Whether a value misses its bar."""
    return value < bar if side == "ge" else value > bar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="2026,2027,2028,1,2,3,4,5,6,7,8")
    parser.add_argument("--set", dest="extra", action="append", default=[])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "pattern_seeds")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    columns = {}
    for seed in seeds:
        started = time.perf_counter()
        tp.ROOT_SEED = seed
        tp._RUNS.clear()
        columns[seed] = statistics(tuple(f"{x}" for x in args.extra))
        print(f"root seed {seed}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    table = pd.DataFrame(columns)
    table.insert(0, "bar", [BARS[name][0] for name in table.index])
    table.insert(1, "side", [BARS[name][1] for name in table.index])
    values = table[seeds]
    table["mean"] = values.mean(axis=1)
    table["seeds missing the bar"] = [
        sum(misses(v, row["bar"], row["side"]) for v in values.loc[name])
        for name, row in table.iterrows()
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    table.round(3).to_csv(args.out / "seeds.csv", index_label="statistic")
    every = [s for s in seeds if not any(misses(table.loc[n, s], *BARS[n]) for n in table.index)]
    variant = "".join(f" --set {x}" for x in args.extra)
    lines = [
        f"# The pattern tests' numbers at {len(seeds)} root seeds",
        "",
        f"Made by `experiments/pattern_seeds.py{variant}`. Root seeds: "
        f"{', '.join(map(str, seeds))}; the suite uses {SUITE_SEED}.",
        f"Seeds at which every bar is met: {', '.join(map(str, every)) or 'none'}.",
        "",
        md_table(table.rename_axis("statistic").reset_index(), 3),
        "",
    ]
    (args.out / "seeds.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out / 'seeds.csv'} and seeds.md")


if __name__ == "__main__":
    main()
