"""Spoken cues: real speech from eSpeak NG (the voice extra) written to WAV files and measured,
when the station may speak, and the station speaking its cues with no speaker attached."""

from __future__ import annotations

import itertools
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from edge.bus.schema import UNJUDGED_KEY, MetricStats
from edge.config import load_config
from edge.errors import UsageError
from edge.gait.summary import UNJUDGED_CUE
from edge.run.station import Station
from edge.voice.coach import Policy, SpokenCues, VoiceCoach, WavFolder, open_speaker
from edge.voice.speech import Speech, write_wav
from tests.builders import messages
from tests.builders.fakes import FakePose, FakeSource

FRAME_S = 0.02
"""Speech is measured in 20 ms frames."""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), "<i2"), w.getframerate()


def voiced_seconds(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(length, time between the first and last frame louder than -30 dBFS), seconds."""
    n = int(FRAME_S * rate)
    frames = samples[: len(samples) // n * n].reshape(-1, n).astype(np.float64)
    rms = np.sqrt((frames**2).mean(axis=1)) / 32768.0
    loud = np.flatnonzero(rms > 10 ** (-30 / 20))
    span = (loud[-1] - loud[0] + 1) * FRAME_S if len(loud) else 0.0
    return len(samples) / rate, span


@pytest.mark.parametrize(
    ("text", "words"),
    [("Drive from the hip, longer push", 6), ("Land under your hips", 4)],
)
def test_a_cue_is_speech_of_the_right_length(tmp_path: Path, text: str, words: int) -> None:
    """At 160 words a minute a cue of N words takes about N * 0.375 s: held to 0.6-1.4 times
    that, most of it sound (a voice, not silence or a click; eSpeak ends on a short pause)."""
    speech = Speech.get("en-us", 160)
    out = tmp_path / "cue.wav"
    write_wav(out, speech.samples(text), speech.sample_rate)
    samples, rate = read_wav(out)
    assert rate == speech.sample_rate == 22050
    length, voiced = voiced_seconds(samples, rate)
    nominal = words * 60.0 / 160.0
    assert 0.6 * nominal <= length <= 1.4 * nominal, (length, nominal)
    assert voiced >= 0.7 * length
    assert np.abs(samples).max() > 3000


def test_speaking_faster_is_shorter() -> None:
    text = "Drive from the hip, longer push"
    slow = len(Speech.get("en-us", 120).samples(text))
    fast = len(Speech.get("en-us", 240).samples(text))
    assert 0.35 <= fast / slow <= 0.65


def test_an_unknown_voice_says_how_to_pick_one() -> None:
    from edge.errors import MissingResourceError

    with pytest.raises(MissingResourceError, match="en-us, en-gb"):
        Speech.get("xx-nowhere", 160)
    Speech.get("en-us", 160)


def summary(t: float, key: str | None, cue: str | None, overstride: float = 24.0):
    return messages.summary(
        t=t,
        cue_key=key,
        cue=cue,
        metrics={"overstride_cm": MetricStats(median=overstride, iqr=2.0, asymmetry_pct=None)},
    )


LAND = ("overstride", "Land under your hips")
DRIVE = ("hip_drive", "Drive the hip back")


def test_quiet_at_the_start_then_at_most_one_cue_in_n_steps() -> None:
    cues = SpokenCues(Policy(every_steps=5, quiet_s=10.0))
    cues.start(100.0)
    said = [
        cues.consider(summary(100.0 + 0.35 * i, *(LAND if i % 2 else DRIVE))) for i in range(60)
    ]
    spoken = [i for i, text in enumerate(said) if text is not None]
    assert spoken and 0.35 * spoken[0] >= 10.0
    assert all(b - a >= 5 for a, b in itertools.pairwise(spoken))


def test_the_same_cue_waits_until_its_metric_moves() -> None:
    cues = SpokenCues(Policy(every_steps=2, quiet_s=0.0))
    cues.start(0.0)
    assert cues.consider(summary(1.0, *LAND, overstride=24.0)) == LAND[1]
    assert all(cues.consider(summary(2.0 + i, *LAND, overstride=24.5)) is None for i in range(10))
    assert cues.consider(summary(20.0, *LAND, overstride=27.0)) == LAND[1]  # worse by 11%
    assert cues.consider(summary(21.0, *DRIVE)) is None  # too soon after the last
    assert cues.consider(summary(22.0, *DRIVE)) == DRIVE[1]
    assert cues.consider(summary(23.0, *LAND, overstride=27.0)) is None
    assert cues.consider(summary(24.0, *LAND, overstride=27.0)) == LAND[1]  # another came between


def test_a_repeat_starts_quiet_and_walking_says_nothing() -> None:
    cues = SpokenCues(Policy(every_steps=1, quiet_s=5.0))
    cues.start(0.0)
    assert cues.consider(summary(6.0, *LAND)) == LAND[1]
    cues.start(10.0)
    assert cues.consider(summary(12.0, *DRIVE)) is None
    assert cues.consider(summary(16.0, None, None)) is None
    assert cues.consider(summary(16.5, *DRIVE)) == DRIVE[1]


def test_what_could_not_be_judged_is_not_spoken() -> None:
    cues = SpokenCues(Policy(every_steps=1, quiet_s=0.0))
    cues.start(0.0)
    assert cues.consider(summary(1.0, UNJUDGED_KEY, UNJUDGED_CUE)) is None
    assert cues.consider(summary(2.0, *LAND)) == LAND[1]


def test_the_coach_speaks_into_wav_files_and_can_be_silenced(tmp_path: Path) -> None:
    coach = VoiceCoach(
        Speech.get("en-us", 160), WavFolder(tmp_path), Policy(every_steps=1, quiet_s=0.0)
    )
    try:
        assert coach.offer(summary(1.0, *LAND)) == LAND[1]
        coach.drain()
        coach.on = False
        assert coach.offer(summary(2.0, *DRIVE)) is None
        coach.drain()
    finally:
        coach.close()
    files = sorted(tmp_path.glob("cue-*.wav"))
    assert [f.name for f in files] == ["cue-0001-land-under-your-hips.wav"]
    length, voiced = voiced_seconds(*read_wav(files[0]))
    assert 0.8 < length < 2.5 and voiced > 0.7 * length


def test_an_unknown_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="aplay, aplay:DEVICE or wav:FOLDER"):
        open_speaker("speaker", tmp_path)


def test_the_station_speaks_its_cues(tmp_path: Path, mocap_trial) -> None:
    from edge.demo.scene import SideCamera
    from tests.builders.keypoint_tracks import synth_track

    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[bus]\npublish = "ipc://{tmp_path}/pub"\ncontrol = "ipc://{tmp_path}/ctl"\n'
        '[pose]\ncrop = false\n[voice]\nenabled = true\noutput = "wav:voice"\n'
        "every_steps = 8\nquiet_s = 0\n"
    )
    config = load_config(path)
    t, kp = synth_track(mocap_trial, 60.0, SideCamera(), seed=31)
    running = kp[t < 12.0]
    station = Station(config, FakeSource(len(running)), FakePose(running))
    thread = threading.Thread(target=station.run, args=(threading.Event(),))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    files = sorted((tmp_path / "data" / "voice").glob("cue-*.wav"))
    # ~30 steps, one cue in 8 at most, the same cue only once its metric has moved
    assert 1 <= len(files) <= station.steps_published // 8 + 1
    for f in files:
        length, voiced = voiced_seconds(*read_wav(f))
        assert 0.5 < length < 4.0 and voiced > 0.7 * length


def test_voice_say_writes_the_cue_an_installer_can_play(tmp_path: Path, capsys) -> None:
    from edge.cli import main

    out = tmp_path / "say.wav"
    assert main(["voice", "say", "--wav", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    length, voiced = voiced_seconds(*read_wav(out))
    assert 1.2 < length < 3.0 and voiced > 0.7 * length
