// The query page: YASGUI (vendored, /static/vendor/yasgui/) set up for this endpoint, plus what YASGUI
// cannot know: the stored-query library with each query's parameters as a form, completion and labels
// from this server (never prefix.cc or LOV), and downloads in every format /sparql offers.
"use strict";

(function () {
  const settings = JSON.parse(document.getElementById("mkg-settings").textContent);
  const absolute = (url) => new URL(url, window.location.href).href;
  const endpoint = absolute(settings.endpoint);
  const form = document.getElementById("params");
  const fields = document.getElementById("params-fields");
  const paramsStatus = document.getElementById("params-status");
  const downloads = document.getElementById("downloads");
  const downloadButtons = document.getElementById("download-buttons");
  const statusLine = document.getElementById("status");
  const TAB_EXAMPLES = "mkg-tab-examples";

  let prefixes = {};
  let vocabulary = { base: "", classes: [], properties: [], labels: {} };
  const vocabularyReady = fetch(settings.vocabularyUrl)
    .then((response) => (response.ok ? response.json() : vocabulary))
    .then((found) => (vocabulary = found))
    .catch(() => vocabulary);
  const prefixesReady = fetch(settings.prefixesUrl)
    .then((response) => response.json())
    .then((found) => (prefixes = found))
    .catch(() => prefixes);

  // Completion: YASQE's own completers, fed by this server. The prefix completer reads /prefixes.json
  // (prefix.cc's shape) and adds the PREFIX line when a prefixed name is typed; classes and properties
  // come from the KG itself.
  Yasqe.defaults.prefixCcApi = absolute(settings.prefixesUrl);
  Yasqe.forkAutocompleter("class", { name: "kg-classes", bulk: true, persistenceId: null, get: () => vocabularyReady.then((v) => v.classes) }, false);
  Yasqe.forkAutocompleter("property", { name: "kg-properties", bulk: true, persistenceId: null, get: () => vocabularyReady.then((v) => v.properties) }, false);
  Yasqe.defaults.autocompleters = ["variables", "prefixes", "kg-classes", "kg-properties"];
  Yasqe.defaults.value = settings.starter;

  function shorten(iri) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(prefixes)) {
      if (iri.startsWith(namespace) && (best === null || namespace.length > best[1].length)) best = [prefix, namespace];
    }
    if (best === null) return iri;
    const local = iri.slice(best[1].length);
    return /^[A-Za-z0-9_.-]*$/.test(local) ? best[0] + ":" + local : iri;
  }

  // The results table is YASR's (sorting, filtering, paging); its cells show labels, link KG terms to
  // their pages on this server, and keep language tags out of the way.
  class LabelledTable extends Yasr.plugins.table {
    getUriLinkFromBinding(binding) {
      const iri = binding.value;
      const link = document.createElement("a");
      link.className = "iri";
      link.href = vocabulary.base && iri.startsWith(vocabulary.base) ? "/" + iri.slice(vocabulary.base.length) : iri;
      const curie = shorten(iri);
      const label = vocabulary.labels[iri];
      link.textContent = label || curie;
      link.title = label ? `${curie} (${iri})` : iri;
      return link.outerHTML;
    }
    formatLiteral(binding) {
      const span = document.createElement("span");
      span.textContent = binding.value;
      const lang = binding["xml:lang"];
      if (lang && !lang.startsWith("en")) {
        const tag = document.createElement("sup");
        tag.textContent = "@" + lang;
        span.appendChild(tag);
      }
      if (binding.datatype) span.title = shorten(binding.datatype);
      return span.outerHTML;
    }
  }
  Yasr.registerPlugin("table", LabelledTable);

  // The server's errors are one line of text or RFC 9457 problem details (YASQE asks for JSON): either
  // way YASR shows the sentence, and the editor marks the line and column it names.
  function problem(text) {
    try {
      const body = JSON.parse(text);
      if (body && typeof body.detail === "string") return body;
    } catch (error) {
      // not JSON: the one-line text form
    }
    const found = /at line (\d+), column (\d+)/.exec(text || "");
    return { detail: text || "", line: found ? Number(found[1]) : undefined, column: found ? Number(found[2]) : undefined };
  }
  function renderProblem(error) {
    const found = problem(error.text);
    const box = document.createElement("div");
    box.className = "mkg-problem";
    const head = document.createElement("strong");
    head.textContent = found.title ? `${found.title} (${found.status})` : error.status ? `Error ${error.status}` : "Error";
    const detail = document.createElement("p");
    detail.textContent = found.detail;
    box.append(head, detail);
    return box;
  }

  // A tab builds its YASR from Yasr.defaults (plus its own CORS message), not from the Yasgui config.
  Yasr.defaults.errorRenderers = [async (error) => renderProblem(error)];
  Yasr.defaults.pluginOrder = ["table", "response"];

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    yasr: { prefixes: () => prefixes },
  });

  window.mkgQueryPage = { yasgui: yasgui }; // for the browser tests and the console

  function tabExamples() {
    try {
      return JSON.parse(window.sessionStorage.getItem(TAB_EXAMPLES) || "{}");
    } catch (error) {
      return {};
    }
  }
  function rememberExample(tab, name) {
    const known = tabExamples();
    known[tab.getId()] = name;
    window.sessionStorage.setItem(TAB_EXAMPLES, JSON.stringify(known));
  }

  async function boundQuery(name, values) {
    const url = new URL(settings.bindUrl.replace("NAME", encodeURIComponent(name)), window.location.href);
    for (const [key, value] of Object.entries(values)) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || body.title || response.statusText);
    return body.query;
  }

  function showForm(tab) {
    const name = tab ? tabExamples()[tab.getId()] : undefined;
    const example = name ? settings.examples[name] : undefined;
    paramsStatus.textContent = "";
    if (!example) {
      form.hidden = true;
      return;
    }
    form.dataset.example = example.name;
    document.getElementById("params-title").textContent = example.summary;
    document.getElementById("params-description").textContent = example.description;
    fields.replaceChildren();
    for (const parameter of example.parameters) {
      const label = document.createElement("label");
      label.textContent = `${parameter.name} (${parameter.type}) `;
      const input = document.createElement("input");
      input.name = parameter.name;
      input.value = parameter.default ? shorten(parameter.default) : "";
      input.required = parameter.required;
      input.placeholder = parameter.required ? "required" : "optional: leave empty for any";
      if (parameter.type === "iri") input.setAttribute("list", "kg-terms");
      label.appendChild(input);
      fields.appendChild(label);
    }
    const submit = form.querySelector("button[type=submit]");
    submit.hidden = example.parameters.length === 0;
    form.hidden = false;
  }

  async function runExample(tab, name, values) {
    paramsStatus.textContent = "";
    try {
      tab.setQuery(await boundQuery(name, values));
    } catch (error) {
      paramsStatus.textContent = error.message;
      paramsStatus.className = "error";
      return;
    }
    tab.query();
  }

  function openExample(name) {
    const example = settings.examples[name];
    const tab = yasgui.addTab(true, { name: example.summary.length > 40 ? example.summary.slice(0, 38) + "…" : example.summary });
    rememberExample(tab, name);
    showForm(tab);
    runExample(tab, name, {});
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = {};
    for (const input of fields.querySelectorAll("input")) values[input.name] = input.value;
    runExample(yasgui.getTab(), form.dataset.example, values);
  });
  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => openExample(button.dataset.name));
  });
  yasgui.on("tabSelect", (_yasgui, tabId) => setTimeout(() => showForm(yasgui.getTab(tabId)), 0));
  showForm(yasgui.getTab());

  vocabularyReady.then((found) => {
    const list = document.createElement("datalist");
    list.id = "kg-terms";
    for (const iri of found.classes) {
      if (!found.labels[iri]) continue;
      const option = document.createElement("option");
      option.value = shorten(iri);
      option.label = found.labels[iri];
      list.appendChild(option);
    }
    document.body.appendChild(list);
  });

  function markError(tab, text) {
    const yasqe = tab.getYasqe();
    const found = problem(text);
    if (!yasqe || !found.line || !found.column) return;
    const line = found.line - 1;
    const column = found.column - 1;
    yasqe.addLineClass(line, "background", "mkg-error-line");
    const marker = document.createElement("span");
    marker.className = "mkg-error-marker";
    marker.textContent = "✖";
    marker.title = found.detail;
    yasqe.setGutterMarker(line, "gutterErrorBar", marker);
    yasqe.markText({ line: line, ch: column }, { line: line, ch: column + 1 }, { className: "mkg-error-at" });
    const clear = () => {
      yasqe.removeLineClass(line, "background", "mkg-error-line");
      yasqe.setGutterMarker(line, "gutterErrorBar", null);
      yasqe.getAllMarks().forEach((mark) => mark.className === "mkg-error-at" && mark.clear());
      yasqe.off("change", clear);
    };
    yasqe.on("change", clear);
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  async function download(tab, format) {
    setStatus(`Preparing ${format.label}…`);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: format.mediaType },
        body: new URLSearchParams({ query: tab.getQuery() }),
      });
      if (!response.ok) {
        setStatus(await response.text(), true);
        return;
      }
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "results." + format.extension;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      setStatus(`Downloaded results.${format.extension}`);
    } catch (error) {
      setStatus("Download failed: " + error, true);
    }
  }

  function showDownloads(tab) {
    const results = tab.getYasr().results;
    const error = results && results.getError();
    downloadButtons.replaceChildren();
    setStatus("");
    if (!results || error) {
      downloads.hidden = true;
      if (error) markError(tab, error.text);
      return;
    }
    const type = (tab.getYasqe().getQueryType() || "").toUpperCase();
    const kind = type === "CONSTRUCT" || type === "DESCRIBE" ? "graph" : "solutions";
    for (const format of settings.formats[kind]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "download";
      button.dataset.format = format.name;
      button.textContent = format.label;
      button.addEventListener("click", () => download(tab, format));
      downloadButtons.appendChild(button);
    }
    downloads.hidden = false;
  }
  yasgui.on("query", () => {
    downloads.hidden = true;
  });
  // A tab announces the response before handing it to YASR: look once YASR has it.
  yasgui.on("queryResponse", (_yasgui, tab) => setTimeout(() => showDownloads(tab), 0));
  yasgui.on("tabSelect", () => {
    downloads.hidden = true;
  });
  prefixesReady.then(() => {
    const tab = yasgui.getTab();
    if (tab && tab.getYasr()) tab.getYasr().refresh();
  });
})();
