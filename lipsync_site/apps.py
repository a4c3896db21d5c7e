from django.apps import AppConfig


class LipsyncSiteConfig(AppConfig):
    """The project package is also an app: it holds the platform-wide commands."""

    name = "lipsync_site"
    verbose_name = "Platform"
