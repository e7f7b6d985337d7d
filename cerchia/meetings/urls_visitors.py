from django.urls import path

from cerchia.meetings import views_visitors as views

app_name = "visitors"
urlpatterns = [
    path("groups/<slug:slug>/visitors/", views.visitors, name="list"),
    path("groups/<slug:slug>/visitors/<int:visitor_id>/", views.visitor_detail, name="detail"),
    path(
        "groups/<slug:slug>/visitors/tasks/<int:task_id>/done/", views.task_done, name="task_done"
    ),
    path("meetings/<int:meeting_id>/visit/", views.visit, name="visit"),
    path("meetings/<int:meeting_id>/visitors/close/", views.close, name="close"),
]
