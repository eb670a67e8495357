"""Mesa agents: schools, firms and municipalities, and the partnership they form.

Agents are thin views onto the model's arrays (collabsim.model.region): the model updates every
organisation of every partnership at once, and an agent reads its own rows.
"""

from __future__ import annotations

import mesa
import numpy as np

from collabsim.model.organisation_types import ORGANISATION_TYPES


class Organisation(mesa.Agent):
    """An organisation in the region: a view onto its state in every partnership it belongs to."""

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.name = model.orgs.names[index]
        self.label = model.orgs.labels[index]

    def _slots(self) -> tuple[np.ndarray, np.ndarray]:
        st = self.model.state
        return np.nonzero((st.slot_org == self.index) & st.member)

    def _mean(self, values: np.ndarray) -> float:
        p, s = self._slots()
        return float(values[p, s].mean()) if len(p) else 0.0

    @property
    def capacity(self) -> float:
        """Staff time the organisation can give (0..1)."""
        return float(self.model.orgs.capacity[self.index])

    @property
    def orientation(self) -> float:
        """Ego (0) to eco (1) orientation."""
        return float(self.model.orgs.orientation[self.index])

    @property
    def culture(self) -> float:
        """Horizontal (0) to vertical (1) organisation."""
        return float(self.model.orgs.culture[self.index])

    @property
    def urgency(self) -> float:
        """Urgency felt, averaged over the partnerships it is at the table of."""
        return self._mean(self.model.state.urgency)

    @property
    def engagement(self) -> float:
        """Share of capacity invested, averaged over its partnerships."""
        return self._mean(self.model.state.engagement)

    @property
    def interests(self) -> np.ndarray:
        """What it cares about, as shares over the themes."""
        p, s = self._slots()
        st = self.model.state
        return st.interests[p, s].mean(axis=0) if len(p) else np.zeros(st.interests.shape[2])

    @property
    def liaison_tenure_months(self) -> float:
        """Months its liaison has been in post (mean over partnerships)."""
        return self._mean(self.model.state.tenure_months)

    @property
    def partnerships(self) -> list[str]:
        """Names of the partnerships it is at the table of."""
        p, _ = self._slots()
        return [self.model.state.names[i] for i in p]


class School(Organisation):
    """A school (vmbo, mbo or hbo: the types whose scenario type is 'school')."""

    @property
    def level(self) -> str:
        """Its level: the label, e.g. vmbo, mbo or hbo."""
        return self.label


class Firm(Organisation):
    """A firm: interests lean to labour supply and innovation."""


class Municipality(Organisation):
    """A municipality: interests lean to regional economy, youth and lifelong learning."""


_CLASSES = {cls.__name__: cls for cls in (School, Firm, Municipality)}
# The agent class of each organisation type, as the table of types names it.
AGENT_CLASS = {label: _CLASSES[t.agent] for label, t in ORGANISATION_TYPES.items()}


class Partnership:
    """A model-held view onto one partnership: members, trust, agenda, governance and phase."""

    def __init__(self, model, row: int) -> None:
        self.model = model
        self.row = row
        self.name = model.state.names[row]

    @property
    def members(self) -> list[Organisation]:
        """Organisations at the table now."""
        st = self.model.state
        return [self.model.organisations[i] for i in st.slot_org[self.row][st.member[self.row]]]

    @property
    def kind(self) -> str:
        """operational or strategic."""
        return "operational" if self.model.state.operational[self.row] else "strategic"

    @property
    def governance(self) -> str:
        """informal, covenant or legal_entity."""
        from collabsim.model.region import GOVERNANCE_BY_FORMALITY

        return GOVERNANCE_BY_FORMALITY[float(self.model.state.formality[self.row])]

    @property
    def trust(self) -> np.ndarray:
        """Pairwise trust between members (rows and columns in the order of `members`)."""
        from collabsim.mechanisms.trust_views import effective_trust

        st = self.model.state
        m = st.member[self.row]
        return effective_trust(st, self.model.prm)[self.row][np.ix_(m, m)]

    @property
    def agenda(self) -> np.ndarray:
        """Shares of the agenda over the themes."""
        return self.model.state.agenda[self.row].copy()

    @property
    def public_value(self) -> float:
        """Public value produced so far."""
        return float(self.model.state.public_value[self.row])

    @property
    def phase(self) -> str:
        """forming, active, struggling, dormant or dissolved."""
        from collabsim.model.region import PHASES

        return PHASES[int(self.model.state.phase[self.row])]
