// The serverless notifications' app server, with Node.js's standard library only.
//
// It receives its settings from apphost (or any environment):
//   PORT                        the port to listen on
//   HOST                        the address to listen on (default 127.0.0.1; the image apphost
//                               publishes sets 0.0.0.0, so the container app's ingress reaches it)
//   ConnectionStrings__signalr  Endpoint=...;AccessKey=...;Version=1.0;  (the SignalR resource), or
//                               Endpoint=...;AuthType=azure[.msi][;ClientId=...];Version=1.0; (keyless)
//   NOTIFY_HUB                  the hub name (default: notifications)
// Keyless (AuthType=azure), as in Azure, with a managed identity:
//   IDENTITY_ENDPOINT, IDENTITY_HEADER   where the app gets its Microsoft Entra ID tokens
//   UPSTREAM_AUDIENCE           the audience of the service's upstream tokens (apphost.yaml's upstream auth)
//   APPHOST_OPENID_CONFIGURATION   the issuer's metadata under apphost run (in Azure: Entra ID's,
//                               from AZURE_TENANT_ID)
//
// Routes:
//   POST   /api/negotiate?userId=U          -> {"url", "accessToken"} for SignalR clients
//   POST   /api/notify {"text", "user"?, "group"?}  -> notify(message) to that user, group or everyone
//   PUT    /api/groups/G/users/U            -> U joins group G;  DELETE: U leaves it
//   POST   /api/upstream/{hub}/{category}/{event}   <- connected and disconnected, signature (or
//                                                     keyless: the service's bearer token) checked
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
  const keyless = (fields.AuthType || "").toLowerCase().startsWith("azure");
  if (!fields.Endpoint || !(fields.AccessKey || keyless)) {
    console.error("ConnectionStrings__signalr needs Endpoint and AccessKey, or AuthType=azure (a managed identity)");
    process.exit(1);
  }
  return { endpoint: fields.Endpoint.replace(/\/$/, ""), key: fields.AccessKey, clientId: fields.ClientId, keyless };
}

const { endpoint: ENDPOINT, key: ACCESS_KEY, clientId: CLIENT_ID, keyless: KEYLESS } =
  parseConnectionString(process.env.ConnectionStrings__signalr || "");

const base64url = (data) => Buffer.from(data).toString("base64url");

// An HS256 JWT signed with the access key, as the Azure SDKs mint them.
function token(audience, user, lifetime = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: audience, iat: now, exp: now + lifetime };
  if (user) claims["asrs.s.uid"] = user;
  const signingInput = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" })) + "." + base64url(JSON.stringify(claims));
  return signingInput + "." + crypto.createHmac("sha256", ACCESS_KEY).update(signingInput).digest("base64url");
}

// Keyless: the app's Microsoft Entra ID token for the service, from its managed identity (the
// protocol of App Service and Container Apps), kept until five minutes before it expires.
let entra = { token: "", renewAt: 0 };
async function entraToken() {
  if (Date.now() / 1000 < entra.renewAt) return entra.token;
  const url = new URL(process.env.IDENTITY_ENDPOINT);
  url.searchParams.set("api-version", "2019-08-01");
  url.searchParams.set("resource", "https://signalr.azure.com");
  if (CLIENT_ID) url.searchParams.set("client_id", CLIENT_ID);
  const response = await fetch(url, { headers: { "X-IDENTITY-HEADER": process.env.IDENTITY_HEADER } });
  const answer = await response.json();
  if (!response.ok) throw new Error(`no managed-identity token: ${answer.message}`);
  entra = { token: answer.access_token, renewAt: Number(answer.expires_on) - 300 };
  return entra.token;
}

// A client's token: minted by the service when keyless (:generateToken), else signed here.
async function clientToken(clientUrl, user) {
  if (!KEYLESS) return token(clientUrl, user);
  const query = new URLSearchParams({ "api-version": "2024-12-01", minutesToExpire: "60", ...(user ? { userId: user } : {}) });
  const response = await fetch(`${ENDPOINT}/api/hubs/${encodeURIComponent(HUB)}/:generateToken?${query}`, {
    method: "POST", headers: { Authorization: `Bearer ${await entraToken()}` },
  });
  if (!response.ok) throw new Error(`:generateToken answered ${response.status}: ${await response.text()}`);
  return (await response.json()).token;
}

// One call of the service's REST API (v1); resolves to its status code. The caller's W3C
// `traceparent`, when it sent one, goes on: the service's send and fan-out join its trace.
async function rest(method, route, body, traceparent) {
  const url = `${ENDPOINT}/api/v1/hubs/${encodeURIComponent(HUB)}${route}`;
  const headers = { Authorization: `Bearer ${KEYLESS ? await entraToken() : token(url)}`, "Content-Type": "application/json" };
  if (traceparent) headers.traceparent = traceparent;
  const response = await fetch(url, {
    method,
    headers,
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

// Keyless: the service signs in to the upstream with its own managed identity (upstream auth
// ManagedIdentity), so the call carries a bearer token: RS256 (Entra ID in Azure) or ES256 (apphost's
// local token service), signed by a key of the issuer's
// metadata, for UPSTREAM_AUDIENCE, not expired. Keys are fetched once and again for an unknown kid.
const OPENID = process.env.APPHOST_OPENID_CONFIGURATION ||
  `https://login.microsoftonline.com/${process.env.AZURE_TENANT_ID}/.well-known/openid-configuration`;
let issuer = null;
async function issuerKeys(refresh) {
  if (!issuer || refresh) {
    const metadata = await (await fetch(OPENID)).json();
    const keys = (await (await fetch(metadata.jwks_uri)).json()).keys;
    issuer = { name: metadata.issuer, keys };
  }
  return issuer;
}

async function bearerValid(authorization) {
  const match = /^Bearer (.+)\.(.+)\.(.+)$/.exec(authorization || "");
  if (!match) return false;
  const [, header, payload, signature] = match;
  let head, claims;
  try {
    head = JSON.parse(Buffer.from(header, "base64url"));
    claims = JSON.parse(Buffer.from(payload, "base64url"));
  } catch {
    return false;
  }
  if (head.alg !== "RS256" && head.alg !== "ES256") return false;
  let known = await issuerKeys(false);
  let jwk = known.keys.find((key) => key.kid === head.kid);
  if (!jwk) jwk = (known = await issuerKeys(true)).keys.find((key) => key.kid === head.kid);
  if (!jwk || jwk.kty !== (head.alg === "RS256" ? "RSA" : "EC")) return false;
  const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
  const signed = crypto.verify("sha256", Buffer.from(`${header}.${payload}`),
    head.alg === "RS256" ? key : { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  return signed && claims.iss === known.name && claims.aud === process.env.UPSTREAM_AUDIENCE && claims.exp > Date.now() / 1000;
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
    return reply(response, 200, { url: clientUrl, accessToken: await clientToken(clientUrl, user) });
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
    const status = await rest("POST", route, { target: "notify", arguments: [{ text: message.text, to }] }, request.headers.traceparent);
    return reply(response, status === 202 ? 202 : 502, { signalr: status });
  }
  const membership = url.pathname.match(/^\/api\/groups\/([^/]+)\/users\/([^/]+)$/);
  if (membership && (request.method === "PUT" || request.method === "DELETE")) {
    const status = await rest(request.method, `/groups/${membership[1]}/users/${membership[2]}`, undefined, request.headers.traceparent);
    return reply(response, status < 300 ? 200 : 502, { signalr: status });
  }
  if (request.method === "POST" && url.pathname.startsWith("/api/upstream/")) {
    const trusted = KEYLESS ? await bearerValid(request.headers.authorization)
      : signatureValid(request.headers["x-asrs-connection-id"] || "", request.headers["x-asrs-signature"]);
    if (!trusted) return reply(response, 401, { error: KEYLESS ? "bad or missing bearer token" : "bad signature" });
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
server.listen(port, process.env.HOST || "127.0.0.1", () => {
  console.log(`serverless notifications on http://localhost:${port} (SignalR at ${ENDPOINT}, hub '${HUB}')`);
});
// apphost stops a project with SIGTERM: close the server and leave.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
