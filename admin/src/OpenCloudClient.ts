/**
 * The Open Cloud v2 data store entry endpoints this tool uses, with Open Cloud's failures turned into words:
 * https://create.roblox.com/docs/cloud/reference/DataStoreEntry (Get, Update, Delete, List Revisions),
 * https://create.roblox.com/docs/cloud/reference/errors (the error shapes and codes) and
 * https://create.roblox.com/docs/cloud/reference/rate-limits (a 429 names its wait in `retry-after`; without one,
 * back off exponentially).
 */
import { CliError } from "./CliError.js";
import type { CliIo } from "./CliIo.js";
import { ExitCode } from "./ExitCode.js";
import { Scopes, type Scope } from "./Scopes.js";

/** A data store entry as Open Cloud returns it (DataStoreEntry). */
export interface Entry {
	path: string;
	id: string;
	createTime?: string;
	revisionId: string;
	revisionCreateTime: string;
	state?: string;
	etag: string;
	value?: unknown;
	users?: string[];
	attributes?: Record<string, unknown>;
}

/** A revision as List Revisions returns it: no value, users or attributes. */
export type Revision = Pick<Entry, "path" | "id" | "revisionId" | "revisionCreateTime" | "state" | "etag">;

export interface EntryAddress {
	store: string;
	/** The data store scope; "global" is Roblox's default. */
	scope: string;
	key: string;
}

export interface ClientOptions {
	baseUrl: string;
	universeId: string;
	apiKey: string;
	/** The environment variable the key came from, for messages. */
	apiKeyVariable: string;
	io: CliIo;
	/** Attempts per request when Open Cloud throttles (429), fails (5xx) or cannot be reached. Default 6. */
	attempts?: number;
}

/** The first wait of the exponential backoff, doubled each retry and capped. */
const BACKOFF_MS = 1000;
const BACKOFF_CAP_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
	status: number;
	body: unknown;
	text: string;
}

/** What Open Cloud said went wrong, from any of its documented error shapes (v2, v1 and gateway). */
function errorWords(body: unknown, text: string): { code?: string; message?: string } {
	if (typeof body === "object" && body !== null) {
		const record = body as Record<string, unknown>;
		if (Array.isArray(record.errors) && typeof record.errors[0] === "object") {
			const first = record.errors[0] as Record<string, unknown>;
			return { message: typeof first.message === "string" ? first.message.replace(/\.$/, "") : undefined };
		}
		const code = typeof record.code === "string" ? record.code : (record.error as string | undefined);
		return { code, message: typeof record.message === "string" ? record.message.replace(/\.$/, "") : undefined };
	}
	return { message: text.trim() === "" ? undefined : text.trim().slice(0, 200) };
}

function networkCause(err: unknown): string {
	const cause = (err as { cause?: { code?: string; message?: string } }).cause;
	if (cause?.code !== undefined) return cause.code;
	if ((err as Error).name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
	return cause?.message ?? (err as Error).message;
}

export class OpenCloudClient {
	private readonly attempts: number;

	constructor(private readonly options: ClientOptions) {
		this.attempts = options.attempts ?? 6;
	}

	private entryPath(address: EntryAddress, suffix = ""): string {
		const scope = address.scope === "global" ? "" : `/scopes/${encodeURIComponent(address.scope)}`;
		return (
			`/cloud/v2/universes/${encodeURIComponent(this.options.universeId)}/data-stores/` +
			`${encodeURIComponent(address.store)}${scope}/entries/${encodeURIComponent(address.key)}${suffix}`
		);
	}

	/**
	 * The entry, at a revision or the latest; undefined when there is none (never written, or deleted). An entry id
	 * with an `@` needs `@latest` to mean the latest (the Get reference says so).
	 */
	async getEntry(address: EntryAddress, revision?: string): Promise<Entry | undefined> {
		const at = revision !== undefined ? `@${revision}` : address.key.includes("@") ? "@latest" : "";
		const answer = await this.send("GET", this.entryPath(address, at), `read ${describe(address)}`);
		if (answer.status === 404) return undefined;
		return this.expectEntry(answer, `read ${describe(address)}`);
	}

	/** One page of revisions. */
	async listRevisions(
		address: EntryAddress,
		pageToken?: string,
		maxPageSize = 100,
	): Promise<{ revisions: Revision[]; nextPageToken?: string }> {
		const query = new URLSearchParams({ maxPageSize: String(maxPageSize) });
		if (pageToken !== undefined) query.set("pageToken", pageToken);
		const what = `list the revisions of ${describe(address)}`;
		const answer = await this.send("GET", `${this.entryPath(address, ":listRevisions")}?${query}`, what);
		if (answer.status === 404) return { revisions: [] };
		this.expectOk(answer, Scopes.listRevisions, what);
		const body = answer.body as { dataStoreEntries?: Revision[]; nextPageToken?: string };
		const token = body.nextPageToken === "" ? undefined : body.nextPageToken;
		return { revisions: body.dataStoreEntries ?? [], nextPageToken: token };
	}

	/**
	 * Writes the entry only if it is still at `etag`. Returns the written entry, or "conflict" when it changed since
	 * (a game server saved it). Update replaces users and attributes too (partial update is unsupported), so the
	 * caller passes back what it read.
	 */
	async updateEntry(
		address: EntryAddress,
		write: { value: unknown; etag: string; users?: string[]; attributes?: Record<string, unknown> },
	): Promise<Entry | "conflict"> {
		const what = `write ${describe(address)}`;
		const answer = await this.send("PATCH", this.entryPath(address), what, write);
		// The reference does not say which status an etag mismatch gets; AEP's etag rule (which Open Cloud v2
		// follows) names ABORTED, 409 in the error table, and some services answer 412: both mean "changed since".
		if (answer.status === 409 || answer.status === 412) return "conflict";
		if (answer.status === 404) throw notFound(`${describe(address)} no longer exists`);
		this.expectOk(answer, Scopes.update, what);
		return this.expectEntry(answer, what);
	}

	/** Marks the entry deleted (a tombstone); false when there was nothing to delete. */
	async deleteEntry(address: EntryAddress): Promise<boolean> {
		const what = `delete ${describe(address)}`;
		const answer = await this.send("DELETE", this.entryPath(address), what);
		if (answer.status === 404) return false;
		this.expectOk(answer, Scopes.delete, what);
		return true;
	}

	private expectEntry(answer: Answer, what: string): Entry {
		this.expectOk(answer, Scopes.read, what);
		const entry = answer.body as Entry;
		if (typeof entry !== "object" || entry === null || typeof entry.revisionId !== "string") {
			throw new CliError(
				`Open Cloud answered the request to ${what} with something that is not a data store entry: ${answer.text.slice(0, 200)}`,
				ExitCode.Failed,
				"BAD_RESPONSE",
			);
		}
		return entry;
	}

	private expectOk(answer: Answer, scope: Scope, what: string) {
		if (answer.status >= 200 && answer.status < 300) return;
		const { code, message } = errorWords(answer.body, answer.text);
		const said = [code, message].filter((part) => part !== undefined).join(": ");
		const status = `${answer.status}${said === "" ? "" : ` ${said}`}`;
		const variable = this.options.apiKeyVariable;
		if (answer.status === 401) {
			throw new CliError(
				`Open Cloud refused the API key in ${variable} (${status}). Check that it holds a current key from ` +
					"https://create.roblox.com/dashboard/credentials and that the key's IP allowlist includes this machine.",
				ExitCode.Auth,
				"UNAUTHENTICATED",
			);
		}
		if (answer.status === 403) {
			throw new CliError(
				`The API key in ${variable} may not ${what} (${status}). Add the permission "${scope}" for universe ` +
					`${this.options.universeId} to the key (Creator Dashboard, Credentials, the key's Access Permissions; ` +
					"if you limit it to some data stores, include this one).",
				ExitCode.Auth,
				"PERMISSION_DENIED",
			);
		}
		if (answer.status === 404) throw notFound(`Open Cloud found nothing to ${what} (${status})`);
		if (answer.status === 400) {
			throw new CliError(
				`Open Cloud refused to ${what} as invalid (${status}).`,
				ExitCode.Failed,
				"INVALID_ARGUMENT",
			);
		}
		throw new CliError(`Open Cloud failed to ${what} (${status}).`, ExitCode.Failed, "OPEN_CLOUD_ERROR");
	}

	/** Sends a request, retrying throttling, server errors and network failures with backoff. */
	private async send(method: string, path: string, what: string, body?: unknown): Promise<Answer> {
		const { io, baseUrl, apiKey } = this.options;
		const url = baseUrl.replace(/\/+$/, "") + path;
		let lastProblem = "";
		for (let attempt = 1; attempt <= this.attempts; attempt++) {
			let answer: Answer | undefined;
			let waitMs: number | undefined;
			try {
				const response = await io.fetch(url, {
					method,
					headers: {
						"x-api-key": apiKey,
						...(body !== undefined ? { "content-type": "application/json" } : {}),
					},
					body: body !== undefined ? JSON.stringify(body) : undefined,
					signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
				});
				const text = await response.text();
				let parsed: unknown;
				try {
					parsed = text === "" ? undefined : JSON.parse(text);
				} catch {
					parsed = undefined;
				}
				answer = { status: response.status, body: parsed, text };
				if (response.status === 429) {
					const retryAfter = Number(response.headers.get("retry-after"));
					waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
					lastProblem =
						"429 Too Many Requests (the experience's data store limits are shared with its game servers)";
				} else if (response.status >= 500) {
					const { code, message } = errorWords(parsed, text);
					lastProblem = `${response.status}${code !== undefined ? ` ${code}` : ""}${message !== undefined ? `: ${message}` : ""}`;
				} else {
					if (text !== "" && parsed === undefined && response.status < 300) {
						throw new CliError(
							`Open Cloud answered the request to ${what} with text that is not JSON: ${text.slice(0, 200)}`,
							ExitCode.Failed,
							"BAD_RESPONSE",
						);
					}
					return answer;
				}
			} catch (err) {
				if (err instanceof CliError) throw err;
				lastProblem = `network failure: could not reach ${new URL(url).host} (${networkCause(err)})`;
			}
			if (attempt === this.attempts) break;
			const delay = waitMs ?? Math.min(BACKOFF_CAP_MS, BACKOFF_MS * 2 ** (attempt - 1));
			io.stderr(
				`Open Cloud: ${lastProblem}; trying again in ${Math.round(delay / 100) / 10} s (attempt ${attempt + 1} of ${this.attempts})`,
			);
			await io.sleep(delay);
		}
		if (lastProblem.startsWith("network failure")) {
			throw new CliError(
				`Could not ${what}: ${lastProblem}, ${this.attempts} tries. Check the network connection (and --base-url, if set).`,
				ExitCode.Failed,
				"NETWORK",
			);
		}
		const landed =
			method === "GET"
				? ""
				: " A write whose answer was lost may still have landed: `view` shows what is stored.";
		throw new CliError(
			`Could not ${what}: Open Cloud answered ${lastProblem}, ${this.attempts} tries. Try again in a minute.${landed}`,
			ExitCode.Failed,
			lastProblem.startsWith("429") ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
		);
	}
}

function describe(address: EntryAddress): string {
	const scope = address.scope === "global" ? "" : ` (scope ${address.scope})`;
	return `entry "${address.key}" of data store "${address.store}"${scope}`;
}

function notFound(message: string): CliError {
	return new CliError(message, ExitCode.NotFound, "NOT_FOUND");
}
