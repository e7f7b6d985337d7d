from django.urls import path

from cerchia.community import views_safety as views

app_name = "safety"
urlpatterns = [
    path("safety/", views.safety_guide, name="guide"),
    path("groups/<slug:slug>/trust/", views.my_trust, name="trust"),
    path("groups/<slug:slug>/trust/members/", views.member_levels, name="trust_members"),
    path("groups/<slug:slug>/board/p/<int:post_id>/flag/", views.flag_post, name="flag"),
    path("groups/<slug:slug>/moderation/", views.moderation_queue, name="moderation"),
    path(
        "groups/<slug:slug>/moderation/posts/<int:post_id>/",
        views.moderate_post,
        name="moderate_post",
    ),
    path("groups/<slug:slug>/moderation/silence/", views.silence, name="silence"),
    path("groups/<slug:slug>/dropout/", views.dropout, name="dropout"),
    path("groups/<slug:slug>/hours/", views.community_hours, name="hours"),
    path("account/blocks/", views.blocks, name="blocks"),
    path("people/<int:user_id>/block/", views.block_toggle, name="block"),
]
