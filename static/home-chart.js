// Draws the home page chart from the JSON the page embeds (static/chart-common.js draws the lines
// and the numbered event markers; the events are listed under the chart).
(function () {
  "use strict";
  var charts = window.PlatformCharts;

  function datasets(countries) {
    var colors = charts.jurisdictionColors(countries.map(function (country) { return country.id; }));
    return countries.map(function (country) {
      var points = charts.periodPoints(
        country.periods,
        function (p) { return p.value > 0 ? p.value : null; },
        function (p) { return { label: p.label, derived: p.derived }; }
      );
      return charts.line(country.name, points, colors[country.id], 3);
    });
  }

  function draw() {
    var canvas = document.getElementById("telegram-chart");
    var source = document.getElementById("telegram-chart-data");
    if (!canvas || !source || typeof Chart === "undefined" || !charts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = new Chart(canvas, {
      type: "line",
      data: { datasets: datasets(data.countries) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: charts.calendarAxis(data.countries.map(function (c) { return c.periods; })),
          // Logarithmic: the story is the jump from tens to hundreds in the United States, next
          // to India's thousands. A zero cannot be drawn on it and is left out of the line.
          y: charts.logAxis("fulfilled requests in the period (log scale)")
        },
        plugins: {
          eventLines: { events: data.events },
          tooltip: {
            filter: function (item) { return item.raw.y !== null; },
            callbacks: {
              title: function (items) { return items[0].raw.label + (items[0].raw.derived ? " (derived)" : ""); },
              label: function (item) { return item.dataset.label + ": " + item.raw.y.toLocaleString("en"); }
            }
          }
        }
      },
      plugins: [charts.coveredLines, charts.eventLines]
    });
    canvas.dataset.rendered = String(chart.data.datasets.length);
  }

  charts && charts.whenReady(draw);
})();
