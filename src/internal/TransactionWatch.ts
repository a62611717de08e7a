/**
 * What transactions learn from every DataStore response of a store (StoreCore.update calls in here):
 * - whether a server that is not running this library holds profiles of the store: TransactAsync is refused on
 *   such a store, because an original server that loads a profile whose transaction is pending sees it as it was
 *   before the transaction (see README, "Transactions");
 * - when a key's `Transaction` field is gone, from a response to a request sent after the transaction was decided,
 *   so that the coordinator can drop a decision no key needs any more.
 * @internal
 */
import { sessionKey } from "./Keys";
import { readMarker } from "./LockProtocol";
import type { StoredProfile } from "./Payload";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState } from "./ServiceState";

/** The part of a store the watch needs. @internal */
export interface WatchedStore {
	readonly isDotMock: boolean;
	readonly lookup: string;
	sessionId(key: string): string;
	loaded(): Map<string, ProfileInternals>;
}

/** Stores (live/mock\0lookup) in which this server saw a lock held by a server that does not run this library. */
const originalSeen = new Set<string>();
/** Committed transactions whose keys have not all been seen settled: the coordinator and the keys left. */
const committed = new Map<string, { coordinator: ProfileInternals; left: Set<ProfileInternals> }>();
/** At most this many committed transactions are followed; past it, a decision simply stays in its key. */
const MAX_FOLLOWED = 256;

function storeId(store: WatchedStore) {
	return sessionKey(store.isDotMock, store.lookup);
}

/**
 * In the transform of every request: notes a lock held by another server that is not this library's. Every
 * server of this library writes its own marker into each lock it writes while it holds it (LockProtocol.lockMarker;
 * a release that hands the lock over writes the new holder's); the original writes none and keeps the one it
 * finds, which then names another server.
 * @internal
 */
export function noteLock(store: WatchedStore, latest: StoredProfile, missing: boolean) {
	if (missing) return;
	const meta = latest.MetaData;
	if (meta === undefined || store.isDotMock) return;
	const active = meta.ActiveSession;
	if (!typeIs(active, "table")) return;
	if (active[0] === ServiceState.placeId && active[1] === ServiceState.jobId) return;
	if (readMarker(meta).own) return;
	originalSeen.add(storeId(store));
}

/** Whether this server saw, in the store, a lock that a server not running this library may hold. @internal */
export function sawOriginalLock(store: WatchedStore): boolean {
	return originalSeen.has(storeId(store));
}

/**
 * After every request that returned the key's value: a profile of this session whose key may still hold a
 * decided `Transaction` field learns that it is gone. Only a request sent after the decision counts: an earlier one
 * may answer with a value from before the prepare.
 * @internal
 */
export function noteResponse(store: WatchedStore, key: string, stored: StoredProfile, sentAt: number) {
	const profile = store.loaded().get(key) ?? ServiceState.releasing.get(store.sessionId(key));
	const state = profile?.transaction;
	if (state === undefined || state.inKey === undefined) return;
	if (state.inKeySince === undefined || sentAt < state.inKeySince) return;
	const field = stored.Transaction;
	if (typeIs(field, "table") && field.Id === state.inKey) return;
	const id = state.inKey;
	state.inKey = undefined;
	state.inKeySince = undefined;
	keySettled(profile!, id);
}

/**
 * A key of the committed transaction `id` holds its settled Data, without its field: once all its keys do, the
 * coordinator's next save drops the "c". Also called by a transaction whose write replaced an earlier one's field
 * (that write holds the Data the earlier transaction left).
 * @internal
 */
export function keySettled(profile: ProfileInternals, id: string) {
	const followed = committed.get(id);
	if (followed === undefined) return;
	followed.left.delete(profile);
	if (followed.left.size() > 0) return;
	committed.delete(id);
	const coordinator = followed.coordinator.transaction;
	if (coordinator !== undefined) (coordinator.dropDecisions ??= []).push(id);
}

/** Follows a committed transaction until every key was seen settled. @internal */
export function followCommitted(id: string, profiles: ProfileInternals[]) {
	if (committed.size() >= MAX_FOLLOWED) return;
	committed.set(id, { coordinator: profiles[0], left: new Set(profiles) });
}

/**
 * A profile whose load resolved a `Transaction` field the key still holds: its first save that writes Data settles
 * it, and until that is seen, a new transaction of the profile saves it first.
 * @internal
 */
export function markSettledOnLoad(profile: ProfileInternals, id: string) {
	const state = (profile.transaction ??= { saves: 0 });
	state.inKey = id;
	state.inKeySince = os.clock();
}
