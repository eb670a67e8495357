"""The timeline's sentences: every event kind in English and Dutch, numbers as the model logged."""

from __future__ import annotations

import math

import pytest

from collabsim import CollaborationModel, load_scenario
from collabsim.analysis.narration import LANGUAGES, narrate, narrate_all, org_name
from collabsim.model.events import EVENT_KINDS, Event


def test_liaison_leaves_sentence():
    e = Event(27, "p", "liaison_left", "vmbo-2", "mbo-1", "trust", 0.62, 0.41)
    assert (
        narrate(e)
        == "Month 27: the vmbo-2 liaison leaves — trust with mbo-1 falls from 0.62 to 0.41"
    )
    assert narrate(e, "nl") == (
        "Maand 27: de contactpersoon van vmbo-2 vertrekt — het vertrouwen met mbo-1 daalt "
        "van 0,62 naar 0,41"
    )


def test_dutch_organisation_names():
    assert org_name("firm-3", "nl") == "bedrijf-3"
    assert org_name("municipality-1", "nl") == "gemeente-1"
    assert org_name("firm-3", "en") == "firm-3"
    e = Event(5, "p", "tension_raised", "firm-3", "municipality-1")
    assert narrate(e, "nl") == "Maand 5: er ontstaat een spanning tussen bedrijf-3 en gemeente-1"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_kind_reads_as_a_sentence(kind, language):
    e = Event(9, "p", kind, "vmbo-1", "firm-2", "trust", 0.5, 0.4, "a conflict breaks out")
    text = narrate(e, language)
    assert text.startswith("Month 9: " if language == "en" else "Maand 9: ")
    assert "{" not in text and " nan" not in text and kind not in text
    bare = Event(9, "p", kind, "vmbo-1")  # no partner, no numbers
    assert "{" not in narrate(bare, language) and " nan" not in narrate(bare, language)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        narrate(Event(1, "p", "dissolved", "p"), "de")


def test_a_whole_run_narrates_with_the_logged_numbers():
    model = CollaborationModel(load_scenario("scenarios/baseline.toml"), rng=3)
    model.run()
    events = list(model.events)
    assert events, "the baseline run logged no events"
    lines = narrate_all(events, "en")
    assert len(lines) == len(events)
    for e, line in zip(events, lines, strict=True):
        assert line.startswith(f"Month {e.step}: ")
        if e.kind == "liaison_left" and e.other and not math.isnan(e.before):
            assert f"from {e.before:.2f} to {e.after:.2f}" in line
    assert len(set(narrate_all(events, "nl")) & set(lines)) == 0
