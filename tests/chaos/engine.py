"""The chaos run: many concurrent ``tasks.run`` workflows against a simulator that answers a share of
all requests with injected faults of every kind it has. Used by the seeded run inside ``make test``
(tests/chaos/test_chaos.py) and by the full run of ``make chaos`` (bench/chaos.py).

What a run checks (``Tally.problems``): every workflow ended with a downloaded result whose bytes are
the simulator's, or with an exception of our error tree; nothing else escaped; no task name was created
twice (a paid duplicate); no partial file is left in the download folder; every connection was closed
once the client was; the client sent nothing the contract forbids.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from a2e_faceswap import A2EError, AsyncA2E, RetryPolicy, RunResult
from a2e_faceswap.testing import FaultKind, Simulator

#: Routes of the API a ``tasks.run`` touches, and the file routes (uploads, results).
FILE_KINDS: tuple[FaultKind, ...] = (
    # a CDN or a storage bucket speaks HTTP, not A2E's envelope: only transport and HTTP faults there
    FaultKind.HTTP_500,
    FaultKind.HTTP_502,
    FaultKind.HTTP_503,
    FaultKind.HTTP_502_HTML,
    FaultKind.HTTP_503_HTML,
    FaultKind.HTTP_429,
    FaultKind.HTTP_429_RETRY_AFTER,
    FaultKind.RESET,
    FaultKind.SLOW,
    FaultKind.APPLIED_THEN_RESET,
    FaultKind.RESET_MID_BODY,
)
FACE_URL = "https://media.example.com/chaos/face.jpg"
VIDEO_URL = "https://media.example.com/chaos/clip.mp4"
#: A tiny JPEG-looking file for the workflows that upload their face first.
FACE_BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


@dataclass(frozen=True)
class ChaosConfig:
    workflows: int = 300
    seed: int = 0
    #: share of requests (API and file routes alike) answered with a fault
    fault_rate: float = 0.30
    #: every n-th workflow uploads its face from a local file (create_upload_url + PUT) first
    upload_every: int = 4
    #: per-request read timeout; SLOW answers wait ``slow_seconds``, past it. A SLOW create is applied
    #: when its wait ends: after the client gave up on it. The timeout is long enough that a loaded
    #: machine's slow answers are not taken for SLOW faults (at 0.35 s a loaded run completed 30 of 300
    #: workflows, a quiet one 238): the tally must not depend on how busy the machine is.
    read_timeout: float = 5.0
    slow_seconds: float = 5.5
    #: creates also get SLOW faults applied this many seconds after the client's timeout (A2E may apply
    #: a create up to 10 s late); the client's settle window (its default, 15 s) must catch every one
    late_applies: tuple[float, ...] = (1.0, 3.0, 6.0, 10.0)
    settle_window: float = 15.0
    #: simulated seconds per real second; a task takes 30 simulated seconds
    speed: float = 600.0
    result_size: int = 64 * 1024
    poll_interval: float = 0.05
    wait_timeout: float = 60.0
    max_retries: int = 3
    #: check every request and answer against the contract (violations are collected, then reported)
    contract: bool = True

    @property
    def request_timeout(self) -> httpx.Timeout:
        # only reads are short: waiting for one of the pool's connections is not a fault
        return httpx.Timeout(self.read_timeout, connect=5.0, pool=60.0)


@dataclass
class Tally:
    workflows: int
    completed: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    unhandled: list[str] = field(default_factory=list)
    bad_results: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)
    partial_files: list[str] = field(default_factory=list)
    open_connections: int = 0
    contract_violations: list[str] = field(default_factory=list)
    retries: int = 0
    lookups: int = 0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    tasks_created: int = 0
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = [f"unhandled exception: {text}" for text in self.unhandled]
        found += [f"bad result: {text}" for text in self.bad_results]
        found += [f"task {name!r} created {n} times" for name, n in self.duplicates.items()]
        found += [f"partial file left: {name}" for name in self.partial_files]
        if self.open_connections:
            found.append(f"{self.open_connections} connection(s) still open after the client closed")
        found += [f"contract violation: {text}" for text in self.contract_violations]
        if self.completed + sum(self.failed.values()) + len(self.unhandled) != self.workflows:
            found.append("some workflows did not end")
        return found

    def report(self) -> str:
        fault_total = sum(self.faults.values())
        lines = [
            f"chaos: {self.workflows} concurrent tasks.run workflows in {self.seconds:.1f} s",
            f"  completed and downloaded : {self.completed}",
            f"  failed with our errors   : {sum(self.failed.values())}",
        ]
        lines += [f"      {name:<24}: {n}" for name, n in sorted(self.failed.items(), key=lambda kv: -kv[1])]
        share = fault_total / self.requests if self.requests else 0.0
        lines += [
            f"  other exceptions         : {len(self.unhandled)}",
            f"  requests / faulted       : {self.requests} / {fault_total} ({share:.0%})",
            "  faults by kind           : "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items(), key=lambda kv: -kv[1])),
            f"  retries made (logged)    : {self.retries}",
            f"  create lookups (records) : {self.lookups}",
            f"  tasks created            : {self.tasks_created}",
            f"  duplicates               : {len(self.duplicates)}",
            f"  partial files            : {len(self.partial_files)}",
            f"  bad result files         : {len(self.bad_results)}",
            f"  open connections at end  : {self.open_connections}",
            f"  contract violations      : {len(self.contract_violations)}",
        ]
        return "\n".join(lines)


def install_faults(sim: Simulator, config: ChaosConfig) -> None:
    """``rate`` of every route's requests get a fault, spread evenly over the kinds that fit the route;
    creates also get late-applied SLOW faults (``config.late_applies``); before the random draws start,
    the first requests of the task routes get every kind once each, so even a small run meets them all."""
    rate = config.fault_rate
    api_kinds = list(FaultKind)
    for kind in api_kinds:
        sim.faults.add(kind, route="*", probability=rate / len(api_kinds))
    for late in config.late_applies:
        sim.faults.add(
            FaultKind.SLOW,
            route="create_task",
            probability=rate / len(api_kinds),
            delay=config.read_timeout + late,
        )
    for route in ("upload_put", "result"):
        for kind in FILE_KINDS:
            sim.faults.add(kind, route=route, probability=rate / len(FILE_KINDS))
    slow_creates = [(FaultKind.SLOW, config.read_timeout + s) for s in config.late_applies]
    sim.faults.script("create_task", [step for fault in slow_creates for step in (fault, None)])
    for route in ("create_task", "get_task"):
        sim.faults.script(route, [step for kind in api_kinds for step in (kind, None, None)])
    sim.faults.script("result", [step for kind in FILE_KINDS for step in (kind, None, None)])


class _RetryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith("retrying"):
            self.count += 1


async def _settle_connections(sim: Simulator, seconds: float = 5.0) -> int:
    """Open connections once the server has seen the client's closes (they arrive asynchronously)."""
    for _ in range(int(seconds / 0.02)):
        if not sim.stats.open_connections:
            break
        await asyncio.sleep(0.02)
    return sim.stats.open_connections


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def run_chaos(config: ChaosConfig, folder: Path) -> Tally:
    """Run the workflows against a fresh simulator; results are downloaded into ``folder``."""
    downloads = folder / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    face_file = folder / "face.jpg"
    face_file.write_bytes(FACE_BYTES)
    tally = Tally(workflows=config.workflows)
    counter = _RetryCounter()
    logger = logging.getLogger("a2e_faceswap")
    previous_level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    policy = RetryPolicy(max_retries=config.max_retries, settle_window=config.settle_window)
    sim = Simulator(
        seed=config.seed,
        speed=config.speed,
        strict=False,
        check_contract=config.contract,
        result_size=config.result_size,
        slow_seconds=config.slow_seconds,
        credits=config.workflows * 20,
        # upload URLs must not expire in simulated time while a loaded machine is slow to PUT
        upload_expires_in=10**9,
    )
    started = time.perf_counter()
    try:
        with sim:
            install_faults(sim, config)
            client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, retry_policy=policy)
            try:

                async def workflow(index: int) -> RunResult:
                    uploads = config.upload_every and index % config.upload_every == 0
                    return await client.tasks.run(
                        face=face_file if uploads else FACE_URL,
                        video=VIDEO_URL,
                        name=f"chaos-{config.seed}-{index:04d}",
                        download_to=downloads / f"{index:04d}.mp4",
                        timeout=config.wait_timeout,
                        poll_interval=config.poll_interval,
                        request_timeout=config.request_timeout,
                    )

                outcomes = await asyncio.gather(
                    *(workflow(i) for i in range(config.workflows)), return_exceptions=True
                )
            finally:
                await client.close()
            sim.faults.clear()
            tally.open_connections = await _settle_connections(sim)
            for index, outcome in enumerate(outcomes):
                if isinstance(outcome, RunResult):
                    tally.completed += 1
                    problem = _check_result(sim, config, downloads, index, outcome)
                    if problem:
                        tally.bad_results.append(problem)
                elif isinstance(outcome, A2EError):
                    tally.failed[type(outcome).__name__] += 1
                else:
                    tally.unhandled.append(f"workflow {index}: {type(outcome).__name__}: {outcome!r}")
            created = sim.stats.tasks_created_by_name
            tally.tasks_created = sum(created.values())
            tally.duplicates = {name: n for name, n in created.items() if n > 1}
            tally.requests = sum(sim.stats.requests.values())
            tally.lookups = sim.stats.requests_to("list_task_records")
            for (_, kind), n in sim.stats.faults_injected.items():
                tally.faults[kind.value] += n
            tally.contract_violations = sim.stats.contract_violations
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous_level)
    tally.retries = counter.count
    tally.seconds = time.perf_counter() - started
    expected = {f"{i:04d}.mp4" for i, o in enumerate(outcomes) if isinstance(o, RunResult)}
    tally.partial_files = sorted(
        p.name for p in downloads.iterdir() if p.name not in expected or not p.is_file()
    )
    return tally


def _check_result(sim: Simulator, config: ChaosConfig, folder: Path, index: int, result: RunResult) -> str:
    path = result.path
    if path is None or path != folder / f"{index:04d}.mp4" or not path.is_file():
        return f"workflow {index}: no file where it was asked ({path})"
    if path.stat().st_size != config.result_size:
        return f"workflow {index}: {path.stat().st_size} bytes, expected {config.result_size}"
    if _sha256(path) != sim.result_sha256(result.task.id):
        return f"workflow {index}: the file's bytes are not the task's result"
    if not result.task.is_done:
        return f"workflow {index}: returned a task in status {result.task.raw_status!r}"
    return ""
