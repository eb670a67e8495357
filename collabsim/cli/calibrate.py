"""`collabsim calibrate`: fit the free parameters to the targets with ABC-SMC (pyABC).

Everything the user typed is checked before anything is written (the targets files, --workers,
--scheduler, --out, and on --resume that the folder holds a fit of the same targets). Each
generation is committed to pyABC's history database as it ends, so Ctrl-C or a killed run loses
at most the generation under way, and `--resume` continues from the last one. The outputs
(posterior.parquet, manifest.json, report.md, the figures) are rewritten after the last
generation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from collabsim.cli import options
from collabsim.cli.console import console, err_console, progress_bar
from collabsim.cli.options import Scheduler, Workers
from collabsim.errors import CollabsimInputError
from collabsim.shipped import TARGETS, resolve

MANIFEST = "manifest.json"


@contextlib.contextmanager
def fitting_lock(out: Path):
    """Hold `out` for this fit: a second fit in the same folder is refused, not interleaved."""
    import fcntl

    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CollabsimInputError(
                f"--out {out}: another calibration is writing to this folder right now"
            ) from None
        yield
    finally:
        os.close(fd)


def fingerprint(spec) -> str:
    """What must not change between a fit and its --resume: targets, free parameters, priors,
    scenarios and replicates (a hash of them)."""
    data = {
        "targets": [
            [
                t.name,
                t.statistic,
                t.scenario,
                t.against,
                t.arguments,
                t.low,
                t.high,
                t.value,
                t.role,
            ]
            for t in spec.targets
        ],  # fmt: skip
        "free": [[p.name, p.low, p.high] for p in spec.free],
        "scenarios": {k: s.to_dict() for k, s in sorted(spec.scenarios.items())},
        "replicates": spec.replicates,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def checked_folder(out: Path, resume: bool, print_id: str) -> int:
    """Refuse an --out that cannot hold this fit; the generations already in it (0 if new)."""
    from collabsim.analysis.calibration import HISTORY_FILE
    from collabsim.runs.sweep_folder import check_out_folder

    check_out_folder(out)
    has_history = (out / HISTORY_FILE).exists()
    if not resume:
        if has_history:
            raise CollabsimInputError(
                f"--out {out}: already holds a calibration; continue it with --resume, or "
                "choose another --out"
            )
        if out.exists() and any(out.iterdir()):
            raise CollabsimInputError(f"--out {out}: exists and is not empty; choose another")
        return 0
    if not has_history:
        raise CollabsimInputError(f"--resume: {out} holds no calibration ({HISTORY_FILE})")
    try:
        manifest = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        raise CollabsimInputError(f"--resume: {out}/{MANIFEST} is missing or broken") from None
    if manifest.get("fingerprint") != print_id:
        raise CollabsimInputError(
            f"--resume: {out} was fitted to other targets, priors, scenarios or replicates; "
            "resume with the same targets files, or choose another --out"
        )
    from collabsim.analysis.calibration import load_history

    try:  # the database, not the manifest, counts: the manifest may lag it by a generation
        return int(load_history(out).max_t) + 1
    except Exception:  # noqa: BLE001 - a database a stop left before its first generation
        if not manifest.get("generations_done"):
            return 0  # nothing in it is kept: the fit starts again (run_fit)
        raise CollabsimInputError(
            f"--resume: {out}/{HISTORY_FILE} cannot be read; choose another --out"
        ) from None


@dataclass
class Fit:
    """One fit, checked: its targets, folder, size, generations already done, and engine."""

    spec: object  # a CalibrationSpec
    out: Path
    particles: int
    generations: int
    done: int
    draws: int
    workers: int | str  # local processes, or 'dask'
    executor: object | None  # a Dask executor (collabsim.runs.executors), else None
    label: str  # where the particles run, in words
    command: str
    language: str = "en"  # of the closing line (en or nl)

    @property
    def remaining(self) -> int:
        return max(self.generations - self.done, 0)


def calibrate_command(
    targets: list[Path],
    particles: int,
    generations: int,
    draws: int | None,
    workers: str | None,
    scheduler: str | None,
    resume: bool,
    out: Path | None,
    language: str = "en",
) -> int:
    """What `collabsim calibrate` does; returns the exit code. Its closing line is in the
    language (en or nl)."""
    from collabsim.analysis.calibration_targets import load_targets
    from collabsim.cli.sweep import checked_scheduler
    from collabsim.locale import check_language
    from collabsim.runs.executors import default_workers, make_executor, parse_workers
    from collabsim.runs.outputs import default_out_dir

    def say(m: str) -> None:
        err_console.print(m, markup=False, highlight=False, soft_wrap=True)

    check_language(language)
    if particles < 4:
        raise CollabsimInputError(f"--particles {particles}: must be at least 4")
    if generations < 1:
        raise CollabsimInputError(f"--generations {generations}: must be at least 1")
    if draws is not None and draws < 1:
        raise CollabsimInputError(f"--draws {draws}: must be at least 1")
    n_workers = parse_workers(workers)
    address = checked_scheduler(n_workers, scheduler, say)
    spec = load_targets([resolve(t, TARGETS) for t in targets])
    out = Path(out) if out is not None else default_out_dir(f"calibration-{spec.name}", False)
    done = checked_folder(out, resume, fingerprint(spec))
    command = shlex.join(
        ["collabsim", "calibrate", *map(str, targets), "--particles", str(particles)]
        + ["--generations", str(generations), "--out", str(out)]
        + (["--workers", str(workers)] if workers else [])
    )
    executor = None
    if address is not None or n_workers == "dask":
        executor = make_executor(n_workers, address)
        label = executor.label
    else:
        n_workers = default_workers() if n_workers is None else n_workers
        label = f"{n_workers} process{'es' if n_workers != 1 else ''}"
    fit = Fit(spec, out, particles, generations, done, draws or min(particles, 50), n_workers,
              executor, label, command, language)  # fmt: skip
    try:
        out.mkdir(parents=True, exist_ok=True)
        with fitting_lock(out):
            return run_fit(fit, say)
    finally:
        if executor is not None:
            executor.close()


def run_fit(fit: Fit, say) -> int:
    """The fit itself, once everything is checked and its folder is held; the exit code."""
    from collabsim.analysis import calibration as cal

    spec, out = fit.spec, fit.out
    if fit.done == 0:  # a fit stopped before its first generation ended starts again
        (out / cal.HISTORY_FILE).unlink(missing_ok=True)
    meta = {
        "command": fit.command,
        "fingerprint": fingerprint(spec),
        "particles": fit.particles,
        "workers_label": fit.label,
    }
    write_manifest(out, spec, meta, fit.done, status="running")
    say(
        f"calibrate {spec.name}: {len(spec.free)} free parameters, "
        f"{len(spec.of_role('calibration'))} calibration and "
        f"{len(spec.of_role('validation'))} validation targets; {fit.particles} particles x "
        f"{spec.replicates} runs per scenario; generations {fit.done} done, {fit.remaining} to "
        f"run; {fit.label}; writing to {out}"
    )
    kept = [fit.done]

    def on_generation(g) -> None:
        kept[0] = g.t + 1
        write_manifest(out, spec, meta, g.t + 1, status="running")
        say(
            f"generation {g.t}: ε = {g.epsilon:.3f}, acceptance {g.acceptance:.0%} "
            f"({g.particles}/{g.samples}), ESS {g.ess:.0f}, {g.seconds:.1f} s"
        )

    t0 = time.perf_counter()
    client = fit.executor.client if fit.executor is not None else None
    try:
        history = cal.fit(
            spec, fit.particles, out, fit.done, fit.remaining, fit.workers, client, on_generation
        )
        finish(out, spec, history or cal.load_history(out), meta, fit.draws, say)
    except KeyboardInterrupt:
        say(f"interrupted; {kept[0]} generations are kept: continue with --resume --out {out}")
        return 130
    from collabsim.locale import translator

    _ = translator(fit.language)
    console.print(
        _(
            "calibration {name}: {generations} generations in {seconds} s; posterior, figures "
            "and report in {out} (report.md)"
        ).format(
            name=spec.name,
            generations=kept[0],
            seconds=f"{time.perf_counter() - t0:.0f}",
            out=out,
        ),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0


def finish(out: Path, spec, history, meta: dict, draws: int, say) -> None:
    """Posterior, posterior predictive check, figures, report and manifest, from the history."""
    import pandas as pd

    from collabsim.analysis import calibration as cal
    from collabsim.analysis.calibration_report import report_text, write_figures

    t0 = time.perf_counter()
    posterior = cal.posterior_frame(history, spec)
    write_parquet(posterior, out / cal.POSTERIOR_FILE, spec, meta)
    gens = pd.DataFrame(
        [{**g.__dict__, "acceptance": g.acceptance} for g in cal.generations(history)]
    )
    sets = cal.draw(posterior, spec, draws, spec.seed)
    say(f"posterior predictive check: {draws} draws and the defaults, every target")
    with progress_bar(err_console) as bar:
        task = bar.add_task("predictive", total=draws + 1)
        pred = cal.predictive(spec, sets, spec.seed + 1, lambda n: bar.advance(task, n))
    pred.to_parquet(out / "predictive.parquet", index=False)
    summary = cal.predictive_summary(spec, pred)
    cis = cal.credible_intervals(posterior, spec)
    scenarios_per_particle = len(
        {t.scenario for t in spec.of_role("calibration")}
        | {t.against for t in spec.of_role("calibration") if t.against}
    )
    predictive_runs = (
        (draws + 1)
        * spec.replicates
        * len({t.scenario for t in spec.targets} | {t.against for t in spec.targets if t.against})
    )
    simulated = cal.samples_used(history)
    meta |= {
        "particles_simulated": simulated,
        "runs": simulated * spec.replicates * scenarios_per_particle + predictive_runs,
        "predictive_draws": draws,
        "wall_seconds": cal.wall_seconds(history) + (time.perf_counter() - t0),
        "pyabc": _version("pyabc"),
    }
    figures = write_figures(out, posterior, spec, gens, summary)
    (out / "report.md").write_text(report_text(spec, meta, posterior, gens, summary, cis))
    write_manifest(out, spec, meta, len(gens), status="complete", figures=figures,
                   generations=gens.to_dict("records"), predictive=summary.to_dict("records"),
                   posterior=cis.to_dict("records"))  # fmt: skip


def _version(name: str) -> str:
    from importlib import metadata

    return metadata.version(name)


def write_parquet(frame, path: Path, spec, meta: dict) -> None:
    """The posterior with the model version and the fit in its metadata, written atomically."""
    from collabsim.runs.posterior import write_posterior

    write_posterior(frame, path, calibration=spec.name, fingerprint=meta["fingerprint"])


def write_manifest(out: Path, spec, meta: dict, done: int, status: str, **extra) -> None:
    """manifest.json, written atomically: the fit's settings, progress and (when complete)
    its diagnostics."""
    from collabsim.runs.outputs import json_text
    from collabsim.runs.posterior import model_version
    from collabsim.runs.sweep_folder import utc_now

    data = {
        "kind": "calibration",
        "name": spec.name,
        "status": status,
        "written": utc_now(),
        "targets_files": spec.files,
        "free": [p.__dict__ for p in spec.free],
        "replicates": spec.replicates,
        "seed": spec.seed,
        "generations_done": done,
        "model": model_version(),
        **meta,
        **extra,
    }
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json_text(data))
    os.replace(tmp, out / MANIFEST)


def register(app: typer.Typer) -> None:
    """Add `collabsim calibrate` to the command line."""

    @app.command()
    def calibrate(
        targets: Annotated[
            list[Path],
            typer.Argument(help="targets TOML files, e.g. experiments/targets/*.toml"),
        ],
        particles: Annotated[
            int, typer.Option(help="particles per generation (the posterior's sample size)")
        ] = 200,
        generations: Annotated[
            int, typer.Option(help="ABC-SMC generations in all (with --resume: up to this many)")
        ] = 6,
        draws: Annotated[
            int | None,
            typer.Option(
                help="posterior draws for the predictive check (default min(particles, 50))"
            ),
        ] = None,
        lang: Annotated[str, options.lang()] = "en",
        workers: Workers = None,
        scheduler: Scheduler = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="continue the calibration in --out")
        ] = False,
        out: Annotated[
            Path | None,
            options.out("output folder (default results/calibration-NAME)"),
        ] = None,
    ) -> None:
        """Fit the free parameters to the targets with ABC-SMC; the posterior carries the
        uncertainty."""
        code = calibrate_command(
            targets, particles, generations, draws, workers, scheduler, resume, out, lang
        )
        if code:
            raise typer.Exit(code)
