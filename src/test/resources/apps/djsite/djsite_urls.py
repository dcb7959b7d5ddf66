from django.urls import path

import djsite_views

urlpatterns = [path("hello/<str:name>", djsite_views.hello)]
