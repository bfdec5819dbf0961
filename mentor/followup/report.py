"""The annual report's page: the year's figures as charts, each with a table of the same numbers.

``annual_report`` turns ``statistics.AnnualFigures`` into what the template shows; the words
(titles, the text descriptions of the charts) are in the user's language. Aggregates only: no
pupil is named anywhere on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from mentor.followup import charts, statistics
from mentor.followup.statistics import AnnualFigures, SchoolYear
from mentor.i18n import LazyText, format_local_date, format_local_decimal, gettext, lazy_gettext
from mentor.matches.closing import CLOSE_REASON_LABELS
from mentor.models import FollowUpPriority

# The years the page offers: this one and the ones before it (any year back to 2000 works in
# the address).
YEARS_OFFERED = 6
PRIORITY_LABELS: dict[FollowUpPriority, LazyText] = {
    FollowUpPriority.HIGH: lazy_gettext("High"),
    FollowUpPriority.NORMAL: lazy_gettext("Normal"),
    FollowUpPriority.LOW: lazy_gettext("Low"),
}


@dataclass(frozen=True)
class Figure:
    """A chart and its table: a caption, column headings and rows (first cell a row heading)."""

    chart: Markup
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class AnnualReport:
    year: SchoolYear
    meetings_held: int
    pupils_met: int
    enrolled: int
    weeks: Figure
    coverage: Figure
    first_meeting: Figure
    feedback: Figure
    flags: Figure
    endings: Figure


def parse_year(raw: str | None, *, now: datetime) -> tuple[SchoolYear, bool]:
    """The school year asked for, or this one; the flag says a bad value was replaced."""
    current = statistics.school_year_of(now)
    if raw is None or raw.strip() == "":
        return current, False
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return current, True
    year = int(text)
    if not statistics.FIRST_SCHOOL_YEAR <= year <= current.year + 1:
        return current, True
    return SchoolYear(year), False


def years_offered(now: datetime) -> list[SchoolYear]:
    current = statistics.school_year_of(now).year
    return [SchoolYear(year) for year in range(current, current - YEARS_OFFERED, -1)]


def _percent(value: float) -> str:
    # "45 %" in both languages (Danish style, and clear in English).
    return f"{charts.format_number(value)}\u00a0%"


def annual_report(figures: AnnualFigures) -> AnnualReport:
    year = figures.year
    return AnnualReport(
        year=year,
        meetings_held=figures.meetings_held,
        pupils_met=figures.pupils_met,
        enrolled=sum(row.enrolled for row in figures.coverage),
        weeks=_weeks(figures),
        coverage=_coverage(figures),
        first_meeting=_first_meeting(figures),
        feedback=_feedback(figures),
        flags=_flags(figures),
        endings=_endings(figures),
    )


def _weeks(figures: AnnualFigures) -> Figure:
    weeks = figures.weeks
    busiest = max(weeks, key=lambda week: week.meetings, default=None)
    description = gettext(
        "Meetings held per week in the school year %(year)s: %(total)s in all over %(weeks)s"
        " weeks.",
        year=figures.year.label,
        total=figures.meetings_held,
        weeks=len(weeks),
    )
    if busiest is not None and busiest.meetings:
        description += " " + gettext(
            "The busiest week was week %(week)s (from %(monday)s) with %(count)s.",
            week=busiest.week,
            monday=format_local_date(busiest.monday),
            count=busiest.meetings,
        )
    title = gettext("Meetings held per week")
    chart = charts.bar_chart(
        chart_id="chart-weeks",
        title=title,
        description=description,
        labels=[gettext("Week %(week)s", week=week.week) for week in weeks],
        values=[week.meetings for week in weeks],
        label_every=4,
    )
    rows = [
        [
            gettext("Week %(week)s", week=week.week),
            format_local_date(week.monday),
            str(week.meetings),
        ]
        for week in weeks
    ]
    headers = [gettext("Week"), gettext("Monday"), gettext("Meetings held")]
    return Figure(chart, title, headers, rows)


def _coverage_label(school: str, grade: int) -> str:
    return gettext("%(school)s, grade %(grade)s", school=school, grade=grade)


def _coverage(figures: AnnualFigures) -> Figure:
    rows_in = figures.coverage
    title = gettext("Pupils reached per school and grade")
    enrolled = sum(row.enrolled for row in rows_in)
    matched = sum(row.matched for row in rows_in)
    met = sum(row.met for row in rows_in)
    description = gettext(
        "Share of the enrolled pupils who had an ambassador in the school year and who met"
        " one at least once, per school and grade. In all %(enrolled)s pupils enrolled,"
        " %(matched)s matched, %(met)s met.",
        enrolled=enrolled,
        matched=matched,
        met=met,
    )
    chart = charts.grouped_bar_chart(
        chart_id="chart-coverage",
        title=title,
        description=description,
        categories=[_coverage_label(row.school, row.grade) for row in rows_in],
        series=[
            charts.Series(gettext("Matched"), [row.share(row.matched) for row in rows_in]),
            charts.Series(gettext("Met at least once"), [row.share(row.met) for row in rows_in]),
        ],
        maximum=100,
        value_format=_percent,
    )
    rows = [
        [
            _coverage_label(row.school, row.grade),
            str(row.enrolled),
            str(row.consented),
            f"{row.matched} ({_percent(row.share(row.matched))})",
            f"{row.met} ({_percent(row.share(row.met))})",
        ]
        for row in rows_in
    ]
    headers = [
        gettext("School and grade"),
        gettext("Enrolled"),
        gettext("Consent given"),
        gettext("Matched"),
        gettext("Met at least once"),
    ]
    return Figure(chart, title, headers, rows)


def _first_meeting(figures: AnnualFigures) -> Figure:
    spread = figures.days_to_first_meeting
    title = gettext("Days from enrolment to the first meeting")
    if spread is None:
        description = gettext("No pupil had a first meeting in this school year.")
    else:
        description = gettext(
            "For the %(count)s pupils who had their first meeting in the school year: median"
            " %(median)s days; half of them between %(q1)s and %(q3)s days; the fastest"
            " %(least)s, the slowest %(most)s days.",
            count=spread.count,
            median=charts.format_number(spread.median),
            q1=charts.format_number(spread.lower_quartile),
            q3=charts.format_number(spread.upper_quartile),
            least=charts.format_number(spread.minimum),
            most=charts.format_number(spread.maximum),
        )
    chart = charts.spread_chart(
        chart_id="chart-first-meeting",
        title=title,
        description=description,
        spread=spread,
        unit=gettext("Days"),
    )
    rows: list[list[str]] = []
    if spread is not None:
        rows = [
            [gettext("Pupils"), str(spread.count)],
            [gettext("Fewest days"), charts.format_number(spread.minimum)],
            [gettext("Lower quartile"), charts.format_number(spread.lower_quartile)],
            [gettext("Median"), charts.format_number(spread.median)],
            [gettext("Upper quartile"), charts.format_number(spread.upper_quartile)],
            [gettext("Most days"), charts.format_number(spread.maximum)],
        ]
    return Figure(chart, title, [gettext("Measure"), gettext("Days")], rows)


def _feedback(figures: AnnualFigures) -> Figure:
    ratings = figures.ratings
    total = sum(ratings.values())
    title = gettext("Pupils' ratings of their meetings")
    average = sum(rating * count for rating, count in ratings.items()) / total if total else 0
    description = gettext(
        "How many pupils gave each rating from 1 (poor) to 5 (very good): %(total)s ratings,"
        " %(counts)s.",
        total=total,
        counts=", ".join(f"{count} × {rating}" for rating, count in ratings.items()),
    )
    if total:
        description += " " + gettext(
            "Average %(average)s.", average=format_local_decimal(average, 1)
        )
    chart = charts.bar_chart(
        chart_id="chart-feedback",
        title=title,
        description=description,
        labels=[str(rating) for rating in ratings],
        values=list(ratings.values()),
    )
    rows = [[str(rating), str(count)] for rating, count in ratings.items()]
    return Figure(chart, title, [gettext("Rating"), gettext("Pupils")], rows)


def _flags(figures: AnnualFigures) -> Figure:
    title = gettext("Follow-up flags handled")
    raised = sum(flag.raised for flag in figures.flags)
    resolved = sum(flag.resolved for flag in figures.flags)
    description = gettext(
        "Follow-up flags raised in the logs of the year's meetings: %(raised)s, of which"
        " %(resolved)s are resolved.",
        raised=raised,
        resolved=resolved,
    )
    chart = charts.grouped_bar_chart(
        chart_id="chart-flags",
        title=title,
        description=description,
        categories=[str(PRIORITY_LABELS[flag.priority]) for flag in figures.flags],
        series=[
            charts.Series(gettext("Raised"), [flag.raised for flag in figures.flags]),
            charts.Series(gettext("Resolved"), [flag.resolved for flag in figures.flags]),
        ],
    )
    if not raised:
        chart = charts.empty_chart("chart-flags", title)
    rows = [
        [str(PRIORITY_LABELS[flag.priority]), str(flag.raised), str(flag.resolved), str(flag.open)]
        for flag in figures.flags
    ]
    headers = [gettext("Flag priority"), gettext("Raised"), gettext("Resolved"), gettext("Open")]
    return Figure(chart, title, headers, rows)


def _endings(figures: AnnualFigures) -> Figure:
    title = gettext("Matches ended, by reason")
    endings = figures.endings
    labels = [str(CLOSE_REASON_LABELS[reason]) for reason in endings]
    description = gettext(
        "Matches closed in the school year: %(total)s. %(counts)s.",
        total=sum(endings.values()),
        counts="; ".join(
            f"{label}: {count}" for label, count in zip(labels, endings.values(), strict=True)
        ),
    )
    chart = charts.grouped_bar_chart(
        chart_id="chart-endings",
        title=title,
        description=description,
        categories=labels,
        series=[charts.Series(gettext("Matches"), list(endings.values()))],
    )
    if not any(endings.values()):
        chart = charts.empty_chart("chart-endings", title)
    rows = [[label, str(count)] for label, count in zip(labels, endings.values(), strict=True)]
    return Figure(chart, title, [gettext("Reason"), gettext("Matches")], rows)
