"use strict";
// The OpenTelemetry views: traces (a list, then one trace as a waterfall of spans across
// resources), structured logs and metrics, read from /api/telemetry every two seconds while shown.
// Uses `$`, `element`, `getJSON` and `time` of dashboard.js; whatever the apps sent reaches the
// page through `textContent` only.
const telemetry = { view: "resources", timer: null, trace: null, span: null, instrument: null };

function showView(name) {
  telemetry.view = name;
  for (const button of document.querySelectorAll("#views button")) {
    button.setAttribute("aria-selected", String(button.dataset.view === name));
  }
  for (const panel of document.querySelectorAll("[data-view-panel]")) panel.hidden = panel.dataset.viewPanel !== name;
  $("#all-logs").hidden = name !== "resources";
  clearInterval(telemetry.timer);
  telemetry.timer = null;
  if (name !== "resources") {
    loadTelemetry();
    telemetry.timer = setInterval(loadTelemetry, 2000);
  }
}

function milliseconds(value) {
  if (value >= 1000) return (value / 1000).toFixed(2) + " s";
  return (value >= 10 ? value.toFixed(0) : value.toFixed(2)) + " ms";
}

function attributeText(attributes) {
  return Object.entries(attributes || {}).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`).join("  ");
}

async function loadTelemetry() {
  let resources;
  try { resources = await getJSON("/api/telemetry/resources"); } catch { return; }
  for (const id of ["#trace-resource", "#structured-resource", "#metric-resource"]) {
    const select = $(id);
    const known = new Set([...select.options].map((option) => option.value));
    for (const resource of resources) {
      if (!known.has(resource.resource)) select.appendChild(new Option(resource.resource, resource.resource));
    }
  }
  const dropped = (key, noun) => {
    const total = resources.reduce((sum, resource) => sum + resource[key], 0);
    return total ? `${total} oldest ${noun} dropped to stay within the limit` : "";
  };
  $("#trace-dropped").textContent = dropped("droppedSpans", "spans");
  $("#log-dropped").textContent = dropped("droppedLogs", "records");
  $("#metric-dropped").textContent = dropped("droppedPoints", "points");
  if (telemetry.view === "traces") await loadTraces();
  if (telemetry.view === "logs") await loadLogs();
  if (telemetry.view === "metrics") await loadMetrics();
}

// ---- Traces ---------------------------------------------------------------------------

async function loadTraces() {
  const query = new URLSearchParams({ limit: "200" });
  if ($("#trace-resource").value) query.set("resource", $("#trace-resource").value);
  if ($("#trace-name").value) query.set("name", $("#trace-name").value);
  if ($("#trace-duration").value) query.set("minDurationMs", $("#trace-duration").value);
  if ($("#trace-errors").checked) query.set("errors", "true");
  let traces;
  try { traces = await getJSON("/api/telemetry/traces?" + query); } catch { return; }
  const body = $("#traces tbody");
  body.replaceChildren();
  for (const trace of traces) {
    const row = document.createElement("tr");
    row.dataset.trace = trace.traceId;
    row.classList.toggle("error", trace.hasError);
    for (const value of [time(trace.start), trace.name, trace.resources.join(", "), trace.spanCount, milliseconds(trace.durationMilliseconds)]) {
      row.appendChild(element("td", value));
    }
    row.addEventListener("click", () => showTrace(trace.traceId));
    body.appendChild(row);
  }
  if (!traces.length) {
    const cell = element("td", "No traces yet: a project sends them with any OpenTelemetry SDK.", "empty");
    cell.colSpan = 5;
    body.appendChild(document.createElement("tr")).appendChild(cell);
  }
  if (telemetry.trace) await showTrace(telemetry.trace, true);
}

async function showTrace(traceId, refreshing) {
  let spans;
  try { spans = await getJSON(`/api/telemetry/traces/${encodeURIComponent(traceId)}`); } catch { return; }
  if (!spans.length) return;
  telemetry.trace = traceId;
  $("#trace").hidden = false;
  const start = Math.min(...spans.map((span) => span.startUnixMilliseconds));
  const end = Math.max(...spans.map((span) => span.startUnixMilliseconds + span.durationMilliseconds));
  const total = Math.max(end - start, 0.001);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const depth = (span) => {
    let level = 0;
    for (let parent = byId.get(span.parentSpanId); parent && level < 50; parent = byId.get(parent.parentSpanId)) level++;
    return level;
  };
  const root = spans.find((span) => !byId.has(span.parentSpanId)) || spans[0];
  $("#trace-title").textContent = `${root.name} · ${spans.length} spans · ${milliseconds(total)} · ${traceId}`;
  const waterfall = $("#waterfall");
  waterfall.replaceChildren();
  for (const span of spans) {
    const row = element("div", null, "span" + (span.status === "error" ? " error" : ""));
    row.setAttribute("role", "listitem");
    row.dataset.span = span.spanId;
    row.classList.toggle("selected", span.spanId === telemetry.span);
    const label = element("div", null, "label");
    label.style.paddingLeft = `${depth(span) * 0.9}rem`;
    label.appendChild(element("span", span.resource, "resource"));
    label.appendChild(document.createTextNode(span.name));
    const track = element("div", null, "track");
    const bar = element("div", null, "bar");
    bar.style.left = `${((span.startUnixMilliseconds - start) / total) * 100}%`;
    bar.style.width = `${Math.max((span.durationMilliseconds / total) * 100, 0.3)}%`;
    track.appendChild(bar);
    row.append(label, track, element("div", milliseconds(span.durationMilliseconds), "duration"));
    row.addEventListener("click", () => showSpan(span));
    waterfall.appendChild(row);
  }
  if (!refreshing) $("#span-details").hidden = true;
}

function showSpan(span) {
  telemetry.span = span.spanId;
  for (const row of document.querySelectorAll("#waterfall .span")) row.classList.toggle("selected", row.dataset.span === span.spanId);
  $("#span-details").hidden = false;
  $("#span-name").textContent = `${span.name} (${span.kind}, ${span.resource}, ${span.status}${span.statusMessage ? ": " + span.statusMessage : ""})`;
  const body = $("#span-attributes tbody");
  body.replaceChildren();
  for (const [key, value] of Object.entries(span.attributes)) {
    const row = document.createElement("tr");
    row.append(element("td", key), element("td", typeof value === "string" ? value : JSON.stringify(value)));
    body.appendChild(row);
  }
  const events = $("#span-events");
  events.replaceChildren();
  for (const event of span.events) events.appendChild(element("li", `${time(event.time)} ${event.name} ${attributeText(event.attributes)}`));
}

// ---- Structured logs ------------------------------------------------------------------

async function loadLogs() {
  const query = new URLSearchParams({ limit: "300", minSeverity: $("#structured-level").value });
  if ($("#structured-resource").value) query.set("resource", $("#structured-resource").value);
  if ($("#structured-text").value) query.set("text", $("#structured-text").value);
  let records;
  try { records = await getJSON("/api/telemetry/logs?" + query); } catch { return; }
  const body = $("#structured-logs tbody");
  body.replaceChildren();
  for (const record of records.reverse()) {
    const row = document.createElement("tr");
    const level = element("td", record.severity, "level");
    level.dataset.level = record.severity;
    row.append(element("td", time(record.time)), level, element("td", record.resource), element("td", record.message),
               element("td", attributeText(record.attributes), "attributes"));
    const trace = element("td");
    if (record.traceId) {
      const link = element("a", record.traceId.slice(0, 8));
      link.title = "Show trace " + record.traceId;
      link.addEventListener("click", () => { showView("traces"); showTrace(record.traceId); });
      trace.appendChild(link);
    }
    row.appendChild(trace);
    body.appendChild(row);
  }
}

// ---- Metrics --------------------------------------------------------------------------

async function loadMetrics() {
  const query = $("#metric-resource").value ? "?resource=" + encodeURIComponent($("#metric-resource").value) : "";
  let instruments;
  try { instruments = await getJSON("/api/telemetry/metrics" + query); } catch { return; }
  const body = $("#instruments tbody");
  body.replaceChildren();
  for (const instrument of instruments) {
    const row = document.createElement("tr");
    row.dataset.instrument = instrument.name;
    // "1" is OpenTelemetry's unit of a plain count: not worth showing.
    const unit = instrument.unit === "1" ? "" : " " + instrument.unit;
    const latest = instrument.latest.value === undefined ? "" : `${instrument.latest.value}${unit}`;
    row.append(element("td", instrument.resource), element("td", instrument.name), element("td", instrument.kind), element("td", latest));
    row.addEventListener("click", () => { telemetry.instrument = instrument; drawChart(); });
    body.appendChild(row);
  }
  if (telemetry.instrument) await drawChart();
}

async function drawChart() {
  const { resource, name, unit, kind } = telemetry.instrument;
  let points;
  try {
    points = await getJSON(`/api/telemetry/metrics/${encodeURIComponent(resource)}/${encodeURIComponent(name)}?limit=200`);
  } catch { return; }
  points = points.filter((point) => point.value !== undefined && point.value !== null);
  $("#chart").hidden = false;
  $("#chart-title").textContent = `${name} (${kind}${unit ? ", " + unit : ""}) of ${resource}: ${points.length} recent points`;
  const plot = $("#chart-plot");
  plot.replaceChildren();
  if (!points.length) return;
  const times = points.map((point) => Date.parse(point.time));
  const values = points.map((point) => point.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const [low, high] = [Math.min(...values, 0), Math.max(...values)];
  const x = (t) => (t1 === t0 ? 300 : ((t - t0) / (t1 - t0)) * 590 + 5);
  const y = (v) => (high === low ? 110 : 215 - ((v - low) / (high - low)) * 210);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.map((point, index) => `${x(times[index]).toFixed(1)},${y(values[index]).toFixed(1)}`).join(" "));
  plot.appendChild(line);
  $("#chart-range").textContent = `from ${low} to ${high}; latest ${values[values.length - 1]} at ${time(points[points.length - 1].time)}`;
}

// ---- Start ----------------------------------------------------------------------------

for (const button of document.querySelectorAll("#views button")) {
  button.addEventListener("click", () => showView(button.dataset.view));
}
for (const form of document.querySelectorAll(".filters")) {
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", () => loadTelemetry());
  form.addEventListener("change", () => loadTelemetry());
}
