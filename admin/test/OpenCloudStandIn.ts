/**
 * A stand-in for Roblox's Open Cloud data store API (v2 DataStoreEntry), on loopback, backed by the DataStore of a
 * world of the offline runtime (WorldSession): the same store the world's game servers read and write, so a spec
 * can have a game hold a profile while profileservice-admin edits it. It follows
 * https://create.roblox.com/docs/cloud/reference/DataStoreEntry (paths, `@<revisionId>`, `@latest`,
 * `@latest:<time>`, Update with etag and allowMissing, List Revisions with pages and its time filter),
 * https://create.roblox.com/docs/cloud/reference/errors (the v2 and gateway error shapes) and
 * https://create.roblox.com/docs/cloud/guides/data-stores/request-handling (401 for a bad key, 403 for a missing
 * permission). Where the documentation says nothing, the choice is marked "undocumented" below.
 *
 * Not emulated: Roblox's rate limits and throughput limits (a spec injects 429s and 5xx with `fail`), OAuth,
 * ordered data stores, and listing data stores.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type * as Runtime from "../../runtime/harness/index.js";
import type { WorldSession } from "./WorldSession.js";

export interface StandInKey {
	key: string;
	scopes: string[];
	/** Universes the key may use (default: the stand-in's). */
	universes?: string[];
}

export interface Fault {
	status?: number;
	/** Seconds, sent as `retry-after`. */
	retryAfter?: number;
	/** The body to send (default: the error of that status). */
	body?: string;
	/** Close the connection without an answer: a network failure. */
	hangUp?: boolean;
	/** Only requests with this method (default: any). */
	method?: string;
	/** How many requests it hits (default 1). */
	times?: number;
}

export interface StandInRequest {
	method: string;
	path: string;
	status?: number;
}

/** A version as the world's DataStore inspector lists it (Runtime.store().rawHistory). */
interface StoredVersion {
	info: Runtime.StoredInfo;
	json?: string;
}

const SCOPE_READ = "universe-datastores.objects:read";
const SCOPE_UPDATE = "universe-datastores.objects:update";
const SCOPE_CREATE = "universe-datastores.objects:create";
const SCOPE_DELETE = "universe-datastores.objects:delete";
const SCOPE_LIST = "universe-datastores.objects:list";
const SCOPE_REVISIONS = "universe-datastores.versions:list";

const CODES: Record<number, string> = {
	400: "INVALID_ARGUMENT",
	403: "PERMISSION_DENIED",
	404: "NOT_FOUND",
	409: "ABORTED",
	429: "RESOURCE_EXHAUSTED",
	500: "INTERNAL",
	503: "UNAVAILABLE",
};

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

const iso = (ms: number) => new Date(ms).toISOString();

export class OpenCloudStandIn {
	readonly requests: StandInRequest[] = [];
	/** Runs before each request is handled: a spec makes a game server save "meanwhile" here. */
	beforeHandling?: (request: { method: string; path: string; body: string }) => Promise<void>;
	private readonly faults: Fault[] = [];
	private server?: Server;

	constructor(
		private readonly world: WorldSession,
		readonly universeId: string,
		private readonly keys: StandInKey[],
	) {}

	/** Makes the next matching requests fail as `fault` says. */
	fail(fault: Fault) {
		this.faults.push({ ...fault, times: fault.times ?? 1 });
	}

	/** Starts listening on loopback; returns the base URL to give the tool (--base-url). */
	listen(port = 0): Promise<string> {
		this.server = createServer((request, response) => void this.serve(request, response));
		return new Promise((ready, failed) => {
			this.server!.once("error", failed);
			this.server!.listen(port, "127.0.0.1", () => {
				const { port: bound } = this.server!.address() as AddressInfo;
				ready(`http://127.0.0.1:${bound}`);
			});
		});
	}

	close(): Promise<void> {
		return new Promise((done) => {
			if (this.server === undefined) return done();
			this.server.closeAllConnections();
			this.server.close(() => done());
		});
	}

	private takeFault(method: string): Fault | undefined {
		const index = this.faults.findIndex((fault) => fault.method === undefined || fault.method === method);
		if (index === -1) return undefined;
		const fault = this.faults[index];
		fault.times! -= 1;
		if (fault.times! <= 0) this.faults.splice(index, 1);
		return fault;
	}

	private async serve(request: IncomingMessage, response: ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks).toString("utf8");
		const method = request.method ?? "GET";
		const url = new URL(request.url ?? "/", "http://stand-in");
		const logged: StandInRequest = { method, path: url.pathname + url.search };
		this.requests.push(logged);
		const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
			logged.status = status;
			const text = typeof payload === "string" ? payload : JSON.stringify(payload);
			response.writeHead(status, { "content-type": "application/json", ...headers });
			response.end(text);
		};
		try {
			await this.beforeHandling?.({ method, path: url.pathname, body });
			const fault = this.takeFault(method);
			if (fault?.hangUp === true) {
				logged.status = 0;
				request.socket.destroy();
				return;
			}
			if (fault !== undefined) {
				const status = fault.status ?? 500;
				const headers: Record<string, string> =
					fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
				return send(
					status,
					fault.body ?? { code: CODES[status] ?? "UNKNOWN", message: "Injected by the stand-in." },
					headers,
				);
			}
			const { status, payload } = await this.route(method, url, body, request.headers["x-api-key"]);
			send(status, payload);
		} catch (err) {
			if (err instanceof HttpError)
				return send(err.status, err.status === 401 ? gatewayError() : v2Error(err.status, err.message));
			send(500, v2Error(500, (err as Error).message));
		}
	}

	private authorize(apiKey: string | string[] | undefined, universe: string, scope: string) {
		const key = this.keys.find((candidate) => candidate.key === apiKey);
		if (key === undefined) throw new HttpError(401, "Invalid API Key");
		if (!(key.universes ?? [this.universeId]).includes(universe)) {
			throw new HttpError(403, `The API key has no permissions for universe ${universe}.`);
		}
		// Undocumented: the wording of a missing-scope 403 (the guide only names the status).
		if (!key.scopes.includes(scope)) throw new HttpError(403, `Insufficient scope: ${scope} is required.`);
	}

	private async route(method: string, url: URL, body: string, apiKey: string | string[] | undefined) {
		const match =
			/^\/cloud\/v2\/universes\/([^/]+)\/data-stores\/([^/]+)(?:\/scopes\/([^/]+))?\/entries(?:\/([^/]+))?$/.exec(
				url.pathname,
			);
		if (match === null) throw new HttpError(404, `No such endpoint: ${method} ${url.pathname}`);
		const [universe, store, scope] = [match[1], match[2], match[3]].map((part) => part && decodeURIComponent(part));
		const scoped = scope ?? "global";
		let segment = match[4] !== undefined ? decodeURIComponent(match[4]) : undefined;
		const base = `universes/${universe}/data-stores/${store}${scope !== undefined ? `/scopes/${scope}` : ""}/entries`;
		if (segment === undefined) {
			if (method === "GET") {
				this.authorize(apiKey, universe, SCOPE_LIST);
				return this.listEntries(base, store, scoped, url);
			}
			if (method === "POST") {
				this.authorize(apiKey, universe, SCOPE_CREATE);
				return this.create(base, store, scoped, url, body);
			}
			throw new HttpError(404, `No such endpoint: ${method} ${url.pathname}`);
		}
		if (segment.endsWith(":listRevisions")) {
			if (method !== "GET") throw new HttpError(404, `No such endpoint: ${method} ${url.pathname}`);
			this.authorize(apiKey, universe, SCOPE_REVISIONS);
			segment = segment.slice(0, -":listRevisions".length);
			return this.listRevisions(base, store, scoped, segment, url);
		}
		if (method === "GET") {
			this.authorize(apiKey, universe, SCOPE_READ);
			return this.get(base, store, scoped, segment);
		}
		if (method === "PATCH") {
			this.authorize(apiKey, universe, SCOPE_UPDATE);
			return this.update(base, store, scoped, segment, url, body);
		}
		if (method === "DELETE") {
			this.authorize(apiKey, universe, SCOPE_DELETE);
			return this.delete(store, scoped, segment);
		}
		throw new HttpError(404, `No such endpoint: ${method} ${url.pathname}`);
	}

	private history(store: string, scope: string, key: string): Promise<StoredVersion[]> {
		return this.world.command<StoredVersion[]>("dsHistory", { store, scope, key });
	}

	private entryOf(base: string, key: string, version: StoredVersion, suffix = "") {
		const { info } = version;
		return {
			path: `${base}/${key}${suffix}`,
			createTime: iso(info.createdTime),
			revisionId: info.version,
			revisionCreateTime: iso(info.updatedTime),
			state: info.deleted ? "DELETED" : "ACTIVE",
			// The reference calls the etag a checksum of the other fields; Roblox's own examples show it equal to the
			// revision id, which changes with every write, as an etag must.
			etag: info.version,
			...(version.json !== undefined ? { value: JSON.parse(version.json) as unknown } : {}),
			id: `${key}${suffix}`,
			users: (info.userIds ?? []).map((id) => `users/${id}`),
			attributes: Array.isArray(info.metadata) ? {} : (info.metadata ?? {}),
		};
	}

	private async get(base: string, store: string, scope: string, segment: string) {
		// The entry id is everything before the last "@"; "@latest", "@latest:<time>" or "@<revisionId>" follow it.
		const at = segment.lastIndexOf("@");
		const key = at === -1 ? segment : segment.slice(0, at);
		const revision = at === -1 ? "latest" : segment.slice(at + 1);
		const versions = await this.history(store, scope, key);
		let found: StoredVersion | undefined;
		if (revision === "latest") found = versions[versions.length - 1];
		else if (revision.startsWith("latest:")) {
			const time = Date.parse(revision.slice("latest:".length));
			if (Number.isNaN(time)) throw new HttpError(400, `Invalid timestamp in ${segment}.`);
			found = [...versions].reverse().find((version) => version.info.updatedTime <= time);
		} else found = versions.find((version) => version.info.version === revision);
		if (found === undefined || found.info.deleted) throw new HttpError(404, `Entry ${segment} not found.`);
		const suffix = revision === "latest" ? "" : `@${found.info.version}`;
		return { status: 200, payload: this.entryOf(base, key, found, suffix) };
	}

	private async listRevisions(base: string, store: string, scope: string, key: string, url: URL) {
		const versions = (await this.history(store, scope, key)).reverse();
		if (versions.length === 0) throw new HttpError(404, `Entry ${key} not found.`);
		let filtered = versions;
		const filter = url.searchParams.get("filter");
		if (filter !== null) {
			for (const clause of filter.split("&&")) {
				const parsed = /^\s*revision_create_time\s*(>=|<=)\s*(\S+)\s*$/.exec(clause);
				if (parsed === null) throw new HttpError(400, `Invalid filter: ${filter}`);
				const time = Date.parse(parsed[2]);
				filtered = filtered.filter((v) =>
					parsed[1] === ">=" ? v.info.updatedTime >= time : v.info.updatedTime <= time,
				);
			}
		}
		const size = Math.min(100, Math.max(1, Number(url.searchParams.get("maxPageSize") ?? 10) || 10));
		const start = Number(Buffer.from(url.searchParams.get("pageToken") ?? "", "base64").toString() || "0");
		const page = filtered.slice(start, start + size);
		const next = start + size < filtered.length ? Buffer.from(String(start + size)).toString("base64") : undefined;
		// List Revisions returns partial entries: path, id, createTime, revisionCreateTime, revisionId, etag, state.
		const entries = page.map((version) => {
			const entry = this.entryOf(base, key, version, `@${version.info.version}`);
			const { path, id, createTime, revisionCreateTime, revisionId, etag, state } = entry;
			return { path, id, createTime, revisionCreateTime, revisionId, etag, state };
		});
		return {
			status: 200,
			payload: { dataStoreEntries: entries, ...(next !== undefined ? { nextPageToken: next } : {}) },
		};
	}

	private parseWrite(body: string) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(body);
		} catch {
			throw new HttpError(400, "The request body is not JSON.");
		}
		const write = parsed as { value?: unknown; users?: unknown; attributes?: unknown; etag?: unknown };
		if (typeof write !== "object" || write === null || !("value" in write)) {
			throw new HttpError(400, "Value must always be provided when updating an entry.");
		}
		const users = (write.users ?? []) as unknown[];
		if (!Array.isArray(users) || users.some((user) => typeof user !== "string" || !/^users\/\d+$/.test(user))) {
			throw new HttpError(400, "Each user must be a user resource path in the format users/{user_id}.");
		}
		if (users.length > 4) throw new HttpError(400, "An entry can hold at most 4 user ids.");
		const attributes = write.attributes ?? {};
		if (typeof attributes !== "object" || Array.isArray(attributes))
			throw new HttpError(400, "Attributes must be an object.");
		if (JSON.stringify(attributes).length > 300) throw new HttpError(400, "Attributes are over 300 characters.");
		const json = JSON.stringify(write.value);
		if (Buffer.byteLength(json) > 4_194_304) throw new HttpError(400, "The value is over the 4 MB limit.");
		return {
			json,
			etag: typeof write.etag === "string" ? write.etag : undefined,
			userIds: users.map((user) => Number((user as string).slice("users/".length))),
			metadata: attributes,
		};
	}

	private async write(
		base: string,
		store: string,
		scope: string,
		key: string,
		write: ReturnType<OpenCloudStandIn["parseWrite"]>,
	) {
		await this.world.command("dsWrite", {
			store,
			scope,
			key,
			json: write.json,
			userIds: write.userIds,
			metadata: write.metadata,
		});
		const versions = await this.history(store, scope, key);
		return { status: 200, payload: this.entryOf(base, key, versions[versions.length - 1]) };
	}

	private async update(base: string, store: string, scope: string, key: string, url: URL, body: string) {
		const write = this.parseWrite(body);
		const versions = await this.history(store, scope, key);
		const latest = versions[versions.length - 1];
		const exists = latest !== undefined && !latest.info.deleted;
		if (!exists && url.searchParams.get("allowMissing") !== "true")
			throw new HttpError(404, `Entry ${key} not found.`);
		// Undocumented: the status of an etag mismatch. AEP's etag rule, which Open Cloud v2 follows, names ABORTED
		// (409 in the error table).
		if (write.etag !== undefined && (!exists || write.etag !== latest.info.version)) {
			throw new HttpError(409, "The etag does not match the entry's current etag: it changed since it was read.");
		}
		return this.write(base, store, scope, key, write);
	}

	private async create(base: string, store: string, scope: string, url: URL, body: string) {
		const key = url.searchParams.get("id");
		if (key === null || key === "" || key.length > 50)
			throw new HttpError(400, "id must be a 1-50 character string.");
		const write = this.parseWrite(body);
		const versions = await this.history(store, scope, key);
		const latest = versions[versions.length - 1];
		if (latest !== undefined && !latest.info.deleted) throw new HttpError(400, `Entry ${key} already exists.`);
		return this.write(base, store, scope, key, write);
	}

	private async delete(store: string, scope: string, key: string) {
		const removed = await this.world.command<{ version?: string }>("dsRemove", { store, scope, key });
		if (removed.version === undefined) throw new HttpError(404, `Entry ${key} not found.`);
		return { status: 200, payload: "" };
	}

	private async listEntries(base: string, store: string, scope: string, url: URL) {
		const keys = await this.world.command<string[]>("dsKeys", { store, scope });
		const prefix = /^id\.startsWith\("(.*)"\)$/.exec(url.searchParams.get("filter") ?? "")?.[1];
		const live: string[] = [];
		for (const key of keys) {
			if (prefix !== undefined && !key.startsWith(prefix)) continue;
			const versions = await this.history(store, scope, key);
			const latest = versions[versions.length - 1];
			if (url.searchParams.get("showDeleted") === "true" || (latest !== undefined && !latest.info.deleted))
				live.push(key);
		}
		return { status: 200, payload: { dataStoreEntries: live.map((key) => ({ path: `${base}/${key}`, id: key })) } };
	}
}

function v2Error(status: number, message: string) {
	return { code: CODES[status] ?? "UNKNOWN", message };
}

/** The gateway's shape, which authentication errors take (the errors reference). */
function gatewayError() {
	return { errors: [{ code: 0, message: "Invalid API Key" }] };
}
