"""Organisation types: one row per type, and every module that treats the types differently reads
this table (region's profiles, the agent classes, the scenario's allowed `type` and `level`, the
classroom app's and the scan's names and colours, the Dutch timeline).

Adding a type is adding one row. The numbers are judgements distilled from the sources (ODD §5.3):
the technical-education programme (vmbo wants an offer that fits mbo and regional demand; mbo
wants inflow and continuous pathways), the learning-region review (hbo: innovation, lifelong
learning); schools are vertical organisations, firms horizontal (STO programme); teacher shortage
hits schools hardest. Profiles are over collabsim.model.region.THEMES, in that order:
skilled_technicians, current_curriculum, lifelong_learning, regional_innovation.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL = "school"  # the scenario's `type` of the school rows; their label is the `level`

# The links of the regional chain (docs/ODD.md §7.11): pupils who choose technology (vmbo),
# vocational training (mbo), research and higher training (hbo), work placements and jobs
# (firms), and the region's own agenda, space and money (municipality). Each type brings one.
ROLES = ("inflow", "training", "research", "practice", "region")


@dataclass(frozen=True)
class OrganisationType:
    """One kind of organisation: how the model, the scenario files and the apps know it."""

    label: str  # the model's name: organisations are called "<label>-<k>"; a school's level
    scenario_type: str  # [[organisations]] type = ...: "school" (then level = label) or the label
    agent: str  # its Mesa agent class in collabsim.model.agents
    interest: tuple[float, ...]  # what it cares about: Dirichlet weights over the themes
    knowledge: tuple[float, ...]  # what it brings to joint action, per theme
    role: str  # its link in the chain (ROLES): what no other kind at the table can supply
    culture_leaning: float  # vertical (+1) .. horizontal (-1) organisation
    shortage_exposure: float  # how hard staff shortage bites its capacity (0..1)
    name_en: str  # the type's name in English texts (the app's legend, the scan)
    name_nl: str  # ... and in Dutch (the app, the timeline; also accepted as a scan answer)
    app_colour: str  # its colour in the classroom app's network
    figure_colour: str  # its colour in static figures (the scan's disagreement view)
    scan_candidate: str  # the scan adds it as a candidate when nobody of it answered: in
    # "all" partnerships, "strategic" ones only, or "" never
    aliases: tuple[str, ...] = ()  # further words a scan respondent may write for the type

    @property
    def is_school(self) -> bool:
        """A vmbo, mbo or hbo school."""
        return self.scenario_type == SCHOOL


# fmt: off
_ROWS = (
    OrganisationType(
        "vmbo", SCHOOL, "School",
        interest=(0.30, 0.50, 0.05, 0.15), knowledge=(0.20, 0.60, 0.05, 0.10),
        role="inflow", culture_leaning=1.0, shortage_exposure=1.0,
        name_en="vmbo", name_nl="vmbo", app_colour="#e377c2", figure_colour="#7570b3",
        scan_candidate="",
    ),
    OrganisationType(
        "mbo", SCHOOL, "School",
        interest=(0.45, 0.35, 0.10, 0.10), knowledge=(0.50, 0.80, 0.40, 0.20),
        role="training", culture_leaning=1.0, shortage_exposure=1.0,
        name_en="mbo", name_nl="mbo", app_colour="#1f77b4", figure_colour="#1b9e77",
        scan_candidate="all",
    ),
    OrganisationType(
        "hbo", SCHOOL, "School",
        interest=(0.10, 0.20, 0.30, 0.40), knowledge=(0.30, 0.50, 0.60, 0.90),
        role="research", culture_leaning=0.5, shortage_exposure=0.7,
        name_en="hbo", name_nl="hbo", app_colour="#17becf", figure_colour="#66a61e",
        scan_candidate="strategic",
    ),
    OrganisationType(
        "firm", "firm", "Firm",
        interest=(0.50, 0.10, 0.10, 0.30), knowledge=(0.95, 0.40, 0.50, 0.70),
        role="practice", culture_leaning=-1.0, shortage_exposure=0.5,
        name_en="firm", name_nl="bedrijf", app_colour="#ff7f0e", figure_colour="#d95f02",
        scan_candidate="all", aliases=("company",),
    ),
    OrganisationType(
        "municipality", "municipality", "Municipality",
        interest=(0.25, 0.05, 0.35, 0.35), knowledge=(0.20, 0.10, 0.60, 0.50),
        role="region", culture_leaning=0.5, shortage_exposure=0.4,
        name_en="municipality", name_nl="gemeente", app_colour="#2ca02c", figure_colour="#e7298a",
        scan_candidate="all",
    ),
)
# fmt: on

ORGANISATION_TYPES: dict[str, OrganisationType] = {t.label: t for t in _ROWS}
"""Every organisation type by its label, in the table's order."""

ORG_LABELS: tuple[str, ...] = tuple(ORGANISATION_TYPES)
SCHOOL_LEVELS: tuple[str, ...] = tuple(t.label for t in _ROWS if t.is_school)
SCENARIO_TYPES: tuple[str, ...] = tuple(dict.fromkeys(t.scenario_type for t in _ROWS))
"""The values of [[organisations]] type, in the table's order (school first)."""

_ALIAS_PAIRS = [
    (word, t.label) for t in _ROWS for word in (t.name_en, t.name_nl, *t.aliases) if word != t.label
]
ALIASES: dict[str, str] = dict(_ALIAS_PAIRS)
"""Other words for a type (its Dutch name, 'company') → its label."""


def label_of(scenario_type: str, level: str | None) -> str:
    """The label of an [[organisations]] group: a school's level, else its type."""
    return level if scenario_type == SCHOOL and level is not None else scenario_type


def scenario_group(label: str) -> dict[str, str]:
    """The [[organisations]] keys that name a type: {"type": ...} and a school's "level"."""
    t = ORGANISATION_TYPES[label]
    return {"type": SCHOOL, "level": label} if t.is_school else {"type": t.scenario_type}


def type_name(label: str, language: str = "en") -> str:
    """A type's name in English ("en") or Dutch ("nl"); an unknown label is its own name."""
    t = ORGANISATION_TYPES.get(label)
    if t is None:
        return label
    return t.name_nl if language == "nl" else t.name_en


def _check_table() -> None:
    """The table is consistent: unique labels, profiles of one length, known candidacy."""
    if len(ORGANISATION_TYPES) != len(_ROWS):
        raise ValueError("organisation types: two rows share a label")
    widths = {len(t.interest) for t in _ROWS} | {len(t.knowledge) for t in _ROWS}
    if len(widths) != 1:
        raise ValueError("organisation types: interest and knowledge need one value per theme")
    for t in _ROWS:
        if t.role not in ROLES:
            raise ValueError(f"organisation type {t.label}: role '{t.role}' is not one of {ROLES}")
        if t.scan_candidate not in ("", "all", "strategic"):
            raise ValueError(f"organisation type {t.label}: scan_candidate '{t.scan_candidate}'")
        if not t.is_school and t.scenario_type != t.label:
            raise ValueError(f"organisation type {t.label}: a non-school's type is its label")
    if len(ALIASES) != len(_ALIAS_PAIRS) or set(ALIASES) & set(ORG_LABELS):
        raise ValueError("organisation types: an alias names two types")


_check_table()
