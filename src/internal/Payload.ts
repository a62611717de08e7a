/**
 * The value ProfileService stores under a profile key. The layout is the original ProfileService's, field for
 * field, so that profiles saved by either library load in the other and both honour each other's locks.
 * @internal
 */
export type SessionTag = [placeId: number, jobId: string];

/** @internal */
export interface StoredMetaData {
	ProfileCreateTime: number;
	SessionLoadCount: number;
	ActiveSession?: SessionTag;
	ForceLoadSession?: SessionTag;
	MetaTags: Record<string, unknown>;
	LastUpdate?: number;
	/**
	 * This library's lock marker, [holder job id, "on" | "off" | "handed", period, heartbeat?, "i"?] (see
	 * LockProtocol.lockMarker and readMarker): `heartbeat` is the holder's heartbeat counter while its heartbeat
	 * (Settings.HeartbeatMap) is being written, which claims it; "i" says the holder relies on that heartbeat's
	 * inbox. The original keeps unknown MetaData fields as they are, and ignores this one.
	 */
	HandOff?: [jobId: string, state: "on" | "off" | "handed", period: number, heartbeat?: number, inbox?: "i"];
}

/** One global update: [id, version, locked, data]. @internal */
export type StoredGlobalUpdate = [id: number, version: number, locked: boolean, data: object];

/**
 * [last update index, updates, sender nonce]. The third element is this library's: a GlobalUpdateProfileAsync
 * write that had no room for its nonce in the key's metadata puts it here (see UncertainWrite). The original keeps
 * it as it is and ignores it.
 * @internal
 */
export type StoredGlobalUpdates = [index: number, updates: StoredGlobalUpdate[], nonce?: string];

/** @internal */
export interface StoredProfile {
	Data?: object;
	MetaData?: StoredMetaData;
	GlobalUpdates: StoredGlobalUpdates;
	RobloxMetaData?: object;
	UserIds?: number[];
	/** Set while a corrupted value has been replaced; cleared by the next load. */
	WasCorrupted?: boolean;
	/**
	 * This library's: a TransactAsync change of this profile that is prepared but not yet applied (see
	 * TransactionFormat). The original keeps unknown top-level fields as they are, and ignores it.
	 */
	Transaction?: import("./TransactionFormat").StoredTransaction;
	/** This library's: decisions of the transactions this key coordinated (see TransactionFormat). */
	Transactions?: import("./TransactionFormat").StoredDecisions;
}

/** Copies a table and every table inside it. @internal */
export function deepCopy<T>(value: T): T {
	if (!typeIs(value, "table")) return value;
	const copy = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as unknown as Map<unknown, unknown>)) copy.set(k, deepCopy(v));
	return copy as unknown as T;
}

/** Whether two stored values are equal: same primitives, tables with equal values under the same keys. @internal */
export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!typeIs(a, "table") || !typeIs(b, "table")) return false;
	const left = a as Map<unknown, unknown>;
	const right = b as Map<unknown, unknown>;
	for (const [k, v] of pairs(left)) if (!deepEqual(v, right.get(k))) return false;
	for (const [k] of pairs(right)) if (left.get(k) === undefined) return false;
	return true;
}

/** @internal */
export function sameSession(tag: SessionTag | undefined, placeId: number, jobId: string): boolean {
	return tag !== undefined && typeIs(tag, "table") && tag[0] === placeId && tag[1] === jobId;
}

/**
 * Turns whatever a key holds into a StoredProfile, exactly as the original does: a valid profile is kept, a key
 * with only global updates keeps them, anything else is a missing profile (and a corrupted one when not empty).
 * @internal
 */
export function normalizePayload(latest: unknown): { payload: StoredProfile; missing: boolean; corrupted: boolean } {
	let globalUpdates: StoredGlobalUpdates = [0, []];
	if (latest === undefined) {
		return { payload: { GlobalUpdates: globalUpdates }, missing: true, corrupted: false };
	}
	if (!typeIs(latest, "table")) {
		return { payload: { GlobalUpdates: globalUpdates }, missing: true, corrupted: true };
	}
	const value = latest as StoredProfile;
	if (typeIs(value.Data, "table") && typeIs(value.MetaData, "table") && typeIs(value.GlobalUpdates, "table")) {
		value.WasCorrupted = false;
		// MetaTags that are not a table (a game assigned MetaData.MetaTags before saves checked it) stop original
		// servers from loading the key: they start over empty, and the next write repairs the key.
		if (typeOf(value.MetaData!.MetaTags) !== "table") value.MetaData!.MetaTags = {};
		return { payload: value, missing: false, corrupted: false };
	}
	if (value.Data === undefined && value.MetaData === undefined && typeIs(value.GlobalUpdates, "table")) {
		value.WasCorrupted = false;
		globalUpdates = value.GlobalUpdates;
		return { payload: { GlobalUpdates: globalUpdates }, missing: true, corrupted: false };
	}
	return { payload: { GlobalUpdates: globalUpdates }, missing: true, corrupted: true };
}

/**
 * Makes `payload` (a key with no profile yet) a new, unlocked profile: Data from the template, fresh MetaData.
 * Used by loads (which then take the lock) and by views of an empty key.
 * @internal
 */
export function fillNewProfile(payload: StoredProfile, template: object) {
	payload.Data = deepCopy(template);
	payload.MetaData = {
		ProfileCreateTime: os.time(),
		SessionLoadCount: 0,
		ActiveSession: undefined,
		ForceLoadSession: undefined,
		MetaTags: {},
	};
}
