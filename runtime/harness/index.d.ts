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
		/** `HttpService.HttpEnabled` (a game setting scripts cannot change). Default: the project file's, else false. */
		httpEnabled?: boolean;
		/** `game.PrivateServerId`: the id of a reserved server. Default "" (a public server). */
		privateServerId?: string;
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
		/**
		 * This server's own DataStore faults from its start (before its scripts run), as
		 * {@link SimServer.configureDataStore} sets them. Default: none.
		 */
		dataStore?: ServerDataStoreFaults;
	}

	/**
	 * DataStore faults of one server only: the other servers of the world are unaffected. They apply on top of the
	 * world's ({@link DataStoreConfig}): a request of this server meets both, so it fails when either fails it. Every
	 * field is optional, and a field left out takes its default (no fault).
	 */
	export interface ServerDataStoreFaults {
		/** Probability that a request of this server fails with a 502 before reaching the store. Default 0. */
		errorRate?: number;
		/**
		 * Probability that a write of this server is stored but its response is lost (the call errors with a 502).
		 * Default 0.
		 */
		lostResponseRate?: number;
		/**
		 * Virtual-time windows ([from, to) in `Runtime.now()` seconds) in which every request of this server fails with
		 * a 502 (HTTP 503). Default [].
		 */
		outages?: Array<{ from: number; to: number }>;
		/**
		 * Starves the budget: the factor, from 0 to 1, of Roblox's refill rate at which this server's request budgets
		 * refill (0: they never refill). Requests it cannot pay wait in their throttle queue, and the 31st waiting
		 * request of a type is dropped with the 301-306 error, as on Roblox. Default 1.
		 */
		budgetRate?: number;
		/**
		 * Starves the budget: the most each of this server's request budgets may hold (cut to it at once, and never
		 * refilled nor raised at shutdown past it; 0 holds every request in its queue). Default: Roblox's cap only.
		 */
		budgetCap?: number;
		/**
		 * Seed of this server's fault draws, apart from the world's. Default: derived from the DataStore's seed (the
		 * world's unless `configureDataStore` set one) and the server's name, when its faults are first set; later calls
		 * without a seed go on with the same draws.
		 */
		seed?: number;
	}

	/** See {@link ServerOptions.messaging}. */
	export type MessagingMode = "ok" | "subscribeFails" | "deaf";

	/** How a player arrives, as a teleport would bring them; `Player:GetJoinData()` returns it. */
	export interface JoinOptions {
		/** `GetJoinData().TeleportData`, copied as the network copies it (no metatables, no functions). */
		teleportData?: unknown;
		/** `GetJoinData().SourcePlaceId`: the place the player came from. */
		sourcePlaceId?: number;
		/** `GetJoinData().SourceGameId`. Default: this server's game id when `sourcePlaceId` is given. */
		sourceGameId?: number;
		/** `GetJoinData().Members`: the user ids teleported together. */
		members?: number[];
	}

	/**
	 * A simulated client: the player's side of the server's remotes. The runtime simulates servers only; a spec drives
	 * the client side through this handle.
	 */
	export interface SimClient {
		/** The server's `OnServerEvent` fires with this client's player and copies of `args` (queued until connected). */
		fireServer(remote: RemoteEvent | UnreliableRemoteEvent, ...args: unknown[]): void;
		/** Calls the server's `OnServerInvoke` as this player and yields for its answer; its error is rethrown here. */
		invokeServer(remote: RemoteFunction, ...args: unknown[]): unknown;
		/** Every `FireClient`/`FireAllClients` this client got from `remote`, as argument lists, oldest first. */
		received(remote: RemoteEvent | UnreliableRemoteEvent): unknown[][];
		/** Answers the server's `remote:InvokeClient(player, ...)` for this client (the client's `OnClientInvoke`). */
		onInvoke(remote: RemoteFunction, handler: (...args: unknown[]) => unknown): void;
		/** The Player this client belongs to. */
		player(): Player;
	}

	/** A teleport failure to inject: the next matching teleports fail with `TeleportInitFailed`. */
	export interface TeleportFailure {
		/** Only this user's teleports. Default: any user. */
		userId?: number;
		/** Only teleports to this place. Default: any place. */
		placeId?: number;
		/** The `Enum.TeleportResult` item name fired, e.g. "Flooded", "GameFull", "Failure". */
		result: "Failure" | "GameNotFound" | "GameEnded" | "GameFull" | "Unauthorized" | "Flooded" | "IsTeleporting";
		/** The error message fired. Default: the result's name. */
		message?: string;
		/** How many teleports fail. Default: every one. */
		count?: number;
	}

	export interface TeleportConfig {
		/** Virtual seconds between a teleport call and the player leaving for the destination. Default 1. */
		delay?: number;
		/** Failures to inject; replaces the previous list. */
		failures?: TeleportFailure[];
	}

	/** A badge of the experience, for BadgeService. */
	export interface BadgeConfig {
		id: number;
		name: string;
		description?: string;
		iconImageId?: number;
		/** `GetBadgeInfoAsync().IsEnabled`; a disabled badge is never awarded. Default true. */
		enabled?: boolean;
		/** Users who own it already. */
		owners?: number[];
	}

	export interface MarketplaceItem {
		id: number;
		name: string;
		description?: string;
		/** Price in Robux; an item without a price is not for sale. */
		price?: number;
		/** Users who own it already (passes and assets). */
		owners?: number[];
	}

	export interface MarketplaceConfig {
		/** Developer products: `PromptProductPurchase`, receipts, `GetProductInfo(id, Enum.InfoType.Product)`. */
		products?: MarketplaceItem[];
		/** Passes: `UserOwnsGamePassAsync`, `PromptGamePassPurchase`, `GetProductInfo(id, Enum.InfoType.GamePass)`. */
		gamePasses?: MarketplaceItem[];
		/** Assets: `PlayerOwnsAsset`, `GetProductInfo(id)`. */
		assets?: MarketplaceItem[];
		/** What the user does with a purchase prompt: true buys, false closes it. Default: every prompt is closed. */
		answerPrompt?: (userId: number, kind: "product" | "gamePass", id: number) => boolean;
		/** Virtual seconds a prompt stays open before the answer. Default 1. */
		promptDelay?: number;
	}

	/** A request as HttpService sends it; the handler set with `configureHttp` receives it. */
	export interface HttpRequest {
		Url: string;
		Method: string;
		Headers: Record<string, string>;
		Body?: string;
	}

	export interface HttpResponse {
		/** Default 200. */
		StatusCode?: number;
		/** Default: the standard text of the status code. */
		StatusMessage?: string;
		Headers?: Record<string, string>;
		Body?: string;
	}

	export interface HttpConfig {
		/** Answers every request of every server (the runtime has no network). */
		handler?: (request: HttpRequest) => HttpResponse;
		/** Virtual seconds per request. Default 0.1. */
		latency?: number;
	}

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
		/** `game.PrivateServerId`: "" unless this is a reserved server. */
		readonly privateServerId: string;
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
		/**
		 * Joins a player (PlayerAdded fires). With `join`, the player arrives as a teleport would bring them and
		 * `Player:GetJoinData()` returns it.
		 */
		addPlayer(userId: number, name?: string, join?: JoinOptions): Player;
		/** The simulated client of a player of this server. */
		client(player: Player): SimClient;
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
		/**
		 * Replaces this server's own DataStore faults from now on (`{}` lifts them); the world's faults still apply on
		 * top. Budgets refill at the old rate up to now, then at the new `budgetRate`; a new `budgetCap` cuts them at
		 * once. Unknown fields and bad values raise an error naming the field.
		 * @example
		 * // Half of this server's requests fail, and all of them for the next 30 s; its budgets refill at a tenth.
		 * server.configureDataStore({ errorRate: 0.5, outages: [{ from: now, to: now + 30 }], budgetRate: 0.1 });
		 */
		configureDataStore(faults: ServerDataStoreFaults): void;
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
		/** Every version of a key, oldest first, with the stored JSON text as is (undefined for a removal). */
		rawHistory: (
			name: string,
			scope: string | undefined,
			key: string,
		) => Array<{ info: StoredInfo; json: string | undefined }>;
		/** Writes JSON text as is, as a new version (as Open Cloud stores what it is sent); returns the version. */
		setRaw: (
			name: string,
			scope: string | undefined,
			key: string,
			json: string,
			userIds?: number[],
			metadata?: object,
		) => string;
		/** Removes the key as RemoveAsync does (a tombstone version); returns it, or undefined when nothing is stored. */
		remove: (name: string, scope: string | undefined, key: string) => string | undefined;
		keys: (name: string, scope?: string) => string[];
		stats: () => DataStoreStats;
	}

	/**
	 * Faults and latency of the world's DataStore, for every server; each call changes only the fields it gives. One
	 * server's own faults are set with {@link SimServer.configureDataStore}; both apply.
	 */
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
		/** The server the user is on now (teleports move users between servers), or undefined. */
		serverOf: (userId: number) => SimServer | undefined;
		/** Teleport timing and injected failures. */
		configureTeleport: (config: TeleportConfig) => void;
		/** Adds the experience's badges (BadgeService). */
		configureBadges: (badges: BadgeConfig[]) => void;
		/** The users who own a badge, by user id. */
		badgeOwners: (badgeId: number) => number[];
		/** Adds products, passes and assets, and sets how users answer purchase prompts. */
		configureMarketplace: (config: MarketplaceConfig) => void;
		/** The user's developer-product receipts that no ProcessReceipt callback has granted yet, oldest first. */
		pendingReceipts: (userId: number) => ReceiptInfo[];
		/** Sets the handler that answers HttpService requests. */
		configureHttp: (config: HttpConfig) => void;
		/** Every HttpService request sent so far, oldest first, with the name of the server that sent it. */
		httpRequests: () => Array<HttpRequest & { server: string }>;
		/** Accounts for Players:GetUserIdFromNameAsync and GetNameFromUserIdAsync (players who joined count too). */
		configureUsers: (users: Array<{ userId: number; name: string }>) => void;
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
		/**
		 * Sends `message` to the host program that started the engine with a `bridge` (`runEngine` in
		 * runtime/host/Launcher.ts, command `run`) and returns its answer. The world stands still until then: no
		 * virtual time passes and no server runs. Errors in a run without a bridge.
		 */
		bridge: (message: string) => string;
	}
}

declare const Runtime: Runtime.RuntimeHarness;
export = Runtime;
