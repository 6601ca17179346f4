"""Sessions are revoked on the server: after sign-out or a password change,
the old session cookie and the old remember cookie sign nobody in, and the user's open sockets are closed."""
from __future__ import annotations

import time

import pytest
from simple_websocket import Client, ConnectionClosed
from sqlalchemy import select

from app.models import Membership, TeamMembership, TimeLog
from tests.integration.test_dashboard_streams import connect, session_cookie, wait_for


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


def test_sign_out_closes_the_users_open_sockets_in_a_web_process(app, browsers, factory, start_web):
    """The sign-out happens in this process; the sockets live in a real gunicorn process: the revocation
    travels through Redis, and only the signed-out user's socket is closed."""
    w = factory.world()
    base = start_web()
    member_ws = connect(app, base, w.member.id, f"dashboard:user:{w.member.id}")
    owner_ws = connect(app, base, w.owner.id, f"dashboard:user:{w.owner.id}")
    try:
        for ws in (member_ws, owner_ws):
            assert wait_for(ws, 'target="stream-status"'), "the server confirms the subscription"
        _sign_in(browsers, w.member).post("/logout")
        deadline = time.time() + 15
        while member_ws.connected and time.time() < deadline:
            try:
                member_ws.receive(timeout=0.5)
            except ConnectionClosed:
                break
        assert not member_ws.connected, "the signed-out user's socket is still open"
        assert owner_ws.connected, "another user's socket was closed too"
    finally:
        for ws in (member_ws, owner_ws):
            if ws.connected:
                ws.close()


def test_a_socket_opened_with_a_revoked_session_is_refused(app, factory, start_web):
    w = factory.world()
    base = start_web()
    stale_cookie = session_cookie(app, w.member.id)
    w.member.revoke_sessions()
    factory.db.session.commit()
    ws = Client.connect(base.replace("http://", "ws://") + f"/turbo-stream?topic=dashboard:user:{w.member.id}",
                        headers={"Cookie": stale_cookie})
    assert wait_for(ws, 'target="stream-status"', timeout=3) is None
    assert not ws.connected


def test_removal_closes_the_removed_members_sockets_in_a_web_process_and_refuses_them_again(app, factory, db,
                                                                                           start_web):
    """Issue 11: removed from an organization, a member's open socket (in a web process: it cannot drop single
    topics) is closed at once, and opening it again for that organization's topics is refused; others stay."""
    from app.organizations.people import remove_member

    w = factory.world()
    base = start_web()
    topic = f"dashboard:org:{w.org.id}"
    removed_ws = connect(app, base, w.admin.id, topic)
    owner_ws = connect(app, base, w.owner.id, topic)
    try:
        for ws in (removed_ws, owner_ws):
            assert wait_for(ws, 'target="stream-status"'), "the server confirms the subscription"
        remove_member(w.owner, w.org, w.org.membership_of(w.admin.id))
        deadline = time.time() + 15
        while removed_ws.connected and time.time() < deadline:
            try:
                removed_ws.receive(timeout=0.5)
            except ConnectionClosed:
                break
        assert not removed_ws.connected, "the removed member's socket is still open"
        assert owner_ws.connected
        again = connect(app, base, w.admin.id, topic)
        assert wait_for(again, 'target="stream-status"', timeout=3) is None  # refused: no topic allowed
    finally:
        for ws in (removed_ws, owner_ws):
            if ws.connected:
                ws.close()
