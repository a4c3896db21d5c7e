from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def studio(request):
    return render(request, "placeholder.html", {"title": "Studio"})


def api_guide(request):
    return render(request, "generation/api_guide.html")
