// Names the controls of Datasette's own forms for assistive technology: its table filters, sort
// and SQL editor have no <label>, so a screen reader announced "combo box" or "edit text" alone.
// Datasette's templates are its own (copying them would fork them): the names are added here,
// once the page (and CodeMirror, which makes its own text area) has loaded.
(function () {
  "use strict";
  var NAMES = [
    [/^_filter_column(_(\d+))?$/, "Filter {n}: column"],
    [/^_filter_op(_(\d+))?$/, "Filter {n}: operator"],
    [/^_filter_value(_(\d+))?$/, "Filter {n}: value"],
    [/^_sort$/, "Sort by column"],
    [/^sql$/, "SQL query"]
  ];

  function hasName(node) {
    return node.getAttribute("aria-label") || node.getAttribute("aria-labelledby") ||
      node.title || (node.labels && node.labels.length);
  }

  function nameControls() {
    var controls = document.querySelectorAll("form select[name], form input[name], form textarea[name]");
    Array.prototype.forEach.call(controls, function (node) {
      if (hasName(node)) { return; }
      NAMES.some(function (pair) {
        var match = pair[0].exec(node.name);
        if (!match) { return false; }
        // An existing filter is numbered; the empty row that adds one is "new".
        node.setAttribute("aria-label", pair[1].replace("{n}", match[2] || "new"));
        return true;
      });
    });
    // CodeMirror types into a text area of its own, beside the form's hidden one.
    Array.prototype.forEach.call(document.querySelectorAll(".CodeMirror textarea, .cm-content"), function (node) {
      if (!hasName(node)) { node.setAttribute("aria-label", "SQL query"); }
    });
  }

  document.addEventListener("DOMContentLoaded", nameControls);
  // Datasette makes its editor in window.onload, after this listener: name it just after.
  window.addEventListener("load", function () { window.setTimeout(nameControls, 0); });
})();
