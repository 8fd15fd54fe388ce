"""The four subgraphs by agency (demo.agencies.AGENCIES' names), in the order they compose."""

from __future__ import annotations

from bench.subgraphs import civil, education, social, tax
from bench.subgraphs.service import Agency

AGENCIES: dict[str, Agency] = {
    "civil": civil.AGENCY,
    "social": social.AGENCY,
    "tax": tax.AGENCY,
    "education": education.AGENCY,
}
