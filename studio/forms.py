"""Forms and labels of the studio pages. The studio submits through the public API from the
browser (with the session and CSRF token); these forms render its fields with translated labels
and validate the job history's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from generation.models import Mode

MODE_LABELS = {
    Mode.VIDEO: _("Video + new audio"),
    Mode.IMAGE: _("Portrait + audio"),
    Mode.IMAGE_MULTI: _("Two people + two audios"),
}
MODE_HELP = {
    Mode.VIDEO: _("Video to video with audio replacement (lip-sync)"),
    Mode.IMAGE: _("Image + audio → single-speaker avatar"),
    Mode.IMAGE_MULTI: _("Image + two audios → multi-speaker avatar (conversation)"),
}
STATUS_LABELS = {
    "processing": _("Processing"),
    "completed": _("Completed"),
    "failed": _("Failed"),
}
MODE_CHOICES = [(mode.value, MODE_LABELS[mode]) for mode in Mode]


class StudioForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial=Mode.IMAGE,
                             widget=forms.RadioSelect)
    resolution = forms.ChoiceField(
        label=_("Resolution"), initial="480p",
        choices=[("480p", _("480p (standard)")), ("720p", _("720p (HD)"))],
    )
    order = forms.ChoiceField(
        label=_("Who speaks when"), initial="meanwhile",
        choices=[("meanwhile", _("Both at the same time")),
                 ("left_right", _("Left first, then right")),
                 ("right_left", _("Right first, then left"))],
    )
    prompt = forms.CharField(label=_("Prompt"), required=False, max_length=2000,
                             help_text=_("Optional. No engine on this server uses it yet: the "
                                         "video is made from your files alone, and the job "
                                         "says so in its notes."),
                             widget=forms.Textarea(attrs={"rows": 2}))
    seed = forms.IntegerField(label=_("Seed"), required=False, min_value=-1,
                              max_value=2**31 - 1,
                              help_text=_("Optional integer for reproducible results; empty or "
                                          "-1 = random."))


class JobHistoryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *STATUS_LABELS.items()])
    mode = forms.ChoiceField(label=_("Mode"), required=False,
                             choices=[("", _("Any mode")), *MODE_CHOICES])

    def filters(self) -> dict:
        """The valid filters; an invalid value is dropped (the page lists everything)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


# The studio's media inputs: formState field, kind of file, modes that use it, label, and
# whether the mode needs it. Each is a file upload (POST /api/v1/uploads) or a pasted URL.
MEDIA_INPUTS = [
    {"field": "video", "kind": "video", "modes": [Mode.VIDEO], "label": _("Video"),
     "accept": "video/*", "required": True},
    {"field": "image", "kind": "image", "modes": [Mode.IMAGE, Mode.IMAGE_MULTI],
     "label": _("Image"), "accept": "image/png,image/jpeg,image/webp", "required": True},
    {"field": "audio", "kind": "audio", "modes": [Mode.VIDEO, Mode.IMAGE],
     "label": _("Audio (speech)"), "accept": "audio/*", "required": True},
    {"field": "left_audio", "kind": "audio", "modes": [Mode.IMAGE_MULTI],
     "label": _("Audio of the person on the left"), "accept": "audio/*", "required": True},
    {"field": "right_audio", "kind": "audio", "modes": [Mode.IMAGE_MULTI],
     "label": _("Audio of the person on the right"), "accept": "audio/*", "required": True},
    {"field": "mask_image", "kind": "image", "modes": list(Mode), "label": _("Mask image"),
     "accept": "image/png,image/jpeg,image/webp", "required": False,
     "help": _("Optional: white = the area that may change; nothing outside it changes.")},
]
