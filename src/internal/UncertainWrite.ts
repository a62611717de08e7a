import { HttpService } from "@rbxts/services";
import { Settings } from "./Constants";
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { deepEqual, normalizePayload, type StoredGlobalUpdates } from "./Payload";

/**
 * A GlobalUpdateProfileAsync write whose request failed after it may have reached the DataStore (a lost response
 * looks like any other error). Retrying blindly would run the update handler a second time and store every gift
 * twice, so the retry first finds out whether this write landed.
 *
 * The write is recognised by a nonce in the key's DataStore metadata, next to the profile's RobloxMetaData. The
 * stored value itself stays exactly the original ProfileService's format; the nonce lives only until the next
 * save of the profile rewrites the metadata. When RobloxMetaData leaves no room for it (Roblox allows 300
 * characters), the write is recognised by the GlobalUpdates it stored instead.
 * @internal
 */
export interface UncertainWrite {
	/** Written into the key metadata with the update; undefined when the metadata had no room for it. */
	nonce?: string;
	/** The GlobalUpdates the write stored. */
	updates: StoredGlobalUpdates;
	/** The version the write replaced; undefined for an empty key. */
	baseVersion?: string;
	/** Unix milliseconds from which a listed version may be this write. */
	since: number;
}

/** The key-metadata field that carries the nonce. @internal */
export const NONCE_FIELD = "ProfileServiceUpdateId";
/** Versions listed from this long before the attempt when the key was empty (servers' clocks differ). */
const CLOCK_MARGIN_MS = 60_000;

/** A new write's record, for the attempt about to be made on top of `keyInfo`. @internal */
export function newUncertainWrite(updates: StoredGlobalUpdates, keyInfo: ProfileKeyInfo | undefined): UncertainWrite {
	return {
		updates,
		baseVersion: keyInfo?.Version,
		since: keyInfo?.UpdatedTime ?? DateTime.now().UnixTimestampMillis - CLOCK_MARGIN_MS,
	};
}

/** The key metadata with the write's nonce added, or undefined when it would pass the metadata limit. @internal */
export function metadataWithNonce(metadata: object | undefined, nonce: string): object | undefined {
	const merged = new Map<string, unknown>();
	if (metadata !== undefined) for (const [k, v] of pairs(metadata as Map<string, unknown>)) merged.set(k, v);
	merged.set(NONCE_FIELD, nonce);
	const [ok, encoded] = pcall(() => HttpService.JSONEncode(merged));
	return ok && encoded.size() <= Settings.MaxMetadataLength ? merged : undefined;
}

/** Whether a stored value (and its key info) is the write's. @internal */
export function isUncertainWrite(write: UncertainWrite, value: unknown, keyInfo: ProfileKeyInfo | undefined): boolean {
	if (write.nonce !== undefined) {
		const [ok, metadata] = pcall(() => keyInfo?.GetMetadata() as Record<string, unknown> | undefined);
		return ok && metadata !== undefined && metadata[NONCE_FIELD] === write.nonce;
	}
	return deepEqual(normalizePayload(value).payload.GlobalUpdates, write.updates);
}
