// Heads each facet of a table page with its column's title ("Period", then period_label in small
// type): Datasette's _facet_results.html writes the column's name alone, a code to a reader, and
// copying that template would fork it (plugins/facet_titles.py hands the page the titles). The
// name stays beside the title: ?period_label= and the JSON's facet_results use it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var titles = window.disclosuresFacetTitles || {};
  document.querySelectorAll(".facet-info[data-column]").forEach(function (facet) {
    var column = facet.dataset.column;
    var title = titles[column];
    var heading = facet.querySelector(".facet-info-name strong");
    if (!title || !heading || heading.querySelector(".named-code")) return;
    // A column facet's heading starts with the column's name; an array or date facet's adds its
    // type ("tags (array)") and is left as Datasette writes it.
    var text = heading.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE || text.data.trim() !== column) return;
    var code = document.createElement("small");
    code.className = "named-code";
    code.title = column + ": the name filters and the JSON use";
    code.textContent = column;
    text.data = title + " ";
    heading.insertBefore(document.createTextNode(" "), text.nextSibling);
    heading.insertBefore(code, text.nextSibling);
  });
});
