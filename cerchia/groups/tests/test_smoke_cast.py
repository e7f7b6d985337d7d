from cerchia.groups.models import Membership


def test_the_cast_has_one_of_each(cast):
    assert Membership.objects.get(group=cast.group, user=cast.leader).role == "president"
    assert Membership.objects.get(group=cast.group, user=cast.owner).role == "administrator"
    assert Membership.objects.get(group=cast.group, user=cast.visitor).status == "applied"
    assert not Membership.objects.filter(user=cast.outsider).exists()
