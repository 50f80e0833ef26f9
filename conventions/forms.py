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
