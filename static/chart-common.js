// What the site's charts share (Chart.js, vendored): calendar dates as UTC milliseconds, one
// palette, lines drawn as a flat segment over the period each figure covers with a gap after it,
// and numbered event markers whose list sits under each chart, so no label is clipped.
window.PlatformCharts = (function () {
  "use strict";
  var DAY = 86400000;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

  function ms(isoDate) { return Date.parse(isoDate + "T00:00:00Z"); }

  // Events: a dashed vertical line with the event's number (its place in the list) at the top.
  var eventLines = {
    id: "eventLines",
    afterDatasetsDraw: function (chart, args, options) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      (options.events || []).forEach(function (event, i) {
        var px = x.getPixelForValue(ms(event.event_date));
        if (px < area.left || px > area.right) { return; }
        ctx.save();
        ctx.strokeStyle = "#555";
        ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(px, area.top + 14); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#222";
        ctx.font = "bold 11px sans-serif";
        ctx.textAlign = "center";
        ctx.fillText(String(i + 1), px, area.top + 10);
        ctx.restore();
      });
    }
  };

  // The points of one line: each period {start, end (exclusive), ...} a flat segment at
  // y(period), then a null point so that no line joins two periods as if the value changed
  // smoothly. extra(period) adds fields the tooltip reads.
  function periodPoints(periods, y, extra) {
    var points = [];
    periods.forEach(function (p) {
      var fields = extra(p);
      points.push(Object.assign({ x: ms(p.start), y: y(p) }, fields));
      points.push(Object.assign({ x: ms(p.end) - DAY, y: y(p) }, fields));
      points.push({ x: ms(p.end) - DAY / 2, y: null });
    });
    return points;
  }

  // A line per series; derived figures are dashed.
  function line(label, points, i, width) {
    var color = COLORS[i % COLORS.length];
    return {
      label: label, data: points, borderColor: color, backgroundColor: color, borderWidth: width,
      pointRadius: 0, pointHitRadius: 6, spanGaps: false,
      segment: { borderDash: function (ctx) { return ctx.p0.raw.derived ? [6, 4] : undefined; } }
    };
  }

  function whenReady(draw) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
  }

  return { ms: ms, eventLines: eventLines, periodPoints: periodPoints, line: line, whenReady: whenReady };
})();
