"""Auth (401 with A2E's envelope) and credits (402 once the balance runs out)."""

from __future__ import annotations

import httpx
import pytest
from a2e_faceswap.testing import DEFAULT_COSTS, Simulator

from tests.conftest import MakeSim
from tests.testing.helpers import FACE, PREVIEWS, TASKS, UPLOAD_URL, VIDEO, client_for, create_task, error_of


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer sk_wrong"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}],
    ids=["missing", "wrong-token", "wrong-scheme", "empty-token"],
)
def test_bad_or_missing_token_is_401_envelope(sim: Simulator, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=sim.base_url, headers=headers) as client:
        response = client.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 10})
        assert response.status_code == 401
        envelope = error_of(response)
        assert envelope["code"] == 401
        assert sim.token not in response.text
        created = client.post(f"{TASKS}/add", json={"name": "n", "face_url": FACE, "video_url": VIDEO})
        assert created.status_code == 401
    assert sim.stats.tasks_created_by_name == {}
    assert sim.stats.requests[("list_task_records", 401)] == 1


def test_tasks_spend_credits_until_402(make_sim: MakeSim) -> None:
    sim = make_sim(credits=2)
    with client_for(sim) as client:
        create_task(client, "one")
        create_task(client, "two")
        assert sim.credits() == 0
        refused = client.post(f"{TASKS}/add", json={"name": "three", "face_url": FACE, "video_url": VIDEO})
        assert refused.status_code == 402
        assert "credits" in error_of(refused)["msg"]
        preview = client.post(f"{PREVIEWS}/add", json={"face_url": FACE, "video_url": VIDEO})
        assert preview.status_code == 402
        upload = client.post(UPLOAD_URL, json={"key": "f.jpg"})
        assert upload.status_code == 402
        # Reading costs nothing.
        assert client.get(f"{TASKS}/status").status_code == 200
    assert sim.stats.tasks_created_by_name == {"one": 1, "two": 1}
    assert len(sim.tasks()) == 2
    sim.set_credits(1)
    with client_for(sim) as client:
        create_task(client, "three")
    assert sim.credits() == 0


def test_each_paid_operation_spends_its_cost(make_sim: MakeSim) -> None:
    sim = make_sim(credits=100, costs={"create_task": 7, "create_preview": 2, "create_upload_url": 1})
    with client_for(sim) as client:
        create_task(client)
        assert sim.credits() == 93
        assert client.post(f"{PREVIEWS}/add", json={"face_url": FACE, "video_url": VIDEO}).status_code == 200
        assert sim.credits() == 91
        assert client.post(UPLOAD_URL, json={"key": "a.png"}).status_code == 200
        assert sim.credits() == 90
    assert set(DEFAULT_COSTS) == {"create_task", "create_preview", "create_upload_url"}


def test_accounts_have_their_own_balance(make_sim: MakeSim) -> None:
    sim = make_sim(credits=0)
    rich = sim.add_account(credits=5)
    assert rich.startswith("sk_sim_")
    assert rich != sim.token
    with client_for(sim) as poor_client, client_for(sim, rich) as rich_client:
        assert (
            poor_client.post(
                f"{TASKS}/add", json={"name": "n", "face_url": FACE, "video_url": VIDEO}
            ).status_code
            == 402
        )
        create_task(rich_client, "paid")
    assert sim.credits(rich) == 4
    assert sim.credits() == 0
    with pytest.raises(KeyError):
        sim.credits("sk_sim_unknown")


def test_the_balance_is_the_accounts_credits_and_a_quote_spends_nothing(make_sim: MakeSim) -> None:
    sim = make_sim(credits=7, costs={"create_task": 3})
    with client_for(sim) as client:
        assert client.get("/api/v1/user/remainingCoins").json()["data"] == {"coins": 7, "diamonds": 0}
        body = {"name": "n", "face_url": FACE, "video_url": VIDEO}
        for endpoint, credits in [
            (f"{TASKS}/add", 3),  # the simulator's own price
            (f"POST {TASKS}/add", 3),  # the reference allows the method in front
            (f"{PREVIEWS}/add", 0),  # a route these costs leave free
        ]:
            quote = client.post("/api/v1/generation/quote", json={"endpoint": endpoint, "requestBody": body})
            assert quote.json()["data"] == {"credits": credits, "generationRequestValidated": False}, endpoint
        # a route the simulator does not serve: the reference's 400 for an unsupported endpoint
        other = {"endpoint": "/api/v1/userWan25/start", "requestBody": body}
        assert error_of(client.post("/api/v1/generation/quote", json=other))["code"] == 400
        create_task(client)
        assert client.get("/api/v1/user/remainingCoins").json()["data"]["coins"] == 4
    assert sim.credits() == 4
