"""What a reader sees of a run: every chart and the report page, checked the way a reviewer
looks at them.

For four example scenarios and the 10,000-user reference year (each simulated once, a
module fixture), every chart the report holds is drawn and saved as PNG with every warning
an error (a constrained layout that cannot fit the text warns), and checked for:

* **data**: a chart is drawn exactly when the frame behind it (:mod:`sim.reports`) has
  something in it, and no chart drawn is a blank axes or a "nothing to show" note;
* **legend**: every legend entry has a label, every labelled series is in the legend, every
  colour the chart draws in is a legend entry's, and the legend lies outside the axes;
* **text**: no two texts of a chart (titles, tick and axis labels, legend, annotations)
  overlap;
* **time**: every time axis names the scenario's zone and spans the run's window, no more;
* **words**: no text shows an internal code (``no_login_pass``, ``user_pass``, a pool
  ``tokens@qs``): the chart speaks the display vocabulary of :mod:`sim.reports.labels`.

The report page is then rendered from those same PNGs (no workbook), its text read for
codes the same way, and, when Chromium is installed, screenshot headless: the page must not
be blank. The what-if and sweep charts
get the same chart checks from small studies of the firewall example.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.dates import DateConverter, _SwitchableDateConverter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from sim import load_scenario, reports, simulate
from sim.charts import CHARTS, PNG_DPI, relevant_charts, sweep_chart, whatif_chart
from sim.htmlreport import render_report
from sim.htmlreport.run import CAPTIONS
from sim.legacy_charts import (
    LEGACY_CHARTS,
    login_pass_data,
    session_cal_data,
    usage_cal_data,
)
from sim.result import Result
from sim.rules.connectivity import LicenseState
from sim.rules.reasons import DenialReason, LaunchOutcome
from sim.scenario.users import ACCESS_TYPES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CASES = {
    "enterprise": ROOT / "scenarios" / "enterprise.yaml",
    "firewall-outage": ROOT / "scenarios" / "firewall-outage.yaml",
    "qlikview-cal-estate": ROOT / "scenarios" / "qlikview-cal-estate.yaml",
    "token-site": ROOT / "scenarios" / "token-site.yaml",
    "reference-year": ROOT / "benchmarks" / "reference_year.yaml",
}


CODES = {
    str(code)
    for code in [*ACCESS_TYPES, *DenialReason, *LaunchOutcome, *LicenseState]
    if "_" in str(code)
}
"""The codes of the closed vocabularies that read as codes, not words (``licensed`` and
``analyzer`` are words too)."""


def codes_in(text: str) -> set[str]:
    """The internal codes ``text`` shows: vocabulary codes and pool names with ``@``."""
    return (set(re.findall(r"[a-z_]+", text)) & CODES) | set(re.findall(r"\S+@\S+", text))


def has_data(result: Result) -> dict[str, bool]:
    """Per chart, whether the frame it draws has anything in it: read from the frames, not
    from the rules that choose the charts (:data:`sim.charts.NOTHING_TO_SAY`)."""
    levels = reports.seat_levels(result).values()
    curves = reports.duration_curves(result).values()
    states = result.server_states
    return {
        "allocations": any((df["total"] > 0).any() or (df["allocated"] > 0).any() for df in levels),
        "seat_stack": len(reports.allocation_stack(result).columns) > 1,
        "capacity": not reports.capacity_months(result).empty,
        "capacity_burn_down": not reports.burn_down(result).empty,
        "server_timeline": (states["state"] != "licensed").any()
        or not reports.network_outages(result).empty,
        "denials": not reports.denials_over_time(result).empty,
        "weekday_hour": bool(reports.weekday_hour(result).to_numpy().any()),
        "duration_curve": any(not c.empty and c["level"].max() > 0 for c in curves),
        "login_passes": any(len(df) for df in login_pass_data(result).values()),
        "session_cals": bool((session_cal_data(result)["count"] > 0).any()),
        "usage_cals": len(usage_cal_data(result)) > 2,
        "desktops": len(result.launches) > 0,
    }


def drawn(draw: Callable[[], Figure]) -> tuple[Figure, bytes]:
    """``draw()`` and its PNG as the report saves it, every warning an error."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = draw()
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return fig, buffer.getvalue()


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Result, dict[str, Figure], dict[str, bytes]]:
    """A run, every chart the report holds for it, and their PNGs."""
    result = simulate(load_scenario(CASES[request.param]))
    figures, pngs = {}, {}
    for name, draw in relevant_charts(result).items():
        figures[name], pngs[name] = drawn(lambda draw=draw: draw(result))
    return result, figures, pngs


@pytest.fixture(scope="module")
def report_page(case) -> str:
    """The report page of the case, from its PNGs."""
    result, _, pngs = case
    return render_report(result, pngs)


# --- what the checks read off a figure -------------------------------------------------


def rgb(colour: Any) -> tuple[float, float, float] | None:
    """A colour without its alpha, None for no colour at all."""
    rgba = mcolors.to_rgba(colour)
    return None if rgba[3] == 0 else tuple(round(c, 2) for c in rgba[:3])


def colours_of(artist: Artist) -> set[tuple[float, float, float]]:
    """The colours an artist paints in: a line's, a patch's fill (its edge when unfilled),
    a collection's fills and edges."""
    if isinstance(artist, Line2D):
        found = {rgb(artist.get_color())}
    elif isinstance(artist, Patch):
        found = {rgb(artist.get_facecolor())} - {None} or {rgb(artist.get_edgecolor())}
    elif isinstance(artist, Collection):
        fills = {rgb(c) for c in artist.get_facecolors()} - {None}
        edges = {rgb(c) for c in artist.get_edgecolors()} - {None}
        found = fills or edges
    else:
        found = set()
    return found - {None}


def data_artists(ax: Axes) -> Iterator[Artist]:
    """What an axes draws from data: lines, patches (bars) and collections (fills, spans,
    scatters, error bars), not the axes' own frame and grid."""
    for artist in [*ax.lines, *ax.patches, *ax.collections]:
        if artist.get_visible():
            yield artist


def legends(fig: Figure) -> list[Any]:
    return [*(ax.get_legend() for ax in fig.axes if ax.get_legend()), *fig.legends]


def legend_entries(fig: Figure) -> tuple[list[str], set[tuple[float, float, float]]]:
    texts, colours = [], set()
    for legend in legends(fig):
        texts += [t.get_text() for t in legend.get_texts()]
        for handle in legend.legend_handles:
            colours |= colours_of(handle)
    return texts, colours


def all_axes(fig: Figure) -> list[Axes]:
    """A figure's axes and the secondary axes inside them (a what-if's duration labels)."""
    return [*fig.axes, *(child for ax in fig.axes for child in ax.child_axes)]


def texts_of(fig: Figure) -> list[Text]:
    """Every text a figure draws: titles, axis labels, the tick labels inside the view (an
    axis keeps labels of ticks beyond it, not drawn), annotations and legends."""
    found: list[Text] = [*fig.texts]
    for ax in all_axes(fig):
        found += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(abs(low), abs(high), 1.0)
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if low - slack <= tick.get_loc() <= high + slack:
                    found += [tick.label1, tick.label2]
            found += [axis.label, axis.get_offset_text()]
    for legend in legends(fig):
        found += [*legend.get_texts(), legend.get_title()]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def overlapping(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than 2 pixels each way. An axis label and
    its own tick labels are left out: matplotlib sets the label off from the tick labels'
    boxes, and the box of a rotated label, a full line high, reaches a few pixels past
    the ink that stays clear of them."""
    fig.canvas.draw()
    apart = set()
    for ax in all_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                apart |= {frozenset((id(axis.label), id(tick.label1)))}
                apart |= {frozenset((id(axis.label), id(tick.label2)))}
    boxes = [(t, t.get_window_extent()) for t in texts_of(fig)]
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            wide = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            high = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if wide > 2 and high > 2 and frozenset((id(a), id(b))) not in apart:
                pairs.append((a.get_text(), b.get_text()))
    return pairs


def is_time_axis(ax: Axes) -> bool:
    """Whether ``ax`` shows an x axis of dates (a twin's hidden x axis is its host's)."""
    dates = isinstance(ax.xaxis.get_converter(), DateConverter | _SwitchableDateConverter)
    return dates and ax.xaxis.get_visible()


def check_chart(name: str, fig: Figure, zone: str | None = None) -> None:
    """Every check of the module docstring on one drawn chart (``zone``: the run's)."""
    plotting = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in plotting:
        assert not ax.get_xticks().size == ax.get_yticks().size == 0, f"{name}: a blank note"
    artists = [a for ax in plotting for a in data_artists(ax)] + [
        im for ax in plotting for im in ax.images
    ]
    assert artists, f"{name}: nothing drawn"
    texts, legend_colours = legend_entries(fig)
    assert all(t.strip() for t in texts), f"{name}: a legend entry without a label: {texts}"
    labelled = {
        str(a.get_label())
        for ax in plotting
        for a in [*data_artists(ax), *ax.containers]
        if not str(a.get_label()).startswith("_")
    }
    assert labelled <= set(texts), (
        f"{name}: series missing from the legend: {labelled - set(texts)}"
    )
    if legends(fig):
        painted = set().union(*(colours_of(a) for ax in plotting for a in data_artists(ax)))
        assert painted <= legend_colours, (
            f"{name}: colours not in the legend: {painted - legend_colours}"
        )
        fig.canvas.draw()
        for legend in legends(fig):
            box = legend.get_window_extent()
            for ax in plotting:
                frame = ax.get_window_extent()
                inside = min(box.x1, frame.x1) - max(box.x0, frame.x0) > 1 and (
                    min(box.y1, frame.y1) - max(box.y0, frame.y0) > 1
                )
                assert not inside, f"{name}: the legend lies over the data"
    assert not overlapping(fig), f"{name}: texts overlap: {overlapping(fig)}"
    for text in texts_of(fig):
        assert not codes_in(text.get_text()), f"{name}: a code in {text.get_text()!r}"
    if zone is not None:
        for ax in plotting:
            if is_time_axis(ax):
                assert ax.get_xlabel().endswith(f"({zone})"), f"{name}: {ax.get_xlabel()!r}"


# --- the tests ---------------------------------------------------------------------------


def test_a_chart_is_drawn_exactly_when_it_has_data(case) -> None:
    result, figures, _ = case
    data = has_data(result)
    assert set(data) == set(CHARTS) | set(LEGACY_CHARTS)
    assert set(figures) == {name for name, has in data.items() if has}


def test_every_chart_has_its_legend_colours_text_and_zone(case) -> None:
    result, figures, _ = case
    for name, fig in figures.items():
        check_chart(name, fig, result.scenario.timezone)


def test_time_axes_span_the_run(case) -> None:
    result, figures, _ = case
    start, end = reports.window(result)
    for name, fig in figures.items():
        for ax in fig.axes:
            if is_time_axis(ax):
                low, high = (pd.Timestamp(v, unit="D", tz="UTC") for v in ax.get_xlim())
                tick = pd.Timedelta(seconds=1)
                assert abs(low - start) < tick and abs(high - end) < tick, name
    if "weekday_hour" in figures:
        assert result.scenario.timezone in figures["weekday_hour"].axes[0].get_xlabel()


def test_the_report_page_and_its_screenshot(case, report_page: str, tmp_path: Path) -> None:
    _, _, pngs = case
    page = report_page
    assert page.count("<figcaption>") == len(pngs) and set(pngs) <= set(CAPTIONS)
    assert "replication 0" not in page and "variant base" not in page
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    path = tmp_path / "report.html"
    path.write_text(page, "utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"))
    background = np.array([0xFA, 0xFA, 0xFA])
    painted = (np.abs(pixels.astype(int) - background).sum(axis=2) > 30).mean()
    assert painted > 0.05, f"the screenshot is blank ({painted:.1%} painted)"
    packed = pixels.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.int32)
    assert len(np.unique(packed)) > 50, "the screenshot is flat: no charts drawn into it"


class Reading(HTMLParser):
    """The text a reader sees of a page: everything but the folded scenario JSON."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._pre = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._pre |= tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self._pre &= tag != "pre"

    def handle_data(self, data: str) -> None:
        if not self._pre:
            self.parts.append(data)


def test_the_report_page_shows_no_code(case, report_page: str) -> None:
    result, _, _ = case
    text = "\n".join(Reading(report_page).parts)
    assert not codes_in(text), sorted(codes_in(text))
    s = result.sessions
    if s["directory"].notna().any():
        # A user listed with a directory is listed as DIRECTORY\userid.
        row = s[s["directory"].notna()].iloc[0]
        assert f"{row['directory']}\\" in text
    if any(lic.tokens for lic in result.scenario.licenses):
        assert "Tokens" in text and "(tokenCost 0.1)" in text


@pytest.fixture(scope="module")
def firewall() -> Any:
    return load_scenario(CASES["firewall-outage"]).with_overrides({"duration": "14d"})


def test_the_whatif_chart(firewall) -> None:
    from sim.whatif import outage_whatif

    hours = [1, 72, 96]
    study = outage_whatif(
        firewall,
        "backend",
        [h * 3600.0 for h in hours],
        reps=2,
        labels=[f"{h}h" for h in hours],
        confidence=0.9,
    )
    fig, _ = drawn(
        lambda: whatif_chart(
            study.table, grace_hours=firewall.rules.grace / 3600.0, confidence=study.confidence
        )
    )
    check_chart("whatif", fig)
    texts, _ = legend_entries(fig)
    assert "error bars: 90 % confidence interval over 2 replications" in texts


def test_the_sweep_chart(firewall) -> None:
    from sim.experiments import sweep

    res = sweep(
        firewall,
        {"licenses.corp.analyzer": [100, 120], "rules.grace": ["24h", "72h"]},
        replications=2,
        confidence=0.8,
    )
    fig, _ = drawn(
        lambda: sweep_chart(
            res.summary, "sessions_denied", "licenses.corp.analyzer", confidence=0.8
        )
    )
    check_chart("sweep", fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "analyzer (corp)" and "80 %" in ax.get_ylabel()
    texts, _ = legend_entries(fig)
    assert texts == ["grace = 24h", "grace = 72h"]
    lines = [line.get_color() for line in ax.lines]
    assert len(set(lines)) == len(lines)


def test_a_sweep_of_three_parameters_draws_a_panel_per_value_of_the_third() -> None:
    # analyzer × grace × outage duration; with the 24h outage both graces deny alike, so
    # their lines lie on each other.
    rows = []
    for seats in (100, 120):
        for grace in ("24h", "72h"):
            for outage in ("24h", "96h"):
                denied = 300.0 - seats if outage == "24h" else (1400.0 if grace == "24h" else 900.0)
                rows.append(
                    {
                        "variant": f"{seats}/{grace}/{outage}",
                        "metric": "sessions_denied",
                        "mean": denied,
                        "ci_low": denied - 50,
                        "ci_high": denied + 50,
                        "licenses.corp.analyzer": seats,
                        "rules.grace": grace,
                        "servers.prod.link_outages.0.duration": outage,
                    }
                )
    summary = pd.DataFrame(rows)
    fig, _ = drawn(lambda: sweep_chart(summary, "sessions_denied", "licenses.corp.analyzer"))
    check_chart("sweep", fig)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [
        "duration (prod link outages #1) = 24h",
        "duration (prod link outages #1) = 96h",
    ]
    texts, _ = legend_entries(fig)
    assert texts == ["grace = 24h", "grace = 72h"]
    for ax in panels:
        first, second = ax.lines
        # Alike in every panel, and the line drawn first is wider: covered, it still shows.
        assert [first.get_color(), second.get_color()] == [
            line.get_color() for line in panels[0].lines
        ]
        assert first.get_linewidth() > second.get_linewidth()
        assert first.get_marker() != second.get_marker()


def test_the_report_flags_what_needs_attention_and_folds_zero_breakdowns(
    case, report_page: str
) -> None:
    result, _, _ = case
    page = report_page
    headline = reports.kpis(result)
    flagged = reports.needs_attention(headline)
    assert page.count('class="card attention"') == int(flagged.sum())
    denied = headline.set_index("metric").loc["sessions denied", "value"]
    assert bool(flagged[headline["metric"] == "sessions denied"].iloc[0]) == (denied > 0)
    zero = reports.zero_breakdowns(result.summary)
    if zero.any():
        assert f"{int(zero.sum())} breakdowns that are zero" in page


def test_grace_hours_are_not_counted_as_hours_unlicensed(case) -> None:
    result, _, _ = case
    k = reports.kpis(result).set_index("metric")["value"]
    if result.kpi("grace_hours") == result.kpi("unlicensed_hours") == 0:
        assert not k.index.str.startswith("server hours").any()
        return
    assert k["server hours in grace (still licensed)"] == pytest.approx(result.kpi("grace_hours"))
    assert k["server hours unlicensed"] == pytest.approx(result.kpi("unlicensed_hours"))
    assert "hours not licensed (grace, unlicensed, …)" not in k


def test_every_denial_reason_has_a_colour_of_its_own() -> None:
    from sim.charts import REASON_COLOURS
    from sim.rules.reasons import DENIAL_REASONS

    assert set(REASON_COLOURS) == set(DENIAL_REASONS)
    assert len(set(REASON_COLOURS.values())) == len(REASON_COLOURS)


def test_a_whatif_line_steps_at_the_grace_boundary() -> None:
    from sim.charts import through_grace

    xs, ys = through_grace(np.array([1.0, 24.0, 96.0]), np.array([5.0, 10.0, 50.0]), 72.0)
    assert list(xs) == [1, 24, 72, 72, 96] and list(ys) == [5, 10, 10, 50, 50]
    xs, ys = through_grace(np.array([24.0, 96.0]), np.array([10.0, 50.0]), None)
    assert list(xs) == [24, 96] and list(ys) == [10, 50]


def test_swept_parameters_are_named_in_words() -> None:
    from sim.reports.labels import metric_label, parameter_names

    assert parameter_names(["licenses.corp.analyzer", "rules.grace"]) == {
        "licenses.corp.analyzer": "analyzer (corp)",
        "rules.grace": "grace",
    }
    assert parameter_names(["servers.prod.link_outages.0.duration"]) == {
        "servers.prod.link_outages.0.duration": "duration (prod link outages #1)"
    }
    # Two that would read alike keep their paths.
    assert parameter_names(["a.x.grace", "b.x.grace"]) == {
        "a.x.grace": "a.x.grace",
        "b.x.grace": "b.x.grace",
    }
    assert metric_label("peak_allocated_analyzer[corp]") == "peak allocated: Analyzer access [corp]"
    assert metric_label("denied_no_login_pass") == "denied: no login access pass left"
    assert metric_label("grace_hours[qs]") == "grace hours [qs]"


def test_whole_numbers_show_without_decimals() -> None:
    from sim.htmlreport import page

    html = page.table(pd.DataFrame({"count": [5866.0, 12.0], "hours": [1.5, 2.0]}), "t")
    assert ">5,866<" in html and ">12<" in html and ">1.50<" in html and ">2.00<" in html
    kpis = pd.DataFrame({"metric": ["a", "b"], "value": [5866.0, 14.625], "unit": ["", "%"]})
    html = page.table(kpis, "k")
    assert ">5,866<" in html and ">14.62<" in html
