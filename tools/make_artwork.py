"""Draw the book's logo and favicon as small, hand-made SVG files (book/_static/).

Usage: python tools/make_artwork.py

The picture is the book in one line: a cosine-annealed learning rate with warm restarts (blue),
a snapshot saved at the bottom of each cycle (orange), and the snapshots combined into one model
(green). Plain SVG text, no fonts and nothing random, so the output is the same on every run;
tests/test_artwork.py checks the committed files against this script.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "book" / "_static"
BLUE, ORANGE, GREEN = "#0072B2", "#D55E00", "#009E73"  # the book's palette (ensemble_lib.plotting)


def cosine_restarts(x0: float, y_top: float, y_bottom: float, cycle_width: float, n_cycles: int, steps: int = 24):
    """An SVG path for ``n_cycles`` cosine cycles falling from ``y_top`` to ``y_bottom``, and the cycle ends."""
    commands, ends = [], []
    for cycle in range(n_cycles):
        start = x0 + cycle * cycle_width
        for step in range(steps + 1):
            t = step / steps
            x = start + t * cycle_width
            y = y_bottom + (y_top - y_bottom) * (math.cos(math.pi * t) + 1) / 2
            commands.append(f"{'M' if cycle == step == 0 else 'L'}{x:.1f},{y:.1f}")
        ends.append((start + cycle_width, y_bottom))
    return " ".join(commands), ends


def logo() -> str:
    path, ends = cosine_restarts(x0=10, y_top=14, y_bottom=62, cycle_width=46, n_cycles=4)
    ensemble = (222, 62)
    dots = "\n".join(f'  <circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{ORANGE}"/>' for x, y in ends)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 80" width="240" height="80">
  <title>Weight averaging and snapshot ensembles</title>
  <line x1="{ends[0][0]:.1f}" y1="62" x2="{ensemble[0] - 9}" y2="62" stroke="{GREEN}" stroke-width="2.5" stroke-dasharray="4 4"/>
  <path d="{path}" fill="none" stroke="{BLUE}" stroke-width="3.5" stroke-linejoin="round" stroke-linecap="round"/>
{dots}
  <circle cx="{ensemble[0]}" cy="{ensemble[1]}" r="9" fill="{GREEN}"/>
  <circle cx="{ensemble[0]}" cy="{ensemble[1]}" r="4" fill="#ffffff"/>
</svg>
"""


def favicon() -> str:
    path, ends = cosine_restarts(x0=5, y_top=8, y_bottom=23, cycle_width=11, n_cycles=2, steps=12)
    x, y = ends[-1]
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">
  <rect width="32" height="32" rx="6" fill="{BLUE}"/>
  <path d="{path}" fill="none" stroke="#ffffff" stroke-width="2.6" stroke-linejoin="round" stroke-linecap="round"/>
  <circle cx="{x:.1f}" cy="{y:.1f}" r="3.4" fill="{ORANGE}" stroke="#ffffff" stroke-width="1"/>
</svg>
"""


ARTWORK = {"logo.svg": logo, "favicon.svg": favicon}


def main() -> int:
    STATIC.mkdir(parents=True, exist_ok=True)
    for name, draw in ARTWORK.items():
        (STATIC / name).write_text(draw())
        print(f"wrote {(STATIC / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
