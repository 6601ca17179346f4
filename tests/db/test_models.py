"""Domain rules hold in the database itself, not only in forms and services."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import Client, Membership, Project, Role, TimeLog, TimeLogError, User, utcnow

T0 = datetime(2026, 3, 2, 9, 0)


def _insert(db, **kw):
    """Insert a log straight through the session: no model check, only the database's rules."""
    db.session.add(TimeLog(**kw))
    db.session.flush()


def _log_kw(user, project, start=T0, end=T0 + timedelta(hours=1), **kw):
    return dict(user_id=user.id, project_id=project.id, organization_id=project.organization_id,
                start_time=start, end_time=end, description="work", **kw)


@pytest.mark.parametrize("end", [T0 - timedelta(minutes=1), T0])
def test_database_refuses_a_log_ending_at_or_before_its_start(factory, end):
    w = factory.world()
    with pytest.raises(IntegrityError):
        _insert(factory.db, **_log_kw(w.member, w.alpha_project, end=end))
    factory.db.session.rollback()


def test_database_refuses_a_second_running_timer_for_one_user(factory):
    w = factory.world()
    _insert(factory.db, **_log_kw(w.member, w.alpha_project, end=None))
    with pytest.raises(IntegrityError):
        _insert(factory.db, **_log_kw(w.member, w.org_project, start=T0 + timedelta(hours=2), end=None))
    factory.db.session.rollback()


def test_running_timers_of_different_users_and_finished_logs_coexist(factory):
    w = factory.world()
    _insert(factory.db, **_log_kw(w.member, w.alpha_project, end=None))
    _insert(factory.db, **_log_kw(w.manager, w.alpha_project, end=None))
    _insert(factory.db, **_log_kw(w.member, w.alpha_project, start=T0 - timedelta(days=1),
                                  end=T0 - timedelta(days=1, minutes=-30)))
    factory.db.session.commit()
    assert w.member.running_timer is not None and w.manager.running_timer is not None


def test_database_refuses_a_log_by_a_user_outside_the_projects_organization(factory):
    w = factory.world()
    with pytest.raises(IntegrityError):  # organization_id matches the project, but the user is no member
        _insert(factory.db, **_log_kw(w.member, w.other_project))
    factory.db.session.rollback()


def test_database_refuses_a_log_whose_project_is_in_another_organization(factory):
    w = factory.world()
    kw = _log_kw(w.member, w.other_project)
    kw["organization_id"] = w.org.id  # the user's organization, but a foreign project
    with pytest.raises(IntegrityError):
        _insert(factory.db, **kw)
    factory.db.session.rollback()


def test_database_refuses_negative_duration_and_budget_and_unknown_status(factory):
    w = factory.world()
    with pytest.raises(IntegrityError):
        _insert(factory.db, **_log_kw(w.member, w.alpha_project, duration_minutes=-5))
    factory.db.session.rollback()
    for bad in (dict(budget_hours=Decimal("-1")), dict(status="deleted")):
        factory.db.session.add(Project(organization_id=w.org.id, name="Bad", **bad))
        with pytest.raises(IntegrityError):
            factory.db.session.flush()
        factory.db.session.rollback()


def test_client_names_are_unique_per_organization_only(factory):
    w = factory.world()
    factory.db.session.add(Client(organization_id=w.other_org.id, name="Globex"))
    factory.db.session.commit()
    factory.db.session.add(Client(organization_id=w.org.id, name="Globex"))
    with pytest.raises(IntegrityError):
        factory.db.session.flush()
    factory.db.session.rollback()


def test_user_email_and_membership_are_unique(factory):
    w = factory.world()
    factory.db.session.add(User(email=w.member.email, name="Twin"))
    with pytest.raises(IntegrityError):
        factory.db.session.flush()
    factory.db.session.rollback()
    factory.db.session.add(Membership(organization_id=w.org.id, user_id=w.member.id, role=Role.ADMIN.value))
    with pytest.raises(IntegrityError):
        factory.db.session.flush()
    factory.db.session.rollback()


def test_stop_computes_duration_and_end(factory):
    w = factory.world()
    log = factory.time_log(w.member, w.alpha_project, start=T0, minutes=None)
    log.stop(at=T0 + timedelta(minutes=95, seconds=20))
    factory.db.session.commit()
    assert (log.end_time, log.duration_minutes, log.is_running) == (T0 + timedelta(minutes=95, seconds=20), 95, False)
    with pytest.raises(TimeLogError):
        log.stop()


def test_stop_at_or_before_start_still_counts_one_second(factory):
    w = factory.world()
    log = factory.time_log(w.member, w.alpha_project, start=T0, minutes=None)
    log.stop(at=T0)
    factory.db.session.commit()  # the database accepts it: end is after start
    assert log.end_time == T0 + timedelta(seconds=1) and log.duration_minutes == 0


def test_check_and_set_times_refuse_what_the_database_would(factory):
    with pytest.raises(TimeLogError, match="End must be after start"):
        TimeLog.check(T0, T0, "x")
    with pytest.raises(TimeLogError, match="at most 1000"):
        TimeLog.check(T0, None, "x" * 1001)
    TimeLog.check(T0, None, "x" * 1000)
    w = factory.world()
    w.member_log.set_times(T0, T0 + timedelta(minutes=45))
    assert w.member_log.duration_minutes == 45
    w.member_log.set_times(T0, None)
    assert w.member_log.is_running and w.member_log.duration_minutes is None


def test_elapsed_seconds_counts_to_now_while_running(factory):
    w = factory.world()
    log = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=3), minutes=None)
    assert 179 <= log.elapsed_seconds() <= 185
    assert log.elapsed_seconds(now=log.start_time - timedelta(hours=1)) == 0


def test_user_password_zone_and_memberships(factory):
    w = factory.world()
    assert w.member.check_password("password") and not w.member.check_password("wrong")
    assert "password" not in w.member.password_hash
    w.member.time_zone = "Mars/Olympus"
    assert str(w.member.zone) == "UTC"
    w.member.time_zone = "Asia/Tokyo"
    assert str(w.member.zone) == "Asia/Tokyo"
    assert w.member.membership_in(w.org.id).role_enum == Role.MEMBER
    assert w.member.membership_in(w.other_org.id) is None
    assert [r.rank for r in (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER)] == [4, 3, 2, 1]


def test_project_archive_and_client_archive(factory):
    w = factory.world()
    w.alpha_project.archive()
    w.client.archive()
    factory.db.session.commit()
    factory.db.session.expire_all()
    assert not factory.db.session.get(Project, w.alpha_project.id).is_active
    assert factory.db.session.get(Client, w.client.id).archived
