"""The demo's safety stories: a post flagged by three members waits in the online community's
moderation queue, a newcomer is at trust level 0, and Maria blocked a member."""

from __future__ import annotations

import pytest
from django.test import Client

from cerchia.accounts.models import Block, User
from cerchia.community.errors import CommunityError
from cerchia.community.limits import check_message
from cerchia.community.models import Flag, Post, Trust
from cerchia.community.trust import level_of
from cerchia.demo.safety import SPAM_TITLE
from cerchia.groups.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(world: None) -> Group:
    return Group.objects.get(slug="bologna-digital-makers")


def test_a_flagged_post_waits_in_the_moderation_queue(community: Group):
    post = Post.objects.get(topic__group=community, topic__title=SPAM_TITLE)
    assert post.hidden == Post.Hidden.FLAGS
    assert Flag.objects.filter(post=post, decision="").count() == 3

    sara = User.objects.get(email="sara@demo.cerchia.org")
    client = Client()
    client.force_login(sara)
    page = client.get(f"/groups/{community.slug}/moderation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SPAM_TITLE in html and "3 flags" in html


def test_a_newcomer_at_trust_level_0(community: Group):
    newcomers = list(Trust.objects.filter(group=community, level=0).select_related("user"))
    assert len(newcomers) == 1
    newcomer = newcomers[0].user
    assert level_of(newcomer, community) == 0
    assert Trust.objects.filter(group=community, level__gte=1).count() > 50
    with pytest.raises(CommunityError, match="trust level 1"):
        check_message(newcomer, User.objects.get(email="maria@demo.cerchia.org"))


def test_maria_blocked_a_pest(community: Group):
    maria = User.objects.get(email="maria@demo.cerchia.org")
    block = Block.objects.get(blocker=maria)
    with pytest.raises(CommunityError, match="cannot send messages"):
        check_message(block.blocked, maria)
