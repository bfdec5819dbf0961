// The language switch keeps what the user typed: before the switch's form is sent, the values of
// the page's other forms are kept in sessionStorage; when the page the switch returns to loads,
// they are put back into the forms with the same action. Passwords, files and hidden fields (CSRF
// tokens, sealed uploads) are never kept. Without JavaScript the switch still returns to the page.
(function () {
  "use strict";
  var KEY = "mentor:language-switch:forms";
  var SKIPPED = ["hidden", "password", "file", "submit", "button", "reset", "image"];

  function kept(element) {
    return element.name && SKIPPED.indexOf(element.type) === -1 && !element.disabled;
  }

  function valuesOf(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element)) { return; }
      if (element.type === "checkbox" || element.type === "radio") {
        fields.push({ name: element.name, value: element.value, checked: element.checked });
      } else if (element.type === "select-multiple") {
        var chosen = Array.prototype.filter.call(element.options, function (option) {
          return option.selected;
        }).map(function (option) { return option.value; });
        fields.push({ name: element.name, selected: chosen });
      } else {
        fields.push({ name: element.name, value: element.value });
      }
    });
    return { action: form.getAttribute("action") || "", fields: fields };
  }

  function restore(form, saved) {
    saved.fields.forEach(function (field) {
      var named = Array.prototype.filter.call(form.elements, function (element) {
        return element.name === field.name && kept(element);
      });
      named.forEach(function (element) {
        if (element.type === "checkbox" || element.type === "radio") {
          if (element.value === field.value) { element.checked = field.checked; }
        } else if (element.type === "select-multiple") {
          Array.prototype.forEach.call(element.options, function (option) {
            option.selected = field.selected.indexOf(option.value) !== -1;
          });
        } else if (typeof field.value === "string") {
          element.value = field.value;
        }
      });
    });
  }

  function keepForms(switchForm) {
    var forms = Array.prototype.filter.call(document.forms, function (form) {
      return form !== switchForm && !form.classList.contains("language-switch");
    });
    var target = switchForm.elements.namedItem("next");
    var state = { target: target ? target.value : "", forms: forms.map(valuesOf) };
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (error) { /* storage off */ }
  }

  function restoreForms() {
    var state;
    try {
      state = JSON.parse(sessionStorage.getItem(KEY) || "null");
      sessionStorage.removeItem(KEY);
    } catch (error) { return; }
    if (!state || state.target !== window.location.pathname + window.location.search) { return; }
    var used = [];
    state.forms.forEach(function (saved) {
      var form = Array.prototype.find.call(document.forms, function (candidate) {
        return used.indexOf(candidate) === -1 &&
          !candidate.classList.contains("language-switch") &&
          (candidate.getAttribute("action") || "") === saved.action;
      });
      if (form) { used.push(form); restore(form, saved); }
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("language-switch")) {
      keepForms(event.target);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreForms);
  } else {
    restoreForms();
  }
}());
