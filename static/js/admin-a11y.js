/* The admin's tabular inlines put a field's name in the column header only, which is not a
   label (axe "label" / "select-name", issue 15). templates/admin/edit_inline/tabular.html gives
   each field a hidden <label>; this names what a template cannot reach: the second input of a
   split date-time, the delete box, and the rows added by "Ajouter un autre". */
(function () {
  "use strict";

  function headerText(control) {
    var cell = control.closest("td");
    var table = control.closest("table");
    if (!cell || !table || !table.tHead) {
      return "";
    }
    var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    var header = table.tHead.rows[0].cells[index];
    return header ? header.textContent.trim() : "";
  }

  function partText(control) {
    // A split date-time writes "Date :" / "Heure :" as a text node just before each input.
    var node = control.previousSibling;
    while (node && node.nodeType === Node.TEXT_NODE && !node.textContent.trim()) {
      node = node.previousSibling;
    }
    return node && node.nodeType === Node.TEXT_NODE ? node.textContent.trim().replace(/\s*:$/, "") : "";
  }

  function nameControls(root) {
    var selector = ".tabular td input:not([type=hidden]), .tabular td select, .tabular td textarea";
    root.querySelectorAll(selector).forEach(function (control) {
      if (control.closest(".empty-form")) {
        return; // the template row is hidden; its copies are named when added
      }
      var part = partText(control);
      var hasLabel = control.labels && control.labels.length;
      if ((hasLabel && !part) || control.hasAttribute("aria-label")) {
        return;
      }
      var row = control.closest("tr");
      var rows = row ? Array.prototype.indexOf.call(row.parentNode.querySelectorAll("tr.form-row"), row) + 1 : 0;
      var name = [headerText(control), part].filter(Boolean).join(" – ");
      if (name) {
        control.setAttribute("aria-label", rows ? name + " (ligne " + rows + ")" : name);
      }
    });
  }

  /* The autocomplete selects (select2) hide the labelled <select> and show a combobox named by
     the chosen value only, empty at first (axe "aria-input-field-name"), and a search box with
     no name ("label"). Name both after the <label> of the field. In a multiple select, select2
     puts its "×" clear button (a <span>) inside the <ul> of choices (axe "list"): the button is a
     mouse shortcut (Backspace does the same), so it is hidden from assistive technologies. */
  function labelOf(select) {
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var label = labelOf(select);
      if (!container || !container.classList.contains("select2") || !label) {
        return;
      }
      var combobox = container.querySelector(".select2-selection");
      if (combobox) {
        var rendered = container.querySelector(".select2-selection__rendered");
        var ids = [label.id];
        if (rendered && rendered.id && combobox.querySelector("#" + CSS.escape(rendered.id))) {
          ids.push(rendered.id);
        }
        combobox.setAttribute("aria-labelledby", ids.join(" "));
        if (rendered && rendered.getAttribute("role") === "textbox") {
          // The chosen value, shown inside the combobox, is read as part of its name; as a
          // nameless read-only "textbox" of its own it only adds an unnamed field.
          rendered.removeAttribute("role");
          rendered.removeAttribute("aria-readonly");
        }
      }
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        field.setAttribute("aria-label", label.textContent.trim().replace(/\s*:$/, ""));
      });
      container.querySelectorAll(".select2-selection__clear").forEach(function (clear) {
        clear.setAttribute("aria-hidden", "true");
      });
    });
  }

  /* Outside the inlines, a split date-time's <label> points at its date input only: the time input
     (and, depending on the form, the date input) is named after the field's label and its part. */
  function nameSplitDateTimes(root) {
    root.querySelectorAll("p.datetime input:not([type=hidden])").forEach(function (control) {
      if (control.closest(".tabular") || control.hasAttribute("aria-label")) {
        return;
      }
      var row = control.closest(".form-row, .fieldBox, .flex-container");
      var label = row ? row.querySelector("label") : null;
      var name = [label ? label.textContent.trim().replace(/\s*:$/, "") : "", partText(control)].filter(Boolean).join(" – ");
      if (name) {
        control.setAttribute("aria-label", name);
      }
    });
  }

  /* The two-list selector (filter_horizontal) draws a magnifier <span> with an aria-label, which
     a plain span may not carry (axe "aria-prohibited-attr"): it is an image with that name. */
  function nameFilterIcons(root) {
    root.querySelectorAll("span.search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  /* A changelist filter on a field that is sometimes empty offers a choice with no text (axe
     "link-name"): it is shown as "(vide)". */
  function nameEmptyFilterChoices(root) {
    root.querySelectorAll("#changelist-filter a").forEach(function (link) {
      if (!link.textContent.trim() && !link.getAttribute("aria-label")) {
        link.textContent = "(vide)";
      }
    });
  }

  function nameAll(root) {
    nameControls(root);
    nameAutocompletes(root);
    nameSplitDateTimes(root);
    nameFilterIcons(root);
    nameEmptyFilterChoices(root);
  }

  // select2 is set up by jQuery's ready handler, which may run after ours: name again on load
  // and whenever select2 redraws a selection (it rebuilds the search box and the clear button).
  document.addEventListener("DOMContentLoaded", function () {
    nameAll(document);
  });
  window.addEventListener("load", function () {
    nameAll(document);
    new MutationObserver(function () {
      nameAutocompletes(document);
      nameFilterIcons(document);
    }).observe(document.getElementById("content") || document.body, { childList: true, subtree: true });
  });
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      nameAll(event.target.closest("table") || document);
    }, 0);
  });
})();
