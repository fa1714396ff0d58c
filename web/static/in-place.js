// Things done in place so that nothing typed is lost: comments post without reloading the page (their
// form's answers stay as typed), and repeating groups add and remove rows without a round trip.
// Without JavaScript the same buttons post the form and the server sends the page back with every value.
(function () {
  'use strict';

  function csrfToken(form) {
    var field = form && form.querySelector('input[name="csrf_token"]');
    return field ? field.value : '';
  }

  // ---- comments -------------------------------------------------------------------------------------
  function postComment(button) {
    var section = button.closest('[data-comments]');
    var box = section.querySelector('[data-comment-body]');
    var status = section.querySelector('[data-comment-status]');
    var problem = section.querySelector('[data-comment-error]');
    var body = new FormData();
    section.querySelectorAll('input[name], textarea[name]').forEach(function (field) {
      if (field.name !== 'csrf_token') body.append(field.name, field.value);
    });
    function refuse(message) {
      problem.textContent = message;
      problem.hidden = false;
      box.setAttribute('aria-invalid', 'true');
      box.setAttribute('aria-describedby', 'comment-hint comment-error');
      box.closest('.field').classList.add('has-error');
      box.focus();
    }
    button.disabled = true;
    status.textContent = 'Posting your comment…';
    fetch(button.formAction, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'Accept': 'application/json', 'X-CSRFToken': csrfToken(button.form)}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          status.textContent = '';
          refuse(answer.message || 'The comment could not be posted (error ' + response.status + '); it is still here.');
          return;
        }
        section.querySelector('[data-comment-list]').innerHTML = answer.html;
        section.querySelector('[data-comment-count]').textContent = '(' + answer.count + ')';
        problem.hidden = true;
        problem.textContent = '';
        box.removeAttribute('aria-invalid');
        box.setAttribute('aria-describedby', 'comment-hint');
        box.closest('.field').classList.remove('has-error');
        box.value = '';
        status.textContent = answer.message;
        box.focus();
      });
    }).catch(function () {
      status.textContent = '';
      refuse('The server could not be reached; your comment is still here. Try again in a moment.');
    }).then(function () { button.disabled = false; });
  }

  // ---- repeating groups (form-js dynamic lists) -----------------------------------------------------
  function ownRows(list) {
    return Array.prototype.filter.call(list.children, function (child) { return child.matches('[data-row]'); });
  }

  function renumber(list) {
    ownRows(list).forEach(function (row, index) {
      row.querySelectorAll('[data-row-number]').forEach(function (number) {
        if (number.closest('[data-row]') === row) number.textContent = String(index + 1);
      });
    });
  }

  function firstField(container) {
    return container.querySelector('input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])');
  }

  function addRow(button) {
    var list = button.closest('[data-list]');
    var counter = list.querySelector(':scope > [data-row-count]');
    var template = list.querySelector(':scope > template[data-row-template]');
    var name = list.getAttribute('data-list');
    var index = parseInt(counter.value, 10) || 0;
    var number = ownRows(list).length + 1;
    // The template's own index and row number become the new row's; nested groups keep their own placeholders.
    var html = template.innerHTML
      .split(name + '.__new__').join(name + '.' + index)
      .split(list.id + '-__new__').join(list.id + '-' + index)
      .split('__number:' + name + '__').join(String(number));
    var holder = document.createElement('template');
    holder.innerHTML = html;
    var row = holder.content.firstElementChild;
    list.insertBefore(holder.content, template);
    counter.value = String(index + 1);
    renumber(list);
    var field = firstField(row);
    (field || row).focus();
    list.querySelector(':scope > [data-row-status]').textContent =
      row.querySelector('legend').textContent.trim() + ' added.';
  }

  function removeRow(button) {
    var row = button.closest('[data-row]');
    var list = row.parentElement;
    var label = row.querySelector('legend').textContent.trim();
    var rows = ownRows(list);
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    // Its fields leave the form: the server drops rows that are absent or empty, so indexes may have gaps.
    row.remove();
    renumber(list);
    var focus = next ? firstField(next) : list.querySelector(':scope > [data-add-row]');
    if (focus) focus.focus();
    var status = list.querySelector(':scope > [data-row-status]');
    if (status) status.textContent = label + ' removed.';
  }

  document.addEventListener('submit', function (event) {
    var button = event.submitter;
    if (!button || !window.fetch) return;
    if (button.hasAttribute('data-comment-post')) {
      event.preventDefault();
      postComment(button);
    } else if (button.hasAttribute('data-add-row')) {
      event.preventDefault();
      addRow(button);
    } else if (button.hasAttribute('data-remove-row')) {
      event.preventDefault();
      removeRow(button);
    }
  });
})();
