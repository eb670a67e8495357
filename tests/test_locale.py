"""The one translation table: every message the code marks has a Dutch translation, and
`collabsim compare --lang nl` writes its report and summary in Dutch."""

from __future__ import annotations

import re

import pytest

from collabsim.locale import LANGUAGES, catalogue_path, translator
from collabsim.model.scenario import FUNDING_SCHEMES

from .conftest import ROOT, invoke

POLICIES = ROOT / "scenarios" / "policies"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _code_messages() -> set[str]:
    """Every message marked in collabsim's code, with _("...") or N_("...")."""
    from babel.messages.extract import extract_from_dir

    found = extract_from_dir(
        ROOT / "collabsim",
        method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None},
    )
    return {message for _file, _line, message, _comments, _context in found}


def _preset_descriptions() -> set[str]:
    """The description and lesson text of every scenario the classroom app offers as a preset."""
    from collabsim.apps.classroom import preset_description, preset_lesson, presets

    texts = {preset_description(name) for name in presets()}
    return (texts | {preset_lesson(name) for name in presets()}) - {""}


def _catalogue():
    from babel.messages.pofile import read_po

    with catalogue_path("nl").open("rb") as f:
        return read_po(f, locale="nl")


def test_every_english_message_has_a_dutch_one():
    """Fails when a message is marked in the code but missing, empty or fuzzy in the Dutch
    catalogue, or when a translation drops or invents a placeholder."""
    catalogue = _catalogue()
    code = _code_messages()
    assert len(code) > 50
    # funding schemes are translated by their name (compare_report._scenario_lines), the preset
    # scenarios by their description and lesson (the classroom app shows them under the preset)
    wanted = code | {s.replace("_", " ") for s in FUNDING_SCHEMES} | _preset_descriptions()
    for message in sorted(wanted):
        entry = catalogue.get(message)
        assert entry is not None, f"no Dutch for {message!r}"
        assert entry.string and not entry.fuzzy, f"no Dutch for {message!r}"
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(message)), (
            message
        )
    stale = {m.id for m in catalogue if m.id} - wanted
    assert not stale, f"messages in the catalogue that the code no longer has: {stale}"


def test_the_translator_speaks_dutch_and_english_and_refuses_others():
    from collabsim.errors import CollabsimInputError

    assert LANGUAGES == ("en", "nl")
    assert translator("nl")("Findings") == "Bevindingen"
    assert translator("en")("Findings") == "Findings"
    with pytest.raises(CollabsimInputError, match="choose one of en, nl"):
        translator("de")


def test_compare_lang_nl_writes_a_dutch_report(tmp_path):
    """Fails if --lang nl leaves the report's headings, findings, table or summary in English."""
    out = tmp_path / "nl"
    code, text = invoke(
        "compare",
        POLICIES / "no_policy.toml",
        POLICIES / "one_off_subsidy.toml",
        "--replicates",
        "6",
        "--seed",
        "3",
        "--out",
        out,
        "--lang",
        "nl",
    )
    assert code == 0, text
    for phrase in (
        "runs per scenario, gemeenschappelijke toevalsgetallen",
        "actief 5 j",
        "rapport in",
    ):
        assert phrase in text
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for doc in (md, html):
        for phrase in (
            "Financieringsregelingen voor regionale samenwerking vergeleken",
            "Bevindingen",
            "Aannames en beperkingen",
            "nog actief na 5 jaar",
            "Elke regeling is 6 keer doorgerekend",
            "eenmalige subsidie",
        ):
            assert phrase in doc, phrase
        for english in ("Findings", "Assumptions and limits", "still going after 5 years"):
            assert english not in doc, english
    assert '<html lang="nl">' in html
    # the CSV keeps its English column names and plain numbers, whatever the language
    assert (out / "comparison.csv").read_text().startswith("scenario,file,runs,")


def test_compare_refuses_an_unknown_language_before_running(tmp_path):
    code, text = invoke(
        "compare", POLICIES / "no_policy.toml", "--lang", "fr", "--out", tmp_path / "x"
    )
    assert code != 0 and "choose one of en, nl" in text
    assert not (tmp_path / "x").exists()


def test_scan_summary_speaks_dutch_with_lang_nl(tmp_path):
    """Fails if the scan's printed summary keeps English labels, advice or caveat in Dutch."""
    from rich.console import Console

    from collabsim.cli.scan import print_summary
    from collabsim.runs.posterior import MODEL_ONLY

    share = {"share": 0.5, "low": 0.4, "high": 0.6}
    report = {
        "name": "voorbeeld",
        "projection": {"survival_5y": share, "survival_10y": share},
        "disagreement": [],
        "missing": [],
        "intervals_include": MODEL_ONLY,
        "advice": [{"rank": 1, "en": "Appoint a coordinator.", "nl": "Stel een coördinator aan."}],
        "caveat": "A thinking tool, not a forecast.",
        "caveat_nl": "Een denkhulp, geen voorspelling.",
    }
    console = Console(record=True, width=120)
    print_summary(console, report, tmp_path, "nl")
    text = console.export_text()
    for phrase in (
        "samenwerkingsscan: voorbeeld",
        "nog actief na 5 jaar",
        "alleen het toeval in het model",
        "Stel een coördinator aan.",
        "Een denkhulp",
        "uitvoer in",
    ):
        assert phrase in text, phrase
    assert "coordinator" not in text and "still going" not in text
