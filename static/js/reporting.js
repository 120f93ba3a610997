// The periodic reports' chart (templates/_reporting.html): per month, received on time, received
// late and missing, stacked; drawn from the JSON the page embeds.
(function () {
  "use strict";
  const canvas = document.getElementById("reporting-chart");
  const source = document.getElementById("reporting-chart-data");
  if (!canvas || !source) return;
  const data = JSON.parse(source.textContent);
  const number = new Intl.NumberFormat("vi-VN");
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.on_time, data: data.on_time, backgroundColor: "#198754" },
        { label: data.names.late, data: data.late, backgroundColor: "#0d6efd" },
        { label: data.names.missing, data: data.missing, backgroundColor: "#dc3545" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { stacked: true, ticks: { precision: 0, callback: (v) => number.format(v) } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 14, padding: 8 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${number.format(c.raw)}` } },
      },
    },
  });
  canvas.dataset.drawn = "true";
})();
