"""A group's board (online communities live on it), direct messages between members, and
what keeps a community safe: reading and visiting (which earn trust levels), flags and
moderation, silencing, and the "not interested" answers of the matching engine.

Blocks and connection requests are between people, whatever the group: they live in
``cerchia.accounts``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MAX_TAGS = 5
TAG_MAX_LENGTH = 20


class Tag(models.Model):
    """A hashtag on a group's board: lowercase, at most 20 characters."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="tag_unique_per_group"),
            models.CheckConstraint(condition=Q(name=Lower("name")), name="tag_lowercase"),
        ]

    def __str__(self) -> str:
        return f"#{self.name}"


class Topic(models.Model):
    """A conversation on a group's board; its first post is its opening message. A topic may
    point at one of the group's meetings (a community event, online or hybrid)."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="topics"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="topics")
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topics",
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    closed = models.BooleanField(_("closed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_posted_at = models.DateTimeField(_("last post"), db_index=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-pinned", "-last_posted_at", "-pk"]
        indexes = [models.Index(fields=["group", "-last_posted_at"], name="topic_group_recent_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:topic", args=[self.group.slug, self.pk])


class Post(models.Model):
    """A message in a topic (``number`` 1 is the opening post). A post flagged by enough
    distinct members, or hidden by a moderator, is shown to nobody but its author and the
    moderators until a moderator decides."""

    class Hidden(models.TextChoices):
        NO = "", _("Visible")
        FLAGS = "flags", _("Hidden by members' flags, waiting for a moderator")
        MODERATOR = "moderator", _("Hidden by a moderator")

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="community_posts",
    )
    number = models.PositiveIntegerField(_("number"))
    body = models.TextField(_("message"), max_length=20000)
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden = models.CharField(
        _("hidden"), max_length=10, choices=Hidden.choices, default=Hidden.NO, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["topic", "number"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="post_number_per_topic")
        ]
        indexes = [models.Index(fields=["author", "created_at"], name="post_author_day_idx")]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.number}"


class Mention(models.Model):
    """An @mention of a member in a post (each mentioned member is notified once)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="mention_once_per_post")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.post_id}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_likes"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="like_once")]
        indexes = [models.Index(fields=["user", "created_at"], name="like_user_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"


class Flag(models.Model):
    """A member's flag on a post (the reasons are Discourse's). Each member flags a post once;
    a moderator's decision resolves every open flag on it."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        INAPPROPRIATE = "inappropriate", _("Inappropriate")
        OFF_TOPIC = "off_topic", _("Off-topic")
        ILLEGAL = "illegal", _("Illegal")
        OTHER = "other", _("Something else (for the moderators)")

    class Decision(models.TextChoices):
        OPEN = "", _("Waiting for a moderator")
        AGREED = "agreed", _("Agreed: the post stays hidden")
        DISAGREED = "disagreed", _("Disagreed: the post is shown again")
        DEFERRED = "deferred", _("No action")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_flags"
    )
    reason = models.CharField(_("reason"), max_length=14, choices=Reason.choices)
    note = models.TextField(_("note for the moderators"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["post", "flagger"], name="flag_once_per_member")
        ]
        indexes = [models.Index(fields=["flagger", "created_at"], name="flag_user_day_idx")]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_id} by {self.flagger_id}"


class Visit(models.Model):
    """A day a member visited a group's board (trust levels count days visited)."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user", "day"], name="visit_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} on {self.day}"


class TopicRead(models.Model):
    """How far a member has read a topic: topics entered and posts read earn trust."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The highest post number seen: posts read = this, counted once per post.
    last_read = models.PositiveIntegerField(default=0)
    first_read_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="topic_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to {self.last_read}"


class Trust(models.Model):
    """A member's trust level in a group (0 new, 1 basic, 2 member, 3 regular, 4 leader) and
    whether they are silenced. Recomputed from activity; ``locked`` keeps a level set by hand
    (level 4 is only ever set by hand)."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_trust"
    )
    level = models.PositiveSmallIntegerField(_("trust level"), default=0)
    locked = models.BooleanField(_("set by hand"), default=False)
    # When the member last reached level 3 (it can be lost, but not within 14 days).
    regular_since = models.DateTimeField(null=True, blank=True)
    silenced_until = models.DateTimeField(_("silenced until"), null=True, blank=True)
    silenced_reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trust level")
        verbose_name_plural = _("trust levels")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="trust_once_per_group"),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=4), name="trust_level_0_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at level {self.level} in {self.group_id}"


class DirectMessage(models.Model):
    """A private message from one member to another (subject to blocks and newcomer limits)."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="messages_sent",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="messages_received",
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="message_not_to_self"
            )
        ]
        indexes = [
            models.Index(fields=["sender", "created_at"], name="message_sender_idx"),
            models.Index(fields=["recipient", "created_at"], name="message_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id}"


class Timer(models.Model):
    """A running timer of time spent in a community; stopping it logs an investment."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_timer"
    )
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} since {self.started_at}"


class Dismissal(models.Model):
    """ "Not interested": the matching engine never suggests ``other`` to ``user`` again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "other"], name="dismissal_once"),
            models.CheckConstraint(condition=~Q(user=models.F("other")), name="dismissal_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} not interested in {self.other_id}"
