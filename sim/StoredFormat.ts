/**
 * What a key stores, read the same way for every library: ProfileService's format (ours, the original, and
 * ProfileStore, which keeps it), or Lapis's (`{ lockId, data }`) seen through it, so that the checks over the
 * stored versions are the same for all.
 */
import type { LapisValue } from "./LapisAdapter";
import type { Impl, SimData } from "./Library";

export interface StoredValue {
	Data?: SimData;
	MetaData?: {
		SessionLoadCount: number;
		ActiveSession?: [number, string];
		ForceLoadSession?: [number, string];
		LastUpdate?: number;
	};
	/** A gift is an update's last field: ProfileService stores `[id, version, locked, data]`, ProfileStore `[id, data]`. */
	GlobalUpdates?: [number, Array<Array<{ Gift?: string } | number | boolean>>];
}

/** Lapis has no load counter: its session number is the one the game keeps in Data (LoadIndex). */
function fromLapis(value: unknown): StoredValue | undefined {
	if (!typeIs(value, "table")) return value as StoredValue | undefined;
	const lapis = value as LapisValue;
	// Not a document: left as it is, for invariant 7.
	if (!typeIs(lapis.data, "table")) return value as StoredValue;
	return {
		Data: lapis.data,
		MetaData: {
			SessionLoadCount: lapis.data.LoadIndex,
			ActiveSession: lapis.lockId !== undefined ? [0, lapis.lockId] : undefined,
		},
		GlobalUpdates: [0, []],
	};
}

/** The reader of a run's stored values. */
export function storedFormatOf(impl: Impl | "mixed"): (value: unknown) => StoredValue | undefined {
	return impl === "lapis" ? fromLapis : (value) => value as StoredValue | undefined;
}

/** The gift an update carries, in either update format. */
export function giftOf(update: Array<{ Gift?: string } | number | boolean>): string | undefined {
	const data = update[update.size() - 1];
	return typeIs(data, "table") ? (data as { Gift?: string }).Gift : undefined;
}
