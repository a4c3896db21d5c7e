from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apikeys.errors import TooManyApiKeys
from apikeys.forms import ApiKeyCreateForm
from apikeys.selectors import api_key_get_owned, api_key_list
from apikeys.services import api_key_create, api_key_revoke


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def key_list(request):
    form = ApiKeyCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        # The full key is rendered in this response only (no redirect, nothing in the session
        # or database): this page is the one time the user sees it.
        try:
            api_key, new_key = api_key_create(owner=request.user,
                                              name=form.cleaned_data["name"])
            form = ApiKeyCreateForm()
        except TooManyApiKeys as exc:
            form.add_error(None, _("You already have %(count)d active API keys, the most an "
                                   "account may have. Revoke one to create another.")
                           % {"count": exc.maximum})
    context = {"keys": api_key_list(owner=request.user), "form": form, "new_key": new_key}
    return render(request, "apikeys/key_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def key_revoke(request, key_id: str):
    api_key = api_key_get_owned(owner=request.user, key_id=key_id)
    if request.method == "POST":
        api_key_revoke(api_key=api_key)
        messages.success(request, _("The key %(key)s was revoked.") % {"key": api_key.masked})
        return redirect("apikeys:list")
    return render(request, "apikeys/key_revoke.html", {"api_key": api_key})
