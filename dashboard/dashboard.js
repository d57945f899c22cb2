"use strict";
// `selected` is a resource's name, or ALL for the lines of every resource, merged.
const ALL = "*";
const view = { resources: new Map(), selected: null, tab: "logs", lastLines: new Map(), pending: null,
               events: null, feed: null, stateTimer: null, follow: true, acting: false };
const $ = (selector) => document.querySelector(selector);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "";
}

// ---- Resources ----------------------------------------------------------------------

function renderResource(resource) {
  view.resources.set(resource.name, resource);
  const body = $("#resources tbody");
  let row = body.querySelector(`tr[data-name="${CSS.escape(resource.name)}"]`);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.name = resource.name;
    row.addEventListener("click", () => select(resource.name, view.tab));
    body.appendChild(row);
  }
  row.replaceChildren();
  row.appendChild(element("td", resource.name, "name"));
  row.appendChild(element("td", resource.summary, "kind"));
  const state = element("td", resource.state, "state");
  state.dataset.state = resource.state;
  if (resource.stateDetail) state.appendChild(element("span", resource.stateDetail, "detail"));
  row.appendChild(state);
  row.appendChild(element("td", time(resource.startedAt), "started"));
  row.appendChild(element("td", resource.starts, "starts"));
  row.appendChild(element("td", resource.pid ?? "", "pid"));
  const url = element("td", "", "url");
  if (resource.url) {
    const link = element("a", resource.url);
    link.href = resource.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.addEventListener("click", (event) => event.stopPropagation());
    url.appendChild(link);
  }
  row.appendChild(url);
  row.classList.toggle("selected", resource.name === view.selected);
  if (resource.name === view.selected) renderDetails();
}

// ---- Details: logs, environment, SignalR ------------------------------------------------

function select(name, tab) {
  const changed = name !== view.selected;
  view.selected = name;
  view.tab = tab || "logs";
  history.replaceState(null, "", `#${encodeURIComponent(name)}/${view.tab}`);
  for (const row of document.querySelectorAll("#resources tbody tr")) {
    row.classList.toggle("selected", row.dataset.name === name);
  }
  $("#all-logs").setAttribute("aria-selected", String(name === ALL));
  $("#details").hidden = false;
  if (changed) {
    $("#logs").replaceChildren();
    view.lastLines.clear();
    connect();
  }
  renderDetails();
}

function renderDetails() {
  if (view.selected === ALL) return renderAllLogs();
  const resource = view.resources.get(view.selected);
  if (!resource) return;
  for (const button of document.querySelectorAll("nav button[data-tab]")) button.hidden = false;
  $("#details-name").textContent = resource.name;
  const inspectable = resource.kind === "signalREmulator";
  $('nav button[data-tab="signalr"]').hidden = !inspectable;
  $('nav button[data-tab="environment"]').textContent = resource.kind === "project" ? "Environment" : "Connection";
  if (view.tab === "signalr" && !inspectable) view.tab = "logs";
  for (const button of document.querySelectorAll("nav button[data-tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === view.tab));
  }
  renderActions(resource);
  for (const panel of document.querySelectorAll("[data-tab-panel]")) {
    panel.hidden = panel.dataset.tabPanel !== view.tab;
  }
  $("#log-filter").hidden = view.tab !== "logs";
  $("#command").textContent = resource.command ? "command: " + resource.command
    : "What a project that references " + resource.name + " receives:";
  $("#identity").textContent = (resource.identity ?? []).length ? "managed identity: " + resource.identity.join(" · ") : "";
  const environment = $("#environment tbody");
  environment.replaceChildren();
  for (const variable of resource.environment) {
    const row = document.createElement("tr");
    row.appendChild(element("td", variable.name, "variable"));
    row.appendChild(element("td", variable.value, "value"));
    environment.appendChild(row);
  }
  if (view.tab === "signalr") openFeed(resource.name); else closeFeed();
}

// Every resource's lines in one log, each marked with its resource; nothing to act on.
function renderAllLogs() {
  view.tab = "logs";
  $("#details-name").textContent = "All resources";
  for (const button of document.querySelectorAll("nav button[data-tab]")) {
    button.hidden = button.dataset.tab !== "logs";
    button.setAttribute("aria-selected", String(button.dataset.tab === "logs"));
  }
  document.querySelector("nav .actions").hidden = true;
  for (const panel of document.querySelectorAll("[data-tab-panel]")) panel.hidden = panel.dataset.tabPanel !== "logs";
  $("#log-filter").hidden = false;
  closeFeed();
}

function addLine(line) {
  const all = view.selected === ALL;
  if ((!all && line.resource !== view.selected) || line.sequence <= (view.lastLines.get(line.resource) || 0)) return;
  view.lastLines.set(line.resource, line.sequence);
  const logs = $("#logs");
  const node = element("div", null, "line" + (line.isError ? " stderr" : "") + (line.isLifecycle ? " lifecycle" : ""));
  node.dataset.resource = line.resource;
  node.dataset.sequence = line.sequence;
  node.appendChild(element("span", time(line.time), "time"));
  if (all) node.appendChild(element("span", line.resource, "source"));
  if (line.isLifecycle) node.appendChild(element("span", "apphost", "origin"));
  node.appendChild(document.createTextNode(line.text));
  node.hidden = !matchesFilter(line.text);
  logs.appendChild(node);
  while (logs.childElementCount > 5000) logs.firstElementChild.remove();
  if (view.follow) logs.scrollTop = logs.scrollHeight;
}

function matchesFilter(text) {
  const filter = $("#log-filter").value.toLowerCase();
  return !filter || text.toLowerCase().includes(filter);
}

// ---- Start, stop, restart -----------------------------------------------------------

const ended = ["Exited", "Stopped", "FailedToStart", "NotStarted"];
const allowed = {
  start: (state) => ended.includes(state),
  stop: (state) => !ended.includes(state) && state !== "Stopping",
  restart: (state) => state !== "Stopping" && state !== "Waiting" && state !== "NotStarted",
};

function renderActions(resource) {
  const actions = document.querySelector("nav .actions");
  actions.hidden = resource.kind === "signalRCloud";
  for (const button of actions.querySelectorAll("button")) {
    button.disabled = view.acting || !allowed[button.dataset.action](resource.state);
  }
}

async function act(name, action) {
  const status = $("#action-status");
  view.acting = true;
  renderActions(view.resources.get(name));
  status.className = "";
  status.textContent = action + "…";
  try {
    const response = await fetch(`/api/resources/${encodeURIComponent(name)}/${action}`,
                                 { method: "POST", credentials: "same-origin" });
    const text = (await response.text()).trim();
    status.textContent = response.ok ? "" : text;
    status.className = response.ok ? "" : "refused";
  } catch (error) {
    status.textContent = String(error);
    status.className = "refused";
  } finally {
    view.acting = false;
    if (view.resources.has(view.selected)) renderActions(view.resources.get(view.selected));
  }
}

// ---- Live updates --------------------------------------------------------------------

// The stream opens first; lines that arrive while the kept ones load wait in `pending`, and
// sequence numbers drop what both deliver, so no line is lost or shown twice.
function connect() {
  if (view.events) view.events.close();
  const query = view.selected ? "?logs=" + encodeURIComponent(view.selected) : "";
  const events = new EventSource("/api/events" + query);
  view.events = events;
  events.addEventListener("resource", (event) => renderResource(JSON.parse(event.data)));
  events.addEventListener("line", (event) => {
    const line = JSON.parse(event.data);
    if (view.pending) view.pending.push(line); else addLine(line);
  });
  events.onopen = () => { setConnection(true); refresh(); };
  events.onerror = () => setConnection(false);
}

async function refresh() {
  try {
    for (const resource of await getJSON("/api/resources")) renderResource(resource);
    if (view.selected) {
      view.pending = [];
      const selected = view.selected;
      const names = selected === ALL ? [...view.resources.keys()] : [selected];
      const lines = [];
      for (const [order, name] of names.entries()) {
        const kept = await getJSON(`/api/resources/${encodeURIComponent(name)}/logs?after=${view.lastLines.get(name) || 0}`);
        lines.push(...kept.map((line, position) => ({ line, order, position })));
      }
      // Merged in the order written; lines of the same moment keep their resource's order.
      lines.sort((a, b) => (Date.parse(a.line.time) - Date.parse(b.line.time)) || (a.order - b.order) || (a.position - b.position));
      if (selected === view.selected) for (const entry of lines) addLine(entry.line);
      const pending = view.pending || [];
      view.pending = null;
      for (const line of pending) addLine(line);
    }
  } catch (error) {
    view.pending = null;
    setConnection(false);
  }
}

function setConnection(live) {
  const node = $("#connection");
  node.textContent = live ? "live" : "reconnecting…";
  node.classList.toggle("live", live);
}

function openFeed(name) {
  if (view.feed && view.feed.name === name) return;
  closeFeed();
  const source = new EventSource(`/api/signalr/${encodeURIComponent(name)}/events`);
  view.feed = { name, source };
  $("#feed").replaceChildren();
  source.onmessage = (event) => { addFeedEntry(JSON.parse(event.data)); scheduleState(name); };
  source.onopen = () => scheduleState(name);
  view.stateTimer = setInterval(() => loadState(name), 5000);
}

function closeFeed() {
  if (!view.feed) return;
  view.feed.source.close();
  view.feed = null;
  clearInterval(view.stateTimer);
}

function addFeedEntry(entry) {
  const parts = [time(entry.time), entry.type, entry.hub, entry.target, entry.connectionId, entry.userId ?? undefined,
                 entry.server ?? entry.appServer];
  if (entry.arguments) parts.push(JSON.stringify(entry.arguments));
  if (entry.recipients !== undefined) parts.push(`→ ${entry.recipients}`);
  if (entry.bytes !== undefined) parts.push(`${entry.bytes} bytes`);
  if (entry.status !== undefined) parts.push(`${entry.url} ${entry.status} in ${Math.round(entry.durationMs)} ms`);
  if (entry.error) parts.push(entry.error);
  if (entry.reason) parts.push(`${entry.path} ${entry.httpStatus}${entry.principal ? " for " + entry.principal : ""}: ${entry.reason}`);
  const item = element("li", parts.filter((part) => part !== undefined && part !== null && part !== "").join("  "), entry.type);
  const feed = $("#feed");
  feed.prepend(item);
  while (feed.childElementCount > 200) feed.lastElementChild.remove();
}

let stateScheduled = false;
function scheduleState(name) {
  if (stateScheduled) return;
  stateScheduled = true;
  setTimeout(() => { stateScheduled = false; loadState(name); }, 100);
}

async function loadState(name) {
  let state;
  try { state = await getJSON(`/api/signalr/${encodeURIComponent(name)}/state`); } catch { return; }
  if (!view.feed || view.feed.name !== name) return;
  let messagesIn = 0, messagesOut = 0;
  const body = $("#connections tbody");
  body.replaceChildren();
  for (const hub of state.hubs) {
    messagesIn += hub.messagesIn;
    messagesOut += hub.messagesOut;
    for (const connection of hub.connections) {
      const row = document.createElement("tr");
      row.dataset.connection = connection.connectionId;
      for (const value of [hub.name, connection.connectionId, connection.userId ?? "", connection.transport,
                           connection.protocol ?? "", connection.groups.join(", "), time(connection.connectedAt),
                           connection.appServer ?? ""]) {
        row.appendChild(element("td", value));
      }
      body.appendChild(row);
    }
  }
  const servers = $("#servers tbody");
  servers.replaceChildren();
  for (const server of state.servers ?? []) {
    const row = document.createElement("tr");
    row.dataset.connection = server.connectionId;
    for (const value of [server.hub, server.server, server.connectionId, server.state, server.clients,
                         server.messagesToServer ?? 0, server.messagesFromServer ?? 0, time(server.connectedAt)]) {
      row.appendChild(element("td", String(value)));
    }
    servers.appendChild(row);
  }
  $("#server-count").textContent = (state.servers ?? []).length;
  $("#connection-count").textContent = state.connectionCount;
  $("#messages-in").textContent = messagesIn;
  $("#messages-out").textContent = messagesOut;
}

// ---- Start ------------------------------------------------------------------------

for (const button of document.querySelectorAll("nav button[data-tab]")) {
  button.addEventListener("click", () => select(view.selected, button.dataset.tab));
}
$("#all-logs").addEventListener("click", () => select(ALL, "logs"));
for (const button of document.querySelectorAll("nav button[data-action]")) {
  button.addEventListener("click", () => act(view.selected, button.dataset.action));
}
$("#log-filter").addEventListener("input", () => {
  for (const node of document.querySelectorAll("#logs .line")) node.hidden = !matchesFilter(node.lastChild.textContent);
});
$("#logs").addEventListener("scroll", () => {
  const logs = $("#logs");
  view.follow = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
});
const [hashName, hashTab] = decodeURIComponent(location.hash.slice(1)).split("/");
if (hashName) select(hashName, hashTab); else connect();
