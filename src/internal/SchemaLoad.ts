/**
 * A store's schema applied to loads. The load's rounds ask {@link Schema.refusal} before each write, so a server
 * never locks (or asks to ForceLoad) a profile whose data is newer than it knows; once the lock is ours,
 * {@link settleLoaded} migrates and validates the data in memory, and on failure gives the lock back without
 * writing Data or MetaTags, so the stored profile is exactly what it was.
 *
 * Why a migration never runs twice on the same data: the migrated Data and its new stamp live only in memory until
 * a save writes both in one UpdateAsync (SaveProtocol writes Data and MetaTags together, or neither, and so does
 * the original). Until then the key holds the old Data with the old stamp; a crash, a lost lock or a retry makes
 * the next load migrate that old Data again from its own version, which is the first run on that data, not a
 * second. Once a save lands, the stored stamp says the data is migrated, and no server migrates it again.
 * @internal
 */
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { deepCopy, sameSession, type SessionTag, type StoredMetaData, type StoredProfile } from "./Payload";
import type { Schema } from "./Schema";
import { ServiceState, thisSession } from "./ServiceState";
import type { LoadedLock, StoreTransport } from "./Transport";

/**
 * A load to adopt: the migrated payload, its key info, the MetaTags as stored, whether the lock was handed over,
 * and when the lock was last seen ours (Loader.LoadedLock).
 * @internal
 */
export type SettledLoad = [
	payload: StoredProfile,
	keyInfo: ProfileKeyInfo,
	storedTags: object,
	handed: boolean,
	confirmedAt: number,
];

/**
 * Reports a profile the schema refused, as a warning and through IssueSignal. `what` says what did not happen
 * ("Profile not loaded", "Profile not viewed").
 * @internal
 */
export function reportSchemaRefusal(transport: StoreTransport, key: string, what: string, reason: string) {
	const message = `${what}: ${reason}; the stored profile is unchanged`;
	warn(`[ProfileService]: ${message} ${transport.identify(key)}`);
	ServiceState.issueSignal.Fire(message, transport.name, key);
}

/**
 * In a load round's transform, once the schema refused the stored profile: takes back what this load wrote in
 * earlier rounds (its ForceLoad request, or a lock another server handed it meanwhile), so the key is left as if
 * the load had never run. Cancels the write (false) when there is nothing to take back.
 * @internal
 */
export function withdrawLoad(meta: StoredMetaData, me: SessionTag): false | undefined {
	let changed = false;
	if (sameSession(meta.ForceLoadSession, me[0], me[1])) {
		meta.ForceLoadSession = undefined;
		changed = true;
	}
	if (sameSession(meta.ActiveSession, me[0], me[1])) {
		meta.ActiveSession = undefined;
		meta.HandOff = undefined;
		changed = true;
	}
	return changed ? undefined : false;
}

/**
 * Removes this server's lock from a key it loaded but will not use, writing nothing else: Data and MetaTags stay
 * as stored. Retries until it lands or the lock is no longer this load's (another server took it, or a newer load
 * on this server did, which owns it now).
 * @internal
 */
export function giveBackLock(transport: StoreTransport, key: string, loadCount: number) {
	const me = thisSession();
	for (;;) {
		const result = transport.update(key, {
			edit: (latest, _, missing) => {
				const meta = latest.MetaData;
				if (missing || meta === undefined) return false;
				if (!sameSession(meta.ActiveSession, me[0], me[1]) || meta.SessionLoadCount !== loadCount) return false;
				meta.ActiveSession = undefined;
				meta.LastUpdate = os.time();
			},
		});
		if (result !== undefined && result !== false) return;
		task.wait();
	}
}

/**
 * After a load took the lock: migrates and validates the data in memory. Returns the load to adopt, or undefined
 * after reporting the reason and giving the lock back, with the stored Data and version untouched.
 * @internal
 */
export function settleLoaded(
	transport: StoreTransport,
	schema: Schema,
	key: string,
	loaded: LoadedLock | undefined,
): SettledLoad | undefined {
	if (loaded === undefined) return undefined;
	const [payload, keyInfo, handed, confirmedAt] = loaded;
	const storedTags = deepCopy(payload.MetaData!.MetaTags);
	const reason = schema.upgrade(payload);
	if (reason === undefined) return [payload, keyInfo, storedTags, handed, confirmedAt];
	reportSchemaRefusal(transport, key, "Profile not loaded", reason);
	giveBackLock(transport, key, payload.MetaData!.SessionLoadCount);
	return undefined;
}
