// What the site's charts share (Chart.js, vendored): calendar dates as UTC milliseconds on an axis
// ticked at calendar boundaries, one palette, lines drawn as a flat segment over the period each
// figure covers with a gap after it, and numbered event markers whose list sits under each chart,
// so no label is clipped.
window.PlatformCharts = (function () {
  "use strict";
  var DAY = 86400000;
  // d3's category10: ten hues chosen to stay apart from each other on white. Lines that stand for
  // metrics take them in order.
  var PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f", "#e377c2", "#bcbd22"
  ];

  function ms(isoDate) { return Date.parse(isoDate + "T00:00:00Z"); }

  // Events: a dashed vertical line with the event's number (its place in the list) at the top.
  // Numbers whose events lie closer together than the numbers are wide (a month apart on a
  // phone-width chart of several years) would be drawn over each other: each number goes on the
  // first row, from the top, where it clears the numbers already there, and its line starts below
  // it. The boxes drawn are left on the canvas (data-event-markers) for tests to measure.
  var MARKER_FONT = 11, MARKER_ROW = 16, MARKER_GAP = 4;

  var eventLines = {
    id: "eventLines",
    afterDatasetsDraw: function (chart, args, options) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.font = "bold " + MARKER_FONT + "px sans-serif";
      ctx.textAlign = "center";
      var shown = [];
      (options.events || []).forEach(function (event, i) {
        var px = x.getPixelForValue(ms(event.event_date));
        // Numbered by its place in the list under the chart.
        if (px >= area.left && px <= area.right) { shown.push({ n: i + 1, px: px }); }
      });
      shown.sort(function (a, b) { return a.px - b.px || a.n - b.n; });
      var rowsRight = [], boxes = [];
      shown.forEach(function (m) {
        var half = ctx.measureText(String(m.n)).width / 2;
        var row = 0;
        while (row < rowsRight.length && rowsRight[row] + MARKER_GAP > m.px - half) { row += 1; }
        rowsRight[row] = m.px + half;
        var baseline = area.top + 10 + row * MARKER_ROW;
        ctx.strokeStyle = "#555";
        ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(m.px, baseline + 4); ctx.lineTo(m.px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        var box = { n: m.n, left: m.px - half, right: m.px + half, top: baseline - MARKER_FONT + 1, bottom: baseline + 2 };
        boxes.push(box);
      });
      // Numbers last, each on a white ground: a neighbour's line never runs through one.
      boxes.forEach(function (box) {
        ctx.fillStyle = "#fff";
        ctx.fillRect(box.left - 2, box.top - 1, box.right - box.left + 4, box.bottom - box.top + 2);
        ctx.fillStyle = "#222";
        ctx.fillText(String(box.n), (box.left + box.right) / 2, box.bottom - 2);
      });
      ctx.restore();
      chart.canvas.dataset.eventMarkers = JSON.stringify(boxes);
    }
  };

  // The points of one line: each period {period_start, period_end (inclusive), ...} a flat
  // segment at y(period), then a null point so that no line joins two periods as if the value
  // changed smoothly. extra(period) adds fields the tooltip reads.
  function periodPoints(periods, y, extra) {
    var points = [];
    periods.forEach(function (p) {
      var fields = extra(p);
      points.push(Object.assign({ x: ms(p.period_start), y: y(p) }, fields));
      points.push(Object.assign({ x: ms(p.period_end), y: y(p) }, fields));
      points.push({ x: ms(p.period_end) + DAY / 2, y: null });
    });
    return points;
  }

  // Where a period ends on the time axis: the end of its last day.
  function endOf(p) { return ms(p.period_end) + DAY; }

  // Ticks on calendar boundaries, where reports' periods start and end, so that a quarter's line
  // runs from one tick to the next: 1 January of every year (or every few years), quarters for
  // short spans. (Chart.js's own ticks on a linear axis are round numbers of milliseconds, dates
  // such as 3 July and 27 October that no period starts on.)
  function calendarTicks(axis) {
    var first = new Date(axis.min).getUTCFullYear(), last = new Date(axis.max).getUTCFullYear() + 1;
    var years = last - first, ticks = [];
    // On a phone-wide chart, half as many labels, so that they never run into each other.
    var narrow = axis.chart.width < 600;
    var months = years <= 3 ? (narrow ? [0, 6] : [0, 3, 6, 9]) : [0];
    var step = Math.max(1, Math.ceil(years / (narrow ? 4 : 8)));
    for (var y = first; y <= last; y += step) {
      months.forEach(function (m) {
        var v = Date.UTC(y, m, 1);
        if (v >= axis.min && v <= axis.max) { ticks.push({ value: v }); }
      });
    }
    axis.ticks = ticks;
  }

  // "2025" where a year starts, "Apr 2025" where a later quarter does: read at a glance, where
  // "2025-04" has to be decoded. Spelled here, not by the browser's locale, so all see the same.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function calendarLabel(value) {
    var d = new Date(value);
    return (d.getUTCMonth() === 0 ? "" : MONTHS[d.getUTCMonth()] + " ") + d.getUTCFullYear();
  }

  // The time axis of a chart: from the first period's start to the end of the last one, so that
  // neither end is blank, with calendar ticks, every one labelled (autoSkip would drop some
  // unevenly; calendarTicks already keeps them apart). periodLists: each line's list of periods.
  function calendarAxis(periodLists) {
    var starts = [], ends = [];
    periodLists.forEach(function (periods) {
      periods.forEach(function (p) { starts.push(ms(p.period_start)); ends.push(endOf(p)); });
    });
    return {
      type: "linear",
      min: starts.length ? Math.min.apply(null, starts) : undefined,
      max: ends.length ? Math.max.apply(null, ends) : undefined,
      afterBuildTicks: calendarTicks,
      ticks: { autoSkip: false, maxRotation: 0, callback: calendarLabel }
    };
  }

  // A logarithmic axis whose every label reads clear of its neighbours. Chart.js's own ticks
  // label every tick in the top fifth of the axis, so "4,000", "6,000", "8,000" and "10,000" were
  // drawn over each other. Here the ticks are 1, 2 and 5 times each power of ten where a decade is
  // tall enough for their labels to stand apart, else 1 and 3 times, else the powers of ten alone;
  // the axis runs from min up to the first tick at or above the largest value, so its top line is
  // labelled too.
  var LOG_STEPS = [[1, 2, 5], [1, 3], [1]], LOG_LABEL_GAP = 4;

  function logValues(min, max, steps) {
    var values = [];
    for (var power = Math.floor(Math.log10(min)); values.length === 0 || values[values.length - 1] < max; power += 1) {
      steps.forEach(function (step) {
        var v = step * Math.pow(10, power);
        if (v >= min && (values.length === 0 || values[values.length - 1] < max)) { values.push(v); }
      });
    }
    return values;
  }

  // The labelled values from min up to the first at or above max, in the first set of steps whose
  // labels stand apart on an axis of size pixels.
  function logLabels(min, max, row, size) {
    var values = [];
    for (var k = 0; k < LOG_STEPS.length; k += 1) {
      values = logValues(min, max, LOG_STEPS[k]);
      var top = values[values.length - 1], decades = Math.log10(top / min);
      // The closest two labels of this set: log10 of the smallest ratio between neighbours.
      var closest = Infinity;
      for (var i = 1; i < values.length; i += 1) { closest = Math.min(closest, Math.log10(values[i] / values[i - 1])); }
      if (closest * size / decades >= row) { break; }
    }
    return values;
  }

  // Pixels kept between the largest value's line and the top of the axis: Snapchat's 9,820 for
  // Germany lay on an axis ending at 10,000, half a pixel from the plot's top edge, and read as
  // its frame. Such an axis runs on to the next label.
  var LOG_ROOM = 4;

  function logTicks(axis) {
    var row = Chart.helpers.toFont(axis.options.ticks.font).lineHeight + LOG_LABEL_GAP;
    var size = axis.isHorizontal() ? axis.width : axis.height;
    var min = axis.min > 0 ? axis.min : 1, max = Math.max(axis.max, min * 10);
    var values = logLabels(min, max, row, size);
    var largest = axis.getMinMax(false).max, top = values[values.length - 1];
    if (largest > 0 && Math.log10(top / largest) / Math.log10(top / min) * size < LOG_ROOM) {
      values = logLabels(min, top * 1.01, row, size);
    }
    axis.min = values[0];
    axis.max = values[values.length - 1];
    axis.ticks = values.map(function (v) { return { value: v }; });
  }

  function logAxis(title) {
    return {
      type: "logarithmic", min: 1,
      title: { display: true, text: title },
      afterBuildTicks: logTicks,
      ticks: { autoSkip: false, callback: function (value) { return Number(value).toLocaleString("en"); } }
    };
  }

  function nthColor(i) { return PALETTE[i % PALETTE.length]; }

  // A chart of more jurisdictions than the ten hues: five darker ones (d3's category20b) come
  // next, and only then does a colour repeat (series-chart.js says so under the chart). Canada,
  // Korea and Poland were drawn in one grey on a chart of twelve countries.
  var MORE_COLORS = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];

  // A line that stands for a jurisdiction has that jurisdiction's colour on every chart of the
  // site, so that a reader who has learnt India's line on the home chart finds it again on
  // /platform/telegram. The jurisdictions charted most often (the home chart's and the platforms'
  // top countries) each have a colour of their own, so two of them never share one; any other
  // takes the colour its code hashes to. Where that colour is already a line's on the chart, it
  // takes the next one no line has, the codes taking turns in sorted order: a chart's colours
  // depend on which jurisdictions it shows, never on the order of its lines.
  var JURISDICTION_COLORS = {
    IND: "#1f77b4", DEU: "#d62728", USA: "#2ca02c", GBR: "#9467bd", FRA: "#ff7f0e",
    ESP: "#8c564b", BRA: "#17becf", ITA: "#e377c2", POL: "#7f7f7f", JPN: "#bcbd22"
  };

  // FNV-1a: a string's 32-bit hash, the same in every browser.
  function hash(text) {
    var h = 0x811c9dc5;
    for (var k = 0; k < text.length; k += 1) { h = Math.imul(h ^ text.charCodeAt(k), 0x01000193) >>> 0; }
    return h;
  }

  // {jurisdiction_id: colour} for the lines of one chart.
  function jurisdictionColors(ids) {
    var colors = {}, taken = {};
    var own = ids.filter(function (id) { return JURISDICTION_COLORS[id]; });
    var hashed = ids.filter(function (id) { return !JURISDICTION_COLORS[id]; }).sort();
    own.forEach(function (id) { colors[id] = JURISDICTION_COLORS[id]; taken[colors[id]] = true; });
    hashed.forEach(function (id) {
      var first = hash(id) % PALETTE.length, k = 0;
      while (k < PALETTE.length && taken[nthColor(first + k)]) { k += 1; }
      var spare = MORE_COLORS.filter(function (c) { return !taken[c]; });
      // More lines than colours: the rest keep the colour they hash to.
      colors[id] = k < PALETTE.length ? nthColor(first + k) : (spare[0] || nthColor(first));
      taken[colors[id]] = true;
    });
    return colors;
  }

  // A line per series; derived figures are dashed. A segment lying under another series' (within
  // a line's width of it, over the same days) is drawn wider by CASING per line above it, so that
  // its colour shows on both sides: the US's 886 under Germany's 892 was invisible.
  var CASING = 4;

  function line(label, points, color, width) {
    return {
      label: label, data: points, borderColor: color, backgroundColor: color, borderWidth: width,
      pointRadius: 0, pointHitRadius: 6, spanGaps: false,
      segment: {
        borderDash: function (ctx) { return ctx.p0.raw.derived ? [6, 4] : undefined; },
        borderWidth: function (ctx) { return width + CASING * (ctx.p0.raw.covered || 0); }
      }
    };
  }

  // The flat segments of one drawn dataset: {left, right, y} in pixels, with its first point.
  function flatSegments(meta) {
    var segments = [];
    for (var k = 0; k + 1 < meta.data.length; k += 1) {
      var a = meta.data[k], b = meta.data[k + 1], raw = meta._dataset.data[k];
      if (raw.y === null || meta._dataset.data[k + 1].y === null || a.skip || b.skip) { continue; }
      segments.push({ left: a.x, right: b.x, y: a.y, raw: raw, width: meta._dataset.borderWidth });
    }
    return segments;
  }

  // Chart.js draws dataset 0 last, on top. Before each draw (the layout sets the pixels), every
  // segment counts the segments of the datasets above it that would hide it; the count sets its
  // width (line's segment.borderWidth). The counts are left on the canvas (data-covered) for tests.
  var coveredLines = {
    id: "coveredLines",
    afterUpdate: function (chart) {
      var drawn = chart.data.datasets.map(function (d, i) { return flatSegments(chart.getDatasetMeta(i)); });
      var covered = [];
      drawn.forEach(function (segments, i) {
        segments.forEach(function (s) {
          var n = 0;
          for (var j = 0; j < i; j += 1) {
            n += drawn[j].some(function (t) {
              return t.left < s.right && s.left < t.right && Math.abs(t.y - s.y) < (t.width + s.width) / 2 + 1;
            }) ? 1 : 0;
          }
          s.raw.covered = n;
          if (n) { covered.push({ dataset: chart.data.datasets[i].label, label: s.raw.label, under: n }); }
        });
        // The segments' styles are read when the line is next drawn.
        delete chart.getDatasetMeta(i).dataset._segments;
      });
      chart.canvas.dataset.covered = JSON.stringify(covered);
    }
  };

  function whenReady(draw) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
  }

  return {
    eventLines: eventLines, coveredLines: coveredLines, periodPoints: periodPoints, calendarAxis: calendarAxis, logAxis: logAxis,
    nthColor: nthColor, jurisdictionColors: jurisdictionColors, line: line, whenReady: whenReady
  };
})();
