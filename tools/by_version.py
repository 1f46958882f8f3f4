"""asv plugin (listed under "plugins" in asv.conf.json): `asv publish` also writes
html/by-version.html, the cost of each benchmark against the releases of one library.

asv's own graphs draw cost against commits, one series per environment; the question
here is "did a release make this crossing cheaper or dearer?". Every environment of the
matrix differs from the reference pins (the newest release of every library) in at most
one library, its axis: numpy, pyspark or pandas; the reference environment is on every
axis. For each machine and benchmark, the page draws one chart per axis on which an
environment other than the reference has results: x = that library's releases (the
matrix's and any recorded, in version order), y = the recorded value of the newest
commit of each environment, one line per parameter combination. A value that is
missing is named, never drawn: "no results" (no environment of that release ran on the
machine), "not run", "failed", "skipped". Changes confirmed by tools/compare.py
(results/confirmations/<machine>.json) are marked on their line and listed.

The charts are inline SVG written here (no JavaScript library), so the page works from
file:// and from `asv preview` and loads nothing. The publisher also adds a "By version"
entry to the nav bar of asv's index.html, and legend-outside.js, which makes asv's graph
pages draw their legend in a column beside the plot instead of over it.
"""

import html
import itertools
import json
import math
import os
import re
import shutil
from pathlib import Path
from typing import NamedTuple

from asv.publishing import OutputPublisher
from asv.results import _format_param_value, iter_results_for_machine
from asv.util import UserError
from packaging.version import InvalidVersion, Version

# Relative: asv imports plugins as the package `tools` (".tools.by_version").
from . import asv_identity
from .asv_checkpoint import replace_file
from .formatting import human_time

AXES = asv_identity.AXES
PAGE = "by-version.html"
LEGEND_JS = Path(__file__).resolve().parent.parent / "dashboard" / "legend-outside.js"
NAV_ENTRY = f'<li id="nav-li-by-version"><a href="{PAGE}">By version</a></li>'


# --- data ------------------------------------------------------------------------------

class Point(NamedTuple):
    value: float | None
    missing: str | None  # why there is no value: "no results", "not run", "failed", "skipped"


class Line(NamedTuple):
    params: tuple       # asv's parameter strings, e.g. ("1000000", "'on'")
    label: str          # "rows=10^6, arrow=on"
    points: list        # one Point per release of the chart


class Chart(NamedTuple):
    machine: str
    benchmark: str
    axis: str
    releases: list      # version order
    commits: list       # commit of the results drawn at each release (None: no results)
    unit: str
    lines: list
    changes: list       # confirmations entries of this chart


def release_order(release):
    try:
        return (0, Version(release))
    except InvalidVersion:
        return (1, release)


def readable(value):
    """An asv parameter string as a reader writes it: "'on'" -> "on", "1000000" -> "10^6"."""
    text = _format_param_value(value)
    if text.isdigit() and len(text) > 2 and text.strip("0") == "1":
        return f"10^{len(text) - 1}"
    return text


def param_label(names, params):
    return ", ".join(f"{name}={readable(value)}" for name, value in zip(names, params))


def newest_per_release(results_dir, machine, reference):
    """{axis: {release: Results}}: the newest commit's results of each environment on an
    axis; the reference environment is filed under every axis."""
    chosen = {axis: {} for axis in AXES}
    if not os.path.isfile(os.path.join(results_dir, machine, "machine.json")):
        return chosen
    for result in iter_results_for_machine(results_dir, machine):
        requirements = {lib: result.params.get(lib) for lib in reference}
        axis = asv_identity.axis_of(requirements, reference)
        for on in (AXES if axis == "reference" else [axis] if axis else []):
            release = requirements[on]
            old = chosen[on].get(release)
            if old is None or (result.date or 0) > (old.date or 0):
                chosen[on][release] = result
    return chosen


def point(result, benchmark, params, benchmarks):
    if result is None:
        return Point(None, "no results")
    if benchmark not in result.get_result_keys(benchmarks):  # absent or an older version
        return Point(None, "not run")
    recorded = result.get_result_params(benchmark)
    combos = list(itertools.product(*recorded))
    if params not in combos:
        return Point(None, "not run")
    value = result.get_result_value(benchmark, recorded)[combos.index(params)]
    if value is None:
        return Point(None, "failed")
    if math.isnan(value):
        return Point(None, "skipped")
    return Point(value, None)


def load_confirmations(results_dir, machine):
    """The confirmations file's content for `machine`, or None when there is none."""
    path = os.path.join(results_dir, "confirmations", f"{machine}.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("version") != 1 or not isinstance(data.get("changes"), list):
            raise ValueError("needs version 1 and a list of changes")
    except (OSError, ValueError, AttributeError) as exc:
        raise UserError(f"{path}: not a confirmations file ({exc}); tools/compare.py writes it") from None
    return data


def current_changes(confirmations):
    """The confirmations file's entries for its own commit: compare.py keeps older
    commits' entries too, whose results may no longer be the ones drawn. The same as
    compare.current_changes, which this plugin can't import (asv loads it as a package)."""
    commit = (confirmations or {}).get("commit")
    return [c for c in (confirmations or {}).get("changes", []) if c.get("commit", commit) == commit]


def charts(results_dir, machine, benchmarks, matrix, confirmations=None):
    """Chart per (benchmark, axis) with results of an environment other than the
    reference; benchmarks: {name: asv's benchmark info}, matrix: asv.conf.json's."""
    reference = asv_identity.reference_pins(matrix)
    per_release = newest_per_release(results_dir, machine, reference)
    changes = current_changes(confirmations)
    out = []
    for name in sorted(benchmarks):
        info = benchmarks[name]
        for axis in AXES:
            found = per_release[axis]
            if not any(release != reference[axis] and name in result.get_result_keys(benchmarks)
                       for release, result in found.items()):
                continue
            releases = sorted(set(matrix["req"][axis]) | set(found), key=release_order)
            lines = [Line(combo, param_label(info["param_names"], combo) or name.rsplit(".", 1)[1],
                          [point(found.get(r), name, combo, benchmarks) for r in releases])
                     for combo in itertools.product(*info["params"])]
            mine = [c for c in changes if c.get("axis") == axis and c.get("benchmark") == name]
            out.append(Chart(machine, name, axis, releases,
                             [found[r].commit_hash if r in found else None for r in releases],
                             info.get("unit") or "", lines, mine))
    return out


# --- drawing ---------------------------------------------------------------------------

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]  # after ten lines, colours repeat with a dash
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 16, 44


def style(i):
    return COLOURS[i % len(COLOURS)], DASHES[(i // len(COLOURS)) % len(DASHES)]


def value_text(value, unit):
    if unit == "seconds":
        return human_time(value)
    if unit == "bytes":
        for suffix, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value:.3g} B"
    return f"{value:.3g} {unit}".strip()


def scale(values):
    """(to_y(value) in 0..1, ticks): logarithmic when the values span more than a factor
    of 10, else linear over their range."""
    low, high = min(values), max(values)
    if low > 0 and high / low > 10:
        lo, hi = math.log10(low), math.log10(high)
        decades = range(math.floor(lo), math.ceil(hi) + 1)
        ticks = [10.0 ** k for k in decades if low <= 10.0 ** k <= high]
        if len(ticks) < 3:  # a decade or two: 1-2-5 steps
            ticks = [m * 10.0 ** k for k in decades for m in (1, 2, 5) if low <= m * 10.0 ** k <= high]
        return (lambda v: (math.log10(v) - lo) / (hi - lo)), ticks
    if high == low:
        low, high = (low * 0.9, high * 1.1) if low else (-1.0, 1.0)
    step = 10 ** math.floor(math.log10((high - low) / 4))
    step *= next(m for m in (1, 2, 5, 10) if (high - low) / (step * m) <= 5)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    return (lambda v: (v - low) / (high - low)), ticks


def change_text(change):
    ratio = change["ratio"]
    factor = ratio if ratio >= 1 else 1 / ratio
    return f"{factor:.2g}x {change['direction']}, {'confirmed' if change['confirmed'] else 'not confirmed'}"


def svg(chart):
    e = html.escape
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(chart.releases)
    x = [LEFT + (i + 0.5) * plot_w / n for i in range(n)]
    values = [p.value for line in chart.lines for p in line.points if p.value is not None]
    to_y, ticks = scale(values) if values else (None, [])

    def y(v):
        return TOP + plot_h * (1 - to_y(v))

    parts = [f'<svg class="chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img">',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" class="plot-area"/>']
    for t in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" class="y-label">{e(value_text(t, chart.unit))}</text>')
    for i, release in enumerate(chart.releases):
        parts.append(f'<text x="{x[i]:.1f}" y="{TOP + plot_h + 18}" class="x-label">{e(release)}</text>')
        why = sorted({line.points[i].missing for line in chart.lines if line.points[i].missing})
        if why:
            whole = all(line.points[i].missing for line in chart.lines)
            text = ", ".join(why) if whole else f"{sum(1 for l in chart.lines if l.points[i].missing)} missing"
            parts.append(f'<text x="{x[i]:.1f}" y="{TOP + plot_h + 34}" class="missing-label">{e(text)}</text>')
    if not values:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" class="missing-label">'
                     'no recorded values</text>')
    for k, line in enumerate(chart.lines):
        colour, dash = style(k)
        # Consecutive values are joined by the line; values with missing releases between
        # them only by a faint dotted bridge, so a gap stays visible as a gap.
        d, bridges, last = [], [], None
        for i, p in enumerate(line.points):
            if p.value is None:
                continue
            here = f"{x[i]:.1f},{y(p.value):.1f}"
            if last is not None and last[0] == i - 1:
                d.append(f"L{here}")
            else:
                d.append(f"M{here}")
                if last is not None:
                    bridges.append(f"M{last[1]} L{here}")
            last = (i, here)
        parts.append(f'<path class="line" data-label="{e(line.label)}" d="{" ".join(d)}" stroke="{colour}"'
                     + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        if bridges:
            parts.append(f'<path class="gap" d="{" ".join(bridges)}" stroke="{colour}"/>')
        for i, p in enumerate(line.points):
            if p.value is not None:
                parts.append(f'<circle cx="{x[i]:.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}"><title>'
                             f'{e(line.label)}, {chart.axis} {e(chart.releases[i])}: '
                             f'{e(value_text(p.value, chart.unit))}</title></circle>')
    for change in chart.changes:
        if not change.get("confirmed"):
            continue
        line = next((l for l in chart.lines if list(l.params) == list(change["params"])), None)
        if line is None or change["a"] not in chart.releases or change["b"] not in chart.releases:
            continue
        ia, ib = chart.releases.index(change["a"]), chart.releases.index(change["b"])
        pa, pb = line.points[ia], line.points[ib]
        cx = (x[ia] + x[ib]) / 2
        cy = (y(pa.value) + y(pb.value)) / 2 if values and None not in (pa.value, pb.value) else TOP + 12
        text = change_text(change)
        parts.append(f'<g class="confirmed-change"><path d="M{cx:.1f},{cy - 7:.1f} l7,7 l-7,7 l-7,-7 z" '
                     f'fill="#d00"/><text x="{cx + 10:.1f}" y="{cy - 6:.1f}" class="change-label">'
                     f'{e(text)}</text><title>{e(line.label)}: {e(change["a"])} -> {e(change["b"])}, '
                     f'{e(text)}</title></g>')
    parts.append("</svg>")
    return "".join(parts)


def table(chart):
    """The chart's legend and values: a row per line, a column per release."""
    e = html.escape
    head = "".join(f'<th title="commit {e((c or "none")[:8])}">{e(r)}</th>'
                   for r, c in zip(chart.releases, chart.commits))
    rows = []
    for k, line in enumerate(chart.lines):
        colour, dash = style(k)
        swatch = (f'<svg width="24" height="8"><line x1="0" y1="4" x2="24" y2="4" stroke="{colour}" '
                  f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/></svg>")
        cells = "".join(f"<td>{e(value_text(p.value, chart.unit))}</td>" if p.value is not None
                        else f'<td class="missing">{e(p.missing)}</td>' for p in line.points)
        rows.append(f"<tr><th>{swatch} {e(line.label)}</th>{cells}</tr>")
    return f'<table class="values"><tr><th>{e(chart.axis)}</th>{head}</tr>{"".join(rows)}</table>'


def change_list(chart, labels):
    e = html.escape
    items = [f'<li class="{"confirmed" if c.get("confirmed") else "unconfirmed"}">{e(chart.axis)} '
             f'{e(c["a"])} -> {e(c["b"])}, {e(labels.get(tuple(c["params"]), str(c["params"])))}: '
             f'{e(change_text(c))} (pair ratios {c["low"]:.3g}-{c["high"]:.3g}, sweep {c["sweep_ratio"]:.3g})</li>'
             for c in chart.changes]
    return f'<ul class="changes">{"".join(items)}</ul>' if items else ""


CSS = """
body { font-family: sans-serif; margin: 1em 2em; color: #222; }
nav a { margin-right: 1em; }
#filter { width: 30em; padding: 3px; }
.index { columns: 2; font-size: 90%; }
section.benchmark { border-top: 1px solid #ccc; margin-top: 1.5em; }
.plot-area { fill: none; stroke: #999; }
.grid { stroke: #eee; }
.line { fill: none; stroke-width: 1.5; }
.gap { fill: none; stroke-width: 1; stroke-dasharray: 1 4; opacity: 0.6; }
.x-label { text-anchor: middle; font-size: 12px; }
.y-label { text-anchor: end; font-size: 11px; }
.missing-label { text-anchor: middle; font-size: 11px; fill: #999; font-style: italic; }
.change-label { font-size: 12px; fill: #d00; font-weight: bold; }
table.values { border-collapse: collapse; font-size: 12px; margin: 4px 0 12px; }
table.values td, table.values th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
table.values th:first-child { text-align: left; font-weight: normal; }
td.missing { color: #999; font-style: italic; }
li.confirmed { color: #d00; }
"""

FILTER_JS = """
document.getElementById('filter').addEventListener('input', function () {
    var words = this.value.toLowerCase().split(/\\s+/).filter(Boolean);
    document.querySelectorAll('section.benchmark').forEach(function (s) {
        var name = s.id.toLowerCase();
        s.hidden = !words.every(function (w) { return name.indexOf(w) >= 0; });
    });
});
"""


def page(all_charts, machines, benchmarks, notes):
    """The HTML text of by-version.html. notes: {machine: line on its confirmation run}."""
    e = html.escape
    by_benchmark = {}
    for chart in all_charts:
        by_benchmark.setdefault(chart.benchmark, []).append(chart)
    modules = {}
    for name in sorted(benchmarks):
        modules.setdefault(name.split(".", 1)[0], []).append(name)
    index = "".join(f"<li><b>{e(m)}</b>: " + ", ".join(
        f'<a href="#{e(n)}">{e(n.split(".", 1)[1])}</a>' for n in names) + "</li>"
        for m, names in modules.items())
    body = []
    for name in sorted(benchmarks):
        info = benchmarks[name]
        parts = [f'<section class="benchmark" id="{e(name)}"><h3>{e(name)} '
                 f'<small><a href="index.html#{e(name)}">asv graph</a></small></h3>']
        mine = by_benchmark.get(name, [])
        for machine in machines:
            charts_here = [c for c in mine if c.machine == machine]
            if not charts_here:
                parts.append(f"<p>Machine {e(machine)}: no release other than the reference "
                             "has results for this benchmark.</p>")
            for chart in charts_here:
                labels = {line.params: line.label for line in chart.lines}
                unit = f" ({e(info.get('unit') or '')})" if info.get("unit") else ""
                parts.append(f'<div class="chart-block" data-axis="{e(chart.axis)}">'
                             f"<h4>{e(chart.axis)} releases, machine {e(machine)}{unit}</h4>"
                             f"{svg(chart)}{table(chart)}{change_list(chart, labels)}</div>")
        parts.append("</section>")
        body.append("".join(parts))
    machine_lines = "".join(f"<li>{e(m)}: {e(notes[m])}</li>" for m in machines)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>boundary-bench: cost by release</title>
<style>{CSS}</style></head>
<body>
<nav><a href="index.html">asv dashboard</a></nav>
<h1>Cost by release</h1>
<p>Each chart holds every library at its reference pin (the newest release) but one, and draws
the newest recorded value of each release of that library; one line per parameter combination.
Missing values are named under the axis and in the table, not drawn (a dotted line bridges them). Confirmed changes are marked in red.</p>
<ul>{machine_lines}</ul>
<p><input id="filter" type="search" placeholder="filter benchmarks (words of the name)"></p>
<ul class="index">{index}</ul>
{"".join(body)}
<script>{FILTER_JS}</script>
</body></html>
"""


# --- the publisher ---------------------------------------------------------------------

def machines_of(results_dir):
    return sorted(p.parent.name for p in Path(results_dir).glob("*/machine.json"))


def confirmation_note(data):
    if data is None:
        return "no confirmation run"
    changes = current_changes(data)
    confirmed = sum(1 for c in changes if c.get("confirmed"))
    return (f"confirmation run of commit {data.get('commit', '?')[:8]} ({data.get('pairs', '?')} pairs): "
            f"{confirmed} of {len(changes)} changes confirmed")


def publish_by_version(conf, benchmarks):
    info = {name: benchmarks[name] for name in benchmarks}
    machines = machines_of(conf.results_dir)
    all_charts, notes = [], {}
    for machine in machines:
        confirmations = load_confirmations(conf.results_dir, machine)
        notes[machine] = confirmation_note(confirmations)
        all_charts += charts(conf.results_dir, machine, info, conf.matrix, confirmations)
    replace_file(os.path.join(conf.html_dir, PAGE), page(all_charts, machines, info, notes))
    shutil.copyfile(LEGEND_JS, os.path.join(conf.html_dir, LEGEND_JS.name))
    index = os.path.join(conf.html_dir, "index.html")
    with open(index, encoding="utf-8") as f:
        text = f.read()
    regressions = re.search(r'<li id="nav-li-regressions">.*?</li>', text)
    if regressions is None or "</head>" not in text:
        raise UserError(f"{index}: no Regressions nav entry or </head> to extend (asv's template changed?)")
    text = text.replace(regressions[0], regressions[0] + "\n\t" + NAV_ENTRY, 1)
    text = text.replace("</head>", f'  <script src="{LEGEND_JS.name}"></script>\n  </head>', 1)
    replace_file(index, text)


class ByVersion(OutputPublisher):
    # After asv's own pages (order 0-3), before the offline check (order inf).
    order = 10

    @classmethod
    def publish(cls, conf, repo, benchmarks, graphs, revisions):
        publish_by_version(conf, benchmarks)
