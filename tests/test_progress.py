"""Progress of long operations: Rich's bar on a terminal, a line per tenth in a log."""

from __future__ import annotations

import io

from edge.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_at_the_start_and_per_tenth_and_the_total() -> None:
    log = io.StringIO()
    bar = Progress("frames", total=50, stream=log)
    for _ in range(50):
        bar.update()
    bar.close()
    lines = log.getvalue().splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["1/50"] + [
        f"{5 * k}/50" for k in range(1, 11)
    ]
    assert lines[-1].startswith("frames: done, 50 in ")
    assert bar.done == 50


def test_without_a_total_a_log_gets_only_the_end() -> None:
    log = io.StringIO()
    bar = Progress("images", stream=log)
    bar.update(7)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("images: done, 7 in ")


def test_a_terminal_gets_richs_bar() -> None:
    screen = Terminal()
    bar = Progress("annotating demo.mp4", total=40, stream=screen)
    for _ in range(40):
        bar.update()
    bar.close()
    drawn = screen.getvalue()
    assert "annotating demo.mp4" in drawn and "40/40" in drawn
    assert "━" in drawn
    assert "annotating demo.mp4: done, 40 in " in drawn.rstrip().splitlines()[-1]
