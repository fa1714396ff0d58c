// On phones, list tables show as cards: each cell is labelled with its column's heading.
(function () {
  'use strict';
  document.querySelectorAll('table.list').forEach(function (table) {
    const headings = Array.from(table.querySelectorAll('thead th')).map(function (th) { return th.textContent.trim(); });
    table.querySelectorAll('tbody tr').forEach(function (row) {
      Array.from(row.children).forEach(function (cell, index) {
        if (!cell.hasAttribute('data-label') && headings[index]) {
          cell.setAttribute('data-label', headings[index]);
        }
      });
    });
  });
})();
