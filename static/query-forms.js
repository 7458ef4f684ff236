// Turns the text boxes of the site's canned queries into dropdowns with human labels, from the
// choices plugins/forms.py puts in window.disclosuresForms, and opens an empty form on its defaults.
(function () {
  "use strict";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "2025-01-01/2025-03-31" -> "Jan–Mar 2025"; a whole year -> "2024".
  function periodName(key) {
    var parts = key.split("/"), s = parts[0], e = parts[1];
    var sy = +s.slice(0, 4), sm = +s.slice(5, 7), ey = +e.slice(0, 4), em = +e.slice(5, 7);
    if (s.slice(8) !== "01") { return s + " to " + e; }
    if (sy === ey) {
      if (sm === 1 && em === 12) { return String(sy); }
      return (sm === em ? MONTHS[sm - 1] : MONTHS[sm - 1] + "–" + MONTHS[em - 1]) + " " + sy;
    }
    return MONTHS[sm - 1] + " " + sy + "–" + MONTHS[em - 1] + " " + ey;
  }

  // A value typed into the URL that is not among the choices stays selected, named as such, so the
  // form never shows a different selection from the one the results are for.
  // blank: the label of an empty choice, for a parameter whose query has its own default.
  function select(name, id, options, value, blank) {
    var node = document.createElement("select");
    node.name = name; node.id = id;
    if (blank) { options = [["", blank]].concat(options); }
    var known = options.some(function (o) { return o[0] === value; });
    if (value && !known) { node.appendChild(new Option(value + " (not in the data)", value, true, true)); }
    options.forEach(function (o) { node.appendChild(new Option(o[1], o[0], false, o[0] === value)); });
    return node;
  }

  function enhance() {
    var data = window.disclosuresForms;
    var form = document.querySelector("form.sql");
    if (!data || !form) { return; }
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=text]"));
    var names = inputs.map(function (i) { return i.name; });
    var params = new URLSearchParams(window.location.search);
    var empty = names.length && names.every(function (n) { return !params.get(n); });
    var defaults = data.defaults || {};
    if (empty && Object.keys(defaults).length) {
      Object.keys(defaults).forEach(function (k) { params.set(k, defaults[k]); });
      window.location.replace(window.location.pathname + "?" + params.toString());
      return;
    }
    inputs.forEach(function (input) {
      var choices = data.choices[input.name];
      if (choices) {
        var value = input.name === "jurisdiction" ? input.value.toUpperCase() : input.value;
        var own = (data.blank_means_default || []).indexOf(input.name) >= 0;
        input.replaceWith(select(input.name, input.id, choices, value, own ? "(blank: the query's default)" : null));
        return;
      }
      if (input.name === "period_start" && names.indexOf("period_end") >= 0) {
        var end = form.querySelector("input[name=period_end]");
        var current = input.value + "/" + end.value;
        var periods = data.choices.period.map(function (p) { return [p[0], periodName(p[0])]; });
        var picker = select("", input.id, periods, current);
        var label = form.querySelector("label[for=" + input.id + "]");
        if (label) { label.textContent = "period"; }
        var hiddenStart = document.createElement("input");
        hiddenStart.type = "hidden"; hiddenStart.name = "period_start"; hiddenStart.value = input.value;
        input.replaceWith(picker);
        picker.after(hiddenStart);
        end.type = "hidden";
        var endLabel = form.querySelector("label[for=" + end.id + "]");
        if (endLabel) { endLabel.parentNode.hidden = true; }
        picker.addEventListener("change", function () {
          var parts = picker.value.split("/");
          hiddenStart.value = parts[0]; end.value = parts[1];
        });
      }
    });
    form.dataset.enhanced = "true";
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", enhance); } else { enhance(); }
})();
