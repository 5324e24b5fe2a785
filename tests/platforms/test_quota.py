"""A member's quota, on a clock the test moves."""

from __future__ import annotations

from bot.platforms.quota import SenderQuota


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_over_the_quota_a_member_is_told_once_then_ignored_until_it_refills() -> None:
    clock = Clock()
    quota = SenderQuota(2, 60, clock)
    verdicts = [quota.admit((-1, 7)) for _ in range(4)]
    assert verdicts == ["answer", "answer", "refuse", "ignore"]
    assert quota.admit((-1, 8)) == "answer"  # another member
    assert quota.admit((-2, 7)) == "answer"  # the same member in another chat
    clock.now += 29  # not yet room for one more
    assert quota.admit((-1, 7)) == "ignore"
    clock.now += 2
    assert quota.admit((-1, 7)) == "answer"
    assert quota.admit((-1, 7)) == "refuse"  # told again: they had an answer since


def test_idle_members_are_forgotten() -> None:
    clock = Clock()
    quota = SenderQuota(1, 1, clock, sweep_from=4)
    for member in range(4):
        assert quota.admit((-1, member)) == "answer"
    assert quota.admit((-1, 3)) == "refuse"
    clock.now += 0.5  # half leaked: remembered
    assert quota.admit((-1, 4)) == "answer" and len(quota) == 5
    clock.now += 1  # every bucket has leaked back to empty
    for member in range(5, 11):
        assert quota.admit((-1, member)) == "answer"
    assert len(quota) <= 8  # the idle ones were swept away, not kept for ever
    assert quota.admit((-1, 3)) == "answer"
    assert quota.admit((-1, 3)) == "refuse"
