"""The forms of a board and of direct messages. They check shapes; the services check rules."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.community.models import Topic
from cerchia.community.services import (
    MESSAGE_MAX_LENGTH,
    POST_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    parse_tags,
)
from cerchia.groups.models import Group
from cerchia.meetings.models import Meeting

# Events offered for a topic: those not over for longer than this.
RECENT_EVENT_DAYS = 30
TAGS_HELP = _("Up to 5, separated by spaces: lowercase letters, digits and hyphens, e.g. wedding")


def linkable_meetings(group: Group, current: Meeting | None = None) -> QuerySet[Meeting]:
    """The group's events a topic may point to: not cancelled, recent or to come (and the one
    it points to already)."""
    since = timezone.now() - datetime.timedelta(days=RECENT_EVENT_DAYS)
    recent = Meeting.objects.filter(group=group, cancelled_at__isnull=True, starts_at__gte=since)
    if current is not None:
        recent = recent | Meeting.objects.filter(pk=current.pk)
    return recent.order_by("starts_at")


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.starts_at).strftime("%Y-%m-%d %H:%M")
        return f"{obj.title} — {when}"


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mention a member with @ and their handle, e.g. @maria-rossi."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=200, help_text=TAGS_HELP)
    meeting = MeetingChoice(
        label=_("About the event (optional)"), queryset=Meeting.objects.none(), required=False
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = linkable_meetings(group)  # type: ignore[attr-defined]

    def topic_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "tags": parse_tags(data["tags"]),
            "meeting": data["meeting"],
        }


class TopicEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=200, help_text=TAGS_HELP)
    meeting = MeetingChoice(
        label=_("About the event (optional)"), queryset=Meeting.objects.none(), required=False
    )
    pinned = forms.BooleanField(label=_("Pinned to the top of the board"), required=False)
    closed = forms.BooleanField(label=_("Closed: no more replies"), required=False)

    def __init__(self, *args: Any, topic: Topic, moderator: bool, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": topic.title,
                "tags": " ".join(tag.name for tag in topic.tags.all()),
                "meeting": topic.meeting_id,
                "pinned": topic.pinned,
                "closed": topic.closed,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = linkable_meetings(  # type: ignore[attr-defined]
            topic.group, topic.meeting
        )
        self.moderator = moderator
        if not moderator:
            del self.fields["pinned"]
            del self.fields["closed"]

    def topic_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "title": data["title"],
            "tags": parse_tags(data["tags"]),
            "meeting": data["meeting"],
        }
        if self.moderator:
            fields.update(pinned=data["pinned"], closed=data["closed"])
        return fields


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=POST_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
