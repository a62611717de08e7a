/**
 * What the load, save and global-update protocols need from a store: its DataStore requests and its profiles on
 * this server. StoreCore implements it; the protocols depend only on this, so no module imports its importer.
 * @internal
 */
import type { DataStoreAdapter, ProfileKeyInfo } from "../DataStoreAdapter";
import type { StoredProfile } from "./Payload";
import type { ProfileInternals } from "./ProfileHost";
import type { Schema } from "./Schema";

/** How one UpdateAsync (or GetAsync) treats the stored profile. @internal */
export interface UpdateHandlers {
	/** Fills in a key that holds no profile yet. */
	missing?: (payload: StoredProfile) => void;
	/**
	 * Edits what will be written. Returning false cancels the write (the transform returns nil), so a key that
	 * this request has no business changing is never rewritten.
	 */
	edit?: (payload: StoredProfile, keyInfo: ProfileKeyInfo | undefined, missing: boolean) => boolean | void;
	/** The key metadata to write instead of the payload's RobloxMetaData. */
	metadata?: (payload: StoredProfile) => object | undefined;
	/**
	 * Called instead of registering an issue when the DataStore refused the value itself (unstorable, over the
	 * size limit, bad metadata or user ids): retrying the same value cannot help, and nothing was written.
	 */
	refused?: (message: string) => void;
	/** A release: ahead of other requests for budget (WriteQueue.run). */
	urgent?: boolean;
}

/** What one UpdateAsync (or GetAsync) saw and did. @internal */
export interface UpdateOutcome {
	/** The stored value after the request: what was written, or for a cancelled write what the key holds. */
	payload: StoredProfile;
	/** Key info of the stored value; undefined for an empty key and for cancelled writes. */
	keyInfo: ProfileKeyInfo | undefined;
	/** True when the edit handler cancelled the write. */
	cancelled: boolean;
	/**
	 * os.clock() when the request left this server (after the write queue and the budget wait): what it shows was
	 * current at some moment after this, less the read cache for a GetAsync (Settings.ReadCacheSeconds).
	 */
	sentAt: number;
}

/**
 * What a load ends with: the stored payload to adopt, its key info, whether the lock was handed over by the
 * previous holder (this server has not written it yet), and os.clock() from which the lock is known to be ours (the
 * sending of the request that showed it, less the read cache for a GetAsync).
 * @internal
 */
export type LoadedLock = [payload: StoredProfile, keyInfo: ProfileKeyInfo, handed: boolean, confirmedAt: number];

/** @internal */
export interface StoreTransport {
	readonly name: string;
	readonly lookup: string;
	/** The store's AutoSavePeriod, seconds (advertised in the locks this server writes). */
	readonly autoSavePeriod: number;
	/** Whether this store's long-period holders rely on their heartbeat's inbox (StoreCore.inboxOnly). */
	inboxOnly(): boolean;
	/** The store's Migrations and Validate; saves run its Validate check. */
	readonly schema?: Pick<Schema, "check">;
	getAdapter(): DataStoreAdapter;
	identify(key: string): string;
	/** The id under which this server tracks `key` of this store (live or mock) in ServiceState. */
	sessionId(key: string): string;
	/** Sends one DataStore request for `key` through the write queue and the budget check (`urgent`: see WriteQueue). */
	send<T>(
		key: string,
		kind: "update" | "get" | "list",
		request: (adapter: DataStoreAdapter) => T,
		urgent?: boolean,
	): T;
	/**
	 * One UpdateAsync (or GetAsync) through the original's transform. Undefined when the request failed (an issue
	 * is registered); false for a version read the DataStore rejects as not valid.
	 */
	update(key: string, handlers: UpdateHandlers, isGet?: boolean, version?: string): UpdateOutcome | false | undefined;
	/** Profiles of this store loaded on this server, by key. */
	loaded(): Map<string, ProfileInternals>;
	/** Whether `profile` is this store's active profile for `key` on this server. */
	isLoaded(key: string, profile: object): boolean;
	/** Ends a profile's session on this server (its release listeners run). */
	releaseInternally(profile: ProfileInternals): void;
}
