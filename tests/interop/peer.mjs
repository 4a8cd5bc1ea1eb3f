// An independent ActivityPub peer built on Fedify (@fedify/fedify 2.3.6, which nobody in this
// project wrote), for the interoperability tests in tests/interop/.  Run it with the Node 22
// binary installed by `make interop-deps` (Fedify 2.x needs Node >= 22; the machine has 20):
//
//   tests/interop/node_modules/node/bin/node tests/interop/peer.mjs --port 8765 \
//       [--first-knock draft-cavage|rfc9421] [--no-ed25519] [--authorized-fetch] \
//       [--log-level warning]
//
// It listens on 127.0.0.1 only and serves one Person actor, /users/peer, through Fedify's
// federation object (actor and key pairs dispatchers, inbox listeners, WebFinger).  With
// --authorized-fetch the actor is served only to GETs whose signature Fedify verifies.  A test
// drives it through a small control API (never part of any real server):
//
//   GET  /_control/inbox          every POST its inboxes received: raw body, headers, the
//                                 signature scheme, Fedify's answer, and whether Fedify
//                                 verified it (the listener ran) plus an independent
//                                 verifyRequestDetailed() of the HTTP signature alone
//   DELETE /_control/inbox        forget them
//   POST /_control/follow         {"actor": "<actor URL | acct:user@host | @user@host>"}
//                                 fetch the actor with a signed GET, send it a Follow
//   POST /_control/send           {"to": "<actor URL>", "activity": {...}} send any activity
//                                 as the peer (missing @context, id, actor filled in)
//   GET  /_control/lookup?url=... the object as Fedify parses it, compact JSON-LD
//                                 (its Fedify class name in the X-Fedify-Class header)
//   GET  /_control/sent           what the peer sent (activity JSON, recipient inbox)
//   GET  /_control/fetches        with --authorized-fetch: each GET of the actor, the key
//                                 Fedify verified its signature with (or null), allowed or not
//   GET  /_control/nodeinfo?url=  the server's NodeInfo as Fedify's strict parser reads it
//                                 (through /.well-known/nodeinfo), re-serialised
//
// "ready" is printed on stdout once it listens.  Logs (Fedify's own, through LogTape) go to
// stderr.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import {
  createFederation,
  MemoryKvStore,
  nodeInfoToJson,
  parseNodeInfo,
  verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  isActor,
  Like,
  Person,
  Reject,
  Undo,
  Update,
} from "@fedify/vocab";
import { configure, getTextFormatter } from "@logtape/logtape";

const HOST = "127.0.0.1"; // all traffic stays on loopback
const ACTOR = "peer";
const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
const AS_MEDIA = "application/activity+json";
const KNOCKS = {
  "draft-cavage": "draft-cavage-http-signatures-12",
  "draft-cavage-http-signatures-12": "draft-cavage-http-signatures-12",
  cavage: "draft-cavage-http-signatures-12",
  rfc9421: "rfc9421",
};

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    "first-knock": { type: "string", default: "draft-cavage" },
    "no-ed25519": { type: "boolean", default: false },
    "authorized-fetch": { type: "boolean", default: false },
    "log-level": { type: "string", default: "warning" },
  },
});
const port = Number(args.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("usage: node peer.mjs --port N [--first-knock draft-cavage|rfc9421] [--no-ed25519] [--authorized-fetch]");
  process.exit(2);
}
const firstKnock = KNOCKS[args["first-knock"]];
if (firstKnock == null) {
  console.error(`--first-knock: expected draft-cavage or rfc9421, got ${args["first-knock"]}`);
  process.exit(2);
}
const origin = `http://${HOST}:${port}`;

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: {
    stderr: (record) => process.stderr.write(getTextFormatter()(record)),
  },
  loggers: [
    { category: ["fedify"], sinks: ["stderr"], lowestLevel: args["log-level"] },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// -- keys: generated at each start (throwaway), RSA for HTTP signatures (what Mastodon and
// our node verify) and, unless --no-ed25519, Ed25519 for Object Integrity Proofs (FEP-8b32),
// which Fedify then attaches to every activity it sends.
async function generateKeys() {
  const rsa = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const keys = [rsa];
  if (!args["no-ed25519"]) keys.push(await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]));
  return keys;
}
const keyPairs = await generateKeys();

// -- the federation
const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Fedify refuses to fetch private and loopback addresses (its SSRF guard).  Both this
  // peer and the THC node under test listen on 127.0.0.1 only, so the guard is turned off
  // here, and only here: this process is a test peer, never a server anyone reaches.
  allowPrivateAddress: true,
  // Which HTTP signature scheme Fedify tries first with a server it does not know yet; it
  // falls back to the other one on a 4xx ("double knock").  Fedify's own default is rfc9421;
  // this peer defaults to draft-cavage (what Mastodon sends) unless told otherwise.
  firstKnock,
  userAgent: { software: "thc-interop-peer/1.0" },
});

const followers = new Map(); // actor id -> inbox URL
const fetches = []; // with --authorized-fetch: every GET of the actor and its verdict

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop peer",
      summary: "A test peer on Fedify for THC Node's interoperability tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
      manuallyApprovesFollowers: false,
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === ACTOR ? keyPairs : []))
  .authorize(async (ctx, _identifier) => {
    if (!args["authorized-fetch"]) return true;
    // Authorized fetch ("secure mode"): only signed GETs get the actor.  The signer's key
    // is fetched with a GET signed by the peer, as a secure-mode server does.
    const key = await ctx.getSignedKey({ documentLoader: await ctx.getDocumentLoader({ identifier: ACTOR }) });
    fetches.push({
      path: new URL(ctx.request.url).pathname,
      scheme: signatureScheme(ctx.request.headers),
      key_id: key?.id?.href ?? null,
      allowed: key != null,
    });
    return key != null;
  });

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    return {
      items: [...followers].map(([id, inbox]) => ({ id: new URL(id), inboxId: new URL(inbox) })),
    };
  })
  .setCounter((_ctx, identifier) => (identifier === ACTOR ? followers.size : null));

// Each inbox POST gets a record (ctx.data); the listener that runs marks it verified, since
// Fedify calls listeners only for activities it authenticated (HTTP signature, Object
// Integrity Proof or LD signature).
function listener(kind) {
  return async (ctx, activity) => {
    const record = ctx.data;
    if (record == null) return;
    record.verified = true;
    record.listener = kind;
    record.activity_type = activity.constructor.name;
    if (kind === "Follow") await acceptFollow(ctx, activity, record);
  };
}

async function acceptFollow(ctx, follow, record) {
  // Like any ActivityPub server with auto-accept: answer a Follow of the peer with Accept.
  if (follow.objectId?.href !== ctx.getActorUri(ACTOR).href || follow.actorId == null) return;
  const follower = await follow.getActor(ctx);
  if (follower?.inboxId == null) return;
  followers.set(follower.id.href, follower.inboxId.href);
  const accept = new Accept({
    id: new URL(`${origin}/objects/${randomUUID()}`),
    actor: ctx.getActorUri(ACTOR),
    object: follow,
  });
  try {
    await ctx.sendActivity({ identifier: ACTOR }, follower, accept);
    await remember(accept, follower.inboxId.href);
  } catch (error) {
    record.accept_error = String(error?.message ?? error);
  }
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, listener("Follow"))
  .on(Accept, listener("Accept"))
  .on(Reject, listener("Reject"))
  .on(Create, listener("Create"))
  .on(Update, listener("Update"))
  .on(Delete, listener("Delete"))
  .on(Announce, listener("Announce"))
  .on(Undo, listener("Undo"))
  .on(Like, listener("Like"))
  .on(Activity, listener("Activity")) // anything else Fedify authenticated
  .onUnverifiedActivity((ctx, _activity, reason) => {
    if (ctx.data != null) ctx.data.unverified_reason = describeReason(reason);
    // undefined: Fedify answers its default 401
  })
  .onError((ctx, error) => {
    if (ctx.data != null) ctx.data.error = String(error?.message ?? error);
  });

function describeReason(reason) {
  if (reason == null) return null;
  const out = { type: reason.type };
  if (reason.keyId != null) out.keyId = String(reason.keyId);
  if (reason.result != null) {
    if ("status" in reason.result) out.status = reason.result.status;
    if (reason.result.error != null) out.error = String(reason.result.error?.message ?? reason.result.error);
  }
  return out;
}

// -- the control API and the recorded traffic
const inbox = [];
const sent = [];
const served = new Map(); // path -> JSON of what the peer sent, dereferenceable at its id

async function remember(activity, inboxUrl) {
  const json = await activity.toJsonLd({ format: "compact", contextLoader: rootContext().contextLoader });
  sent.push({ id: activity.id?.href ?? null, type: activity.constructor.name, inbox: inboxUrl, json });
  for (const doc of [json, typeof json.object === "object" ? json.object : null]) {
    if (doc?.id?.startsWith(`${origin}/objects/`)) {
      served.set(new URL(doc.id).pathname, { "@context": json["@context"], ...doc });
    }
  }
  return json;
}

function rootContext() {
  return federation.createContext(new URL(origin), undefined);
}

function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Fedify's lookupWebFinger() always uses https; our node runs on http in tests, so handles
// are resolved here over http, with the checks Mastodon makes (subject, self link type).
async function resolveActorUrl(target) {
  if (typeof target !== "string" || target === "") throw new ControlError(400, "actor: expected a URL or a handle");
  if (/^https?:\/\//.test(target)) return target;
  const handle = target.replace(/^acct:/, "").replace(/^@/, "");
  const at = handle.lastIndexOf("@");
  if (at <= 0) throw new ControlError(400, `not a URL or handle: ${target}`);
  const host = handle.slice(at + 1);
  const resource = `acct:${handle}`;
  const url = `http://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  const response = await fetch(url, { headers: { Accept: "application/jrd+json" } });
  if (!response.ok) throw new ControlError(502, `WebFinger ${url}: ${response.status} ${await response.text()}`);
  const jrd = await response.json();
  if (jrd.subject !== resource) throw new ControlError(502, `WebFinger subject ${jrd.subject} != ${resource}`);
  const self = (jrd.links ?? []).find(
    (link) => link.rel === "self" && (link.type === AS_MEDIA || /activitystreams/.test(link.type ?? "")),
  );
  if (self?.href == null) throw new ControlError(502, `WebFinger ${resource}: no self link of type ${AS_MEDIA}`);
  return self.href;
}

async function lookupActor(ctx, target) {
  const url = await resolveActorUrl(target);
  // A signed GET (authenticated document loader with the peer's key): servers in authorized
  // fetch mode, ours included, refuse unsigned ones.
  const documentLoader = await ctx.getDocumentLoader({ identifier: ACTOR });
  let actor;
  try {
    actor = await ctx.lookupObject(url, { documentLoader });
  } catch (error) {
    throw new ControlError(502, `Fedify could not fetch or parse ${url}: ${error?.message ?? error}`);
  }
  if (actor == null) throw new ControlError(502, `Fedify found no object at ${url} (fetch failed or document refused)`);
  if (!isActor(actor)) throw new ControlError(502, `${url} is a ${actor.constructor.name}, not an actor`);
  if (actor.inboxId == null) throw new ControlError(502, `${url} has no inbox`);
  return actor;
}

async function send(ctx, actor, activity) {
  try {
    await ctx.sendActivity({ identifier: ACTOR }, actor, activity);
  } catch (error) {
    // Fedify's SendActivityError carries the inbox's status and answer.
    throw new ControlError(502, `Fedify could not deliver to ${actor.inboxId.href}: ${error?.message ?? error}`);
  }
  return await remember(activity, actor.inboxId.href);
}

async function controlFollow(body) {
  const ctx = rootContext();
  const actor = await lookupActor(ctx, body.actor);
  const follow = new Follow({
    id: new URL(`${origin}/objects/${randomUUID()}`),
    actor: ctx.getActorUri(ACTOR),
    object: actor.id,
  });
  const json = await send(ctx, actor, follow);
  return { actor: actor.id.href, actor_type: actor.constructor.name, inbox: actor.inboxId.href, follow: json };
}

async function controlSend(body) {
  const ctx = rootContext();
  if (body.activity == null || typeof body.activity !== "object") throw new ControlError(400, "activity: expected an object");
  const actor = await lookupActor(ctx, body.to);
  const me = ctx.getActorUri(ACTOR).href;
  const json = { ...body.activity };
  json["@context"] ??= AS_CONTEXT;
  json.id ??= `${origin}/objects/${randomUUID()}`;
  json.actor ??= me;
  if (json.object != null && typeof json.object === "object" && !Array.isArray(json.object)) {
    json.object = { ...json.object };
    json.object.id ??= `${origin}/objects/${randomUUID()}`;
    if (json.object.type !== undefined && !/^(Follow|Like|Announce|Undo|Accept|Reject)$/.test(json.type)) {
      json.object.attributedTo ??= me;
    }
  }
  let activity;
  try {
    activity = await Activity.fromJsonLd(json, { contextLoader: ctx.contextLoader, documentLoader: ctx.documentLoader });
  } catch (error) {
    throw new ControlError(400, `Fedify could not parse the activity: ${error?.message ?? error}`);
  }
  const wire = await send(ctx, actor, activity);
  return { to: actor.id.href, inbox: actor.inboxId.href, activity: wire };
}

async function controlLookup(url) {
  if (!url) throw new ControlError(400, "url: missing");
  const ctx = rootContext();
  const documentLoader = await ctx.getDocumentLoader({ identifier: ACTOR });
  let object;
  try {
    object = await ctx.lookupObject(url, { documentLoader });
  } catch (error) {
    throw new ControlError(502, `Fedify could not fetch or parse ${url}: ${error?.message ?? error}`);
  }
  if (object == null) throw new ControlError(404, `Fedify found no object at ${url} (fetch failed or document refused)`);
  const compact = await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  return jsonResponse(200, compact, { "X-Fedify-Class": object.constructor.name });
}

async function controlNodeInfo(url) {
  if (!url) throw new ControlError(400, "url: missing");
  // Fedify's getNodeInfo() refuses loopback addresses with no option to allow them, so the
  // two documents are fetched here the way it does (/.well-known/nodeinfo, then the 2.0 or 2.1
  // link) and given to Fedify's own strict parser.
  const fetchJson = async (target) => {
    const response = await fetch(target, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new ControlError(502, `${target}: ${response.status} ${await response.text()}`);
    return await response.json();
  };
  const links = await fetchJson(new URL("/.well-known/nodeinfo", url));
  const link = (links?.links ?? []).find((l) =>
    l?.rel === "http://nodeinfo.diaspora.software/ns/schema/2.1" ||
    l?.rel === "http://nodeinfo.diaspora.software/ns/schema/2.0"
  );
  if (link?.href == null) throw new ControlError(502, `no NodeInfo 2.x link in ${JSON.stringify(links)}`);
  const raw = await fetchJson(link.href);
  const parsed = parseNodeInfo(raw);
  if (parsed == null) {
    throw new ControlError(422, `Fedify's strict NodeInfo parser refused ${link.href}: ${JSON.stringify(raw)}`);
  }
  return jsonResponse(200, { href: link.href, rel: link.rel, nodeinfo: nodeInfoToJson(parsed) });
}

async function control(request, url) {
  const route = `${request.method} ${url.pathname}`;
  const readJson = async () => {
    try {
      return await request.json();
    } catch {
      throw new ControlError(400, "expected a JSON body");
    }
  };
  try {
    switch (route) {
      case "GET /_control/inbox":
        return jsonResponse(200, { items: inbox });
      case "DELETE /_control/inbox":
        inbox.length = 0;
        return jsonResponse(200, { items: [] });
      case "GET /_control/fetches":
        return jsonResponse(200, { items: fetches });
      case "GET /_control/sent":
        return jsonResponse(200, { items: sent });
      case "GET /_control/lookup":
        return await controlLookup(url.searchParams.get("url"));
      case "GET /_control/nodeinfo":
        return await controlNodeInfo(url.searchParams.get("url"));
      case "POST /_control/follow":
        return jsonResponse(200, await controlFollow(await readJson()));
      case "POST /_control/send":
        return jsonResponse(200, await controlSend(await readJson()));
      default:
        return jsonResponse(404, { error: `no control route ${route}` });
    }
  } catch (error) {
    const status = error instanceof ControlError ? error.status : 500;
    return jsonResponse(status, { error: String(error?.message ?? error) });
  }
}

function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage";
  return null;
}

async function receive(request, path) {
  const raw = await request.clone().text();
  let activity = null;
  try {
    activity = JSON.parse(raw);
  } catch {
    // kept as raw body only
  }
  const record = {
    received_at: new Date().toISOString(),
    path,
    headers: Object.fromEntries(request.headers),
    body: raw,
    activity,
    type: activity?.type ?? null,
    id: activity?.id ?? null,
    actor: typeof activity?.actor === "string" ? activity.actor : activity?.actor?.id ?? null,
    scheme: signatureScheme(request.headers),
    verified: false,
    listener: null,
    status: null,
    response: null,
    http_signature: null,
  };
  inbox.push(record);
  // An independent check of the HTTP signature alone, with the same authenticated loader
  // Fedify's personal inbox uses (the key fetch is a GET signed by the peer).
  try {
    const ctx = rootContext();
    const verification = await verifyRequestDetailed(request.clone(), {
      documentLoader: await ctx.getDocumentLoader({ identifier: ACTOR }),
      contextLoader: ctx.contextLoader,
    });
    record.http_signature = verification.verified
      ? { verified: true, key_id: verification.key?.id?.href ?? null }
      : { verified: false, reason: describeReason(verification.reason) };
  } catch (error) {
    record.http_signature = { verified: false, error: String(error?.message ?? error) };
  }
  const response = await federation.fetch(request, { contextData: record });
  record.status = response.status;
  record.response = await response.clone().text();
  return response;
}

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/_control/")) return await control(request, url);
  if (request.method === "GET" && served.has(url.pathname)) {
    return new Response(JSON.stringify(served.get(url.pathname)), { headers: { "Content-Type": AS_MEDIA } });
  }
  if (request.method === "POST" && /^\/(users\/[^/]+\/)?inbox$/.test(url.pathname)) {
    return await receive(request, url.pathname);
  }
  return await federation.fetch(request, { contextData: undefined });
}

// node:http <-> fetch Request/Response (the peer keeps no framework dependency).
const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await handle(request);
    const payload = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(payload);
  } catch (error) {
    process.stderr.write(`peer: ${error?.stack ?? error}\n`);
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
    res.end(String(error?.message ?? error));
  }
});

server.listen(port, HOST, () => {
  process.stdout.write(`peer ${origin}/users/${ACTOR} first-knock=${firstKnock}\nready\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
