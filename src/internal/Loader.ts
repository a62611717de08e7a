/**
 * LoadProfileAsync's rounds over the DataStore: the decisions are LockProtocol's, this module does the requests,
 * the waits, the hand-off asks and the handler calls.
 * @internal
 */
import { Settings } from "./Constants";
import { ensureHandOffSubscribed, probeHolder } from "./HandOff";
import { currentAdvert, heartbeatHealthy, readHeartbeat } from "./Heartbeat";
import {
	answerStep,
	applyWrite,
	claimedHeartbeatStale,
	isForceLoad,
	decideWrite,
	earlyStealDue,
	initialLockState,
	nextStep,
	observeHeartbeat,
	readMarker,
	roundSpacing,
	shouldAskHolder,
	stepCounts,
	watchHolder,
	type HeartbeatWatch,
	type HolderWatch,
	type LockState,
	type LockStep,
} from "./LockProtocol";
import { newItemId, sendToInbox, type InboxItem } from "./Inbox";
import { ensureLockUpkeep } from "./LockUpkeep";
import { fillNewProfile, sameSession, type SessionTag, type StoredMetaData } from "./Payload";
import type { Schema } from "./Schema";
import { reportSchemaRefusal, withdrawLoad } from "./SchemaLoad";
import { ServiceState, thisSession } from "./ServiceState";
import type { LoadedLock, StoreTransport } from "./Transport";

/** A not-released handler, as LoadProfileAsync takes it. @internal */
export type LoadHandler = "ForceLoad" | "Steal" | ((placeId: number, jobId: string) => unknown);

/**
 * Runs the load rounds until this server holds the lock, or returns undefined when the load ends without the
 * profile (cancelled, yielded to another server's ForceLoad, superseded, shutdown).
 *
 * A key nobody holds costs one UpdateAsync. A key another server holds gets our ForceLoadSession in that same
 * write; the holder is then asked through MessagingService to release it, and a holder running this library hands
 * the lock over with its release while we still wait, so one GetAsync finishes the load. A holder whose lock claims
 * its heartbeat, which stood still for HeartbeatStale seconds, is taken over before the ForceLoad steps run out
 * (LockProtocol.earlyStealDue); every holder gets the original's steps, 7 s apart.
 * @internal
 */
export function loadRounds(
	transport: StoreTransport,
	template: object,
	key: string,
	handler: LoadHandler,
	token: number,
	schema?: Schema,
): LoadedLock | undefined {
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
): LoadedLock | undefined {
	const me: SessionTag = thisSession();
	const adapter = transport.getAdapter();
	const tokenId = transport.sessionId(key);
	const superseded = () => ServiceState.loadTokens.get(tokenId) !== token;
	let state: LockState = initialLockState(typeIs(handler, "function") ? "function" : handler);
	let asked = adapter.IsMock;
	let watch: HolderWatch | undefined;
	if (!adapter.IsMock) {
		ensureHandOffSubscribed();
		ensureLockUpkeep();
	}
	// The holder's heartbeat, read every HeartbeatInterval by a thread of this load while the lock it watches
	// claims one; the readings start over with each new watch (another holder, or a write of the holder's).
	let beats: { watch: HolderWatch; readings: HeartbeatWatch | undefined } | undefined;
	let reading = false;
	const finished = () => ServiceState.locked || superseded();
	const followHeartbeat = (holder: HolderWatch | undefined) => {
		if (holder === undefined || holder.heartbeat === 0) {
			beats = undefined;
			return;
		}
		if (beats?.watch !== holder) beats = { watch: holder, readings: undefined };
		if (reading) return;
		reading = true;
		task.spawn(() => {
			while (beats !== undefined && !finished() && !load.done) {
				const current = beats;
				const sentAt = os.clock();
				const result = readHeartbeat(current.watch.job);
				if (beats === current)
					current.readings = observeHeartbeat(current.readings, result, sentAt, os.clock());
				task.wait(Settings.HeartbeatInterval);
			}
			reading = false;
		});
	};
	// This load's ForceLoad request in the holder's inbox: sent by a thread of its own, once per holder session,
	// retried until it is in (or the load ends); `delivered` names the holder's session once it is.
	let delivered: string | undefined;
	let delivering: string | undefined;
	const deliverRequest = (holder: HolderWatch | undefined, meta: StoredMetaData) => {
		if (holder === undefined || holder.heartbeat === 0 || delivering === `${holder.job}#${holder.loadCount}`)
			return;
		if (!sameSession(meta.ForceLoadSession, me[0], me[1])) return;
		const session = `${holder.job}#${holder.loadCount}`;
		delivering = session;
		const own = currentAdvert(transport.autoSavePeriod, false);
		const item: InboxItem = {
			t: "release",
			id: newItemId(),
			s: transport.lookup,
			k: key,
			j: ServiceState.jobId,
			n: holder.loadCount,
			h: own.heartbeat,
			p: own.period,
		};
		task.spawn(() => {
			const wanted = () => delivering === session && !finished() && !load.done;
			if (sendToInbox(holder.job, item, wanted) !== undefined && delivering === session) {
				delivered = session;
			}
		});
	};
	const staleNow = () => beats !== undefined && beats.watch === watch && claimedHeartbeatStale(watch, beats.readings);
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
				if (meta !== undefined) watch = watchHolder(watch, meta, os.clock());
				const readings = beats !== undefined && beats.watch === watch ? beats.readings : undefined;
				const context = {
					me,
					now: os.time(),
					superseded: superseded(),
					shuttingDown: ServiceState.locked,
					earlySteal: meta !== undefined && earlyStealDue(watch, meta, readings),
				};
				const write = decideWrite(round, meta, context);
				if (write === "cancel") return false;
				applyWrite(
					payload.MetaData!,
					write,
					me,
					context.now,
					currentAdvert(transport.autoSavePeriod, adapter.IsMock, transport.inboxOnly()),
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
		followHeartbeat(watch);
		const meta = result.payload.MetaData!;
		if (isForceLoad(round)) deliverRequest(watch, meta);
		let step: LockStep = nextStep(round, meta, me);
		// Against a holder that relies on its inbox, a round counts as a step only once the request is in it.
		const inInbox = watch !== undefined && delivered === `${watch.job}#${watch.loadCount}`;
		if (step.kind === "retry" && round.mode === "wait" && !stepCounts(watch, inInbox))
			step = { kind: "retry", state: round, delay: 0 };
		if (step.kind === "adopt") {
			if (result.keyInfo !== undefined) return [result.payload, result.keyInfo, false, result.sentAt];
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
				const holder = meta.ActiveSession![1];
				const advert = () => currentAdvert(transport.autoSavePeriod, false);
				if (probeHolder(holder, meta.SessionLoadCount, transport.lookup, key, advert, wanted)) {
					const handed = readHandedLock(transport, key, me);
					// A load superseded while it waited never returns a profile: the newer load takes the lock.
					if (superseded()) return undefined;
					if (handed !== undefined) return handed;
				}
			}
			// A heartbeat judged stale meanwhile ends the wait: the next round may take the lock (the write queue
			// still spaces it by the write cooldown).
			const nextRound = roundStart + math.max(step.delay, roundSpacing(state, meta));
			task.wait();
			while (os.clock() < nextRound && !staleNow()) task.wait(0.1);
		}
	}
	if (asked && ServiceState.locked && !superseded()) freeHandedLock(transport, key, me);
	return undefined;
}

/**
 * Reads the key after the holder reported its release; returns it if the release handed the lock to us. A handed
 * lock that claims this server's heartbeat while that heartbeat is not being written is left to the next round's
 * UpdateAsync, which rewrites the lock with what this server can claim now: adopted from a read, the session would
 * start with a claim it cannot keep.
 */
function readHandedLock(transport: StoreTransport, key: string, me: SessionTag): LoadedLock | undefined {
	// With little Get budget left, the next UpdateAsync finds the lock ours just as well, one write cooldown later.
	if (transport.getAdapter().GetBudget("get") < Settings.HandOffReadBudget) return undefined;
	const result = transport.update(key, {}, true);
	if (result === undefined || result === false || result.keyInfo === undefined) return undefined;
	const meta = result.payload.MetaData;
	if (meta === undefined || !sameSession(meta.ActiveSession, me[0], me[1])) return undefined;
	if (readMarker(meta).heartbeat > 0 && !heartbeatHealthy()) return undefined;
	return [result.payload, result.keyInfo, true, result.sentAt - Settings.ReadCacheSeconds];
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
