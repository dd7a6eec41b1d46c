"""What the customer analyses return: data frames and plain values.

These types import nothing but pandas, so a command that answers from the
workspace's result store rebuilds them without loading the engine (Ibis) or the
statistics (SciPy). The analyses themselves live in their own modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Cohorts:
    """Cohort retention cells of one definition (first or recurring) and period."""

    cells: pd.DataFrame
    """Long form: ``cohort, offset, customers, cohort_size, share, share_low, share_high``."""
    definition: str
    period: str

    def matrix(self) -> pd.DataFrame:
        """Cohorts as rows, offsets 0, 1, 2, ... as columns, shares (NaN = not yet observed)."""
        return self.cells.pivot(index="cohort", columns="offset", values="share")

    def heatmap(self) -> dict[str, object]:
        """Ready for a heatmap: row labels, column labels, values and sizes (None = not observed)."""
        m = self.matrix()
        sizes = self.cells.groupby("cohort")["cohort_size"].first().reindex(m.index)
        return {
            "definition": self.definition,
            "period": self.period,
            "cohorts": list(m.index),
            "offsets": [int(c) for c in m.columns],
            "cohort_sizes": [int(s) for s in sizes],
            "values": [[None if math.isnan(v) else float(v) for v in row] for row in m.to_numpy()],
        }
