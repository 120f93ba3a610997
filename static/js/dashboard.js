// Charts of the province dashboard, drawn from the JSON the page embeds (no request of its own).
// Every chart fills a box whose height the CSS (or, for the districts, the number of bars) sets:
// maintainAspectRatio is off, so a narrow phone screen gets a chart as tall as a wide one instead
// of a strip (docs/DECISIONS.md, "Charts on a phone").
(function () {
  "use strict";
  const colours = {
    overdue: "#dc3545", due_soon: "#ffc107", not_due: "#0dcaf0",
    no_deadline: "#6c757d", done_late: "#0d6efd", done_on_time: "#198754",
  };
  const number = new Intl.NumberFormat("vi-VN");
  const legend = { position: "bottom", labels: { boxWidth: 14, padding: 8 } };
  const districts = JSON.parse(document.getElementById("area-chart-data").textContent);
  const districtCanvas = document.getElementById("area-chart");
  if (districtCanvas && districts.labels.length) {
    // One horizontal bar per district, each bar a readable 26 px, plus room for the legend and axis.
    districtCanvas.parentElement.style.height = `${districts.labels.length * 26 + 140}px`;
    new Chart(districtCanvas, {
      type: "bar",
      data: {
        labels: districts.labels,
        datasets: districts.datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: colours[d.status] })),
      },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, ticks: { callback: (v) => number.format(v) } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
        plugins: {
          legend,
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${number.format(c.raw)}` } },
        },
      },
    });
    districtCanvas.dataset.drawn = "true";
  }
  const indicators = JSON.parse(document.getElementById("indicator-chart-data").textContent);
  document.querySelectorAll("canvas.indicator-chart").forEach((canvas) => {
    const data = indicators[Number(canvas.dataset.index)];
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: canvas.closest("section").querySelector(".card-header").textContent, data: data.actual, borderColor: "#0d6efd", pointRadius: 0 },
          { label: data.names.expected, data: data.expected, borderColor: "#6c757d", borderDash: [6, 4], pointRadius: 0 },
          { label: data.names.target, data: data.labels.map(() => data.target), borderColor: "#dc3545", pointRadius: 0 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { maxRotation: 0, autoSkipPadding: 16 } },
          y: { ticks: { callback: (v) => number.format(v) } },
        },
        plugins: { legend },
      },
    });
    canvas.dataset.drawn = "true";
  });
})();
