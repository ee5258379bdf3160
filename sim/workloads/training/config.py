"""Settings of a `kind: training` job (a `workloads.jobs` entry): a synchronous data-parallel
job across satellites (sim.workloads.training.job).

    - kind: training
      name: llm
      members: {shell: cluster}
      model: {parameters: 70e9, tokens_per_step: 4.0e6}      # or flops_per_step
      allreduce: {overlap: 0.5, latency_s: 1e-5, ring: auto}
      checkpoint: {every_s: 30m, write_gb_s: 5, keep_last: 3}
      policy: restart                                        # wait | restart | elastic
      restart_s: 10m
      interruptions: {gpu_mtbf_h: 50676}
      sdc: {check_every: 100, detection_probability: 0.9}
      spe: {action: protect, every_s: 5m}

Defaults and their sources: /work/notes/models_training.md (docs/models.md, Training).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Fraction, NonNegative, Positive, PositiveFraction, Strict, parse_duration_s
from sim.config.sections import scenario_check
from sim.workloads.members import Members

FLOPS_PER_PARAMETER_TOKEN = 6.0     # forward + backward of a dense transformer (Kaplan et al. 2020)
GRADIENT_BYTES_PER_PARAMETER = 2.0  # BF16 gradients
# BF16 weights (2) + FP32 master weights (4) + Adam first and second moments (4 + 4): the model
# states of mixed-precision Adam without the gradients (Rajbhandari et al. 2020, ZeRO, §3.1)
CHECKPOINT_BYTES_PER_PARAMETER = 14.0
LLAMA3_GPU_MTBF_H = 54 * 24 * 16384 / 419   # 419 unexpected interruptions, 54 days, 16,384 H100 (arXiv:2407.21783)
DEFAULT_CHECKPOINT_EVERY_S = 1800.0

Duration = Annotated[float, Field(gt=0.0, description="seconds; YAML accepts 90s, 45m, 6h, 7d")]


def _duration(v):
    return v if v is None else parse_duration_s(v)


class Model(Strict):
    """The work of one global step: flops_per_step, or parameters N and tokens_per_step T
    (6·N·T); a model-FLOPs utilisation; the gradient bytes the all-reduce moves."""

    flops_per_step: Positive | None = None
    parameters: Positive | None = None
    tokens_per_step: Positive | None = None
    mfu: PositiveFraction = Field(0.4, description="model-FLOPs utilisation (Llama 3: 38-43 %, arXiv:2407.21783)")
    gradient_bytes: Positive | None = Field(None, description="bytes all-reduced per step; default 2 x parameters")

    @model_validator(mode="after")
    def _work(self):
        if self.flops_per_step is None and (self.parameters is None or self.tokens_per_step is None):
            raise ValueError("give flops_per_step, or parameters and tokens_per_step (6 N T FLOPs per step)")
        if self.gradient_bytes is None and self.parameters is None:
            raise ValueError("gradient_bytes is needed when parameters is not given")
        return self

    @property
    def step_flops(self) -> float:
        if self.flops_per_step is not None:
            return float(self.flops_per_step)
        return FLOPS_PER_PARAMETER_TOKEN * self.parameters * self.tokens_per_step

    @property
    def all_reduce_bytes(self) -> float:
        if self.gradient_bytes is not None:
            return float(self.gradient_bytes)
        return GRADIENT_BYTES_PER_PARAMETER * self.parameters


class AllReduce(Strict):
    """Ring all-reduce of the gradients over the crosslinks between consecutive ring members."""

    overlap: Fraction = Field(0.0, description="share of the all-reduce hidden behind compute (at most the compute)")
    latency_s: NonNegative = Field(1e-5, description="alpha, latency per ring hop [s]")
    ring: Literal["auto", "members"] | list[int] = Field("auto", description=(
        "ring order: auto (a cycle through the members over the crosslinks up at the start, member "
        "order when that is one), members (ascending ids) or an explicit order of the member ids"))
    bandwidth_gbps: Positive | None = Field(None, description=(
        "link rate when the scenario has no crosslinks; None there: the all-reduce is not modelled"))


class Checkpoint(Strict):
    """Blocking checkpoints every `every_s` of compute time or every `every_steps` steps."""

    every_s: Duration | None = None
    every_steps: Annotated[int, Field(ge=1)] | None = None
    bytes: Positive | None = Field(None, description="checkpoint size; default 14 bytes x parameters")
    write_gb_s: Positive = Field(5.0, description="storage write bandwidth of one writer [GB/s]")
    sharded: bool = Field(True, description="each active member writes 1/n of the checkpoint")
    keep_last: Annotated[int, Field(ge=1)] = 3
    verify: bool = Field(False, description="run the SDC detector before each checkpoint")

    _durations = field_validator("every_s", mode="before")(classmethod(lambda cls, v: _duration(v)))

    @model_validator(mode="after")
    def _one_interval(self):
        if self.every_s is not None and self.every_steps is not None:
            raise ValueError("give every_s or every_steps, not both")
        if self.every_s is None and self.every_steps is None:
            self.every_s = DEFAULT_CHECKPOINT_EVERY_S
        return self


class Interruptions(Strict):
    """Interruptions that are not radiation: a Poisson process per working GPU."""

    gpu_mtbf_h: Positive | None = Field(LLAMA3_GPU_MTBF_H, description=(
        "mean GPU-hours between interruptions (Llama 3: one per 50,676 GPU h); None: off"))
    permanent_fraction: Fraction = Field(0.0, description=(
        "share of interruptions that leave the GPU unusable (nothing is swapped in orbit)"))


class Sdc(Strict):
    """Silent data corruption: radiation's escaped `sdc` events on an active member corrupt the
    job's state; a detector runs every `check_every` steps."""

    check_every: Annotated[int, Field(ge=1)] = 100
    detection_probability: Fraction = 0.9
    corrupt_probability: Fraction = Field(1.0, description="share of escaped SDCs that corrupt the job state")


class SpeResponse(Strict):
    """What the job does at a solar particle event (radiation's spe_onset .. spe_end)."""

    action: Literal["run", "pause", "protect"] = Field("run", description=(
        "run through it; pause: checkpoint at onset, idle until the end; protect: checkpoint at "
        "onset, then every `every_s`, each verified by the SDC detector"))
    every_s: Duration = 300.0

    _durations = field_validator("every_s", mode="before")(classmethod(lambda cls, v: _duration(v)))


class TrainingJobConfig(Strict):
    kind: Literal["training"]
    name: str | None = None
    members: Members
    model: Model
    allreduce: AllReduce = Field(default_factory=AllReduce)
    checkpoint: Checkpoint = Field(default_factory=Checkpoint)
    policy: Literal["wait", "restart", "elastic"] = "restart"
    restart_s: Duration = 600.0
    interruptions: Interruptions = Field(default_factory=Interruptions)
    sdc: Sdc = Field(default_factory=Sdc)
    spe: SpeResponse = Field(default_factory=SpeResponse)
    progress_every_s: Duration = 600.0
    clock_sensitive_share: Fraction = Field(0.85, description=(
        "share s of a step's time that scales with 1/clock: t(f) = t_max (s f_max/f + 1 - s); dense "
        "training is mostly tensor-core bound (0.85 is an assumption, U)"))

    _durations = field_validator("restart_s", "progress_every_s", mode="before")(
        classmethod(lambda cls, v: _duration(v)))

    @property
    def checkpoint_bytes(self) -> float:
        if self.checkpoint.bytes is not None:
            return float(self.checkpoint.bytes)
        if self.model.parameters is None:
            raise ValueError("checkpoint.bytes is needed when model.parameters is not given")
        return CHECKPOINT_BYTES_PER_PARAMETER * self.model.parameters

    def write_s(self, n_writers: int) -> float:
        """Time to write one checkpoint with n active members [s]."""
        writers = max(n_writers, 1) if self.checkpoint.sharded else 1
        return self.checkpoint_bytes / (self.checkpoint.write_gb_s * 1e9 * writers)


def nominal_step_s(job: TrainingJobConfig, gpus: list[tuple[int, float]]) -> float:
    """Compute time of one step at full clock on every member [s]; gpus = (count, peak FLOP/s)
    per member (shares in proportion to GPU count x peak)."""
    capacity = sum(n * peak for n, peak in gpus)
    return job.model.step_flops / (job.model.mfu * capacity) if capacity > 0 else float("inf")


@scenario_check
def training_jobs(scenario) -> list[tuple[str, str]]:
    """Checkpoint bytes known, every interval longer than its write time, the ring a permutation
    of the members."""
    from sim.workloads.members import member_problems, shell_ranges

    cfg = getattr(scenario, "workloads", None)
    ranges = shell_ranges(scenario) if cfg is not None else None
    if ranges is None:
        return []
    problems = []
    shell_of = {name: shell for name, shell in zip(ranges, scenario.constellation)}
    for j, job in enumerate(cfg.jobs):
        if job.kind != "training":
            continue
        where = f"workloads.jobs.{j}"
        found, ids = member_problems(job.members, ranges, f"{where}.members")
        if found:
            continue   # reported by the workloads check
        ring = job.allreduce.ring
        if isinstance(ring, list) and sorted(ring) != sorted(int(i) for i in ids):
            problems.append((f"{where}.allreduce.ring", "must list every member exactly once"))
        try:
            bytes_ = job.checkpoint_bytes
        except ValueError as exc:
            problems.append((f"{where}.checkpoint.bytes", str(exc)))
            continue
        write_s = job.write_s(len(ids))
        ck = job.checkpoint
        if ck.every_s is not None and ck.every_s <= write_s:
            problems.append((f"{where}.checkpoint.every_s", f"interval {ck.every_s:g} s is not longer than the "
                             f"checkpoint write time {write_s:.4g} s ({bytes_:.4g} B at {ck.write_gb_s:g} GB/s)"))
        if ck.every_steps is not None:
            gpus = []
            for name, r in ranges.items():
                g = shell_of[name].gpu
                gpus += [(g.count, g.peak_bf16_tflops * 1e12)] * int(((ids >= r.start) & (ids < r.stop)).sum())
            interval_s = ck.every_steps * nominal_step_s(job, gpus)
            if interval_s <= write_s:
                problems.append((f"{where}.checkpoint.every_steps", f"{ck.every_steps} steps take {interval_s:.4g} s "
                                 f"at full clock, not longer than the checkpoint write time {write_s:.4g} s"))
        if job.spe.action == "protect" and job.spe.every_s <= write_s:
            problems.append((f"{where}.spe.every_s", f"interval {job.spe.every_s:g} s is not longer than the "
                             f"checkpoint write time {write_s:.4g} s"))
    return problems
