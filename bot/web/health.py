"""Liveness and readiness: what ``/healthz`` and ``/readyz`` answer.

Ready means the content is loaded (and, with other processes sharing the state store, the same
as theirs), the fact store holds the facts of that content, the last
content reload did not fail, and every platform the bot runs is connected. The application keeps
the platforms' states in a ``PlatformStates``: a platform is there from when it is built, marked
connected once its ``start`` returned and disconnected once it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.briefings.service import Briefing


@dataclass(slots=True)
class PlatformStates:
    """Each running platform's state as the application knows it, and the last reload's failure."""

    connected: dict[str, bool] = field(default_factory=dict)
    reload_error: str | None = None
    #: Why this process's content differs from the other processes' (``bot.digests.processes``), or None.
    content_differs: str | None = None

    def starting(self, name: str) -> None:
        self.connected[name] = False

    def started(self, name: str) -> None:
        self.connected[name] = True

    def stopped(self, name: str) -> None:
        self.connected[name] = False


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    reason: str = ""


def readiness(briefing: Briefing, states: PlatformStates) -> list[Check]:
    """Every readiness check, passed or not, each failing one with a short reason."""
    articles = len(briefing.content.articles)
    if not articles:
        checks = [Check("content", False, "no articles loaded")]
    else:
        checks = [Check("content", states.content_differs is None, states.content_differs or "")]
    if briefing.store is None:
        checks.append(Check("fact_store", False, "no fact store"))
    elif states.reload_error is not None:
        checks.append(Check("fact_store", False, f"the last content reload failed: {states.reload_error}"))
    else:
        checks.append(Check("fact_store", True))
    for name, connected in sorted(states.connected.items()):
        checks.append(Check(f"platform:{name}", connected, "" if connected else "not connected"))
    return checks
