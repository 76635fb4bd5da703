// The policy-design page: polls a running search's progress, then reloads to show its result;
// draws the frontier (Apache ECharts, served by SafetyNet) from the page's JSON blob
// (#design-data), whose labels and numbers the server has translated and computed.
(function () {
  "use strict";
  var status = document.getElementById("design-status");
  var url = status && status.getAttribute("data-progress-url");
  if (url) {
    var bar = document.getElementById("design-progress");
    var count = document.getElementById("design-count");
    var poll = function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (p) {
          // a refusal (the session ended, the search forgotten): the reloaded page says it
          if (p.finished || p.error) { window.location.reload(); return; }
          if (p.total) {
            bar.max = p.total; bar.value = p.done;
            count.textContent = p.done + " / " + p.total;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 500);
  }
  var blob = document.getElementById("design-data");
  var el = document.getElementById("design-chart");
  if (!blob || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  var L = data.labels;
  el.style.height = "420px";
  var chart = echarts.init(el, "safetynet", {renderer: "svg"});
  var short = new Intl.NumberFormat(document.documentElement.lang || undefined, {notation: "compact"});
  chart.setOption({
    animation: false,
    textStyle: {fontFamily: window.getComputedStyle(el).fontFamily},
    legend: {top: 0},
    grid: {left: 8, right: 24, top: 40, bottom: 30, containLabel: true},
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        return L.candidate + " " + p.value[2] + "<br>" + L.x + ": " +
          Number(p.value[0]).toLocaleString() + "<br>" + L.y + ": " + p.value[1].toFixed(2) + "%";
      }
    },
    xAxis: {type: "value", name: L.x, nameLocation: "middle", nameGap: 24, scale: true,
            axisLabel: {formatter: function (v) { return short.format(v); }}},
    yAxis: {type: "value", name: L.y, scale: true, axisLabel: {formatter: "{value}%"}},
    series: [
      {name: L.others, type: "scatter", symbolSize: 6, itemStyle: {color: "#bbbbbb"}, data: data.others},
      {name: L.feasible, type: "scatter", symbolSize: 7, itemStyle: {color: "#2f6fb0"}, data: data.feasible},
      {name: L.frontier, type: "line", step: false, symbolSize: 4, itemStyle: {color: "#c0392b"}, data: data.frontier},
      {name: L.best, type: "scatter", symbolSize: 16, itemStyle: {color: "#27ae60"}, data: data.best}
    ]
  });
  el.setAttribute("data-ready", "1");
  window.addEventListener("resize", function () { chart.resize(); });
}());
