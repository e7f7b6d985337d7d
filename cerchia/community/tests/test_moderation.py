"""Flags hide a post at N distinct flaggers; moderators decide, hide, show and silence; the
queue page and API for moderators only."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from cerchia.accounts.services import create_api_token
from cerchia.audit.models import AuditEntry
from cerchia.community import moderation
from cerchia.community.errors import CommunityError
from cerchia.community.models import Flag, Post, Trust
from cerchia.community.tests.safety_helpers import community, member_at, reply_by, topic_by
from cerchia.notices.models import Notice


@pytest.fixture
def scene(cast):
    group = community(cast.owner)
    author = member_at(group, "author@example.org", 1)
    topic = topic_by(author, group, title="Cheap watches")
    post = reply_by(author, topic, body="Buy cheap watches at spam.example")
    flaggers = [member_at(group, f"f{i}@example.org", 1) for i in range(4)]
    return {"group": group, "author": author, "post": post, "flaggers": flaggers}


def _hidden(post):
    return Post.objects.get(pk=post.pk).hidden


def test_two_flags_do_not_hide_a_post_three_do(cast, scene):
    post, flaggers = scene["post"], scene["flaggers"]
    moderation.flag_post(post, flagger=flaggers[0], reason="spam")
    moderation.flag_post(post, flagger=flaggers[1], reason="inappropriate", note="Ads")

    assert _hidden(post) == ""
    assert not Notice.objects.filter(kind="community.post_hidden").exists()

    moderation.flag_post(post, flagger=flaggers[2], reason="spam")

    assert _hidden(post) == Post.Hidden.FLAGS
    notice = Notice.objects.get(kind="community.post_hidden")
    assert notice.user == cast.owner
    assert notice.url == f"/groups/{scene['group'].slug}/moderation/"


def test_the_same_member_twice_counts_once(scene):
    post, flaggers = scene["post"], scene["flaggers"]
    moderation.flag_post(post, flagger=flaggers[0], reason="spam")
    moderation.flag_post(post, flagger=flaggers[1], reason="spam")

    with pytest.raises(CommunityError, match="already flagged"):
        moderation.flag_post(post, flagger=flaggers[1], reason="off_topic")

    assert Flag.objects.filter(post=post).count() == 2
    assert _hidden(post) == ""


def test_the_threshold_is_a_group_rule(cast):
    group = community(cast.owner, name="Touchy", flags_to_hide_post=1)
    author = member_at(group, "a@example.org", 1)
    flagger = member_at(group, "f@example.org", 1)
    post = reply_by(author, topic_by(author, group))

    moderation.flag_post(post, flagger=flagger, reason="off_topic")

    assert _hidden(post) == Post.Hidden.FLAGS


def test_refused_flags_save_nothing(cast, scene):
    post, author = scene["post"], scene["author"]
    newbie = member_at(scene["group"], "new@example.org", None)

    with pytest.raises(CommunityError, match="your own post"):
        moderation.flag_post(post, flagger=author, reason="spam")
    with pytest.raises(CommunityError, match="Choose a reason"):
        moderation.flag_post(post, flagger=scene["flaggers"][0], reason="boring")
    with pytest.raises(CommunityError, match="Tell the moderators"):
        moderation.flag_post(post, flagger=scene["flaggers"][0], reason="other")
    with pytest.raises(CommunityError, match="Only members"):
        moderation.flag_post(post, flagger=cast.outsider, reason="spam")
    with pytest.raises(CommunityError, match="trust level 1"):
        moderation.flag_post(post, flagger=newbie, reason="spam")

    assert not Flag.objects.exists()


def _flag_three(scene):
    for flagger in scene["flaggers"][:3]:
        moderation.flag_post(scene["post"], flagger=flagger, reason="spam")


def test_agree_keeps_it_hidden_and_resolves_every_flag(cast, scene):
    _flag_three(scene)

    resolved = moderation.decide_flags(scene["post"], actor=cast.owner, decision="agree")

    assert resolved == 3
    assert _hidden(scene["post"]) == Post.Hidden.MODERATOR
    assert set(Flag.objects.values_list("decision", flat=True)) == {"agreed"}
    assert set(Flag.objects.values_list("decided_by", flat=True)) == {cast.owner.pk}
    assert AuditEntry.objects.filter(action="community.flags.decided").count() == 1


def test_disagree_shows_it_again(cast, scene):
    _flag_three(scene)

    moderation.decide_flags(scene["post"], actor=cast.owner, decision="disagree")

    assert _hidden(scene["post"]) == ""
    assert set(Flag.objects.values_list("decision", flat=True)) == {"disagreed"}
    assert list(moderation.moderation_queue(scene["group"])) == []


def test_defer_closes_the_flags_and_shows_the_post(cast, scene):
    _flag_three(scene)

    moderation.decide_flags(scene["post"], actor=cast.owner, decision="defer")

    assert _hidden(scene["post"]) == ""
    assert set(Flag.objects.values_list("decision", flat=True)) == {"deferred"}


def test_no_decision_without_open_flags_or_by_a_member(cast, scene):
    with pytest.raises(CommunityError, match="no flags waiting"):
        moderation.decide_flags(scene["post"], actor=cast.owner, decision="agree")
    _flag_three(scene)
    with pytest.raises(PermissionDenied):
        moderation.decide_flags(scene["post"], actor=scene["flaggers"][3], decision="disagree")
    with pytest.raises(CommunityError, match="agree, disagree or defer"):
        moderation.decide_flags(scene["post"], actor=cast.owner, decision="maybe")

    assert _hidden(scene["post"]) == Post.Hidden.FLAGS
    assert set(Flag.objects.values_list("decision", flat=True)) == {""}


def test_moderators_hide_and_show_a_post(cast, scene):
    moderation.hide_post(scene["post"], actor=cast.owner)
    assert _hidden(scene["post"]) == Post.Hidden.MODERATOR

    moderation.unhide_post(scene["post"], actor=cast.owner)
    assert _hidden(scene["post"]) == ""
    with pytest.raises(CommunityError, match="not hidden"):
        moderation.unhide_post(scene["post"], actor=cast.owner)


def test_silence_and_unsilence(cast, scene):
    author, group = scene["author"], scene["group"]
    until = timezone.now() + datetime.timedelta(days=7)

    moderation.silence_member(author, group, actor=cast.owner, until=until, reason="Spam")

    row = Trust.objects.get(group=group, user=author)
    assert row.silenced_until == until and row.silenced_reason == "Spam"
    assert Notice.objects.filter(user=author, kind="community.silenced").exists()
    moderation.unsilence_member(author, group, actor=cast.owner)
    assert Trust.objects.get(group=group, user=author).silenced_until is None


def test_silencing_refuses_bad_input_and_changes_nothing(cast, scene):
    author, group = scene["author"], scene["group"]
    soon = timezone.now() + datetime.timedelta(days=1)

    with pytest.raises(CommunityError, match="reason"):
        moderation.silence_member(author, group, actor=cast.owner, until=soon, reason=" ")
    with pytest.raises(CommunityError, match="future"):
        moderation.silence_member(author, group, actor=cast.owner, until=timezone.now(), reason="x")
    with pytest.raises(CommunityError, match="yourself"):
        moderation.silence_member(cast.owner, group, actor=cast.owner, until=soon, reason="x")
    with pytest.raises(CommunityError, match="Only members"):
        moderation.silence_member(cast.outsider, group, actor=cast.owner, until=soon, reason="x")

    assert Trust.objects.get(group=group, user=author).silenced_until is None


# --- Pages and API ------------------------------------------------------------------------


def test_queue_page_lists_flagged_posts_with_reasons_and_counts(
    cast, scene, django_assert_max_num_queries
):
    group = scene["group"]
    _flag_three(scene)
    for i in range(4):
        other = reply_by(scene["author"], scene["post"].topic, body=f"More spam {i}")
        moderation.flag_post(other, flagger=scene["flaggers"][i % 4], reason="off_topic")
    client = cast.client("owner")

    with django_assert_max_num_queries(16):
        response = client.get(f"/groups/{group.slug}/moderation/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('id="post-') == 5
    assert "3 flags" in html and "Spam" in html and "Off-topic" in html


def test_queue_decision_by_form(cast, scene):
    _flag_three(scene)
    url = f"/groups/{scene['group'].slug}/moderation/posts/{scene['post'].pk}/"

    response = cast.client("owner").post(url, {"action": "disagree"})

    assert response.status_code == 302
    assert _hidden(scene["post"]) == ""


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_queue_is_for_moderators_only(cast, scene, who):
    group = scene["group"]
    _flag_three(scene)
    if who == "outsider":
        client = cast.client("outsider")
    else:
        client = Client()
        client.force_login(scene["flaggers"][0])
    pages = [
        client.get(f"/groups/{group.slug}/moderation/"),
        client.post(
            f"/groups/{group.slug}/moderation/posts/{scene['post'].pk}/", {"action": "disagree"}
        ),
        client.post(
            f"/groups/{group.slug}/moderation/silence/",
            {"user_id": scene["author"].pk, "days": 3, "reason": "x"},
        ),
    ]

    assert [p.status_code for p in pages] == [403, 403, 403]
    assert _hidden(scene["post"]) == Post.Hidden.FLAGS
    assert not Trust.objects.filter(user=scene["author"], silenced_until__isnull=False).exists()


def test_private_group_queue_is_404_for_outsiders(cast):
    assert cast.client("outsider").get(f"/groups/{cast.group.slug}/moderation/").status_code == 404
    assert cast.client("member").get(f"/groups/{cast.group.slug}/moderation/").status_code == 403


def test_flag_page_and_api(cast, scene):
    post, flaggers = scene["post"], scene["flaggers"]
    client = Client()
    client.force_login(flaggers[0])
    url = f"/groups/{scene['group'].slug}/board/p/{post.pk}/flag/"
    topic_page = client.get(f"/groups/{scene['group'].slug}/board/t/{post.topic_id}/")
    assert url in topic_page.content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "spam", "note": "ads"})
    assert response.status_code == 302
    bad = client.post(url, {"reason": "spam"})
    assert bad.status_code == 400

    _t, key = create_api_token(flaggers[1], name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    made = api.post(
        f"/api/v1/posts/{post.pk}/flags", {"reason": "illegal"}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["reason"] == "illegal"
    again = api.post(
        f"/api/v1/posts/{post.pk}/flags", {"reason": "spam"}, content_type="application/json"
    )
    assert again.status_code == 400 and "already flagged" in again.json()["detail"]
    assert Flag.objects.filter(post=post).count() == 2


def test_outsider_cannot_flag_by_page_or_api(cast, scene):
    post = scene["post"]
    page = cast.client("outsider").post(
        f"/groups/{scene['group'].slug}/board/p/{post.pk}/flag/", {"reason": "spam"}
    )
    api = cast.api("outsider").post(
        f"/api/v1/posts/{post.pk}/flags", {"reason": "spam"}, content_type="application/json"
    )

    assert page.status_code == 403
    assert api.status_code == 403
    assert not Flag.objects.exists()


def test_moderation_api(cast, scene):
    _flag_three(scene)
    group, post = scene["group"], scene["post"]
    owner = cast.api("owner")

    queue = owner.get(f"/api/v1/groups/{group.pk}/moderation")
    assert queue.status_code == 200
    assert queue.json()[0]["open_flags"] == 3
    assert {f["reason"] for f in queue.json()[0]["flags"]} == {"spam"}

    decided = owner.post(
        f"/api/v1/posts/{post.pk}/moderation", {"action": "agree"}, content_type="application/json"
    )
    assert decided.json() == {"post": post.pk, "hidden": "moderator", "open_flags": 0}

    until = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    silenced = owner.post(
        f"/api/v1/groups/{group.pk}/silences",
        {"user_id": scene["author"].pk, "until": until, "reason": "Spam"},
        content_type="application/json",
    )
    assert silenced.status_code == 201
    lifted = owner.delete(f"/api/v1/groups/{group.pk}/silences/{scene['author'].pk}")
    assert lifted.status_code == 204


def test_moderation_api_refuses_members_and_outsiders(cast, scene):
    _flag_three(scene)
    group, post = scene["group"], scene["post"]
    for who in ("outsider", "member"):
        api = cast.api(who)
        assert api.get(f"/api/v1/groups/{group.pk}/moderation").status_code == 403
        assert (
            api.post(
                f"/api/v1/posts/{post.pk}/moderation",
                {"action": "disagree"},
                content_type="application/json",
            ).status_code
            == 403
        )
    private = cast.api("outsider").get(f"/api/v1/groups/{cast.group.pk}/moderation")
    assert private.status_code == 404
    assert _hidden(post) == Post.Hidden.FLAGS
