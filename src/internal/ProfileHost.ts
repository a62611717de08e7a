import type { ProfileKeyInfo } from "../DataStoreAdapter";
import type { GlobalUpdates } from "../GlobalUpdates";

/**
 * What a Profile needs from the store that made it, without importing it (which would be a require cycle).
 * Implemented by StoreCore.
 * @internal
 */
export interface ProfileHost {
	/** The DataStore name, for IssueSignal. */
	readonly name: string;
	readonly template: object;
	/** The store's AutoSavePeriod, seconds. */
	readonly autoSavePeriod: number;
	/**
	 * Reads the profile's lock (one GetAsync, retried while it fails and the session lasts) to confirm it is still
	 * this session's: releases at once if another server asked for it, and saves if the lock is no longer this
	 * session's (the save then ends the profile). Yields.
	 */
	confirmLock(profile: ProfileInternals): void;
	/**
	 * The one notion of "mock" the library acts on: the store keeps its data in memory (`.Mock` stores, and every
	 * store in Studio without API access). ProfileStore.IsMock() returns it.
	 */
	isMockStore(): boolean;
	identify(key: string): string;
	isLoaded(key: string, profile: object): boolean;
	/** Starts a save in a new thread. */
	spawnSave(profile: ProfileInternals, release: boolean): void;
	/** Saves a view-mode profile over the latest version and removes any lock. Yields. */
	overwriteAsync(profile: ProfileInternals): void;
	/** Moves the profile to the end of the auto-save rotation. */
	restartAutoSave(profile: ProfileInternals): void;
}

/**
 * What the lock upkeep (LockUpkeep.ts, LockProtocol.lockUpkeep) keeps for one session. Times are os.clock().
 * @internal
 */
export interface LockRecord {
	/** From when the stored lock was last seen to be this session's: a save's or a read's sending (less the cache). */
	confirmedAt: number;
	/** The sending of the last write of this session's lock that landed (its load's included). */
	writtenAt: number;
	/**
	 * Whether the stored lock may claim this server's heartbeat: set by every write that claims it, cleared only
	 * once a write without the claim has landed (the fence relies on it).
	 */
	claim: boolean;
	/**
	 * Whether the stored lock surely says it relies on this server's inbox ("i" with a heartbeat claim): the last
	 * write that landed said so, and no write that did not has been sent since. Only then do heartbeats confirm it.
	 */
	inboxSure?: boolean;
	/** When the upkeep last saved this profile for a global update the game locked. */
	lockedSaveAt?: number;
	/** When the fence last saved this profile. */
	fencedAt?: number;
	/** An auto-save of this session is under way (SaveProtocol sends one at a time). */
	saving?: boolean;
	/** Another auto-save was asked for while one was under way: it is sent once that one ends. */
	again?: boolean;
	/** The auto-save under way will write Data it has not read yet: a change made now is carried by it. */
	carries?: boolean;
	/** A confirmation read is under way. */
	confirming?: boolean;
	/** Cuts short a failed auto-save's wait before its next attempt (another save asked for meanwhile). */
	hurry?: boolean;
}

/** The fields of a Profile that the saver reads and writes. @internal */
export interface ProfileInternals {
	Data: object;
	MetaData: {
		ProfileCreateTime: number;
		SessionLoadCount: number;
		ActiveSession?: [number, string];
		ForceLoadSession?: [number, string];
		LastUpdate?: number;
		MetaTags: Map<string, unknown>;
		MetaTagsLatest: Map<string, unknown>;
	};
	RobloxMetaData: unknown;
	UserIds: number[];
	KeyInfo: ProfileKeyInfo;
	/** The public field, which game code can replace; saves use ownUpdates and report a replacement. */
	GlobalUpdates: unknown;
	/** The GlobalUpdates object the profile was made with. */
	readonly ownUpdates: Pick<GlobalUpdates, "latest" | "applyPending" | "deliver" | "pendingLock">;
	/** The lock upkeep's record of the session (LockUpkeep.ts); undefined in view mode. */
	lock?: LockRecord;
	/** Set after the DataStore refused MetaTags: later saves check them before sending until they pass. */
	metaTagsRefused?: boolean;
	/** What this session knows about the profile's transactions (issue 26); absent if it was never in one. */
	transaction?: import("./TransactionFormat").ProfileTransactionState;
	Identify(): string;
	readonly key: string;
	readonly host: ProfileHost;
	readonly viewMode: boolean;
	readonly loadedAt: number;
	lastSize?: number;
	savesSinceSizeCheck?: number;
	hopReady?: boolean;
	markReleased(): void;
	/** Releases the profile because another server asked for it. */
	requestRelease(): void;
	/** Calls `callback` once the release has reached the DataStore. */
	onHopReady(callback: () => void): void;
	fireSaved(): void;
	fireHopReady(): void;
}
