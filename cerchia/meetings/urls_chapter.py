"""Running a chapter: agenda, speaker rotation, attendance report (under the group), and
meeting mode, quick attendance and self check-in (under the meeting)."""

from django.urls import path

from cerchia.meetings import views_chapter as views

app_name = "chapter"
urlpatterns = [
    path("groups/<slug:slug>/agenda/", views.agenda, name="agenda"),
    path("groups/<slug:slug>/agenda/create/", views.agenda_create, name="agenda_create"),
    path("groups/<slug:slug>/agenda/segments/", views.segment_add, name="segment_add"),
    path(
        "groups/<slug:slug>/agenda/segments/<int:segment_id>/",
        views.segment_edit,
        name="segment_edit",
    ),
    path(
        "groups/<slug:slug>/agenda/segments/<int:segment_id>/delete/",
        views.segment_delete,
        name="segment_delete",
    ),
    path(
        "groups/<slug:slug>/agenda/segments/<int:segment_id>/adjust/",
        views.segment_adjust,
        name="segment_adjust",
    ),
    path("groups/<slug:slug>/speakers/", views.speakers, name="speakers"),
    path("groups/<slug:slug>/speakers/plan/", views.speakers_plan, name="speakers_plan"),
    path("groups/<slug:slug>/speakers/swap/", views.speakers_swap, name="speakers_swap"),
    path("groups/<slug:slug>/speakers/opt-out/", views.speakers_opt_out, name="speakers_opt_out"),
    path("groups/<slug:slug>/speakers/<int:meeting_id>/", views.speaker_set, name="speaker_set"),
    path("groups/<slug:slug>/attendance/", views.attendance_report, name="attendance_report"),
    path("meetings/<int:meeting_id>/live/", views.live, name="live"),
    path("meetings/<int:meeting_id>/live/state/", views.live_state, name="live_state"),
    path("meetings/<int:meeting_id>/live/step/", views.live_step, name="live_step"),
    path("meetings/<int:meeting_id>/live/mark/", views.live_mark, name="live_mark"),
    path("meetings/<int:meeting_id>/attendance/", views.quick_attendance, name="attendance"),
    path("meetings/<int:meeting_id>/here/", views.here, name="here"),
]
