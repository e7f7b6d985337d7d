from django.urls import path

from cerchia.groups import review_views, views, views_evidence, views_retention

app_name = "groups"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/settings/", views.settings_view, name="settings"),
    path("<slug:slug>/directory/", views.member_directory, name="member_directory"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/invitation/", views.answer_invitation, name="answer_invitation"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/decide/", views.decide, name="decide"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.change_role, name="role"),
    path("<slug:slug>/members/<int:membership_id>/object/", views.object_to, name="object"),
    path("<slug:slug>/members/<int:membership_id>/ask/", review_views.ask, name="ask"),
    path(
        "<slug:slug>/members/<int:membership_id>/terminate/",
        review_views.terminate,
        name="terminate",
    ),
    path("<slug:slug>/answer/", review_views.answer, name="answer"),
    path("<slug:slug>/evidence/", views_evidence.add, name="add_evidence"),
    path(
        "<slug:slug>/evidence/<int:evidence_id>/remove/",
        views_evidence.remove,
        name="remove_evidence",
    ),
    path(
        "<slug:slug>/members/<int:membership_id>/evidence/<int:evidence_id>/",
        views_evidence.download,
        name="evidence",
    ),
    path("<slug:slug>/jobs/", views.jobs, name="jobs"),
    path("<slug:slug>/mentoring/", views.mentoring, name="mentoring"),
    path("<slug:slug>/jobs/<int:job_id>/close/", views.close_job, name="close_job"),
    path("<slug:slug>/retention/", views_retention.retention, name="retention"),
    path("<slug:slug>/retention.csv", views_retention.retention_csv, name="retention_csv"),
]
