"""Two-factor sign-in (issue 17): enrolment with a QR code and a confirming code, 10 recovery codes shown once and
stored hashed, the code step after the password (a code works once, a recovery code once), turning it off with
the password, owners requiring it of their organization's members, every change audited, and the sign-in limits
covering the code step. Real requests, the real database and the real limiter storage (Redis)."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from app.models import AuditEntry, Organization, RecoveryCode, User
from tests.conftest import login


def _text(response) -> str:
    return response.get_data(as_text=True)


def _code(secret: str, offset: int = 0) -> str:
    """The code of the time step `offset` steps from now."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + offset)


def _enrol(client, db, user_id: int) -> tuple[str, list[str]]:
    """Through the pages: the secret shown, confirmed with a code; returns it and the recovery codes shown."""
    page = client.get("/settings/two-factor")
    assert page.status_code == 200
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7]+)<', _text(page))[1]
    response = client.post("/settings/two-factor/enable", data={"enable-code": _code(secret)})
    assert response.status_code == 303 and response.headers["Location"] == "/settings/two-factor/recovery-codes"
    shown = client.get("/settings/two-factor/recovery-codes")
    codes = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', _text(shown))
    return secret, codes


@pytest.fixture()
def world(factory):
    return factory.world()


@pytest.fixture(scope="module")
def browsers():
    """An app of its own, so each test client is a browser of its own (the test's app context is not shared)."""
    from app import create_app
    return create_app({"WTF_CSRF_ENABLED": False})


@pytest.fixture()
def client(browsers, db):
    return browsers.test_client()


def test_enrolment_shows_a_qr_code_confirms_with_a_code_and_shows_ten_recovery_codes_once(client, db, world):
    login(client, world.member)
    page = client.get("/settings/two-factor")
    assert 'src="data:image/svg+xml' in _text(page)  # the QR code, drawn on the server
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7]+)<', _text(page))[1]
    assert secret in _text(client.get("/settings/two-factor"))  # a reload shows the same secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=world.member.email, issuer_name="Timeboard")
    assert uri.startswith("otpauth://totp/Timeboard:")
    wrong = client.post("/settings/two-factor/enable", data={"enable-code": "000000" if _code(secret) != "000000"
                                                             else "111111"})
    assert wrong.status_code == 422 and "That code is not right" in _text(wrong)
    db.session.expire_all()
    assert not db.session.get(User, world.member.id).two_factor_enabled
    ok = client.post("/settings/two-factor/enable", data={"enable-code": _code(secret)})
    assert ok.status_code == 303
    shown = client.get("/settings/two-factor/recovery-codes")
    codes = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', _text(shown))
    assert len(codes) == len(set(codes)) == 10 and shown.headers["Cache-Control"] == "no-store"
    assert client.get("/settings/two-factor/recovery-codes").status_code == 303  # shown once
    db.session.expire_all()
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == world.member.id)).all()
    assert sorted(stored) == sorted(hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes)
    user = db.session.get(User, world.member.id)
    assert user.two_factor_enabled and user.totp_secret == secret
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.enable"))
    assert (entry.organization_id, entry.actor_id, entry.target) == (world.org.id, user.id, user.email)


def test_sign_in_asks_for_the_code_after_the_password_and_a_code_works_once(client, db, world, browsers):
    login(client, world.member)
    secret, _ = _enrol(client, db, world.member.id)
    client.post("/logout")
    step = client.post("/login?next=/time-logs", data={"email": world.member.email, "password": "password"})
    assert step.status_code == 303 and step.headers["Location"] == "/login/two-factor"
    assert client.get("/time-logs").status_code == 302  # not signed in before the code
    assert "Two-factor sign-in" in _text(client.get("/login/two-factor"))
    wrong = client.post("/login/two-factor", data={"code": "12345"})
    assert wrong.status_code == 422 and "That code is not right" in _text(wrong)
    code = _code(secret, 1)
    done = client.post("/login/two-factor", data={"code": code})
    assert done.status_code == 303 and done.headers["Location"] == "/time-logs"
    assert client.get("/time-logs").status_code == 200
    client.post("/logout")
    other = browsers.test_client()  # someone who saw the code, in another browser
    assert other.post("/login", data={"email": world.member.email, "password": "password"}).status_code == 303
    replay = other.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 422
    assert other.get("/time-logs").status_code == 302


def test_a_recovery_code_signs_in_once_and_is_audited(client, db, world):
    login(client, world.member)
    _, codes = _enrol(client, db, world.member.id)
    client.post("/logout")
    client.post("/login", data={"email": world.member.email, "password": "password"})
    used = client.post("/login/two-factor", data={"code": codes[3].upper()})  # as typed, any case
    assert used.status_code == 303
    assert "9 left" in _text(client.get("/dashboard", follow_redirects=True))
    client.post("/logout")
    client.post("/login", data={"email": world.member.email, "password": "password"})
    assert client.post("/login/two-factor", data={"code": codes[3]}).status_code == 422
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor.recovery_code_used"))
    assert entry.actor_id == world.member.id and entry.details == {"left": 9}


def test_turning_it_off_needs_the_password_and_new_codes_replace_the_old(client, db, world):
    login(client, world.member)
    _, codes = _enrol(client, db, world.member.id)
    wrong = client.post("/settings/two-factor/recovery-codes", data={"regenerate-password": "nope"})
    assert wrong.status_code == 422 and "password is not right" in _text(wrong)
    assert client.post("/settings/two-factor/recovery-codes",
                       data={"regenerate-password": "password"}).status_code == 303
    fresh = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<',
                       _text(client.get("/settings/two-factor/recovery-codes")))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    refused = client.post("/settings/two-factor/disable", data={"disable-password": "nope"})
    assert refused.status_code == 422 and "password is not right" in _text(refused)
    db.session.expire_all()
    assert db.session.get(User, world.member.id).two_factor_enabled
    assert client.post("/settings/two-factor/disable", data={"disable-password": "password"}).status_code == 303
    db.session.expire_all()
    user = db.session.get(User, world.member.id)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id)) is None
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["two_factor.enable", "two_factor.recovery_codes", "two_factor.disable"]
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": "password"}).headers["Location"] \
        == "/dashboard"  # no code step any more


def test_an_owner_requires_it_and_members_without_it_are_sent_to_set_it_up(client, db, world, browsers):
    from app.live.topics import can_receive
    login(client, world.owner)
    settings = {"name": "Acme", "currency": "EUR", "week_start": "0", "require_two_factor": "y"}
    refused = client.post(f"/organizations/{world.org.id}/settings", data=settings)
    assert refused.status_code == 422 and "Turn on two-factor sign-in for yourself first" in _text(refused)
    _enrol(client, db, world.owner.id)
    assert client.post(f"/organizations/{world.org.id}/settings", data=settings).status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, world.org.id).require_two_factor
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.update"))
    assert entry.details == {"require_two_factor": [False, True]}
    assert client.get("/time-logs").status_code == 200  # the owner has it

    member = browsers.test_client()
    login(member, world.member)
    for path in ("/dashboard", "/time-logs", f"/dashboard/org/{world.org.id}", "/settings"):
        response = member.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/settings/two-factor", path
    assert member.post("/time-logs/timer/start", data={"project_id": world.alpha_project.id}).status_code == 303
    assert world.member.running_timer is None
    page = member.get("/settings/two-factor")
    assert page.status_code == 200 and "Acme requires two-factor sign-in" in _text(page)
    db.session.expire_all()
    assert not can_receive(db.session.get(User, world.member.id), f"dashboard:user:{world.member.id}")
    _enrol(member, db, world.member.id)
    assert member.get("/time-logs").status_code == 200
    db.session.expire_all()
    assert can_receive(db.session.get(User, world.member.id), f"dashboard:user:{world.member.id}")
    assert browsers.test_client().get("/time-logs").status_code == 302  # anonymous: the sign-in page, as before
    outsider = browsers.test_client()
    login(outsider, world.outsider)
    assert outsider.get("/time-logs").status_code == 200  # other organizations are not affected


def test_wrong_codes_count_toward_the_account_lock_and_end_the_step(browsers, db, world):
    from app import create_app
    browser = browsers.test_client()
    login(browser, world.member)
    _enrol(browser, db, world.member.id)
    browser.post("/logout")
    proxied = create_app({"WTF_CSRF_ENABLED": False, "PROXY_FIX_X_FOR": 1})
    wrong_codes = 0
    for n in range(2):  # each code step allows 5 wrong codes, then it is back to the password
        attacker = proxied.test_client()
        address = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"X-Forwarded-For": f"192.0.2.{n}"}}
        assert attacker.post("/login", data={"email": world.member.email, "password": "password"},
                             **address).status_code == 303
        for attempt in range(5):
            response = attacker.post("/login/two-factor", data={"code": "000000"}, **address)
            wrong_codes += 1
            if attempt < 4:
                assert response.status_code == 422
        assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert wrong_codes == 10
    locked = proxied.test_client().post("/login", data={"email": world.member.email, "password": "password"},
                                        environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                        headers={"X-Forwarded-For": "192.0.2.99"})
    assert locked.status_code == 429 and "Too many failed sign-ins for this account" in _text(locked)


def test_the_password_and_code_steps_share_the_per_address_limit(client, db, world, browsers):
    browser = browsers.test_client()
    login(browser, world.member)
    _enrol(browser, db, world.member.id)
    for _ in range(4):  # with the browser's sign-in above, 5 from this address
        assert client.post("/login", data={"email": world.admin.email, "password": "nope"}).status_code == 422
    assert client.post("/login", data={"email": world.member.email, "password": "password"}).status_code == 303
    for _ in range(4):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 422
    limited = client.post("/login/two-factor", data={"code": "000000"})
    assert limited.status_code == 429 and "Too many sign-in attempts" in _text(limited)


def test_the_code_step_ends_when_the_password_changes_or_after_five_minutes(client, db, world, browsers):
    from app.accounts import sign_in
    login(client, world.member)
    secret, _ = _enrol(client, db, world.member.id)
    client.post("/logout")
    client.post("/login", data={"email": world.member.email, "password": "password"})
    db.session.expire_all()
    user = db.session.get(User, world.member.id)
    user.set_password("another passphrase")  # e.g. reset by its owner meanwhile
    db.session.commit()
    gone = client.post("/login/two-factor", data={"code": _code(secret, 1)})
    assert gone.status_code == 303 and gone.headers["Location"] == "/login"
    client.post("/login", data={"email": world.member.email, "password": "another passphrase"})
    with client.session_transaction() as session:
        pending = session[sign_in.TWO_FACTOR_PENDING]
        pending["t"] -= sign_in.PENDING_SECONDS + 1
        session[sign_in.TWO_FACTOR_PENDING] = pending
    expired = client.post("/login/two-factor", data={"code": _code(secret, 1)})
    assert expired.status_code == 303 and expired.headers["Location"] == "/login"
    assert client.get("/time-logs").status_code == 302


def test_a_password_reset_does_not_skip_the_code_step(client, db, world, run_jobs):
    """The reset link proves the mailbox, not the second factor: setting a new password leads to the code step."""
    from urllib.parse import urlsplit

    from tests.mailbox import empty_outbox, links, outbox

    folder = client.application.config["OUTBOX_DIR"]
    login(client, world.member)
    secret, _ = _enrol(client, db, world.member.id)
    client.post("/logout")
    empty_outbox(folder)
    client.post("/password/forgot", data={"email": world.member.email})
    run_jobs(["mail", "notifications"])
    (link,) = links(outbox(folder)[0])
    done = client.post(urlsplit(link).path, data={"password": "a brand new passphrase"})
    assert done.status_code == 303 and done.headers["Location"] == "/login/two-factor"
    assert client.get("/time-logs").status_code == 302
    assert client.post("/login/two-factor", data={"code": _code(secret, 1)}).status_code == 303
    assert client.get("/time-logs").status_code == 200
    empty_outbox(folder)
