// The figures tables open with the columns a reader needs (who, where, when, what, the value, the
// quote and the source); the others (the platform's wording, period bounds, bands, build internals)
// are one click away, and always in the JSON, the CSV and on each figure's page. A page whose URL
// chooses its own columns (_col, _nocol) is left as it is. Without JavaScript every column shows.
// Datasette puts extra scripts in the page's head: wait for the table.
document.addEventListener("DOMContentLoaded", function () {
  var table = document.querySelector("table.rows-and-columns");
  // Text held to three lines (static/explore.css) reads whole on hover, and a cell whose text
  // the three lines do not hold links to the figure's page, as a cut one does.
  function wholeTextLinks() {
    table.querySelectorAll("td .cell-text, td.col-source_id > a:first-child").forEach(function (el) {
      if (!el.title) el.title = el.textContent;
      if (!el.dataset.whole || el.nextElementSibling) return;
      if (el.scrollHeight <= el.clientHeight + 1) return;
      var more = document.createElement("a");
      more.className = "more";
      more.href = el.dataset.whole;
      more.textContent = "whole text";
      el.after(" ", more);
    });
  }
  var params = new URLSearchParams(window.location.search);
  if (!table) return;
  // Measured again once the stylesheets and fonts are in (this runs before they may be).
  window.addEventListener("load", wholeTextLinks);
  if (params.has("_col") || params.has("_nocol")) { wholeTextLinks(); return; }
  table.classList.add("compact-columns");
  wholeTextLinks();
  // The column the page is sorted by stays: it says the order, and its menu offers the sorts.
  table.querySelectorAll("thead th").forEach(function (th) {
    if (/[\u25bc\u25b2]$/.test(th.textContent.trim()) && th.classList[0]) {
      table.querySelectorAll("." + th.classList[0]).forEach(function (cell) {
        cell.classList.add("sort-column");
      });
    }
  });
  var count = 0;
  table.querySelectorAll("thead th").forEach(function (th) {
    if (window.getComputedStyle(th).display === "none") count += 1;
  });
  if (!count) return;
  var note = document.createElement("p");
  note.className = "compact-columns-note";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Show all columns (" + count + " more)";
  button.addEventListener("click", function () {
    var compact = table.classList.toggle("compact-columns");
    wholeTextLinks();
    button.textContent = compact ? "Show all columns (" + count + " more)" : "Show fewer columns";
  });
  note.appendChild(document.createTextNode(count + " columns are hidden to keep rows short: "));
  note.appendChild(button);
  table.parentNode.insertBefore(note, table);
});
