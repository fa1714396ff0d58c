// The form editor page: form-js editor (from npm, served under /vendor); Deploy posts the form to the
// deploy endpoint, which checks it and versions the processes that use it.
(function () {
  'use strict';
  const root = document.getElementById('form-editor');
  if (!root) {
    return;
  }
  const status = root.querySelector('[data-status]');
  const list = root.querySelector('[data-problems]');
  const schema = JSON.parse(document.getElementById('form-data').textContent);

  function say(kind, text) {
    status.className = 'flash ' + kind;
    status.textContent = text;
    status.focus();
  }

  // The palette offers only the field types a deployment accepts (the server lists them).
  const supported = (root.dataset.fieldTypes || '').split(' ').filter(Boolean);
  function SupportedFieldsOnly(formFields) {
    Object.keys(formFields._formFields).forEach(function (type) {
      if (type !== 'default' && supported.length && supported.indexOf(type) < 0) {
        delete formFields._formFields[type];
      }
    });
  }
  SupportedFieldsOnly.$inject = [ 'formFields' ];

  FormEditor.createFormEditor({
    container: root.querySelector('[data-canvas]'), schema: schema,
    additionalModules: [ { __init__: [ 'supportedFieldsOnly' ], supportedFieldsOnly: [ 'type', SupportedFieldsOnly ] } ]
  }).then(function (editor) {
    window.pathingFormEditor = editor;
    root.querySelector('[data-deploy]').addEventListener('click', async function () {
      const current = editor.saveSchema();
      const body = new FormData();
      const name = (current.id || root.dataset.formId) + '.form';
      body.append('files', new Blob([ JSON.stringify(current, null, 2) ], { type: 'application/json' }), name);
      body.append('name', 'form editor: ' + name);
      say('info', 'Checking and deploying…');
      const response = await fetch(root.dataset.deployUrl, {
        method: 'POST', body: body, credentials: 'same-origin',
        headers: { 'Accept': 'application/json', 'X-CSRFToken': root.dataset.csrf }
      });
      const answer = await response.json().catch(function () { return { message: 'The server answered ' + response.status + '.' }; });
      list.replaceChildren();
      if (response.ok) {
        say('success', answer.message);
        return;
      }
      const problems = (answer.errors && answer.errors.problems) || [];
      say('error', 'Nothing was deployed: ' + (answer.message || 'the form has problems') + '.');
      problems.forEach(function (problem) {
        const item = document.createElement('li');
        item.textContent = (problem.element_id ? problem.element_id + ': ' : '') + problem.message + ' (' + problem.file + ')';
        list.appendChild(item);
      });
    });
  });
})();
