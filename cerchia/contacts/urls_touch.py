"""Stay in touch (/contacts/losing-touch/, per-contact actions) and introductions
(/introductions/…, with the public answer link /introductions/answer/<token>/)."""

from __future__ import annotations

from django.urls import path

from cerchia.contacts import views_introductions as intro
from cerchia.contacts import views_touch as touch

app_name = "touch"

urlpatterns = [
    path("contacts/losing-touch/", touch.losing_touch_page, name="losing"),
    path(
        "contacts/<int:contact_id>/interactions/",
        touch.interaction_new,
        name="interaction_new",
    ),
    path("contacts/<int:contact_id>/stay-in-touch/", touch.stay_in_touch, name="stay_in_touch"),
    path("contacts/<int:contact_id>/snooze/", touch.snooze, name="snooze"),
    path("contacts/<int:contact_id>/refer/", touch.refer, name="refer"),
    path("introductions/", intro.introduction_list, name="introductions"),
    path("introductions/new/", intro.introduction_new, name="introduction_new"),
    path(
        "introductions/answer/<str:token>/",
        intro.introduction_by_link,
        name="introduction_link",
    ),
    path(
        "introductions/<int:introduction_id>/",
        intro.introduction_detail,
        name="introduction",
    ),
    path(
        "introductions/<int:introduction_id>/answer/",
        intro.introduction_answer,
        name="introduction_answer",
    ),
    path(
        "introductions/<int:introduction_id>/withdraw/",
        intro.introduction_withdraw,
        name="introduction_withdraw",
    ),
    path(
        "introductions/<int:introduction_id>/outcome/",
        intro.introduction_outcome,
        name="introduction_outcome",
    ),
]
