// Names the controls of Datasette's own forms for assistive technology: its table filters, sort
// and SQL editor have no <label>, so a screen reader announced "combo box" or "edit text" alone.
// And a table's column menus (sort, facet, hide), which Datasette opens on a mouse click only,
// open from the keyboard too. Datasette's templates and scripts are its own (copying them would
// fork them): this adds to them once the page (and CodeMirror, which makes its own text area,
// and table.js, which adds the menus' icons) has loaded.
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
    // The search's own form labels its one field with the query's parameter name, "q".
    if (document.body.classList.contains("query-search_everything")) {
      Array.prototype.forEach.call(document.querySelectorAll('form.sql label[for]'), function (label) {
        var field = document.getElementById(label.htmlFor);
        if (field && field.name === "q" && label.textContent.trim() === "q") {
          label.textContent = "Search";
        }
      });
    }
    // CodeMirror types into a text area of its own, beside the form's hidden one.
    Array.prototype.forEach.call(document.querySelectorAll(".CodeMirror textarea, .cm-content"), function (node) {
      if (!hasName(node)) { node.setAttribute("aria-label", "SQL query"); }
    });
  }

  function firstVisibleLink(menu) {
    return Array.prototype.filter.call(menu.querySelectorAll("a"), function (a) {
      return a.offsetParent !== null;
    })[0];
  }

  // A column as its header names it: its title from the package, then its name in brackets
  // ("Platform (platform_id)", templates/_table.html); the name alone where it has no title.
  function columnLabel(th, column) {
    var code = th.querySelector("small.named-code");
    var title = code && code.previousSibling ? code.previousSibling.textContent.trim() : "";
    return title ? title + " (" + column + ")" : column;
  }

  // Each column's menu icon: a button in the tab order, opened with Enter or Space (its first
  // entry then has the focus), closed with Escape (the focus back on the icon).
  function reachColumnMenus() {
    // table.js appends the one column menu to the body itself.
    var menu = document.querySelector("body > .dropdown-menu");
    Array.prototype.forEach.call(document.querySelectorAll("th .dropdown-menu-icon"), function (icon) {
      if (icon.getAttribute("tabindex") !== null) { return; }
      var column = icon.closest("th").getAttribute("data-column");
      icon.setAttribute("tabindex", "0");
      icon.setAttribute("role", "button");
      icon.setAttribute("aria-haspopup", "true");
      icon.setAttribute("aria-label", "Options for column " + columnLabel(icon.closest("th"), column) + ": sort, facet, hide");
      icon.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") { return; }
        event.preventDefault();
        icon.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
        var first = menu && firstVisibleLink(menu);
        if (first) { first.focus(); }
        if (menu) { menu.dataset.openedFrom = column; }
      });
    });
    if (menu && !menu.dataset.keyboard) {
      menu.dataset.keyboard = "1";
      var closeToIcon = function () {
        menu.style.display = "none";
        var icon = document.querySelector('th[data-column="' + CSS.escape(menu.dataset.openedFrom || "") +
          '"] .dropdown-menu-icon');
        if (icon) { icon.focus(); }
      };
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { closeToIcon(); return; }
        if (event.key !== "Tab") { return; }
        // The menu sits at the end of the page: tabbing past its last entry (or back before its
        // first) left it open and put the focus on the page's first link. It closes instead,
        // the focus back on its icon, so the next Tab goes on along the table.
        var links = Array.prototype.filter.call(menu.querySelectorAll("a"), function (a) {
          return a.offsetParent !== null;
        });
        var edge = event.shiftKey ? links[0] : links[links.length - 1];
        if (document.activeElement === edge) {
          event.preventDefault();
          closeToIcon();
        }
      });
    }
  }

  // A table's glossary of its columns scrolls in a box of its own (static/site.css), and holds no
  // link: a keyboard could not reach it to scroll it. It takes the focus, named for what it holds.
  function reachGlossary() {
    Array.prototype.forEach.call(document.querySelectorAll("dl.column-descriptions"), function (box) {
      if (box.getAttribute("tabindex") !== null) { return; }
      box.setAttribute("tabindex", "0");
    });
  }

  // A chosen facet's ✖ removes its filter: a screen reader said "heavy multiplication x".
  function nameFacetCrosses() {
    Array.prototype.forEach.call(document.querySelectorAll(".facet-info a.cross"), function (cross) {
      if (hasName(cross)) { return; }
      var chosen = cross.parentNode.firstChild.textContent.split(" · ")[0].trim();
      cross.setAttribute("aria-label", "Remove the filter: " + chosen);
      cross.title = "Remove the filter: " + chosen;
    });
  }

  document.addEventListener("DOMContentLoaded", nameControls);
  document.addEventListener("DOMContentLoaded", reachGlossary);
  document.addEventListener("DOMContentLoaded", nameFacetCrosses);
  // Datasette makes its editor in window.onload, after this listener: name it just after.
  window.addEventListener("load", function () {
    window.setTimeout(function () { nameControls(); reachColumnMenus(); }, 0);
  });
})();
