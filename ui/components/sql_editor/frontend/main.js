// A small Streamlit component around Ace (bundled locally: no CDN). It speaks Streamlit's component
// protocol directly (postMessage), completes keywords, tables and columns from the schema the page
// sends, and is alias-aware: after `o.` it offers only the columns of the table aliased `o`.
"use strict";
const post = (type, data) => window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
ace.config.set("basePath", "vendor");
const langTools = ace.require("ace/ext/language_tools");
const editor = ace.edit("editor", {
  mode: "ace/mode/sql", theme: "ace/theme/textmate", showPrintMargin: false, tabSize: 4, useSoftTabs: true,
  enableBasicAutocompletion: true, enableLiveAutocompletion: true, highlightActiveLine: true, fontSize: 14,
});
let schema = { tables: [], keywords: [] };
let rev = null;
let counter = 0;
let markers = [];
let lastNotes = null;
let lastHeight = null;

// What the page last knew (text and cursor): a blur or change that alters neither sends nothing, so
// clicking Run right after opening a page does not start a second rerun that swallows the click.
let lastSent = null;
const stateKey = () => JSON.stringify([editor.getValue(), editor.getCursorPosition()]);

function emit(type) {
  const key = stateKey();
  if (type !== "submit" && key === lastSent) return;
  lastSent = key;
  post("streamlit:setComponentValue", { dataType: "json", value: {
    type: type, text: editor.getValue(), selected: editor.getSelectedText(), cursor: editor.getCursorPosition(),
    id: Date.now() + "-" + (counter++),
  } });
}

editor.commands.addCommand({ name: "runQuery", bindKey: { win: "Ctrl-Enter", mac: "Command-Enter" }, exec: () => emit("submit") });
let timer = null;
editor.on("change", () => { clearTimeout(timer); timer = setTimeout(() => emit("change"), 500); });
editor.on("blur", () => { clearTimeout(timer); emit("blur"); });

// alias (or bare table name) -> table, from the FROM/JOIN clauses of the current text
function aliases(text) {
  const out = {};
  const stop = new Set(["where", "join", "left", "right", "inner", "outer", "full", "cross", "on", "using", "group",
                        "order", "limit", "union", "natural", "as", "having", "qualify", "window", "lateral"]);
  const re = /\b(?:from|join)\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)(?:\s+(?:as\s+)?([A-Za-z_]\w*))?/gi;
  let m;
  while ((m = re.exec(text)) !== null) {
    const name = m[1].toLowerCase();
    const table = schema.tables.find(t => t.full === name || (t.name === name && t.schema === "analytics"));
    if (!table) continue;
    out[table.name] = table;
    if (m[2] && !stop.has(m[2].toLowerCase())) out[m[2].toLowerCase()] = table;
  }
  return out;
}

const completer = {
  getCompletions: (ed, session, pos, prefix, callback) => {
    const before = session.getLine(pos.row).slice(0, pos.column - prefix.length);
    const dotted = /([A-Za-z_]\w*)\.$/.exec(before);
    if (dotted) {
      const table = aliases(ed.getValue())[dotted[1].toLowerCase()];
      if (table) {
        callback(null, table.columns.map(c => ({ caption: c[0], value: c[0], meta: c[1] + " · " + dotted[1] + " → " + table.full, score: 1000 })));
        return;
      }
      const schemaTables = schema.tables.filter(t => t.schema === dotted[1].toLowerCase());
      callback(null, schemaTables.map(t => ({ caption: t.name, value: t.name, meta: "table · " + t.rows.toLocaleString() + " rows", score: 900 })));
      return;
    }
    const items = schema.keywords.map(k => ({ caption: k, value: k, meta: "keyword", score: 100 }));
    const seen = new Set();
    for (const t of schema.tables) {
      items.push({ caption: t.full, value: t.full, meta: "table · " + t.rows.toLocaleString() + " rows", score: t.schema === "analytics" ? 500 : 300 });
      for (const c of t.columns) {
        const k = c[0] + "|" + c[1];
        if (seen.has(k)) continue;
        seen.add(k);
        items.push({ caption: c[0], value: c[0], meta: c[1] + " · " + t.name, score: 200 });
      }
    }
    for (const s of new Set(schema.tables.map(t => t.schema))) items.push({ caption: s, value: s, meta: "schema", score: 400 });
    callback(null, items);
  },
};
langTools.setCompleters([completer]);

function render(args) {
  if (args.schema) schema = args.schema;
  if (args.rev !== rev) {  // the page replaced the text (format, restore, insert, link)
    rev = args.rev;
    editor.setValue(args.code || "", 1);
    clearTimeout(timer);  // the page's own text is not an edit to report back
    lastSent = stateKey();
  }
  const notes = args.annotations || [];
  const noteKey = JSON.stringify(notes);
  if (noteKey !== lastNotes) {  // touch the session only when something changed (keeps popups open)
    lastNotes = noteKey;
    editor.session.setAnnotations(notes);
    markers.forEach(id => editor.session.removeMarker(id));
    const Range = ace.require("ace/range").Range;
    markers = notes.map(a => editor.session.addMarker(new Range(a.row, a.column, a.row, a.column + 1), "ace_" + a.type + "-marker", "text"));
  }
  const height = args.height || 300;
  if (height !== lastHeight) {
    lastHeight = height;
    document.getElementById("editor").style.height = height + "px";
    editor.resize();
    post("streamlit:setFrameHeight", { height: height + 4 });
  }
}

window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "streamlit:render") render(event.data.args || {});
});
post("streamlit:componentReady", { apiVersion: 1 });
