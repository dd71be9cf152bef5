"""Target bands: whether a reading is in range, worth watching, or off.

Defaults follow DESIGN.md's published anchors for 2.5-3.5 m/s and the station's cue targets
(``[targets]`` in config.toml), so a tile turns amber or red for the same reasons a cue appears:

===================== ============ ============ =============================================
metric                in range     watch        why
===================== ============ ============ =============================================
cadence               >= 155 spm   145-155      anchors: 155-185 spm
overstride            <= 20 cm     20-25        anchors: ankle 15-20 cm ahead of the hip
overstride, uncal.    <= 23 % leg  23-29        the same for a ~0.85 m leg
shank at landing      <= 7 deg     7-10         a shin reaching more than ~7 deg forward
hip extension         >= 10 deg    7-10         anchors: thigh 10-20 deg behind vertical
contact               <= 300 ms    300-330      anchors: 200-300 ms
left/right asymmetry  <= 10 %      10-15        the station's asymmetry target
===================== ============ ============ =============================================

Braking, vertical oscillation, knee lift and the scissor have no band: the station cues none of
them and the report judges none, so their tiles are not coloured either (braking is the
overstride over the belt's speed, coloured there already).

The overstride, cadence and contact limits are a runner's at 2.5 m/s; at the pace the summary
reads (``paced``) the overstride ones grow faster and the others ease slower, as the cues' do.
Beyond the recorded paces the overstride has no band, as it has no target.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

from edge.pace import AT_PACE, at_pace, judged_limit

Level: TypeAlias = Literal["good", "watch", "off"]


class StationTargets(Protocol):
    """The station's cue limits, as in config.toml's ``[targets]``."""

    @property
    def overstride_cm_max(self) -> float: ...
    @property
    def overstride_pct_leg_max(self) -> float: ...
    @property
    def shank_angle_max_deg(self) -> float: ...
    @property
    def hip_extension_min_deg(self) -> float: ...
    @property
    def cadence_min_spm(self) -> float: ...
    @property
    def contact_max_ms(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Band:
    """In range up to ``limit``, watch for ``margin`` beyond it, off further out.

    ``at_least`` flips the direction: the value should be at least ``limit`` (cadence, hip
    extension) instead of at most.
    """

    limit: float
    margin: float
    at_least: bool = False

    def level(self, value: float) -> Level:
        beyond = self.limit - value if self.at_least else value - self.limit
        if beyond <= 0:
            return "good"
        return "watch" if beyond <= self.margin else "off"

    def describe(self, unit: str) -> str:
        """The target as the runner reads it, the same on a tile, a plot and in a cue's
        reason: ``>= 155 spm``, ``<= 24.5 %`` (a target grown with pace is set to a tenth,
        ``edge.pace``). A console trial's tile had read 24 where its plot read 24.5."""
        sign = ">=" if self.at_least else "<="
        return f"{sign} {self.limit:g} {unit}".rstrip()


@dataclass(frozen=True, slots=True)
class TargetBands:
    """The bands the tiles, history plots and balance bars are coloured by (defaults above)."""

    cadence_spm: Band = Band(155.0, 10.0, at_least=True)
    overstride_cm: Band = Band(20.0, 5.0)
    overstride_pct_leg: Band = Band(23.0, 6.0)
    shank_angle_ic_deg: Band = Band(7.0, 3.0)
    hip_extension_deg: Band = Band(10.0, 3.0, at_least=True)
    contact_ms: Band = Band(300.0, 30.0)
    asymmetry_pct: Band = Band(10.0, 5.0)

    def for_metric(self, metric: str) -> Band | None:
        """The band of a per-step metric (a StepMsg field name), None for one without a target:
        one the station does not judge, or the overstride or the shin's reach beyond the
        recorded paces (``paced``)."""
        band: Band | None = getattr(self, metric) if metric in _METRIC_BANDS else None
        return band if band is not None and judged_limit(band.limit) else None

    def no_target_at_pace(self, metric: str) -> bool:
        """Whether ``metric`` has a band as set, but no target at the pace these bands are for
        (``paced``: the overstride and shin's reach beyond the recorded paces)."""
        return metric in _METRIC_BANDS and not judged_limit(getattr(self, metric).limit)

    def with_station_targets(self, targets: StationTargets) -> TargetBands:
        """These bands with the limits the station cues by (config ``[targets]``), margins kept,
        so a tile is never green while the station cues the runner about it."""

        def limit(band: Band, value: float) -> Band:
            return dataclasses.replace(band, limit=value)

        return dataclasses.replace(
            self,
            overstride_cm=limit(self.overstride_cm, targets.overstride_cm_max),
            overstride_pct_leg=limit(self.overstride_pct_leg, targets.overstride_pct_leg_max),
            shank_angle_ic_deg=limit(self.shank_angle_ic_deg, targets.shank_angle_max_deg),
            hip_extension_deg=limit(self.hip_extension_deg, targets.hip_extension_min_deg),
            cadence_spm=limit(self.cadence_spm, targets.cadence_min_spm),
            contact_ms=limit(self.contact_ms, targets.contact_max_ms),
        )

    def paced(self, speed_legs_per_s: float | None, beyond: bool | None = None) -> TargetBands:
        """These bands for a runner at a pace (leg lengths a second): the limits grown or eased
        as the cues' are (``edge.gait.summary.paced``), margins kept; the overstride's and the
        shin's without a limit ``beyond`` the recorded paces (``edge.pace.at_pace``)."""
        at = {
            metric: dataclasses.replace(
                band, limit=at_pace(metric, band.limit, speed_legs_per_s, beyond)
            )
            for metric, band in ((m, getattr(self, m)) for m in AT_PACE)
        }
        return dataclasses.replace(self, **at)


_METRIC_BANDS = frozenset(f.name for f in dataclasses.fields(TargetBands)) - {"asymmetry_pct"}
