import { HttpService } from "@rbxts/services";
import { Settings } from "./Constants";
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { normalizePayload, type StoredGlobalUpdates } from "./Payload";

/**
 * A GlobalUpdateProfileAsync write whose request failed after it may have reached the DataStore (a lost response
 * looks like any other error). Retrying blindly would run the update handler a second time and store every gift
 * twice, so the retry first finds out whether this write landed.
 *
 * The write is recognised by a nonce that only this attempt could have written: in the key's DataStore metadata,
 * next to the profile's RobloxMetaData, where the stored value keeps exactly the original ProfileService's format
 * and the nonce lives only until the next save rewrites the metadata; or, when RobloxMetaData leaves no room for it
 * (Roblox allows 300 characters), as a third element of the stored GlobalUpdates, which the original keeps and
 * ignores. Never by comparing values: another sender's identical gift would look the same.
 * @internal
 */
export interface UncertainWrite {
	/** The attempt's nonce; undefined until the write was built. */
	nonce?: string;
	/** Where the nonce went. */
	nonceIn?: "metadata" | "updates";
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
export function newUncertainWrite(keyInfo: ProfileKeyInfo | undefined): UncertainWrite {
	return {
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

/**
 * Puts the attempt's nonce into what is about to be written: the key metadata when it has room, the stored
 * GlobalUpdates otherwise. Returns the metadata to write. @internal
 */
export function stampUncertainWrite(
	write: UncertainWrite,
	payload: { GlobalUpdates: StoredGlobalUpdates; RobloxMetaData?: object },
	nonce: string,
): object | undefined {
	const metadata = metadataWithNonce(payload.RobloxMetaData, nonce);
	write.nonce = nonce;
	write.nonceIn = metadata !== undefined ? "metadata" : "updates";
	if (metadata === undefined) payload.GlobalUpdates[2] = nonce;
	return metadata ?? payload.RobloxMetaData;
}

/** Whether a stored value (and its key info) is the write's. @internal */
export function isUncertainWrite(write: UncertainWrite, value: unknown, keyInfo: ProfileKeyInfo | undefined): boolean {
	if (write.nonce === undefined) return false;
	if (write.nonceIn === "metadata") {
		const [ok, metadata] = pcall(() => keyInfo?.GetMetadata() as Record<string, unknown> | undefined);
		return ok && metadata !== undefined && metadata[NONCE_FIELD] === write.nonce;
	}
	return normalizePayload(value).payload.GlobalUpdates[2] === write.nonce;
}
