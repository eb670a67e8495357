"""The collaboration scan (samenwerkingsscan): partners' answers → a scenario, a projection, advice.

Partners each score their partnership on the statements of ``scenarios/scan/questionnaire.toml``
(Likert 1–5). The scan aggregates the answers per statement, shows where partners disagree, turns
the scores into a scenario (each statement informs one scenario key through a documented monotone
mapping, see docs/scan.md), projects it 5 and 10 years ahead with replicated runs, and ranks the
levers: for each, the change in 5-year survival when it improves by one scan point, with common
random numbers. ``collabsim scan`` (collabsim/cli/scan.py) writes ``scan.html`` and ``scan.json``.

One module per step, in the order the scan takes them: ``questionnaire`` (the statements and the
levers they inform), ``answers`` (reading and checking an answers file), ``scoring`` (per
statement and per lever), ``mapping`` (scores → scenario), ``projection`` (10 years ahead),
``levers`` (the ranking and the advice), ``figures``, ``report`` (scan.json and scan.html) and
``run`` (the whole scan, all or nothing). The names below are the scan's front door.
"""

from __future__ import annotations

from collabsim.apps.scan.answers import (
    RESPONDENT_TYPES,
    TYPE_ALIASES,
    Respondent,
    check_people,
    read_answers,
)
from collabsim.apps.scan.levers import advice, rank_levers
from collabsim.apps.scan.mapping import ScanInputs, build_scenario
from collabsim.apps.scan.projection import project
from collabsim.apps.scan.questionnaire import (
    EXAMPLES,
    QUESTIONNAIRE,
    Questionnaire,
    load_questionnaire,
)
from collabsim.apps.scan.run import ScanOutcome, check_options, check_scan_work, run_scan

__all__ = [
    "EXAMPLES",
    "QUESTIONNAIRE",
    "RESPONDENT_TYPES",
    "TYPE_ALIASES",
    "Questionnaire",
    "Respondent",
    "ScanInputs",
    "ScanOutcome",
    "advice",
    "build_scenario",
    "check_options",
    "check_people",
    "check_scan_work",
    "load_questionnaire",
    "project",
    "rank_levers",
    "read_answers",
    "run_scan",
]
