"""Latency distribution chart (SVG, no plotting library needed): percentile on an HdrHistogram-style axis
(1 / (1 - p)), latency on a log axis. Usage: chart.py OUT.svg TITLE LABEL=percentiles.txt ..."""
import math
import sys

out, title, series = sys.argv[1], sys.argv[2], [a.split("=", 1) for a in sys.argv[3:]]
colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
W, H, L, R, T, B = 760, 420, 70, 190, 40, 50

def x_of(p):  # 0 % -> 0 (p1 is the first point drawn), 90 % -> 1, 99 % -> 2, 99.9 % -> 3, 99.99 % -> 4
    return math.log10(1 / (1 - min(p, 99.99) / 100))

data = []
for label, path in series:
    points = [(float(p), max(int(us), 1) / 1000) for p, us in (line.split() for line in open(path))]
    data.append((label, points))
ms_values = [ms for _, pts in data for _, ms in pts]
y_lo = 10 ** math.floor(math.log10(min(ms_values)))
y_hi = 10 ** math.ceil(math.log10(max(ms_values)))
x_hi = 4.0
def px(p): return L + (W - L - R) * x_of(p) / x_hi
def py(ms): return T + (H - T - B) * (1 - (math.log10(ms) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)))

svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14" font-weight="bold">{title}</text>']
decade = y_lo
while decade <= y_hi * 1.0001:
    y = py(decade)
    svg.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
    svg.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{decade:g} ms</text>')
    decade *= 10
for p in (50, 90, 99, 99.9, 99.99):
    x = px(p)
    svg.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#ddd"/>')
    svg.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">p{p:g}</text>')
svg.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 12}" text-anchor="middle">percentile</text>')
for i, (label, points) in enumerate(data):
    colour = colours[i % len(colours)]
    path = " ".join(f"{px(p):.1f},{py(ms):.1f}" for p, ms in points)
    svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    y = T + 10 + 18 * i
    svg.append(f'<line x1="{W - R + 12}" y1="{y}" x2="{W - R + 32}" y2="{y}" stroke="{colour}" stroke-width="2"/>')
    svg.append(f'<text x="{W - R + 38}" y="{y + 4}">{label}</text>')
svg.append("</svg>")
open(out, "w").write("\n".join(svg) + "\n")
