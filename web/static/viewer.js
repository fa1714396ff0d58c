// Diagrams on version and path pages: bpmn-js viewer (from npm, served under /vendor), with the path's
// progress marked and, on click, the history of the clicked element.
(function () {
  'use strict';

  function showHistory(panel, element, entries) {
    panel.replaceChildren();
    const title = document.createElement('h3');
    title.textContent = (element.businessObject && element.businessObject.name) || element.id;
    panel.appendChild(title);
    if (!entries || !entries.length) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = 'Nothing has happened at this element in this path.';
      panel.appendChild(none);
      return;
    }
    const list = document.createElement('ol');
    list.className = 'history';
    entries.forEach(function (entry) {
      const item = document.createElement('li');
      const time = document.createElement('time');
      time.textContent = entry.at;
      item.appendChild(time);
      item.appendChild(document.createTextNode(' ' + entry.message));
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  // Zoom in / out / fit buttons; the mouse wheel zooms only while the diagram has the focus, so the page
  // scrolls past it otherwise.
  function addTools(container, viewer) {
    const canvas = viewer.get('canvas');
    // The wheel reaches the diagram (which then scrolls and zooms) only while it has the focus.
    container.parentNode.addEventListener('wheel', function (event) {
      if (!container.contains(document.activeElement)) {
        event.stopPropagation();
      }
    }, { capture: true });
    const tools = document.createElement('div');
    tools.className = 'diagram-tools';
    [['+', 'Zoom in', function () { canvas.zoom(canvas.zoom() * 1.25); }],
     ['\u2212', 'Zoom out', function () { canvas.zoom(canvas.zoom() / 1.25); }],
     ['Fit', 'Fit the diagram to the frame', function () { canvas.zoom('fit-viewport', 'auto'); }]]
      .forEach(function (tool) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = tool[0];
        button.setAttribute('aria-label', tool[1]);
        button.title = tool[1];
        button.addEventListener('click', tool[2]);
        tools.appendChild(button);
      });
    container.parentNode.insertBefore(tools, container);
    window.addEventListener('resize', function () { canvas.resized(); });
  }

  async function render(container) {
    const viewer = new BpmnJS({ container: container });
    const response = await fetch(container.dataset.xmlUrl, { credentials: 'same-origin' });
    try {
      await viewer.importXML(await response.text());
    } catch (error) {
      container.textContent = 'The diagram could not be shown: ' + error.message;
      return;
    }
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    addTools(container, viewer);
    const progress = document.getElementById(container.dataset.progress || '');
    if (!progress) {
      return;
    }
    const data = JSON.parse(progress.textContent);
    const registry = viewer.get('elementRegistry');
    Object.keys(data.states).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, 'state-' + data.states[id]);
      }
    });
    const panel = document.getElementById(container.dataset.panel);
    viewer.get('eventBus').on('element.click', function (event) {
      if (event.element.type !== 'bpmn:Process' && event.element.type !== 'bpmn:Collaboration') {
        showHistory(panel, event.element, data.history[event.element.id]);
      }
    });
    container.dataset.ready = 'true';
  }

  document.querySelectorAll('[data-xml-url]').forEach(render);
})();
