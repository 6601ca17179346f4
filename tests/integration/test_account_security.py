"""Account security (issue 17): sign-up and password reset do the same work whatever the address, every signed
link works once, X-Forwarded-For is trusted only for PROXY_FIX_X_FOR proxies, and failed sign-ins are limited per
account as well as per address, without letting anyone keep another person out (device cookies). Real requests
through the test client, the real limiter storage (Redis) and real RQ jobs."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select

from app import passwords
from app.models import AuditEntry, User
from tests.conftest import login
from tests.mailbox import empty_outbox, links, outbox


@pytest.fixture()
def mails(app):
    folder = app.config["OUTBOX_DIR"]
    empty_outbox(folder)
    yield lambda: outbox(folder)
    empty_outbox(folder)


@pytest.fixture(scope="module")
def proxied():
    """The app behind one reverse proxy (README's nginx layout): PROXY_FIX_X_FOR=1."""
    from app import create_app
    return create_app({"WTF_CSRF_ENABLED": False, "PROXY_FIX_X_FOR": 1})


def _path(url: str) -> str:
    return urlsplit(url).path


def _via_proxy(client, path, data, client_address, **kw):
    """A request as the proxy sends it: from the proxy's address, the client's in X-Forwarded-For."""
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                       headers={"X-Forwarded-For": client_address}, **kw)


# -- the same work for any address ---------------------------------------------------------------
@pytest.fixture()
def work(db, monkeypatch):
    """What a request did: password hashes made, jobs enqueued, and whether any SQL touched the users table."""
    from app.accounts import accounts
    from app.background import enqueue as enqueue_module
    done = {"hashes": 0, "jobs": [], "user_queries": 0}
    real_hash, real_enqueue = passwords.hash_password, enqueue_module.enqueue

    def counting_hash(*args, **kw):
        done["hashes"] += 1
        return real_hash(*args, **kw)

    def counting_enqueue(kind, *args, **kw):
        done["jobs"].append(kind)
        return real_enqueue(kind, *args, **kw)

    def statements(conn, cursor, statement, *args):
        if "users" in statement.lower():
            done["user_queries"] += 1

    monkeypatch.setattr(passwords, "hash_password", counting_hash)
    monkeypatch.setattr(accounts, "enqueue", counting_enqueue)
    event.listen(db.engine, "before_cursor_execute", statements)

    def take() -> dict:
        taken = {**done, "jobs": list(done["jobs"])}
        done.update(hashes=0, jobs=[], user_queries=0)
        return taken

    yield take
    event.remove(db.engine, "before_cursor_execute", statements)


def test_sign_up_does_the_same_work_for_a_new_and_a_known_address(client, factory, work, mails, run_jobs):
    factory.user(email="taken@example.com")
    work()
    fresh = client.post("/signup", data={"name": "A", "email": "fresh@example.com", "password": "a long passphrase"})
    fresh_work = work()
    taken = client.post("/signup", data={"name": "A", "email": "taken@example.com", "password": "a long passphrase"})
    taken_work = work()
    assert fresh.status_code == taken.status_code
    assert fresh_work == taken_work == {"hashes": 1, "jobs": ["signup_mail"], "user_queries": 0}
    run_jobs(["mail"])  # the job decides what the address's owner gets
    assert {m["To"]: m["Subject"] for m in mails()} == {
        "fresh@example.com": "Confirm your Timeboard account",
        "taken@example.com": "You already have a Timeboard account"}


def test_password_reset_does_the_same_work_for_a_known_and_an_unknown_address(client, factory, work, mails,
                                                                              run_jobs):
    factory.user(email="forgetful@example.com")
    work()
    known = client.post("/password/forgot", data={"email": "forgetful@example.com"})
    known_work = work()
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"})
    unknown_work = work()
    assert known.status_code == unknown.status_code
    assert known_work == unknown_work == {"hashes": 0, "jobs": ["password_reset_mail"], "user_queries": 0}
    run_jobs(["mail"])
    (message,) = mails()
    assert message["To"] == "forgetful@example.com" and links(message)[0].startswith("http://127.0.0.1:")


def test_mailed_links_come_from_app_url_not_the_requests_host(client, factory, mails, run_jobs, app):
    factory.user(email="forgetful@example.com")
    client.post("/password/forgot", data={"email": "forgetful@example.com"}, headers={"Host": "evil.example"})
    run_jobs(["mail"])
    (link,) = links(mails()[0])
    assert link.startswith(app.config["APP_URL"] + "/password/reset/")


def test_sign_up_and_reset_answer_503_when_the_queue_is_down_whatever_the_address(client, factory, monkeypatch):
    from app.accounts import accounts
    from app.background.enqueue import EnqueueError
    def down(*args, **kw):
        raise EnqueueError("Redis is unavailable")

    monkeypatch.setattr(accounts, "enqueue", down)
    factory.user(email="taken@example.com")
    for email in ("taken@example.com", "fresh@example.com"):
        assert client.post("/password/forgot", data={"email": email}).status_code == 503
        assert client.post("/signup", data={"name": "A", "email": email,
                                            "password": "a long passphrase"}).status_code == 503


# -- single-use links ----------------------------------------------------------------------------
def test_an_email_change_link_is_refused_after_the_address_was_changed_back(client, factory, db, mails, run_jobs):
    user = factory.user(email="old@example.com")
    user_id = user.id

    def change(to: str) -> str:
        empty_outbox(client.application.config["OUTBOX_DIR"])
        login(client, db.session.get(User, user_id))
        assert client.post("/settings/email", data={"email-email": to,
                                                    "email-current_password": "password"}).status_code == 303
        client.post("/logout")  # the test's requests share its app context, which the job runner resets
        run_jobs(["mail"])
        (link,) = links(mails()[0])
        return _path(link)

    first = change("new@example.com")
    assert client.get(first).status_code == 303
    assert db.session.get(User, user_id).email == "new@example.com"
    back = change("old@example.com")
    assert client.get(back).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user_id).email == "old@example.com"  # the state the first link was made for
    again = client.get(first)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user_id).email == "old@example.com"


def test_a_reset_link_is_refused_after_use_even_if_the_old_password_hash_comes_back(client, factory, db, mails,
                                                                                   run_jobs):
    user = factory.user(email="forgetful@example.com")
    user_id, old_hash = user.id, user.password_hash
    client.post("/password/forgot", data={"email": "forgetful@example.com"})
    run_jobs(["mail"])
    (link,) = links(mails()[0])
    assert client.post(_path(link), data={"password": "a brand new passphrase"}).status_code == 303
    client.post("/logout")
    db.session.get(User, user_id).password_hash = old_hash  # e.g. restored from a backup
    db.session.commit()
    again = client.get(_path(link))
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert client.post(_path(link), data={"password": "an attacker's passphrase"}).status_code == 410
    db.session.expire_all()
    assert db.session.get(User, user_id).password_hash == old_hash


def test_a_link_spent_once_is_refused_however_its_text_is_spelled(app_ctx, db):
    from app import tokens
    token = tokens.make("email-change", {"u": 1, "from": "a@example.com", "to": "b@example.com"})
    assert token != tokens.make("email-change", {"u": 1, "from": "a@example.com", "to": "b@example.com"})
    tokens.spend("email-change", token)
    db.session.commit()
    with pytest.raises(tokens.TokenUsed):
        tokens.read("email-change", token, unused=True)
    with pytest.raises(tokens.TokenUsed):
        tokens.spend("email-change", token)
    assert tokens.read("email-change", token)["to"] == "b@example.com"  # still signed: only its use is refused


# -- proxies -------------------------------------------------------------------------------------
def test_without_proxy_fix_x_forwarded_for_is_ignored_by_the_rate_limit(client, factory):
    w = factory.world()
    for n in range(10):
        assert _via_proxy(client, "/login", {"email": w.member.email, "password": "nope"},
                          f"10.9.0.{n}").status_code == 422
    assert _via_proxy(client, "/login", {"email": w.outsider.email, "password": "nope"},
                      "10.9.1.1").status_code == 429  # the header changed nothing: one address


def test_behind_one_proxy_each_client_has_its_own_limit_and_address(proxied, db, factory):
    w = factory.world()
    office = proxied.test_client()
    for n in range(10):  # ten people of one office typing wrong passwords, from one client address
        assert _via_proxy(office, "/login", {"email": f"someone{n}@example.com", "password": "nope"},
                          "198.51.100.7").status_code == 422
    assert _via_proxy(office, "/login", {"email": w.member.email, "password": "password"},
                      "198.51.100.7").status_code == 429
    other = proxied.test_client()
    assert _via_proxy(other, "/login", {"email": w.member.email, "password": "password"},
                      "203.0.113.9").status_code == 303  # another client behind the same proxy signs in
    # only the address the proxy added is trusted, not what the client put in front of it
    spoofer = proxied.test_client()
    for _ in range(10):
        _via_proxy(spoofer, "/login", {"email": "x@example.com", "password": "nope"}, "6.6.6.6, 192.0.2.44")
    assert _via_proxy(spoofer, "/login", {"email": "y@example.com", "password": "nope"},
                      "7.7.7.7, 192.0.2.44").status_code == 429
    with proxied.app_context():
        other.post("/organizations/new", data={"name": "Proxied Ltd"}, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                   headers={"X-Forwarded-For": "203.0.113.9"})
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.create"))
        assert entry.ip == "203.0.113.9"


# -- per-account limits --------------------------------------------------------------------------
def test_failures_from_many_addresses_lock_the_account_briefly_and_say_nothing_of_its_existence(proxied, db,
                                                                                               factory):
    w = factory.world()
    attacker = proxied.test_client()
    for n in range(10):  # a guesser spreads over addresses: the per-address limit never fires
        assert _via_proxy(attacker, "/login", {"email": w.member.email, "password": f"guess{n}"},
                          f"192.0.2.{n}").status_code == 422
    locked = _via_proxy(attacker, "/login", {"email": w.member.email, "password": "password"}, "192.0.2.200")
    assert locked.status_code == 429 and "Too many failed sign-ins for this account" in locked.get_data(as_text=True)
    assert 60 < int(locked.headers["Retry-After"]) <= proxied.config["LOGIN_LOCK_SECONDS"]
    # an address without an account answers the same way after as many failures
    for n in range(10):
        _via_proxy(attacker, "/login", {"email": "nobody@example.com", "password": f"guess{n}"}, f"192.0.2.{n + 50}")
    unknown = _via_proxy(attacker, "/login", {"email": "nobody@example.com", "password": "x"}, "192.0.2.201")
    assert unknown.status_code == 429
    assert unknown.get_data(as_text=True).count("Too many failed sign-ins for this account") == 1
    # other accounts are not touched
    assert _via_proxy(attacker, "/login", {"email": w.manager.email, "password": "password"},
                      "192.0.2.202").status_code == 303


def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(proxied, db, factory):
    w = factory.world()
    own = proxied.test_client()
    assert _via_proxy(own, "/login", {"email": w.member.email, "password": "password"}, "203.0.113.5").status_code \
        == 303
    assert own.get_cookie("timeboard_device") is not None
    own.post("/logout")
    attacker = proxied.test_client()
    for n in range(10):
        _via_proxy(attacker, "/login", {"email": w.member.email, "password": f"guess{n}"}, f"192.0.2.{n}")
    assert _via_proxy(attacker, "/login", {"email": w.member.email, "password": "password"},
                      "192.0.2.99").status_code == 429
    assert _via_proxy(own, "/login", {"email": w.member.email, "password": "password"},
                      "203.0.113.5").status_code == 303  # the owner's browser still gets in
    # and its own failures lock only itself
    own.post("/logout")
    for n in range(10):
        _via_proxy(own, "/login", {"email": w.member.email, "password": f"typo{n}"}, f"203.0.113.{n + 10}")
    assert _via_proxy(own, "/login", {"email": w.member.email, "password": "password"},
                      "203.0.113.30").status_code == 429


def test_locks_grow_with_each_one_up_to_the_maximum(db, factory, redis_conn):
    """Each lock doubles (within a day), capped at LOGIN_LOCK_MAX_SECONDS: never a permanent lockout. The lock's
    expiry is read from Redis (where it lives); its expiry is then taken as passed by removing the key."""
    from app import create_app
    short = create_app({"WTF_CSRF_ENABLED": False, "PROXY_FIX_X_FOR": 1, "LOGIN_LOCK_SECONDS": 60,
                        "LOGIN_LOCK_MAX_SECONDS": 200, "LOGIN_ACCOUNT_FAILURES": 3})
    w = factory.world()
    client = short.test_client()
    locks = []
    for round_ in range(4):
        for n in range(3):
            assert _via_proxy(client, "/login", {"email": w.member.email, "password": "nope"},
                              f"192.0.2.{round_ * 10 + n}").status_code == 422
        locked = _via_proxy(client, "/login", {"email": w.member.email, "password": "password"}, "192.0.2.250")
        assert locked.status_code == 429
        (key,) = redis_conn.keys("timeboard:signin:lock:*")
        locks.append(redis_conn.ttl(key))
        redis_conn.delete(key)  # the lock ran out
    assert [round(ttl, -1) for ttl in locks] == [60, 120, 200, 200]
    assert _via_proxy(client, "/login", {"email": w.member.email, "password": "password"},
                      "192.0.2.251").status_code == 303
