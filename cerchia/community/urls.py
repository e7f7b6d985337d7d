from django.urls import path

from cerchia.community import views

app_name = "community"
urlpatterns = [
    path("groups/<slug:slug>/board/", views.board, name="board"),
    path("groups/<slug:slug>/board/new/", views.new_topic, name="new_topic"),
    path("groups/<slug:slug>/board/t/<int:topic_id>/", views.topic, name="topic"),
    path("groups/<slug:slug>/board/t/<int:topic_id>/edit/", views.topic_edit, name="topic_edit"),
    path("groups/<slug:slug>/board/p/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("groups/<slug:slug>/board/p/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("groups/<slug:slug>/board/p/<int:post_id>/like/", views.post_like, name="post_like"),
    path("groups/<slug:slug>/board/tags/<str:tag>/", views.tag_page, name="tag"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:user_id>/", views.conversation, name="conversation"),
]
