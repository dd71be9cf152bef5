"""Cues a runner hears: the summary's one cue, spoken now and then through the station's speaker.

A runner on a treadmill looks ahead, not down at a console, so the station can say its cue. It
says little (``SpokenCues``):

* at most one spoken cue every ``every_steps`` steps;
* nothing in the first ``quiet_s`` seconds of a session or of a repeat (a lap mark);
* the same cue not again until its metric has moved by ``moved_fraction`` of the value it was
  spoken at (the runner answered and slipped back, or got worse); another cue in between lets
  it be said again;
* nothing while walking: the summary has no cue then, and the station hands over none with a
  step of another gait (the first of a walk, or after a stand, while the summary is still the
  run's: ``Station._publish_step``).

``VoiceCoach`` runs the speaking on its own thread: the station hands it each summary and goes
on; a cue that comes while the last one is still being spoken waits for the next chance.
Speech comes from ``edge.voice.speech`` and goes to ``aplay`` (ALSA, on every Raspberry Pi OS
and JetPack image), or into WAV files in a folder (``voice.output = "wav:FOLDER"``), for a
station without a speaker or a check of what it would say.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from edge.bus.schema import UNJUDGED_KEY, MetricStats, SummaryMsg
from edge.errors import MissingResourceError, UsageError
from edge.gait.summary import cue_metrics
from edge.voice.speech import Speech, write_wav

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Policy:
    """How often the station may speak."""

    every_steps: int = 20
    quiet_s: float = 10.0
    moved_fraction: float = 0.1


class SpokenCues:
    """Which summaries' cues to say (the rules in this module's docstring)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._start_t = -np.inf
        self._steps = policy.every_steps
        self._said: tuple[str, float | None] | None = None

    def start(self, t: float) -> None:
        """A session or a repeat starts at station time ``t``: quiet for a while."""
        self._start_t = t
        self._steps = self.policy.every_steps

    def consider(self, summary: SummaryMsg) -> str | None:
        """The text to say after this summary (one per step), or None."""
        self._steps += 1
        key = summary.cue_key
        if key is None or key == UNJUDGED_KEY or summary.cue is None:
            return None
        if summary.t - self._start_t < self.policy.quiet_s:
            return None
        if self._steps < self.policy.every_steps:
            return None
        value = _cue_value(summary.metrics, key)
        if self._said is not None and self._said[0] == key and not self._moved(value):
            return None
        self._said = (key, value)
        self._steps = 0
        return summary.cue

    def _moved(self, value: float | None) -> bool:
        assert self._said is not None
        before = self._said[1]
        if value is None or before is None:
            return False
        return abs(value - before) >= self.policy.moved_fraction * max(abs(before), 1e-9)


def _cue_value(metrics: Mapping[Any, MetricStats], key: str) -> float | None:
    """The median of the metric behind cue ``key`` (the first it has), None without one."""
    for name in cue_metrics(key):
        stats = metrics.get(name)
        if stats is not None and stats.median is not None:
            return stats.median
    return None


class Speaker(Protocol):
    """Where spoken cues go."""

    def play(self, samples: np.ndarray, sample_rate: int, text: str) -> None: ...


class Aplay:
    """ALSA's ``aplay`` on ``device`` (``default``: the system's default output)."""

    def __init__(self, device: str = "default") -> None:
        program = shutil.which("aplay")
        if program is None:
            raise MissingResourceError(
                "aplay is not installed, so the station cannot play speech; install it with: "
                "sudo apt install alsa-utils (or set voice.output to wav:FOLDER)"
            )
        self._command = [program, "-q", "-D", device, "-"]

    def play(self, samples: np.ndarray, sample_rate: int, text: str) -> None:
        import io

        wav = io.BytesIO()
        write_wav(wav, samples, sample_rate)
        done = subprocess.run(self._command, input=wav.getvalue(), capture_output=True, timeout=30)
        if done.returncode != 0:
            raise OSError(done.stderr.decode(errors="replace").strip() or "aplay failed")


class WavFolder:
    """Each spoken cue as a numbered WAV file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._count = len(list(folder.glob("cue-*.wav")))

    def play(self, samples: np.ndarray, sample_rate: int, text: str) -> None:
        self._count += 1
        name = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
        write_wav(self.folder / f"cue-{self._count:04d}-{name[:40]}.wav", samples, sample_rate)


def open_speaker(output: str, base: Path) -> Speaker:
    """The speaker ``output`` names: ``aplay`` or ``aplay:DEVICE``, or ``wav:FOLDER`` (relative
    to ``base``)."""
    kind, _, where = output.partition(":")
    if kind == "aplay":
        return Aplay(where or "default")
    if kind == "wav" and where:
        folder = Path(where)
        return WavFolder(folder if folder.is_absolute() else base / folder)
    raise UsageError(f"voice.output {output!r}: use aplay, aplay:DEVICE or wav:FOLDER")


class VoiceCoach:
    """Speaks the cues ``SpokenCues`` picks, on its own thread; ``on`` turns it on and off."""

    def __init__(self, speech: Speech, speaker: Speaker, policy: Policy, on: bool = True) -> None:
        self.cues = SpokenCues(policy)
        self.on = on
        self.problem: str | None = None
        self._speech = speech
        self._speaker = speaker
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
        self._thread.start()

    def start(self, t: float) -> None:
        """A session or a repeat starts at ``t``."""
        self.cues.start(t)

    def offer(self, summary: SummaryMsg) -> str | None:
        """Hand over the summary after a step; the text it will speak, or None."""
        text = self.cues.consider(summary)
        if text is None or not self.on:
            return None
        try:
            self._queue.put_nowait(text)
        except queue.Full:
            return None
        return text

    def say(self, text: str) -> None:
        """Speak ``text`` now, on the caller's thread (a check of the speaker)."""
        self._speaker.play(self._speech.samples(text), self._speech.sample_rate, text)

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            try:
                self.say(text)
                self.problem = None
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
                if self.problem is None:
                    log.warning("could not speak %r: %s", text, exc)
                self.problem = str(exc)
            finally:
                self._queue.task_done()

    def drain(self) -> None:
        """Wait until what was handed over has been spoken."""
        self._queue.join()

    def close(self) -> None:
        self.drain()
        self._queue.put(None)
        self._thread.join(timeout=5)
