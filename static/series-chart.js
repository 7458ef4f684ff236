// Draws every .series-chart figure of a page from the page's #charts-data JSON (Chart.js, vendored).
// Each figure is drawn as a flat segment over the period it covers, with a gap after it, so that
// no line joins two periods as if the value changed smoothly, and overlapping periods (which the
// build keeps out of figures_series) could never share a line. Derived figures are dashed.
(function () {
  "use strict";
  var charts = window.PlatformCharts;

  // A white background, so that the PNG export is not transparent.
  var background = {
    id: "background",
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save(); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, chart.width, chart.height); ctx.restore();
    }
  };

  // A line that stands for a jurisdiction has its colour (chart-common.js); lines of metrics take
  // the palette in order.
  function datasets(spec) {
    var colors = spec.line_per === "jurisdiction"
      ? charts.jurisdictionColors(spec.series.map(function (s) { return s.jurisdiction_id; }))
      : null;
    return spec.series.map(function (s, i) {
      var points = charts.periodPoints(
        s.points,
        function (p) { return p.value; },
        function (p) { return { label: p.period, derived: p.derived, value: p.value }; }
      );
      return charts.line(s.label, points, colors ? colors[s.jurisdiction_id] : charts.nthColor(i), 2.5);
    });
  }

  // A point's value as the platform published it, every digit kept: toLocaleString alone stops at
  // three decimals, and TikTok's 0.340909091 read "0.341" (0.1333 "0.133") under the pointer,
  // where the table below the chart and the figure's page give it whole.
  function published(v) { return v.toLocaleString("en", { maximumFractionDigits: 20 }); }

  function axisTicks(unit) {
    if (unit === "percent") { return function (v) { return v + "%"; }; }
    if (unit === "fraction") { return function (v) { return v.toLocaleString("en", { maximumFractionDigits: 2 }); }; }
    return function (v) { return v.toLocaleString("en"); };
  }

  // Where lines outnumber the colours, two lines look alike: the note under the chart (which the
  // PNG export writes too) says so and points to the table, which names each line.
  function sharedColors(figure, lines) {
    var colors = {};
    lines.forEach(function (d) { colors[d.borderColor] = true; });
    var distinct = Object.keys(colors).length, note = figure.querySelector(".chart-note");
    if (distinct < lines.length && note) {
      var span = document.createElement("span");
      span.className = "shared-colors";
      span.textContent = " " + lines.length + " lines in " + distinct + " colours: some lines share a colour; " +
        "the chart's figures as a table name each line.";
      note.appendChild(span);
    }
  }

  function draw(figure, spec) {
    var canvas = figure.querySelector("canvas");
    var lines = datasets(spec);
    sharedColors(figure, lines);
    // The axis the chart's JSON names (value_axis: plugins/explore.py decides it, and the note under
    // the chart says why), so that a program drawing the chart from that JSON draws the same axis.
    var logarithmic = spec.value_axis === "log";
    var chart = new Chart(canvas, {
      type: "line",
      data: { datasets: lines },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: charts.calendarAxis(spec.series.map(function (s) { return s.points; })),
          // One unit per axis: counts, percentages or fractions, never two of them.
          y: logarithmic ? charts.logAxis(spec.axis + " (log scale)") : {
            beginAtZero: true,
            max: spec.unit === "percent" ? 100 : (spec.unit === "fraction" ? 1 : undefined),
            // Room above the largest count before the axis rounds its top: Germany's Meta line of
            // 17,977 and Discord's 90 (an axis ending at 90) lay on the chart's top edge, half cut
            // off and read as its frame.
            grace: "5%",
            title: { display: true, text: spec.axis },
            ticks: { callback: axisTicks(spec.unit) }
          }
        },
        plugins: {
          legend: { labels: { boxWidth: 14 } },
          eventLines: { events: spec.events },
          tooltip: {
            filter: function (item) { return item.raw.y !== null; },
            callbacks: {
              title: function (items) { return items[0].raw.label + (items[0].raw.derived ? " (derived)" : ""); },
              label: function (item) { return item.dataset.label + ": " + published(item.raw.value); }
            }
          }
        }
      },
      plugins: [background, charts.coveredLines, charts.eventLines]
    });
    var png = figure.querySelector(".chart-png");
    if (png) {
      png.addEventListener("click", function () { png.href = exportImage(figure, chart); });
    }
    var drawn = spec.series.reduce(function (n, s) { return n + s.points.length; }, 0);
    canvas.dataset.rendered = String(drawn);
  }

  // The PNG export carries what the page says around the chart, so that an image passed on alone
  // still says what it shows and where it is from: the title above it; the numbered events, the
  // figures drawn and the citation (which names the source, version and address) below it. Each
  // event is written as its list item reads: date, title and "(source: publisher)".
  var PAD = 12, TITLE_FONT = "bold 16px sans-serif", TEXT_FONT = "12px sans-serif", LINE = 16;

  // A word wider than the image (the citation's address) is cut into pieces that fit, after a
  // "/", "?" or "&" where one lies in the piece: kept whole, it ran past the image's edge and the
  // address was cut off.
  function pieces(ctx, word, width) {
    var out = [];
    while (ctx.measureText(word).width > width) {
      var end = 1;
      while (end < word.length && ctx.measureText(word.slice(0, end + 1)).width <= width) { end += 1; }
      var cut = Math.max(word.lastIndexOf("/", end - 1), word.lastIndexOf("?", end - 1), word.lastIndexOf("&", end - 1));
      if (cut > 0) { end = cut + 1; }
      out.push(word.slice(0, end));
      word = word.slice(end);
    }
    out.push(word);
    return out;
  }

  function wrapped(ctx, text, width) {
    var lines = [], current = "";
    text.split(/\s+/).filter(Boolean).forEach(function (whole) {
      pieces(ctx, whole, width).forEach(function (word, i) {
        var next = current ? current + (i ? "" : " ") + word : word;
        if (current && ctx.measureText(next).width > width) { lines.push(current); current = word; } else { current = next; }
      });
    });
    if (current) { lines.push(current); }
    return lines;
  }

  function exportImage(figure, chart) {
    var source = chart.canvas, ratio = chart.currentDevicePixelRatio || 1;
    var width = source.width / ratio, text = function (selector) {
      var node = figure.querySelector(selector);
      return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
    };
    var measure = document.createElement("canvas").getContext("2d");
    measure.font = TITLE_FONT;
    var title = wrapped(measure, text("figcaption"), width - 2 * PAD);
    measure.font = TEXT_FONT;
    var below = [];
    figure.querySelectorAll(".chart-events li").forEach(function (li, i) {
      below = below.concat(wrapped(measure, (i + 1) + ". " + li.textContent.replace(/\s+/g, " ").trim(), width - 2 * PAD));
    });
    below = below.concat(wrapped(measure, text(".chart-note"), width - 2 * PAD), wrapped(measure, text(".chart-citation"), width - 2 * PAD));
    var top = PAD + title.length * (LINE + 4) + PAD / 2, height = top + source.height / ratio + PAD + below.length * LINE + PAD;
    var out = document.createElement("canvas");
    out.width = Math.round(width * ratio); out.height = Math.round(height * ratio);
    var ctx = out.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#222"; ctx.textBaseline = "top";
    ctx.font = TITLE_FONT;
    title.forEach(function (line, i) { ctx.fillText(line, PAD, PAD + i * (LINE + 4)); });
    ctx.drawImage(source, 0, top, width, source.height / ratio);
    ctx.font = TEXT_FONT;
    var y = top + source.height / ratio + PAD;
    below.forEach(function (line, i) { ctx.fillText(line, PAD, y + i * LINE); });
    // What was written around the chart, for tests (a canvas keeps no text).
    figure.dataset.exportedText = JSON.stringify(title.concat(below));
    return out.toDataURL("image/png");
  }

  function drawAll() {
    var source = document.getElementById("charts-data");
    if (!source || typeof Chart === "undefined" || !charts) { return; }
    var specs = JSON.parse(source.textContent);
    document.querySelectorAll("figure.series-chart").forEach(function (figure) {
      var spec = specs[Number(figure.dataset.index)];
      if (spec) { draw(figure, spec); }
    });
  }

  charts && charts.whenReady(drawAll);
})();
