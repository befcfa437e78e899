"""The rows of a batch (``_manifest``): CSV and JSON Lines read into checked rows, every refusal with
its line, keys that depend on the row's content and never its position."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap._manifest import (
    Job,
    Row,
    check_batch_id,
    parse_manifest,
    read_manifest,
    rows_from_jobs,
    shard_of,
    task_name,
)
from a2e_faceswap.errors import InvalidInputError, ManifestError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile._child import run_child

URL = "https://cdn.example.com/clip-{}.mp4"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "face.jpg").write_bytes(b"\xff\xd8\xff face")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.png").write_bytes(b"\x89PNG other")
    return tmp_path


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def problems(error: pytest.ExceptionInfo[ManifestError]) -> list[tuple[int, str]]:
    return error.value.problems


# ------------------------------------------------------------------ reading


def test_csv_rows_resolve_local_paths_against_the_manifest_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    manifest = write(
        folder,
        "m.csv",
        f"face,video,name,output\nface.jpg,{URL.format(1)},first,one.mp4\nsub/other.png,{URL.format(2)},,\n",
    )
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # not the manifest's folder
    rows = read_manifest(manifest)
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].face == folder / "face.jpg"
    assert isinstance(rows[0].face, Path)
    assert rows[0].face.is_absolute()
    assert rows[1].face == folder / "sub" / "other.png"
    assert rows[0].video == URL.format(1)
    assert (rows[0].name, rows[0].output) == ("first", "one.mp4")
    assert rows[1].name is None
    assert rows[1].output == f"{rows[1].key}.mp4"
    assert all(len(r.key) == 16 and int(r.key, 16) >= 0 for r in rows)


def test_jsonl_rows_match_the_same_csv_rows(folder: Path) -> None:
    csv_rows = read_manifest(write(folder, "m.csv", f"face,video,output\nface.jpg,{URL.format(1)},a.mp4\n"))
    line = json.dumps({"face": "face.jpg", "video": URL.format(1), "output": "a.mp4"})
    jsonl_rows = read_manifest(write(folder, "m.jsonl", line + "\n"))
    assert [(r.key, r.face, r.video, r.output) for r in csv_rows] == [
        (r.key, r.face, r.video, r.output) for r in jsonl_rows
    ]
    assert jsonl_rows[0].line == 1


def test_format_is_sniffed_without_a_known_extension(folder: Path) -> None:
    line = json.dumps({"face": URL.format(0), "video": URL.format(1)})
    assert len(read_manifest(write(folder, "m.txt", "\n" + line + "\n\n" + line.replace("1", "2")))) == 2
    assert len(read_manifest(write(folder, "m", f"face,video\n{URL.format(0)},{URL.format(1)}\n"))) == 1
    with pytest.raises(ManifestError, match="JSON array"):
        read_manifest(write(folder, "m.json", json.dumps([{"face": "a", "video": "b"}])))


def test_bom_crlf_blank_lines_and_header_case_are_accepted(folder: Path) -> None:
    text = f"\ufeffFace , VIDEO\r\n\r\nface.jpg,{URL.format(1)}\r\n,\r\n face.jpg , {URL.format(2)} \r\n"
    rows = read_manifest(write(folder, "m.csv", text.encode("utf-8")))
    assert [r.line for r in rows] == [3, 5]
    assert rows[1].video == URL.format(2)
    bom_jsonl = "\ufeff" + json.dumps({"face": "face.jpg", "video": URL.format(1)})
    assert len(read_manifest(write(folder, "m.jsonl", bom_jsonl.encode()))) == 1


def test_quoted_cell_over_two_lines_keeps_the_line_numbers_right(folder: Path) -> None:
    text = f'face,video,name\nface.jpg,{URL.format(1)},"two\nlines"\nface.jpg,,x\n'
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", text))
    assert problems(error) == [(4, "empty video")]


def test_jobs_given_in_code(folder: Path) -> None:
    jobs: list[Job | Mapping[str, object]] = [
        Job(folder / "face.jpg", URL.format(1)),
        Job("face.jpg", URL.format(2), name="n", output="x/y.mp4"),
        {"face": "sub/other.png", "video": URL.format(3)},
    ]
    rows = rows_from_jobs(jobs, folder)
    assert [r.line for r in rows] == [1, 2, 3]
    assert rows[1].face == folder / "face.jpg"
    assert rows[1].output == "x/y.mp4"
    assert rows_from_jobs([], folder) == []
    bad: list[Any] = [Job(URL.format(1), URL.format(1)), 42, {"face": 1, "video": URL.format(2)}]
    with pytest.raises(ManifestError) as error:
        rows_from_jobs(bad, folder)
    assert [line for line, _ in problems(error)] == [2, 3]
    assert "got int" in str(error.value)


# ------------------------------------------------------------------ keys


def test_keys_do_not_depend_on_the_order(folder: Path) -> None:
    lines = [f"face.jpg,{URL.format(i)},o{i}.mp4" for i in range(6)]
    first = read_manifest(write(folder, "a.csv", "face,video,output\n" + "\n".join(lines)))
    second = read_manifest(write(folder, "b.csv", "face,video,output\n" + "\n".join(reversed(lines))))
    assert {r.output: r.key for r in first} == {r.output: r.key for r in second}
    assert [r.line for r in second if r.output == "o0.mp4"] == [7]


def test_key_changes_with_face_video_or_output_but_not_name(folder: Path) -> None:
    base = rows_from_jobs([Job("face.jpg", URL.format(1), output="a.mp4")], folder)[0].key
    for job in (
        Job("face.jpg", URL.format(1), output="b.mp4"),
        Job("sub/other.png", URL.format(1), output="a.mp4"),
        Job("face.jpg", URL.format(2), output="a.mp4"),
        Job("face.jpg", URL.format(1)),
    ):
        assert rows_from_jobs([job], folder)[0].key != base
    assert rows_from_jobs([Job("face.jpg", URL.format(1), name="x", output="a.mp4")], folder)[0].key == base


def test_key_is_known_sha256_prefix(folder: Path) -> None:
    import hashlib

    row = rows_from_jobs([Job(URL.format(1), URL.format(2), output="o.mp4")], folder)[0]
    expected = hashlib.sha256(f"{URL.format(1)}\0{URL.format(2)}\0o.mp4".encode()).hexdigest()[:16]
    assert row.key == expected


def test_shard_and_task_name() -> None:
    assert shard_of("000000000000000a", 3) == 10 % 3
    assert shard_of("ffffffffffffffff", 1) == 0
    keys = [f"{i:016x}" for i in range(300)]
    assert {shard_of(k, 3) for k in keys} == {0, 1, 2}
    with pytest.raises(InvalidInputError):
        shard_of("00", 0)
    assert task_name("b1", "00ff", 2) == "a2e-batch-b1-00ff-2"
    assert check_batch_id("Batch_1-x") == "Batch_1-x"
    for bad in ("", "-a", "a b", "x" * 33, "é", None):
        with pytest.raises(InvalidInputError):
            check_batch_id(bad)


# ------------------------------------------------------------------ refusals, each with its line


@pytest.mark.parametrize(
    ("header", "cells", "message"),
    [
        ("face,video", ",{url}", "empty face"),
        ("face,video", "face.jpg,", "empty video"),
        ("face,video", "missing.jpg,{url}", "no such file"),
        ("face,video", "sub,{url}", "regular file"),
        ("face,video", "face.jpg,ftp://x/y.mp4", "http(s)"),
        ("face,video", "face.jpg,https://[::1/a", "http(s)"),
        ("face,video,output", "face.jpg,{url},/abs.mp4", "absolute"),
        ("face,video,output", "face.jpg,{url},C:x.mp4", "absolute"),
        ("face,video,output", "face.jpg,{url},../x.mp4", "leaves the output folder"),
        ("face,video,output", "face.jpg,{url},a/../../x.mp4", "leaves the output folder"),
        ("face,video,output", "face.jpg,{url},.hidden.mp4", "hidden"),
        ("face,video,output", "face.jpg,{url},a/.git/x.mp4", "hidden"),
        ("face,video,output", "face.jpg,{url},dir/", "not a folder"),
        ("face,video,output", "face.jpg,{url},a//b.mp4", "empty part"),
        ("face,video,output", "face.jpg,{url},report.csv", "report"),
        ("face,video,output", "face.jpg,{url},a\tb.mp4", "control character"),
        ("face,video,output", "face.jpg,{url}," + "x" * 256, "longer than"),
        ("face,video", "face.jpg,{url},extra", "3 cells"),
    ],
)
def test_each_refused_cell_names_its_line(folder: Path, header: str, cells: str, message: str) -> None:
    good = f"face.jpg,{URL.format(0)}" + ("," if header.count(",") == 2 else "")
    text = f"{header}\n{good}\n\n{cells.format(url=URL.format(1))}\n"
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", text))
    assert [line for line, _ in problems(error)] == [4]
    assert message in problems(error)[0][1]
    assert f"line 4: {problems(error)[0][1]}" in str(error.value)
    assert isinstance(error.value, InvalidInputError)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("face", "no video column"),
        ("video,output", "no face column"),
        ("face,video,colour", "unknown column 'colour'"),
        ("face,video,face", "named twice"),
    ],
)
def test_header_problems(folder: Path, header: str, message: str) -> None:
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", f"\n{header}\nface.jpg,{URL.format(1)}\n"))
    assert problems(error)[0][0] == 2
    assert message in str(error.value)


def test_duplicates_name_both_lines(folder: Path) -> None:
    text = (
        "face,video,output\n"
        f"face.jpg,{URL.format(1)},a.mp4\n"
        f"face.jpg,{URL.format(2)},A.MP4\n"  # same file on a case-insensitive disk
        f"face.jpg,{URL.format(1)},a.mp4\n"  # exact duplicate of line 2
        f"face.jpg,{URL.format(3)},a.mp4/b.mp4\n"  # inside line 2's output
    )
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", text))
    assert problems(error) == [
        (3, "output 'A.MP4' is also line 2's output"),
        (4, "the same face, video and output as line 2"),
        (5, "output's folder 'a.mp4' is line 2's output"),
    ]


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    lines = [f"missing{i}.jpg,{URL.format(i)}" for i in range(30)]
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", "face,video\n" + "\n".join(lines)))
    assert [line for line, _ in problems(error)] == list(range(2, 32))
    assert "(30 problems)" in str(error.value)
    assert "... and 10 more" in str(error.value)


def test_jsonl_refusals(folder: Path) -> None:
    text = "\n".join(
        [
            json.dumps({"face": "face.jpg", "video": URL.format(1)}),
            "{not json",
            json.dumps([1, 2]),
            json.dumps({"face": "face.jpg", "video": URL.format(2), "colour": "red"}),
            json.dumps({"face": "face.jpg", "video": 5}),
            json.dumps({"face": "face.jpg"}),
            "[" * 100_000,
        ]
    )
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.jsonl", text))
    assert [line for line, _ in problems(error)] == [2, 3, 4, 5, 6, 7]
    assert "unknown key 'colour'" in problems(error)[2][1]
    assert "video must be a string" in problems(error)[3][1]
    assert "empty video" in problems(error)[4][1]


def test_file_level_refusals(folder: Path) -> None:
    with pytest.raises(ManifestError, match="no such file"):
        read_manifest(folder / "nope.csv")
    with pytest.raises(ManifestError, match="directory"):
        read_manifest(folder / "sub")
    os.mkfifo(folder / "fifo.csv")
    with pytest.raises(ManifestError, match="not a regular file"):
        read_manifest(folder / "fifo.csv")
    with pytest.raises(ManifestError, match="no rows"):
        read_manifest(write(folder, "m.csv", "face,video\n"))
    with pytest.raises(ManifestError) as error:
        read_manifest(write(folder, "m.csv", b"face,video\nface.jpg,\xff\xfe\n"))
    assert problems(error) == [(2, "the manifest is not UTF-8 text")]


_UNREADABLE_SETUP = """
import os
from pathlib import Path
from a2e_faceswap._manifest import parse_manifest, read_manifest
from a2e_faceswap.errors import LocalFileError, ManifestError
# what reading loads lazily (codecs, csv...) is loaded now: the unprivileged user cannot read it later
parse_manifest(b"face,video\\nhttps://e.com/f.jpg,https://e.com/v.mp4\\n", Path("/"), ".csv")
os.setgroups([]); os.setgid({uid}); os.setuid({uid})  # as root every file is readable
"""

_UNREADABLE_BODY = """
result = []
for name in ("locked.csv", "m.csv"):
    try:
        read_manifest(Path({folder!r}) / name)
        result.append([name, "ok", None])
    except ManifestError as error:
        result.append([name, "ManifestError", [list(p) for p in error.problems]])
    except LocalFileError as error:
        result.append([name, "LocalFileError", error.errno])
"""


def test_unreadable_files_are_our_errors() -> None:
    """Run as an unprivileged user: an unreadable manifest is LocalFileError, an unreadable input one
    of the manifest's problems, with its line."""
    folder = Path(tempfile.mkdtemp(prefix="a2e-unreadable-"))
    try:
        folder.chmod(0o755)
        write(folder, "locked.csv", f"face,video\nface.jpg,{URL.format(1)}\n").chmod(0)
        write(folder, "m.csv", f"face,video\nface.jpg,{URL.format(1)}\n").chmod(0o644)
        write(folder, "face.jpg", b"\xff\xd8\xff" + b"0" * 64).chmod(0)
        setup = _UNREADABLE_SETUP.format(uid=65534)
        child = run_child(setup, _UNREADABLE_BODY.format(folder=str(folder)), timeout=60)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    locked, rows = child["result"]
    assert locked == ["locked.csv", "LocalFileError", errno.EACCES]
    assert rows[:2] == ["m.csv", "ManifestError"]
    assert [line for line, _ in rows[2]] == [2]
    assert "face: cannot read" in rows[2][0][1]


def test_rows_are_frozen(folder: Path) -> None:
    row = rows_from_jobs([Job(URL.format(1), URL.format(2))], folder)[0]
    assert isinstance(row, Row)
    with pytest.raises(AttributeError):
        row.output = "x"  # type: ignore[misc]


# ------------------------------------------------------------------ properties: nothing but ManifestError


def outcome(call: Callable[[], list[Row]]) -> list[Row] | ManifestError:
    """The rows, or the refusal; any other exception fails the property test."""
    try:
        return call()
    except ManifestError as error:
        return error


def check(result: list[Row] | ManifestError) -> None:
    if isinstance(result, ManifestError):
        assert result.problems
        assert str(result).startswith("the manifest was refused")
    else:
        assert all(isinstance(r, Row) and len(r.key) == 16 for r in result)


@settings(max_examples=150)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(["", ".csv", ".jsonl"]))
def test_any_bytes_give_rows_or_manifest_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    check(outcome(lambda: parse_manifest(data, tmp_path_factory.getbasetemp(), suffix)))


_CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["face.jpg", URL.format(1), "https://", "../x", ".a", "a/b.mp4", "~", "\0", "http://[::1"]
    ),
)


@settings(max_examples=150)
@given(
    header=st.lists(st.sampled_from(["face", "video", "name", "output", "x", ""]), max_size=5),
    cells=st.lists(st.lists(_CELL, max_size=5), max_size=6),
)
def test_any_csv_text_gives_rows_or_manifest_error(header: list[str], cells: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *cells])
    data = buffer.getvalue().encode("utf-8", "surrogatepass")
    check(outcome(lambda: parse_manifest(data, Path.cwd(), ".csv")))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _CELL,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150)
@given(
    objects=st.lists(
        st.dictionaries(st.sampled_from(["face", "video", "name", "output", "other"]), _JSON, max_size=5)
        | _JSON,
        max_size=5,
    )
)
def test_any_json_lines_give_rows_or_manifest_error(objects: list[object]) -> None:
    data = "\n".join(json.dumps(o) for o in objects).encode("utf-8", "surrogatepass")
    check(outcome(lambda: parse_manifest(data, Path.cwd(), ".jsonl")))


@settings(max_examples=100)
@given(
    jobs=st.lists(
        st.dictionaries(st.sampled_from(["face", "video", "name", "output", 3]), _JSON, max_size=5)
        | st.builds(Job, _CELL, _CELL, st.none() | _CELL, st.none() | _CELL)
        | _JSON,
        max_size=5,
    )
)
def test_any_jobs_give_rows_or_manifest_error(jobs: list[Any]) -> None:
    check(outcome(lambda: rows_from_jobs(jobs, Path.cwd())))
