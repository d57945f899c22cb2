// The serverless notifications' app server, with Node.js's standard library only.
//
// It receives its settings from apphost (or any environment):
//   PORT                        the port to listen on (127.0.0.1)
//   ConnectionStrings__signalr  Endpoint=...;AccessKey=...;Version=1.0;  (the SignalR resource)
//   NOTIFY_HUB                  the hub name (default: notifications)
//
// Routes:
//   POST   /api/negotiate?userId=U          -> {"url", "accessToken"} for SignalR clients
//   POST   /api/notify {"text", "user"?, "group"?}  -> notify(message) to that user, group or everyone
//   PUT    /api/groups/G/users/U            -> U joins group G;  DELETE: U leaves it
//   POST   /api/upstream/{hub}/{category}/{event}   <- connected and disconnected, signature checked
//   GET    /health                          -> 200 when the app can serve
//   GET    /                                -> the page (index.html)
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const HUB = process.env.NOTIFY_HUB || "notifications";
const PAGE = path.join(__dirname, "index.html");

function parseConnectionString(text) {
  const fields = Object.fromEntries(text.split(";").filter((part) => part.includes("="))
    .map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)]));
  if (!fields.Endpoint || !fields.AccessKey) {
    console.error("ConnectionStrings__signalr needs Endpoint and AccessKey (this sample signs its own tokens; " +
                  "AuthType=azure needs the Management SDK)");
    process.exit(1);
  }
  return { endpoint: fields.Endpoint.replace(/\/$/, ""), key: fields.AccessKey };
}

const { endpoint: ENDPOINT, key: ACCESS_KEY } = parseConnectionString(process.env.ConnectionStrings__signalr || "");

const base64url = (data) => Buffer.from(data).toString("base64url");

// An HS256 JWT signed with the access key, as the Azure SDKs mint them.
function token(audience, user, lifetime = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: audience, iat: now, exp: now + lifetime };
  if (user) claims["asrs.s.uid"] = user;
  const signingInput = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" })) + "." + base64url(JSON.stringify(claims));
  return signingInput + "." + crypto.createHmac("sha256", ACCESS_KEY).update(signingInput).digest("base64url");
}

// One call of the service's REST API (v1); resolves to its status code.
async function rest(method, route, body) {
  const url = `${ENDPOINT}/api/v1/hubs/${encodeURIComponent(HUB)}${route}`;
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token(url)}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status;
}

// X-ASRS-Signature holds one or more sha256=<hex> (several while keys rotate).
function signatureValid(connectionId, header) {
  const expected = Buffer.from("sha256=" + crypto.createHmac("sha256", ACCESS_KEY).update(connectionId).digest("hex"));
  return (header || "").split(",").map((candidate) => Buffer.from(candidate.trim()))
    .some((candidate) => candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected));
}

function reply(response, status, body = "", contentType = "application/json") {
  const data = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(data) });
  response.end(data);
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function handle(request, response) {
  const url = new URL(request.url, "http://localhost");
  const body = await readBody(request);
  if (url.pathname !== "/health") console.log(`${request.method} ${url.pathname}`);

  if (request.method === "GET" && url.pathname === "/health") return reply(response, 200, "ok", "text/plain");
  if (request.method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
    return reply(response, 200, fs.readFileSync(PAGE, "utf8"), "text/html; charset=utf-8");
  }
  if (request.method === "POST" && url.pathname === "/api/negotiate") {
    const user = url.searchParams.get("userId") || request.headers["x-user-id"];
    const clientUrl = `${ENDPOINT}/client/?hub=${encodeURIComponent(HUB)}`;
    return reply(response, 200, { url: clientUrl, accessToken: token(clientUrl, user) });
  }
  if (request.method === "POST" && url.pathname === "/api/notify") {
    let message;
    try {
      message = JSON.parse(body || "{}");
    } catch {
      message = {};
    }
    if (typeof message.text !== "string") return reply(response, 400, { error: 'send {"text": ..., "user"?: ..., "group"?: ...}' });
    const route = message.user ? `/users/${encodeURIComponent(message.user)}`
      : message.group ? `/groups/${encodeURIComponent(message.group)}` : "";
    const to = message.user ? `user ${message.user}` : message.group ? `group ${message.group}` : "everyone";
    const status = await rest("POST", route, { target: "notify", arguments: [{ text: message.text, to }] });
    return reply(response, status === 202 ? 202 : 502, { signalr: status });
  }
  const membership = url.pathname.match(/^\/api\/groups\/([^/]+)\/users\/([^/]+)$/);
  if (membership && (request.method === "PUT" || request.method === "DELETE")) {
    const status = await rest(request.method, `/groups/${membership[1]}/users/${membership[2]}`);
    return reply(response, status < 300 ? 200 : 502, { signalr: status });
  }
  if (request.method === "POST" && url.pathname.startsWith("/api/upstream/")) {
    if (!signatureValid(request.headers["x-asrs-connection-id"] || "", request.headers["x-asrs-signature"])) {
      return reply(response, 401, { error: "bad signature" });
    }
    const event = url.pathname.split("/")[5];
    console.log(`${request.headers["x-asrs-user-id"] || "anonymous"} ${event} (${request.headers["x-asrs-connection-id"]})`);
    return reply(response, 200);
  }
  reply(response, 404, { error: "not found" });
}

const port = Number(process.env.PORT || 8080);
const server = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    console.error(error);
    if (!response.headersSent) reply(response, 500, { error: String(error) });
  });
});
server.listen(port, "127.0.0.1", () => {
  console.log(`serverless notifications on http://localhost:${port} (SignalR at ${ENDPOINT}, hub '${HUB}')`);
});
// apphost stops a project with SIGTERM: close the server and leave.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
