"""`collabsim scan`: a partnership's self-assessment turned into a projection and advice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collabsim.cli import options
from collabsim.cli.console import console, err_console
from collabsim.cli.options import Yes
from collabsim.errors import CollabsimInputError
from collabsim.shipped import SCAN_ANSWERS, resolve

SCALE = {
    "en": "1 = strongly disagree, 2 = disagree, 3 = neutral, 4 = agree, 5 = strongly agree; "
    "Enter = skip",
    "nl": "1 = helemaal oneens, 2 = oneens, 3 = neutraal, 4 = eens, 5 = helemaal eens; "
    "Enter = overslaan",
}
WORDS = {
    "en": {
        "org": "Organisation (name)",
        "type": "Type of organisation",
        "role": "Your role (optional)",
        "more": "Another respondent?",
        "who": "Respondent {n}",
        "again": "please answer 1-5, or press Enter to skip",
    },
    "nl": {
        "org": "Organisatie (naam)",
        "type": "Soort organisatie",
        "role": "Uw functie (optioneel)",
        "more": "Nog een respondent?",
        "who": "Respondent {n}",
        "again": "antwoord 1-5, of druk op Enter om over te slaan",
    },
}


def _ask(console: Console, prompt: str) -> str:
    try:
        return console.input(prompt).strip()
    except EOFError:
        raise CollabsimInputError(
            "interactive scan: the input ended before the questions were answered"
        ) from None


def ask_answers(console: Console, language: str = "en"):
    """Ask the scan's statements in the terminal, one respondent after another."""
    from collabsim.apps.scan import RESPONDENT_TYPES, TYPE_ALIASES, Respondent, load_questionnaire

    if language not in WORDS:
        raise CollabsimInputError(f"--lang {language}: choose en or nl")
    q = load_questionnaire()
    w = WORDS[language]
    people = []
    while True:
        n = len(people) + 1
        console.rule(w["who"].format(n=n))
        org = ""
        while not org:
            org = _ask(console, f"[bold]{w['org']}[/]: ")
        kind = ""
        while kind not in RESPONDENT_TYPES:
            kind = _ask(console, f"[bold]{w['type']}[/] ({'/'.join(RESPONDENT_TYPES)}): ").lower()
            kind = TYPE_ALIASES.get(kind, kind)
        role = _ask(console, f"{w['role']}: ")
        console.print(SCALE[language], style="dim")
        answers: dict[str, int | None] = {}
        for k, item in enumerate(q.items, start=1):
            text = item.nl if language == "nl" else item.en
            while True:
                raw = _ask(console, f"[cyan]{k:2d}/{len(q.items)}[/] {text} [bold][1-5][/]: ")
                if raw == "":
                    answers[item.id] = None
                    break
                if raw in ("1", "2", "3", "4", "5"):
                    answers[item.id] = int(raw)
                    break
                console.print(w["again"], style="yellow")
        people.append(Respondent(f"respondent {n}", org, kind, answers, role))
        try:
            more = console.input(f"[bold]{w['more']}[/] (y/n) [n]: ").strip().lower()
        except EOFError:
            more = "n"
        if more not in ("y", "yes", "j", "ja"):
            break
    return q, people


def _check_out(out: Path | None) -> None:
    """A given --out must be new or empty (checked before the work starts)."""
    if out is not None:
        from collabsim.runs.outputs import check_out_dir

        check_out_dir(Path(out))


def scan_command(
    answers: Path | None,
    interactive: bool,
    replicates: int,
    seed: int,
    out: Path | None,
    language: str,
    console: Console,
    err_console: Console,
    yes: bool = False,
    parameters: Path | None = None,
) -> Path:
    """What `collabsim scan` does; returns the output folder.

    Every option and the work are checked before the first question or model run."""
    from collabsim.apps.scan import (
        Respondent,
        build_scenario,
        check_options,
        check_people,
        check_scan_work,
        load_questionnaire,
        read_answers,
        run_scan,
    )
    from collabsim.locale import check_language
    from collabsim.runs.posterior import read_optional

    check_language(language)
    check_options(replicates, seed)
    read_optional(parameters)  # checked before the first question
    if interactive and answers is not None:
        raise CollabsimInputError("give an ANSWERS file or --interactive, not both")
    if interactive:
        if language not in WORDS:
            raise CollabsimInputError(f"--lang {language}: choose en or nl")
        q = load_questionnaire()
        # the work barely depends on the answers: estimate it for two partners before asking
        sketch = [
            Respondent(f"respondent {k}", f"partner {k}", t, {})
            for k, t in ((1, "mbo"), (2, "firm"))
        ]
        check_scan_work(build_scenario(sketch, q, "interactive", seed), q, replicates, yes=yes)
        _check_out(out)
        q, people = ask_answers(console, language)
        check_people(people, "interactive scan")
        name, source = "interactive", "answers.csv (typed in)"
    elif answers is None:
        raise CollabsimInputError(
            "give an ANSWERS file (CSV or TOML, see scenarios/scan/examples/) or --interactive"
        )
    else:
        answers = resolve(answers, SCAN_ANSWERS)
        q = load_questionnaire()
        people = read_answers(answers, q)
        name, source = Path(answers).stem, Path(answers).name
        check_scan_work(build_scenario(people, q, name, seed), q, replicates, yes=yes)
        _check_out(out)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from collabsim.runs.outputs import default_out_dir

    out = Path(out) if out is not None else default_out_dir(f"scan-{name}")
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=1)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        outcome = run_scan(
            people,
            q,
            out,
            name,
            replicates=replicates,
            seed=seed,
            answers_source=source,
            save_answers=interactive,
            progress=progress,
            yes=yes,
            parameters=parameters,
        )
    print_summary(console, outcome.report, outcome.out, language)
    return outcome.out


def print_summary(console: Console, report: dict, out: Path, language: str = "en") -> None:
    """The scan's headline numbers and advice in the terminal, in the language (en or nl)."""
    from collabsim.locale import check_language, translator

    _ = translator(check_language(language))
    nl = language == "nl"
    p = report["projection"]
    table = Table(
        title=_("collaboration scan: {name}").format(name=report["name"]), show_header=False
    )
    for label, key in (
        (_("still going after 5 years"), "survival_5y"),
        (_("after 10 years"), "survival_10y"),
    ):
        s = p[key]
        table.add_row(
            label,
            _("{share}  (95% interval {low}–{high})").format(
                share=f"{s['share']:.0%}", low=f"{s['low']:.0%}", high=f"{s['high']:.0%}"
            ),
        )
    table.add_row(_("partners disagree on"), ", ".join(report["disagreement"]) or _("none"))
    missing = [m["item"] for m in report["missing"]]
    table.add_row(_("missing answers"), ", ".join(missing) or _("none"))
    console.print(table)
    console.print(
        _("intervals include {include}").format(include=_(report["intervals_include"])),
        markup=False,
    )
    for a in report["advice"]:
        console.print(f"{a['rank']}. {a['nl' if nl else 'en']}", highlight=False)
    console.print(f"[dim]{report['caveat_nl' if nl else 'caveat']}[/]", highlight=False)
    console.print(_("outputs in [bold]{path}[/] (scan.html, scan.json)").format(path=out))


def register(app: typer.Typer) -> None:
    """Add `collabsim scan` to the command line."""

    @app.command()
    def scan(
        answers: Annotated[
            Path | None,
            typer.Argument(
                help="answers file: CSV (organisation,type,<item ids>) or TOML ([[respondent]])"
            ),
        ] = None,
        interactive: Annotated[
            bool,
            typer.Option("--interactive", "-i", help="ask the statements in the terminal"),
        ] = False,
        replicates: Annotated[int, options.replicates("projected runs (and per lever)")] = 100,
        seed: Annotated[int, options.seed("root seed of the projected runs")] = 1,
        out: Annotated[
            Path | None, options.out("output folder (default results/scan-<name>-<time>)")
        ] = None,
        lang: Annotated[
            str,
            typer.Option(
                help="language of the questions in --interactive and of this summary: en or nl"
            ),
        ] = "en",
        yes: Yes = False,
        parameters: Annotated[Path | None, options.parameters()] = None,
    ) -> None:
        """Turn partners' scan answers into a projection (5 and 10 years) and lever advice."""
        scan_command(
            answers,
            interactive,
            replicates,
            seed,
            out,
            lang,
            console,
            err_console,
            yes,
            parameters,
        )
