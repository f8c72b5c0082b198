"""The action list as CSV: UTF-8 with a byte-order mark and CRLF line ends, as Excel expects.

Every text cell goes through :func:`store.exports._common.neutralise`, so none can run as a
formula. Dates are ISO (2019-12-20); recommendations are joined as ``"2; 5"``.
"""

from __future__ import annotations

import csv
import io

from store.exports._common import PackContext, action_row, neutralise


def render_csv(ctx: PackContext) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(ctx.action_columns)
    for action in ctx.plan.actions:
        cells = []
        for value in action_row(ctx.plan, action, ctx.theme_names, outcomes=ctx.outcomes):
            safe = neutralise(value)
            if safe is None:
                cells.append("")
            elif hasattr(safe, "isoformat"):
                cells.append(safe.isoformat())
            else:
                cells.append(str(safe))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")
