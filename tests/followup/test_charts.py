"""The SVG charts: well-formed, labelled for screen readers, escaped, proportional, and honest
about having no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring
from markupsafe import Markup

from mentor.followup import charts
from mentor.followup.charts import Series, Spread
from mentor.i18n import using_locale

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    root: ET.Element = fromstring(str(markup))
    return root


def _labelled(root: ET.Element, chart_id: str) -> tuple[str, str]:
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("height") is None
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert title.get("id") == f"{chart_id}-title"
    assert desc is not None
    assert desc.get("id") == f"{chart_id}-desc"
    return title.text or "", desc.text or ""


def _bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_a_bar_chart_is_well_formed_labelled_and_proportional() -> None:
    svg = charts.bar_chart(
        chart_id="weeks",
        title="Meetings per week",
        description="Three weeks: 2, 4 and 1 meetings.",
        labels=["Week 1", "Week 2", "Week 3"],
        values=[2, 4, 1],
    )
    root = _parse(svg)
    assert _labelled(root, "weeks") == ("Meetings per week", "Three weeks: 2, 4 and 1 meetings.")
    heights = [float(bar.get("height", "0")) for bar in _bars(root)]
    assert len(heights) == 3
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[0] == pytest.approx(2 * heights[2])
    # Bars stand on one baseline.
    bottoms = {float(bar.get("y", "0")) + float(bar.get("height", "0")) for bar in _bars(root)}
    assert len(bottoms) == 1
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Week 2" in texts
    assert "4" in texts


def test_every_label_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & "Skole"'
    svg = charts.grouped_bar_chart(
        chart_id="coverage",
        title=hostile,
        description=hostile,
        categories=[hostile],
        series=[Series(hostile, [50]), Series("Met", [25])],
        maximum=100,
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)
    assert root.find(f"{SVG}script") is None
    title, desc = _labelled(root, "coverage")
    assert title == hostile
    assert desc == hostile
    texts = [text.text or "" for text in root.iter(f"{SVG}text")]
    assert any(text.startswith("<script>") for text in texts)
    bar_svg = charts.bar_chart(
        chart_id="bars", title="t", description="d", labels=[hostile], values=[3]
    )
    assert "<script>" not in bar_svg
    _parse(bar_svg)


def test_grouped_bars_are_proportional_to_a_fixed_maximum() -> None:
    root = _parse(
        charts.grouped_bar_chart(
            chart_id="coverage",
            title="Coverage",
            description="Two schools.",
            categories=["A, grade 8", "B, grade 9"],
            series=[Series("Matched", [100, 50]), Series("Met", [25, 0])],
            maximum=100,
        )
    )
    widths = [float(bar.get("width", "0")) for bar in _bars(root)]
    # Rows in order, series within a row: A matched, A met, B matched, B met.
    assert widths[0] == pytest.approx(2 * widths[2])
    assert widths[0] == pytest.approx(4 * widths[1])
    assert widths[3] == 0
    fills = {bar.get("fill") for bar in _bars(root)}
    assert fills == set(charts.SERIES_COLOURS)


def test_a_spread_chart_draws_the_box_between_the_quartiles() -> None:
    spread = Spread(minimum=2, lower_quartile=10, median=15, upper_quartile=30, maximum=40, count=9)
    root = _parse(
        charts.spread_chart(
            chart_id="first",
            title="Days to the first meeting",
            description="Median 15 days.",
            spread=spread,
            unit="Days",
        )
    )
    _labelled(root, "first")
    box = next(rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "box")
    median = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "median")
    x, width = float(box.get("x", "0")), float(box.get("width", "0"))
    assert x < float(median.get("x1", "0")) < x + width
    # Quartile 10 to 30 is twice as wide as 0 to 10: the box is twice the distance to it.
    whisker = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "whisker")
    assert float(whisker.get("x1", "0")) < x


def test_a_spread_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="spread"):
        charts.spread_chart(
            chart_id="first",
            title="t",
            description="d",
            spread=Spread(5, 1, 2, 3, 4, 3),
            unit="Days",
        )


@pytest.mark.parametrize(
    "svg",
    [
        lambda: charts.bar_chart(
            chart_id="e", title="Empty", description="d", labels=[], values=[]
        ),
        lambda: charts.bar_chart(
            chart_id="e", title="Empty", description="d", labels=["1", "2"], values=[0, 0]
        ),
        lambda: charts.grouped_bar_chart(
            chart_id="e", title="Empty", description="d", categories=[], series=[Series("x", [])]
        ),
        lambda: charts.spread_chart(
            chart_id="e", title="Empty", description="d", spread=None, unit="Days"
        ),
    ],
)
def test_no_data_gives_a_chart_that_says_so(svg: object) -> None:
    with using_locale("da"):
        markup = svg()  # type: ignore[operator]
    root = _parse(markup)
    title, desc = _labelled(root, "e")
    assert title == "Empty"
    assert desc == "Ingen tal for denne periode."
    assert not _bars(root)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["Ingen tal for denne periode."]


def test_bad_input_is_refused_at_the_boundary() -> None:
    with pytest.raises(ValueError, match="chart_id"):
        charts.bar_chart(chart_id='x" onload="', title="t", description="d", labels=[], values=[])
    with pytest.raises(ValueError, match="same length"):
        charts.bar_chart(chart_id="x", title="t", description="d", labels=["a"], values=[])
    with pytest.raises(ValueError, match="negative"):
        charts.bar_chart(chart_id="x", title="t", description="d", labels=["a"], values=[-1])


def test_numbers_are_written_the_users_way_and_round_scales_are_chosen() -> None:
    with using_locale("da"):
        assert charts.format_number(2.5) == "2,5"
    with using_locale("en"):
        assert charts.format_number(2.5) == "2.5"
    assert charts.format_number(7.0) == "7"
    # Whole ticks for counts, at most five steps.
    assert [charts.axis_scale(v) for v in (0, 3, 5, 6, 14, 48, 101)] == [
        (1, 1),
        (3, 1),
        (5, 1),
        (6, 2),
        (15, 5),
        (50, 10),
        (150, 50),
    ]


def test_long_labels_are_shortened_in_the_picture_but_kept_whole_in_its_title() -> None:
    name = "Den meget lange skoles navn med afdeling og adresse"
    root = _parse(
        charts.grouped_bar_chart(
            chart_id="long",
            title="t",
            description="d",
            categories=[name],
            series=[Series("Matched", [10])],
            maximum=100,
        )
    )
    group_title = root.find(f"{SVG}g/{SVG}title")
    assert group_title is not None
    assert group_title.text == name
    shown = [text.text or "" for text in root.iter(f"{SVG}text")]
    assert "Den meget lang…ling og adresse" in shown
