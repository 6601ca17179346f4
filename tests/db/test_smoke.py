def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_member_signs_in_and_starts_timer(client, factory):
    from tests.conftest import login

    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    assert response.status_code == 303
    assert w.member.running_timer is not None
