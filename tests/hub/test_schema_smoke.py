from annotator.hub.admin import init_hub
from annotator.hub.roles import add_member


def test_init_smoke(hub_db):
    session, old, new = init_hub(hub_db.admin_url)
    assert (old, new) == (0, 1)
    assert session.role == "lead"
    alice = hub_db.member("alice")
    add_member(session, alice, "annotator", "pw-alice")
    hub_db.cluster.remember_password(alice, "pw-alice")
    session.close()
    from annotator.hub.client import connect
    s2 = connect(hub_db.url(alice))
    assert s2.role == "annotator"
    s2.close()
