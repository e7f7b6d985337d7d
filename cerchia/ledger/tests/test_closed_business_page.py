"""My closed business page (/ledger/closed-business/): only the entries where I am the giver
or the receiver, received / given and group filters, totals per currency for what is shown,
a link to the slip when there is one, and a fixed query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.shortcuts import resolve_url

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member
from cerchia.groups.services import create_group
from cerchia.ledger import services
from cerchia.ledger.models import ClosedBusiness
from cerchia.ledger.tests.test_referrals import TODAY, slip

URL = "/ledger/closed-business/"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def thanks(receiver: User, giver: User, cast: Cast, **kwargs: Any) -> ClosedBusiness:
    """``receiver`` thanks ``giver`` for business closed (in the cast's chapter by default)."""
    kwargs.setdefault("group", cast.group)
    kwargs.setdefault("amount_minor", 10000)
    return services.record_closed_business(receiver, giver=giver, **kwargs)


def rows(html: str) -> str:
    return html.split('id="closed-business"')[1].split("</ul>")[0]


def test_the_page_needs_a_login(client: Any, cast: Cast) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


def test_a_member_sees_only_their_own_closed_business(cast: Cast) -> None:
    recorded = thanks(cast.member, cast.leader, cast, amount_minor=12050)
    thanked = thanks(cast.leader, cast.member, cast, amount_minor=30000, kind="repeat")
    others = thanks(cast.owner, cast.leader, cast, amount_minor=77700)

    html = cast.client("member").get(URL).content.decode()

    listed = rows(html)
    assert f'id="business-{recorded.pk}"' in listed and "120.50 EUR" in listed
    assert f'id="business-{thanked.pk}"' in listed and "300.00 EUR" in listed
    assert "You thanked Leo Leader" in listed and "Leo Leader thanked you" in listed
    assert "Repeat" in listed and cast.group.name in listed
    assert f'id="business-{others.pk}"' not in html and "777.00" not in html


def test_a_group_leader_does_not_see_another_pairs_entry(cast: Cast) -> None:
    between_others = thanks(cast.member, cast.owner, cast, amount_minor=55500)
    own = thanks(cast.leader, cast.member, cast, amount_minor=1000)

    html = cast.client("leader").get(URL).content.decode()

    assert f'id="business-{own.pk}"' in html
    assert f'id="business-{between_others.pk}"' not in html and "555.00" not in html
    assert "Olivia Owner" not in rows(html)


def test_an_outsider_sees_nothing(cast: Cast) -> None:
    thanks(cast.member, cast.leader, cast)

    html = cast.client("outsider").get(URL).content.decode()

    assert 'id="business-' not in html and 'id="closed-totals"' not in html
    assert "No closed business here yet." in html


def test_received_and_given_tabs(cast: Cast) -> None:
    recorded = thanks(cast.member, cast.leader, cast)
    thanked = thanks(cast.leader, cast.member, cast)
    client = cast.client("member")

    received = rows(client.get(URL + "?direction=received").content.decode())
    given = rows(client.get(URL + "?direction=given").content.decode())
    both = rows(client.get(URL + "?direction=bogus").content.decode())

    assert (
        f'id="business-{recorded.pk}"' in received and f'id="business-{thanked.pk}"' not in received
    )
    assert f'id="business-{thanked.pk}"' in given and f'id="business-{recorded.pk}"' not in given
    assert f'id="business-{recorded.pk}"' in both and f'id="business-{thanked.pk}"' in both


def test_the_group_filter_keeps_to_one_of_my_groups(cast: Cast) -> None:
    in_chapter = thanks(cast.member, cast.leader, cast)
    informal = thanks(cast.member, cast.leader, cast, group=None, amount_minor=4200, currency="EUR")
    client = cast.client("member")

    chapter = client.get(URL + f"?group={cast.group.pk}").content.decode()
    not_mine = client.get(URL + f"?group={cast.public_group.pk}").content.decode()

    assert f'id="business-{in_chapter.pk}"' in rows(chapter)
    assert f'id="business-{informal.pk}"' not in rows(chapter)
    assert f'<option value="{cast.group.pk}" selected>' in chapter
    assert "42.00 EUR" not in chapter  # the totals follow the filter too
    # Not one of my groups: the filter is ignored, not turned into someone else's view.
    assert f'id="business-{in_chapter.pk}"' in rows(not_mine)
    assert f'id="business-{informal.pk}"' in rows(not_mine) and "Informal network" in rows(not_mine)
    assert f'<option value="{cast.public_group.pk}"' not in not_mine


def test_totals_are_per_currency_and_never_added_across(cast: Cast) -> None:
    thanks(cast.member, cast.leader, cast, amount_minor=10000)
    thanks(cast.leader, cast.member, cast, amount_minor=2550)
    thanks(cast.member, cast.leader, cast, amount_minor=5000, currency="USD")
    thanks(cast.owner, cast.leader, cast, amount_minor=90000)  # not the member's
    client = cast.client("member")

    html = client.get(URL).content.decode()
    received = client.get(URL + "?direction=received").content.decode()

    totals = html.split('id="closed-totals"')[1].split("</article>")[0]
    assert "125.50 EUR" in totals and "2 deals" in totals
    assert "50.00 USD" in totals and "1 deal" in totals
    assert "175.50" not in totals and "1,025.50" not in totals
    received_totals = received.split('id="closed-totals"')[1].split("</article>")[0]
    assert "100.00 EUR" in received_totals and "125.50" not in received_totals


def test_a_row_tied_to_a_referral_links_to_the_slip(cast: Cast) -> None:
    referral = slip(cast.leader, cast.member, cast, given_on=TODAY - datetime.timedelta(days=3))
    tied = services.record_closed_business(cast.member, referral=referral, amount_minor=8000)
    loose = thanks(cast.member, cast.leader, cast)

    html = cast.client("member").get(URL).content.decode()

    tied_row = html.split(f'id="business-{tied.pk}"')[1].split("</li>")[0]
    loose_row = html.split(f'id="business-{loose.pk}"')[1].split("</li>")[0]
    assert f'href="/ledger/referrals/{referral.pk}/"' in tied_row
    assert "/ledger/referrals/" not in loose_row


def test_the_page_is_paginated(cast: Cast) -> None:
    for i in range(32):
        thanks(cast.member, cast.leader, cast, amount_minor=100 + i)
    client = cast.client("member")

    first = client.get(URL + "?direction=received").content.decode()
    second = client.get(URL + "?direction=received&page=2").content.decode()

    assert rows(first).count('id="business-') == 30 and rows(second).count('id="business-') == 2
    assert "?direction=received&amp;page=2" in first
    assert "32 deals" in second  # the totals cover every page


def test_the_page_is_linked_from_the_ledger_home_and_the_referral_list(cast: Cast) -> None:
    client = cast.client("member")

    assert f'href="{URL}"' in client.get("/ledger/").content.decode()
    assert f'href="{URL}"' in client.get("/ledger/referrals/").content.decode()


def _many(cast: Cast, n: int, group: Any) -> None:
    for i in range(n):
        receiver, giver = (cast.member, cast.leader) if i % 2 else (cast.leader, cast.member)
        referral = slip(giver, receiver, cast) if i % 3 == 0 else None
        if referral is not None:
            services.record_closed_business(receiver, referral=referral, amount_minor=100 + i)
        else:
            thanks(receiver, giver, cast, group=group if i % 3 == 1 else None, currency="USD")


def test_the_page_costs_the_same_queries_for_few_and_many(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    second = create_group(cast.leader, name="Second Chapter", kind="lead_group")
    add_member(second, cast.member)
    client = cast.client("member")
    _many(cast, 3, second)
    with django_assert_max_num_queries(8):
        few = client.get(URL)
    _many(cast, 12, second)
    with django_assert_max_num_queries(8):
        many = client.get(URL)

    assert rows(few.content.decode()).count('id="business-') == 3
    assert rows(many.content.decode()).count('id="business-') == 15
