from django.urls import path

from cerchia.meetings import views

app_name = "meetings"
urlpatterns = [
    path("groups/<slug:slug>/meetings/", views.group_meetings, name="list"),
    path("groups/<slug:slug>/meetings/new/", views.create, name="create"),
    path("groups/<slug:slug>/series/new/", views.series_create, name="series_create"),
    path("groups/<slug:slug>/series/<int:series_id>/", views.series_detail, name="series"),
    path(
        "groups/<slug:slug>/series/<int:series_id>/exceptions/",
        views.series_exception,
        name="series_exception",
    ),
    path("groups/<slug:slug>/series/<int:series_id>/end/", views.series_end, name="series_end"),
    path("meetings/<int:meeting_id>/", views.detail, name="detail"),
    path("meetings/<int:meeting_id>/edit/", views.edit, name="edit"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel, name="cancel"),
    path("meetings/<int:meeting_id>.ics", views.meeting_ics, name="ics"),
    path("calendar/group/<slug:slug>.ics", views.group_feed, name="group_feed"),
    path("calendar/me/<str:token>.ics", views.my_feed, name="my_feed"),
    path("account/calendar/", views.calendar_token, name="calendar_token"),
]
