from django.urls import path, re_path

from cerchia.meetings import views_registrations as views

app_name = "registrations"
urlpatterns = [
    path("meetings/<int:meeting_id>/register/", views.register, name="register"),
    path("meetings/<int:meeting_id>/registrations/", views.attendees, name="attendees"),
    path(
        "meetings/<int:meeting_id>/registrations/<int:registration_id>/payment/",
        views.payment,
        name="payment",
    ),
    re_path(
        r"^meetings/(?P<meeting_id>[0-9]+)/registrations/(?P<registration_id>[0-9]+)/"
        r"(?P<action>approve|decline|cancel)/$",
        views.leader_action,
        name="leader_action",
    ),
    path("meetings/<int:meeting_id>/check-in/", views.check_in, name="check_in"),
    path("meetings/<int:meeting_id>/check-in/count/", views.check_in_count, name="check_in_count"),
    path("meetings/<int:meeting_id>/check-in/close/", views.close_check_in, name="close_check_in"),
    path("registrations/<str:code>/", views.ticket, name="ticket"),
    path("registrations/<str:code>/cancel/", views.cancel, name="cancel"),
    path("registrations/<str:code>/confirm/", views.confirm, name="confirm"),
    path("me/registrations/", views.mine, name="mine"),
]
