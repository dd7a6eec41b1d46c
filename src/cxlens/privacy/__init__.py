"""Customers' rights under the GDPR: access (export), erasure, and retention periods.

* :func:`customer_export`: everything cxlens holds about one person, as JSON.
* :func:`erase_customer`: that person anonymised everywhere, totals kept.
* :func:`apply_retention`: comments and e-mail addresses past their retention period removed.
* :mod:`cxlens.privacy.register`: the erasures, without the personal data, so that a
  later import of the same person is flagged.
"""

from __future__ import annotations

from cxlens.privacy.erase import Erasure, erase_customer
from cxlens.privacy.export import customer_export
from cxlens.privacy.retention import Retention, apply_retention

__all__ = ["Erasure", "Retention", "apply_retention", "customer_export", "erase_customer"]
