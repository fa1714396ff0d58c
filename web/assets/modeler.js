// The process modeler: bpmn-js with the Camunda 7 properties panel. Bundled by esbuild at set-up
// (npm run build) into web/static/build/modeler.js; never committed.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

function text(element, value) {
  element.textContent = value;
  return element;
}

function showProblems(modeler, listElement, problems) {
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  overlays.remove({ type: 'problem' });
  registry.getAll().forEach((element) => canvas.removeMarker(element, 'has-problem'));
  listElement.replaceChildren();
  problems.forEach((problem) => {
    const item = document.createElement('li');
    const where = problem.element_id ? `${problem.element_id}: ` : '';
    const line = problem.line ? ` (${problem.file}, line ${problem.line})` : ` (${problem.file})`;
    const element = problem.element_id && registry.get(problem.element_id);
    if (element) {
      canvas.addMarker(element, 'has-problem');
      const badge = text(document.createElement('span'), '!');
      badge.className = 'problem-badge';
      badge.title = problem.message;
      overlays.add(element, 'problem', { position: { top: -10, right: 10 }, html: badge });
      const link = text(document.createElement('button'), where + problem.message + line);
      link.type = 'button';
      link.className = 'link-dark';
      link.addEventListener('click', () => {
        modeler.get('selection').select(element);
        canvas.scrollToElement(element);
      });
      item.appendChild(link);
    } else {
      text(item, where + problem.message + line);
    }
    listElement.appendChild(item);
  });
}

async function deploy(modeler, root) {
  const status = root.querySelector('[data-status]');
  const list = root.querySelector('[data-problems]');
  status.className = 'flash info';
  text(status, 'Checking and deploying…');
  const { xml } = await modeler.saveXML({ format: true });
  const body = new FormData();
  body.append('files', new Blob([ xml ], { type: 'application/xml' }), root.dataset.filename);
  body.append('name', root.querySelector('[name=name]').value || 'modeler');
  const response = await fetch(root.dataset.deployUrl, {
    method: 'POST',
    body,
    headers: { 'Accept': 'application/json', 'X-CSRFToken': root.dataset.csrf },
    credentials: 'same-origin'
  });
  const answer = await response.json().catch(() => ({ message: `The server answered ${response.status}.` }));
  if (response.ok) {
    showProblems(modeler, list, []);
    status.className = 'flash success';
    status.replaceChildren(text(document.createElement('span'), answer.message + ' '));
    (answer.created || []).concat(answer.unchanged || []).slice(0, 1).forEach((v) => {
      const link = text(document.createElement('a'), `Open ${v.name} version ${v.version}`);
      link.href = v.url;
      status.appendChild(link);
    });
  } else {
    const problems = (answer.errors && answer.errors.problems) || [];
    status.className = 'flash error';
    text(status, `Nothing was deployed: ${problems.length === 1 ? "1 problem" : (problems.length || "some") + " problems"}. They are marked on the diagram.`);
    showProblems(modeler, list, problems);
  }
  status.focus();
}

// Fit the diagram into the part of the canvas the palette leaves free, so the palette never covers a task.
function fitBesidePalette(modeler, container) {
  const canvas = modeler.get('canvas');
  const palette = container.querySelector('.djs-palette');
  const box = canvas.viewbox();
  if (!box.inner.width || !box.inner.height) {
    return;
  }
  const margin = 20;
  const reserved = palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left + margin : margin;
  const scale = Math.min((box.outer.width - reserved - margin) / box.inner.width,
    (box.outer.height - 2 * margin) / box.inner.height, 1);
  canvas.viewbox({
    x: box.inner.x - reserved / scale, y: box.inner.y - margin / scale,
    width: box.outer.width / scale, height: box.outer.height / scale
  });
}

async function start() {
  const root = document.getElementById('modeler');
  if (!root) {
    return;
  }
  const modeler = new BpmnModeler({
    container: root.querySelector('[data-canvas]'),
    propertiesPanel: { parent: root.querySelector('[data-properties]') },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule
    ],
    moddleExtensions: { camunda: camundaModdle }
  });
  const xml = JSON.parse(document.getElementById('diagram-data').textContent);
  try {
    await modeler.importXML(xml);
    fitBesidePalette(modeler, root.querySelector('[data-canvas]'));
  } catch (error) {
    text(root.querySelector('[data-status]'), `The diagram could not be opened: ${error.message}`);
  }
  root.querySelector('[data-deploy]').addEventListener('click', () => deploy(modeler, root));
  root.querySelector('[data-download]').addEventListener('click', async () => {
    const { xml: current } = await modeler.saveXML({ format: true });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([ current ], { type: 'application/xml' }));
    link.download = root.dataset.filename.split('/').pop();
    link.click();
  });
  window.pathingModeler = modeler;
}

start();
