"""WSGI entry point of the minimal Django project (settings, urls, one view, one template)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsite_settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
