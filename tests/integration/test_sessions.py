"""Sessions are revoked on the server: after sign-out or a password change,
the old session cookie and the old remember cookie sign nobody in, and the user's open sockets are closed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Membership, TeamMembership, TimeLog
from tests.integration.test_dashboard_streams import connect, wait_for
from tests.sockets import close_code, open_socket, session_cookie


@pytest.fixture(scope="module")
def browsers():
    """An app of its own for the browsers here: each of its requests gets a fresh app context (so a fresh
    flask.g), as in production. Requests to the session's `app` share the test's app context, where
    Flask-Login's cached g._login_user outlives a request and would hide what a cookie alone does."""
    from app import create_app

    return create_app({"WTF_CSRF_ENABLED": False})


def _signed_in(browsers, cookie_name: str, value: str) -> bool:
    """Does a fresh browser holding only this cookie get a page that needs a session?"""
    browser = browsers.test_client()
    browser.set_cookie(cookie_name, value)
    return browser.get("/time-logs").status_code == 200


def _cookie(browser, name: str) -> str:
    cookie = browser.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _sign_in(browsers, user, password: str = "password", remember: bool = False):
    browser = browsers.test_client()
    data = {"email": user.email, "password": password} | ({"remember_me": "y"} if remember else {})
    response = browser.post("/login", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return browser


def test_the_old_session_cookie_is_refused_after_sign_out(browsers, factory):
    w = factory.world()
    browser = _sign_in(browsers, w.member)
    old_session = _cookie(browser, "session")
    assert _signed_in(browsers, "session", old_session)
    browser.post("/logout")
    stale = browsers.test_client()
    stale.set_cookie("session", old_session)
    response = stale.get("/time-logs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_old_remember_cookie_signs_nobody_in_after_sign_out(browsers, factory):
    w = factory.world()
    browser = _sign_in(browsers, w.member, remember=True)
    old_remember = _cookie(browser, "remember_token")
    assert _signed_in(browsers, "remember_token", old_remember)
    browser.post("/logout")
    assert not _signed_in(browsers, "remember_token", old_remember)


def test_sign_out_in_one_browser_signs_out_the_others(browsers, factory):
    w = factory.world()
    laptop, phone = _sign_in(browsers, w.member), _sign_in(browsers, w.member)
    assert phone.get("/time-logs").status_code == 200
    laptop.post("/logout")
    assert phone.get("/time-logs").status_code == 302
    phone = _sign_in(browsers, w.member)  # signing in again works
    assert phone.get("/time-logs").status_code == 200


def test_a_password_change_revokes_every_session(browsers, factory, db):
    w = factory.world()
    browser = _sign_in(browsers, w.member, remember=True)
    old_session, old_remember = _cookie(browser, "session"), _cookie(browser, "remember_token")
    w.member.set_password("a new passphrase")
    db.session.commit()
    assert not _signed_in(browsers, "session", old_session)
    assert not _signed_in(browsers, "remember_token", old_remember)
    _sign_in(browsers, w.member, "a new passphrase")


def test_removal_from_an_organization_ends_its_access_but_not_the_session_nor_the_time_logs(browsers, factory, db):
    """Issue 11: a removed member stays signed in (other organizations are theirs still) but gets 404s for this
    one; their membership row stays, marked removed, so their time logs stay too."""
    w = factory.world()
    browser = _sign_in(browsers, w.member)
    assert browser.get(f"/organizations/{w.org.id}").status_code == 200
    assert w.org.remove_member(w.member)
    db.session.commit()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == w.member.id))
    assert membership is not None and membership.removed_at is not None
    assert db.session.scalar(select(TeamMembership).where(TeamMembership.user_id == w.member.id)) is None
    assert db.session.get(TimeLog, w.member_log.id) is not None
    assert browser.get("/time-logs").status_code == 200  # still signed in
    assert browser.get(f"/organizations/{w.org.id}").status_code == 404
    assert browser.get(f"/teams/{w.alpha.id}").status_code == 404
    assert not w.org.remove_member(w.member)  # not a member any more


def still_open(app, ws, topic: str) -> bool:
    """The socket is open and subscribed: a stream pushed to its topic now arrives."""
    from app.live.publisher import turbo

    with app.app_context():
        turbo.push(turbo.update("still here", "probe"), to=topic)
    return wait_for(ws, "still here", timeout=10) is not None


def test_sign_out_closes_the_users_open_sockets_on_a_gateway(app, browsers, factory, start_gateway):
    """The sign-out happens in this process; the sockets live in a real gateway process: the revocation
    travels through Redis, and only the signed-out user's socket is closed."""
    w = factory.world()
    port = start_gateway().port
    member_ws = connect(app, port, w.member.id, f"dashboard:user:{w.member.id}")
    owner_ws = connect(app, port, w.owner.id, f"dashboard:user:{w.owner.id}")
    try:
        for ws in (member_ws, owner_ws):
            assert wait_for(ws, 'target="stream-status"'), "the server confirms the subscription"
        _sign_in(browsers, w.member).post("/logout")
        assert close_code(member_ws, timeout=15) == 1008, "the signed-out user's socket is still open"
        assert still_open(app, owner_ws, f"dashboard:user:{w.owner.id}"), "another user's socket was closed too"
    finally:
        for ws in (member_ws, owner_ws):
            ws.close()


def test_a_socket_opened_with_a_revoked_session_is_refused(app, factory, start_gateway):
    w = factory.world()
    port = start_gateway().port
    stale_cookie = session_cookie(app, w.member.id)
    w.member.revoke_sessions()
    factory.db.session.commit()
    ws = open_socket(port, stale_cookie, f"dashboard:user:{w.member.id}")
    assert wait_for(ws, 'target="stream-status"', timeout=3) is None
    assert close_code(ws) == 1008


def test_removal_closes_the_removed_members_sockets_on_a_gateway_and_refuses_them_again(app, factory, db,
                                                                                     start_gateway):
    """Issue 11: removed from an organization, a member's open socket stops that organization's topics at once
    (closed, as it has no other), and opening it again for them is refused; others stay."""
    from app.organizations.people import remove_member

    w = factory.world()
    port = start_gateway().port
    topic = f"dashboard:org:{w.org.id}"
    removed_ws = connect(app, port, w.admin.id, topic)
    owner_ws = connect(app, port, w.owner.id, topic)
    try:
        for ws in (removed_ws, owner_ws):
            assert wait_for(ws, 'target="stream-status"'), "the server confirms the subscription"
        remove_member(w.owner, w.org, w.org.membership_of(w.admin.id))
        assert close_code(removed_ws, timeout=15) == 1008, "the removed member's socket is still open"
        assert still_open(app, owner_ws, topic)
        again = connect(app, port, w.admin.id, topic)
        assert wait_for(again, 'target="stream-status"', timeout=3) is None  # refused: no topic allowed
        assert close_code(again) == 1008
    finally:
        for ws in (removed_ws, owner_ws):
            ws.close()
