"""The row rules of ``validate`` as Frictionless checks, so they land in the same report as
schema errors when Frictionless reads the package (see ``validate.frictionless_problems``).

Kept apart so that validating with the one-pass reader never imports Frictionless.
"""

from __future__ import annotations

import attrs
import frictionless
from frictionless import errors as ferrors

from . import rules
from .validate import QUOTED_VALUE_RESOURCES, figure_value_notes, period_order_notes


@attrs.define(kw_only=True, repr=False)
class period_order(frictionless.Check):
    """period_end is on or after period_start, in any resource that has both."""

    type = "period-order"
    Errors = [ferrors.CellError]

    def validate_row(self, row):
        if not {"period_start", "period_end"} <= set(row.field_names):
            return
        for field, note in period_order_notes(row):
            yield ferrors.CellError.from_row(row, note=note, field_name=field)


@attrs.define(kw_only=True, repr=False)
class figure_value(frictionless.Check):
    """A figure's (or authority report's) value columns match its value_kind; its quote contains its numbers."""

    type = "figure-value"
    Errors = [ferrors.CellError]

    def validate_start(self):
        self.record_sources, self.sources = set(), None
        package = getattr(self.resource, "package", None)
        if self.resource.name in QUOTED_VALUE_RESOURCES and package is not None and package.has_resource("sources"):
            with package.get_resource("sources") as sources:
                rows = list(sources.row_stream)
            # A sources file without these columns (its path naming another table's file) has
            # its header reported; read here, it was a KeyError's traceback.
            if rows and {"source_id", "kind"} <= set(rows[0].field_names):
                self.record_sources = {row["source_id"] for row in rows if row["kind"] in rules.RECORD_SOURCE_KINDS}
                self.sources = {row["source_id"] for row in rows}
        return []

    def validate_row(self, row):
        if self.resource.name not in QUOTED_VALUE_RESOURCES:
            return
        for field, note in figure_value_notes(row, self.record_sources, row.error_cells, self.sources):
            yield ferrors.CellError.from_row(row, note=note, field_name=field)


CHECKS = [period_order(), figure_value()]
