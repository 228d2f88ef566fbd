"""Session close: at logout, or the inactivity timeout after the last activity; hand-worked."""

import numpy as np

from sim.rules.session import idle_timeout, session_close

MIN = 60.0


def test_sessions_close_at_logout_or_after_30_minutes_idle() -> None:
    assert session_close(100.0, logged_out=True, timeout=30 * MIN) == 100.0
    assert session_close(100.0, logged_out=False, timeout=30 * MIN) == 100.0 + 30 * MIN


def test_the_array_form_closes_each_session_by_its_own_logout_and_timeout() -> None:
    close = session_close(
        np.array([100.0, 100.0, 200.0]), np.array([True, False, False]), np.array([1.0, 2.0, 3.0])
    )
    assert close.tolist() == [100.0, 102.0, 203.0]


def test_qlikview_servers_use_their_own_idle_timeout() -> None:
    assert idle_timeout("qlikview", sense_timeout=1800.0, qlikview_timeout=900.0) == 900.0
    assert idle_timeout("qlik_sense", sense_timeout=1800.0, qlikview_timeout=900.0) == 1800.0
