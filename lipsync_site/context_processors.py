from django.conf import settings


def site(request):
    # SITE_LANGUAGES: the language menu's entries, each named in itself. Django's
    # {% get_available_languages %} would pass the names through gettext ("English" -> "Englisch").
    return {"SITE_URL": settings.SITE_URL, "SITE_LANGUAGES": settings.LANGUAGES}
