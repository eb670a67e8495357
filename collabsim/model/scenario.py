"""Scenario files: the TOML schema, validation with clear one-line errors, and --set overrides."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, model_validator

from collabsim.errors import CollabsimInputError
from collabsim.limits import MAX_PARTNERSHIP_MEMBERS, MAX_SEED, widest_partnership
from collabsim.model.organisation_types import SCENARIO_TYPES, SCHOOL, SCHOOL_LEVELS, label_of
from collabsim.model.parameters import MechanismParameters
from collabsim.model.structure import Structure
from collabsim.model.validation import StrictTable, inner_table, validated

SchemeName = Literal[
    "one_off",
    "structural",
    "tapering",
    "matched",
    "challenge_fund",
    "coordinator",
    "mandate",
    "relaxed_rules",
]
FUNDING_SCHEMES = get_args(SchemeName)


class ScenarioMeta(StrictTable):
    """[scenario]: name, description, lesson text, horizon and root seed."""

    name: str = "unnamed"
    description: str = ""
    lesson: str = Field(
        "", description="what the scenario shows in class (the classroom app shows it)"
    )
    steps: int = Field(120, ge=1, le=1200, description="months to simulate")
    seed: int = Field(1, ge=0, le=MAX_SEED, description="root seed")
    partnerships: int = Field(
        1, ge=1, le=5000, description="partnerships formed from the organisations"
    )


class OrganisationGroup(StrictTable):
    """[[organisations]]: a group of organisations of one type (and level for schools)."""

    type: Literal[SCENARIO_TYPES]  # from the table of organisation types
    level: Literal[SCHOOL_LEVELS] | None = None
    count: int = Field(1, ge=0, le=100_000)
    member: bool = Field(True, description="at the table from the start (else a candidate)")

    @model_validator(mode="after")
    def _level_fits_type(self) -> OrganisationGroup:
        if self.type == SCHOOL and self.level is None:
            raise ValueError(f"a school needs a level: one of {', '.join(SCHOOL_LEVELS)}")
        if self.type != SCHOOL and self.level is not None:
            raise ValueError(f"level is only for schools, not for type '{self.type}'")
        return self

    @property
    def label(self) -> str:
        """Short name used for organisations of this group: a label of the organisation types."""
        return label_of(self.type, self.level)


class PartnershipDesign(StrictTable):
    """[partnership]: the design of the collaboration."""

    kind: Literal["operational", "strategic"] = "operational"
    governance: Literal["informal", "covenant", "legal_entity"] = "informal"
    binding: bool = False
    coordinator: bool = False
    meeting_rhythm: Literal["none", "monthly", "weekly"] = "monthly"


class Drivers(StrictTable):
    """[drivers]: initial levels of the four drivers, 0..1."""

    incentives: float = Field(0.3, ge=0, le=1)
    urgency: float = Field(0.5, ge=0, le=1)
    shared_interest: float = Field(0.5, ge=0, le=1)
    trust: float = Field(0.5, ge=0, le=1)


class Conditions(StrictTable):
    """[conditions]: the region's and organisations' conditions, 0..1 unless said."""

    agility: float = Field(0.5, ge=0, le=1)
    staff_turnover: float = Field(0.15, ge=0, le=1, description="liaisons leaving per year")
    regulation_rigidity: float = Field(0.5, ge=0, le=1)
    demand_volatility: float = Field(0.3, ge=0, le=1)
    staff_shortage: float = Field(0.3, ge=0, le=1)
    culture_distance: float = Field(0.3, ge=0, le=1)
    orientation: float = Field(0.5, ge=0, le=1, description="ego 0 ... eco 1")


class Funding(StrictTable):
    """[[policy.funding]]: one policy instrument in force for a period."""

    name: str = "funding"
    scheme: SchemeName = "one_off"
    start: int = Field(0, ge=0, description="months before it starts (0: from the first month)")
    duration: int = Field(48, ge=1, le=1200, description="months in force")
    amount: float = Field(0.0, ge=0, le=1e12, description="euros over the whole duration")
    awards: int = Field(4, ge=1, le=10_000, description="challenge fund: awards granted")
    match_share: float = Field(0.5, ge=0, le=1, description="matched: partners' co-investment")
    rigidity_reduction: float = Field(0.5, ge=0, le=1, description="relaxed_rules: cut")

    @property
    def end(self) -> int:
        """Last month in force (months count from 1)."""
        return self.start + self.duration


class Policy(StrictTable):
    """[policy]: the instruments in force."""

    funding: list[Funding] = Field(default_factory=list)


class Scenario(StrictTable):
    """A whole scenario: region, organisations, partnership design, drivers, conditions, policy."""

    scenario: ScenarioMeta = Field(default_factory=ScenarioMeta)
    organisations: list[OrganisationGroup] = Field(default_factory=list)
    partnership: PartnershipDesign = Field(default_factory=PartnershipDesign)
    drivers: Drivers = Field(default_factory=Drivers)
    conditions: Conditions = Field(default_factory=Conditions)
    policy: Policy = Field(default_factory=Policy)
    parameters: MechanismParameters = Field(default_factory=MechanismParameters)
    structure: Structure = Field(default_factory=Structure)

    @model_validator(mode="after")
    def _enough_members(self) -> Scenario:
        if not self.organisations:
            raise ValueError("no [[organisations]]: a partnership needs at least two members")
        members = sum(g.count for g in self.organisations if g.member)
        if members < 2 * self.scenario.partnerships and members < 2:
            raise ValueError("a partnership needs at least two member organisations")
        widest = widest_partnership(self)
        if widest > MAX_PARTNERSHIP_MEMBERS:
            raise ValueError(
                f"the largest partnership would have {widest} organisations; the model runs at "
                f"most {MAX_PARTNERSHIP_MEMBERS} per partnership (its pair arrays grow with the "
                "square): spread them over more [scenario] partnerships"
            )
        for f in self.policy.funding:
            if f.start >= self.scenario.steps:
                raise ValueError(
                    f"funding '{f.name}' starts in month {f.start}, after the horizon "
                    f"of {self.scenario.steps} months"
                )
        return self

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (for manifests and TOML)."""
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- loading


def validate_scenario(data: dict[str, Any], source: str | Path | None = None) -> Scenario:
    """Validate plain data into a Scenario, or raise one clear CollabsimInputError."""
    return validated(Scenario, data, str(source) if source is not None else "scenario")


MAX_FILE_BYTES = 10_000_000


def read_text_file(path: str | Path, kind: str, folder: str, expected: str = "") -> str:
    """The text of a small UTF-8 input file (a BOM is allowed), or one clear line saying why not.

    At most MAX_FILE_BYTES are read, so a huge file (or /dev/zero) is refused unread; `expected`
    says in the message for an empty file what the file should hold."""
    p = Path(path)
    if not p.exists():
        raise CollabsimInputError(f"{p}: no such {kind} file; check the path (try {folder})")
    if p.is_dir():
        raise CollabsimInputError(f"{p}: is a folder, not a {kind} file")
    with open(p, "rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise CollabsimInputError(
            f"{p}: too large for a {kind} file (more than {MAX_FILE_BYTES:,} bytes)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CollabsimInputError(
            f"{p}: not a UTF-8 text file (byte {exc.start}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise CollabsimInputError(f"{p}: holds NUL bytes, so it is not a text file")
    if not text.strip():
        raise CollabsimInputError(
            f"{p}: the file is empty; "
            + (f"expected {expected}" if expected else f"see {folder} for examples")
        )
    return text


def parse_toml(text: str, where: str) -> dict:
    """Parse TOML text, turning broken syntax or absurd nesting into one clear line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CollabsimInputError(
            f"{where}: not valid TOML ({exc}); fix the syntax there"
        ) from None
    except RecursionError:
        raise CollabsimInputError(
            f"{where}: arrays or tables are nested too deeply to read; flatten them"
        ) from None


def read_toml(path: str | Path, kind: str = "scenario", folder: str = "scenarios/") -> dict:
    """Read a TOML file, turning a missing, broken, empty or binary file into one clear line."""
    return parse_toml(read_text_file(path, kind, folder), str(path))


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load and validate a scenario TOML file, applying KEY=VALUE overrides."""
    data = read_toml(path)
    if overrides:
        data = apply_overrides(data, overrides, source=str(path))
    scenario = validate_scenario(data, source=path)
    if scenario.scenario.name == "unnamed":
        scenario.scenario.name = Path(path).stem
    return scenario


# --------------------------------------------------------------------------- overrides


def _parse_value(text: str, key: str) -> Any:
    """Parse a --set value as TOML (numbers, booleans, strings, arrays); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise CollabsimInputError(
            f"--set {key}: the value is nested too deeply to read; flatten it"
        ) from None


def _valid_keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _section_model(section: str) -> type[BaseModel] | None:
    field = Scenario.model_fields.get(section)
    return inner_table(field.annotation) if field is not None else None


def _check_override_key(key: str, source: str) -> list[str | int]:
    """Split 'section.key' (or 'section.N.key' for lists) and check it names a real key."""
    parts: list[str | int] = [int(p) if p.isascii() and p.isdigit() else p for p in key.split(".")]
    if len(parts) < 2 or not isinstance(parts[0], str):
        raise CollabsimInputError(f"--set {key}: use SECTION.KEY=VALUE, e.g. drivers.urgency=0.3")
    section = parts[0]
    if section not in Scenario.model_fields:
        guess = difflib.get_close_matches(section, list(Scenario.model_fields), n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        raise CollabsimInputError(f"--set {key}: unknown section '{section}'{hint}")
    model = _section_model(section)
    if section == "policy" and len(parts) >= 2 and parts[1] == "funding":
        model = Funding
        leaf_parts = [p for p in parts[2:] if isinstance(p, str)]
    elif section == "organisations":
        model = OrganisationGroup
        leaf_parts = [p for p in parts[1:] if isinstance(p, str)]
    else:
        leaf_parts = [p for p in parts[1:] if isinstance(p, str)]
    if model is not None and leaf_parts:
        leaf = leaf_parts[-1]
        valid = _valid_keys(model)
        if leaf not in valid:
            guess = difflib.get_close_matches(leaf, valid, n=1)
            hint = f"; did you mean '{section}.{guess[0]}'?" if guess else ""
            raise CollabsimInputError(f"--set {key}: '{leaf}' is not a key of [{section}]{hint}")
    return parts


def _override_parent(data: dict[str, Any], parts: list[str | int], key: str, source: str) -> dict:
    """The table that the last part of an override key names a value in (made if missing)."""
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not isinstance(part, int):
                raise CollabsimInputError(
                    f"--set {key}: '{part}' is not an entry number; entries count from 0, "
                    f"e.g. {'.'.join(map(str, parts[:i]))}.0.{parts[-1]}"
                )
            if part >= len(node):
                raise CollabsimInputError(f"--set {key}: there is no entry {part} in {source}")
        elif not isinstance(node, dict):
            raise CollabsimInputError(
                f"--set {key}: {'.'.join(map(str, parts[:i]))} is a value, not a table"
            )
        elif isinstance(part, int):
            raise CollabsimInputError(f"--set {key}: {parts[i - 1]} has no numbered entries")
        elif part not in node:
            node[part] = [] if isinstance(parts[i + 1], int) else {}
        node = node[part]
    if isinstance(parts[-1], int):
        raise CollabsimInputError(f"--set {key}: the key must end in a name")
    if isinstance(node, list):
        raise CollabsimInputError(
            f"--set {key}: name an entry, e.g. {key.rsplit('.', 1)[0]}.0.{parts[-1]}"
        )
    if not isinstance(node, dict):
        raise CollabsimInputError(f"--set {key}: {key.rsplit('.', 1)[0]} is a value, not a table")
    return node


def apply_overrides(
    data: dict[str, Any], overrides: list[str], source: str = "scenario"
) -> dict[str, Any]:
    """Return a copy of data with each 'section.key=value' override applied."""
    import copy

    out = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise CollabsimInputError(
                f"--set {item}: missing '='; use SECTION.KEY=VALUE, e.g. drivers.urgency=0.3"
            )
        key, _, raw = item.partition("=")
        key = key.strip()
        parts = _check_override_key(key, source)
        node = _override_parent(out, parts, key, source)
        node[parts[-1]] = _parse_value(raw.strip(), key)
    return out


def with_steps(scenario: Scenario, steps: int | None) -> Scenario:
    """The scenario with another horizon (months), validated."""
    if steps is None:
        return scenario
    data = scenario.to_dict()
    data["scenario"]["steps"] = steps
    return validate_scenario(data, source="--steps")


def scenario_from_dict(data: dict[str, Any], overrides: list[str] | None = None) -> Scenario:
    """Build a scenario from plain data (as the app and the sweeps do)."""
    if overrides:
        data = apply_overrides(data, overrides)
    return validate_scenario(data)
