// A small Streamlit component around Ace (bundled locally: no CDN). It speaks Streamlit's component
// protocol directly (postMessage), completes keywords, tables and columns from the schema the page
// sends, and is alias-aware: after `o.` it offers only the columns of the table aliased `o`.
// Completion suggests and never rewrites what is typed: Enter starts a new line unless the analyst
// picked a suggestion with the arrow keys; Tab or a click takes the highlighted one (#31).
"use strict";
const post = (type, data) => window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
ace.config.set("basePath", "vendor");
const langTools = ace.require("ace/ext/language_tools");
const { Autocomplete, FilteredList } = ace.require("ace/autocomplete");

// Enter inserts a newline (the editor's own Return) unless an arrow key chose a suggestion first.
const commands = Autocomplete.prototype.commands;
for (const key of ["Up", "Down"]) {
  const move = commands[key];
  commands[key] = (ed) => { ed.completer.picked = true; move(ed); };
}
commands.Return = (ed) => {
  if (ed.completer.picked) return ed.completer.insertMatch();
  ed.completer.detach();
  return false;  // not handled here: the editor's Return runs
};
const detach = Autocomplete.prototype.detach;
Autocomplete.prototype.detach = function () { this.picked = false; return detach.apply(this, arguments); };

// Rank what starts with the typed text above fuzzy matches, the exact word first, shorter names
// before longer (`analytics.orde` offers orders before order_items); a table's own name counts.
const filter = FilteredList.prototype.filterCompletions;
FilteredList.prototype.filterCompletions = function (items, needle) {
  const typed = needle.toLowerCase();
  return filter.call(this, items, needle).map((item) => {
    const name = (item.caption || item.value || "").toLowerCase();
    const last = name.split(".").pop();
    let bonus = 0;
    if (name === typed || last === typed) bonus = 100000;
    else if (name.startsWith(typed) || last.startsWith(typed)) bonus = 10000 - name.length;
    item.$score += bonus;
    if (bonus && !name.startsWith(typed)) item.exactMatch = 1;  // "users" matches analytics.users as a prefix
    return item;
  });
};
const editor = ace.edit("editor", {
  mode: "ace/mode/sql", theme: "ace/theme/textmate", showPrintMargin: false, tabSize: 4, useSoftTabs: true,
  enableBasicAutocompletion: true, enableLiveAutocompletion: true, highlightActiveLine: true, fontSize: 14,
  liveAutocompletionThreshold: 2,
});
// room below the baseline: at Ace's computed line height Chromium clipped underscores
// (`acquisition_channel` read "acquisition channel")
editor.container.style.lineHeight = "1.5";
editor.renderer.updateFontSize();
let schema = { tables: [], keywords: [], search_path: [] };
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

editor.commands.addCommand({
  name: "runQuery", bindKey: { win: "Ctrl-Enter", mac: "Command-Enter" },
  exec: () => { if (editor.completer) editor.completer.detach(); emit("submit"); },
});
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
    const bare = (schema.search_path || []).map(s => schema.tables.find(t => t.name === name && t.schema === s)).find(Boolean);
    const table = schema.tables.find(t => t.full === name) || bare;
    if (!table) continue;
    out[table.name] = table;
    if (m[2] && !stop.has(m[2].toLowerCase())) out[m[2].toLowerCase()] = table;
  }
  return out;
}

// The word being completed includes its qualifier (`u.sig`, `analytics.orde`), always: Ace's default
// word stops at the dot, but its live popup sometimes kept the whole, so a pick could insert
// `analytics.analytics.users`. Suggestions for a qualified word carry the qualifier as typed.
// A pick replaces the whole word before the cursor as it is at that moment: under load the popup's
// idea of what was typed could lag the typing, and Ace removed only that many characters
// (`-- ananalytics.users`).
const WORD = /[A-Za-z_0-9$.\u00A2-\uFFFF]*$/;
const replaceWord = {
  insertMatch: (ed, item) => {
    const pos = ed.getCursorPosition();
    const word = ed.session.getLine(pos.row).slice(0, pos.column).match(WORD)[0];
    const Range = ace.require("ace/range").Range;
    ed.session.replace(new Range(pos.row, pos.column - word.length, pos.row, pos.column), item.value);
  },
};
const completer = {
  identifierRegexps: [/[A-Za-z_0-9$.\u00A2-\uFFFF]/],
  getCompletions: (ed, session, pos, prefix, done) => {
    const callback = (err, items) => done(err, items.map((item) => Object.assign(item, { completer: replaceWord })));
    const dot = prefix.lastIndexOf(".");
    if (dot >= 0) {
      const typed = prefix.slice(0, dot);
      const qualifier = typed.toLowerCase();
      const table = aliases(ed.getValue())[qualifier] || schema.tables.find(t => t.full === qualifier);
      if (table) {
        callback(null, table.columns.map(c => ({ caption: typed + "." + c[0], value: typed + "." + c[0], meta: c[1] + " · " + typed + " → " + table.full, docText: c[2] || undefined, score: 1000 })));
        return;
      }
      const schemaTables = schema.tables.filter(t => t.schema === qualifier);
      callback(null, schemaTables.map(t => ({ caption: typed + "." + t.name, value: typed + "." + t.name, meta: "table · " + t.rows.toLocaleString() + " rows", docText: t.doc || undefined, score: 900 })));
      return;
    }
    const items = schema.keywords.map(k => ({ caption: k, value: k, meta: "keyword", score: 100 }));
    const seen = new Set();
    for (const t of schema.tables) {
      items.push({ caption: t.full, value: t.full, meta: "table · " + t.rows.toLocaleString() + " rows", docText: t.doc || undefined, score: schema.search_path.includes(t.schema.toLowerCase()) ? 500 : 300 });
      for (const c of t.columns) {
        const k = c[0] + "|" + c[1];
        if (seen.has(k)) continue;
        seen.add(k);
        items.push({ caption: c[0], value: c[0], meta: c[1] + " · " + t.name, docText: c[2] || undefined, score: 200 });
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
  editor.session.setUseWrapMode(Boolean(args.wrap));
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
