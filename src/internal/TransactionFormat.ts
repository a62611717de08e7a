/**
 * What a transaction (ProfileService.TransactAsync) stores, and the rules every write of a profile key follows for
 * it. The protocol itself is in Transaction.ts; loads resolve what is left over in TransactionResolve.ts.
 *
 * Two top-level fields of the stored profile, both ignored and kept as they are by the original ProfileService
 * (its saves edit the stored table in place and write only Data, MetaData.MetaTags, the lock, RobloxMetaData and
 * UserIds):
 * - `Transaction`, on every key of a transaction from its prepare write until the next save that writes Data: the
 *   transaction id, the profile's Data and MetaTags as the transaction leaves them, and where its decision is kept
 *   (absent on the coordinator, which keeps it itself). The key's own Data stays what it was before the
 *   transaction, so a load that finds the field applies it only if the decision says committed.
 * - `Transactions`, on the coordinator key (the first profile of the call): the decisions, `[state, loadCount]` by
 *   transaction id, "c" committed or "a" aborted. Written first-writer-wins: the coordinator's commit write sets
 *   "c" only where there is no decision, and a load that finds a stale `Transaction` may set "a" the same way, so
 *   each transaction has exactly one decision.
 * @internal
 */
import type { StoredProfile } from "./Payload";

/**
 * Where a participant's decision is kept: the coordinator's store name, scope ("" for none), key, the coordinator's
 * SessionLoadCount in the transaction's session, and that session's [placeId, jobId]. @internal
 */
export type CoordinatorRef = [
	store: string,
	scope: string,
	key: string,
	loadCount: number,
	placeId: number,
	jobId: string,
];

/** A prepared change of one profile. @internal */
export interface StoredTransaction {
	Id: string;
	/** The profile's Data as the transaction leaves it. */
	Data: object;
	/** MetaData.MetaTags as the transaction leaves them (a migration's schema stamp goes with its Data). */
	MetaTags: Record<string, unknown>;
	/** Where the decision is kept; absent on the coordinator itself. */
	Coordinator?: CoordinatorRef;
}

/** A decision: "c" committed or "a" aborted, and the coordinator's SessionLoadCount when it was written. @internal */
export type StoredDecision = [state: "c" | "a", loadCount: number];

/** Decisions by transaction id. @internal */
export type StoredDecisions = Record<string, StoredDecision>;

/** The decision a key holds for a transaction, if any. @internal */
export function decisionOf(stored: Pick<StoredProfile, "Transactions">, id: string): "c" | "a" | undefined {
	const decisions = stored.Transactions;
	if (!typeIs(decisions, "table")) return undefined;
	const decision = (decisions as StoredDecisions)[id];
	if (!typeIs(decision, "table")) return undefined;
	return decision[0] === "c" ? "c" : decision[0] === "a" ? "a" : undefined;
}

/** Writes a decision into the key about to be written. @internal */
export function writeDecision(stored: StoredProfile, id: string, state: "c" | "a", loadCount: number) {
	if (!typeIs(stored.Transactions, "table")) stored.Transactions = {};
	stored.Transactions![id] = [state, loadCount];
}

/**
 * What this server's session of a profile knows about transactions. Absent on a profile that was never in one.
 * @internal
 */
export interface ProfileTransactionState {
	/** The id of the transaction in flight, undecided: saves of the profile wait for its decision. */
	open?: string;
	/** Saves of the profile that passed the gate and have not finished. */
	saves: number;
	/** A `Transaction` field (this id, decided) may still be in the key: the next save that writes Data clears it. */
	inKey?: string;
	/** os.clock() from which a response can tell that `inKey` left the key (requests sent after the decision). */
	inKeySince?: number;
	/** Coordinator only: committed transactions whose every key was seen without their field: their "c" can go. */
	dropDecisions?: string[];
}

/**
 * The save hook (SaveProtocol.writeSession, while this session holds the lock): a save that writes the profile's
 * Data settles the key's `Transaction` field, whatever was decided: saves wait while a transaction is undecided, so
 * the Data they write already holds the transaction if it committed, and not if it aborted. A save that cannot
 * write Data keeps the field, so the next load resolves it again. On a coordinator key, drops the decisions no
 * key needs any more: "c" once every key of the transaction was seen settled, and every "a", since only this
 * session could still commit the transactions it coordinates, and none is in flight while it saves. Leaves no
 * empty `Transactions` table behind.
 * @internal
 */
export function settleOnSave(
	profile: { transaction?: ProfileTransactionState },
	latest: StoredProfile,
	writesData: boolean,
) {
	if (writesData && latest.Transaction !== undefined) latest.Transaction = undefined;
	const decisions = latest.Transactions;
	if (decisions === undefined) return;
	if (!typeIs(decisions, "table")) {
		latest.Transactions = undefined;
		return;
	}
	const drop = profile.transaction?.dropDecisions;
	const entries = decisions as unknown as Map<string, StoredDecision>;
	let left = 0;
	for (const [id, decision] of pairs(entries)) {
		const settled = !typeIs(decision, "table") || decision[0] !== "c" || (drop !== undefined && drop.includes(id));
		if (settled) entries.delete(id);
		else left += 1;
	}
	if (drop !== undefined) profile.transaction!.dropDecisions = undefined;
	if (left === 0) latest.Transactions = undefined;
}

/** The Overwrite hook: a view written over a key defines its Data, so no prepared change may be applied over it. @internal */
export function dropOnOverwrite(latest: StoredProfile) {
	latest.Transaction = undefined;
}
