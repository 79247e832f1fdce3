"""The proof of work of a JSON post (MODERATION_CHALLENGE): a fresh challenge, a post's solution
taken once, whether a post needs one, and the 428 that asks for it."""

from __future__ import annotations

from aiohttp import web

from ..app_keys import config_key, metrics_key, proof_of_work_key, rate_limit_key, store_key
from ..challenge import Solved, needs_challenge
from ..i18n import N_, Language
from ..setting_parsers import ChallengeMode
from ..spam import Verdict

NEEDED = N_("Your browser has to solve a short challenge before this comment can be sent; please send it again.")


async def challenge(request: web.Request) -> web.Response:
    """A challenge to solve ahead of a post (the widget waits for a 428 instead)."""
    issued = request.app[proof_of_work_key].issue()
    return web.json_response(issued, headers={"Cache-Control": "no-store"})


async def spend_solution(request: web.Request, solution: object) -> Solved | None:
    """The post's solution, if it checks out and was never used before (now it has been)."""
    if request.app[config_key].challenge is ChallengeMode.OFF:
        return None
    solved = request.app[proof_of_work_key].check(solution)
    if solved is None or not await request.app[store_key].challenges.spend(solved.challenge, solved.expires):
        return None
    return solved


def challenge_needed(request: web.Request, address: str, verdict: Verdict) -> bool:
    limit = request.app.get(rate_limit_key)
    near_limit = limit is not None and limit.near(address)
    return needs_challenge(request.app[config_key].challenge, near_limit=near_limit, assessment=verdict.assessment)


def ask_for_solution(request: web.Request, language: Language) -> web.Response:
    """428, with a challenge to solve: nothing was stored. The rate limit has counted this post,
    so the challenge says so, and the post that comes back with its solution is not counted again."""
    request.app[metrics_key].submissions_refused.labels("challenge").inc()
    return web.json_response(
        {"error": language.gettext(NEEDED), "challenge": request.app[proof_of_work_key].issue(counted=True)},
        status=428,
        headers={"Cache-Control": "no-store"},
    )
