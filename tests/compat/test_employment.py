"""Employment periods: a person leaves (contact DELETE) and a new hire reuses the user_id and
employee_no. Punches resolve to whoever held the id at the punch's instant;
`include_terminated_user` on user_flows/query picks the current holder only (false) or every
holder (true) — feishu-attendance-spec.md §1.2."""

import time

import pytest

from daka_harness import contact, create_user, flow, import_flows, query_flows, uid

OLD = 1705280400  # 2024-01-15T01:00:00Z, while the first holder was employed


def delete_user(client, user_id):
    req = (contact.DeleteUserRequest.builder().user_id(user_id).user_id_type("user_id")
           .request_body(contact.DeleteUserRequestBody.builder().build()).build())
    return client.contact.v3.user.delete(req)


def get_user(client, open_id):
    return client.contact.v3.user.get(contact.GetUserRequest.builder().user_id(open_id).build())


def ids(resp):
    assert resp.code == 0, (resp.code, resp.msg)
    return sorted(f.record_id for f in (resp.data.user_flow_results or []))


@pytest.fixture(scope="module")
def rehire(client):
    """Alice (user_id U, employee_no N) punches, leaves; Bob is hired as U / N and punches."""
    user_id, no = uid("re"), "N" + uid()
    alice = create_user(client, user_id, name="Alice", employee_no=no)
    assert alice.code == 0, alice.msg
    alice_flows = import_flows(client, [flow(user_id, OLD), flow(user_id, OLD + 32400)])
    assert alice_flows.code == 0, alice_flows.msg

    before_leave = int(time.time())
    assert delete_user(client, user_id).code == 0
    after_leave = int(time.time())

    # While nobody holds the id, a punch at the present instant names nobody.
    nobody = import_flows(client, [flow(user_id, after_leave + 1)])
    bob = create_user(client, user_id, name="Bob", employee_no=no)
    assert bob.code == 0, bob.msg
    # Bob's punches must lie after Alice left and not in the future: wait for the clock.
    new_time = after_leave + 1
    while int(time.time()) < new_time:
        time.sleep(0.1)
    bob_flows = import_flows(client, [flow(user_id, new_time)])
    assert bob_flows.code == 0, bob_flows.msg
    # A punch at an old instant, imported after Bob was hired, still belongs to Alice.
    late_import = import_flows(client, [flow(user_id, OLD + 3600)])
    assert late_import.code == 0, late_import.msg
    return {
        "user_id": user_id, "no": no, "alice": alice.data.user, "bob": bob.data.user,
        "alice_ids": sorted([f.record_id for f in alice_flows.data.flow_records]
                            + [late_import.data.flow_records[0].record_id]),
        "bob_ids": [bob_flows.data.flow_records[0].record_id],
        "nobody": nobody, "before_leave": before_leave,
    }


def test_the_two_people_are_different(rehire):
    assert rehire["alice"].open_id != rehire["bob"].open_id
    assert rehire["alice"].user_id == rehire["bob"].user_id == rehire["user_id"]
    assert rehire["alice"].employee_no == rehire["bob"].employee_no == rehire["no"]


def test_punch_while_nobody_held_the_id(rehire):
    r = rehire["nobody"]
    assert r.code == 1220004, (r.code, r.msg)


def test_get_user_after_rehire(client, rehire):
    alice = get_user(client, rehire["alice"].open_id)
    assert alice.code == 0
    assert alice.data.user.name == "Alice"
    assert alice.data.user.status.is_resigned is True
    bob = get_user(client, rehire["bob"].open_id)
    assert bob.data.user.name == "Bob"
    assert bob.data.user.status.is_resigned is False
    by_uid = client.contact.v3.user.get(
        contact.GetUserRequest.builder().user_id(rehire["user_id"]).user_id_type("user_id").build())
    assert by_uid.code == 0
    assert by_uid.data.user.open_id == rehire["bob"].open_id  # the id names the current holder


def test_query_current_holder_only(client, rehire):
    got = ids(query_flows(client, [rehire["user_id"]], include_terminated=False))
    assert got == rehire["bob_ids"]
    # Leaving the parameter out means false.
    assert ids(query_flows(client, [rehire["user_id"]])) == rehire["bob_ids"]


def test_query_including_terminated(client, rehire):
    got = ids(query_flows(client, [rehire["user_id"]], include_terminated=True))
    assert got == sorted(rehire["alice_ids"] + rehire["bob_ids"])


def test_query_by_employee_no(client, rehire):
    no = rehire["no"]
    assert ids(query_flows(client, [no], employee_type="employee_no", include_terminated=False)) \
        == rehire["bob_ids"]
    assert ids(query_flows(client, [no], employee_type="employee_no", include_terminated=True)) \
        == sorted(rehire["alice_ids"] + rehire["bob_ids"])


def test_old_instants_resolve_to_old_person(client, rehire):
    """Everyone's records carry the same user_id on the wire; the split between people shows in
    which of them include_terminated_user=false drops."""
    all_ids = ids(query_flows(client, [rehire["user_id"]], include_terminated=True))
    current = ids(query_flows(client, [rehire["user_id"]], include_terminated=False))
    assert sorted(set(all_ids) - set(current)) == rehire["alice_ids"]
    res = query_flows(client, [rehire["user_id"]], include_terminated=True).data.user_flow_results
    assert {f.user_id for f in res} == {rehire["user_id"]}


def test_rehire_with_join_time_inside_old_employment_is_refused(client):
    user_id = uid("re")
    assert create_user(client, user_id, name="First").code == 0
    assert delete_user(client, user_id).code == 0
    resp = create_user(client, user_id, name="Second", join_time=OLD)
    assert resp.code == 99992402
    assert "join_time" in resp.msg


def test_terminated_only_person_is_still_queryable(client):
    user_id = uid("gone")
    assert create_user(client, user_id).code == 0
    rec = import_flows(client, [flow(user_id, OLD)]).data.flow_records[0].record_id
    assert delete_user(client, user_id).code == 0
    # "false returns only the active one or the most recently terminated one"
    assert ids(query_flows(client, [user_id], include_terminated=False)) == [rec]
    assert ids(query_flows(client, [user_id], include_terminated=True)) == [rec]
    # Punches at instants before leaving can still be imported for the departed person.
    assert import_flows(client, [flow(user_id, OLD + 60)]).code == 0
