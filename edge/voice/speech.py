"""Speech from text, offline: eSpeak NG through its C library, no network and no daemon.

The library and its voice data come from the PyPI wheel ``espeakng-loader`` (the ``voice``
extra; x86_64 and aarch64 wheels, eSpeak NG 1.52, GPL-3.0-or-later, loaded at run time, not
bundled with the station), or else from the system (Debian: ``apt install espeak-ng``). Text
becomes 16-bit mono PCM at the library's rate (22050 Hz) in a few milliseconds per sentence.

eSpeak NG keeps one global state per process, so ``Speech`` is one object behind a lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import wave
from pathlib import Path
from typing import IO

import numpy as np

from edge.errors import MissingResourceError

_SYNCHRONOUS = 2
"""espeak_AUDIO_OUTPUT: samples handed to the callback, nothing played by the library."""
_RATE, _VOLUME = 1, 2
"""espeak_PARAMETER: words per minute, volume 0..200 (100 normal)."""
_POS_CHARACTER, _CHARS_UTF8 = 1, 1
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)
INSTALL = "pip install 'hipdrive[voice]' (or on Debian: sudo apt install espeak-ng)"


def _library() -> tuple[ctypes.CDLL, bytes | None]:
    """eSpeak NG and its data folder (None: the library's own default)."""
    try:
        import espeakng_loader
    except ImportError:
        name = ctypes.util.find_library("espeak-ng")
        if name is None:
            raise MissingResourceError(
                f"no speech synthesizer (eSpeak NG) is installed; install it with: {INSTALL}"
            ) from None
        return ctypes.CDLL(name), None
    return (
        ctypes.CDLL(espeakng_loader.get_library_path()),
        espeakng_loader.get_data_path().encode(),
    )


class Speech:
    """Text to 16-bit mono samples at ``sample_rate``, in ``voice`` at ``words_per_minute``."""

    _lock = threading.Lock()
    _instance: Speech | None = None

    def __init__(self, voice: str, words_per_minute: int) -> None:
        lib, data = _library()
        self._lib = lib
        self._chunks: list[np.ndarray] = []
        rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise MissingResourceError(
                f"eSpeak NG did not start (error {rate}): its voice data may be missing; "
                f"reinstall it with: {INSTALL}"
            )
        self.sample_rate = int(rate)
        self._callback = _CALLBACK(self._take)
        lib.espeak_SetSynthCallback(self._callback)
        self.voice, self.words_per_minute = "", 0
        self._configure(voice, words_per_minute)

    def _configure(self, voice: str, words_per_minute: int) -> None:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise MissingResourceError(
                f"eSpeak NG has no voice {voice!r}; use a language code such as en-us, en-gb, "
                "de or es (espeak-ng --voices lists them)"
            )
        self._lib.espeak_SetParameter(_RATE, int(words_per_minute), 0)
        self.voice, self.words_per_minute = voice, int(words_per_minute)

    @classmethod
    def get(cls, voice: str = "en-us", words_per_minute: int = 160) -> Speech:
        """The process's synthesizer, set to ``voice`` and ``words_per_minute``."""
        with cls._lock:
            speech = cls._instance
            if speech is None:
                speech = cls._instance = cls(voice, words_per_minute)
            elif (speech.voice, speech.words_per_minute) != (voice, words_per_minute):
                speech._configure(voice, words_per_minute)
            return speech

    def _take(self, wav: ctypes.Array, count: int, events: int) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def samples(self, text: str) -> np.ndarray:
        """(N,) int16: ``text`` spoken."""
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            self._chunks = []
            error = self._lib.espeak_Synth(
                ctypes.c_char_p(data), len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if error != 0:
            raise RuntimeError(f"eSpeak NG could not speak {text!r} (error {error})")
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def write_wav(target: Path | IO[bytes], samples: np.ndarray, sample_rate: int) -> None:
    """16-bit mono ``samples`` at ``sample_rate`` as a WAV file (a path or a binary stream)."""
    with wave.open(str(target) if isinstance(target, Path) else target, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.astype("<i2").tobytes())
