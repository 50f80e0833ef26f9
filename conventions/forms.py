from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.uploads import check_upload


class SignatureForm(forms.Form):
    accepte = forms.BooleanField(
        label=_("J’ai lu la convention et je la signe"),
        required=True,
        error_messages={"required": _("Cochez la case pour confirmer que vous avez lu la convention et que vous la signez.")},
    )
    # The fingerprint of the PDF the person was shown: the signature is refused if the document changed since.
    sha256_document = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ScanForm(forms.Form):
    fichier = forms.FileField(
        label=_("Convention signée sur papier (PDF)"),
        help_text=_("Le scan de la convention signée par les trois parties, au format PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def clean_fichier(self):
        checked = check_upload(self.cleaned_data["fichier"])
        if checked.content_type != "application/pdf":
            raise ValidationError(_("Le scan doit être un fichier PDF."))
        return checked


class AvenantForm(forms.Form):
    demi_journees = forms.IntegerField(label=_("Nombre de demi-journées"), min_value=1, max_value=40)
    motif = forms.CharField(
        label=_("Objet de l’avenant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Il figure dans l’avenant que les trois parties signent."),
    )


class ProlongationForm(forms.Form):
    """The coordination extends an accompagnement: its new planned duration, in its format's unit."""

    # Named as the services name a planned duration in their refusals (shown next to this field).
    demi_journees = forms.IntegerField(label=_("Nouvelle durée prévue"), min_value=1)
    motif = forms.CharField(
        label=_("Motif de la prolongation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Une convention déjà signée se modifie par un avenant que les trois parties signent."),
    )

    def __init__(self, *args, unite: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unite:
            self.fields["demi_journees"].help_text = _("En %(unite)s, au-delà de la durée prévue aujourd’hui.") % {"unite": unite}
