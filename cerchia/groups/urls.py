from django.urls import path

from cerchia.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/settings/", views.settings_view, name="settings"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/invitation/", views.answer_invitation, name="answer_invitation"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/decide/", views.decide, name="decide"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.change_role, name="role"),
    path("<slug:slug>/members/<int:membership_id>/object/", views.object_to, name="object"),
    path("<slug:slug>/jobs/", views.jobs, name="jobs"),
    path("<slug:slug>/mentoring/", views.mentoring, name="mentoring"),
    path("<slug:slug>/jobs/<int:job_id>/close/", views.close_job, name="close_job"),
]
