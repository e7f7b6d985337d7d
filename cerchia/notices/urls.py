from django.urls import path

from cerchia.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notices, name="list"),
    path("read/", views.read_all, name="read_all"),
]
