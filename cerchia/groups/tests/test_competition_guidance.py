"""Associations of competitors show confidentiality and antitrust guidance; no rule stops
members from serving each other's clients."""

from cerchia.groups.services import create_group, update_group

GUIDANCE = 'id="competition-guidance"'


def test_an_association_page_shows_the_guidance(cast):
    association = create_group(
        cast.owner,
        name="Bologna Photographers",
        kind="association",
        visibility="public",
        join_policy="request",
    )

    page = cast.client("outsider").get(association.get_absolute_url()).content.decode()

    assert GUIDANCE in page
    assert "Never discuss or agree on prices" in page


def test_groups_that_are_not_of_competitors_do_not_show_it(cast):
    page = cast.client("member").get(cast.public_group.get_absolute_url()).content.decode()

    assert GUIDANCE not in page


def test_an_association_may_turn_it_off_and_any_group_on(cast):
    association = create_group(cast.owner, name="Alumni", kind="association", visibility="public")
    update_group(
        association, actor=cast.owner, changes={"rule_overrides": {"competition_guidance": False}}
    )
    update_group(
        cast.public_group,
        actor=cast.owner,
        changes={"rule_overrides": {"competition_guidance": True}},
    )
    client = cast.client("owner")

    assert GUIDANCE not in client.get(association.get_absolute_url()).content.decode()
    assert GUIDANCE in client.get(cast.public_group.get_absolute_url()).content.decode()


def test_the_guidance_is_in_italian_for_italian_readers(cast):
    association = create_group(cast.owner, name="Avvocati", kind="association", visibility="public")
    client = cast.client("member")
    client.cookies["django_language"] = "it"

    page = client.get(association.get_absolute_url()).content.decode()

    assert "Lavorare tra concorrenti" in page
