"""Download memory: peak RSS growth of a fresh process while it downloads a 1 GiB result with
``client.tasks.download``, next to the same download streamed with raw httpx. The simulator runs in
this (the parent) process and serves the file from a repeating pattern, so it holds no copy either;
each download runs in its own child process. The child samples its resident set size every 5 ms during
the download (``/proc/self/statm``) and reports the highest sample minus the size just before; the
process-lifetime peak (``ru_maxrss``) cannot be used alone, as importing may have set it higher."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _harness import FACE_URL, PYTHON, VIDEO_URL, Figure

TARGET_MIB = 50.0
GIB = 1 << 30


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _rss_kib() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


class _Sampler(threading.Thread):
    """Highest resident set size seen while running (every ``interval`` seconds)."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.highest = _rss_kib()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.highest = max(self.highest, _rss_kib())

    def finish(self) -> int:
        self._done.set()
        self.join()
        return max(self.highest, _rss_kib())


def _child(side: str, task_id: str, dest: str) -> None:
    import httpx
    from a2e_faceswap import A2E

    base_url, token = os.environ["A2E_BASE_URL"], os.environ["A2E_API_KEY"]
    with A2E(api_key=token, base_url=base_url) as client, httpx.Client() as raw:
        task = client.tasks.get(task_id)  # warm: connection, parsers
        assert task.result_url is not None
        baseline, peak_before = _rss_kib(), _peak_kib()
        sampler = _Sampler()
        sampler.start()
        start = time.perf_counter()
        if side == "facade":
            path = client.tasks.download(task, dest)
        else:
            path = Path(dest)
            with raw.stream("GET", task.result_url) as response, path.open("wb") as handle:
                response.raise_for_status()
                for chunk in response.iter_bytes(64 * 1024):
                    handle.write(chunk)
        seconds = time.perf_counter() - start
        highest = sampler.finish()
        size = path.stat().st_size
        path.unlink()
    report = {
        "baseline_kib": baseline,
        "highest_kib": highest,
        "maxrss_before_kib": peak_before,
        "maxrss_after_kib": _peak_kib(),
        "bytes": size,
        "seconds": seconds,
    }
    print(json.dumps(report))


def _download(side: str, env: dict[str, str], task_id: str, folder: str) -> dict[str, float]:
    dest = str(Path(folder) / f"{side}.mp4")
    out = subprocess.run(
        [PYTHON, __file__, "--child", side, task_id, dest],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the {side} download failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout)
    return result


def measure(size: int = GIB) -> Figure:
    from a2e_faceswap import A2E
    from a2e_faceswap.testing import Simulator

    with Simulator(seed=0, speed=0, result_size=size, check_contract=False) as sim:
        with A2E(api_key=sim.token, base_url=sim.base_url) as client:
            task_id = client.tasks.create(face=FACE_URL, video=VIDEO_URL).id
        sim.clock.advance(3600)
        env = {**os.environ, **sim.env()}
        env.pop("A2E_LOG", None)
        with tempfile.TemporaryDirectory(prefix="a2e-bench-") as folder:
            facade = _download("facade", env, task_id, folder)
            raw = _download("raw", env, task_id, folder)
    for side in (facade, raw):
        if side["bytes"] != size:
            raise RuntimeError(f"downloaded {side['bytes']} bytes, expected {size}")
    growth = (facade["highest_kib"] - facade["baseline_kib"]) / 1024
    raw_growth = (raw["highest_kib"] - raw["baseline_kib"]) / 1024
    return Figure(
        name=f"download {size / GIB:g} GiB, peak RSS growth",
        value=growth,
        unit="MiB",
        target=f"< {TARGET_MIB:g} MiB",
        met=growth < TARGET_MIB,
        detail=(
            f"facade +{growth:.1f} MiB in {facade['seconds']:.1f} s; raw httpx stream +{raw_growth:.1f} MiB "
            f"in {raw['seconds']:.1f} s"
        ),
        data={"facade": facade, "raw": raw},
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        figure = measure()
        print(f"{figure.name}: {figure.value:.1f} MiB  {figure.detail}")
