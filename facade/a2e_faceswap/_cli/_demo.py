"""``a2e-faceswap demo``: the whole workflow against an in-process simulator, with sample media.

After the single swap, a small batch (``a2e-faceswap batch``'s code): the sample face into
``DEMO_CLIPS`` stand-in clips, from a manifest written next to them, into ``<folder>/batch/``.

The sample face is a real (tiny) PNG drawn here with zlib and struct. The sample "video" is NOT a
playable video: an MP4 ``ftyp`` header followed by filler bytes, named ``.mp4``. The simulator, like
any storage, does not look inside the files; it only checks their size and content type.
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from pathlib import Path
from typing import Annotated

import typer

from .. import A2E
from ..cli import PROG
from ._batch import run_batch
from ._output import Stopwatch
from ._problems import needs_simulator
from ._render import human_duration, human_size, jsonable
from ._session import session_of
from ._workflow import Workflow

__all__ = ["demo", "sample_face_png", "sample_video_bytes"]

#: simulated seconds per real second: the 30 s task takes 1.5 s, the 5 s preview a quarter second
DEMO_SPEED = 20.0
DEMO_RESULT_SIZE = 3_000_000
DEMO_POLL = 0.2
_VIDEO_FILLER = 256 * 1024
#: clips in the demo's batch
DEMO_CLIPS = 5


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def sample_face_png(size: int = 96) -> bytes:
    """A small smiling face as an 8-bit RGB PNG."""
    centre = (size - 1) / 2
    radius = size * 0.42

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        dx, dy = x - centre, y - centre
        if dx * dx + dy * dy > radius * radius:
            return (198, 226, 255)  # background
        for eye_x in (centre - radius * 0.35, centre + radius * 0.35):
            if (x - eye_x) ** 2 + (y - (centre - radius * 0.25)) ** 2 <= (radius * 0.12) ** 2:
                return (40, 40, 60)
        mouth = (dx * dx + (y - centre + radius * 0.05) ** 2) ** 0.5
        if radius * 0.5 <= mouth <= radius * 0.62 and y > centre + radius * 0.15:
            return (150, 40, 40)
        return (255, 214, 80)  # skin

    rows = b"".join(
        b"\x00" + bytes(channel for x in range(size) for channel in pixel(x, y)) for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def sample_video_bytes() -> bytes:
    """An MP4 ``ftyp`` box and a ``free`` box of filler: the right type and a plausible size, no frames."""
    ftyp = struct.pack(">I", 24) + b"ftyp" + b"isom" + struct.pack(">I", 0x200) + b"isomiso2"
    filler = bytes(i * 7 % 251 for i in range(_VIDEO_FILLER))
    return ftyp + struct.pack(">I", 8 + len(filler)) + b"free" + filler


def _batch_manifest(folder: Path, face: Path) -> Path:
    """``DEMO_CLIPS`` clips (each a little different) and a manifest of one face into each of them."""
    clips = folder / "clips"
    clips.mkdir(exist_ok=True)
    lines = ["face,video,output"]
    for number in range(1, DEMO_CLIPS + 1):
        (clips / f"clip-{number}.mp4").write_bytes(sample_video_bytes() + bytes([number]))
        lines.append(f"{face.name},clips/clip-{number}.mp4,swapped-{number}.mp4")
    manifest = folder / "batch.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def demo(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Directory for the sample media and the result (default: a new temporary directory, kept).",
            show_default=False,
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option("--speed", min=0.1, help="Simulated seconds per real second.")
    ] = DEMO_SPEED,
) -> None:
    """Run upload → preview → task → wait → download against a local simulator (no account needed)."""
    session = session_of(ctx)
    session.resumable = False
    with session.guard("demo"):
        with needs_simulator("the demo"):
            from a2e_faceswap.testing import Simulator
        folder = output or Path(tempfile.mkdtemp(prefix=f"{PROG}-demo-"))
        folder.mkdir(parents=True, exist_ok=True)
        face_file, video_file = folder / "sample-face.png", folder / "sample-video.mp4"
        face_file.write_bytes(sample_face_png())
        video_file.write_bytes(sample_video_bytes())
        out = session.out
        out.note("sample media in ", (str(folder), "bold"), " (the .mp4 is a stand-in, not a playable video)")
        clock = Stopwatch()
        with Simulator(seed=7, speed=speed, result_size=DEMO_RESULT_SIZE) as sim:
            out.note(
                "A2E simulator started at ", (sim.base_url, "bold"), " (in-process; no A2E account used)"
            )
            retries = session.settings.max_retries
            with A2E(api_key=sim.token, base_url=sim.base_url, max_retries=retries) as client:
                flow = Workflow(session, client)
                face_url, video_url = flow.upload_both(face_file, video_file)
                preview = flow.preview(face_url, video_url, poll=DEMO_POLL)
                task = flow.start(face_url, video_url, f"{PROG} demo")
                task = flow.wait(task, poll=DEMO_POLL)
                path = flow.download(task, folder)
                manifest = _batch_manifest(folder, face_file)
                out.note("")
                out.note("a batch: ", (f"{PROG} batch {manifest.name} -o batch", "bold"))
                report = run_batch(
                    session,
                    client,
                    manifest,
                    folder / "batch",
                    concurrency=DEMO_CLIPS,
                    poll_interval=DEMO_POLL,
                )
        total = clock()

        def human() -> None:  # the summary on stderr with the progress; stdout: the result's path
            out.aside("")
            out.aside(flow.summary(f"{PROG} demo: done in {human_duration(total)}"))
            out.note("result file: ", (str(path), "bold green"), f" ({human_size(path.stat().st_size)})")
            saved = report.counts.get("saved", 0)
            out.note(
                f"batch: {saved} of {len(report.rows)} clips saved; report: ",
                (str(report.report_path), "bold"),
            )
            out.note(
                "next: set ",
                ("A2E_API_KEY", "bold"),
                " and run ",
                (f"{PROG} swap --face FACE --video VIDEO", "bold"),
                " against A2E, or ",
                (f"{PROG} sim", "bold"),
                " for a simulator of your own",
            )
            out.result(str(path))

        out.emit(
            {
                "simulator": sim.base_url,
                "preview": jsonable(preview),
                "task": jsonable(task),
                "output": str(path),
                "seconds": round(total, 3),
                "steps": flow.documents(),
                "batch": {
                    "batch_id": report.batch_id,
                    "counts": dict(report.counts),
                    "report": str(report.report_path),
                    "exit_code": report.exit_code,
                },
            },
            human,
        )
