"""Installing a station: ``hipdrive keys generate``, ``voice say``, ``calibrate``."""

from __future__ import annotations

import argparse

from edge.commands import common
from edge.errors import MissingResourceError


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from edge.bus.security import DEFAULT_CLIENT, generate_keys

    keys_dir = args.dir or common.config_of(args).keys_dir
    written = generate_keys(keys_dir, tuple(args.client or [DEFAULT_CLIENT]))
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"all keys already in {keys_dir}")
    print(
        f"clients authorised: {', '.join(sorted(p.stem for p in keys_dir.glob('clients/*.key')))}"
        f"; a client on another machine needs station.key and its clients/NAME.key_secret"
    )
    return 0


def cmd_voice_say(args: argparse.Namespace) -> int:
    from edge.voice.coach import open_speaker
    from edge.voice.speech import Speech, write_wav

    config = common.config_of(args)
    voice = config.voice
    speech = Speech.get(voice.language, voice.words_per_minute)
    samples = speech.samples(args.text)
    seconds = len(samples) / speech.sample_rate
    if args.wav is not None:
        write_wav(args.wav, samples, speech.sample_rate)
        print(f"wrote {args.wav}: {seconds:.2f} s of speech at {speech.sample_rate} Hz")
        return 0
    try:
        open_speaker(voice.output, config.station.data_dir).play(
            samples, speech.sample_rate, args.text
        )
    except OSError as exc:
        raise MissingResourceError(
            f"could not play speech on {voice.output}: {exc}; list the outputs with aplay -L "
            'and set voice.output = "aplay:DEVICE", or write a file with --wav FILE'
        ) from None
    print(f"said {args.text!r} ({seconds:.2f} s) on {voice.output}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from calibrate.cli import run
    from calibrate.defaults import StationDefaults
    from edge.capture import CaptureSettings

    config = common.config_of(args)
    camera = config.camera
    capture = CaptureSettings(camera.width, camera.height, camera.fps, camera.mjpg)
    return run(args, StationDefaults(config.calibration.file, camera.source, capture))
