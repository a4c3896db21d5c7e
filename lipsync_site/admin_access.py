"""Pages for superusers only, such as the RQ dashboard (it can delete, requeue and stop jobs,
and shows their arguments): other staff get a 403, anonymous visitors the admin login."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, reverse


def superuser_required(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def superuser_only(patterns: list) -> list:
    """The URL patterns with every view behind superuser_required (nested includes too)."""
    guarded = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            guarded.append(URLResolver(
                pattern.pattern, superuser_only(pattern.url_patterns), pattern.default_kwargs,
                pattern.app_name, pattern.namespace,
            ))
        elif isinstance(pattern, URLPattern):
            guarded.append(URLPattern(pattern.pattern, superuser_required(pattern.callback),
                                      pattern.default_args, pattern.name))
    return guarded
