/**
 * A load that finds a `Transaction` field (TransactionFormat) left in the key resolves it before anything else
 * sees the profile: its server crashed, or lost the lock, between the transaction's prepare and the save that
 * settles the field. The decision is read from the coordinator key; where there is none yet and the coordinator
 * is still locked by the transaction's session (which alone can commit), this load writes "a" first-writer-wins,
 * so that a transaction is never committed after one of its keys was loaded without it. Then, in memory only, the
 * profile gets the transaction's Data and MetaTags if it committed and keeps its stored ones if not; the first save
 * that writes Data settles the key. Until then every later load resolves it the same way, from the same decision.
 * @internal
 */
import { joinKey, sessionKey } from "./Keys";
import { sameSession } from "./Payload";
import { giveBackLock } from "./SchemaLoad";
import { ServiceState } from "./ServiceState";
import { StoreCore } from "./StoreCore";
import { decisionOf, writeDecision, type CoordinatorRef, type StoredTransaction } from "./TransactionFormat";
import type { LoadedLock, StoreTransport } from "./Transport";

/** The stores opened on this server, by live/mock and lookup: a coordinator's own DataStore adapter. */
const stores = new Map<string, StoreCore>();

/** Remembers a store opened on this server, so that a key of another store can reach its coordinator. @internal */
export function registerStore(core: StoreCore) {
	const id = sessionKey(core.isDotMock, core.lookup);
	if (!stores.has(id)) stores.set(id, core);
}

/**
 * The transport of the coordinator's store: the store itself, one opened on this server, or one made for the
 * purpose over the default DataStore of that name and scope (a store with an adapter of your own must be opened
 * with GetProfileStore on every server that loads profiles of its transactions).
 */
function coordinatorStore(core: StoreCore, ref: CoordinatorRef): StoreCore {
	const scope = ref[1] === "" ? undefined : ref[1];
	const id = sessionKey(core.isDotMock, joinKey(ref[0], scope ?? ""));
	if (id === sessionKey(core.isDotMock, core.lookup)) return core;
	let found = stores.get(id);
	if (found === undefined) {
		found = new StoreCore(ref[0], scope, {}, core.isDotMock, undefined);
		stores.set(id, found);
	}
	return found;
}

/** The decision of a participant's transaction, writing "a" where it must; undefined once the server shuts down. */
function decide(transport: StoreTransport, id: string, ref: CoordinatorRef): "c" | "a" | undefined {
	const [, , key, loadCount, placeId, jobId] = ref;
	while (!ServiceState.locked) {
		const read = transport.update(key, {}, true);
		if (read === undefined || read === false) {
			task.wait();
			continue;
		}
		const known = decisionOf(read.payload, id);
		if (known !== undefined) return known;
		const meta = read.payload.MetaData;
		// Only the transaction's session of the coordinator can commit it: once that lock is gone, nobody can.
		if (
			meta === undefined ||
			!sameSession(meta.ActiveSession, placeId, jobId) ||
			meta.SessionLoadCount !== loadCount
		) {
			return "a";
		}
		let outcome: "c" | "a" | undefined;
		const written = transport.update(key, {
			edit: (latest, _, missing) => {
				outcome = undefined;
				const held = latest.MetaData;
				if (missing || held === undefined) {
					outcome = "a";
					return false;
				}
				outcome = decisionOf(latest, id);
				if (outcome !== undefined) return false;
				outcome = "a";
				if (!sameSession(held.ActiveSession, placeId, jobId) || held.SessionLoadCount !== loadCount)
					return false;
				writeDecision(latest, id, "a", loadCount);
			},
		});
		if (written !== undefined && written !== false && outcome !== undefined) return outcome;
		task.wait();
	}
	return undefined;
}

/**
 * Resolves the `Transaction` field of a load's payload, in memory, before the schema and the game see it. Returns
 * the load unchanged when there is none; undefined when the server began shutting down before the decision could
 * be read (the lock is given back, the key left as it was). `onSettled` receives the id of a field resolved here,
 * which the key holds until the profile's first save that writes Data.
 * @internal
 */
export function resolveLoaded(
	core: StoreCore,
	key: string,
	loaded: LoadedLock | undefined,
	onSettled: (id: string) => void,
): LoadedLock | undefined {
	if (loaded === undefined) return undefined;
	const payload = loaded[0];
	const field = payload.Transaction as StoredTransaction | undefined;
	if (field === undefined) return loaded;
	payload.Transaction = undefined;
	if (!typeIs(field, "table") || !typeIs(field.Id, "string")) return loaded;
	// The coordinator's own field is written in the same write as its "c": it exists only if the transaction
	// committed.
	const ref = field.Coordinator;
	const decision = ref === undefined ? "c" : decide(coordinatorStore(core, ref), field.Id, ref);
	if (decision === undefined) {
		giveBackLock(core, key, payload.MetaData!.SessionLoadCount);
		return undefined;
	}
	if (decision === "c" && typeIs(field.Data, "table") && typeIs(field.MetaTags, "table")) {
		payload.Data = field.Data;
		payload.MetaData!.MetaTags = field.MetaTags;
	}
	onSettled(field.Id);
	return loaded;
}
