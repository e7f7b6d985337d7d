"""Chapter health: each finding fires on a crafted chapter and stays quiet just below its
threshold; power teams from a small referral graph; confidential prospects never shown;
leaders only; a fixed number of queries whatever the chapter's size."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import Profession
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Membership
from cerchia.insights.health import THRESHOLDS, chapter_health, power_teams
from cerchia.ledger.models import Referral

ROME = ZoneInfo("Europe/Rome")
TODAY = datetime.date(2026, 3, 10)
RECENT = TODAY - datetime.timedelta(days=10)
SECRET = ("Zelda Secretissima", "Segreto Spa", "zelda@segreto.example", "+39 051 999 0000")


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ROME), tick=False):
        yield


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=ROME)


def years_ago(years: float) -> datetime.date:
    return TODAY - datetime.timedelta(days=round(years * 365.25))


def join(group, name: str, profession: str, *, joined: datetime.date | None = None):
    """An active member holding the seat of ``profession`` since ``joined``."""
    user = make_user(f"{name.lower()}@example.org", name, profession=profession)
    membership = add_member(group, user)
    membership.seat_profession = Profession.objects.get(code=profession)
    membership.joined_at = at(joined or years_ago(1))
    membership.save()
    return user


def slips(group, giver, receiver, n: int = 1, *, day=RECENT, confidential=False, **prospect):
    Referral.objects.bulk_create(
        Referral(
            group=group,
            giver=giver,
            receiver=receiver,
            receiver_name="" if receiver else "Somebody Else",
            prospect_name=prospect.get("name", "Prospect"),
            prospect_company=prospect.get("company", ""),
            prospect_email=prospect.get("email", ""),
            prospect_phone=prospect.get("phone", ""),
            confidential=confidential,
            given_on=day,
        )
        for _ in range(n)
    )


def ids(rows) -> set[int]:
    return {row.member.user_id for row in rows}


# --- takes more than gives ---------------------------------------------------------------------


def test_a_member_who_receives_four_and_twice_what_they_give_takes_more(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, cast.member, anna, 4)
    slips(cast.group, anna, cast.member, 2)

    report = chapter_health(cast.group, TODAY)

    assert ids(report.takes_more) == {anna.pk}
    row = report.takes_more[0]
    assert (row.received, row.given) == (4, 2)
    assert row.text == "Anna (Caterer) received 4 referrals and gave 2 referrals."


def test_just_below_either_threshold_nobody_takes_more(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    slips(cast.group, cast.member, anna, 3)  # three received, none given: below 4
    slips(cast.group, cast.member, bruno, 4)
    slips(cast.group, bruno, cast.leader, 3)  # four received, three given: below 2 × 3

    report = chapter_health(cast.group, TODAY)

    assert report.takes_more == []


def test_referrals_outside_the_window_do_not_count(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, cast.member, anna, 3)
    slips(cast.group, cast.member, anna, 1, day=TODAY - datetime.timedelta(days=182))
    slips(cast.group, cast.member, anna, 1, day=TODAY - datetime.timedelta(days=181))

    report = chapter_health(cast.group, TODAY)

    assert report.start == TODAY - datetime.timedelta(days=181)
    assert ids(report.takes_more) == {anna.pk}
    assert report.takes_more[0].received == 4


# --- gives but never (or rarely) receives --------------------------------------------------------


def test_a_member_who_gives_four_and_receives_none_is_at_risk(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, anna, cast.member, 2)
    slips(cast.group, anna, cast.leader, 2)

    report = chapter_health(cast.group, TODAY)

    assert ids(report.never_receives) == {anna.pk}
    assert report.never_receives[0].text == "Anna (Caterer) gave 4 referrals and received none."
    assert report.rarely_receives == []


def test_three_given_and_none_received_is_not_yet_a_risk(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, anna, cast.member, 3)

    report = chapter_health(cast.group, TODAY)

    assert report.never_receives == []


def test_one_received_for_four_given_is_rarely_receiving(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    slips(cast.group, anna, cast.member, 8)
    slips(cast.group, cast.member, anna, 2)  # 2 × 4 = 8: rarely
    slips(cast.group, bruno, cast.member, 7)
    slips(cast.group, cast.member, bruno, 2)  # 2 × 4 = 8 > 7: not rarely

    report = chapter_health(cast.group, TODAY)

    assert ids(report.rarely_receives) == {anna.pk}
    assert report.rarely_receives[0].text == (
        "Anna (Caterer) gave 8 referrals and received only 2 referrals."
    )
    assert report.never_receives == []


# --- gives to only one or two others -------------------------------------------------------------


def test_a_member_who_gives_to_only_two_others_is_named_with_whom(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, anna, cast.member, 3)
    slips(cast.group, anna, cast.leader, 1)

    report = chapter_health(cast.group, TODAY)

    assert ids(report.gives_to_few) == {anna.pk}
    row = report.gives_to_few[0]
    assert row.receivers == 2
    assert [(m.user_id, n) for m, n in row.named_receivers] == [
        (cast.member.pk, 3),
        (cast.leader.pk, 1),
    ]
    assert row.text == (
        "Anna (Caterer) gave 4 referrals to only 2 people: "
        "Mia Member (3 referrals), Leo Leader (1 referral)."
    )


def test_referrals_to_people_outside_count_as_receivers_without_names(cast):
    anna = join(cast.group, "Anna", "caterer")
    slips(cast.group, anna, cast.member, 3)
    slips(cast.group, anna, None, 1)

    row = chapter_health(cast.group, TODAY).gives_to_few[0]

    assert (row.receivers, row.to_others) == (2, 1)
    assert "Somebody Else" not in row.text


def test_giving_to_three_people_or_only_three_referrals_is_not_narrow(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    slips(cast.group, anna, cast.member, 2)
    slips(cast.group, anna, cast.leader, 1)
    slips(cast.group, anna, bruno, 1)  # four given, three people
    slips(cast.group, bruno, cast.member, 3)  # one person, three given

    report = chapter_health(cast.group, TODAY)

    assert report.gives_to_few == []


# --- contact spheres ---------------------------------------------------------------------------


def test_spheres_with_no_member_are_missing_and_with_one_thin_with_their_open_seats(cast):
    join(cast.group, "Bruno", "caterer")

    report = chapter_health(cast.group, TODAY)
    spheres = {row.code: row for row in report.spheres}

    # Leo is a florist and Mia a wedding photographer by their cards; Bruno holds a seat.
    assert spheres["weddings_events"].state == "ok"
    assert spheres["weddings_events"].count == 3
    assert spheres["weddings_events"].open_seats == []
    # Olivia, who created the chapter, holds its accountant seat.
    finance = spheres["finance_insurance"]
    assert (finance.state, finance.count) == ("thin", 1)
    assert [m.name for m in finance.members] == ["Olivia Owner"]
    assert "Tax advisor" in finance.open_seats
    assert "Accountant" not in finance.open_seats
    legal = spheres["legal"]
    assert (legal.state, legal.count) == ("missing", 0)
    assert "Notary" in legal.open_seats
    assert report.spheres[0].count == 0  # thinnest first


def test_a_sphere_with_two_members_is_not_thin(cast):
    join(cast.group, "Anna", "tax_advisor")

    spheres = {row.code: row for row in chapter_health(cast.group, TODAY).spheres}

    assert spheres["finance_insurance"].count == 2
    assert spheres["finance_insurance"].state == "ok"
    assert spheres["finance_insurance"].open_seats == []


def test_a_profession_hidden_from_the_group_does_not_place_its_member(cast):
    profile = cast.member.profile
    profile.visibility = {"profession": "private"}
    profile.save()

    report = chapter_health(cast.group, TODAY)
    spheres = {row.code: row for row in report.spheres}

    assert spheres["weddings_events"].count == 1  # only Leo now
    assert [m.name for m in spheres["weddings_events"].members] == ["Leo Leader"]


# --- stale mix ---------------------------------------------------------------------------------


def _only_old_members(cast, n: int, *, years: float) -> None:
    """``n`` active members, all there for ``years``: Olivia, Leo, Mia and n - 3 others."""
    Membership.objects.filter(group=cast.group, status="active").update(
        joined_at=at(years_ago(years))
    )
    codes = ["caterer", "dj", "notary", "dentist", "baker", "barber", "courier", "tiler"]
    for i in range(n - 3):
        join(cast.group, f"Old{i}", codes[i], joined=years_ago(years))


def test_no_turnover_makes_the_mix_stale(cast):
    _only_old_members(cast, 10, years=2)

    stale = chapter_health(cast.group, TODAY).stale

    assert (stale.active, stale.joined_recently, stale.left_recently) == (10, 0, 0)
    assert stale.turnover == 0
    assert stale.stale is True
    assert stale.reasons[0].startswith("Only 0 joined and 0 left in the last 365 days")


def test_one_newcomer_in_ten_is_exactly_the_turnover_limit_and_not_stale(cast):
    _only_old_members(cast, 9, years=2)
    join(cast.group, "Newbie", "plumber", joined=TODAY - datetime.timedelta(days=100))

    stale = chapter_health(cast.group, TODAY).stale

    assert stale.turnover == 0.1
    assert stale.stale is False


def test_members_who_left_count_toward_turnover(cast):
    _only_old_members(cast, 10, years=2)
    for i, code in enumerate(["electrician", "gardener"]):
        gone = join(cast.group, f"Gone{i}", code, joined=years_ago(2))
        Membership.objects.filter(group=cast.group, user=gone).update(
            status="left", left_at=at(TODAY - datetime.timedelta(days=30 + i * 400))
        )

    one_left = chapter_health(cast.group, TODAY).stale  # the second left over a year ago

    assert one_left.left_recently == 1
    assert one_left.turnover == round(1 / 11, 4)
    assert one_left.stale is True

    Membership.objects.filter(group=cast.group, user__profile__display_name="Gone1").update(
        left_at=at(TODAY - datetime.timedelta(days=60))
    )
    two_left = chapter_health(cast.group, TODAY).stale

    assert two_left.left_recently == 2
    assert two_left.turnover == round(2 / 12, 4)
    assert two_left.stale is False


def test_professions_held_for_more_than_three_years_make_the_mix_stale(cast):
    _only_old_members(cast, 8, years=4)
    join(cast.group, "New1", "plumber", joined=TODAY - datetime.timedelta(days=30))
    join(cast.group, "New2", "electrician", joined=TODAY - datetime.timedelta(days=60))

    stale = chapter_health(cast.group, TODAY).stale

    assert stale.turnover == 0.2  # turnover alone is fine
    assert stale.median_years == 4.0
    assert stale.stale is True
    assert stale.reasons == [
        "Half the members have held their profession here for more than 4.0 years (the limit is 3)."
    ]


def test_three_years_or_less_is_not_stale(cast):
    _only_old_members(cast, 8, years=2.9)
    join(cast.group, "New1", "plumber", joined=TODAY - datetime.timedelta(days=30))
    join(cast.group, "New2", "electrician", joined=TODAY - datetime.timedelta(days=60))

    stale = chapter_health(cast.group, TODAY).stale

    assert stale.stale is False
    assert stale.reasons == []


# --- power teams ------------------------------------------------------------------------------


@pytest.fixture
def wedding_graph(cast):
    """Anna (florist) and Bruno (caterer) pass each other business; Carla (wedding planner)
    sends both the same clients; Dario and Elena exchanged one referral."""
    group = cast.group
    people = {
        "anna": join(group, "Anna", "florist"),
        "bruno": join(group, "Bruno", "caterer"),
        "carla": join(group, "Carla", "wedding_planner"),
        "dario": join(group, "Dario", "plumber"),
        "elena": join(group, "Elena", "dentist"),
    }
    # Leo's florist card would clash with Anna's seat: make him a notary for this graph.
    profile = cast.leader.profile
    profile.profession = Profession.objects.get(code="notary")
    profile.save()
    anna, bruno, carla = people["anna"], people["bruno"], people["carla"]
    slips(group, anna, bruno, 5)
    slips(group, bruno, anna, 4)
    slips(group, carla, anna, 1, company="Villa Rosa")
    slips(group, carla, bruno, 1, company="villa rosa ", email="sposi@villarosa.example")
    slips(group, carla, bruno, 1, email="SPOSI@villarosa.example")
    slips(group, people["dario"], people["elena"], 1)
    return people


def test_a_power_team_grows_from_the_strongest_exchange(cast, wedding_graph):
    teams = chapter_health(cast.group, TODAY).power_teams

    assert len(teams) == 1
    team = teams[0]
    assert [m.name for m in team.members] == ["Anna", "Bruno", "Carla"]
    assert team.sphere == "Weddings & events"
    assert team.reasons[0] == (
        "Anna (Florist) and Bruno (Caterer) exchanged 9 referrals; both serve "
        "Weddings & events; they share 1 client"
    )
    assert any(
        r.startswith("Bruno (Caterer) and Carla (Wedding planner) exchanged 2")
        for r in team.reasons
    )
    # Open seats of the sphere, never one the team holds.
    assert len(team.missing) == 3
    assert not {"Florist", "Caterer", "Wedding planner"} & set(team.missing)
    assert team.missing_text.startswith("To complete it, invite: ")


def test_power_teams_are_deterministic(cast, wedding_graph):
    first = chapter_health(cast.group, TODAY).as_dict()["power_teams"]
    second = chapter_health(cast.group, TODAY).as_dict()["power_teams"]

    assert first == second


def test_one_referral_each_way_starts_no_team(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    carla = join(cast.group, "Carla", "wedding_planner")
    slips(cast.group, anna, bruno, 1)
    slips(cast.group, carla, anna, 1)

    assert chapter_health(cast.group, TODAY).power_teams == []


def test_a_pair_without_a_third_is_no_team(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "notary")
    slips(cast.group, anna, bruno, 6)

    assert chapter_health(cast.group, TODAY).power_teams == []


def test_a_team_stops_at_five_and_the_rest_may_form_another(cast):
    from cerchia.insights.health import Member

    members = {uid: Member(uid, f"M{uid}", "", None, None, "", None) for uid in range(1, 9)}
    # A clique of 1..6 exchanging 4 referrals per pair; 7 and 8 only with each other.
    pairs = {(a, b): 4 for a in range(1, 7) for b in range(1, 7) if a < b}
    pairs[(7, 8)] = 2

    teams = power_teams(members, pairs, {}, {}, THRESHOLDS)

    assert [[m.user_id for m in team.members] for team in teams] == [[1, 2, 3, 4, 5]]


def test_a_team_is_not_a_chain_of_pairs(cast):
    from cerchia.insights.health import Member

    members = {uid: Member(uid, f"M{uid}", "", None, None, "", None) for uid in range(1, 6)}
    # 1–2, 2–3, 3–4, 4–5 exchanged 5 referrals each, and nothing else.
    pairs = {(a, a + 1): 5 for a in range(1, 5)}

    teams = power_teams(members, pairs, {}, {}, THRESHOLDS)

    # 3 joins 1–2 through 2 (half of two); 4 knows only 3 of the three; 4–5 find no third.
    assert [[m.user_id for m in team.members] for team in teams] == [[1, 2, 3]]


# --- confidentiality ---------------------------------------------------------------------------


def test_confidential_referrals_count_but_their_prospects_never_show(cast, frozen):
    anna = join(cast.group, "Anna", "caterer")
    name, company, email, phone = SECRET
    slips(
        cast.group,
        anna,
        cast.member,
        4,
        confidential=True,
        name=name,
        company=company,
        email=email,
        phone=phone,
    )
    slips(cast.group, cast.member, anna, 2, name="Open Prospect", company="Open Co")

    report = chapter_health(cast.group, TODAY)
    page = cast.client("leader").get(f"/groups/{cast.group.slug}/health/")
    api = cast.api("leader").get(f"/api/v1/groups/{cast.group.pk}/health")

    assert (report.referrals, report.confidential) == (6, 4)
    assert ids(report.never_receives) == set()
    assert ids(report.gives_to_few) == {anna.pk}  # the 4 confidential ones count
    few = report.gives_to_few[0]
    assert (few.given, few.receivers, few.confidential) == (4, 1, 4)
    assert few.named_receivers == []  # ... but to whom they went is not shown
    assert few.text == "Anna (Caterer) gave 4 referrals, all to 1 person: 4 confidential referrals."
    assert page.status_code == 200 and api.status_code == 200
    for text in (page.content.decode(), api.content.decode()):
        for secret in (*SECRET, "Open Prospect", "Open Co"):
            assert secret not in text
    assert "4 confidential, only counted" in page.content.decode()
    assert api.json()["confidential_referrals"] == 4
    assert api.json()["gives_to_few"][0]["confidential"] == 4
    assert api.json()["gives_to_few"][0]["named_receivers"] == []


def test_confidential_exchanges_draw_no_power_team(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    carla = join(cast.group, "Carla", "wedding_planner")
    slips(cast.group, anna, bruno, 5, confidential=True)
    slips(cast.group, bruno, carla, 3, confidential=True)

    report = chapter_health(cast.group, TODAY)

    assert report.power_teams == []
    assert report.referrals == 8


def test_shared_clients_only_come_from_non_confidential_referrals(cast):
    anna = join(cast.group, "Anna", "caterer")
    bruno = join(cast.group, "Bruno", "dj")
    carla = join(cast.group, "Carla", "wedding_planner")
    slips(cast.group, anna, bruno, 3)
    slips(cast.group, carla, anna, 2)
    slips(cast.group, carla, bruno, 1)
    slips(cast.group, carla, anna, 1, confidential=True, company="Secret Client")
    slips(cast.group, carla, bruno, 1, confidential=True, company="Secret Client")

    teams = chapter_health(cast.group, TODAY).power_teams

    assert [m.name for m in teams[0].members] == ["Anna", "Bruno", "Carla"]
    assert all("share" not in reason for reason in teams[0].reasons)


# --- the page, the API and who may see them ----------------------------------------------------


def test_leaders_see_every_section_on_the_page(cast, frozen, wedding_graph):
    response = cast.client("leader").get(f"/groups/{cast.group.slug}/health/")

    assert response.status_code == 200
    html = response.content.decode()
    for section in ("takes-more", "never-receive", "gives-to-few", "spheres", "mix", "power-teams"):
        assert f'id="{section}"' in html
    assert "Anna (Florist) and Bruno (Caterer) exchanged 9 referrals" in html
    assert "<svg" in html and 'class="table-wrap"' in html


def test_an_empty_chapter_shows_empty_states(cast, frozen):
    html = cast.client("leader").get(f"/groups/{cast.group.slug}/health/").content.decode()

    assert "Nobody takes much more than they give." in html
    assert "No suggestion yet" in html


def test_organisation_administrators_see_their_chapters_health(cast, frozen):
    assert cast.client("owner").get(f"/groups/{cast.group.slug}/health/").status_code == 200


def test_outsiders_get_404_and_members_403(cast, frozen):
    url = f"/groups/{cast.group.slug}/health/"

    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("member").get(url).status_code == 403
    assert cast.client("visitor").get(url).status_code == 403


def test_the_api_answers_leaders_only(cast, frozen, wedding_graph):
    url = f"/api/v1/groups/{cast.group.pk}/health"

    assert cast.api("outsider").get(url).status_code == 404
    denied = cast.api("member").get(url)
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Only the group's leaders see its health."}
    body = cast.api("leader").get(url).json()
    assert body["from"] == "2025-09-10" and body["to"] == "2026-03-10"
    assert body["thresholds"]["window_days"] == 182
    assert [m["name"] for m in body["power_teams"][0]["members"]] == ["Anna", "Bruno", "Carla"]
    assert {s["code"]: s["state"] for s in body["spheres"]}["automotive"] == "missing"


def test_the_group_page_links_leaders_to_the_health_page(cast, frozen):
    url = f"/groups/{cast.group.slug}/"

    assert 'id="health-link"' in cast.client("leader").get(url).content.decode()
    assert 'id="health-link"' not in cast.client("member").get(url).content.decode()


# --- queries --------------------------------------------------------------------------------------


def _grow(cast, first: int, last: int) -> None:
    """Members ``first``..``last - 1`` (each in a seat of their own), each giving to the next
    and to Mia."""
    codes = list(
        Profession.objects.exclude(code__in=["florist", "wedding_photographer", "accountant"])
        .order_by("code")
        .values_list("code", flat=True)[first:last]
    )
    people = [join(cast.group, f"P{first + i}", code) for i, code in enumerate(codes)]
    for i, person in enumerate(people):
        slips(cast.group, person, people[(i + 1) % len(people)], 3, company=f"Client {i}")
        slips(cast.group, person, cast.member, 1, company=f"Client {i}")


def _queries(cast) -> int:
    with CaptureQueriesContext(connection) as ctx:
        chapter_health(cast.group, TODAY)
    return len(ctx.captured_queries)


def test_the_report_takes_as_many_queries_for_thirty_members_as_for_four(cast):
    _grow(cast, 0, 4)
    small = _queries(cast)
    _grow(cast, 4, 30)

    assert _queries(cast) == small


def test_the_page_stays_within_a_fixed_number_of_queries(
    cast, frozen, django_assert_max_num_queries
):
    _grow(cast, 0, 20)
    client = cast.client("leader")

    with django_assert_max_num_queries(20):
        assert client.get(f"/groups/{cast.group.slug}/health/").status_code == 200
