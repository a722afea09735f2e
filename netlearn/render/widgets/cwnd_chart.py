"""A small chart of a sender's congestion window and bytes in flight against time.

Columns are time slices, rows are bytes: `█` the congestion window (cwnd), `▒` bytes in flight
below it, `-` the slow-start threshold. Drawn from `WindowSample` events only, so a saved trace
draws the same chart. `lines()` gives plain text (for pipes); the widget is the Rich form.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.content.words import say
from netlearn.events import WindowSample

HEIGHT = 10


class CwndChart:
    def __init__(self, samples: Sequence[WindowSample], smss: int = 1460, title: str = "") -> None:
        self.samples = list(samples)
        self.smss = max(1, smss)
        self.title = title

    def grid(self, width: int) -> list[list[str]]:
        """HEIGHT rows (top first) of `width` cells."""
        cols = max(10, width - 12)
        if not self.samples:
            return [[" "] * cols for _ in range(HEIGHT)]
        t0, t1 = self.samples[0].t, self.samples[-1].t
        span = (t1 - t0) or 1.0
        top = max(max(s.cwnd, s.flight) for s in self.samples)
        top = max(top, self.smss)
        rows = [[" "] * cols for _ in range(HEIGHT)]
        # the last sample at or before each column's time
        k = 0
        for c in range(cols):
            t = t0 + span * c / max(1, cols - 1)
            while k + 1 < len(self.samples) and self.samples[k + 1].t <= t + 1e-12:
                k += 1
            s = self.samples[k]
            h_cwnd = round(s.cwnd / top * HEIGHT)
            h_flight = round(min(s.flight, s.cwnd) / top * HEIGHT)
            for r in range(HEIGHT):
                level = HEIGHT - r  # 1 at the bottom row
                if level <= h_flight:
                    rows[r][c] = "▒"
                elif level <= h_cwnd:
                    rows[r][c] = "█"
            if s.ssthresh is not None and s.ssthresh <= top:
                r = HEIGHT - max(1, round(s.ssthresh / top * HEIGHT))
                rows[r][c] = "-"
        return rows

    def lines(self, width: int) -> list[str]:
        rows = self.grid(width)
        if not self.samples:
            return [self.title, say("core.render.cwnd.empty")]
        top = max(max(s.cwnd, s.flight) for s in self.samples)
        top = max(top, self.smss)
        out = [self.title] if self.title else []
        for r, row in enumerate(rows):
            label = ""
            if r == 0:
                label = say("core.render.cwnd.top", segments=f"{top / self.smss:.0f}")
            elif r == HEIGHT - 1:
                label = "0"
            out.append(f"{label:>9} │" + "".join(row).rstrip())
        t0, t1 = self.samples[0].t, self.samples[-1].t
        cols = len(rows[0])
        out.append(" " * 10 + "└" + "─" * cols)
        right = f"{t1:.2f} s"
        out.append(" " * 11 + f"{t0:.2f} s".ljust(cols - len(right)) + right)
        out.append(" " * 11 + say("core.render.cwnd.legend"))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = min(options.max_width, 100)
        styles = {"█": "cyan", "▒": "yellow", "-": "bold red"}
        for i, line in enumerate(self.lines(width)):
            text = Text(no_wrap=True, overflow="crop")
            if i == 0 and self.title:
                text.append(line, style="bold")
            else:
                for ch in line:
                    text.append(ch, style=styles.get(ch))
            yield text


if __name__ == "__main__":
    from netlearn.render.widgets.demo_events import window_samples

    Console().print(CwndChart(window_samples(), 1460, "cwnd: slow start, a loss, avoidance"))
