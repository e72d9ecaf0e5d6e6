"""The closed pull requests (rejected promotions) come with the poll's one GraphQL read: a due
promotion lists no closed PRs by REST, the page is priced as GitHub prices it, and a page that
cannot stand for the REST listing is left to it."""

from __future__ import annotations

from typing import Any

import requests

from bot import markers
from bot.model import PromotionId
from bot.platform.github.graphql_closed import closed_promotions, parse_closed
from bot.platform.github.graphql_queries import CLOSED_PER_READ, base_query, default_base_query
from tests.platform import BRANCH, ROUTES, Rig, open_pulls
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.people import Person

PROD = "applications/inference-server/overlays/prod/kustomization.yaml"


def _listed_closed(fake: FakeGitHub) -> list[str]:
    route = " ".join(ROUTES["list PRs"])
    return [r.path for r in fake.requests if r.route == route and "state=closed" in r.path]


def test_a_rejection_is_found_in_the_poll_read(rig: Rig) -> None:
    assert rig.run().status == "opened"
    (pr,) = open_pulls(rig.fake)
    Person.join(rig.fake, "alice", "admin").close(pr["number"])
    rig.fake.reset_log()

    result = rig.run()
    assert result.status == "rejected", result.reason
    assert f"#{pr['number']}" in result.reason
    assert _listed_closed(rig.fake) == []
    assert rig.fake.count("POST", ROUTES["graphql"][1]) == 1  # the one read


def test_a_due_promotion_reads_once_by_graphql_and_never_lists_closed_prs(rig: Rig) -> None:
    assert rig.run().status == "opened"
    assert _listed_closed(rig.fake) == []
    reads = [r for r in rig.fake.requests if r.method == "GET"]
    assert reads == [], [r.route for r in reads]  # the config came from the checkout


def _price(fake: FakeGitHub, query: Any) -> dict[str, Any]:
    answer = requests.post(
        f"{fake.host_url}/api/graphql",
        json=query.body(),
        headers={"Authorization": f"token {TOKEN}"},
        timeout=30,
    ).json()
    assert "errors" not in answer, answer
    rate: dict[str, Any] = answer["data"]["rateLimit"]
    return rate


def test_the_read_with_closed_prs_costs_what_the_bot_computes(rig: Rig) -> None:
    """GitHub's pricing (the fake follows GitHub's documented rules): the closed page adds one
    request to the sum, which still rounds to one point."""
    for query in (
        base_query(rig.fake.full_name, "main", [PROD]),
        default_base_query(rig.fake.full_name, [PROD]),
    ):
        rate = _price(rig.fake, query)
        assert (rate["nodeCount"], rate["cost"]) == (query.nodes, query.cost)
        assert query.cost == 1


def _answer(pulls: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": {"repository": {"closed": {"nodes": pulls}}}}


def _closed(number: int, base: str, body: str = "") -> dict[str, Any]:
    return {
        "number": number,
        "url": f"https://github.example/acme/gitops/pull/{number}",
        "body": body,
        "baseRefName": base,
        "headRefName": BRANCH,
        "merged": False,
        "isCrossRepository": False,
        "headRepository": {"nameWithOwner": "acme/gitops"},
    }


def test_a_full_page_into_other_branches_is_left_to_the_rest_listing() -> None:
    """Unnamed (the default branch), the page lists PRs into every branch: full and mixed, it
    may miss older ones into the base that the REST page holds."""
    mixed = [_closed(n, "main" if n % 2 else "release") for n in range(CLOSED_PER_READ)]
    assert parse_closed(_answer(mixed), "main", named=False) is None
    kept = parse_closed(_answer(mixed[:-1]), "main", named=False)
    assert kept is not None and {p.base_ref for p in kept} == {"main"}
    named = parse_closed(_answer(mixed), "main", named=True)
    assert named is not None and len(named) == CLOSED_PER_READ // 2


def test_only_the_bots_own_closed_promotions_count() -> None:
    marker = markers.marker(PromotionId("m", "prod", "3", "v3"))
    fork = {**_closed(2, "main", marker), "isCrossRepository": True}
    merged = {**_closed(3, "main", marker), "merged": True}
    other = {**_closed(4, "main", marker), "headRefName": "feature/x"}
    unmarked = _closed(5, "main", "no marker")
    ours = _closed(6, "main", marker)
    pulls = parse_closed(_answer([fork, merged, other, unmarked, ours]), "main", named=True)
    assert pulls is not None
    (found,) = closed_promotions(pulls, "promote", "acme/gitops")
    assert (found.number, found.promotion.version, found.told) == (6, "3", False)
