from django.urls import path

from cerchia.ballots import views

app_name = "ballots"
urlpatterns = [
    path("groups/<slug:slug>/ballots/", views.ballots, name="list"),
    path("groups/<slug:slug>/ballots/new/", views.create, name="create"),
    path("groups/<slug:slug>/ballots/<int:ballot_id>/", views.detail, name="detail"),
    path("groups/<slug:slug>/ballots/<int:ballot_id>/vote/", views.vote, name="vote"),
    path("groups/<slug:slug>/ballots/<int:ballot_id>/cancel/", views.cancel, name="cancel"),
]
