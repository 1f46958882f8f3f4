"""How the tools print figures: one time format and one Markdown table format, so the
report, `make agreement` and `make repeat` read alike."""

from tabulate import tabulate


def human_time(seconds):
    """Seconds with three significant figures in the largest unit that keeps them >= 1
    (s, ms, µs, ns); below a nanosecond, two figures in ns. The micro sign is U+00B5."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.2g} ns"


def markdown_table(headers, rows):
    """GitHub Markdown table lines. Cells are printed as given: no number parsing, so
    "1.26.4" or "0.17 ns" stay as written."""
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True).splitlines()
