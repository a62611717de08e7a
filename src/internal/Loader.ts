/**
 * LoadProfileAsync's rounds over the DataStore: the decisions are LockProtocol's, this module does the requests,
 * the waits, the hand-off asks and the handler calls.
 * @internal
 */
import type { ProfileKeyInfo } from "../DataStoreAdapter";
import { Settings } from "./Constants";
import { ensureHandOffSubscribed, probeHolder } from "./HandOff";
import { currentAdvert, ensureHeartbeat, readHeartbeat } from "./Heartbeat";
import {
	answerStep,
	applyWrite,
	decideWrite,
	earlyStealDue,
	heartbeatFresh,
	heartbeatStale,
	initialLockState,
	nextStep,
	observeHeartbeat,
	roundSpacing,
	shouldAskHolder,
	stepStealHeld,
	watchHolder,
	type HeartbeatWatch,
	type HolderWatch,
	type LockState,
	type LockStep,
	type ProbeResult,
} from "./LockProtocol";
import { fillNewProfile, sameSession, type SessionTag, type StoredProfile } from "./Payload";
import type { Schema } from "./Schema";
import { reportSchemaRefusal, withdrawLoad } from "./SchemaLoad";
import { ServiceState, thisSession } from "./ServiceState";
import type { StoreTransport } from "./Transport";

/** A not-released handler, as LoadProfileAsync takes it. @internal */
export type LoadHandler = "ForceLoad" | "Steal" | ((placeId: number, jobId: string) => unknown);

/**
 * Runs the load rounds until this server holds the lock. Returns the stored payload to adopt, and whether the lock
 * was handed over by the previous holder (this server has not written it yet), or undefined when the load ends
 * without the profile (cancelled, yielded to another server's ForceLoad, superseded, shutdown).
 *
 * A key nobody holds costs one UpdateAsync. A key another server holds gets our ForceLoadSession in that same
 * write; the holder is then asked through MessagingService to release it, and a holder running this library hands
 * the lock over with its release while we still wait, so one GetAsync finishes the load. A holder whose lock says it
 * listens, but that answers nothing and has not written its lock for a while by the DataStore's clock, is taken
 * over before the ForceLoad steps run out (LockProtocol.earlyStealDue); every other holder gets the original's steps.
 * @internal
 */
export function loadRounds(
	transport: StoreTransport,
	template: object,
	key: string,
	handler: LoadHandler,
	token: number,
	schema?: Schema,
): [StoredProfile, ProfileKeyInfo, boolean] | undefined {
	const load = { done: false };
	try {
		return rounds(transport, template, key, handler, token, schema, load);
	} finally {
		// Stops this load's heartbeat readings, however it ended.
		load.done = true;
	}
}

function rounds(
	transport: StoreTransport,
	template: object,
	key: string,
	handler: LoadHandler,
	token: number,
	schema: Schema | undefined,
	load: { done: boolean },
): [StoredProfile, ProfileKeyInfo, boolean] | undefined {
	const me: SessionTag = thisSession();
	const adapter = transport.getAdapter();
	const tokenId = transport.sessionId(key);
	const superseded = () => ServiceState.loadTokens.get(tokenId) !== token;
	let state: LockState = initialLockState(typeIs(handler, "function") ? "function" : handler);
	let asked = adapter.IsMock;
	let probe: ProbeResult | undefined;
	let watch: HolderWatch | undefined;
	// The DataStore's time at our newest response and os.clock() then: "now" by the DataStore's clock, estimated
	// from below (the response arrives after the write), so a quiet period is never overestimated.
	let anchor: { store: number; clock: number } | undefined;
	const storeNow = () => (anchor === undefined ? undefined : anchor.store + (os.clock() - anchor.clock) * 1000);
	if (!adapter.IsMock) {
		ensureHandOffSubscribed();
		ensureHeartbeat();
	}
	// The holder's heartbeat, read every HeartbeatInterval by a thread of this load while the lock it watches
	// claims one (readings of another holder, or of another session, start over).
	let beats: { job: string; watch: HeartbeatWatch | undefined } | undefined;
	let reading = false;
	const finished = () => ServiceState.locked || superseded();
	const followHeartbeat = (holder: HolderWatch | undefined) => {
		const job = holder !== undefined && holder.marker === "on" && holder.heartbeat ? holder.job : undefined;
		if (job === undefined) {
			beats = undefined;
			return;
		}
		if (beats?.job !== job) beats = { job, watch: undefined };
		if (reading) return;
		reading = true;
		task.spawn(() => {
			while (beats !== undefined && !finished() && !load.done) {
				const current = beats;
				const readAt = os.clock();
				const result = readHeartbeat(current.job);
				// The time the request was sent: the value it returns was current at some point after that.
				if (beats === current) current.watch = observeHeartbeat(current.watch, result, readAt);
				task.wait(Settings.HeartbeatInterval);
			}
			reading = false;
		});
	};
	const stale = () => beats !== undefined && heartbeatStale(beats.watch);
	const fresh = () => beats !== undefined && heartbeatFresh(beats.watch, os.clock());
	// The release of this key from this server may still be retrying (a failed write, a lost response): the load
	// waits for it, or it would read the older auto-saved data and make that release give up.
	while (ServiceState.releasing.has(tokenId) && !ServiceState.locked && !superseded()) task.wait();

	while (!ServiceState.locked && !superseded()) {
		const round = state;
		const roundStart = os.clock();
		// Data newer than this server's schema: decided before the lock is written, so the key is left as it was.
		let refusal: string | undefined;
		const result = transport.update(key, {
			missing: (payload) => {
				fillNewProfile(payload, template);
				schema?.stampNew(payload.MetaData!);
			},
			edit: (payload, keyInfo, missing) => {
				refusal = missing ? undefined : schema?.refusal(payload.MetaData);
				if (refusal !== undefined) return withdrawLoad(payload.MetaData!, me);
				const meta = missing ? undefined : payload.MetaData;
				if (meta !== undefined) watch = watchHolder(watch, meta, keyInfo?.UpdatedTime);
				const context = {
					me,
					now: os.time(),
					superseded: superseded(),
					shuttingDown: ServiceState.locked,
					earlySteal: meta !== undefined && earlyStealDue(watch, meta, probe, storeNow(), stale(), fresh()),
					holdSteal: meta !== undefined && stepStealHeld(watch, meta, storeNow(), stale(), fresh()),
				};
				const write = decideWrite(round, meta, context);
				if (write === "cancel") return false;
				applyWrite(
					payload.MetaData!,
					write,
					me,
					context.now,
					currentAdvert(transport.autoSavePeriod, adapter.IsMock),
				);
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
		if (result.keyInfo !== undefined) anchor = { store: result.keyInfo.UpdatedTime, clock: os.clock() };
		followHeartbeat(watch);
		const meta = result.payload.MetaData!;
		let step: LockStep = nextStep(round, meta, me);
		if (step.kind === "adopt") {
			if (result.keyInfo !== undefined) return [result.payload, result.keyInfo, false];
			step = { kind: "retry", state: round, delay: 0 };
		}
		if (step.kind === "ask")
			step = answerStep((handler as (placeId: number, jobId: string) => unknown)(...step.holder));
		if (step.kind === "yield" || step.kind === "cancel") return undefined;
		if (step.kind === "retry") {
			state = step.state;
			if (shouldAskHolder(state, meta, me, asked, os.time())) {
				asked = true;
				const wanted = () => !superseded() && !ServiceState.locked;
				probe = probeHolder(meta.ActiveSession![1], meta.SessionLoadCount, transport.lookup, key, wanted);
				if (probe === "released") {
					const handed = readHandedLock(transport, key, me);
					// A load superseded while it waited never returns a profile: the newer load takes the lock.
					if (superseded()) return undefined;
					if (handed !== undefined) return [handed[0], handed[1], true];
				}
			}
			task.wait(math.max(step.delay, roundSpacing(state, meta) - (os.clock() - roundStart)));
		}
	}
	if (asked && ServiceState.locked && !superseded()) freeHandedLock(transport, key, me);
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

/**
 * A load that asked a holder and then stopped because this server is shutting down may have been handed the lock
 * just before the holder heard that it stopped waiting. Nothing here will load it, so the lock is freed, as the
 * original's release would have left it, instead of making the next server wait for a stopped one.
 */
function freeHandedLock(transport: StoreTransport, key: string, me: SessionTag) {
	transport.update(key, {
		edit: (payload, _, missing) => {
			const meta = payload.MetaData;
			const ours = !missing && meta !== undefined && sameSession(meta.ActiveSession, me[0], me[1]);
			if (!ours || transport.loaded().has(key) || ServiceState.releasing.has(transport.sessionId(key))) {
				return false;
			}
			meta.ActiveSession = undefined;
			meta.HandOff = undefined;
		},
	});
}
