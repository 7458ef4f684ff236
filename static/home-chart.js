// Draws the home page chart from the JSON the page embeds. Chart.js ships with the site.
(function () {
  "use strict";
  var DAY = 86400000;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

  function ms(isoDate) { return Date.parse(isoDate + "T00:00:00Z"); }

  // Event markers: a vertical line and a label per event, drawn over the data.
  var eventLines = {
    id: "eventLines",
    afterDatasetsDraw: function (chart, args, options) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      (options.events || []).forEach(function (event, i) {
        var px = x.getPixelForValue(ms(event.event_date));
        if (px < area.left || px > area.right) { return; }
        ctx.save();
        ctx.strokeStyle = "#444";
        ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#222";
        ctx.font = "12px sans-serif";
        ctx.textAlign = "left";
        ctx.fillText(event.label + " (" + event.event_date + ")", px + 4, area.bottom - 10 - 16 * i);
        ctx.restore();
      });
    }
  };

  function datasets(countries) {
    return countries.map(function (country, i) {
      var points = [];
      country.periods.forEach(function (p) {
        var y = p.value > 0 ? p.value : null;
        points.push({ x: ms(p.start), y: y, label: p.label, derived: p.derived });
        points.push({ x: ms(p.end) - DAY, y: y, label: p.label, derived: p.derived });
        points.push({ x: ms(p.end) - DAY / 2, y: null });
      });
      return {
        label: country.name,
        data: points,
        borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length],
        borderWidth: 3,
        pointRadius: 0,
        spanGaps: false,
        segment: { borderDash: function (ctx) { return ctx.p0.raw.derived ? [6, 4] : undefined; } }
      };
    });
  }

  function draw() {
    var canvas = document.getElementById("telegram-chart");
    var source = document.getElementById("telegram-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = new Chart(canvas, {
      type: "line",
      data: { datasets: datasets(data.countries) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: {
            type: "linear",
            min: data.countries.length ? Math.min.apply(null, data.countries.map(function (c) { return ms(c.periods[0].start); })) : undefined,
            ticks: { callback: function (v) { return new Date(v).toISOString().slice(0, 7); }, maxTicksLimit: 10 }
          },
          // Logarithmic: the story is the jump from tens to hundreds in the United States, next
          // to India's thousands. A zero cannot be drawn on it and is left out of the line.
          y: { type: "logarithmic", min: 1, title: { display: true, text: "fulfilled requests in the period (log scale)" } }
        },
        plugins: {
          eventLines: { events: data.events },
          tooltip: {
            callbacks: {
              title: function (items) { return items[0].raw.label + (items[0].raw.derived ? " (derived)" : ""); },
              label: function (item) { return item.dataset.label + ": " + item.raw.y.toLocaleString("en"); }
            }
          }
        }
      },
      plugins: [eventLines]
    });
    canvas.dataset.rendered = String(chart.data.datasets.length);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
