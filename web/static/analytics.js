// Pilot analytics charts (Chart.js from npm, served under /vendor); the tables under each chart hold the same data.
(function () {
  'use strict';
  if (typeof Chart === 'undefined') {
    return;
  }
  const data = JSON.parse(document.getElementById('analytics-data').textContent);
  // Counts are whole numbers: their axes step by 1 at least (hours may be fractions).
  const bar = (id, labels, datasets, stacked, fractional) => new Chart(document.getElementById(id), {
    type: 'bar',
    data: { labels: labels, datasets: datasets },
    options: { animation: false, responsive: true, scales: { x: { stacked: !!stacked },
      y: { beginAtZero: true, ticks: fractional ? {} : { precision: 0 } } } }
  });
  bar('chart-cohorts', data.cohorts.map(c => c.cohort), [
    { label: 'Started', data: data.cohorts.map(c => c.started) },
    { label: 'In progress', data: data.cohorts.map(c => c.in_progress) },
    { label: 'Approved', data: data.cohorts.map(c => c.approved) },
    { label: 'Completed', data: data.cohorts.map(c => c.completed) }
  ]);
  bar('chart-steps', data.steps.map(s => s.step), [
    { label: 'Median hours', data: data.steps.map(s => s.median_hours) },
    { label: '90th percentile hours', data: data.steps.map(s => s.p90_hours) }
  ], false, true);
  bar('chart-rounds', data.rounds.map(r => r.rounds + ' round' + (r.rounds === 1 ? '' : 's')), [
    { label: 'Paths', data: data.rounds.map(r => r.paths) }
  ]);
  bar('chart-overdue', data.overdue.by_step.map(s => s[0]), [
    { label: 'Overdue tasks', data: data.overdue.by_step.map(s => s[1]) }
  ]);
  bar('chart-milestones', data.milestones.map(m => m.month), [
    { label: 'Due', data: data.milestones.map(m => m.due) },
    { label: 'Done', data: data.milestones.map(m => m.done) }
  ]);
  document.body.dataset.chartsReady = 'true';
})();
