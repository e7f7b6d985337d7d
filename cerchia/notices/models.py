from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cerchia.notices.kinds import render_notice


class Notice(models.Model):
    """Something Cerchia tells one person: shown in the app and sent by email.

    ``key`` makes a notice happen once (e.g. one renewal reminder per member per expiry date),
    so the daily job can run again without sending anything twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notice_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"

    @property
    def subject(self) -> str:
        return render_notice(self.kind, self.params)[0]

    @property
    def body(self) -> str:
        return render_notice(self.kind, self.params)[1]
