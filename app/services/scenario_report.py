"""A stored scenario as a report a planner can send on: self-contained HTML and a PDF.

Both are built from one :class:`Report` (so they say the same): the question and parameters,
the headline figures against today, the map and the chart, the centres table, the regions
affected, the data's sources with the modelled values marked, the software version and the
dataset revision. The HTML inlines its SVG map and chart and its style: it loads nothing. The
PDF is drawn with reportlab (pure Python, no browser); text in DejaVu Sans (shipped with
matplotlib), map and chart as PNG.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from app import geo
from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic
from app.services.pictures import scenario_chart_picture, scenario_map_picture
from app.templating import environment

__all__ = ["HeadlineRow", "Report", "build_report", "format_figure", "headline_rows",
           "report_html", "report_pdf", "software_version"]

METHODS = {
    "p_median": "p-median: least total patient travel",
    "max_covering": "maximal covering: most patients within the travel threshold",
    "set_covering": "set covering: fewest centres with every patient within the threshold",
    "p_centre": "p-centre: least worst travel",
    "p_median_choice": "p-median under patient choice (logit model)",
    "max_covering_choice": "maximal covering under patient choice (logit model)",
}


def software_version() -> str:
    try:
        return metadata.version("oncoregio")
    except metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def format_figure(value: float | int | None, kind: str, *, signed: bool = False) -> str:
    """A figure as the report and the page show it; ``–`` for unknown.

    >>> format_figure(38.94, "minutes"), format_figure(0.6412, "share", signed=True)
    ('38.9', '+64.1 pp')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    sign = "+" if signed else ""
    if kind == "minutes":
        return format(value, f"{sign}.1f")
    if kind == "share":
        return format(100.0 * value, f"{sign}.1f") + (" pp" if signed else " %")
    if kind == "count":
        return format(value, f"{sign},.0f")
    return format(value, f"{sign},.0f")  # patients, km, kg


@dataclass(frozen=True)
class HeadlineRow:
    """One figure: today, in the scenario and the change (each ``None`` when not known)."""

    key: str
    label: str
    kind: str
    today: float | None
    scenario: float | None
    change: float | None

    def cells(self) -> tuple[str, str, str]:
        return (format_figure(self.today, self.kind), format_figure(self.scenario, self.kind),
                format_figure(self.change, self.kind, signed=True))


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def headline_rows(s: ScenarioPublic) -> list[HeadlineRow]:
    """The headline figures of ``s`` beside today's, in reading order."""
    h = s.headline
    minutes = s.parameters.minutes
    worse = s.parameters.worse_threshold
    rows = [
        HeadlineRow("centres", "open centres", "count", None, h.centres, None),
        HeadlineRow("mean_minutes", "mean travel (minutes)", "minutes",
                    h.mean_minutes_baseline, h.mean_minutes, h.mean_delta),
        HeadlineRow("p90_minutes", "90th percentile travel (minutes)", "minutes",
                    s.baseline.p90, h.p90_minutes, h.p90_delta),
        HeadlineRow("share_within", f"patients within {minutes:g} minutes", "share",
                    h.share_within_baseline, h.share_within,
                    _minus(h.share_within, h.share_within_baseline)),
        HeadlineRow("patient_km", "patient-km per year", "km",
                    _minus(h.patient_km, h.patient_km_delta), h.patient_km, h.patient_km_delta),
        HeadlineRow("co2_kg", "travel CO2 (kg per year, modelled)", "kg",
                    h.co2_kg_baseline, h.co2_kg, h.co2_kg_delta),
        HeadlineRow("patients", "patients per year", "patients", None, h.patients, None),
        HeadlineRow("patients_worse", f"patients more than {worse:g} minutes worse off",
                    "patients", None, h.patients_worse, None),
        HeadlineRow("patients_losing_access", f"patients losing access within {minutes:g} "
                    "minutes", "patients", None, h.patients_losing_access, None),
        HeadlineRow("centres_below_norm", "centres below the volume norm", "count", None,
                    h.centres_below_norm, None),
        HeadlineRow("regions_without_centre", "regions without a centre", "count", None,
                    h.regions_without_centre, None),
    ]
    if s.allocation_model == "choice":
        rows.append(HeadlineRow("bypass_share", "patients not at their nearest open centre",
                                "share", None, h.bypass_share, None))
    return rows


@dataclass(frozen=True)
class Report:
    """Everything the HTML and the PDF say (plain data; the pictures are bytes)."""

    scenario: ScenarioPublic
    care_type_name: str
    question: str
    parameters: list[tuple[str, str]]
    headline: list[HeadlineRow]
    centres: list[dict[str, Any]]
    closing: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    sources: list[tuple[str, str, bool]]  # what, how / where from, modelled?
    software_version: str
    dataset_revision: str | None
    map_svg: str = ""
    chart_svg: str = ""
    notes: list[str] = field(default_factory=list)


def _norm_text(s: ScenarioPublic) -> str:
    if s.linked is not None:  # a linked plan: each care type's own
        return "; ".join(f"{part.care_type}: " + ("none" if part.min_volume is None
                                                   else f"{part.min_volume:g} patients / year")
                         for part in s.linked)
    return ("none" if s.min_volume is None else f"{s.min_volume:g} patients / year"
            + (" (the care type's norm)" if s.parameters.apply_norm else ""))


def _parameters(s: ScenarioPublic, region_names: dict[str, str]) -> list[tuple[str, str]]:
    p = s.parameters
    scope = ("the Netherlands" if s.scope.national
             else ", ".join(region_names.get(r, r) for r in s.scope.regions))
    care = (p.care_type_id if s.linked is None else
            ", ".join(p.linked_types) + " (linked: one set of centres for all of them)")
    out = [("care type", care), ("method", METHODS.get(p.method, p.method)),
           ("centres (k)", "chosen by the method" if p.centres is None else str(p.centres)),
           ("travel threshold", f"{p.minutes:g} minutes"),
           ("scope", scope + ("" if s.scope.national else
                              (" (providers outside stay open)" if s.scope.cross_border
                               else " (closed: no patient leaves the scope)"))),
           ("minimum volume per centre", _norm_text(s)),
           ("must stay open", ", ".join(p.keep) or "none"),
           ("must close", ", ".join(p.close) or "none"),
           ("candidates", ", ".join(p.candidates) if p.candidates else p.candidate_set),
           ("allocation", "nearest open centre" if s.allocation_model == "nearest"
            else f"patient choice (model {s.choice_model.id if s.choice_model else '?'})"),
           ("solver", f"{s.headline.solver}, status {s.headline.status}, optimality gap "
                      + format_figure(s.headline.gap, "share"))]
    return out


def _svg_body(data: bytes) -> str:
    """The ``<svg>`` element alone (no XML declaration or DOCTYPE), for inlining in HTML."""
    text = data.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def build_report(s: ScenarioPublic, snap: Snapshot, care_type: dict[str, Any] | None,
                 revision: str | None) -> Report:
    """The report of ``s`` on the graph as stored now (``care_type``: its public record, or
    None when it is no longer in the graph)."""
    ct = care_type or {}
    name = str(ct.get("name") or s.care_type)
    scope = "the Netherlands" if s.scope.national else ", ".join(
        snap.regions.get(r, r) for r in s.scope.regions)
    k = "a number of" if s.parameters.centres is None else str(s.parameters.centres)
    question = (f"What if {name.lower()} for patients in {scope} were concentrated in {k} "
                f"centres ({METHODS.get(s.method, s.method)})? What does it cost in travel, "
                "and do the centres reach the volume norm?")
    centres = [{"hospital": c.hospital, "name": c.name, "region": snap.regions.get(c.region,
                c.region), "status": c.status,
                "patients": format_figure(c.patients, "patients"),
                "baseline_patients": format_figure(c.baseline_patients, "patients"),
                "mean_minutes": format_figure(c.mean_minutes, "minutes"),
                "norm": ("no norm" if c.meets_norm is None
                         else "meets the norm" if c.meets_norm else "below the norm")}
               for c in sorted(s.centres, key=lambda c: -(c.patients or 0.0))]
    closing = [{"hospital": c.hospital, "name": c.name,
                "baseline_patients": format_figure(c.baseline_patients, "patients")}
               for c in s.closing]
    without, losing = set(s.regions_without_centre), set(s.regions_losing_all_centres)
    regions = []
    for rid, travel in sorted(s.by_region.items()):
        regions.append({
            "id": rid, "name": snap.regions.get(rid, rid),
            "baseline_mean": format_figure(travel.baseline.mean, "minutes"),
            "scenario_mean": format_figure(travel.scenario.mean, "minutes"),
            "change": format_figure(_minus(travel.scenario.mean, travel.baseline.mean),
                                    "minutes", signed=True),
            "without_centre": rid in without, "losing_all": rid in losing})
    outline = geo.outline_properties()
    sources: list[tuple[str, str, bool]] = []
    if s.min_volume is not None:
        sources.append(("minimum-volume norm", f"{s.min_volume:g} patients / year; "
                        f"{ct.get('norm_source') or 'source not recorded'}"
                        + (f" ({ct['norm_year']})" if ct.get("norm_year") else ""), False))
    if ct.get("annual_cases") is not None:
        sources.append(("national cases per year", f"{ct['annual_cases']:,}; "
                        f"{ct.get('cases_source') or 'source not recorded'}", False))
    # demand is data only when imported; today's baseline only when it is the observed flows
    if s.demand_model:
        sources.append(("demand per area", s.demand_model,
                        not s.demand_model.startswith("imported")))
    if s.baseline_model:
        sources.append(("today's baseline (who goes where)", s.baseline_model,
                        not s.baseline_model.startswith("observed")))
    for note in s.notes:
        what, _, how = note.partition(": ")
        if what in ("travel", "patient-km", "CO2") and how:
            sources.append((what, how, what == "CO2" or "modelled" in how))
    sources.append(("population and places", "the graph's Area nodes, each with its source "
                    "(their region may be modelled: see each area's confidence)", False))
    sources.append(("map outline", f"{outline.get('source')}; {outline.get('licence')}", False))
    other_notes = [n for n in s.notes
                   if n.partition(": ")[0] not in ("travel", "patient-km", "CO2", "demand",
                                                  "baseline")]
    return Report(
        scenario=s, care_type_name=name, question=question,
        parameters=_parameters(s, snap.regions), headline=headline_rows(s), centres=centres,
        closing=closing, regions=regions, sources=sources,
        software_version=software_version(), dataset_revision=revision,
        map_svg=_svg_body(scenario_map_picture(s, snap, "svg")),
        chart_svg=_svg_body(scenario_chart_picture(s, "svg")), notes=other_notes)


def report_html(report: Report) -> str:
    """The report as one HTML document that loads nothing (style and pictures inline)."""
    return environment().get_template("report.html").render(r=report)


# --------------------------------------------------------------------------- PDF
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans (matplotlib ships it) once; it has ≥, −, ×, € and Dutch letters."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def _escape(text: Any) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def report_pdf(report: Report, snap: Snapshot) -> bytes:
    """The report as an A4 PDF: text as text (searchable), map and chart as PNG."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    s = report.scenario
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=15, leading=19,
                        spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11.5, leading=15,
                        spaceBefore=8, spaceAfter=3)
    width = A4[0] - 36 * mm

    def table(rows: list[list[Any]], widths: list[float] | None = None,
              highlight: list[int] | None = None) -> Table:
        cells = [[Paragraph(_escape(c), small) for c in row] for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [("FONTNAME", (0, 0), (-1, -1), regular),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#445566")),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        for i in highlight or []:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde2e2")))
        t.setStyle(TableStyle(style))
        return t

    def picture(data: bytes, w: float, h_over_w: float) -> Image:
        return Image(io.BytesIO(data), width=w, height=w * h_over_w)

    story: list[Any] = [
        Paragraph(_escape(s.name), h1),
        Paragraph(_escape(f"oncoregio scenario report · {report.care_type_name} · scenario "
                          f"{s.id} · computed {s.created_at}"), small),
        Spacer(1, 3 * mm),
        Paragraph("Question", h2), Paragraph(_escape(report.question), body),
        Paragraph("Parameters", h2),
        table([["parameter", "value"], *[[k, v] for k, v in report.parameters]],
              [45 * mm, width - 45 * mm]),
        Paragraph("Headline figures against today", h2),
        table([["figure", "today", "scenario", "change"],
               *[[r.label, *r.cells()] for r in report.headline]],
              [78 * mm, 32 * mm, 32 * mm, width - 142 * mm]),
        PageBreak(),
        Paragraph("Map", h2),
        picture(scenario_map_picture(s, snap, "png"), width, 900 / 960),
        PageBreak(),
        Paragraph("Travel and volumes", h2),
        picture(scenario_chart_picture(s, "png"), width, 560 / 1200),
        Paragraph("Centres", h2),
        table([["centre", "region", "status", "patients / year", "today", "mean minutes",
                "norm"], *[[c["name"], c["region"], c["status"], c["patients"],
                            c["baseline_patients"], c["mean_minutes"], c["norm"]]
                           for c in report.centres]],
              [46 * mm, 34 * mm, 16 * mm, 20 * mm, 16 * mm, 18 * mm, width - 150 * mm],
              highlight=[i + 1 for i, c in enumerate(report.centres)
                         if c["norm"] == "below the norm"]),
    ]
    if report.closing:
        story += [Paragraph("Centres that close", h2),
                  table([["centre", "patients / year today"],
                         *[[c["name"], c["baseline_patients"]] for c in report.closing]])]
    story += [Paragraph("Regions affected", h2),
              table([["region", "mean travel today", "scenario", "change", "centre in region"],
                     *[[g["name"], g["baseline_mean"], g["scenario_mean"], g["change"],
                        "none (loses all)" if g["losing_all"] else "none"
                        if g["without_centre"] else "yes"] for g in report.regions]],
                    highlight=[i + 1 for i, g in enumerate(report.regions)
                               if g["without_centre"]])]
    story += [KeepTogether([
        Paragraph("Data sources and modelled values", h2),
        table([["what", "source or model", "modelled?"],
               *[[w, how, "modelled" if m else "data"] for w, how, m in report.sources]],
              [38 * mm, width - 58 * mm, 20 * mm])])]
    if report.notes:
        story += [Paragraph("Notes", h2),
                  *[Paragraph("• " + _escape(n), small) for n in report.notes]]
    story += [Spacer(1, 4 * mm), Paragraph(_escape(
        f"software: oncoregio {report.software_version} · dataset revision: "
        f"{report.dataset_revision or 'not recorded'}"), small)]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=s.name,
                            author="oncoregio", subject=f"scenario {s.id}",
                            creator=f"oncoregio {report.software_version}",
                            invariant=1)
    doc.build(story)
    return buffer.getvalue()

