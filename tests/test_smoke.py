from studytrack.models import User


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200


def test_member_logs_in_and_sees_group(client, login, create_user, create_group):
    user = create_user()
    group = create_group(members=(user,))
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert group.name in page
    assert isinstance(user, User)
