/**
 * Browser script of the `/docs` page: renders `/openapi.json` and sends "try it" requests.
 * Plain ES2020 without template literals, so it can sit inside the page's TS template string.
 */
export const docsScript = String.raw`
const app = document.getElementById('app');
const nav = document.getElementById('nav');
const tokenInput = document.getElementById('token');
let spec = null;
document.getElementById('auth').addEventListener('submit', function (event) { event.preventDefault(); });

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children || []) node.append(child);
  return node;
}
function prose(text) {
  const node = el('p', { class: 'prose' });
  String(text || '').split(String.fromCharCode(96)).forEach(function (part, index) {
    node.append(index % 2 ? el('code', { text: part }) : document.createTextNode(part));
  });
  return node;
}
function resolve(schema) {
  if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split('/').pop()] || {};
  return schema || {};
}
function example(schema, depth) {
  const s = resolve(schema);
  if (depth > 6) return null;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return example(s.anyOf[0], depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map(function (part) { return example(part, depth + 1); }));
  if (s.type === 'object') {
    const out = {};
    for (const name of s.required || []) out[name] = example(s.properties[name], depth + 1);
    return out;
  }
  if (s.type === 'array') return [];
  if (s.type === 'integer' || s.type === 'number') return s.minimum > 0 ? s.minimum : 1;
  if (s.type === 'boolean') return false;
  return 'string';
}
function schemaView(schema) {
  const pre = el('pre', { class: 'schema' });
  const s = resolve(schema);
  pre.textContent = JSON.stringify(s, null, 2);
  const name = schema && schema.$ref ? schema.$ref.split('/').pop() : 'schema';
  return el('details', {}, [el('summary', { text: name }), pre]);
}
function tryIt(path, method, operation) {
  const form = el('form', { class: 'try' });
  const inputs = {};
  for (const parameter of operation.parameters || []) {
    const input = el('input', { name: parameter.name, placeholder: parameter.in + (parameter.required ? ' (required)' : '') });
    inputs[parameter.name] = { input: input, where: parameter.in };
    form.append(el('label', {}, [el('span', { text: parameter.name }), input]));
  }
  const content = operation.requestBody && operation.requestBody.content;
  const jsonBody = content && content['application/json'];
  const body = content ? el('textarea', { rows: '8' }) : null;
  if (body) {
    body.value = jsonBody ? JSON.stringify(example(jsonBody.schema, 0), null, 2) : '';
    form.append(body);
  }
  const output = el('pre', { class: 'output' });
  form.append(el('button', { type: 'submit', text: 'Send ' + method.toUpperCase() }), output);
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    const headers = {};
    for (const [name, entry] of Object.entries(inputs)) {
      const value = entry.input.value;
      if (!value) continue;
      if (entry.where === 'path') url = url.replace('{' + name + '}', encodeURIComponent(value));
      else if (entry.where === 'query') query.set(name, value);
      else headers[name] = value;
    }
    if (tokenInput.value) headers.authorization = 'Bearer ' + tokenInput.value;
    if (body && jsonBody) headers['content-type'] = 'application/json';
    output.textContent = '…';
    try {
      const response = await fetch(url + (query.size ? '?' + query : ''), {
        method: method.toUpperCase(), headers: headers, body: body ? body.value : undefined,
      });
      const type = response.headers.get('content-type') || '';
      output.textContent = response.status + ' ' + response.statusText + '\n';
      if (type.startsWith('image/')) {
        output.append(el('img', { src: URL.createObjectURL(await response.blob()), alt: 'result' }));
      } else if (response.body && type.startsWith('text/event-stream')) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) { const part = await reader.read(); if (part.done) break; output.textContent += part.value; }
      } else {
        const text = await response.text();
        try { output.textContent += JSON.stringify(JSON.parse(text), null, 2); } catch (error) { output.textContent += text; }
      }
    } catch (error) {
      output.textContent = String(error);
    }
  });
  return el('details', { class: 'try-it' }, [el('summary', { text: 'Try it' }), form]);
}
function operationView(path, method, operation) {
  const section = el('section', { class: 'operation', id: operation.operationId });
  section.append(el('h3', {}, [el('span', { class: 'method ' + method, text: method.toUpperCase() }), el('code', { text: path })]));
  section.append(el('p', { class: 'summary', text: operation.summary || '' }));
  if (operation.description) section.append(prose(operation.description));
  section.append(el('p', { class: 'security', text: operation.security && operation.security.length ? 'Auth: ' + Object.keys(operation.security[0]).join(', ') : 'No authentication' }));
  if ((operation.parameters || []).length) {
    const rows = operation.parameters.map(function (parameter) {
      return el('tr', {}, [el('td', {}, [el('code', { text: parameter.name })]), el('td', { text: parameter.in + (parameter.required ? ', required' : '') }), el('td', {}, [prose(parameter.description)])]);
    });
    section.append(el('table', {}, rows));
  }
  const content = operation.requestBody && operation.requestBody.content;
  if (content) for (const [type, media] of Object.entries(content)) section.append(el('h4', { text: 'Request body: ' + type }), schemaView(media.schema));
  section.append(el('h4', { text: 'Responses' }));
  for (const [status, response] of Object.entries(operation.responses)) {
    const media = response.content ? Object.entries(response.content)[0] : null;
    section.append(el('div', { class: 'response' }, [el('strong', { text: status + ' ' }), prose(response.description)].concat(media ? [el('small', { text: media[0] }), schemaView(media[1].schema)] : [])));
  }
  section.append(tryIt(path, method, operation));
  return section;
}
async function main() {
  spec = await (await fetch('/openapi.json')).json();
  document.title = spec.info.title + ' reference';
  app.append(el('h1', { text: spec.info.title + ' ' + spec.info.version }), prose(spec.info.description));
  for (const tag of spec.tags) {
    app.append(el('h2', { id: 'tag-' + tag.name, text: tag.name }), prose(tag.description));
    nav.append(el('a', { href: '#tag-' + tag.name, class: 'tag', text: tag.name }));
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.tags || operation.tags[0] !== tag.name) continue;
        app.append(operationView(path, method, operation));
        nav.append(el('a', { href: '#' + operation.operationId, text: method.toUpperCase() + ' ' + path }));
      }
    }
  }
  app.append(el('h2', { text: 'Schemas' }));
  for (const name of Object.keys(spec.components.schemas)) app.append(schemaView({ $ref: '#/components/schemas/' + name }));
  document.body.dataset.ready = 'true';
}
main().catch(function (error) { app.textContent = 'Could not load /openapi.json: ' + error; });
`;
