"""The ``testing`` extra's pytest plugin (``a2e_faceswap.testing.pytest_plugin``, entry point
``pytest11: a2e_faceswap``): light at load, its fixtures in a user's suite (pytester runs), and the
README's pytest example run as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap.testing import Simulator

from tests.testing.helpers import FACE, VIDEO

pytest_plugins = ["pytester"]

PLUGIN = "a2e_faceswap.testing.pytest_plugin"
README = Path(__file__).resolve().parents[2] / "README.md"
#: What the plugin must not import at load: the simulator's dependencies and its modules.
HEAVY = ("starlette", "uvicorn", "openapi_core", "yaml", "jsonschema", "a2e_faceswap.testing._")

#: The inner runs' config; this project's heavy test-only plugins (seconds of start-up each run) are off.
INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
addopts = --strict-markers -p no:schemathesis -p no:hypothesispytest -p no:typeguard -p no:cacheprovider
"""
#: A user's conftest-free suite: three-line tests, sync and async, a marker, the in-process mode.
USER_TESTS = """
import pytest

FACE, VIDEO = "https://example.com/me.jpg", "https://example.com/clip.mp4"


def test_sync(a2e_client, a2e_sim):
    task = a2e_client.tasks.create(face=FACE, video=VIDEO, name="sync")
    assert a2e_sim.stats.tasks_created_by_name["sync"] == 1


@pytest.mark.asyncio
async def test_async(a2e_async_client, a2e_sim):
    task = await a2e_async_client.tasks.create(face=FACE, video=VIDEO)
    assert (await a2e_async_client.tasks.wait(task, poll_interval=0.02)).status == "completed"


@pytest.mark.a2e_sim(credits=0)
def test_marker(a2e_sim):
    assert a2e_sim.credits() == 0 and not a2e_sim.in_process


@pytest.mark.asyncio
@pytest.mark.a2e_sim(in_process=True)
async def test_in_process(a2e_async_client, a2e_sim):
    await a2e_async_client.tasks.create(face=FACE, video=VIDEO, name="asgi")
    assert a2e_sim.in_process and a2e_sim.stats.tasks_created_by_name["asgi"] == 1


def test_own_fixtures_keep_their_names(sim, make_sim, a2e_sim):
    assert (sim, make_sim) == ("theirs", "theirs too") and a2e_sim.running
"""
#: The user's own fixtures named like this project's (tests/conftest.py): no clash with the plugin's.
USER_CONFTEST = """
import pytest

@pytest.fixture
def sim():
    return "theirs"

@pytest.fixture
def make_sim():
    return "theirs too"
"""
#: Fails a test that leaves an httpx client open (those over ASGITransport hold nothing and are the
#: user's to close: they are not counted).
LEAK_CHECK = """
import httpx
import pytest

@pytest.fixture(autouse=True)
def _every_client_closed(monkeypatch):
    made = []
    for cls in (httpx.Client, httpx.AsyncClient):
        def tracking(self, *args, _init=cls.__init__, **kwargs):
            _init(self, *args, **kwargs)
            if not isinstance(kwargs.get("transport"), httpx.ASGITransport):
                made.append(self)
        monkeypatch.setattr(cls, "__init__", tracking)
    yield
    unclosed = [client for client in made if not client.is_closed]
    if unclosed:
        pytest.fail(f"{len(unclosed)} httpx client(s) left open")
"""


def test_the_entry_point_names_the_plugin(request: pytest.FixtureRequest) -> None:
    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "a2e_faceswap"]
    assert entry.value == PLUGIN
    assert request.config.pluginmanager.has_plugin("a2e_faceswap")  # loaded in this very run


def test_the_plugin_imports_nothing_heavy() -> None:
    """pytest imports the plugin in every run of every user with the extra: beyond pytest (and
    pytest-asyncio, loaded by pytest anyway) and its parent package a2e_faceswap (the client, whose
    import time has its own budget), it adds only itself and the lazy ``a2e_faceswap.testing``."""
    code = textwrap.dedent(f"""
        import json, sys
        import pytest, pytest_asyncio, a2e_faceswap
        before = set(sys.modules)
        import {PLUGIN}
        print(json.dumps([sorted(set(sys.modules) - before), sorted(sys.modules)]))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    added, loaded = json.loads(done.stdout)
    assert added == ["a2e_faceswap.testing", PLUGIN]
    assert not [name for name in loaded if name.startswith(HEAVY)]


def test_the_plugin_beside_this_projects_fixtures(a2e_sim: Simulator, sim: Simulator) -> None:
    assert a2e_sim is not sim
    assert a2e_sim.running
    assert a2e_sim.strict
    assert a2e_sim.port != sim.port


def test_the_client_fixture_in_this_projects_run(a2e_client: A2E, a2e_sim: Simulator) -> None:
    assert a2e_client.tasks.create(face=FACE, video=VIDEO, name="sync").name == "sync"
    assert a2e_sim.stats.tasks_created_by_name["sync"] == 1


async def test_the_async_client_fixture_in_asyncio_mode_auto(
    a2e_async_client: AsyncA2E, a2e_sim: Simulator
) -> None:
    assert (await a2e_async_client.tasks.create(face=FACE, video=VIDEO, name="async")).name == "async"
    assert a2e_sim.stats.tasks_created_by_name["async"] == 1


#: Canaries for the checks of the inner run: a client left open, a request breaking the contract.
CANARIES = """
import httpx
from a2e_faceswap import A2E

def test_unclosed(a2e_sim):
    A2E(api_key=a2e_sim.token, base_url=a2e_sim.base_url).tasks.list()

def test_bad_request(a2e_sim):
    auth = {"Authorization": f"Bearer {a2e_sim.token}"}
    with httpx.Client(base_url=a2e_sim.base_url, headers=auth) as http:
        http.post("/api/v1/userFaceSwapTask/add", json={})
"""


def readme_pytest_example() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- tests/testing/test_plugin.py runs this block as written -->\n```python\n(.*?)```",
        text,
        re.DOTALL,
    )
    assert found, "README.md lost its pytest example (or the comment before it)"
    return found.group(1)


def test_the_fixtures_and_the_readme_example_in_a_users_run(pytester: pytest.Pytester) -> None:
    """One run in a fresh process, as a user's: pytest-asyncio's strict mode (the default), pytest-xdist,
    the user's own ``sim`` / ``make_sim`` fixtures, every httpx client closed by the end of its test."""
    pytester.makeini(INI)
    pytester.makeconftest(USER_CONFTEST + LEAK_CHECK)
    pytester.makepyfile(test_user=USER_TESTS, test_readme=readme_pytest_example(), test_canaries=CANARIES)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-o", "asyncio_mode=strict", "-W", "error::pytest.PytestUnraisableExceptionWarning"
    )
    outcomes = result.parseoutcomes()
    # the user's five, the README's three and both canaries' calls pass; the canaries fail at teardown
    assert (outcomes.get("passed"), outcomes.get("errors"), outcomes.get("failed")) == (10, 2, None), (
        result.stdout.str()
    )
    result.stdout.fnmatch_lines(["*created: 2/2 workers*"])
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_unclosed*", "*1 httpx client(s) left open*"])
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_bad_request*",
            "*create_task request body: 'name' is a required property",
        ]
    )
