// The query page: load examples, run the query against /sparql, show rows, offer downloads and a link.
// Plain DOM code with no dependencies, so the page works offline; results are inserted as text only.
"use strict";

(function () {
  const settings = JSON.parse(document.getElementById("mkg-settings").textContent);
  const editor = document.getElementById("query");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const downloadButtons = document.getElementById("download-buttons");
  const share = document.getElementById("share");
  const MAX_SHOWN = 1000;
  const ACCEPT_FOR_TABLE = "application/sparql-results+json, application/n-triples;q=0.9";

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  function shareLink(query) {
    const url = new URL(window.location.href);
    url.search = "";
    url.hash = "";
    url.searchParams.set("query", query);
    return url.toString();
  }

  function updateShare() {
    share.value = shareLink(editor.value);
  }

  function shorten(iri) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(settings.prefixes)) {
      if (iri.startsWith(namespace) && (best === null || namespace.length > best[1].length)) {
        best = [prefix, namespace];
      }
    }
    if (best === null) return iri;
    const local = iri.slice(best[1].length);
    return /^[A-Za-z0-9_-]*$/.test(local) ? best[0] + ":" + local : iri;
  }

  function termCell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = term.value;
      a.title = term.value;
      a.textContent = shorten(term.value);
      td.appendChild(a);
    } else if (term.type === "bnode") {
      const span = document.createElement("span");
      span.className = "bnode";
      span.textContent = "_:" + term.value;
      td.appendChild(span);
    } else {
      td.appendChild(document.createTextNode(term.value));
      const extra = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? " ^^" + shorten(term.datatype) : "";
      if (extra) {
        const span = document.createElement("span");
        span.className = term["xml:lang"] ? "lang" : "datatype";
        span.textContent = extra;
        td.appendChild(span);
      }
    }
    return td;
  }

  function renderTable(vars, rows) {
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const name of vars) {
      const th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of rows.slice(0, MAX_SHOWN)) {
      const tr = body.insertRow();
      for (const name of vars) tr.appendChild(termCell(row[name]));
    }
    results.replaceChildren(table);
    if (rows.length > MAX_SHOWN) {
      const note = document.createElement("p");
      note.className = "notice";
      note.textContent = `Showing the first ${MAX_SHOWN} of ${rows.length} rows; download for all of them.`;
      results.appendChild(note);
    }
  }

  // N-Triples as the server writes it: one triple per line, terms separated by single spaces.
  const NT_TERM = /<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?/g;
  function unescapeLiteral(text) {
    return text.replace(/\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)/g, (m, u4, u8, c) => {
      if (u4 || u8) return String.fromCodePoint(parseInt(u4 || u8, 16));
      return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f" }[c] || c;
    });
  }
  function parseNTriples(text) {
    const rows = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const terms = [];
      for (const m of line.matchAll(NT_TERM)) {
        if (m[1] !== undefined) terms.push({ type: "uri", value: m[1] });
        else if (m[2] !== undefined) terms.push({ type: "bnode", value: m[2] });
        else {
          const term = { type: "literal", value: unescapeLiteral(m[3]) };
          if (m[4]) term["xml:lang"] = m[4];
          if (m[5]) term.datatype = m[5];
          terms.push(term);
        }
      }
      if (terms.length >= 3) rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] });
    }
    return rows;
  }

  function showDownloads(kind) {
    downloadButtons.replaceChildren();
    for (const format of settings.formats[kind]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "download";
      button.dataset.format = format.name;
      button.textContent = format.label;
      button.addEventListener("click", () => download(format));
      downloadButtons.appendChild(button);
    }
    downloads.hidden = false;
  }

  async function post(query, accept) {
    return fetch(settings.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
      body: new URLSearchParams({ query: query }),
    });
  }

  async function download(format) {
    setStatus(`Preparing ${format.label}…`);
    try {
      const response = await post(editor.value, format.mediaType);
      if (!response.ok) {
        setStatus(await response.text(), true);
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
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

  async function run() {
    const query = editor.value;
    updateShare();
    history.replaceState(null, "", shareLink(query));
    setStatus("Running…");
    results.replaceChildren();
    const started = performance.now();
    let response;
    try {
      response = await post(query, ACCEPT_FOR_TABLE);
    } catch (error) {
      setStatus("The server could not be reached: " + error, true);
      return;
    }
    const text = await response.text();
    if (!response.ok) {
      downloads.hidden = true;
      setStatus(text, true);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const truncated = response.headers.get("MKG-Result-Truncated");
    const type = response.headers.get("Content-Type") || "";
    let count;
    if (type.startsWith("application/n-triples")) {
      const rows = parseNTriples(text);
      renderTable(["subject", "predicate", "object"], rows);
      count = `${rows.length} triples`;
      showDownloads("graph");
    } else {
      const data = JSON.parse(text);
      if (typeof data.boolean === "boolean") {
        const p = document.createElement("p");
        p.className = "boolean";
        p.textContent = data.boolean ? "true" : "false";
        results.replaceChildren(p);
        count = "boolean result";
      } else {
        renderTable(data.head.vars, data.results.bindings);
        count = `${data.results.bindings.length} rows`;
      }
      showDownloads("solutions");
    }
    const cut = truncated ? ` (cut at the server's limit of ${settings.rowLimit} rows)` : "";
    setStatus(`${count}${cut} in ${seconds} s`);
  }

  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      editor.value = settings.examples[Number(button.dataset.index)].query;
      updateShare();
      run();
    });
  });
  document.getElementById("run").addEventListener("click", run);
  document.getElementById("copy-share").addEventListener("click", async () => {
    share.select();
    try {
      await navigator.clipboard.writeText(share.value);
      setStatus("Link copied");
    } catch (error) {
      setStatus("Select the link and copy it");
    }
  });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  editor.addEventListener("input", updateShare);

  const shared = new URLSearchParams(window.location.search).get("query");
  editor.value = shared !== null ? shared : settings.starter;
  updateShare();
  if (shared !== null) run();
})();
