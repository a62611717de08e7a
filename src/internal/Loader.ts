/**
 * LoadProfileAsync's rounds over the DataStore: the decisions are LockProtocol's, this module does the requests,
 * the waits, the hand-off asks and the handler calls.
 * @internal
 */
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { Settings } from "./Constants";
import { ensureHandOffSubscribed, requestHandOff, requestHandOffLater } from "./HandOff";
import {
	answerStep,
	applyWrite,
	decideWrite,
	initialLockState,
	isDeadLock,
	isForceLoad,
	nextStep,
	type LockState,
	type LockStep,
} from "./LockProtocol";
import { fillNewProfile, sameSession, type SessionTag, type StoredProfile } from "./Payload";
import { ServiceState, thisSession } from "./ServiceState";
import type { StoreTransport } from "./Transport";

/** A not-released handler, as LoadProfileAsync takes it. @internal */
export type LoadHandler = "ForceLoad" | "Steal" | ((placeId: number, jobId: string) => unknown);

/**
 * Runs the load rounds until this server holds the lock. Returns the stored payload to adopt, or undefined when the
 * load ends without the profile (cancelled, yielded to another server's ForceLoad, superseded, shutdown).
 * @internal
 */
export function loadRounds(
	transport: StoreTransport,
	template: object,
	key: string,
	handler: LoadHandler,
	token: number,
): [StoredProfile, ProfileKeyInfo] | undefined {
	const me: SessionTag = thisSession();
	const adapter = transport.getAdapter();
	const tokenId = transport.sessionId(key);
	const superseded = () => ServiceState.loadTokens.get(tokenId) !== token;
	let state: LockState = initialLockState(typeIs(handler, "function") ? "function" : handler);
	let askedHolder = adapter.IsMock;
	if (!adapter.IsMock) ensureHandOffSubscribed();
	// The release of this key from this server may still be retrying (a failed write, a lost response): the load
	// waits for it, or it would read the older auto-saved data and make that release give up.
	while (ServiceState.releasing.has(tokenId) && !ServiceState.locked && !superseded()) task.wait();

	while (!ServiceState.locked && !superseded()) {
		// Finding the holder to ask costs a GetAsync; when the Get budget runs low (many players joining at once),
		// it is skipped and the holder is asked after the first round instead, slower by one write cooldown.
		if (isForceLoad(state) && !askedHolder && adapter.GetBudget("get") >= Settings.HandOffReadBudget) {
			askedHolder = true;
			askHolderToRelease(transport, key, me);
		}
		const round = state;
		const result = transport.update(key, {
			missing: (payload) => fillNewProfile(payload, template),
			edit: (payload, _, missing) => {
				const context = { me, now: os.time(), superseded: superseded(), shuttingDown: ServiceState.locked };
				const write = decideWrite(round, missing ? undefined : payload.MetaData, context);
				if (write === "cancel") return false;
				applyWrite(payload.MetaData!, write, me, context.now);
			},
		});
		if (superseded()) return undefined; // a newer load of this key took over
		if (result === undefined || result === false || result.cancelled) {
			task.wait();
			continue;
		}
		const meta = result.payload.MetaData!;
		let step: LockStep = nextStep(round, meta, me);
		if (step.kind === "adopt") {
			if (result.keyInfo !== undefined) return [result.payload, result.keyInfo];
			step = { kind: "retry", state: round, delay: 0 };
		}
		if (step.kind === "ask")
			step = answerStep((handler as (placeId: number, jobId: string) => unknown)(...step.holder));
		if (step.kind === "yield" || step.kind === "cancel") return undefined;
		if (step.kind === "retry") {
			// A ForceLoad round that found a live holder without having asked it (low Get budget) asks it now.
			const holder = meta.ActiveSession;
			if (isForceLoad(round) && !askedHolder && typeIs(holder, "table") && !isDeadLock(meta, os.time())) {
				askedHolder = true;
				requestHandOffLater(holder[1], transport.lookup, key);
			}
			state = step.state;
			task.wait(step.delay);
		}
	}
	return undefined;
}

/** Reads who holds the key; if it is another live server, asks it to release and waits briefly for it. */
function askHolderToRelease(transport: StoreTransport, key: string, me: SessionTag) {
	const [ok, stored] = pcall(() => transport.send(key, "get", (store) => store.GetAsync(key)));
	if (!ok || !typeIs(stored, "table")) return;
	const meta = (stored as StoredProfile).MetaData;
	const active = meta?.ActiveSession;
	if (!typeIs(active, "table") || sameSession(active, me[0], me[1]) || isDeadLock(meta!, os.time())) return;
	requestHandOff(active[1], transport.lookup, key, Settings.HandOffAckWait, Settings.HandOffReleaseWait);
}
