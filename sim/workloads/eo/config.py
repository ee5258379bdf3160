"""Settings of a `kind: eo` job (a `workloads.jobs` entry): Earth observation processed on
board (sim.workloads.eo.job).

    - kind: eo
      name: imaging
      members: {shell: [eo_am, eo_pm]}
      camera: {frame_mb: 192, frames_per_s: 0.1, over: land}        # or swath_km, gsd_m, bands, bits
      process: onboard                                               # none: bent pipe
      processing: {gpu_s_per_frame: 1.2, keep_fraction: 0.7, output_mb: 1.0}
      storage_gb: 512
      policy: immediate                                              # sunlit | power_aware
      bent_pipe_shadow: true

Frames are captured while the ground under the satellite is sunlit (solar elevation above
`min_sun_elevation_deg`) and, with `over: land`, in proportion to the land share of the
0.25° cell beneath it. Downlink is through the network section's ground stations, at the
station rate (capped by `radio_gbps`). Defaults and sources: docs/models.md, Earth observation.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Fraction, Positive, PositiveFraction, Strict, parse_duration_s
from sim.config.sections import scenario_check
from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.workloads.members import Members

BYTES_PER_MB = 1e6
BYTES_PER_GB = 1e9
PHISAT1_KEEP_FRACTION = 0.7    # Φsat-1 discarded ~30 % of its frames as cloudy (Giuffrida et al. 2022)
MIN_SUN_ELEVATION_DEG = 10.0   # assumed (U): optical scenes need the Sun above the horizon haze

Duration = Annotated[float, Field(gt=0.0, description="seconds; YAML accepts 90s, 45m, 6h, 7d")]


class Camera(Strict):
    """What the camera produces while it images: a frame size and rate (`frame_bytes` or
    `frame_mb`, and `frames_per_s`), or a push-broom imager from which both follow
    (`swath_km`, `gsd_m`, `bands`, `bits_per_pixel`: square scenes swath × swath, one every
    swath of ground track, `duty` of the time the imaging condition holds)."""

    frame_bytes: Positive | None = None
    frame_mb: Positive | None = Field(None, description="frame size [MB = 1e6 B]")
    frames_per_s: Positive | None = None
    swath_km: Positive | None = None
    gsd_m: Positive | None = None
    bands: Annotated[int, Field(ge=1)] | None = None
    bits_per_pixel: Positive | None = None
    duty: PositiveFraction = Field(1.0, description="swath form: share of the eligible time spent imaging")
    over: Literal["land", "sunlit", "always"] = Field("land", description=(
        "land: sunlit ground, weighted by its land share; sunlit: any sunlit ground; always: all the time"))
    min_sun_elevation_deg: Annotated[float, Field(ge=-90.0, lt=90.0)] = MIN_SUN_ELEVATION_DEG

    @model_validator(mode="after")
    def _one_form(self):
        rate = [k for k in ("frame_bytes", "frame_mb", "frames_per_s") if getattr(self, k) is not None]
        swath = [k for k in ("swath_km", "gsd_m", "bands", "bits_per_pixel") if getattr(self, k) is not None]
        if rate and swath:
            raise ValueError(f"give a frame size and rate or a swath imager, not both ({', '.join(rate + swath)})")
        if swath:
            if len(swath) != 4:
                raise ValueError("a swath imager needs swath_km, gsd_m, bands and bits_per_pixel")
            if self.gsd_m >= self.swath_km * 1e3:
                raise ValueError(f"gsd_m ({self.gsd_m:g}) is not below the swath ({self.swath_km:g} km)")
            return self
        if self.frame_bytes is not None and self.frame_mb is not None:
            raise ValueError("give frame_bytes or frame_mb, not both")
        if (self.frame_bytes is None and self.frame_mb is None) or self.frames_per_s is None:
            raise ValueError("give frame_bytes (or frame_mb) and frames_per_s, or swath_km, gsd_m, bands and "
                             "bits_per_pixel")
        return self

    @property
    def pushbroom(self) -> bool:
        return self.swath_km is not None

    @property
    def bytes_per_frame(self) -> float:
        if self.pushbroom:
            pixels = (self.swath_km * 1e3 / self.gsd_m) ** 2
            return pixels * self.bands * self.bits_per_pixel / 8.0
        return float(self.frame_bytes if self.frame_bytes is not None else self.frame_mb * BYTES_PER_MB)

    def frames_per_s_at(self, a_m):
        """Frame rate while imaging, per satellite of semi-major axis a_m: the given rate, or one
        scene per swath of ground track, v_ground = sqrt(mu/a)·R_E/a (circular orbit, no Earth
        rotation), times `duty`."""
        if not self.pushbroom:
            return self.frames_per_s + 0.0 * a_m
        v_ground = (MU_EARTH_M3_S2 / a_m) ** 0.5 * R_EARTH_EQUATORIAL_M / a_m
        return self.duty * v_ground / (self.swath_km * 1e3)


class Processing(Strict):
    """On-board processing of every frame: its cost at full clock on one GPU (`gpu_s_per_frame`,
    or `tflop_per_frame` at `mfu` of the GPU's peak), the share kept by the screening and the
    product size of a kept frame (default: the frame itself, screening only)."""

    gpu_s_per_frame: Positive | None = None
    tflop_per_frame: Positive | None = None
    mfu: PositiveFraction = Field(0.4, description="achieved share of the GPU's peak with tflop_per_frame")
    keep_fraction: Fraction = Field(PHISAT1_KEEP_FRACTION, description=(
        "share of frames the screening keeps (Φsat-1 discarded ~30 %; global cloud cover ~67 %)"))
    output_bytes: Positive | None = None
    output_mb: Positive | None = Field(None, description="product size per kept frame [MB]")

    @model_validator(mode="after")
    def _one_each(self):
        if (self.gpu_s_per_frame is None) == (self.tflop_per_frame is None):
            raise ValueError("give exactly one of gpu_s_per_frame and tflop_per_frame")
        if self.output_bytes is not None and self.output_mb is not None:
            raise ValueError("give output_bytes or output_mb, not both")
        return self

    def seconds_per_frame(self, peak_flops: float) -> float:
        """GPU-seconds of one frame at full clock on a GPU of `peak_flops` FLOP/s."""
        if self.gpu_s_per_frame is not None:
            return float(self.gpu_s_per_frame)
        return self.tflop_per_frame * 1e12 / (self.mfu * peak_flops)

    def product_bytes(self, frame_bytes: float) -> float:
        if self.output_bytes is not None:
            return float(self.output_bytes)
        return self.output_mb * BYTES_PER_MB if self.output_mb is not None else frame_bytes


class Latency(Strict):
    """Capture-to-ground latency book-keeping: per satellite, queued frames are kept in bins of
    capture time `bin_s` wide, at most `bins` per queue (older bins absorb the rest)."""

    bin_s: Duration = 60.0
    bins: Annotated[int, Field(ge=2, le=100_000)] = 1440

    _durations = field_validator("bin_s", mode="before")(classmethod(lambda cls, v: parse_duration_s(v)))


class EoJobConfig(Strict):
    kind: Literal["eo"]
    name: str | None = None
    members: Members
    camera: Camera
    process: Literal["onboard", "none"] = Field("onboard", description="none: the bent-pipe baseline")
    processing: Processing | None = None
    storage_gb: Positive = Field(description="on-board storage for frames and products [GB = 1e9 B]")
    radio_gbps: Positive | None = Field(None, description="the satellite's downlink radio; None: the station rate")
    policy: Literal["immediate", "sunlit", "power_aware"] = Field("immediate", description=(
        "when to process: immediate (whenever frames wait), sunlit (only in sunlight), power_aware (in shadow "
        "only while the battery can carry the bus and idle GPUs to the eclipse's end above soc_reserve)"))
    soc_reserve: Fraction = Field(0.3, description="power_aware: state of charge to keep at the end of an eclipse")
    bent_pipe_shadow: bool = Field(True, description=(
        "book-keep the raw stream of the same satellites as if downlinked unprocessed (process: onboard)"))
    latency: Latency = Field(default_factory=Latency)
    table_every_s: Duration = 600.0
    clock_sensitive_share: Fraction = Field(0.6, description=(
        "share s of the processing time that scales with 1/clock: t(f) = t_max (s f_max/f + 1 - s); "
        "vision CNN inference is partly memory-bound (0.6 is an assumption, U)"))

    _durations = field_validator("table_every_s", mode="before")(classmethod(lambda cls, v: parse_duration_s(v)))

    @model_validator(mode="after")
    def _processing(self):
        if self.process == "onboard" and self.processing is None:
            raise ValueError("process: onboard needs a `processing` section (gpu_s_per_frame, keep_fraction, ...)")
        return self

    @property
    def onboard(self) -> bool:
        return self.process == "onboard"


@scenario_check
def eo_jobs(scenario) -> list[tuple[str, str]]:
    """An eo job downlinks through ground stations: the scenario needs network.ground_stations;
    frames processed on board need GPUs on every member's shell."""
    from sim.workloads.members import member_problems, shell_ranges

    cfg = getattr(scenario, "workloads", None)
    if cfg is None:
        return []
    problems = []
    network = getattr(scenario, "network", None)
    ranges = shell_ranges(scenario)
    for j, job in enumerate(cfg.jobs):
        if job.kind != "eo":
            continue
        where = f"workloads.jobs.{j}"
        if network is None or network.ground_stations is None:
            problems.append((where, "an eo job downlinks through ground stations: add network.ground_stations "
                                    "(e.g. file: data:ground_stations/brahe_ksat.json)"))
        frame = job.camera.bytes_per_frame
        if frame > job.storage_gb * BYTES_PER_GB:
            problems.append((f"{where}.storage_gb", f"one frame ({frame:.4g} B) does not fit in {job.storage_gb:g} GB"))
        if job.onboard and job.processing.product_bytes(frame) > frame:
            key = "output_bytes" if job.processing.output_bytes is not None else "output_mb"
            product = job.processing.product_bytes(frame)
            problems.append((f"{where}.processing.{key}", f"the product of a kept frame ({product:.4g} B) is "
                             f"larger than the raw frame ({frame:.4g} B)"))
        if ranges is None or not job.onboard:
            continue
        found, ids = member_problems(job.members, ranges, f"{where}.members")
        if found:
            continue
        for shell, r in zip(scenario.constellation, ranges.values()):
            if shell.gpu.count == 0 and any(r.start <= i < r.stop for i in ids):
                problems.append((f"{where}.process", f"shell {shell.name!r} has no GPUs to process frames on "
                                 f"board (gpu.count: 0); use process: none"))
    return problems


def frame_period_s(camera: Camera, altitude_km: float) -> float:
    """Seconds between frames while imaging at a circular altitude (for docs and tests)."""
    return 1.0 / float(camera.frames_per_s_at(R_EARTH_EQUATORIAL_M + altitude_km * 1e3))

