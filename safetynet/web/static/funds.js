// The fund page's charts (Apache ECharts, served by SafetyNet): spending by fund and month,
// income by source, and spending to date with its projection band. Data from #funds-data.
(function () {
  "use strict";
  var blob = document.getElementById("funds-data");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, "safetynet", {renderer: "svg"});
    option.animation = false;
    option.textStyle = {fontFamily: window.getComputedStyle(el).fontFamily};
    chart.setOption(option);
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  draw("chart-spending", {
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {bottom: 0, type: "scroll"},
    grid: {left: 8, right: 24, top: 8, bottom: 40, containLabel: true},
    xAxis: {type: "category", data: data.months},
    yAxis: {type: "value"},
    series: data.spending.map(function (s) {
      return {type: "bar", stack: "spending", name: s.name, data: s.data};
    })
  });
  draw("chart-income", {
    tooltip: {trigger: "item"},
    legend: {bottom: 0, type: "scroll"},
    series: [{type: "pie", radius: ["35%", "65%"], data: data.income,
              label: {formatter: "{b}: {d}%"}}]
  });
  if (data.projection) {
    var p = data.projection;
    draw("chart-projection", {
      tooltip: {trigger: "axis"},
      legend: {bottom: 0},
      grid: {left: 8, right: 24, top: 16, bottom: 40, containLabel: true},
      xAxis: {type: "category", data: data.months},
      yAxis: {type: "value"},
      series: [
        {type: "line", name: data.labels.actual, data: p.actual},
        {type: "line", name: data.labels.low, data: p.low, lineStyle: {type: "dashed"}},
        {type: "line", name: data.labels.high, data: p.high, lineStyle: {type: "dashed"},
         markLine: {symbol: "none", label: {formatter: data.labels.income},
                    data: [{yAxis: p.income}]}}
      ]
    });
  }
}());
