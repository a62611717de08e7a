/**
 * What a key stores, read the same way for every library: ProfileService's format (ours, the original, and
 * ProfileStore, which keeps it), or Lapis's (`{ lockId, data }`) seen through it, so that the checks over the
 * stored versions are the same for all.
 */
import Runtime from "../test/Runtime";
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

/** A key's pending TransactAsync change (src/internal/TransactionFormat.ts), as far as the sim reads it. */
interface PendingTransaction {
	Id: string;
	Data: SimData;
	/** [store, scope ("" for none), key, ...] of the coordinator; absent on the coordinator itself. */
	Coordinator?: [string, string, string];
}

/**
 * What the next load of a key holding a pending TransactAsync change gets: the change's Data if the coordinator
 * holds "c" for it (the coordinator's own field is written with its "c"), the stored Data otherwise. Read when the
 * transaction's server has crashed or stopped, so the decision can no longer change.
 */
function resolvePending(value: unknown): StoredValue | undefined {
	if (!typeIs(value, "table")) return value as StoredValue | undefined;
	const field = (value as { Transaction?: PendingTransaction }).Transaction;
	if (!typeIs(field, "table")) return value as StoredValue;
	let committed = field.Coordinator === undefined;
	if (!committed) {
		const [store, scope, key] = field.Coordinator!;
		const [coordinator] = Runtime.store().get(store, scope === "" ? undefined : scope, key);
		const decisions = typeIs(coordinator, "table")
			? (coordinator as { Transactions?: Record<string, [string, number]> }).Transactions
			: undefined;
		committed = decisions !== undefined && decisions[field.Id]?.[0] === "c";
	}
	return committed ? { ...(value as StoredValue), Data: field.Data } : (value as StoredValue);
}

/** The reader of a run's stored values. */
export function storedFormatOf(impl: Impl | "mixed"): (value: unknown) => StoredValue | undefined {
	return impl === "lapis" ? fromLapis : resolvePending;
}

/** The gift an update carries, in either update format. */
export function giftOf(update: Array<{ Gift?: string } | number | boolean>): string | undefined {
	const data = update[update.size() - 1];
	return typeIs(data, "table") ? (data as { Gift?: string }).Gift : undefined;
}
