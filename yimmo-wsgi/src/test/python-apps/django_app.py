"""A one-file Django project: settings in code, a template view, a form POST with the CSRF token
round trip (GET sets the cookie and renders the token, POST sends both back)."""

import os

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY="yimmo-test-not-secret",
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    INSTALLED_APPS=[],
    TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(HERE, "django_site", "templates")],
    }],
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402


def greet(request):
    if request.method == "POST":
        return render(request, "greet.html", {"name": request.POST["name"], "posted": True})
    return render(request, "greet.html", {"name": request.GET.get("name", "world"), "posted": False})


def info(request):
    return JsonResponse({"framework": "django", "version": django.get_version(),
                         "script_name": request.META["SCRIPT_NAME"], "path": request.path})


def plain(request):
    return HttpResponse("plain text", content_type="text/plain")


urlpatterns = [
    path("greet/", greet),
    path("info/", info),
    path("plain/", plain),
]

application = get_wsgi_application()
