// Draws the Telegram choropleth from #map-data and the vendored world atlas (Natural Earth 1:50m,
// whose feature ids are ISO 3166 numeric codes, as in the jurisdictions table's "numeric" column).
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  // Colour classes by order of magnitude: figures span 1 to thousands, so equal steps would hide most countries.
  // A derived value is striped over its class's colour, in a colour that shows on it: white on the
  // purples, dark gold on the near-white of 0, where white stripes left a derived 0 looking like
  // the bot's own 0 (and no purple, which would read as a small count).
  var CLASSES = [
    { max: 0, color: "#fffdf0", stripe: "#a6761d", label: "0" },
    { max: 9, color: "#cbc9e2", stripe: "#fff", label: "1–9" },
    { max: 99, color: "#9e9ac8", stripe: "#fff", label: "10–99" },
    { max: 999, color: "#756bb1", stripe: "#fff", label: "100–999" },
    { max: Infinity, color: "#54278f", stripe: "#fff", label: "1,000 or more" }
  ];

  function classOf(value) {
    for (var i = 0; i < CLASSES.length; i++) { if (value <= CLASSES[i].max) { return CLASSES[i]; } }
    return CLASSES[CLASSES.length - 1];
  }

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function legend(box) {
    var html = CLASSES.map(function (c) {
      return '<span class="swatch" style="background:' + c.color + '"></span>' + c.label;
    });
    html.push('<span class="swatch derived"></span>derived by the build, not said by the bot');
    html.push('<span class="swatch derived-zero"></span>a derived 0');
    html.push('<span class="swatch nofigure"></span>no figure (grey dots)');
    // One entry per unbroken line: on a phone "1,000 or" and "more" fell on two lines apart.
    box.innerHTML = html.map(function (h) { return '<span class="entry">' + h + "</span>"; }).join(" ");
  }

  function draw(world, data) {
    var svg = document.getElementById("telegram-map");
    var countries = topojson.feature(world, world.objects.countries);
    var projection = d3.geoEqualEarth().fitSize([960, 500], { type: "Sphere" });
    var path = d3.geoPath(projection);
    var defs = el("defs", {});
    // Dots, not stripes: grey stripes were the derived values' white stripes over the lightest
    // classes' pale colours, so a small derived figure read as no figure (and the other way round).
    var pattern = el("pattern", { id: "nofigure", width: 6, height: 6, patternUnits: "userSpaceOnUse" });
    pattern.appendChild(el("rect", { width: 6, height: 6, fill: "#f0f0f0" }));
    pattern.appendChild(el("circle", { cx: 3, cy: 3, r: 1.2, fill: "#8c8c8c" }));
    defs.appendChild(pattern);
    // A derived value keeps its class's colour under stripes, so it is never read as the bot's own.
    CLASSES.forEach(function (c, i) {
      var stripes = el("pattern", { id: "derived-" + i, width: 5, height: 5, patternUnits: "userSpaceOnUse", patternTransform: "rotate(-45)" });
      stripes.appendChild(el("rect", { width: 5, height: 5, fill: c.color }));
      stripes.appendChild(el("line", { x1: 0, y1: 0, x2: 0, y2: 5, stroke: c.stripe, "stroke-width": 2 }));
      defs.appendChild(stripes);
    });
    svg.appendChild(defs);
    svg.appendChild(el("path", { d: path({ type: "Sphere" }), fill: "#e6eff8", stroke: "#ccc" }));
    // The atlas files a territory that ISO 3166 gives no code of its own under its country's code
    // (Ashmore and Cartier Islands under Australia's 036). The country is the largest shape of its
    // code; a smaller one is another place, which has no figure of its own and must never show the
    // country's (its tooltip read "Ashmore and Cartier Is.: 12").
    var largest = {};
    // (Shapes without a code, such as Kosovo's or Somaliland's, are each their own place.)
    countries.features.forEach(function (feature) {
      if (feature.id === undefined) { return; }
      var area = d3.geoArea(feature), best = largest[feature.id];
      if (!best || area > best.area) { largest[feature.id] = { area: area, feature: feature }; }
    });
    var filled = {};
    countries.features.forEach(function (feature) {
      var d = path(feature);
      if (!d) { return; }
      var own = feature.id === undefined || largest[feature.id].feature === feature;
      var found = own ? data.values[feature.id] : undefined;
      var fill = "url(#nofigure)";
      if (found) { fill = found.is_derived ? "url(#derived-" + CLASSES.indexOf(classOf(found.value)) + ")" : classOf(found.value).color; }
      var shape = el("path", { d: d, stroke: "#999", "stroke-width": 0.3, fill: fill });
      shape.setAttribute("class", found ? (found.is_derived ? "has-figure derived" : "has-figure") : "no-figure");
      var title = el("title", {});
      title.textContent = (feature.properties && feature.properties.name || "") +
        (found ? ": " + found.value.toLocaleString("en") + (found.is_derived ? " (derived)" : "") :
          own ? ": no figure" : ": no figure of its own");
      shape.appendChild(title);
      if (found) { filled[feature.id] = true; }
      svg.appendChild(shape);
    });
    // The number of countries with a figure that the atlas has a shape for (some have several shapes).
    svg.dataset.rendered = String(Object.keys(filled).length);
    legend(document.getElementById("map-legend"));
    var link = document.getElementById("map-svg");
    if (link) {
      link.addEventListener("click", function () {
        var text = new XMLSerializer().serializeToString(svg);
        link.href = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
      });
    }
  }

  function start() {
    var source = document.getElementById("map-data");
    if (!source || typeof topojson === "undefined" || typeof d3 === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    fetch(data.world).then(function (r) { return r.json(); }).then(function (world) { draw(world, data); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
