"""When the scheduler process reconciles: after Redis came back, at once and twice more within RECONCILE_EVERY
(a loop that wakes a little early still counts), then every RECONCILE_EVERY."""
from __future__ import annotations

from app.background.recurring import RECHECKS_AFTER_RECOVERY, ReconcileTimes


def test_the_first_loop_reconciles_then_every_interval():
    times = ReconcileTimes(every=30)
    assert times.take(1000.0)
    assert not times.take(1010.0)
    assert times.seconds_to_next(1010.0) == 20.0
    assert times.take(1029.9)  # woke a tenth of a second early
    assert not times.take(1031.0)


def test_after_redis_came_back_it_reconciles_at_once_and_again_soon_within_the_interval():
    assert RECHECKS_AFTER_RECOVERY == (5, 15)
    times = ReconcileTimes(every=30)
    assert times.take(1000.0)
    times.recovered(1003.0)
    assert times.take(1003.0)
    assert not times.take(1006.0)
    assert times.take(1007.9)  # the 5 s recheck, by a loop of 5 s that woke early
    assert times.seconds_to_next(1008.0) == 10.0
    assert times.take(1018.0)
    assert not times.take(1030.0)
    assert times.take(1048.0)  # then every 30 s
