"""An HTML table for the self-contained reports (compare's report.html and its robust section)."""

from __future__ import annotations

import html


def html_table(header: list[str], rows: list[list[str]], table_id: str) -> str:
    """A table of escaped text cells in a scrollable wrapper, with an id for the report's style."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="wide"><table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
