/**
 * LoadProfileAsync's rounds over the DataStore: the decisions are LockProtocol's, this module does the requests,
 * the waits, the hand-off asks and the handler calls.
 * @internal
 */
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { Settings } from "./Constants";
import { ensureHandOffSubscribed, probeHolder } from "./HandOff";
import {
	answerStep,
	applyWrite,
	decideWrite,
	initialLockState,
	isDeadLock,
	isForceLoad,
	nextStep,
	afterSilence,
	type LockState,
	type SilentHolder,
	type LockStep,
} from "./LockProtocol";
import { fillNewProfile, sameSession, type SessionTag, type StoredProfile } from "./Payload";
import type { Schema } from "./Schema";
import { reportSchemaRefusal, withdrawLoad } from "./SchemaLoad";
import { ServiceState, thisSession } from "./ServiceState";
import type { StoreTransport } from "./Transport";

/** A not-released handler, as LoadProfileAsync takes it. @internal */
export type LoadHandler = "ForceLoad" | "Steal" | ((placeId: number, jobId: string) => unknown);

/**
 * Runs the load rounds until this server holds the lock. Returns the stored payload to adopt, or undefined when the
 * load ends without the profile (cancelled, yielded to another server's ForceLoad, superseded, shutdown).
 *
 * A key nobody holds costs one UpdateAsync. A key another server holds gets our ForceLoadSession in that same
 * write; the holder is then asked through MessagingService to release it, and a holder running this library hands
 * the lock over with its release, so one GetAsync finishes the load. A holder that never answers is probed; if it
 * stays silent while its lock goes stale, the ForceLoad steal comes early instead of after all its steps.
 * @internal
 */
export function loadRounds(
	transport: StoreTransport,
	template: object,
	key: string,
	handler: LoadHandler,
	token: number,
	schema?: Schema,
): [StoredProfile, ProfileKeyInfo] | undefined {
	const me: SessionTag = thisSession();
	const adapter = transport.getAdapter();
	const tokenId = transport.sessionId(key);
	const superseded = () => ServiceState.loadTokens.get(tokenId) !== token;
	let state: LockState = initialLockState(typeIs(handler, "function") ? "function" : handler);
	let askedHolder = adapter.IsMock;
	let silent: SilentHolder | undefined;
	if (!adapter.IsMock) ensureHandOffSubscribed();
	// The release of this key from this server may still be retrying (a failed write, a lost response): the load
	// waits for it, or it would read the older auto-saved data and make that release give up.
	while (ServiceState.releasing.has(tokenId) && !ServiceState.locked && !superseded()) task.wait();

	while (!ServiceState.locked && !superseded()) {
		const round = state;
		// Data newer than this server's schema: decided before the lock is written, so the key is left as it was.
		let refusal: string | undefined;
		const result = transport.update(key, {
			missing: (payload) => {
				fillNewProfile(payload, template);
				schema?.stampNew(payload.MetaData!);
			},
			edit: (payload, _, missing) => {
				refusal = missing ? undefined : schema?.refusal(payload.MetaData);
				if (refusal !== undefined) return withdrawLoad(payload.MetaData!, me);
				const context = { me, now: os.time(), superseded: superseded(), shuttingDown: ServiceState.locked };
				const write = decideWrite(round, missing ? undefined : payload.MetaData, context);
				if (write === "cancel") return false;
				applyWrite(payload.MetaData!, write, me, context.now);
			},
		});
		if (superseded()) return undefined; // a newer load of this key took over
		if (refusal !== undefined && result !== undefined && result !== false) {
			reportSchemaRefusal(transport, key, "Profile not loaded", refusal);
			return undefined;
		}
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
			state = step.state;
			const holder = meta.ActiveSession;
			if (isForceLoad(state) && typeIs(holder, "table") && !isDeadLock(meta, os.time())) {
				if (!askedHolder) {
					askedHolder = true;
					const probe = probeHolder(holder[1], transport.lookup, key);
					if (probe === "released") {
						const handed = readHandedLock(transport, key, me);
						if (handed !== undefined) return handed;
					} else if (probe === "silent") {
						silent = { jobId: holder[1], lastUpdate: meta.LastUpdate };
					}
				}
				if (silent !== undefined) state = afterSilence(state, silent, holder[1], meta.LastUpdate, os.time());
			}
			task.wait(step.delay);
		}
	}
	return undefined;
}

/** Reads the key after the holder reported its release; returns it if the release handed the lock to us. */
function readHandedLock(
	transport: StoreTransport,
	key: string,
	me: SessionTag,
): [StoredProfile, ProfileKeyInfo] | undefined {
	// With little Get budget left, the next UpdateAsync finds the lock ours just as well, one write cooldown later.
	if (transport.getAdapter().GetBudget("get") < Settings.HandOffReadBudget) return undefined;
	const result = transport.update(key, {}, true);
	if (result === undefined || result === false || result.keyInfo === undefined) return undefined;
	const meta = result.payload.MetaData;
	if (meta === undefined || !sameSession(meta.ActiveSession, me[0], me[1])) return undefined;
	return [result.payload, result.keyInfo];
}
