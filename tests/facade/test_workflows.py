"""Every method of both clients, on the happy path, against the simulator over real HTTP."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest
from a2e_faceswap import (
    ActiveTask,
    AsyncA2E,
    FaceImage,
    Preview,
    RunResult,
    Task,
    TaskPage,
    TaskStatus,
)

from tests.facade.conftest import Env, MakeApi
from tests.facade.support import FACE, FAST, VIDEO, listing

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


@pytest.fixture
def face_file(tmp_path: Path) -> Path:
    path = tmp_path / "my face.jpg"
    path.write_bytes(JPEG)
    return path


async def test_uploads_a_local_file_and_bytes(api: AsyncA2E, env: Env, face_file: Path) -> None:
    url = await api.uploads.upload(face_file)
    assert url.startswith(env.sim.base_url + "/cdn/")
    assert "?" not in url
    upload_puts = env.requests_to("upload_put")
    url2 = await api.uploads.upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert env.requests_to("upload_put") == upload_puts + 1
    async with httpx.AsyncClient() as plain:
        fetched = await plain.get(url)
        assert fetched.content == JPEG
        assert fetched.headers["content-type"] == "image/jpeg"
        png = await plain.get(url2)
        assert png.headers["content-type"] == "image/png"


async def test_faces_add_list_delete(api: AsyncA2E, face_file: Path) -> None:
    by_url = await api.faces.add(FACE)
    assert isinstance(by_url, FaceImage)
    assert by_url.face_url == FACE
    assert by_url.id
    by_path = await api.faces.add(face_file)
    assert by_path.face_url is not None
    assert by_path.face_url.endswith("my_face.jpg")
    listed = await api.faces.list()
    assert {f.id for f in listed} == {by_url.id, by_path.id}
    assert all(f.created_at is not None for f in listed)
    await api.faces.delete(by_url.id)
    assert [f.id for f in await api.faces.list()] == [by_path.id]


async def test_previews_create_get_wait(api: AsyncA2E, face_file: Path) -> None:
    preview = await api.previews.create(face=face_file, video=VIDEO)
    assert isinstance(preview, Preview)
    assert preview.status is TaskStatus.INITIALIZED
    assert preview.video_url == VIDEO
    assert preview.result_url is None
    again = await api.previews.get(preview.id)
    assert again.id == preview.id
    seen: list[str] = []
    done = await api.previews.wait(preview.id, on_update=lambda p: seen.append(p.raw_status), **FAST)
    assert done.is_done
    assert done.result_url
    assert done.result_url.endswith(".jpg")
    assert seen[-1] == "completed"
    assert len(seen) == len(set(seen))


async def test_tasks_create_get_wait_download(api: AsyncA2E, env: Env, tmp_path: Path) -> None:
    task = await api.tasks.create(
        face=FACE,
        video=VIDEO,
        name="first",
        model_version="v1",
        cover_url="https://example.com/cover.jpg",
        webhook_url="https://hooks.example.com/a2e",
        webhook_token="s3cret",
    )
    assert isinstance(task, Task)
    assert task.name == "first"
    assert not task.is_terminal
    assert (await api.tasks.get(task.id)).id == task.id
    updates: list[TaskStatus] = []
    done = await api.tasks.wait(task, on_update=lambda t: updates.append(t.status), **FAST)
    assert done.is_done
    assert done.completed_at is not None
    assert done.error_code is None
    assert updates[0] is TaskStatus.INITIALIZED
    assert updates[-1] is TaskStatus.COMPLETED
    progress: list[tuple[int, int | None]] = []
    path = await api.tasks.download(
        done, tmp_path / "out" / "result.mp4", lambda d, t: progress.append((d, t))
    )
    assert path == tmp_path / "out" / "result.mp4"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == env.sim.result_sha256(task.id)
    size = env.sim.result_size
    assert progress[0] == (0, size)
    assert progress[-1] == (size, size)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    by_id = await api.tasks.download(task.id, tmp_path)
    assert by_id == tmp_path / f"{task.id}.mp4"
    assert by_id.stat().st_size == size
    assert done.result_url is not None
    by_url = await api.tasks.download(done.result_url, tmp_path / "url.mp4")
    assert by_url.read_bytes() == path.read_bytes()
    assert listing(tmp_path) == [f"{task.id}.mp4", "out/result.mp4", "url.mp4"]


async def test_tasks_run_with_and_without_download(
    api: AsyncA2E, env: Env, face_file: Path, tmp_path: Path
) -> None:
    result = await api.tasks.run(face=face_file, video=VIDEO, download_to=tmp_path, **FAST)
    assert isinstance(result, RunResult)
    assert result.task.is_done
    assert result.path == tmp_path / f"{result.task.id}.mp4"
    assert result.path.exists()
    name = f"no-download-{uuid.uuid4().hex}"
    bare = await api.tasks.run(face=FACE, video=VIDEO, name=name, **FAST)
    assert bare.path is None
    assert bare.task.name == name
    assert env.sim.stats.tasks_created_by_name[name] == 1


async def test_tasks_get_many_active_delete(api: AsyncA2E, env: Env) -> None:
    speed, env.sim.clock.speed = env.sim.clock.speed, 0  # both stay active until the wait, however slow
    try:
        one = await api.tasks.create(face=FACE, video=VIDEO)
        two = await api.tasks.create(face=FACE, video=VIDEO)
        assert one.name != two.name
        assert one.name
        assert one.name.startswith("a2e-faceswap-")
        missing = "0123456789abcdef01234567"
        found = await api.tasks.get_many([two.id, missing, one.id, two.id])
        assert list(found) == [two.id, one.id]
        assert all(isinstance(t, Task) for t in found.values())
        assert await api.tasks.get_many([]) == {}
        active = await api.tasks.active()
        assert {a.id for a in active} == {one.id, two.id}
        assert all(isinstance(a, ActiveTask) for a in active)
    finally:
        env.sim.clock.speed = speed
    await api.tasks.wait(one, **FAST)
    assert {a.id for a in await api.tasks.active()} <= {two.id}
    await api.tasks.delete(one.id)
    assert list(await api.tasks.get_many([one.id, two.id])) == [two.id]


async def test_tasks_list_pages_newest_first(api: AsyncA2E) -> None:
    created = [await api.tasks.create(face=FACE, video=VIDEO, name=f"n{i}") for i in range(3)]
    first = await api.tasks.list(page=1, page_size=2)
    assert isinstance(first, TaskPage)
    assert first.total == 3
    assert first.has_more
    assert [t.name for t in first] == ["n2", "n1"]
    second = await api.tasks.list(2, 2)
    assert [t.name for t in second] == ["n0"]
    assert not second.has_more
    assert [t.id async for t in api.tasks.iter(page_size=2)] == [t.id for t in reversed(created)]


@pytest.mark.parametrize(("count", "page_size", "pages"), [(0, 3, 1), (4, 2, 2), (5, 2, 3), (3, 100, 1)])
async def test_tasks_iter_paging_edge_cases(
    api: AsyncA2E, env: Env, count: int, page_size: int, pages: int
) -> None:
    for i in range(count):
        await api.tasks.create(face=FACE, video=VIDEO, name=f"t{i}")
    before = env.requests_to("list_task_records")
    names = [t.name async for t in api.tasks.iter(page_size=page_size)]
    assert names == [f"t{i}" for i in reversed(range(count))]
    assert env.requests_to("list_task_records") - before == pages


async def test_with_options_and_context_managers(make_api: MakeApi, kind: str) -> None:
    api = make_api(timeout=30.0, max_retries=1)
    assert api.max_retries == 1
    assert api.timeout == 30.0
    quick = api.with_options(timeout=5.0, max_retries=0)
    assert quick.timeout == 5.0
    assert quick.max_retries == 0
    assert api.timeout == 30.0
    assert quick.base_url == api.base_url
    task = await quick.tasks.create(face=FACE, video=VIDEO)
    assert (await api.tasks.get(task.id)).id == task.id
    async with make_api() as managed:
        assert (await managed.tasks.list()).total == 1
    # a with_options copy shares the pool: closing it leaves the original usable
    await quick.close()
    assert (await api.tasks.get(task.id)).id == task.id
