"""Charts as SVG drawn on the server: no JavaScript, readable by screen readers, fit to print.

Pure functions from plain numbers to markup. Every chart is an ``<svg role="img">`` labelled by
its own ``<title>`` and ``<desc>`` (the text description, in the user's language), scales to its
container (a ``viewBox`` and ``width="100%"``, no fixed pixel size), and uses colours with at
least 4.5:1 contrast on white. Every label is escaped: school names are typed by people. The page
shows the same numbers in a table beside the chart (``templates/followup/_charts.html``), so
nothing is only in the picture.

We draw our own rather than take a charting library: the ones for Python either script their
SVG (pygal), leave out ``title``/``desc`` and roles, or draw at a fixed size (matplotlib), and
these four charts are a few rectangles each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from mentor.i18n import format_local_decimal, gettext

# Contrast on white: 8.4:1, 5.7:1, 15.9:1 and 7.8:1.
SERIES_COLOURS = ("#0b4f8a", "#a64d00")
INK = "#1b1f24"
AXIS = "#4a5360"
GRID = "#c9d0d9"
BOX_FILL = "#e8f0fb"

WIDTH = 640
FONT = 12
LABEL_CHARS = 30
_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Series:
    """One set of bars of a grouped chart: its name (the legend) and a value per category."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Spread:
    """Five numbers that summarise a distribution, and how many values it has."""

    minimum: float
    lower_quartile: float
    median: float
    upper_quartile: float
    maximum: float
    count: int


def format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return format_local_decimal(value, 1)


def _coordinate(value: float) -> str:
    # Coordinates in the markup: a dot and at most two decimals, whatever the language.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    """At most ``LABEL_CHARS``, cut in the middle: "Fællesskolen Ho…, 8. klasse" keeps the
    grade that tells two rows of one school apart. The full label is in the table."""
    if len(label) <= LABEL_CHARS:
        return label
    tail = LABEL_CHARS // 2
    return label[: LABEL_CHARS - tail - 1].rstrip() + "…" + label[-tail:]


def axis_scale(largest: float) -> tuple[float, float]:
    """A round top for the value axis and the step between its ticks: the step is 1, 2 or 5
    times a power of ten, and at most five steps reach ``largest`` (counts get whole ticks)."""
    if largest <= 0:
        return 1.0, 1.0
    power = 10 ** math.floor(math.log10(largest / 5)) if largest > 5 else 1.0
    for factor in (1, 2, 5, 10, 20, 50):
        step = factor * power
        if largest <= 5 * step:
            return float(step * math.ceil(largest / step)), float(step)
    return float(largest), float(largest)  # pragma: no cover - 50 steps always reach


def _ticks(scale: float, step: float) -> list[float]:
    count = round(scale / step)
    return [step * index for index in range(count + 1)]


def _open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id must be a short lower-case id, not {chart_id!r}")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" id="{chart_id}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' viewBox="0 0 {WIDTH} {_coordinate(height)}" width="100%"'
        ' preserveAspectRatio="xMidYMid meet"'
        f' font-family="system-ui, sans-serif" font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _close(parts: list[str]) -> Markup:
    # Every text and attribute that did not come from this module went through ``escape``
    # (``_text``, the titles); the rest is numbers formatted here.
    return Markup("".join([*parts, "</svg>"]))  # noqa: S704


def _text(x: float, y: float, text: str, *, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{_coordinate(x)}" y="{_coordinate(y)}" text-anchor="{anchor}"'
        f' fill="{INK}"{extra}>{escape(text)}</text>'
    )


def empty_chart(chart_id: str, title: str) -> Markup:
    """A chart with no numbers says so, in words, instead of drawing an empty axis."""
    message = gettext("No data for this period.")
    parts = _open(chart_id, title, message, 80)
    parts.append(
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="78" fill="none" stroke="{GRID}"'
        ' stroke-dasharray="6 4"/>'
    )
    parts.append(_text(WIDTH / 2, 45, message, extra=' class="no-data"'))
    return _close(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    label_every: int = 1,
    value_format: Callable[[float], str] = format_number,
) -> Markup:
    """Vertical bars, one a label (meetings per week, ratings 1–5).

    ``label_every`` writes every n-th label under the axis (52 weeks do not fit); the table
    beside the chart has them all.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    if not values or all(value == 0 for value in values):
        return empty_chart(chart_id, title)
    if any(value < 0 for value in values):
        raise ValueError("bar values must not be negative")
    top, bottom, left, right = 24.0, 32.0, 44.0, 12.0
    plot_height = 200.0
    height = top + plot_height + bottom
    scale, step = axis_scale(max(values))
    slot = (WIDTH - left - right) / len(values)
    bar_width = max(slot * 0.7, 1.0)
    parts = _open(chart_id, title, description, height)
    parts.append(_axis_lines(left, top, plot_height, scale, step, right))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot_height * value / scale
        x = left + index * slot + (slot - bar_width) / 2
        y = top + plot_height - bar_height
        parts.append(
            f'<rect class="bar" x="{_coordinate(x)}" y="{_coordinate(y)}"'
            f' width="{_coordinate(bar_width)}" height="{_coordinate(bar_height)}"'
            f' fill="{SERIES_COLOURS[0]}" data-value="{_coordinate(value)}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
        )
        if len(values) <= 16 and value > 0:
            parts.append(_text(x + bar_width / 2, y - 4, value_format(value)))
        if index % max(label_every, 1) == 0:
            parts.append(_text(x + bar_width / 2, top + plot_height + 18, _short(label)))
    return _close(parts)


def _axis_lines(
    left: float, top: float, plot_height: float, scale: float, step: float, right: float
) -> str:
    """The value axis: a baseline, a gridline at each tick and its number."""
    parts: list[str] = []
    for value in _ticks(scale, step):
        y = top + plot_height - plot_height * value / scale
        colour = AXIS if value == 0 else GRID
        parts.append(
            f'<line x1="{_coordinate(left)}" x2="{_coordinate(WIDTH - right)}"'
            f' y1="{_coordinate(y)}" y2="{_coordinate(y)}" stroke="{colour}"/>'
        )
        parts.append(_text(left - 6, y + 4, format_number(value), anchor="end"))
    return "".join(parts)


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    maximum: float | None = None,
    value_format: Callable[[float], str] = format_number,
) -> Markup:
    """Horizontal bars, one row a category and one bar per series in it (coverage by school
    and grade: the share matched and the share met). Horizontal, because school names are long.

    ``maximum`` fixes the scale (100 for percentages); otherwise it is a round number above the
    largest value.
    """
    if not 1 <= len(series) <= len(SERIES_COLOURS):
        raise ValueError(f"between 1 and {len(SERIES_COLOURS)} series")
    if any(len(one.values) != len(categories) for one in series):
        raise ValueError("every series needs a value for each category")
    if not categories:
        return empty_chart(chart_id, title)
    largest = max((value for one in series for value in one.values), default=0.0)
    if maximum is not None and maximum <= 0:
        raise ValueError("maximum must be positive")
    scale, step = (maximum, maximum / 4) if maximum is not None else axis_scale(largest)
    left, right, legend, axis = 210.0, 56.0, 28.0, 24.0
    bar = 14.0
    row = bar * len(series) + 10
    plot_width = WIDTH - left - right
    height = legend + row * len(categories) + axis
    parts = _open(chart_id, title, description, height)
    for index, one in enumerate(series):
        x = left + index * 180
        parts.append(
            f'<rect x="{_coordinate(x)}" y="6" width="12" height="12"'
            f' fill="{SERIES_COLOURS[index]}"/>'
        )
        parts.append(_text(x + 18, 16, _short(one.name), anchor="start"))
    for row_index, category in enumerate(categories):
        y0 = legend + row_index * row
        parts.append(f"<g><title>{escape(category)}</title>")
        parts.append(_text(left - 8, y0 + row / 2 + 4, _short(category), anchor="end"))
        for index, one in enumerate(series):
            value = max(one.values[row_index], 0.0)
            width = plot_width * min(value, scale) / scale
            y = y0 + 5 + index * bar
            parts.append(
                f'<rect class="bar" x="{_coordinate(left)}" y="{_coordinate(y)}"'
                f' width="{_coordinate(width)}" height="{_coordinate(bar - 2)}"'
                f' fill="{SERIES_COLOURS[index]}" data-value="{_coordinate(value)}"/>'
            )
            parts.append(_text(left + width + 4, y + bar - 4, value_format(value), anchor="start"))
        parts.append("</g>")
    bottom = legend + row * len(categories)
    parts.append(
        f'<line x1="{_coordinate(left)}" x2="{_coordinate(left)}" y1="{_coordinate(legend)}"'
        f' y2="{_coordinate(bottom)}" stroke="{AXIS}"/>'
    )
    for value in _ticks(scale, step):
        parts.append(_text(left + plot_width * value / scale, bottom + 16, value_format(value)))
    return _close(parts)


def spread_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    spread: Spread | None,
    unit: str,
) -> Markup:
    """A box plot on one line: whiskers from the least to the most, a box from the lower to the
    upper quartile, a thick line at the median (days from enrolment to the first meeting)."""
    if spread is None or spread.count == 0:
        return empty_chart(chart_id, title)
    numbers = (
        spread.minimum,
        spread.lower_quartile,
        spread.median,
        spread.upper_quartile,
        spread.maximum,
    )
    if list(numbers) != sorted(numbers) or spread.minimum < 0:
        raise ValueError("a spread runs 0 <= minimum <= quartiles and median <= maximum")
    left, right, height = 24.0, 24.0, 150.0
    plot_width = WIDTH - left - right
    scale, step = axis_scale(spread.maximum)

    def x_of(value: float) -> float:
        return left + plot_width * value / scale

    mid = 60.0
    parts = _open(chart_id, title, description, height)
    parts.append(
        f'<line class="whisker" x1="{_coordinate(x_of(spread.minimum))}"'
        f' x2="{_coordinate(x_of(spread.maximum))}" y1="{mid}" y2="{mid}" stroke="{AXIS}"'
        ' stroke-width="2"/>'
    )
    for end in (spread.minimum, spread.maximum):
        parts.append(
            f'<line x1="{_coordinate(x_of(end))}" x2="{_coordinate(x_of(end))}"'
            f' y1="{mid - 12}" y2="{mid + 12}" stroke="{AXIS}" stroke-width="2"/>'
        )
    box_left = x_of(spread.lower_quartile)
    parts.append(
        f'<rect class="box" x="{_coordinate(box_left)}" y="{mid - 20}"'
        f' width="{_coordinate(max(x_of(spread.upper_quartile) - box_left, 1.0))}" height="40"'
        f' fill="{BOX_FILL}" stroke="{SERIES_COLOURS[0]}" stroke-width="2"/>'
    )
    median_x = _coordinate(x_of(spread.median))
    parts.append(
        f'<line class="median" x1="{median_x}" x2="{median_x}" y1="{mid - 20}"'
        f' y2="{mid + 20}" stroke="{SERIES_COLOURS[0]}" stroke-width="4"/>'
    )
    parts.append(
        _text(x_of(spread.median), mid - 28, gettext("Median") + f" {format_number(spread.median)}")
    )
    baseline = 105.0
    parts.append(
        f'<line x1="{left}" x2="{_coordinate(WIDTH - right)}" y1="{baseline}" y2="{baseline}"'
        f' stroke="{AXIS}"/>'
    )
    for value in _ticks(scale, step):
        x = x_of(value)
        parts.append(
            f'<line x1="{_coordinate(x)}" x2="{_coordinate(x)}" y1="{baseline}"'
            f' y2="{baseline + 5}" stroke="{AXIS}"/>'
        )
        parts.append(_text(x, baseline + 20, format_number(value)))
    parts.append(_text(WIDTH / 2, baseline + 40, unit))
    return _close(parts)
