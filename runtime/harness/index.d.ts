// One namespace for the types and the `export =` of the harness object: a module with `export =` may export nothing
// else (TS2309 under a tsc without skipLibCheck). The types import as before: `import Runtime, { type SimServer }`.
// roblox-ts cannot emit a merged namespace, but this file is declarations only: nothing is emitted from it.
// eslint-disable-next-line roblox-ts/no-namespace-merging
declare namespace Runtime {
	/** Options of a simulated server. */
	export interface ServerOptions {
		/** Shown in logs and timeout reports. Default "Server<n>". */
		name?: string;
		/** `game.PlaceId`. Default 1818 (0 in Studio). */
		placeId?: number;
		/** `game.JobId`. Default: a GUID drawn from the world's seed ("" in Studio). */
		jobId?: string;
		/** `RunService:IsStudio()`. Default false. */
		studio?: boolean;
		/** Whether DataStore requests are allowed when `studio` is true. Default true. */
		apiAccess?: boolean;
		/** Run the Scripts under Workspace and ServerScriptService at start. Default true. */
		runScripts?: boolean;
		/**
		 * Seconds added to this server's wall clock: `os.time()`, `os.date()`, `tick()`, `DateTime.now()`. Servers'
		 * clocks disagree on Roblox too; code that compares one server's timestamps with another's can be tested with
		 * it. `os.clock()`, `task.wait` and DataStore timestamps (`KeyInfo.UpdatedTime`) are not affected. Default 0.
		 */
		clockOffset?: number;
		/**
		 * How this server's MessagingService subscriptions behave: "ok"; "subscribeFails" (every `SubscribeAsync`
		 * errors, as when the service is unavailable); "deaf" (`SubscribeAsync` succeeds, and nothing is ever delivered
		 * to this server). Publishing works in every mode. Default "ok".
		 */
		messaging?: MessagingMode;
	}

	/** See {@link ServerOptions.messaging}. */
	export type MessagingMode = "ok" | "subscribeFails" | "deaf";

	export interface LogEntry {
		kind: "print" | "warn" | "error";
		text: string;
		time: number;
	}

	/** A simulated Roblox game server of the current world. */
	export interface SimServer {
		readonly game: DataModel;
		readonly jobId: string;
		readonly placeId: number;
		readonly name: string;
		readonly dead: boolean;
		/** Requires a module in this server (its own module cache and globals), by instance or "Service/Child/..." path. */
		require<T = unknown>(target: Instance | string): T;
		/**
		 * Runs `fn` in a new thread owned by this server: it dies if the server crashes. `fn` sees this server's globals
		 * (`game`, `print`, `task`, ...), and so do the closures it creates.
		 */
		spawn<A extends unknown[]>(fn: (...args: A) => void, ...args: A): thread;
		/**
		 * Runs `fn` in a thread owned by this server, with this server's globals, and waits for its result; errors if it
		 * throws or the server crashes.
		 */
		call<R>(fn: () => R): R;
		addPlayer(userId: number, name?: string): Player;
		removePlayer(player: Player): void;
		/** Delivers a purchase receipt to MarketplaceService.ProcessReceipt, as Roblox would, and returns the decision. */
		processReceipt(receipt: ReceiptInfo): Enum.ProductPurchaseDecision | undefined;
		/** Graceful shutdown: players leave, BindToClose callbacks run (30 s limit), then the server stops. Yields. */
		shutdown(): void;
		/** Stops every thread of the server at once; requests in flight never reach the DataStore. */
		crash(): void;
		logs(kind?: LogEntry["kind"]): LogEntry[];
		clearLogs(): void;
		budget(requestType: Enum.DataStoreRequestType): number;
		/** Changes {@link ServerOptions.clockOffset} from now on. */
		setClockOffset(seconds: number): void;
		/** Changes {@link ServerOptions.messaging} from now on: existing subscriptions go deaf, or hear again. */
		setMessaging(mode: MessagingMode): void;
	}

	export interface StoredInfo {
		version: string;
		createdTime: number;
		updatedTime: number;
		userIds: number[];
		metadata: Record<string, unknown>;
		deleted: boolean;
	}

	export interface DataStoreStats {
		requests: number;
		byMethod: Record<string, number>;
		/** Requests sent, by method and key: "UpdateAsync Player_1". */
		byKey: Record<string, number>;
		throttled: number;
		dropped: number;
		faults: number;
	}

	/** Direct access to the world's DataStore backend, outside budgets and latency. */
	export interface StoreInspector {
		get: (name: string, scope: string | undefined, key: string) => LuaTuple<[unknown, StoredInfo | undefined]>;
		raw: (name: string, scope: string | undefined, key: string) => string | undefined;
		set: (
			name: string,
			scope: string | undefined,
			key: string,
			value: unknown,
			userIds?: number[],
			metadata?: object,
		) => string;
		versions: (name: string, scope: string | undefined, key: string) => StoredInfo[];
		/** Every version of a key, oldest first, with its decoded value (undefined for a removal). */
		history: (name: string, scope: string | undefined, key: string) => Array<{ info: StoredInfo; value: unknown }>;
		keys: (name: string, scope?: string) => string[];
		stats: () => DataStoreStats;
	}

	export interface DataStoreConfig {
		/**
		 * "official" follows Roblox's Data Stores guide (10 budget per player, a 4 s read cache); "measured" follows the
		 * figures a DataStore emulator's author measured (40 per player, a 5 s cache, UpdateAsync reading once per key).
		 */
		model?: "official" | "measured";
		/** Seconds per request, fixed or drawn uniformly from [min, max]. Default {min: 0.05, max: 0.15}. */
		latency?: number | { min: number; max: number };
		/** Probability that a request fails with a 502 before reaching the store. Default 0. */
		errorRate?: number;
		/** Probability that a write is stored but its response is lost (the call errors). Default 0. */
		lostResponseRate?: number;
		/** Virtual-time windows in which every request fails. */
		outages?: Array<{ from: number; to: number }>;
		/** Keys whose next `count` requests (all, when count is absent) fail with `code` and `message`. */
		keyFailures?: Record<string, { count?: number; code?: number; message?: string }>;
		/** Seed of the fault and latency draws. Default: the world's seed. */
		seed?: number;
		cacheSeconds?: number;
	}

	export interface MessagingConfig {
		delay?: number | { min: number; max: number };
		loss?: number;
		seed?: number;
	}

	/** Faults and latency of the world's MemoryStoreService; each call changes only the fields it gives. */
	export interface MemoryStoreConfig {
		/**
		 * Seconds per request, fixed or drawn uniformly from [min, max]. Default {min: 0.02, max: 0.08} (Roblox gives no
		 * figure). UpdateAsync spends half of it before reading and half before writing.
		 */
		latency?: number | { min: number; max: number };
		/** Probability that a request fails with "InternalError" after its round trip, before it changes anything. Default 0. */
		errorRate?: number;
		/** Virtual-time windows ([from, to) in `Runtime.now()` seconds) in which every request fails with "InternalError". Default []. */
		outages?: Array<{ from: number; to: number }>;
		/** Servers (by name or jobId) whose every MemoryStore request fails with "InternalError", as if cut off. Default []. */
		failingServers?: string[];
		/** Seed of the latency and fault draws. Default: the world's seed + 11. */
		seed?: number;
	}

	export interface MemoryStoreSortedMapItem {
		key: string;
		value: unknown;
		sortKey?: string | number;
		/** `Runtime.now()` at which the item expires. */
		expiresAt: number;
	}

	export interface MemoryStoreQueueItem {
		value: unknown;
		priority: number;
		expiresAt: number;
		/** `Runtime.now()` at which a read item becomes visible again; absent while it is visible. */
		invisibleUntil?: number;
	}

	export interface MemoryStoreUsage {
		/** Bytes held by every live item of the world: keys, JSON values and sort keys. */
		memoryUsed: number;
		/** 64 KB + 1.2 KB per user (the peak of the last 8 days). */
		memoryQuota: number;
		/** Request units spent in the last minute by every server. */
		requestUnits: number;
		/** 1000 + 120 per concurrent user. */
		requestUnitLimit: number;
	}

	export interface MemoryStoreStats {
		requests: number;
		/** Requests sent, by structure and method: "Queue.ReadAsync". */
		byMethod: Record<string, number>;
		throttled: number;
		faults: number;
		/** UpdateAsync attempts that found the key changed since they read it and ran the transform again. */
		conflicts: number;
	}

	/** Direct reads of the world's memory stores, outside request units, latency and faults; expired items are gone. */
	export interface MemoryStoreInspector {
		/** The sorted map's items in ascending order. */
		sortedMap: (name: string) => MemoryStoreSortedMapItem[];
		/** The queue's items in read order (highest priority first, then oldest first). */
		queue: (name: string) => MemoryStoreQueueItem[];
		/** The hash map's items, by key in byte order. */
		hashMap: (name: string) => Array<{ key: string; value: unknown; expiresAt: number }>;
		usage: () => MemoryStoreUsage;
		stats: () => MemoryStoreStats;
		/** Empties every structure and forgets the last minute's request units and the users' peak (faults stay). */
		reset: () => void;
	}

	/** The API specs use to drive the simulation. Every spec file runs in a fresh world. */
	export interface RuntimeHarness {
		startServer: (options?: ServerOptions) => SimServer;
		/** The server this code runs in (the test host for specs). */
		current: () => SimServer;
		servers: () => SimServer[];
		/** Virtual seconds since the world started. */
		now: () => number;
		unixMillis: () => number;
		wait: (seconds?: number) => number;
		/** Waits frame by frame until `predicate()`; errors after `timeout` virtual seconds (default 600). Returns now(). */
		waitUntil: (predicate: () => boolean, timeout?: number, label?: string) => number;
		configureDataStore: (config: DataStoreConfig) => void;
		configureMessaging: (config: MessagingConfig) => void;
		store: () => StoreInspector;
		configureMemoryStore: (config: MemoryStoreConfig) => void;
		memoryStore: () => MemoryStoreInspector;
		seed: () => number;
		/** Real milliseconds, for benchmarks only. */
		wallClock: () => number;
		/** Virtual-time limit of the current test, in seconds (default 7200, or the runner's --time-limit). */
		setTimeLimit: (seconds: number) => void;
		/** The text given to the runner with --arg (`rbxts-runtime test --arg <text>`), if any. */
		argument: () => string | undefined;
		/** Writes straight to the runner's stdout. */
		output: (...args: unknown[]) => void;
	}
}

declare const Runtime: Runtime.RuntimeHarness;
export = Runtime;
