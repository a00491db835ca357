"""contact/v3/users through lark-oapi's typed API: create, get (open_id and user_id), delete."""

import re

from daka_harness import contact, create_user, uid


def get_user(client, user_id, id_type=None):
    b = contact.GetUserRequest.builder().user_id(user_id)
    if id_type:
        b = b.user_id_type(id_type)
    return client.contact.v3.user.get(b.build())


def delete_user(client, user_id, id_type="user_id"):
    req = contact.DeleteUserRequest.builder().user_id(user_id).user_id_type(id_type).request_body(
        contact.DeleteUserRequestBody.builder().build()).build()
    return client.contact.v3.user.delete(req)


def test_create_returns_ids(client):
    user_id = uid()
    resp = create_user(client, user_id, name="张三", employee_no="E-" + user_id, join_time=1704067200)
    assert resp.code == 0, resp.msg
    assert resp.raw.status_code == 200
    u = resp.data.user
    assert u.user_id == user_id
    assert re.match(r"^ou_[0-9a-f]+$", u.open_id), u.open_id
    assert re.match(r"^on_[0-9a-f]+$", u.union_id), u.union_id
    assert u.name == "张三"
    assert u.employee_no == "E-" + user_id
    assert u.join_time == 1704067200
    assert u.status.is_resigned is False
    # Fields daka does not interpret come back as sent.
    assert u.mobile == "+8613800000000"
    assert u.department_ids == ["0"]
    assert u.employee_type == 1


def test_create_without_user_id_generates_one(client):
    req = contact.CreateUserRequest.builder().user_id_type("user_id").request_body(
        contact.User.builder().name("No Id").build()).build()
    resp = client.contact.v3.user.create(req)
    assert resp.code == 0, resp.msg
    assert resp.data.user.user_id


def test_get_by_open_id_and_user_id(client):
    user_id = uid()
    created = create_user(client, user_id, employee_no="N" + user_id).data.user
    by_open = get_user(client, created.open_id)  # user_id_type defaults to open_id
    assert by_open.code == 0, by_open.msg
    assert by_open.data.user.user_id == user_id
    by_open2 = get_user(client, created.open_id, "open_id")
    assert by_open2.data.user.open_id == created.open_id
    by_uid = get_user(client, user_id, "user_id")
    assert by_uid.code == 0
    assert by_uid.data.user.open_id == created.open_id
    assert by_uid.data.user.union_id == created.union_id
    assert by_uid.data.user.employee_no == "N" + user_id
    by_union = get_user(client, created.union_id, "union_id")
    assert by_union.code == 0
    assert by_union.data.user.user_id == user_id


def test_duplicate_user_id_while_employed(client):
    user_id = uid()
    assert create_user(client, user_id).code == 0
    again = create_user(client, user_id)
    assert again.code == 41012  # daka's choice of contact code
    assert again.raw.status_code == 400
    assert user_id in again.msg


def test_duplicate_employee_no_while_employed(client):
    no = "E" + uid()
    assert create_user(client, uid(), employee_no=no).code == 0
    assert create_user(client, uid(), employee_no=no).code == 41012


def test_missing_name(client):
    req = contact.CreateUserRequest.builder().user_id_type("user_id").request_body(
        contact.User.builder().user_id(uid()).build()).build()
    resp = client.contact.v3.user.create(req)
    assert resp.code == 99992402
    assert "name" in resp.msg


def test_bad_user_id_type(client):
    req = contact.CreateUserRequest.builder().user_id_type("email").request_body(
        contact.User.builder().user_id(uid()).name("x").build()).build()
    resp = client.contact.v3.user.create(req)
    assert resp.code == 99992402


def test_get_unknown(client):
    resp = get_user(client, "ou_0000000000000000000000000000dead")
    assert resp.code == 41050
    assert resp.raw.status_code == 400
    assert get_user(client, "nobody-" + uid(), "user_id").code == 41050


def test_delete_marks_resigned_and_keeps_the_person(client):
    user_id = uid()
    created = create_user(client, user_id).data.user
    resp = delete_user(client, user_id)
    assert resp.code == 0, resp.msg
    after = get_user(client, created.open_id)
    assert after.code == 0
    assert after.data.user.status.is_resigned is True
    # Deleting again: nobody employed holds the id any more.
    assert delete_user(client, user_id).code == 41050


def test_delete_by_open_id(client):
    created = create_user(client, uid()).data.user
    assert delete_user(client, created.open_id, "open_id").code == 0
    assert get_user(client, created.open_id).data.user.status.is_resigned is True
