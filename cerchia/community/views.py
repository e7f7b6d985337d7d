"""Pages of a group's board (topics, replies, tags, likes) and of direct messages. Each view
parses, checks access, calls a service and redirects; a refused write becomes a message or a
form error and changes nothing. Opening a board counts a visit and reading a topic moves the
reader's mark: both earn trust levels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.community import services
from cerchia.community.access import (
    Board,
    access_board,
    access_correspondent,
    access_post,
    access_topic,
)
from cerchia.community.errors import CommunityError
from cerchia.community.forms import MessageForm, PostForm, ReplyForm, TopicEditForm, TopicForm
from cerchia.community.mentions import group_handles
from cerchia.community.models import Post, Topic
from cerchia.community.selectors import (
    blocked_ids,
    conversation_rows,
    conversations,
    messages_between,
    tag_cloud,
    topic_list,
    topic_posts,
    visible_names,
)
from cerchia.lib.http import AuthedRequest

TOPICS_PAGE_SIZE = 30
POSTS_PAGE_SIZE = 50
MESSAGES_PAGE_SIZE = 50
CONVERSATIONS_PAGE_SIZE = 30


def _topics_page(request: AuthedRequest, board: Board, *, tags: list[str]) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()
    page = Paginator(topic_list(board, query=query, tags=tags), TOPICS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    topics = list(page.object_list)
    names = visible_names(request.user, [topic.author for topic in topics])
    for topic in topics:
        topic.group = board.group  # for its address: the group is loaded already
        topic.author_name = names.get(topic.author_id or 0, "")
    keep = urlencode(([("q", query)] if query else []) + [("tag", t) for t in tags])
    return {
        "group": board.group,
        "board": board,
        "page": page,
        "topics": topics,
        "query": query,
        "keep": keep,
    }


@login_required
def board(request: AuthedRequest, slug: str) -> HttpResponse:
    """The board: its topics (pinned first, then the latest), search and the tags."""
    board = access_board(request.user, slug)
    services.record_visit(board.group, request.user)
    tags = [t.strip().lstrip("#").lower() for t in request.GET.getlist("tag") if t.strip()]
    context = _topics_page(request, board, tags=tags)
    context.update({"cloud": tag_cloud(board), "tags": tags})
    return render(request, "community/board.html", context)


@login_required
def tag_page(request: AuthedRequest, slug: str, tag: str) -> HttpResponse:
    """The topics with one tag; 404 for a tag no topic this person sees carries."""
    board = access_board(request.user, slug)
    cloud = tag_cloud(board)
    found = next((entry for entry in cloud if entry.name == tag.lower()), None)
    if found is None:
        raise Http404(_("No such tag"))
    services.record_visit(board.group, request.user)
    context = _topics_page(request, board, tags=[found.name])
    context.update({"cloud": cloud, "tag": found, "tags": [found.name]})
    return render(request, "community/board.html", context)


@login_required
def new_topic(request: AuthedRequest, slug: str) -> HttpResponse:
    board = access_board(request.user, slug, post=True)
    meeting = request.GET.get("meeting", "")
    form = TopicForm(
        request.POST or None,
        group=board.group,
        initial={"meeting": int(meeting)} if meeting.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.create_topic(board.group, author=request.user, **form.topic_fields())
        except CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your topic is on the board."))
            return redirect(topic)
    return render(
        request,
        "community/topic_form.html",
        {"group": board.group, "form": form, "handle": _my_handle(board)},
    )


def _my_handle(board: Board) -> str:
    return group_handles(board.group).by_user.get(board.user_id, "")


@login_required
def topic(request: AuthedRequest, slug: str, topic_id: int) -> HttpResponse:
    """A topic with its posts; members reply at the bottom (or to one post)."""
    board = access_board(request.user, slug, post=request.method == "POST")
    found = access_topic(board, topic_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reply_to = None
        if form.cleaned_data["reply_to"]:
            reply_to = access_post(board, form.cleaned_data["reply_to"])
        try:
            post = services.reply(
                found, author=request.user, body=form.cleaned_data["body"], reply_to=reply_to
            )
        except CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your reply is posted."))
            return redirect(services.post_url(found, post))
    posts_page = Paginator(topic_posts(board, found), POSTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    posts = list(posts_page.object_list)
    names = visible_names(request.user, [found.author, *[post.author for post in posts]])
    handles = group_handles(board.group).by_user
    blocked = blocked_ids(board.user_id)
    services.record_visit(board.group, request.user)
    if posts:
        services.record_read(found, request.user, posts[-1].number)
    return render(
        request,
        "community/topic.html",
        {
            "group": board.group,
            "board": board,
            "topic": found,
            "tags": list(found.tags.all()),
            "page": posts_page,
            "rows": [
                {
                    "post": post,
                    "name": names.get(post.author_id or 0, ""),
                    "handle": handles.get(post.author_id or 0, "")
                    if names.get(post.author_id or 0)
                    else "",
                    "blocked": post.author_id in blocked,
                    "mine": post.author_id == board.user_id,
                }
                for post in posts
            ],
            "form": form,
            "can_reply": board.can_post and (not found.closed or board.moderator),
            "can_edit_topic": found.author_id == board.user_id or board.moderator,
        },
    )


@login_required
def topic_edit(request: AuthedRequest, slug: str, topic_id: int) -> HttpResponse:
    board = access_board(request.user, slug)
    found = access_topic(board, topic_id)
    if found.author_id != board.user_id and not board.moderator:
        raise Http404(_("No such topic"))
    form = TopicEditForm(request.POST or None, topic=found, moderator=board.moderator)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_topic(found, actor=request.user, **form.topic_fields())
        except CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The topic is saved."))
            return redirect(found)
    return render(
        request, "community/topic_form.html", {"group": board.group, "form": form, "topic": found}
    )


@login_required
def post_edit(request: AuthedRequest, slug: str, post_id: int) -> HttpResponse:
    board = access_board(request.user, slug, post=True)
    post = access_post(board, post_id, write=True)
    if post.author_id != board.user_id:
        raise Http404(_("No such post"))
    form = PostForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_post(post, actor=request.user, body=form.cleaned_data["body"])
        except CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your post is saved."))
            return redirect(services.post_url(post.topic, post))
    return render(
        request,
        "community/post_form.html",
        {"group": board.group, "form": form, "post": post, "topic": post.topic},
    )


def _back(topic: Topic, post: Post) -> HttpResponse:
    return redirect(services.post_url(topic, post))


@login_required
@require_POST
def post_delete(request: AuthedRequest, slug: str, post_id: int) -> HttpResponse:
    board = access_board(request.user, slug)
    post = access_post(board, post_id, write=True)
    try:
        services.delete_post(post, actor=request.user)
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("The post is deleted."))
        if post.number == 1 and not board.moderator:
            return redirect("community:board", board.group.slug)
    return _back(post.topic, post)


@login_required
@require_POST
def post_like(request: AuthedRequest, slug: str, post_id: int) -> HttpResponse:
    board = access_board(request.user, slug, post=True)
    post = access_post(board, post_id)
    try:
        if request.POST.get("action") == "unlike":
            services.unlike_post(post, user=request.user)
        else:
            services.like_post(post, user=request.user)
    except CommunityError as exc:
        messages.error(request, str(exc))
    return _back(post.topic, post)


# --- Direct messages ------------------------------------------------------------------------


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """My conversations, the latest first, with what is unread."""
    page = Paginator(conversations(request.user), CONVERSATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = conversation_rows(request.user, page.object_list)
    return render(request, "community/inbox.html", {"page": page, "rows": rows})


@login_required
def conversation(request: AuthedRequest, user_id: int) -> HttpResponse:
    """My messages with one person, and the form to write to them (or why I may not)."""
    other = access_correspondent(request.user, user_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_message(request.user, other, form.cleaned_data["body"])
        except CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("community:conversation", args=[other.pk]))
    services.mark_read(request.user, sender_id=other.pk)
    page = Paginator(messages_between(request.user, other.pk), MESSAGES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/conversation.html",
        {
            "other": other,
            "name": visible_names(request.user, [other]).get(other.pk, ""),
            "page": page,
            "lines": list(reversed(page.object_list)),
            "form": form,
            "refusal": services.message_refusal(request.user, other),
        },
    )
