"""Server-rendered inline SVG charts (no JavaScript): bars and lines, with text alternatives.

Shared by the metrics dashboard and the survey results (a top-level module: surveys sit below metrics)."""

from __future__ import annotations

from fractions import Fraction

from markupsafe import Markup, escape

from govern.formats import decimal_string


def _num(v: Fraction | None) -> float:
    # Floats only for pixel positions, never for a figure.
    return float(v) if v is not None else 0.0


def _fit(label: str, units: int = 22) -> str:
    """Shorten a label to about ``units`` half-width characters (a CJK character counts two), with an ellipsis.

    The label column is 170 px wide; the full label is in the table beside each chart.
    """
    used, out = 0, []
    for ch in label:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > units:
            return "".join(out).rstrip() + "…"
        out.append(ch)
        used += w
    return label


def bar_chart(data: list[tuple[str, Fraction | None]], *, title: str, signed: bool = False,
              target: Fraction | None = None, suffix: str = "", places: int = 2) -> Markup:
    """Horizontal bars, one per label; ``signed`` draws negative values leftwards from a centre axis."""
    width, label_w, row_h, pad = 560, 170, 30, 8
    height = pad * 2 + row_h * max(len(data), 1) + 16
    values = [abs(_num(v)) for _l, v in data] + ([_num(target)] if target is not None else [])
    top = max(values + [1e-9])
    plot_w = width - label_w - 70
    zero_x = label_w + (plot_w / 2 if signed else 0)
    scale = (plot_w / 2 if signed else plot_w) / top
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, v) in enumerate(data):
        y = pad + i * row_h
        shown = decimal_string(v, places)
        text = "—" if shown is None else f"{shown}{suffix}"
        parts.append(f'<text x="{label_w - 6}" y="{y + 19}" text-anchor="end"><title>{escape(label)}</title>'
                     f'{escape(_fit(label))}</text>')
        if v is not None:
            w = abs(_num(v)) * scale
            x = zero_x - w if signed and v < 0 else zero_x
            cls = "bar-neg" if signed and v < 0 else "bar"
            parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 10}"/>')
        tx = zero_x + (abs(_num(v)) * scale if v is not None and not (signed and v < 0) else 0) + 4
        parts.append(f'<text x="{tx:.1f}" y="{y + 19}">{escape(text)}</text>')
    axis_bottom = pad + row_h * max(len(data), 1)
    parts.append(f'<line class="axis" x1="{zero_x:.1f}" y1="{pad}" x2="{zero_x:.1f}" y2="{axis_bottom}"/>')
    if target is not None:
        tx = zero_x + _num(target) * scale
        parts.append(f'<line class="target" x1="{tx:.1f}" y1="{pad}" x2="{tx:.1f}" y2="{axis_bottom}"/>'
                     f'<text x="{tx:.1f}" y="{axis_bottom + 13}" text-anchor="middle">'
                     f'{escape(decimal_string(target, 0))}{escape(suffix)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def line_chart(labels: list[str], series: list[tuple[str, list[Fraction | None]]], *, title: str,
               as_percent: bool = True) -> Markup:
    """Lines over time (months); gaps where a month has no data."""
    width, height, left, right, top, bottom = 560, 220, 44, 12, 12, 34
    values = [_num(v) for _n, vs in series for v in vs if v is not None]
    vmax = 1.0 if as_percent else max(values + [1e-9]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def xy(i, v):
        return left + i * step, top + plot_h - (_num(v) / vmax) * plot_h

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}"/>',
             f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
             f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{"100%" if as_percent else f"{vmax:.1f}"}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle">{escape(label)}</text>')
    for k, (_name, vs) in enumerate(series):
        cls = "line" if k == 0 else "line-alt"
        segment: list[str] = []
        for i, v in enumerate(vs + [None]):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline class="{cls}" points="{" ".join(segment)}"/>')
                if len(segment) == 1:
                    x, y = segment[0].split(",")
                    parts.append(f'<circle class="{cls}" cx="{x}" cy="{y}" r="3"/>')
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels escaped above
