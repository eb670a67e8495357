"""Reading the partners' answers: a CSV (one row per respondent) or TOML ([[respondent]]) file.

Every rule an answers file must keep (docs/scan.md §2) is checked here, and a broken rule ends in
one line that names the file, the row or respondent and the item: an answer outside 1–5, an
unknown item or organisation type, a column or an item given twice, a row with fewer or more
cells than the header, one person answering twice, fewer than two organisations. Organisation
types (and the other words for them, such as 'bedrijf') come from the table of organisation types.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collabsim.apps.scan.questionnaire import Questionnaire
from collabsim.errors import CollabsimInputError
from collabsim.model.organisation_types import ALIASES, ORG_LABELS

RESPONDENT_TYPES = ORG_LABELS
TYPE_ALIASES = ALIASES


@dataclass
class Respondent:
    """One row of answers: who answered, for which organisation, and the scores (None: missing)."""

    row: str  # where in the file, e.g. "row 3"
    organisation: str
    type: str
    answers: dict[str, int | None]
    name: str = ""


def _parse_answer(value: Any, where: str, item_id: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == "" or text.lower() in ("na", "n/a", "-", "?"):
            return None
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise CollabsimInputError(
                f"{where}, item {item_id}: answer '{text}' is not a number; answer 1–5 "
                "(or leave it empty)"
            ) from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise CollabsimInputError(f"{where}, item {item_id}: answer {value!r} is not a number 1–5")
    else:
        number = float(value)
    if not 1 <= number <= 5:
        raise CollabsimInputError(
            f"{where}, item {item_id}: answer {value} is outside 1–5 "
            "(1 = strongly disagree ... 5 = strongly agree)"
        )
    if number != int(number):
        raise CollabsimInputError(
            f"{where}, item {item_id}: answer {value} is not a whole number 1–5"
        )
    return int(number)


def _respondent(
    where: str, fields: dict[str, Any], answers: dict[str, Any], q: Questionnaire
) -> Respondent:
    raw_type = str(fields.get("type") or "").strip().lower()
    organisation = str(fields.get("organisation") or "").strip()
    who = f"{where} ({organisation})" if organisation else where
    if not raw_type:
        raise CollabsimInputError(
            f"{who}, item type: no organisation type; use one of {', '.join(RESPONDENT_TYPES)}"
        )
    kind = TYPE_ALIASES.get(raw_type, raw_type)
    if kind not in RESPONDENT_TYPES:
        raise CollabsimInputError(
            f"{who}, item type: '{raw_type}' is not an organisation type; use one of "
            f"{', '.join(RESPONDENT_TYPES)}"
        )
    known = set(q.ids)
    for item_id in answers:
        if item_id not in known:
            raise _unknown_item(where, item_id, q)
    parsed = {i: _parse_answer(answers.get(i), who, i) for i in q.ids}
    return Respondent(
        where,
        organisation or f"{kind} ({where})",
        kind,
        parsed,
        str(fields.get("respondent") or fields.get("name") or "").strip(),
    )


INFO_COLUMNS = ("organisation", "type", "respondent", "name")


def _column(k: int) -> str:
    """A spreadsheet's name of the k-th column (1 → A, 27 → AA), to find it in Excel."""
    letters = ""
    while k > 0:
        k, rest = divmod(k - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _unknown_item(where: str, item_id: str, q: Questionnaire) -> CollabsimInputError:
    guess = difflib.get_close_matches(item_id, q.ids, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return CollabsimInputError(
        f"{where}, item {item_id}: unknown item{hint} (items: {', '.join(q.ids)})"
    )


def _csv_header(path: Path, n: int, row: list[str], q: Questionnaire) -> list[str]:
    """The header's column names: each known and given once (empty columns at the right end,
    as spreadsheets sometimes export them, are dropped)."""
    header = [c.strip() for c in row]
    while header and not header[-1]:
        header.pop()
    where = f"{path}: row {n} (header)"
    if "type" not in [c.lower() for c in header]:
        raise CollabsimInputError(
            f"{where}, item type: no 'type' column; the header needs organisation, type and the "
            "item ids (e.g. inc1, urg1, ...)"
        )
    seen: dict[str, int] = {}
    for k, col in enumerate(header, start=1):
        if not col:
            raise CollabsimInputError(
                f"{where}, column {k} ({_column(k)}): the column has no name; name it (an item id "
                "such as inc1, or organisation, type, respondent) or delete the column"
            )
        key = col.lower() if col.lower() in INFO_COLUMNS else col
        if key not in INFO_COLUMNS and key not in q.ids:
            raise _unknown_item(where, col, q)
        if key in seen:
            j = seen[key]
            raise CollabsimInputError(
                f"{where}, column {k} ({_column(k)}): '{col}' is already column {j} "
                f"({_column(j)}); keep one '{col}' column (delete or rename the other)"
            )
        seen[key] = k
    return [col.lower() if col.lower() in INFO_COLUMNS else col for col in header]


def _read_csv(path: Path, text: str, q: Questionnaire) -> list[Respondent]:
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), dialect))  # \r, \n or \r\n
    except csv.Error as exc:
        raise CollabsimInputError(
            f"{path}: not a readable CSV ({exc}); save it from the spreadsheet as CSV (UTF-8)"
        ) from None
    # rows as a spreadsheet numbers them (a quoted cell may span lines); blank rows are skipped
    rows = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise CollabsimInputError(
            f"{path}: the file has no rows with text; expected a header "
            "'organisation,type,<item ids>' and one row per respondent"
        )
    header = _csv_header(path, rows[0][0], rows[0][1], q)
    if len(rows) < 2:
        raise CollabsimInputError(f"{path}: no respondents; the file has only a header row")
    out = []
    for n, row in rows[1:]:
        cells = [c.strip() for c in row]
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise CollabsimInputError(
                f"{path}: row {n}: {len(cells)} cells but the header has {len(header)} columns; "
                f"cell {len(header) + 1} ({_column(len(header) + 1)}) onwards has no column name"
            )
        if len(cells) < len(header):
            raise CollabsimInputError(
                f"{path}: row {n}: {len(cells)} cells but the header has {len(header)} columns; "
                "give every row a cell for every column (leave a cell empty for a missing "
                "answer, e.g. '3,,4')"
            )
        named = dict(zip(header, cells, strict=False))
        fields = {c: v for c, v in named.items() if c in INFO_COLUMNS}
        answers = {c: v for c, v in named.items() if c not in INFO_COLUMNS}
        out.append(_respondent(f"{path}: row {n}", fields, answers, q))
    return out


def _read_toml(path: Path, text: str, q: Questionnaire) -> list[Respondent]:
    from collabsim.model.scenario import parse_toml

    data = parse_toml(text, str(path))
    for key in data:
        if key != "respondent":
            raise CollabsimInputError(
                f"{path}: '{key}' is not part of an answers file; it holds [[respondent]] tables "
                "(organisation, type, respondent, [respondent.answers])"
            )
    people = data.get("respondent", [])
    if not isinstance(people, list):
        raise CollabsimInputError(
            f"{path}: 'respondent' must be [[respondent]] tables, one per respondent"
        )
    if not people:
        raise CollabsimInputError(
            f"{path}: no respondents; add [[respondent]] tables with organisation, type, answers"
        )
    out = []
    for n, raw in enumerate(people, start=1):
        where = f"{path}: respondent {n}"
        if not isinstance(raw, dict):
            raise CollabsimInputError(f"{where}: must be a [[respondent]] table")
        for key in INFO_COLUMNS:
            if key in raw and not isinstance(raw[key], str):
                raise CollabsimInputError(
                    f'{where}, {key}: {raw[key]!r} must be text in quotes, e.g. {key} = "..."'
                )
        given = raw.get("answers", {})
        if not isinstance(given, dict):
            raise CollabsimInputError(
                f"{where}, answers: must be a table of item = answer, e.g. "
                "[respondent.answers] with inc1 = 4"
            )
        answers = dict(given)
        for key in set(raw) - {*INFO_COLUMNS, "answers"}:  # answers may sit in the table itself
            if key in answers:
                raise CollabsimInputError(
                    f"{where}, item {key}: given twice (in [respondent.answers] and in "
                    "[[respondent]] itself); keep one"
                )
            answers[key] = raw[key]
        out.append(_respondent(where, raw, answers, q))
    return out


def read_answers(path: str | Path, q: Questionnaire) -> list[Respondent]:
    """Read a CSV (one row per respondent) or TOML ([[respondent]]) file of scan answers.

    A byte-order mark (as Excel and Notepad write) is accepted; a column or an item given twice,
    a row with fewer or more cells than the header, and a respondent given twice are errors."""
    from collabsim.model.scenario import read_text_file

    p = Path(path)
    toml = p.suffix.lower() == ".toml"
    expected = (
        "[[respondent]] tables with organisation, type and answers"
        if toml
        else "a header 'organisation,type,<item ids>' and one row per respondent"
    )
    text = read_text_file(p, "answers", "scenarios/scan/examples/", expected)
    people = _read_toml(p, text, q) if toml else _read_csv(p, text, q)
    check_people(people, str(p))
    check_unique(people)
    return people


def check_unique(people: list[Respondent]) -> None:
    """Each person answers once: the same organisation and respondent twice is an error, and so
    are two unnamed rows of one organisation with the same answers (a copied row)."""

    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()

    seen: dict[tuple, Respondent] = {}
    for r in people:
        org = norm(r.organisation)
        if r.name:
            key: tuple = (org, norm(r.name))
        else:
            key = (org, r.type, tuple(r.answers.get(i) for i in sorted(r.answers)))
        first = seen.setdefault(key, r)
        if first is r:
            continue
        there = first.row.rsplit(": ", 1)[-1]
        if r.name:
            raise CollabsimInputError(
                f"{r.row}: the same respondent as {there} ('{r.name}' of {r.organisation}); "
                "each person answers once, so delete one of the two (or correct the name)"
            )
        raise CollabsimInputError(
            f"{r.row}: a copy of {there} ({r.organisation}, the same answers, no respondent "
            "name); delete the copy, or if they are two people, name them in a respondent column"
        )


def check_people(people: list[Respondent], source: str) -> None:
    """One organisation has one type; a partnership needs at least two organisations."""
    from collabsim.limits import MAX_PARTNERSHIP_MEMBERS

    if not people:
        raise CollabsimInputError(f"{source}: no respondents")
    types: dict[str, str] = {}
    for r in people:
        if types.setdefault(r.organisation, r.type) != r.type:
            raise CollabsimInputError(
                f"{r.row}, item type: organisation '{r.organisation}' is '{r.type}' here but "
                f"'{types[r.organisation]}' in an earlier row"
            )
    if len(types) < 2:
        raise CollabsimInputError(
            f"{source}: answers from only one organisation ({next(iter(types))}); a partnership "
            "needs at least two"
        )
    if len(types) > MAX_PARTNERSHIP_MEMBERS:
        raise CollabsimInputError(
            f"{source}: answers from {len(types)} organisations; the model runs partnerships of "
            f"at most {MAX_PARTNERSHIP_MEMBERS} members"
        )


def write_answers_csv(people: list[Respondent], q: Questionnaire, path: Path) -> Path:
    """Save answers as the CSV `collabsim scan` reads."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["organisation", "type", "respondent", *q.ids])
        for r in people:
            w.writerow(
                [r.organisation, r.type, r.name]
                + ["" if r.answers[i] is None else r.answers[i] for i in q.ids]
            )
    return path
