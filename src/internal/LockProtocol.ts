/**
 * The session lock, as a state machine. A load runs in rounds: each round is one UpdateAsync whose transform asks
 * {@link decideWrite} what to write given what the key holds, then {@link nextStep} says, from what the write left
 * in the key, whether the profile is ours, or what to do next. Both are pure, so the whole protocol can be read and
 * tested without a DataStore. The protocol is the original ProfileService's, so mixed fleets agree on it.
 * @internal
 */
import { Settings } from "./Constants";
import { sameSession, type SessionTag, type StoredMetaData } from "./Payload";

/** Where a load stands. @internal */
export type LockState =
	/** A handler function decides what to do each time another server holds the lock. */
	| { readonly mode: "ask" }
	/** ForceLoad: the next write asks the holder to release, by setting ForceLoadSession. */
	| { readonly mode: "request" }
	/** ForceLoad: the request is written; each round that still finds the holder is one step towards a steal. */
	| { readonly mode: "wait"; readonly steps: number }
	/** ForceLoad steps ran out: the lock is taken if our request was not interrupted by another server's. */
	| { readonly mode: "steal" }
	/** "Steal": the lock is taken whoever holds it. */
	| { readonly mode: "takeover" };

/** What a round writes into the key's MetaData. @internal */
export type LockWrite =
	/** The lock becomes ours: ActiveSession = us, ForceLoadSession cleared. */
	| "take"
	/** ForceLoadSession = us: the holder releases at its next save. */
	| "request"
	/** The lock is left as it is (the round still writes, to learn what the key holds). */
	| "keep"
	/** Nothing is written at all. */
	| "cancel";

/** What the load does after a round. @internal */
export type LockStep =
	| { readonly kind: "adopt" }
	| { readonly kind: "retry"; readonly state: LockState; readonly delay: number }
	| { readonly kind: "ask"; readonly holder: SessionTag }
	/** Another server's ForceLoad replaced ours: it gets the profile, this load returns nothing. */
	| { readonly kind: "yield" }
	| { readonly kind: "cancel" };

/** The first state of a load for a notReleasedHandler. @internal */
export function initialLockState(handler: "ForceLoad" | "Steal" | "function"): LockState {
	if (handler === "ForceLoad") return { mode: "request" };
	if (handler === "Steal") return { mode: "takeover" };
	return { mode: "ask" };
}

/** Whether the state belongs to the ForceLoad protocol (the holder is asked to release). @internal */
export function isForceLoad(state: LockState): boolean {
	return state.mode === "request" || state.mode === "wait" || state.mode === "steal";
}

/** A lock not updated for AssumeDeadSessionLock seconds belongs to a dead server. @internal */
export function isDeadLock(meta: Pick<StoredMetaData, "LastUpdate">, now: number): boolean {
	return meta.LastUpdate !== undefined && now - meta.LastUpdate > Settings.AssumeDeadSessionLock;
}

/** What the transform's context is besides the key and the state. @internal */
export interface RoundContext {
	readonly me: SessionTag;
	/** os.time() */
	readonly now: number;
	/** A newer LoadProfileAsync of the same key started on this server: this load must never write again. */
	readonly superseded: boolean;
	/** The server is shutting down: no new lock is taken. */
	readonly shuttingDown: boolean;
	/** earlyStealDue() holds for what the key holds now. Default false. */
	readonly earlySteal?: boolean;
	/** stepStealHeld() holds for what the key holds now: the ForceLoad steps alone do not take it. Default false. */
	readonly holdSteal?: boolean;
}

/** What to write, given what the key's MetaData holds (undefined for a key with no profile yet). @internal */
export function decideWrite(
	state: LockState,
	meta: Pick<StoredMetaData, "ActiveSession" | "ForceLoadSession" | "LastUpdate"> | undefined,
	context: RoundContext,
): LockWrite {
	if (context.superseded || context.shuttingDown) return "cancel";
	if (meta === undefined) return "take";
	const active = meta.ActiveSession;
	if (active === undefined) return "take";
	if (!typeIs(active, "table")) return "keep";
	const [placeId, jobId] = context.me;
	if (sameSession(active, placeId, jobId)) return "take";
	if (isDeadLock(meta, context.now)) return "take";
	if (state.mode === "takeover") return "take";
	const ourRequest = sameSession(meta.ForceLoadSession, placeId, jobId);
	if (state.mode === "steal") return ourRequest && context.holdSteal !== true ? "take" : "keep";
	if (state.mode === "wait" && context.earlySteal === true) return ourRequest ? "take" : "keep";
	if (state.mode === "request") return "request";
	return "keep";
}

/** What a holder's lock advertises about it: its listener, its auto-save period and its heartbeat. @internal */
export interface Advert {
	/** The hand-off listener is verified (LockProtocol's "on" marker). */
	readonly listening: boolean;
	/** The store's AutoSavePeriod, seconds. */
	readonly period: number;
	/** The server's heartbeat is being written (Heartbeat.heartbeatHealthy). */
	readonly heartbeat: boolean;
}

const SILENT: Advert = { listening: false, period: Settings.AutoSaveSeconds, heartbeat: false };

/** Applies a decision to the MetaData about to be written. @internal */
export function applyWrite(meta: StoredMetaData, write: LockWrite, me: SessionTag, now: number, advert = SILENT) {
	if (write === "take") {
		meta.ActiveSession = me;
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
		meta.LastUpdate = now;
		meta.HandOff = listenerMarker(me, advert);
	} else if (write === "request") {
		meta.ForceLoadSession = me;
	}
}

/**
 * The marker a holder writes into its own lock. Without a verified listener: none, so every requester applies the
 * original protocol (and the original's tolerance), or "off" with a period that is not the default (never an early
 * takeover; the ForceLoad steps wait out the period, see stepStealHeld). With one: "on", the period when it is not
 * the default, and the heartbeat claim while the heartbeat is written (the period is then always written, so the
 * array has no hole).
 * @internal
 */
export function listenerMarker(me: SessionTag, advert: Advert): StoredMetaData["HandOff"] {
	// A holder that cannot hear still says that it saves only every `period`: the ForceLoad steps then wait for it.
	if (!advert.listening)
		return advert.period !== Settings.AutoSaveSeconds ? [me[1], "off", advert.period] : undefined;
	// "long" for a period longer than the default: servers of this library from before the period existed read "on"
	// as a holder that rewrites its lock every 30 s (their 40 s rule), and read "long" as no marker at all (the
	// original's steps, which the lock poll beats).
	const state = advert.period > Settings.AutoSaveSeconds ? "long" : "on";
	if (advert.heartbeat) return [me[1], state, advert.period, 1];
	return advert.period !== Settings.AutoSaveSeconds ? [me[1], state, advert.period] : [me[1], "on"];
}

/**
 * The period and heartbeat claim of the holder's "on" or "off" marker (only "on" may claim the heartbeat). No
 * marker, or one that is not the holder's own: the default period. A malformed period (not a number in range):
 * the longest period and no heartbeat, the cautious reading.
 * @internal
 */
export function readMarker(meta: Pick<StoredMetaData, "ActiveSession" | "HandOff">): {
	period: number;
	heartbeat: boolean;
} {
	const active = meta.ActiveSession;
	const marker = meta.HandOff;
	const own = typeIs(active, "table") && typeIs(marker, "table") && marker[0] === active[1];
	const known = own && (marker[1] === "on" || marker[1] === "long" || marker[1] === "off");
	if (!known) return { period: Settings.AutoSaveSeconds, heartbeat: false };
	const [, state, period, heartbeat] = marker;
	if (period === undefined) return { period: Settings.AutoSaveSeconds, heartbeat: false };
	if (!typeIs(period, "number") || period !== period || period < Settings.MinAutoSavePeriod) {
		return { period: Settings.MaxAutoSavePeriod, heartbeat: false };
	}
	return { period: math.min(period, Settings.MaxAutoSavePeriod), heartbeat: state !== "off" && heartbeat === 1 };
}

/**
 * Seconds without a write to its lock, by the DataStore's clock, after which a holder with this auto-save period
 * cannot be alive and able to write: it rewrites the lock every period.
 * @internal
 */
export function silentHolderStale(period: number): number {
	return period + Settings.SilentHolderMargin;
}

/** What to do after a round, given the MetaData the write left in the key. @internal */
export function nextStep(
	state: LockState,
	meta: Pick<StoredMetaData, "ActiveSession" | "ForceLoadSession">,
	me: SessionTag,
): LockStep {
	const active = meta.ActiveSession;
	if (sameSession(active, me[0], me[1])) return { kind: "adopt" };
	if (!typeIs(active, "table")) return { kind: "retry", state, delay: 0 };
	if (state.mode === "takeover") return { kind: "retry", state, delay: 0 };
	if (state.mode === "ask") return { kind: "ask", holder: active };
	if (!sameSession(meta.ForceLoadSession, me[0], me[1])) return { kind: "yield" };
	if (state.mode === "request") return { kind: "retry", state: { mode: "wait", steps: 0 }, delay: 0 };
	if (state.mode === "wait") {
		const steps = state.steps + 1;
		const following: LockState = steps >= Settings.ForceLoadMaxSteps ? { mode: "steal" } : { mode: "wait", steps };
		return { kind: "retry", state: following, delay: 0 };
	}
	return { kind: "retry", state, delay: 0 };
}

/** What a handler function's answer means. Errors on an answer it does not know. @internal */
export function answerStep(answer: unknown): LockStep {
	if (answer === "Repeat") return { kind: "retry", state: { mode: "ask" }, delay: Settings.RepeatDelay };
	if (answer === "Cancel") return { kind: "cancel" };
	if (answer === "ForceLoad") return { kind: "retry", state: { mode: "request" }, delay: 0 };
	if (answer === "Steal") return { kind: "retry", state: { mode: "takeover" }, delay: 0 };
	error(
		`[ProfileService] ProfileStore:LoadProfileAsync(): the notReleasedHandler returned ${tostring(answer)}; expected "Repeat", "Cancel", "ForceLoad" or "Steal"`,
		0,
	);
}

/**
 * What a lock says about its holder's hand-off listener: "on" when the holder runs this library and had verified
 * that its hand-off subscription receives messages when it last wrote the lock (marked "long" by a holder with a
 * longer auto-save period than the default, see listenerMarker); "handed" when the lock was handed
 * to a requester by the previous holder's release and the requester has not written it since. Undefined for every
 * other holder, original servers included: a marker left behind by an earlier holder names another job id.
 * @internal
 */
export function holderMarker(meta: Pick<StoredMetaData, "ActiveSession" | "HandOff">): "on" | "handed" | undefined {
	const active = meta.ActiveSession;
	const marker = meta.HandOff;
	if (!typeIs(active, "table") || !typeIs(marker, "table")) return undefined;
	if (marker[0] !== active[1]) return undefined;
	if (marker[1] === "long") return "on";
	return marker[1] === "on" || marker[1] === "handed" ? marker[1] : undefined;
}

/**
 * A requester's watch over one state of the holder's lock. `since` is a DataStore timestamp (Unix ms) no earlier
 * than the holder's last write of that state: the UpdatedTime of the newest version when the state was first seen.
 * Only the DataStore's clock and this server's own are ever compared; the holder's clock (LastUpdate) is used only
 * to notice that the holder wrote again.
 * @internal
 */
export interface HolderWatch {
	readonly job: string;
	readonly loadCount: number;
	readonly lastUpdate: number | undefined;
	readonly marker: "on" | "handed" | undefined;
	/** What the "on" marker advertises (readMarker). */
	readonly period: number;
	readonly heartbeat: boolean;
	readonly since: number;
}

type WatchedMeta = Pick<StoredMetaData, "ActiveSession" | "SessionLoadCount" | "LastUpdate" | "HandOff">;

/** Whether the lock is still in the state the watch started on (same holder session, no write by it since). */
function sameHolderState(watch: HolderWatch, meta: WatchedMeta): boolean {
	const active = meta.ActiveSession;
	return (
		typeIs(active, "table") &&
		active[1] === watch.job &&
		meta.SessionLoadCount === watch.loadCount &&
		meta.LastUpdate === watch.lastUpdate &&
		holderMarker(meta) === watch.marker &&
		readMarker(meta).period === watch.period &&
		readMarker(meta).heartbeat === watch.heartbeat
	);
}

/**
 * Continues the watch while the lock stays in the same state; starts a new one (from `newestWrite`, the newest
 * version's UpdatedTime) when the holder wrote, changed, or nothing was watched yet. Undefined for a free lock.
 * @internal
 */
export function watchHolder(
	watch: HolderWatch | undefined,
	meta: WatchedMeta,
	newestWrite: number | undefined,
): HolderWatch | undefined {
	const active = meta.ActiveSession;
	if (!typeIs(active, "table")) return undefined;
	if (watch !== undefined && sameHolderState(watch, meta)) return watch;
	if (newestWrite === undefined) return undefined;
	return {
		job: active[1],
		loadCount: meta.SessionLoadCount,
		lastUpdate: meta.LastUpdate,
		marker: holderMarker(meta),
		...readMarker(meta),
		since: newestWrite,
	};
}

/** How a probe of the holder ended (see HandOff.probeHolder). @internal */
export type ProbeResult = "released" | "alive" | "silent" | "unknown";

/**
 * Whether a ForceLoad may take the lock before its steps run out. Only when all of these hold:
 * - the holder's own lock says it runs this library with a verified hand-off listener (an original server, or one
 *   of ours whose subscription failed, never is: for those the original's steps are the only rule);
 * - every request this server sent it went unanswered while this server heard its own echoes ("silent"): a live
 *   listener would have answered;
 * - and either the holder's lock claims its heartbeat and this server read that heartbeat, unchanged, twice
 *   HeartbeatStale seconds apart by its own clock (`heartbeatStale`; a holder that cannot write its heartbeat
 *   withdraws the claim from its locks before then, see Heartbeat.ts), or, by the DataStore's clock (and this
 *   server's own since its last response), the holder has not written that state for silentHolderStale(its
 *   period): a live holder rewrites it at every auto-save; for a lock handed over and never written by its new
 *   holder, HandedClaimWindow (a live requester writes it as soon as its write cooldown allows).
 *
 * Never while the holder's heartbeat is fresh (`heartbeatFresh`): this server saw it advance within HeartbeatStale
 * seconds, so the holder is alive, whatever its lock and its messages say (a deaf holder whose auto-save failed,
 * with a long period, would otherwise look quiet by the DataStore's clock).
 * @internal
 */
export function earlyStealDue(
	watch: HolderWatch | undefined,
	meta: WatchedMeta,
	probe: ProbeResult | undefined,
	storeNow: number | undefined,
	heartbeatStale = false,
	heartbeatFresh = false,
): boolean {
	if (probe !== "silent" || watch === undefined) return false;
	if (!sameHolderState(watch, meta) || watch.marker === undefined) return false;
	if (watch.heartbeat && heartbeatFresh) return false;
	if (watch.marker === "on" && watch.heartbeat && heartbeatStale) return true;
	if (storeNow === undefined) return false;
	const quiet = watch.marker === "handed" ? Settings.HandedClaimWindow : silentHolderStale(watch.period);
	return storeNow - watch.since >= quiet * 1000;
}

/**
 * Whether the ForceLoad steps, run out, must still not take the lock: its holder said it auto-saves only every
 * `period` seconds, longer than the default the steps were made for, so it may be alive and not have seen our
 * request yet (it reads its locks every LockPollSeconds, which a failing DataStore may delay). The steal then
 * waits until earlyStealDue's evidence, or silentHolderStale(period) of DataStore quiet, says the holder is gone.
 *
 * Also held, whatever the period, while the holder's heartbeat is fresh: a holder seen alive that has not released
 * yet could not write (it releases at its next lock poll or on our request), and the original's steal would take
 * its unsaved progress. The requester waits for that release instead.
 * @internal
 */
export function stepStealHeld(
	watch: HolderWatch | undefined,
	meta: WatchedMeta,
	storeNow: number | undefined,
	heartbeatStale = false,
	heartbeatFresh = false,
): boolean {
	if (watch === undefined || !sameHolderState(watch, meta) || watch.marker === "handed") return false;
	if (watch.heartbeat && heartbeatFresh) return true;
	if (watch.period <= Settings.AutoSaveSeconds) return false;
	if (watch.heartbeat && heartbeatStale) return false;
	return storeNow === undefined || storeNow - watch.since < silentHolderStale(watch.period) * 1000;
}

/**
 * A requester's readings of one holder's heartbeat: the value it last read, when (its own os.clock()) it first
 * read that value, and when it last read it again. Only successful reads count; a failed read changes nothing.
 * @internal
 */
export interface HeartbeatWatch {
	readonly value: number | undefined;
	readonly firstSeen: number;
	readonly lastSeen: number;
	/** A read found a new counter after an earlier successful read: the holder wrote it meanwhile. */
	readonly advanced: boolean;
}

/** A heartbeat reading: the counter (undefined when the entry is absent or expired), or a failed request. @internal */
export type HeartbeatReading = { readonly ok: true; readonly value: number | undefined } | { readonly ok: false };

/** Folds one reading, made at this server's os.clock() `now`, into the watch. @internal */
export function observeHeartbeat(
	watch: HeartbeatWatch | undefined,
	reading: HeartbeatReading,
	now: number,
): HeartbeatWatch | undefined {
	if (!reading.ok) return watch;
	if (watch === undefined || watch.value !== reading.value) {
		// An entry that expired (undefined) is no sign of life.
		const advanced = watch !== undefined && reading.value !== undefined;
		return { value: reading.value, firstSeen: now, lastSeen: now, advanced };
	}
	return { value: watch.value, firstSeen: watch.firstSeen, lastSeen: now, advanced: watch.advanced };
}

/**
 * Whether the holder is alive by its heartbeat: this server saw the counter advance, at its own os.clock() `now`
 * less than HeartbeatStale seconds ago (the holder wrote it at or before that read).
 * @internal
 */
export function heartbeatFresh(watch: HeartbeatWatch | undefined, now: number): boolean {
	return watch !== undefined && watch.advanced && now - watch.firstSeen < Settings.HeartbeatStale;
}

/**
 * Whether the heartbeat stood still: two successful reads HeartbeatStale seconds apart by this server's clock
 * found the same value (an absent entry counts as a value: it expired, HeartbeatTtl after its last write). Never
 * from failed reads alone, nor from the holder's clock.
 * @internal
 */
export function heartbeatStale(watch: HeartbeatWatch | undefined): boolean {
	return watch !== undefined && watch.lastSeen - watch.firstSeen >= Settings.HeartbeatStale;
}

/**
 * Whether a holder must withdraw its heartbeat claim now: some lock of it claims the heartbeat, and its heartbeat
 * has not been written since `lastWrite` (os.clock() at the start of the last successful write; undefined: never)
 * for HeartbeatFence seconds.
 * @internal
 */
export function heartbeatFenceDue(claimed: boolean, lastWrite: number | undefined, now: number): boolean {
	return claimed && (lastWrite === undefined || now - lastWrite >= Settings.HeartbeatFence);
}

/**
 * Whether to ask the holder through MessagingService: once per load, for a ForceLoad against a live-looking lock
 * of another server. Asking an original server costs messages only; it never answers.
 * @internal
 */
export function shouldAskHolder(
	state: LockState,
	meta: Pick<StoredMetaData, "ActiveSession" | "LastUpdate">,
	me: SessionTag,
	asked: boolean,
	now: number,
): boolean {
	const active = meta.ActiveSession;
	if (asked || !isForceLoad(state) || !typeIs(active, "table") || active[1] === "") return false;
	return !sameSession(active, me[0], me[1]) && !isDeadLock(meta, now);
}

/**
 * Seconds from one ForceLoad round's start to the next's. Against a holder whose lock claims no listener (an
 * original server, or one of ours that cannot hear), the original's own spacing (its 7 s write cooldown), so that
 * its 8 steps give such a holder the same time to save and release as an original requester would; otherwise the
 * write queue's cooldown alone spaces the rounds.
 * @internal
 */
export function roundSpacing(state: LockState, meta: Pick<StoredMetaData, "ActiveSession" | "HandOff">): number {
	if (!isForceLoad(state) || !typeIs(meta.ActiveSession, "table")) return 0;
	return holderMarker(meta) === undefined ? Settings.OriginalStepSeconds : 0;
}

/** A requester's standing request for a key this server holds, as its messages told it. @internal */
export interface HandOffGrant {
	/** The requester's job id. */
	readonly job: string;
	/** The SessionLoadCount of the session the requester asked to end. */
	readonly loadCount: number;
	/** os.clock() when its last message (request or "still waiting") arrived. */
	heardAt: number;
	/** Whether the requester said its own hand-off listener works (it then gets the "handed" marker). */
	readonly listening: boolean;
}

/**
 * Whether a release hands the lock straight to the requester that ForceLoadSession names: only while that
 * requester is still waiting for it (a message within HandOffGrantFresh seconds, by this server's clock), for the
 * session it asked about. Otherwise the release frees the lock, as the original's does, and the requester takes it
 * with its own write.
 * @internal
 */
export function handOverTo(
	forceLoad: SessionTag | undefined,
	grant: HandOffGrant | undefined,
	loadCount: number,
	now: number,
): boolean {
	if (grant === undefined || !typeIs(forceLoad, "table")) return false;
	return (
		grant.job === forceLoad[1] && grant.loadCount === loadCount && now - grant.heardAt <= Settings.HandOffGrantFresh
	);
}
