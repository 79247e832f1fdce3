"""The proof of work a JSON post carries when one is asked for (MODERATION_CHALLENGE): ALTCHA's
SHA-256 challenge, made and checked by the altcha library under a key of its own, and when a post
needs one. No I/O: which solutions were used already is the store's (store/challenges.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# Its first version's API: the challenge as ALTCHA's widget has taken it from the start (SHA-256
# of a salt and a number), which a page solves with crypto.subtle alone.
from altcha.v1 import SHA256, ChallengeOptions, PayloadType, create_challenge, extract_params, verify_solution

from .classifier.model import Assessment, Verdict
from .models import JSON
from .setting_parsers import ChallengeMode

ALGORITHM = SHA256
# The number to find is drawn up to this, so a browser tries half of it on average. Headless
# Chromium on a two-core machine tries about 160,000 a second in the widget's worker
# (tests/test_challenge_browser.py prints it); a phone, a few times slower, finds the average
# number in a fraction of a second and the last one in about a second. Each solution still costs
# a bot 25,000 hashes, for every comment it wants through.
MAX_NUMBER = 50_000
TTL = 600  # seconds a challenge may be solved and sent in: a slow phone, a reader who looks away
# Set in the salt of a challenge that a 428 gave: the rate limit counted that post already, so
# the same post, sent again with its solution, is not counted twice. A challenge fetched from
# GET /api/challenge has no such mark: solving one never spares a post its count.
COUNTED = "counted"
MAX_PAYLOAD = 1000  # characters of a base64 solution; ours are about 300


@dataclass(frozen=True)
class Solved:
    """A solution that checks out: what to keep so that it is taken once."""

    challenge: str  # the challenge's hash, unique to it: the key of its spent row
    expires: float  # Unix seconds: after this no solution of it is taken, so its row can go
    counted: bool  # given with a 428: the rate limit counted the post it answers


class ProofOfWork:
    """Issues challenges and checks their solutions, with the clock the rest of the service uses."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        # A key of its own, derived from the secret key: no other token's signature can pass for a
        # challenge's, and a challenge's says nothing about theirs.
        self._key = hmac.new(secret.encode(), b"altcha proof of work", hashlib.sha256).hexdigest()
        self._clock = clock

    def issue(self, *, counted: bool = False) -> dict[str, JSON]:
        """A fresh challenge, as ALTCHA's widget and our own take it."""
        expires = datetime.fromtimestamp(self._clock() + TTL, UTC)
        options = ChallengeOptions(
            algorithm=ALGORITHM,
            max_number=MAX_NUMBER,
            hmac_key=self._key,
            expires=expires,
            params={COUNTED: "1"} if counted else None,
        )
        made = create_challenge(options)
        return {
            "algorithm": made.algorithm,
            "challenge": made.challenge,
            "maxnumber": made.max_number,
            "salt": made.salt,
            "signature": made.signature,
        }

    def check(self, solution: object) -> Solved | None:
        """The solution (ALTCHA's base64 JSON payload), if it is one of ours, solved and unexpired."""
        payload = _payload(solution)
        if payload is None:
            return None
        # The expiry is checked here against the service's clock (the library would read time.time()).
        valid, _ = verify_solution(payload, self._key, check_expires=False)
        if not valid:
            return None
        params = extract_params(payload)  # signed with the rest: nobody can add or change one
        try:
            expires = float(params["expires"][0])
        except (KeyError, ValueError):
            return None  # every challenge of ours expires
        if expires <= self._clock():
            return None
        return Solved(payload["challenge"], expires, params.get(COUNTED) == ["1"])


def _payload(solution: object) -> PayloadType | None:
    """The payload's fields, each of the type the library expects, or None: it trusts its input."""
    if not isinstance(solution, str) or len(solution) > MAX_PAYLOAD:
        return None
    try:
        data = json.loads(base64.b64decode(solution, validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return None
    number, challenge, salt, signature = (data.get(name) for name in ("number", "challenge", "salt", "signature"))
    if isinstance(number, bool) or not isinstance(number, int):  # a JSON true is no number
        return None
    if not (isinstance(challenge, str) and isinstance(salt, str) and isinstance(signature, str)):
        return None
    return PayloadType(algorithm=ALGORITHM, challenge=challenge, number=number, salt=salt, signature=signature)


def needs_challenge(mode: ChallengeMode, *, near_limit: bool, assessment: Assessment | None) -> bool:
    """Whether a post must carry a solution: always, never, or when it looks suspicious: the client
    is near its rate limit, or a classifier that has learned enough finds the comment likely spam
    (a cold one answers unsure, and never asks for one)."""
    if mode is ChallengeMode.OFF:
        return False
    if mode is ChallengeMode.ALWAYS:
        return True
    likely_spam = assessment is not None and not assessment.cold and assessment.verdict is Verdict.LIKELY_SPAM
    return near_limit or likely_spam
