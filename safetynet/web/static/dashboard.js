// The dashboard's charts (Apache ECharts, served by SafetyNet). Every label and number comes
// from the page's JSON blob (#dashboard-data), already translated and computed by the server.
(function () {
  "use strict";
  var blob = document.getElementById("dashboard-data");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  var L = data.labels;
  // undefined figures (nothing to divide by) arrive as null: a dash, never 0
  var yuan = function (v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(undefined, {minimumFractionDigits: 0, maximumFractionDigits: 0}); };
  // axis ticks in short form (12M, 1200万) so they never run into each other
  var short = new Intl.NumberFormat(document.documentElement.lang || undefined, {notation: "compact"});
  var compact = function (v) { return short.format(v); };
  var pct = function (v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; };
  var charts = [];
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;  // break CJK anywhere

  // a category axis's labels, each within its category's place (the width of the chart less
  // about 120 px of value axes and margins, shared out): Chinese names wrapped at any
  // character, others wrapped at their words (``lines`` splits a name where it may wrap) when
  // every word fits the place, else slanted on one line. ``depth``: the height they take.
  function measure(el) {  // the width of a text of 12 px in the chart's font
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.font = "12px " + window.getComputedStyle(el || document.body).fontFamily;
    return function (text) { return ctx.measureText(text).width; };
  }

  // two value axes' names (of percentages), over the chart's two sides, when they fit side
  // by side (else none: the legend names the series as well)
  function sideBySide(id, names) {
    var el = document.getElementById(id);
    if (!el) { return names; }
    var width = measure(el);
    var needed = names.reduce(function (sum, n) { return sum + width(n); }, 0) +
      2 * width("100.0%") + 48;  // each name starts at its axis, inside the axis's ticks
    return needed <= el.clientWidth ? names : names.map(function () { return ""; });
  }

  var CJK = /[\u3400-\u9fff]/;
  function fitted(id, names, lines) {
    var el = document.getElementById(id);
    var place = el ? Math.max(32, Math.floor((el.clientWidth - 120) / Math.max(names.length, 1)) - 6) : 64;
    if (names.some(function (n) { return CJK.test(n); })) {
      return {label: {interval: 0, width: place, overflow: "breakAll"}, depth: 48};
    }
    var split = lines || function (n) { return n.split(/\s+/); };
    var width = measure(el);
    var words = [].concat.apply([], names.map(split));
    if (Math.max.apply(null, words.map(width)) <= place) {
      var label = {interval: 0, width: place, overflow: "break"};
      if (lines) { label.formatter = function (v) { return lines(v).join("\n"); }; }
      return {label: label, depth: 36};
    }
    var longest = Math.max.apply(null, names.map(width));
    return {label: {interval: 0, rotate: 45}, depth: Math.ceil(longest * 0.71 + 16)};
  }

  function ticks(id) {
    var el = document.getElementById(id);
    return el ? Math.max(2, Math.min(5, Math.round((el.clientWidth - 140) / 70))) : 4;
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, "safetynet", {renderer: "svg"});
    option.animation = false;
    // tooltips drawn inside the chart (rich text), not as HTML with style attributes: the
    // Content-Security-Policy refuses inline styles
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    // the page's own font, by name: ECharts measures labels with it, so none is clipped
    option.textStyle = {fontFamily: window.getComputedStyle(el).fontFamily};
    c.setOption(option);
    el.setAttribute("data-ready", "1");
    charts.push(c);
  }

  chart("chart-layers", {
    tooltip: {trigger: "axis", valueFormatter: yuan},
    grid: {left: 8, right: 96, top: 8, bottom: 8, containLabel: true},  // room for the labels
    // as many ticks as the chart's width holds apart (4 at 1024 px, 2 on a phone)
    xAxis: {type: "value", splitNumber: ticks("chart-layers"), axisLabel: {formatter: compact}},
    yAxis: {type: "category", inverse: true, data: data.layers.map(function (r) { return r.name; }),
            axisLabel: {width: 112, overflow: "break"}},  // long names on two lines
    series: [{type: "bar", name: L.paid, data: data.layers.map(function (r) { return r.yuan; }),
              label: {show: true, position: "right", formatter: function (p) { return yuan(p.value); }}}]
  });

  var shares = sideBySide("chart-levels", [L.reimbursement_share, L.visit_share]);
  chart("chart-levels", {
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 36, containLabel: true},
    // every level named: wrapped onto lines as wide as a level's place, or slanted when a
    // word of a name is wider than that
    xAxis: {type: "category", data: data.levels.map(function (r) { return r.name; }),
            axisLabel: fitted("chart-levels", data.levels.map(function (r) { return r.name; })).label},
    yAxis: [{type: "value", name: shares[0], nameTextStyle: {align: "left"},
             axisLabel: {formatter: pct}, max: 1},
            {type: "value", name: shares[1], nameTextStyle: {align: "right"},
             axisLabel: {formatter: pct}, max: 1}],
    series: [
      {type: "bar", name: L.reimbursement_share, data: data.levels.map(function (r) { return r.reimbursement_share; }),
       tooltip: {valueFormatter: pct}},
      {type: "bar", name: L.visit_share, yAxisIndex: 1, data: data.levels.map(function (r) { return r.visit_share; }),
       tooltip: {valueFormatter: pct}}
    ]
  });

  chart("chart-monthly", {
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: [{type: "value", name: L.compensation_yuan, nameTextStyle: {align: "left"},
             axisLabel: {formatter: compact}},
            {type: "value", name: L.visits, nameTextStyle: {align: "right"}}],
    series: [
      {type: "bar", name: L.compensation_yuan, data: data.months.map(function (r) { return r.compensation_yuan; }),
       tooltip: {valueFormatter: yuan}},
      {type: "line", name: L.visits, yAxisIndex: 1, data: data.months.map(function (r) { return r.visits; })}
    ]
  });

  chart("chart-ratio", {
    tooltip: {trigger: "axis", valueFormatter: pct},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: {type: "value", min: 0, max: 1, axisLabel: {formatter: pct}},
    series: [
      // short names (the chart's title says what is compared): the legend stays on one line
      {type: "line", name: L.poor, data: data.months.map(function (r) { return r.ratio_poor; })},
      {type: "line", name: L.everyone, data: data.months.map(function (r) { return r.ratio_all; })}
    ]
  });

  // every band named, on two lines at its dash (500– / 1,000), slanted when narrow; the
  // axis's name below them
  var bands = fitted("chart-oop", data.oop.map(function (r) { return r.band; }),
                     function (v) { return v.replace("–", "–\n").split("\n"); });
  chart("chart-oop", {
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.oop.map(function (r) { return r.band; }), name: L.oop_band_axis,
            nameLocation: "middle", nameGap: bands.depth + 8, axisLabel: bands.label},
    yAxis: {type: "value", name: L.persons},
    series: [
      {type: "bar", stack: "p", name: L.poor, data: data.oop.map(function (r) { return r.poor; })},
      {type: "bar", stack: "p", name: L.others, data: data.oop.map(function (r) { return r.others; })}
    ]
  });

  // townships as a treemap: area = compensation, colour = actual compensation ratio on a
  // fixed scale (50 % light to 100 % dark, the same for every region and year, shown in a
  // legend), so a tenth of a point looks like a tenth of a point; each label dark on light
  // cells and white on dark ones
  var SCALE = [0.5, 1.0], LIGHT = [222, 235, 247], DARK = [8, 48, 107];
  var mix = function (t) {
    return LIGHT.map(function (x, i) { return Math.round(x + (DARK[i] - x) * t); });
  };
  var place = function (r) {
    return r === null ? 0 : Math.max(0, Math.min(1, (r - SCALE[0]) / (SCALE[1] - SCALE[0])));
  };
  var rgb = function (c) { return "rgb(" + c.join(",") + ")"; };
  var ink = function (c) {  // relative luminance (WCAG): dark text on light fills
    var lin = c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] > 0.18 ? "#1f2933" : "#ffffff";
  };
  var stops = [0, 0.25, 0.5, 0.75, 1];
  chart("chart-townships", {
    tooltip: {formatter: function (p) {
      var d = p.data; return d.name + "\n" + L.compensation_yuan + ": " + yuan(d.value) +
        "\n" + L.ratio_all + ": " + pct(d.ratio) + "\n" + L.per_capita + ": " + yuan(d.per_capita); }},
    graphic: [
      {type: "text", left: "center", bottom: 30,
       style: {text: L.ratio_all, fontSize: 12, fill: "#444"}},
      {type: "rect", left: "center", bottom: 16, shape: {width: 240, height: 10},
       style: {fill: {type: "linear", x: 0, y: 0, x2: 1, y2: 0,
                      colorStops: stops.map(function (t) { return {offset: t, color: rgb(mix(t))}; })}}},
      {type: "group", left: "center", bottom: 0, children: stops.map(function (t) {
        return {type: "text", x: 240 * t, style: {text: pct(SCALE[0] + t * (SCALE[1] - SCALE[0])),
                fontSize: 11, fill: "#444", align: "center"}};
      })}
    ],
    series: [{type: "treemap", roam: false, nodeClick: false, breadcrumb: {show: false},
              top: 4, left: 4, right: 4, bottom: 56,
              label: {formatter: function (p) { return p.name + "\n" + pct(p.data.ratio); }},
              data: data.townships.map(function (r) {
                var c = mix(place(r.ratio));
                return {name: r.name, value: r.compensation_yuan, ratio: r.ratio,
                        per_capita: r.per_capita, itemStyle: {color: rgb(c)},
                        label: {color: ink(c)}};
              })}]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
