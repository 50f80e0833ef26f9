from django import forms
from django.utils.translation import gettext_lazy as _


class InscrirePersonneForm(forms.Form):
    """The coordination registers someone by the e-mail of their account."""

    email = forms.EmailField(label=_("E-mail de la personne à inscrire"))


class DesistementForm(forms.Form):
    motif = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)
