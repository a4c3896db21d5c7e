from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def key_list(request):
    return render(request, "placeholder.html", {"title": "API keys"})
