from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from calibrate.fileformat import (
    calibration_if_present,
    dumps,
    load_calibration,
    loads,
    write_calibration,
)
from calibrate.model import Calibration, Intrinsics, Plane
from edge.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CREATED = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone.utc)


def full_calibration() -> Calibration:
    rng = np.random.default_rng(0)
    K = np.array([[1402.123456789, 0.0, 955.5], [0.0, 1398.87654321, 541.25], [0.0, 0.0, 1.0]])
    homography = rng.normal(size=(3, 3)) * np.array([[1e-3], [1e-3], [1e-6]])
    homography[2, 2] = 1.0
    return Calibration(
        camera='camera:/dev/v4l/by-id/usb-Logi_"C920"',
        image_size=(1920, 1080),
        created=CREATED,
        intrinsics=Intrinsics(K=K, dist=[-0.31, 0.11, 1e-05, -2.5e-4, 0.0], rms_px=0.137),
        plane=Plane(
            homography=homography,
            belt_line=[[101.5, 880.25], [1800.0, 893.0]],
            facing="left",
            roi=(120, 40, 1700, 1000),
            meters_per_pixel_at_belt=0.0021346,
            rms_px=0.08,
        ),
    )


def test_the_file_round_trips_bit_for_bit(tmp_path: Path) -> None:
    original = full_calibration()
    path = tmp_path / "calibration.toml"
    write_calibration(path, original)
    back = load_calibration(path, image_size=(1920, 1080), camera=original.camera)
    assert (back.camera, back.image_size, back.created) == (
        original.camera,
        original.image_size,
        CREATED,
    )
    assert back.intrinsics is not None and original.intrinsics is not None
    assert np.array_equal(back.intrinsics.K, original.intrinsics.K)
    assert np.array_equal(back.intrinsics.dist, original.intrinsics.dist)
    assert back.intrinsics.rms_px == original.intrinsics.rms_px
    assert back.plane is not None and original.plane is not None
    for name in ("homography", "belt_line"):
        assert np.array_equal(getattr(back.plane, name), getattr(original.plane, name))
    for name in ("facing", "roi", "meters_per_pixel_at_belt", "rms_px"):
        assert getattr(back.plane, name) == getattr(original.plane, name)
    assert dumps(back) == dumps(original)
    assert not list(tmp_path.glob("*.partial"))


def test_the_file_has_exactly_the_keys_of_design_md() -> None:
    raw = tomllib.loads(dumps(full_calibration()))
    assert set(raw) == {"version", "created", "camera", "image_size", "intrinsics", "plane"}
    assert raw["version"] == 1 and raw["image_size"] == [1920, 1080]
    assert raw["created"] == CREATED
    assert set(raw["intrinsics"]) == {"K", "dist", "rms_px"}
    assert np.shape(raw["intrinsics"]["K"]) == (3, 3)
    assert set(raw["plane"]) == {
        "homography",
        "belt_line",
        "facing",
        "roi",
        "meters_per_pixel_at_belt",
        "rms_px",
    }
    assert np.shape(raw["plane"]["homography"]) == (3, 3)
    assert np.shape(raw["plane"]["belt_line"]) == (2, 2)


def test_another_resolution_or_camera_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "calibration.toml"
    write_calibration(path, full_calibration())
    with pytest.raises(UsageError, match="made at 1920x1080 but the frames are 1280x720"):
        load_calibration(path, image_size=(1280, 720))
    with pytest.raises(UsageError, match=r"is for camera 'camera:/dev/v4l.*', not 'camera:1'"):
        load_calibration(path, image_size=(1920, 1080), camera="camera:1")


def test_no_file_means_uncalibrated_but_a_named_file_must_exist(tmp_path: Path) -> None:
    absent = tmp_path / "calibration.toml"
    assert calibration_if_present(absent, (1920, 1080)) is None
    with pytest.raises(UsageError, match="does not exist; make it with: hipdrive calibrate"):
        load_calibration(absent)


def test_a_lens_only_file_loads_and_asks_for_the_plane() -> None:
    full = full_calibration()
    lens_only = Calibration(full.camera, full.image_size, full.created, full.intrinsics)
    back = loads(dumps(lens_only))
    assert back.plane is None and back.intrinsics is not None
    assert "[plane]" not in dumps(lens_only)
    with pytest.raises(UsageError, match="no treadmill plane yet; run: hipdrive calibrate plane"):
        back.to_plane(np.zeros((1, 2)))


GOOD = dumps(full_calibration())


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("version = 1", "version = 2", "version = 2: this hipdrive reads version 1"),
        (
            "image_size = [1920, 1080]",
            "image_size = [1920]",
            "image_size = .*: must be a list of 2",
        ),
        ("image_size = [1920, 1080]", "image_size = [0, 1080]", "must be \\[w > 0, h > 0\\]"),
        ("camera = ", "kamera = ", "kamera: unknown key; valid keys here: camera, created"),
        ('facing = "left"', 'facing = "up"', 'plane.facing = .up.: must be "left" or "right"'),
        ("roi = [120, 40, 1700, 1000]", "roi = [120, 40, 0, 1000]", "plane.roi = .*: must be"),
        ("rms_px = 0.137", "rms_px = -1.0", "intrinsics.rms_px = -1.0: must be a number >= 0"),
        ("rms_px = 0.137", "rms_px = nan", "intrinsics.rms_px = nan: must be a number >= 0"),
        ("dist = [", "dist = [1.0, ", "intrinsics.dist = .*: must be a list of 4, 5, 8, 12 or 14"),
        ("K = [\n", "K = [[0.0, 0.0, 0.0],", "intrinsics.K = .*: must be 3 x 3 finite numbers"),
        ("belt_line = [\n", 'belt_line = [["a", 1],', "plane.belt_line = .*: must be 2 x 2"),
        ("created = 2026", 'created = "2026"\n#', "created = .*: must be a date-time"),
        ("camera = ", "# camera = ", "camera is missing; calibrate again"),
        ("[plane]", "[plane", "is not valid TOML"),
    ],
)
def test_a_broken_file_names_the_key_the_value_and_the_rule(
    old: str, new: str, message: str
) -> None:
    assert old in GOOD
    with pytest.raises(UsageError, match=message) as info:
        loads(GOOD.replace(old, new, 1), "cal.toml")
    assert str(info.value).startswith("cal.toml")


def test_pixels_map_to_the_plane_and_back_and_nan_stays_nan() -> None:
    cal = full_calibration()
    pixels = np.array([[200.0, 900.0], [960.0, 540.0], [np.nan, np.nan], [1700.0, 100.0]])
    plane = cal.to_plane(pixels)
    assert np.isnan(plane[2]).all() and np.isfinite(plane[[0, 1, 3]]).all()
    ok = [0, 1, 3]
    assert np.allclose(cal.from_plane(plane[ok]), pixels[ok], atol=1e-6)
    assert np.allclose(cal.distort(cal.undistort(pixels[ok])), pixels[ok], atol=1e-6)
    with pytest.raises(ValueError, match=r"points must have shape \(N, 2\)"):
        cal.to_plane(np.zeros(4))
