// Charts of the province dashboard, drawn from the JSON the page embeds (no request of its own).
(function () {
  "use strict";
  const colours = {
    overdue: "#dc3545", due_soon: "#ffc107", not_due: "#0dcaf0",
    no_deadline: "#6c757d", done_late: "#0d6efd", done_on_time: "#198754",
  };
  const number = new Intl.NumberFormat("vi-VN");
  const districts = JSON.parse(document.getElementById("district-chart-data").textContent);
  const districtCanvas = document.getElementById("district-chart");
  if (districtCanvas && districts.labels.length) {
    new Chart(districtCanvas, {
      type: "bar",
      data: {
        labels: districts.labels,
        datasets: districts.datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: colours[d.status] })),
      },
      options: {
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: (v) => number.format(v) } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${number.format(c.raw)}` } } },
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
      options: { animation: false, scales: { y: { ticks: { callback: (v) => number.format(v) } } } },
    });
    canvas.dataset.drawn = "true";
  });
})();
