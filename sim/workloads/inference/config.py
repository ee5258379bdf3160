"""Settings of a `kind: inference` job (a `workloads.jobs` entry): requests from ground stations
served by the member satellites.

    - kind: inference
      name: chat
      members: {shell: shell1}
      arrivals: {stations: all, process: poisson, rate_per_s: 2.0}
      requests: {context_tokens: 1024, generated_tokens: 294}
      placement: coolest                     # nearest | least_loaded | coolest
      service: {prefill_tokens_per_s: 3500, decode_tokens_per_s: 2570, concurrency: 352}
      slo: {ttft_s: 2.0, tpot_s: 0.2}

Defaults and their sources are in docs/models.md (inference). `inference_references` checks
what the models cannot see: a network section with ground stations, the station names, the
trace file (exists and parses).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Fraction, Positive, Strict, parse_duration_s
from sim.config.sections import scenario_check
from sim.workloads.members import Members

PositiveInt = Annotated[int, Field(ge=1)]


class Trace(Strict):
    """A request trace in the Azure LLM inference trace format (CSV: TIMESTAMP, ContextTokens,
    GeneratedTokens). Every station replays it, station k offset by k/G of its period, looping."""
    file: str = Field(description="CSV path, relative to the scenario YAML (or data:<name>)")
    time_scale: Positive = Field(1.0, description="replay speed: 2 plays the trace twice as fast")


class Arrivals(Strict):
    stations: Literal["all"] | list[str] = Field("all", description="the network's station names, or all")
    process: Literal["poisson", "gamma", "trace"] = "poisson"
    rate_per_s: Positive = Field(1.0, description="mean requests per second at each station (poisson, gamma)")
    burstiness: Positive = Field(1.0, description=(
        "gamma: shape k of the Gamma inter-arrival times (mean 1/rate, CV² = 1/k); k < 1 bursty, "
        "1 = Poisson (vLLM benchmark_serving --burstiness)"))
    trace: Trace | None = None

    @model_validator(mode="after")
    def _trace(self):
        if (self.process == "trace") != (self.trace is not None):
            raise ValueError("`trace` is given exactly when process is 'trace'")
        if isinstance(self.stations, list):
            if not self.stations:
                raise ValueError("stations: the list is empty")
            if len(set(self.stations)) != len(self.stations):
                raise ValueError("stations: a station is listed twice")
        return self


class Requests(Strict):
    """Tokens per request: a fixed number, or `trace` (the trace's empirical distribution, in
    size_classes × size_classes quantile classes of context and generated tokens)."""
    context_tokens: PositiveInt | Literal["trace"] = Field(1024, description="prompt tokens (U)")
    generated_tokens: PositiveInt | Literal["trace"] = Field(294, description=(
        "output tokens; MLPerf Llama-2-70B: 294.45 tokens per sample"))
    size_classes: Annotated[int, Field(ge=1, le=16)] = 6
    bytes_per_token: Positive = Field(4.0, description="text bytes per token (U: ~4 characters per token)")
    overhead_bytes: Annotated[float, Field(ge=0.0)] = Field(1000.0, description="per request and reply (U)")


class Service(Strict):
    """Per GPU at full clock; a clock level l scales both rates by l."""
    prefill_tokens_per_s: Positive = Field(3500.0, description=(
        "prompt tokens per second (U: 0.5 × 989 TFLOP/s / (2 × 70e9 FLOP per token))"))
    decode_tokens_per_s: Positive = Field(2570.0, description=(
        "output tokens per second of all streams (MLPerf Inference v4.0 Llama-2-70B server, "
        "DGX-H100: 20,556 tokens/s on 8 GPUs)"))
    concurrency: PositiveInt = Field(352, description=(
        "request streams per GPU (Little's law on the same run: 70.4 q/s × 40.6 s / 8 GPUs)"))
    distribution: Literal["deterministic", "exponential"] = Field("deterministic", description=(
        "service time: as the tokens say, or exponential with that mean (queueing validation)"))


class Slo(Strict):
    """MLPerf Inference Llama-2-70B server scenario latency constraints."""
    ttft_s: Positive = 2.0
    tpot_s: Positive = 0.2


class Queue(Strict):
    resolution_s: Positive = Field(0.1, description="time step of the queue where it is busy (U)")
    max_wait_s: Positive = Field(60.0, description="a request not started after this long is dropped (U)")

    @field_validator("max_wait_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class Reachability(Strict):
    refresh_s: Positive = Field(30.0, description=(
        "re-search every station's candidate satellites this often; sooner when all its entries "
        "left view (U)"))
    candidates: Annotated[int, Field(ge=1, le=256)] = Field(16, description="nearest members kept per station (U)")
    max_path_ms: Positive = Field(100.0, description="one-way path latency above which a member is not a candidate (U)")

    @field_validator("refresh_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class InferenceJobConfig(Strict):
    kind: Literal["inference"]
    name: str | None = None
    members: Members
    arrivals: Arrivals = Field(default_factory=Arrivals)
    requests: Requests = Field(default_factory=Requests)
    placement: Literal["nearest", "least_loaded", "coolest"] = "nearest"
    service: Service = Field(default_factory=Service)
    slo: Slo = Field(default_factory=Slo)
    queue: Queue = Field(default_factory=Queue)
    reachability: Reachability = Field(default_factory=Reachability)
    progress_every_s: Positive = Field(600.0, description="rows of the progress table")
    clock_sensitive_share: Fraction = Field(0.3, description=(
        "share s of the service time that scales with 1/clock: t(f) = t_max (s f_max/f + 1 - s); "
        "serving is dominated by memory-bound decode (0.3 is an assumption, U); prefill and "
        "decode are both stretched by the same 1/(s/level + 1 - s)"))

    @field_validator("progress_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)

    @model_validator(mode="after")
    def _sizes(self):
        r = self.requests
        uses_trace = "trace" in (r.context_tokens, r.generated_tokens)
        if uses_trace and self.arrivals.trace is None:
            raise ValueError("requests from the trace need arrivals.process: trace")
        if self.service.distribution == "exponential" and uses_trace:
            raise ValueError("exponential service takes fixed request sizes")
        return self


@scenario_check
def inference_references(scenario) -> list[tuple[str, str]]:
    """An inference job needs network ground stations; its stations exist; its trace file exists
    and parses; its queue resolution fits in the tick."""
    from sim.network.ids import endpoint_problem
    from sim.network.stations import StationFileError, build_stations
    from sim.workloads.inference.trace import TraceFileError, read_trace

    cfg = scenario.workloads
    if cfg is None:
        return []
    problems: list[tuple[str, str]] = []
    names: list[str] | None = None
    known = True
    net = scenario.network
    if net is not None and net.ground_stations is not None:
        try:
            names = build_stations(net.ground_stations, scenario.resolve_path).names
        except (StationFileError, OSError):
            known = False  # the network check reports the station file
    for i, job in enumerate(cfg.jobs):
        if job.kind != "inference":
            continue
        where = f"workloads.jobs.{i}"
        if net is None or net.ground_stations is None:
            problems.append((f"{where}.arrivals.stations", "inference needs a network section with "
                             "ground_stations (requests arrive at them)"))
        elif known and isinstance(job.arrivals.stations, list):
            for k, name in enumerate(job.arrivals.stations):
                problem = endpoint_problem(name, 0, names)
                if problem is not None:
                    problems.append((f"{where}.arrivals.stations.{k}", problem))
        if job.arrivals.trace is not None:
            path = scenario.resolve_path(job.arrivals.trace.file)
            try:
                read_trace(path)
            except FileNotFoundError:
                problems.append((f"{where}.arrivals.trace.file", f"file not found: {path}"))
            except (TraceFileError, OSError) as exc:
                problems.append((f"{where}.arrivals.trace.file", f"cannot read {path}: {exc}"))
        if job.queue.resolution_s > scenario.dt_s:
            problems.append((f"{where}.queue.resolution_s", f"{job.queue.resolution_s} s is longer than "
                             f"the tick dt_s = {scenario.dt_s} s"))
    return problems
