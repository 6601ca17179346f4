"""Chart geometry for the server-drawn SVG charts (templates/dashboard/_chart.html draws them).

Charts are plain data (JSON-safe, so they are cached with their section) and carry their own text
values, so a streamed section brings its chart with it and screen readers get the figures.
"""
from __future__ import annotations

from flask_babel import gettext

from app import formats
from app.web.helpers import format_minutes

ROW = 22  # px per horizontal bar (in SVG units; the chart scales to its card)
LABEL_W = 120
VALUE_W = 66
LABEL_CHARS = 19  # what fits LABEL_W at the chart font size
WIDTH = 380


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def N_(message: str) -> str:
    """Marks a message for the catalog and keeps it English: charts are cached (JSON) and streamed to viewers of
    several languages, so the templates translate their titles and empty texts where they are shown."""
    return message


# Labels of our own among people's names (a bar for time on projects without a team or client): translated where shown.
UNNAMED = (N_("No team"), N_("No client"))


def bars(title: str, items: list[tuple[str, float]], empty: str = N_("Nothing tracked yet.")) -> dict:
    """Horizontal bars, one per (label, minutes), longest first as given. Each row keeps its minutes, which the page
    shows in its reader's language (the English text in "value" is what older cached entries have)."""
    peak = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    rows = [
        {"label": _shorten(label), "full_label": label, "value": format_minutes(value), "minutes": value,
         "translate": label in UNNAMED, "y": i * ROW,
         "width": round(span * value / peak, 1) if value else 0}
        for i, (label, value) in enumerate(items)
    ]
    return {"type": "bars", "title": title, "rows": rows, "width": WIDTH, "height": max(ROW, len(rows) * ROW),
            "label_w": LABEL_W, "span": span, "empty": empty if not any(v for _, v in items) else ""}


def columns(title: str, items: list[tuple[str, float]], unit: str = "minutes", days: tuple[str, ...] = ()) -> dict:
    """Vertical columns (a time series), oldest first; unit "minutes" shows hours, "count" plain numbers.

    Each column carries its value as text (above the column when not zero, and in its <title>), and the raw value
    (amount) and, given `days` (ISO dates, one per column), its day: the page writes both in its reader's language."""
    height, base, n = 140, 118, max(1, len(items))
    step = WIDTH / n
    peak = max((v for _, v in items), default=0) or 1
    cols = []
    for i, (label, value) in enumerate(items):
        h = round((base - 14) * value / peak, 1)
        text = format_minutes(value) if unit == "minutes" else str(int(value))
        short = (f"{value / 60:.1f}" if unit == "minutes" else str(int(value))) if value else ""
        cols.append({"label": label, "value": text, "short": short, "amount": value, "unit": unit,
                     "day": days[i] if i < len(days) else None, "x": round(i * step + step * 0.15, 1),
                     "w": round(step * 0.7, 1), "y": round(base - h, 1), "h": h, "cx": round(i * step + step / 2, 1)})
    return {"type": "columns", "title": title, "cols": cols, "width": WIDTH, "height": height, "base": base,
            "empty": "" if any(v for _, v in items) else N_("Nothing yet in this period.")}


def texts(chart: dict) -> list[tuple[str, str, str]]:
    """What the partial writes of each bar or column, in the reader's language: (label, full label, value), formatted
    once per rendering. The partial writes each of them two or three times (the chart's description, the bar's
    title, its axis label); a dashboard job renders its charts for every page that watches, and formatting a date
    or a duration in a language is most of a chart's rendering. "value" and "label" are the English texts that
    older cached entries carry instead of minutes and days."""
    if chart.get("type") == "bars":
        return [_bar_texts(row) for row in chart.get("rows", ())]
    return [_column_texts(col) for col in chart.get("cols", ())]


def _bar_texts(row: dict) -> tuple[str, str, str]:
    label, full = row["label"], row.get("full_label", row["label"])
    if row.get("translate"):
        label, full = gettext(label), gettext(full)
    return label, full, format_minutes(row["minutes"]) if "minutes" in row else row["value"]


def _column_texts(col: dict) -> tuple[str, str, str]:
    label = formats.strftime(col["day"], "%d %b") if col.get("day") else col["label"]
    if "amount" not in col:
        value = col["value"]
    elif col.get("unit") == "minutes":
        value = format_minutes(col["amount"])
    else:
        value = str(int(col["amount"]))
    return label, label, value
