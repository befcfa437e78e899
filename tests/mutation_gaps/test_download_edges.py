"""Downloads where the other suites left mutants alive: names made from URLs at their length and
extension limits, the minimum-rate watch at its exact boundaries, what a failed download error says,
a REFETCH answer that must never be written, and which local step a ``LocalFileError`` names."""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    LocalFileError,
    ResponseTooLargeError,
    UnreadableResponseError,
    _download,
)
from a2e_faceswap._download import (
    MAX_NAME_BYTES,
    Answer,
    Destination,
    DownloadSink,
    RateWatch,
    ResumeState,
    expected_size,
    result_name,
)

# ------------------------------------------------------------------ names made from URLs


def _bare(name: str) -> str:
    return result_name(f"https://cdn.example/r/{name}", None)


def test_only_separators_and_controls_are_replaced_and_only_leading_dots_dropped() -> None:
    assert _bare("Xbox%2FX.mp4") == "Xbox_X.mp4"
    assert _bare("..XFiles.mp4") == "XFiles.mp4"
    assert _bare("a%5Cb%07c.webm") == "a_b_c.webm"


def test_a_url_without_a_path_gets_the_default_name() -> None:
    assert result_name("https://cdn.example", None) == "result.mp4"
    assert result_name("https://cdn.example/", None) == "result.mp4"


def test_a_long_name_keeps_its_last_extension_and_the_byte_cap() -> None:
    name = _bare("a.b" + "c" * 200 + ".mp4")
    assert name == "a.b" + "c" * (MAX_NAME_BYTES - 4 - 3) + ".mp4"
    assert len(name.encode()) == MAX_NAME_BYTES


@pytest.mark.parametrize(
    ("ext_len", "kept"),
    [(16, True), (17, False)],  # an "extension" longer than 16 bytes is part of the name
)
def test_an_extension_is_kept_up_to_16_bytes(ext_len: int, kept: bool) -> None:
    name = _bare("a" * 200 + "." + "b" * ext_len)
    assert len(name.encode()) == MAX_NAME_BYTES
    if kept:
        assert name == "a" * (MAX_NAME_BYTES - ext_len - 1) + "." + "b" * ext_len
    else:
        assert name == "a" * MAX_NAME_BYTES


def test_a_cut_name_loses_the_blanks_at_the_cut() -> None:
    stem = "a" * (MAX_NAME_BYTES - 5) + " " + "z" * 50
    assert _bare(stem.replace(" ", "%20") + ".mp4") == "a" * (MAX_NAME_BYTES - 5) + ".mp4"
    plain = "a" * (MAX_NAME_BYTES - 1) + " " + "z" * 10
    assert _bare(plain.replace(" ", "%20")) == "a" * (MAX_NAME_BYTES - 1)
    assert _bare("%20%20x.mp4") == "x.mp4"


def test_a_cut_never_splits_a_character() -> None:
    assert _bare("a" + "%C3%A9" * 200) == "a" + "\u00e9" * ((MAX_NAME_BYTES - 1) // 2)


def test_a_target_whose_name_is_not_utf8_is_still_saved(tmp_path: Path) -> None:
    target = tmp_path / os.fsdecode(b"r\xff.mp4")
    _save(target, b"abc")
    assert (tmp_path / os.fsdecode(b"r\xff.mp4")).read_bytes() == b"abc"


def test_a_name_without_an_extension_is_capped_too() -> None:
    assert _bare("n" * 400) == "n" * MAX_NAME_BYTES


# ------------------------------------------------------------------ the minimum rate


def test_exactly_the_minimum_rate_passes_and_a_byte_less_fails() -> None:
    ok = RateWatch(min_rate=10, window=1.0)
    ok.start(0.0)
    ok.feed(1.0, 10)
    slow = RateWatch(min_rate=10, window=1.0)
    slow.start(0.0)
    with pytest.raises(APITimeoutError):
        slow.feed(1.0, 9)


def test_a_watch_fed_before_start_counts_from_its_first_chunk() -> None:
    watch = RateWatch(min_rate=10, window=1.0)
    watch.feed(0.0, 0)
    watch.feed(1.0, 10)  # exactly the minimum over the window: still fine


def test_the_rate_is_bytes_per_second_over_the_span() -> None:
    watch = RateWatch(min_rate=10, window=1.0)
    watch.start(0.0)
    with pytest.raises(APITimeoutError) as caught:
        watch.feed(2.0, 10)  # 5 bytes/s over 2 s
    error = caught.value
    assert error.message == (
        "the download slowed to 5 bytes/s over the last 2.0s (the minimum is 10 bytes/s)"
    )
    assert error.operation == "download"
    assert error.outcome_unknown is True


def test_the_reference_mark_is_the_newest_one_a_window_old() -> None:
    # window 32: marks are taken every 32/32 = 1 s; the mark of t=1 is exactly a window old at t=33
    watch = RateWatch(min_rate=1, window=32.0)
    watch.start(0.0)
    watch.feed(1.0, 100)
    with pytest.raises(APITimeoutError) as caught:
        watch.feed(33.0, 0)  # nothing since t=1
    assert caught.value.message.startswith("the download slowed to 0 bytes/s over the last 32.0s")


def test_marks_closer_than_a_32nd_of_the_window_are_not_taken() -> None:
    # window 33: a chunk 1 s after the start is no mark (33/32 > 1), so t=0 stays the reference
    watch = RateWatch(min_rate=1, window=33.0)
    watch.start(0.0)
    watch.feed(1.0, 100)
    watch.feed(34.0, 0)  # 100 bytes over 34 s: above 1 byte/s


def test_a_burst_right_after_the_start_is_not_a_mark_of_its_own() -> None:
    watch = RateWatch(min_rate=10, window=1.0)
    watch.start(10.0)
    watch.feed(10.01, 100)
    watch.feed(11.005, 0)
    watch.feed(11.02, 0)  # measured from t=10: 100 bytes in 1.02 s


# ------------------------------------------------------------------ resumption


def test_a_content_length_of_zero_counts_and_a_negative_one_does_not() -> None:
    assert expected_size({"content-length": "0"}) == 0
    assert expected_size({"content-length": "-1"}) is None


def test_a_206_with_an_unknown_total_to_a_whole_file_request_is_refused() -> None:
    state = ResumeState()
    state.next_request()
    with pytest.raises(UnreadableResponseError):
        state.judge(206, {"content-range": "bytes 0-9/*"})


def test_a_short_body_is_a_download_error_that_may_be_resumed() -> None:
    state = ResumeState(have=4, total=10)
    with pytest.raises(APIConnectionError) as caught:
        state.check_complete()
    assert type(caught.value) is APIConnectionError
    assert caught.value.outcome_unknown is True
    assert caught.value.operation == "download"
    assert caught.value.message == "download ended after 4 of 10 bytes"
    assert (state.have, state.total) == (4, 10)  # kept for the resume


def test_a_416_after_a_range_is_never_written(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"

    def cut() -> None:
        with DownloadSink(target, None) as sink:
            sink.next_request()
            assert sink.begin(200, {"content-length": "10", "etag": '"v1"'}) is True
            sink.write(b"01234")
            sink.end()  # cut after 5 bytes

    with pytest.raises(APIConnectionError):
        cut()
    with DownloadSink(target, None) as sink:
        sink.state.have, sink.state.total, sink.state.validator = 5, 10, '"v1"'
        assert sink.next_request().headers["Range"] == "bytes=5-"
        assert sink.begin(416, {"content-range": "bytes */10"}) is False
        assert sink.begin(206, {"content-range": "bytes 3-9/10"}) is False  # not our bytes either
        assert sink.next_request().headers == {"Accept-Encoding": "identity"}
        assert sink.begin(200, {"content-length": "10"}) is True
        sink.write(b"0123456789")
        sink.end()
    assert target.read_bytes() == b"0123456789"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


# ------------------------------------------------------------------ which local step failed


def _save(target: Path, body: bytes) -> None:
    with DownloadSink(target, None) as sink:
        sink.next_request()
        assert sink.begin(200, {"content-length": str(len(body))}) is True
        sink.write(body)
        sink.end()


class _FullFile:
    """A file whose writes fail as on a full disk."""

    def __init__(self, fd: int) -> None:
        os.close(fd)
        self.closed = False

    def seek(self, offset: int) -> int:
        return offset

    def truncate(self) -> int:
        return 0

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.closed = True


def _raise(error: OSError) -> Callable[..., Any]:
    def fail(*args: object) -> Any:
        raise error

    return fail


def _no_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(_download, "_create_temp", _raise(failure))


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FullFile(fd))


def _cross_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "replace", _raise(OSError(errno.EXDEV, "Invalid cross-device link")))


@pytest.mark.parametrize(
    ("breaks", "step", "code", "reason"),
    [
        (_no_permission, "write", errno.EACCES, "Permission denied"),  # creating the temporary file
        (_full_disk, "write", errno.ENOSPC, "No space left on device"),
        (_cross_device, "save", errno.EXDEV, "Invalid cross-device link"),  # the rename to the target
    ],
    ids=["create", "write", "rename"],
)
def test_a_local_failure_names_its_step_and_the_target_and_leaves_no_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    breaks: Callable[[pytest.MonkeyPatch], None],
    step: str,
    code: int,
    reason: str,
) -> None:
    breaks(monkeypatch)
    target = tmp_path / "out.mp4"
    with pytest.raises(LocalFileError) as caught:
        _save(target, b"abc")
    assert str(caught.value) == f"could not {step} {str(target)!r}: {reason}"
    assert caught.value.filename == str(target)
    assert caught.value.errno == code
    assert list(tmp_path.iterdir()) == []  # neither the target nor the temporary file


def test_the_temporary_file_is_created_beside_the_target(tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    target = folder / "out.mp4"
    seen: list[Path] = []
    with DownloadSink(target, lambda done, total: seen.extend(folder.iterdir())) as sink:
        sink.next_request()
        assert sink.begin(200, {"content-length": "2"}) is True
        sink.write(b"ok")
        sink.end()
    assert seen
    assert all(p.parent == folder and p.name.startswith(".out.mp4.") and p.suffix == ".part" for p in seen)
    assert target.read_bytes() == b"ok"


def test_the_temporary_file_is_hidden_and_named_after_a_capped_target(tmp_path: Path) -> None:
    long_name = "n" * 200 + ".mp4"
    fd, path = _download._create_temp(tmp_path, long_name)
    os.close(fd)
    assert path.parent == tmp_path
    assert re.fullmatch(r"\.n{64}\.[0-9a-f]{8}\.part", path.name)


def test_the_temporary_file_name_is_tried_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def same(size: int) -> str:
        calls.append(size)
        return "deadbeef"

    (tmp_path / ".out.mp4.deadbeef.part").touch()
    monkeypatch.setattr(secrets, "token_hex", same)
    with pytest.raises(FileExistsError) as caught:
        _download._create_temp(tmp_path, "out.mp4")
    assert calls == [4] * 100
    assert caught.value.errno == errno.EEXIST
    assert caught.value.strerror == "no free temporary file name"
    assert caught.value.filename == str(tmp_path)


def test_a_directory_in_the_way_is_named(tmp_path: Path) -> None:
    with pytest.raises(LocalFileError) as caught:
        Destination.check_target(tmp_path)
    assert str(caught.value) == f"a directory is in the way: {str(tmp_path)!r}"
    assert caught.value.filename == str(tmp_path)
    assert caught.value.errno == errno.EISDIR


class _BrokenFile(_FullFile):
    """Writes fail, and so does closing."""

    def close(self) -> None:
        self.closed = True
        raise OSError(errno.EIO, "Input/output error")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc/self/fd")
def test_a_failed_download_closes_its_file_and_removes_it(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    target = tmp_path / "out.mp4"
    sink = DownloadSink(target, None)

    def short_body() -> None:
        with sink:
            sink.next_request()
            assert sink.begin(200, {"content-length": "10"}) is True
            sink.write(b"abc")
            sink.end()

    with pytest.raises(APIConnectionError):
        short_body()
    assert len(os.listdir("/proc/self/fd")) == before  # closed although the sink is still referenced
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_cannot_even_be_closed_still_gives_the_first_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: _BrokenFile(fd))
    with pytest.raises(LocalFileError) as caught:
        _save(tmp_path / "out.mp4", b"abc")
    assert caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_an_encoding_not_asked_for_is_named_in_the_refusal() -> None:
    with pytest.raises(UnreadableResponseError) as caught:
        ResumeState().judge(200, {"content-encoding": "gzip"})
    error = caught.value
    assert error.message == (
        "the result came with Content-Encoding 'gzip' although only 'identity' was accepted;"
        " nothing was decoded or written"
    )
    assert (error.status, error.operation) == (200, "download")
    long = "x" * 50
    with pytest.raises(UnreadableResponseError) as caught:
        ResumeState().judge(200, {"content-encoding": long})
    assert f"Content-Encoding {'x' * 40!r} although" in caught.value.message


def test_a_416_is_judged_whatever_its_encoding() -> None:
    state = ResumeState(have=5, total=10)
    state.next_request()
    assert state.judge(416, {"content-encoding": "gzip"}) is Answer.REFETCH
    assert (state.have, state.total) == (0, None)


def test_a_206_to_a_whole_file_request_is_named_in_the_refusal() -> None:
    state = ResumeState()
    state.next_request()
    with pytest.raises(UnreadableResponseError) as caught:
        state.judge(206, {"content-range": "bytes 5-9/10"})
    error = caught.value
    assert error.message == "a 206 answer (Content-Range 'bytes 5-9/10') to a request for the whole file"
    assert (error.status, error.operation) == (206, "download")


# ------------------------------------------------------------------ where the file goes


def test_a_path_that_cannot_be_inspected_is_named(tmp_path: Path) -> None:
    path = tmp_path / ("d" * 300) / "x.mp4"
    with pytest.raises(LocalFileError) as caught:
        Destination.of(str(path))
    assert str(caught.value) == f"could not inspect {str(path)!r}: File name too long"
    assert caught.value.filename == str(path)


def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    folder = tmp_path / "file" / "sub"
    with pytest.raises(LocalFileError) as caught:
        Destination.of(f"{folder}{os.sep}").prepare()
    assert str(caught.value) == f"could not create the directory {str(folder)!r}: Not a directory"
    assert caught.value.filename == str(folder)


def test_the_write_probe_is_a_hidden_file_that_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []
    create = _download._create_temp

    def recording(folder: Path, name: str) -> tuple[int, Path]:
        names.append(name)
        return create(folder, name)

    monkeypatch.setattr(_download, "_create_temp", recording)
    Destination(tmp_path, None).prepare()
    assert names == ["probe"]
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_in_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(folder: Path, name: str) -> tuple[int, Path]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_download, "_create_temp", refuse)
    with pytest.raises(LocalFileError) as caught:
        Destination(tmp_path, "x.mp4").prepare()
    assert str(caught.value) == f"could not write in {str(tmp_path)!r}: Permission denied"
    assert caught.value.filename == str(tmp_path)


@pytest.mark.parametrize(
    ("min_rate", "window", "message"),
    [
        (True, 1, "min_rate must be a finite number >= 0, got True"),
        ("9", 1, "min_rate must be a finite number >= 0, got '9'"),
        (float("inf"), 1, "min_rate must be a finite number >= 0, got inf"),
        (-1, 1, "min_rate must be a finite number >= 0, got -1"),
        (1, 0, "rate_window must be a finite number > 0, got 0"),
        (1, float("nan"), "rate_window must be a finite number > 0, got nan"),
    ],
)
def test_rate_settings_out_of_range_are_refused(min_rate: object, window: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        RateWatch.of(min_rate, window)
    assert str(caught.value) == message


def test_a_minimum_rate_of_zero_turns_the_watch_off() -> None:
    watch = RateWatch.of(0, 0.5)
    assert (watch.min_rate, watch.window) == (0.0, 0.5)
    watch.start(0.0)
    watch.feed(100.0, 0)


def test_a_folder_that_is_no_directory_after_all_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mkdir(exist_ok=True) already refuses a file; the check behind it guards a race (the folder
    # replaced between the two), played here by a mkdir that does nothing
    folder = tmp_path / "file"
    folder.write_bytes(b"")
    monkeypatch.setattr(Path, "mkdir", lambda self, parents=False, exist_ok=False: None)
    with pytest.raises(LocalFileError) as caught:
        Destination(folder, "x.mp4").prepare()
    assert str(caught.value) == f"not a directory: {str(folder)!r}"
    assert caught.value.filename == str(folder)
    assert caught.value.errno == errno.ENOTDIR


def test_a_path_that_is_no_path_is_named_by_its_type() -> None:
    with pytest.raises(InvalidInputError) as caught:
        Destination.of(42)
    assert str(caught.value) == "path must be a file or directory path, got int"


def test_a_file_name_of_255_bytes_is_accepted_and_256_refused(tmp_path: Path) -> None:
    assert Destination.of(str(tmp_path / ("n" * 255))) == Destination(tmp_path, "n" * 255)
    path = tmp_path / ("n" * 256)
    with pytest.raises(LocalFileError) as caught:
        Destination.of(str(path))
    assert str(caught.value) == f"file name too long (256 bytes, at most 255): {str(path)[:80]!r}…"
    assert caught.value.filename == str(path)
    assert caught.value.errno == errno.ENAMETOOLONG


def test_a_path_ending_in_dot_dot_is_a_folder_even_when_it_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "missing" / ".."
    assert Destination.of(str(path)) == Destination(path, None)


# ------------------------------------------------------------------ leftovers and the size bound


def test_remove_leftovers_removes_exactly_the_partial_files_and_probes_of_its_targets(tmp_path: Path) -> None:
    """A killed run's ``.<name>.<8 hex>.part`` files next to its targets go; anything else stays."""
    out, other = tmp_path / "out", tmp_path / "other"
    out.mkdir()
    other.mkdir()
    hexes = "0123abcd"
    gone = [f".a.mp4.{hexes}.part", f".b.mp4.{hexes}.part", f".probe.{hexes}.part"]
    kept = [
        f".a.mp4.{hexes}.parts",  # another suffix
        f".a.mp4.{hexes[:7]}.part",  # 7 hex digits
        ".a.mp4.0123ABCD.part",  # not lowercase hex
        ".a.mp4.zz23abcd.part",  # not hex
        f".a.mp4-{hexes}.part",  # no dot before the digits
        f".c.mp4.{hexes}.part",  # not a target of the batch
        f"a.mp4.{hexes}.part",  # not hidden
        "a.mp4",
    ]
    for name in gone + kept:
        (out / name).write_bytes(b"x")
    (out / f".a.mp4.{hexes[::-1]}.part").mkdir()  # a directory with our name shape
    (out / f".b.mp4.{hexes[::-1]}.part").symlink_to(out / "a.mp4")  # a symlink with it
    (other / f".a.mp4.{hexes}.part").write_bytes(b"x")  # another folder
    _download.remove_leftovers([out / "a.mp4", out / "b.mp4", out / "b.mp4", tmp_path / "missing" / "x.mp4"])
    left = sorted(os.listdir(out))
    assert left == sorted([*kept, f".a.mp4.{hexes[::-1]}.part", f".b.mp4.{hexes[::-1]}.part"])
    assert (out / "a.mp4").read_bytes() == b"x"  # the symlink's target is untouched
    assert os.listdir(other) == [f".a.mp4.{hexes}.part"]


def test_remove_leftovers_matches_the_clipped_names_of_long_targets(tmp_path: Path) -> None:
    name = "é" * 100 + ".mp4"  # 204 UTF-8 bytes: the temporary file repeats 64 of them
    fd, partial = _download._create_temp(tmp_path, name)
    os.close(fd)
    _download.remove_leftovers([tmp_path / name])
    assert not partial.exists()


def test_max_bytes_takes_any_whole_number_above_zero() -> None:
    assert _download.max_bytes_setting(1) == 1
    assert _download.max_bytes_setting(None) is None
    for bad in (0, -5, 2.0, "3", False):
        with pytest.raises(InvalidInputError, match="max_bytes"):
            _download.max_bytes_setting(bad)


def test_the_size_bound_stops_before_the_byte_that_would_pass_it(tmp_path: Path) -> None:
    target = tmp_path / "r.mp4"
    with DownloadSink(target, None, max_bytes=5) as sink:
        assert sink.begin(200, {})
        sink.write(b"12")
        sink.write(b"345")  # exactly the bound
        with pytest.raises(
            ResponseTooLargeError,
            match=r"^download: HTTP 200: the result passes max_bytes \(5 bytes\); nothing",
        ) as caught:
            sink.write(b"6")
        assert caught.value.status == 200
        assert caught.value.operation == "download"
        sink.end()
    assert target.read_bytes() == b"12345"
