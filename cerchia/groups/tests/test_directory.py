"""The group member directory: the good-standing badge, enhanced listings by tier, lapsed
members as the rules say, and only the fields each viewer may see — also through filters."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import Connection
from cerchia.conftest import add_member, make_user
from cerchia.dues.models import Invoice, Tier
from cerchia.dues.services import bill_fee, create_tier
from cerchia.groups.models import Group
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import API, api_client, make_people, page_client

TODAY = datetime.date(2026, 3, 15)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


def days(n):
    return TODAY + datetime.timedelta(days=n)


def person(email, name, *, profession="florist", city="", visibility=None, **card):
    user = make_user(email, name, profession=profession)
    profile = user.profile
    profile.city = city
    profile.visibility = visibility or {}
    for field, value in card.items():
        setattr(profile, field, value)
    profile.save()
    return user


@pytest.fixture
def chamber(cast):
    """A public chamber (grace 30 days) with a member for each standing."""
    chamber = create_group(
        cast.owner, name="Camera Test", kind="chamber", visibility="public", join_policy="request"
    )
    basic = create_tier(chamber, actor=cast.owner, name="Ordinary", dues_minor=10000, period="year")
    enhanced = create_tier(
        chamber,
        actor=cast.owner,
        name="Sponsor",
        dues_minor=50000,
        period="year",
        listing="enhanced",
    )

    def join(user, tier, expires_on, **fields):
        membership = add_member(chamber, user)
        membership.tier = tier
        membership.expires_on = expires_on
        for field, value in fields.items():
            setattr(membership, field, value)
        membership.save()
        return membership

    people = {
        "paid": join(person("paid@example.org", "Paola Paid", city="Imola"), basic, days(100)),
        "grace": join(person("grace@example.org", "Gino Grace"), basic, days(-10)),
        "lapsed": join(person("lapsed@example.org", "Lara Lapsed"), basic, days(-40)),
        "overdue": join(person("overdue@example.org", "Otto Overdue"), basic, days(100)),
        "pending": join(person("pending@example.org", "Pia Pending"), basic, None),
        "free": join(person("free@example.org", "Franco Free"), None, None),
        "associate": join(
            person("assoc@example.org", "Anna Associate"), None, None, category="associate"
        ),
        "enhanced": join(
            person(
                "enh@example.org",
                "Zeno Enhanced",
                profession="caterer",
                city="Faenza",
                company="Zeno Catering",
                bio="Weddings and banquets",
                website="https://zeno.example.org",
                offers=["banquets"],
            ),
            enhanced,
            days(200),
        ),
    }
    bill_fee(
        people["overdue"],
        actor=cast.owner,
        amount_minor=2500,
        description="Gala dinner",
        due_on=days(-40),
        today=days(-50),
    )
    add_member(chamber, cast.member)
    return chamber


def stay_listed(group):
    group.rule_overrides = {**group.rule_overrides, "lapsed_stay_listed": True}
    group.save()


def entries(response):
    assert response.status_code == 200, response.content
    return {item["display_name"]: item for item in response.json()["items"]}


def url(group, query=""):
    return f"{API}/{group.pk}/directory{query}"


def test_the_badge_follows_good_standing(cast, chamber):
    stay_listed(chamber)

    listed = entries(Client().get(url(chamber)))

    badge = {name: item["in_good_standing"] for name, item in listed.items()}
    assert badge == {
        "Zeno Enhanced": True,
        "Paola Paid": True,
        "Gino Grace": True,  # expired 10 days ago, within the 30 grace days
        "Lara Lapsed": False,  # expired 40 days ago
        "Otto Overdue": False,  # paid up, but a fee is unpaid beyond the grace days
        "Pia Pending": False,  # the first dues are not paid yet
        "Franco Free": True,  # no tier: nothing to pay
        "Anna Associate": True,
        "Olivia Owner": True,
        "Mia Member": True,
    }


def test_lapsed_members_leave_the_directory_by_default(cast, chamber):
    listed = entries(Client().get(url(chamber)))

    assert "Lara Lapsed" not in listed
    assert "Otto Overdue" not in listed
    assert {"Gino Grace", "Pia Pending", "Paola Paid"} <= set(listed)
    assert Client().get(url(chamber)).json()["count"] == 8


def test_lapsed_members_stay_without_the_badge_where_the_rules_say(cast, chamber):
    stay_listed(chamber)

    listed = entries(Client().get(url(chamber)))

    assert listed["Lara Lapsed"]["in_good_standing"] is False
    assert listed["Otto Overdue"]["in_good_standing"] is False


def test_paying_the_overdue_fee_brings_the_member_back(cast, chamber):
    invoice = Invoice.objects.get(membership__user__email="overdue@example.org")
    invoice.status = Invoice.Status.PAID
    invoice.save()

    listed = entries(Client().get(url(chamber)))

    assert listed["Otto Overdue"]["in_good_standing"] is True


def test_enhanced_listings_come_first_with_more_of_the_card(cast, chamber):
    items = Client().get(url(chamber)).json()["items"]

    assert items[0]["display_name"] == "Zeno Enhanced"
    assert items[0]["listing"] == "enhanced"
    assert items[0]["company"] == "Zeno Catering"
    assert items[0]["website"] == "https://zeno.example.org"
    # The rest by name, basic listings.
    rest = [item["display_name"] for item in items[1:]]
    assert rest == sorted(rest)
    assert {item["listing"] for item in items[1:]} == {"basic"}


def test_a_basic_listing_shows_name_profession_and_place_only(cast, chamber):
    profile = chamber.memberships.get(user__email="paid@example.org").user.profile
    profile.company = "Paid & Co"  # public by default, but not on a basic listing
    profile.bio = "Flowers"
    profile.save()

    paid = entries(cast.api("member").get(url(chamber)))["Paola Paid"]

    assert set(paid) == {
        "user_id",
        "display_name",
        "in_good_standing",
        "category",
        "listing",
        "profession",
        "place",
    }
    assert paid["profession"]["code"] == "florist"
    assert paid["place"] == "Imola"


def test_an_enhanced_listing_ends_with_good_standing(cast, chamber):
    stay_listed(chamber)
    enhanced = chamber.memberships.get(user__email="enh@example.org")
    enhanced.expires_on = days(-60)
    enhanced.save()

    listed = entries(Client().get(url(chamber)))

    assert listed["Zeno Enhanced"]["listing"] == "basic"
    assert "company" not in listed["Zeno Enhanced"]


def test_anonymous_visitors_see_only_public_fields(cast, chamber):
    listed = entries(Client().get(url(chamber)))

    zeno = listed["Zeno Enhanced"]
    assert zeno["company"] == "Zeno Catering"  # public by default
    assert zeno["profession"]["code"] == "caterer"
    # City, bio and offers are for members of Zeno's groups: absent, not null.
    assert "place" not in zeno
    assert "bio" not in zeno
    assert "offers" not in zeno
    assert "phone" not in zeno and "email" not in zeno
    assert "place" not in listed["Paola Paid"]


def test_a_fellow_member_sees_group_level_fields(cast, chamber):
    listed = entries(cast.api("member").get(url(chamber)))

    zeno = listed["Zeno Enhanced"]
    assert zeno["place"] == "Faenza"
    assert zeno["bio"] == "Weddings and banquets"
    assert zeno["offers"] == ["banquets"]
    assert "phone" not in zeno and "email" not in zeno  # private by default


def test_associates_are_marked(cast, chamber):
    listed = entries(Client().get(url(chamber)))
    page = Client().get(f"/groups/{chamber.slug}/directory/").content.decode()

    assert listed["Anna Associate"]["category"] == "associate"
    assert listed["Paola Paid"]["category"] == "full"
    assert page.count("Associate member") == 1


def test_people_whose_name_is_hidden_are_not_listed(cast, chamber):
    shy = person("shy@example.org", "Sara Shy", visibility={"display_name": "connections"})
    add_member(chamber, shy)
    Connection.objects.create(owner=shy, other=cast.outsider)

    assert "Sara Shy" not in entries(Client().get(url(chamber)))
    assert "Sara Shy" not in entries(cast.api("member").get(url(chamber)))
    assert "Sara Shy" in entries(cast.api("outsider").get(url(chamber)))
    assert Client().get(url(chamber, "?q=sara")).json()["count"] == 0


def test_search_by_name(cast, chamber):
    response = Client().get(url(chamber, "?q=ZENO"))

    assert list(entries(response)) == ["Zeno Enhanced"]
    assert response.json()["count"] == 1


def test_filters_by_profession_sphere_and_place(cast, chamber):
    client = cast.api("member")

    assert list(entries(client.get(url(chamber, "?profession=caterer")))) == ["Zeno Enhanced"]
    assert set(entries(client.get(url(chamber, "?place=imola")))) == {"Paola Paid"}
    by_sphere = entries(client.get(url(chamber, "?sphere=weddings_events")))
    assert {"Zeno Enhanced", "Paola Paid", "Mia Member"} <= set(by_sphere)
    assert "Olivia Owner" not in by_sphere  # an accountant


def test_filters_do_not_reveal_hidden_professions_or_places(cast, chamber):
    hidden = person(
        "hidden@example.org",
        "Hugo Hidden",
        profession="plumber",
        city="Lugo",
        visibility={"profession": "groups"},
    )
    add_member(chamber, hidden)

    for client in (Client(), cast.api("outsider")):
        assert client.get(url(chamber, "?profession=plumber")).json()["count"] == 0
        assert client.get(url(chamber, "?sphere=trades_construction")).json()["count"] == 0
        assert client.get(url(chamber, "?place=lugo")).json()["count"] == 0
        assert client.get(url(chamber, "?place=imola")).json()["count"] == 0
        listed = entries(client.get(url(chamber)))
        assert "profession" not in listed["Hugo Hidden"] and "place" not in listed["Hugo Hidden"]
    # A fellow member may see both, and so find Hugo by them.
    member = cast.api("member")
    assert list(entries(member.get(url(chamber, "?profession=plumber")))) == ["Hugo Hidden"]
    assert list(entries(member.get(url(chamber, "?place=lugo")))) == ["Hugo Hidden"]


def test_an_organisation_administrator_outside_the_chapter_cannot_filter_by_hidden_places(cast):
    # Runs the chapter from the organisation above, but shares no group with its members, so
    # their cards show the public fields only: the filters must match no more than that.
    admin = make_user("regional@example.org", "Rita Regional")
    add_member(cast.organisation, admin, role="administrator")
    cast.member.profile.city = "Imola"
    cast.member.profile.save()
    client = api_client(admin)

    directory = client.get(f"{API}/{cast.group.pk}/directory?place=imola")
    members = client.get(f"{API}/{cast.group.pk}/members?place=imola")

    assert directory.status_code == 200 and directory.json()["count"] == 0
    assert members.status_code == 200 and members.json()["count"] == 0
    fellow = cast.api("leader").get(f"{API}/{cast.group.pk}/directory?place=imola")
    assert list(entries(fellow)) == ["Mia Member"]


def test_outsiders_get_404_for_a_private_group(cast):
    for client in (Client(), cast.client("outsider")):
        assert client.get(f"/groups/{cast.group.slug}/directory/").status_code == 404
    for client in (Client(), cast.api("outsider")):
        response = client.get(f"{API}/{cast.group.pk}/directory")
        assert response.status_code == 404
        assert "detail" in response.json()
    assert "items" not in cast.api("outsider").get(f"{API}/{cast.group.pk}/directory").json()


def test_members_only_directory_is_closed_to_non_members(cast):
    org = cast.organisation  # visible to anyone signed in, members listed for members only
    assert cast.client("outsider").get(f"/groups/{org.slug}/directory/").status_code == 403
    response = cast.api("outsider").get(f"{API}/{org.pk}/directory")
    assert response.status_code == 403 and "detail" in response.json()
    assert Client().get(f"{API}/{org.pk}/directory").status_code == 404
    assert cast.api("owner").get(f"{API}/{org.pk}/directory").status_code == 200


def test_members_of_a_private_group_see_its_directory(cast):
    response = cast.client("member").get(f"/groups/{cast.group.slug}/directory/")

    assert response.status_code == 200
    names = [e["display_name"] for e in response.context["entries"]]
    assert names == ["Leo Leader", "Mia Member", "Olivia Owner"]  # not the applicant
    assert "Victor Visitor" not in response.content.decode()


def test_an_informal_network_has_no_directory(cast):
    network = Group.objects.get(kind="informal", owner=cast.member)

    assert cast.client("member").get(f"/groups/{network.slug}/directory/").status_code == 404
    assert cast.api("member").get(f"{API}/{network.pk}/directory").status_code == 404


def test_the_page_shows_badges_and_enhanced_cards(cast, chamber):
    response = Client().get(f"/groups/{chamber.slug}/directory/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("Member in good standing") == 7  # all but Pia Pending
    assert "Pia Pending" in html
    assert "Lara Lapsed" not in html
    assert html.index("Zeno Enhanced") < html.index("Anna Associate")
    assert "Zeno Catering" in html and "https://zeno.example.org" in html
    assert "Weddings and banquets" not in html  # for members of Zeno's groups only
    assert "Faenza" not in html


def test_the_page_filters_with_htmx(cast, chamber):
    response = cast.client("member").get(
        f"/groups/{chamber.slug}/directory/?place=faenza", headers=HTMX
    )

    assert [t.name for t in response.templates][0] == "groups/_member_directory_results.html"
    html = response.content.decode()
    assert "<html" not in html
    assert "Zeno Enhanced" in html and "Paola Paid" not in html


def test_the_group_page_links_to_the_directory(cast, chamber):
    html = Client().get(chamber.get_absolute_url()).content.decode()

    assert f"/groups/{chamber.slug}/directory/" in html
    private = cast.client("member").get(cast.group.get_absolute_url()).content.decode()
    assert f"/groups/{cast.group.slug}/directory/" in private


def test_the_page_paginates_keeping_the_filters(cast, chamber):
    for user in make_people(31, prefix="many"):
        add_member(chamber, user)

    first = Client().get(f"/groups/{chamber.slug}/directory/?q=many")
    second = Client().get(f"/groups/{chamber.slug}/directory/?q=many&page=2")

    assert first.context["page"].paginator.count == 31
    assert len(first.context["entries"]) == 30
    assert "?q=many&amp;page=2" in first.content.decode()
    assert [e["display_name"] for e in second.context["entries"]] == ["Many 030"]


def queries_for(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured), response


def grow(group, count, prefix):
    tier = Tier.objects.filter(group=group).first()
    for i, user in enumerate(make_people(count, prefix=prefix)):
        membership = add_member(group, user)
        if tier and i % 2:
            membership.tier = tier
            membership.expires_on = days(30 - i * 5)  # some paid up, some in grace, some lapsed
            membership.save()
        Connection.objects.create(owner=user, other=group.owner)


@pytest.fixture
def big(cast):
    """A public chamber with a tier, its owner its only member so far."""
    group = create_group(
        cast.owner, name="Big Chamber", kind="chamber", visibility="public", join_policy="open"
    )
    create_tier(group, actor=cast.owner, name="Sponsor", dues_minor=1, period="year")
    stay_listed(group)
    return group


@pytest.mark.parametrize("who", [None, "owner"])
def test_page_queries_do_not_grow_with_members(cast, big, who, django_assert_max_num_queries):
    client = cast.client(who) if who else Client()
    address = f"/groups/{big.slug}/directory/"
    grow(big, 4, "five")
    client.get(address)  # warm up the session
    small, response = queries_for(client, address)
    assert response.context["page"].paginator.count == 5

    grow(big, 25, "thirty")

    with django_assert_max_num_queries(small):
        response = client.get(address)
    assert response.context["page"].paginator.count == 30
    assert len(response.context["entries"]) == 30


@pytest.mark.parametrize("who", [None, "owner"])
def test_api_queries_do_not_grow_with_members(cast, big, who, django_assert_max_num_queries):
    group = big
    grow(group, 4, "five")
    client = cast.api(who) if who else Client()
    address = f"{API}/{group.pk}/directory?limit=100"
    client.get(address)  # the first call records when the token was last used
    small, response = queries_for(client, address)
    assert response.json()["count"] == 5

    grow(group, 25, "thirty")

    with django_assert_max_num_queries(small):
        response = client.get(address)
    assert response.json()["count"] == 30
    assert len(response.json()["items"]) == 30


def test_the_page_and_the_api_list_the_same_members_in_the_same_order(cast, chamber):
    page = page_client(cast.member).get(f"/groups/{chamber.slug}/directory/")
    api = cast.api("member").get(url(chamber, "?limit=100"))

    assert [e["display_name"] for e in page.context["entries"]] == [
        item["display_name"] for item in api.json()["items"]
    ]
