"""Each pattern test's failing change, tried: `python -m tests.pattern_trials [name ...]`.

tests/test_patterns.py says in every docstring which change to the model makes the test fail and
what that change gave; this module makes those changes and prints the test's statistic, so the
claims can be checked again after the model changes. Most changes are `--set` overrides; a few
patch a table of the model in this process (knowledge profiles, meeting contact), and the hub
trial runs a copy of the package whose engagement decision ignores hubs (it compiles its own
kernels, about a minute). Not collected by pytest (the name does not start with test_).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from collabsim.model import region

from . import test_patterns as tp
from .conftest import ROOT


def trial_moderate():
    print("all moderate, cost_base 0.9:", tp.survival("baseline", "parameters.cost_base=0.9"))


def trial_zero_driver():
    for d in tp.ZERO_DRIVER:
        print(f"zero {d}, today: {tp.zero_driver_drop(d)}")
        print(f"zero {d}, weight_{d}=0: {tp.zero_driver_drop(d, f'parameters.weight_{d}=0')}")


def trial_sustained():
    for d in ("urgency", "shared_interest", "trust"):
        s = tp.survival(tp.SUSTAINED, f"drivers.{d}=0.1", reps=60)
        print(f"sustained funding, {d} 0.1: {s:.2f}")


def trial_factorial():
    print("factorial today (all, best single, interaction):", tp.synergy(tp.factorial()))
    print("factorial, loops off:", tp.synergy(tp.factorial(*tp.LOOPS_OFF)))
    linear = tp.synergy(tp.factorial("parameters.decision_temperature=1"))
    print("factorial, decision_temperature 1:", linear)


def trial_funding():
    print("funding drop today:", tp.funding_drop())
    print("funding drop, 120 months of funding:", tp.funding_drop("policy.funding.0.duration=120"))


TRUST_OFF = (
    "parameters.weight_trust=0",
    "parameters.success_trust=0",
    "parameters.resolve_trust=0",
)


def trial_trust_carry():
    print("trust carry today (alive, gap):", tp.trust_carry())
    print("trust carry, trust without effect:", tp.trust_carry(*TRUST_OFF))


AGILITY_OFF = ("parameters.agenda_adjust_per_month=0", "parameters.resolve_agility=0")
AGILITY_LINEAR = ("parameters.agility_exponent=1",)


def trial_agility():
    print("agility effect today (vol 0.9, 0.1):", tp.agility_effect(0.9), tp.agility_effect(0.1))
    off = tp.agility_effect(0.9, *AGILITY_OFF), tp.agility_effect(0.1, *AGILITY_OFF)
    print("agility effect, agility without effect:", off)
    linear = tp.agility_effect(0.9, *AGILITY_LINEAR), tp.agility_effect(0.1, *AGILITY_LINEAR)
    print("agility effect, pull linear in agility:", linear)
    both = (*AGILITY_LINEAR, "parameters.weight_relevance=1")
    cheap = tp.agility_effect(0.9, *both), tp.agility_effect(0.1, *both)
    print("agility effect, linear pull and relevance weight 1:", cheap)


NO_CHAIN = ("parameters.missing_role_loss=0", "parameters.weight_chain=0")


def trial_bumpy():
    paths = tp.survivor_trust()
    print("survivors:", len(paths), "model, Gaussian walks, shuffled walks:", tp.bumpy_road(paths))
    for extra in ("structure.crisis_repair=false", "structure.crises=false"):
        paths_off = tp.survivor_trust(extra)
        print(f"{extra}: survivors {len(paths_off)}:", tp.bumpy_road(paths_off))
    walks = tp.random_walks(paths, seed=11)
    print("walks as model, walk:", tp.bumpy_road(walks))
    old = tp.dip_recovered
    print(
        "old criterion (dip 0.05) met by walks:",
        sum(old(w, 0.05, 0.0) for w in walks) / len(walks),
    )


def trial_parties():
    print("value without, today:", {k: round(tp.value_without(k), 2) for k in tp.PARTY})
    print(
        "value without, no chain:", {k: round(tp.value_without(k, *NO_CHAIN), 2) for k in tp.PARTY}
    )
    saved = dict(region.KNOWLEDGE_PROFILE)
    same = tuple(sum(v[k] for v in saved.values()) / len(saved) for k in range(4))
    try:
        region.KNOWLEDGE_PROFILE.update({k: same for k in saved})
        extra = ("scenario.description='same knowledge'",)  # a cache key of its own
        print(
            "value without, same knowledge:",
            {k: round(tp.value_without(k, *extra), 2) for k in tp.PARTY},
        )
    finally:
        region.KNOWLEDGE_PROFILE.update(saved)


def trial_formalisation():
    print("formalisation today (share gap, median gap):", tp.formalisation())
    same = tp.formalisation("parameters.formalise_months_strategic=12")
    print("formalisation, same months:", same)


def trial_pattern7():
    print(
        "coordinator gain today:",
        tp.survival("baseline", "partnership.coordinator=true") - tp.survival("baseline"),
    )
    off = tp.COORDINATOR_OFF
    print(
        "coordinator gain, coordinator without effect:",
        tp.survival("baseline", "partnership.coordinator=true", *off)
        - tp.survival("baseline", *off),
    )
    print(
        "weekly gain today:",
        tp.survival("baseline", "partnership.meeting_rhythm='weekly'") - tp.survival("baseline"),
    )
    saved = region.MEETING_CONTACT["weekly"]
    try:
        region.MEETING_CONTACT["weekly"] = region.MEETING_CONTACT["monthly"]
        extra = ("parameters.meeting_boost=0",)
        print(
            "weekly gain, weekly = monthly:",
            tp.survival("baseline", "partnership.meeting_rhythm='weekly'", *extra)
            - tp.survival("baseline", *extra),
        )
    finally:
        region.MEETING_CONTACT["weekly"] = saved
    for extra in ((), ("structure.liaison_turnover=false",)):
        print(f"turnover loss {extra}:", tp.turnover_loss(*extra))


NO_HUB = """
import pytest
from tests import test_patterns as tp, test_mechanisms as tm
print("hub survival, own mbo survival:", tp.hub_penalty())
try:
    tm.test_a_hub_in_many_partnerships_has_less_time_for_each()
    print("hub unit test: passed")
except AssertionError as exc:
    print("hub unit test: failed", exc)
"""


def trial_hub():
    print("hub survival, own mbo survival, today:", tp.hub_penalty())
    print("hub survival, own mbo survival, no chain:", tp.hub_penalty(*NO_CHAIN))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        for part in ("collabsim", "tests", "scenarios"):
            shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        source = copy / "collabsim" / "mechanisms" / "engagement.py"
        text = source.read_text()
        assert "hubs = max(memberships[o], 1)" in text
        source.write_text(text.replace("hubs = max(memberships[o], 1)", "hubs = 1"))
        out = subprocess.run(
            [sys.executable, "-c", NO_HUB],
            cwd=copy,
            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        print("without hub terms:", out.stdout.strip(), out.stderr.strip()[-2000:])


TRIALS = {name[len("trial_") :]: f for name, f in globals().items() if name.startswith("trial_")}

if __name__ == "__main__":
    for name in sys.argv[1:] or TRIALS:
        TRIALS[name]()
