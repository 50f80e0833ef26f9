from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.perimetre import programmes_visibles
from core.exceptions import DomainError
from core.forms import add_domain_error, form_save
from core.notifications import ESSENTIELLES, FACULTATIVES, Notification, desactivees, notifications_regler
from core.pagination import paginer
from core.permissions import action_required, forbid_unless

from . import selectors, services
from .forms import MessageGroupeForm, NotificationsForm, RelancesProgrammeForm


@login_required
def relances_programme(request, programme_pk: int):
    """Coordination: the reminders sent for a programme, and the switch of each kind."""
    forbid_unless(request.user, "relances.configurer")
    programme = get_object_or_404(programmes_visibles(request.user), pk=programme_pk)
    form = RelancesProgrammeForm.for_programme(programme, request.POST if request.method == "POST" else None)
    saved = form_save(
        request,
        form,
        lambda data: services.programme_relances_configurer(
            programme=programme, desactivees=form.desactivees(), by=request.user, version=data["version"]
        ),
        success=_("Réglage des relances enregistré."),
    )
    if saved is not None:
        return redirect("relances:programme", programme_pk=programme.pk)
    page_obj = paginer(request, selectors.relances_envoyees(programme), 50)
    page_obj.object_list = selectors.lignes_envoyees(page_obj.object_list)
    return render(
        request,
        "relances/relance_list.html",
        {
            "programme": programme,
            "form": form,
            "page_obj": page_obj,
            "relances": page_obj,
            "suspendues": selectors.relances_suspendues(programme),
        },
    )


# --- Messages to a chosen group (issue 15) ---------------------------------------------------------


@action_required("message_groupe.ecrire")
def message_groupe_nouveau(request):
    """Coordination: choose a group by filters, write, preview (the count and each person's own text), send."""
    apercu = None
    if request.method != "POST":
        form = MessageGroupeForm(user=request.user)
    else:
        form = MessageGroupeForm(request.POST, user=request.user)
        if form.is_valid():
            if request.POST.get("action") == "envoyer":
                try:
                    message = services.message_groupe_envoyer(
                        filtres=form.filtres(),
                        sujet=form.cleaned_data["sujet"],
                        corps=form.cleaned_data["corps"],
                        nombre_annonce=form.cleaned_data["nombre_annonce"],
                        empreinte_annoncee=form.cleaned_data["empreinte"] or "",
                        by=request.user,
                    )
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    messages.success(
                        request,
                        _("Message enregistré pour %(n)s personne(s) : il est dans leur espace, les e-mails partent.")
                        % {"n": message.nombre_destinataires},
                    )
                    return redirect("relances:message_groupe_detail", pk=message.pk)
            apercu = selectors.apercu_groupe(
                selectors.filtres_du_perimetre(form.filtres(), request.user),
                form.cleaned_data["sujet"],
                form.cleaned_data["corps"],
            )
            # The count shown is the one the send will check (kept in the form, with what was typed).
            data = request.POST.copy()
            data["nombre_annonce"] = str(apercu["nombre"])
            data["empreinte"] = apercu["empreinte"]
            errors = form.errors.copy()
            form = MessageGroupeForm(data, user=request.user)
            form.is_valid()
            for field, field_errors in errors.items():
                for error in field_errors:
                    if error not in form.errors.get(field, []):
                        form.add_error(field if field != "__all__" else None, error)
    return render(
        request,
        "relances/message_groupe_form.html",
        {"form": form, "apercu": apercu, "champs": selectors.CHAMPS},
    )


@action_required("message_groupe.ecrire")
def message_groupe_list(request):
    """Coordination: the record of group messages (who, when, which group, how many, delivery)."""
    page_obj = paginer(request, selectors.messages_groupe_historique(request.user), 25)
    return render(request, "relances/message_groupe_list.html", {"page_obj": page_obj, "messages_groupe": page_obj})


@action_required("message_groupe.ecrire")
def message_groupe_detail(request, pk: int):
    """Coordination: one group message, and each recipient's delivery state."""
    message = get_object_or_404(selectors.messages_groupe_historique(request.user), pk=pk)
    page_obj = paginer(request, selectors.destinataires_du_message(message), 50)
    return render(
        request,
        "relances/message_groupe_detail.html",
        {"message": message, "page_obj": page_obj, "destinataires": page_obj},
    )


@login_required
def mes_messages(request):
    """A person's messages from the coordination (their own copies only), newest first."""
    page_obj = paginer(request, selectors.messages_recus(request.user), 25)
    return render(request, "relances/mes_messages.html", {"page_obj": page_obj, "recus": page_obj})


@login_required
def mon_message(request, pk: int):
    """One message from the coordination, as this person received it; opening it marks it read."""
    destinataire = get_object_or_404(selectors.messages_recus(request.user), pk=pk)
    services.message_groupe_lire(destinataire=destinataire, by=request.user)
    return render(request, "relances/mon_message.html", {"recu": destinataire})


@login_required
def mes_notifications(request):
    """The person chooses which non-essential notifications they receive by e-mail (their own only)."""
    off = desactivees(request.user)
    initial = {"recues": [value for value in FACULTATIVES if value not in off]}
    form = NotificationsForm(request.POST if request.method == "POST" else None, initial=initial)
    saved = form_save(
        request,
        form,
        lambda data: notifications_regler(personne=request.user, desactivees=form.desactivees(), by=request.user),
        success=_("Vos choix de notifications sont enregistrés."),
    )
    if saved is not None:
        return redirect("relances:mes_notifications")
    essentielles = [{"label": Notification(value).label, "raison": raison} for value, raison in ESSENTIELLES.items()]
    return render(request, "relances/mes_notifications.html", {"form": form, "essentielles": essentielles})


@action_required("relances.configurer")
def relances_courant(request):
    """The header menu's entry: the current programme's reminders (the menu does not query for it)."""
    programme = programmes_visibles(request.user).courant()
    if programme is None:
        raise Http404
    return redirect("relances:programme", programme_pk=programme.pk)
