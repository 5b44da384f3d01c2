"""The digest's chart as a PNG: meetings per week, the share of pairs on rhythm, and the
check-in scores. Drawn with matplotlib's object API on the Agg backend (no pyplot, no
display, safe in a worker thread), sized for a phone screen.

The outbox stores the chart's *data* (`to_payload`), not the picture: the delivery
worker draws it just before sending (`render_payload`). Drawing is deterministic (no
timestamps in the file), so a retried send uploads the same bytes, and outbox rows stay
small (a few hundred bytes instead of tens of kilobytes).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.domain import policy
from bot.domain.digest import Chart
from bot.runtime.i18n import _, ngettext, use_language

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 9.0, 120  # 720 × 1080 pixels: a phone screen's shape
BAR = "#2f6db5"
LINE = "#1b8a5a"
SCORE_COLOURS = ("#c0392b", "#e67e22", "#f1c40f", "#7fb77e", "#1b8a5a")


def to_payload(chart: Chart, language: str, title: str) -> dict[str, Any]:
    return {
        "kind": "digest_chart",
        "language": language,
        "title": title,
        "weeks": [d.isoformat() for d in chart.week_starts],
        "meetings": list(chart.meetings),
        "on_rhythm": list(chart.on_rhythm),
        "scores": list(chart.scores),
    }


def from_payload(payload: dict[str, Any]) -> tuple[Chart, str, str]:
    chart = Chart(
        week_starts=tuple(date.fromisoformat(d) for d in payload["weeks"]),
        meetings=tuple(int(n) for n in payload["meetings"]),
        on_rhythm=tuple(None if v is None else float(v) for v in payload["on_rhythm"]),
        scores=tuple(int(n) for n in payload["scores"]),
    )
    return chart, str(payload.get("language") or "nb"), str(payload.get("title") or "")


def render_payload(payload: dict[str, Any]) -> bytes:
    if payload.get("kind") != "digest_chart":
        raise ValueError(f"unknown photo kind {payload.get('kind')!r}")
    chart, language, title = from_payload(payload)
    return render(chart, language, title)


def render(chart: Chart, language: str, title: str) -> bytes:
    """The PNG bytes of the chart, with texts in `language`."""
    buffer = io.BytesIO()
    # No "Software" or date in the file: the same data gives the same bytes.
    draw(chart, language, title).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def draw(chart: Chart, language: str, title: str) -> Figure:
    """The chart's figure, with texts in `language`."""
    with use_language(language):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontsize=15, fontweight="bold")
        top, middle, bottom = figure.subplots(3, 1)
        labels = [_week_label(d) for d in chart.week_starts]
        positions = list(range(len(labels)))

        top.bar(positions, chart.meetings, color=BAR)
        _counts_from_zero(top, chart.meetings)
        top.set_title(_("Meetings per week"), fontsize=13, loc="left")
        top.set_xticks(positions, labels, fontsize=9, rotation=0)
        top.yaxis.get_major_locator().set_params(integer=True)
        top.tick_params(axis="y", labelsize=10)
        top.spines[["top", "right"]].set_visible(False)

        shares = [None if v is None else 100 * v for v in chart.on_rhythm]
        xs = [x for x, v in zip(positions, shares, strict=True) if v is not None]
        ys = [v for v in shares if v is not None]
        middle.plot(xs, ys, color=LINE, marker="o", linewidth=2.5)
        middle.set_ylim(0, 105)
        middle.set_title(_("Pairs on rhythm (%)"), fontsize=13, loc="left")
        middle.set_xticks(positions, labels, fontsize=9)
        middle.set_xlim(-0.5, max(len(positions) - 0.5, 0.5))
        middle.set_xlabel(_("Week"), fontsize=10)
        middle.tick_params(axis="y", labelsize=10)
        middle.grid(axis="y", alpha=0.3)
        middle.spines[["top", "right"]].set_visible(False)

        scores = list(range(1, 6))
        bottom.bar(scores, chart.scores, color=SCORE_COLOURS)
        _counts_from_zero(bottom, chart.scores)
        bottom.set_title(
            ngettext(
                "Check-in scores, last {n} week",
                "Check-in scores, last {n} weeks",
                policy.CHART_WEEKS,
            ).format(n=policy.CHART_WEEKS),
            fontsize=13,
            loc="left",
        )
        bottom.set_xticks(scores, [str(s) for s in scores], fontsize=12)
        bottom.yaxis.get_major_locator().set_params(integer=True)
        bottom.tick_params(axis="y", labelsize=10)
        bottom.spines[["top", "right"]].set_visible(False)

        return figure


def _counts_from_zero(axes: Any, counts: tuple[int, ...]) -> None:
    """A count's axis starts at 0; with nothing counted, matplotlib would centre it on
    0 (from -0.04 to 0.04), so it goes from 0 to 1."""
    axes.set_ylim(0, max(1, *counts, 0) * 1.05)


def _week_label(start: date) -> str:
    return f"{start.isocalendar()[1]}"
