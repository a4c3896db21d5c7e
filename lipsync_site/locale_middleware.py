"""Language of each request: the visitor's choice on the site, always English on the API.

Django's LocaleMiddleware picks the language from the `django_language` cookie (set by the
language switch, /i18n/setlang/) or Accept-Language. The public API's error sentences are part
of the contract and stay English whatever the client sends, so under /api/ the language is
forced to English before the view runs (DRF's own messages are translated otherwise).
"""

from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class SiteLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(API_PREFIX):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(API_PREFIX):
            response.headers.setdefault("Content-Language", "en")
            return response
        return super().process_response(request, response)
