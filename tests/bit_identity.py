"""Hashes of every scenario's results (series, events, generator state), 10 seeds each.

Written from the code before a refactor (`python tests/bit_identity.py write`; last written from
Model 2, issue 13) and compared after it (`python tests/bit_identity.py check`): a change that
alters any result by one bit changes a hash.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "bit_identity.json"
SEEDS = range(10)


def scenario_files() -> list[Path]:
    """Every scenario file of scenarios/ and scenarios/policies/."""
    folder = ROOT / "scenarios"
    return sorted(folder.glob("*.toml")) + sorted((folder / "policies").glob("*.toml"))


def run_hash(path: Path, seed: int) -> str:
    """One hash of a run's series, events and final generator state."""
    from collabsim import CollaborationModel, load_scenario

    model = CollaborationModel(load_scenario(path), rng=seed).run()
    h = hashlib.sha256()
    h.update(model.series().tobytes())
    h.update(repr(model.events.rows()).encode())
    h.update(repr(model.rng.bit_generator.state).encode())
    return h.hexdigest()


def hashes() -> dict[str, str]:
    """Hash per scenario file and seed."""
    return {
        f"{p.relative_to(ROOT / 'scenarios')}:{seed}": run_hash(p, seed)
        for p in scenario_files()
        for seed in SEEDS
    }


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    now = hashes()
    if mode == "write":
        FIXTURE.write_text(json.dumps(now, indent=0, sort_keys=True) + "\n")
        print(f"wrote {len(now)} hashes to {FIXTURE}")
        return
    before = json.loads(FIXTURE.read_text())
    differ = sorted(k for k in before if before[k] != now.get(k))
    print(f"{len(before) - len(differ)} of {len(before)} runs identical; differ: {differ[:10]}")
    sys.exit(1 if differ or set(now) != set(before) else 0)


if __name__ == "__main__":
    main()
