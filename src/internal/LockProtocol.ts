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
	if (state.mode === "steal") return ourRequest ? "take" : "keep";
	if (state.mode === "wait" && context.earlySteal === true) return ourRequest ? "take" : "keep";
	if (state.mode === "request") return "request";
	return "keep";
}

/** What a holder's lock says about it. @internal */
export interface Advert {
	/** The hand-off listener is verified (it heard this server's own message recently). */
	readonly listening: boolean;
	/** The store's AutoSavePeriod, seconds. */
	readonly period: number;
	/**
	 * The server's heartbeat counter while the heartbeat is being written (Heartbeat.heartbeatHealthy), 0 when it
	 * is not: a lock written with a counter claims the heartbeat.
	 */
	readonly heartbeat: number;
	/**
	 * The holder reads no lock between its saves and relies on its heartbeat's inbox instead (a store with
	 * MixedFleet false): only with a heartbeat claim, whose entry the inbox is.
	 */
	readonly inbox?: boolean;
}

const SILENT: Advert = { listening: false, period: Settings.AutoSaveSeconds, heartbeat: 0 };

/** Applies a decision to the MetaData about to be written. @internal */
export function applyWrite(meta: StoredMetaData, write: LockWrite, me: SessionTag, now: number, advert = SILENT) {
	if (write === "take") {
		meta.ActiveSession = me;
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
		meta.LastUpdate = now;
		meta.HandOff = lockMarker(me, advert);
	} else if (write === "request") {
		meta.ForceLoadSession = me;
	}
}

/**
 * The marker a holder of this library writes into its own lock, `[jobId, "on" | "off", period, heartbeat?,
 * "i"?]`: whether its hand-off listener is verified, its auto-save period (for tools and logs: no rule reads it),
 * the heartbeat counter while its heartbeat is written, which claims it, and "i" when it relies on that heartbeat's
 * inbox (a requester then counts its ForceLoad steps only once its request is in the inbox). The counter changes
 * with every heartbeat, so a lock rewritten with a claim never looks like an earlier state of itself (see
 * watchHolder). The original ignores the field and keeps it as it is.
 * @internal
 */
export function lockMarker(me: SessionTag, advert: Advert): NonNullable<StoredMetaData["HandOff"]> {
	const state = advert.listening ? "on" : "off";
	if (advert.heartbeat <= 0) return [me[1], state, advert.period];
	return advert.inbox === true
		? [me[1], state, advert.period, advert.heartbeat, "i"]
		: [me[1], state, advert.period, advert.heartbeat];
}

/**
 * The marker a release writes when it hands the lock to the requester: `[requester, "handed", period,
 * heartbeat?]`, with the requester's own heartbeat claim as its request message gave it.
 * @internal
 */
export function handedMarker(grant: HandOffGrant): NonNullable<StoredMetaData["HandOff"]> {
	return grant.heartbeat > 0
		? [grant.job, "handed", grant.period, grant.heartbeat]
		: [grant.job, "handed", grant.period];
}

/** What a lock's marker says, read with readMarker. @internal */
export interface MarkerReading {
	/** The marker is the holder's own (it names the holder's job): the holder runs this library. */
	readonly own: boolean;
	/** The heartbeat counter the lock claims, or 0 when it claims none. */
	readonly heartbeat: number;
	/** The holder relies on its heartbeat's inbox (only with a claim). */
	readonly inbox: boolean;
}

const NO_MARKER: MarkerReading = { own: false, heartbeat: 0, inbox: false };

/**
 * Reads the holder's marker. A marker that names another job than the holder's is an earlier holder's, left
 * behind, and says nothing. A claim is a positive whole counter; anything else claims nothing.
 * @internal
 */
export function readMarker(meta: Pick<StoredMetaData, "ActiveSession" | "HandOff">): MarkerReading {
	const active = meta.ActiveSession;
	const marker = meta.HandOff as unknown;
	if (!typeIs(active, "table") || !typeIs(marker, "table")) return NO_MARKER;
	const [job, , , counter, inbox] = marker as unknown[];
	if (job !== active[1]) return NO_MARKER;
	const claims = typeIs(counter, "number") && counter > 0 && counter === math.floor(counter);
	return { own: true, heartbeat: claims ? counter : 0, inbox: claims && inbox === "i" };
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
 * A requester's watch over one state of the holder's lock, from the round that first saw it. `since` is this
 * server's os.clock() when that round's response arrived: the lock has held that state at least from then on, as
 * long as later rounds find it unchanged (a holder's every write changes LastUpdate or its marker's counter, so a
 * state never comes back once left).
 * @internal
 */
export interface HolderWatch {
	readonly job: string;
	readonly loadCount: number;
	readonly lastUpdate: number | undefined;
	/** The marker's heartbeat claim (0: none). */
	readonly heartbeat: number;
	/** Whether the marker is the holder's own. */
	readonly own: boolean;
	/** Whether the holder relies on its inbox (readMarker). */
	readonly inbox: boolean;
	readonly since: number;
}

type WatchedMeta = Pick<StoredMetaData, "ActiveSession" | "SessionLoadCount" | "LastUpdate" | "HandOff">;

/** Whether the lock is still in the state the watch started on (same holder session, no write by it since). */
function sameHolderState(watch: HolderWatch, meta: WatchedMeta): boolean {
	const active = meta.ActiveSession;
	if (!typeIs(active, "table") || active[1] !== watch.job) return false;
	const marker = readMarker(meta);
	return (
		meta.SessionLoadCount === watch.loadCount &&
		meta.LastUpdate === watch.lastUpdate &&
		marker.heartbeat === watch.heartbeat &&
		marker.own === watch.own &&
		marker.inbox === watch.inbox
	);
}

/**
 * Continues the watch while the lock stays in the same state; starts a new one at `now` (os.clock() of the
 * response that showed it) when the holder wrote, changed, or nothing was watched yet. Undefined for a free lock.
 * @internal
 */
export function watchHolder(watch: HolderWatch | undefined, meta: WatchedMeta, now: number): HolderWatch | undefined {
	const active = meta.ActiveSession;
	if (!typeIs(active, "table")) return undefined;
	if (watch !== undefined && sameHolderState(watch, meta)) return watch;
	const marker = readMarker(meta);
	return {
		job: active[1],
		loadCount: meta.SessionLoadCount,
		lastUpdate: meta.LastUpdate,
		heartbeat: marker.heartbeat,
		own: marker.own,
		inbox: marker.inbox,
		since: now,
	};
}

/**
 * Whether a ForceLoad round that finds the holder still there counts as one of the 8 steps. Against a holder that
 * relies on its inbox (it reads no lock between its saves), only once this load's request is in that inbox
 * (`delivered`): the holder sees it there within a second, or ends its session before anyone can take the lock
 * (its inbox reads are its lock's confirmation, see lockUpkeep). Against every other holder, always.
 * @internal
 */
export function stepCounts(watch: HolderWatch | undefined, delivered: boolean): boolean {
	return watch === undefined || !watch.inbox || delivered;
}

/**
 * Whether a ForceLoad may take the lock before its steps run out: the lock claims its holder's heartbeat, has held
 * that same state since the watch began, and this server read that heartbeat unchanged, twice HeartbeatStale
 * seconds apart by its own clock, both readings within the watch. A holder keeps a claim only while it writes its
 * heartbeat, and withdraws it or ends its session before anyone can judge it stale (Heartbeat.ts); so a heartbeat
 * that stood still that long under a standing claim means the holder is gone, whatever its period or its messages.
 * @internal
 */
export function earlyStealDue(
	watch: HolderWatch | undefined,
	meta: WatchedMeta,
	beats: HeartbeatWatch | undefined,
): boolean {
	return watch !== undefined && sameHolderState(watch, meta) && claimedHeartbeatStale(watch, beats);
}

/**
 * The heartbeat half of earlyStealDue, for the watch as last seen: it claims a heartbeat, and readings taken
 * within the watch found it standing still for HeartbeatStale seconds.
 * @internal
 */
export function claimedHeartbeatStale(watch: HolderWatch | undefined, beats: HeartbeatWatch | undefined): boolean {
	if (watch === undefined || watch.heartbeat === 0 || beats === undefined) return false;
	return beats.firstSeen >= watch.since && heartbeatStale(beats);
}

/**
 * A requester's readings of one holder's heartbeat: the value it last read, when (its own os.clock()) the first
 * read of that value came back, and when the latest read of it was sent. Only successful reads count; a failed
 * read changes nothing.
 * @internal
 */
export interface HeartbeatWatch {
	readonly value: number | undefined;
	readonly firstSeen: number;
	readonly lastSeen: number;
}

/** A heartbeat reading: the counter (undefined when the entry is absent or expired), or a failed request. @internal */
export type HeartbeatReading = { readonly ok: true; readonly value: number | undefined } | { readonly ok: false };

/**
 * Folds one reading into the watch: `sentAt` and `receivedAt` are this server's os.clock() when the request was
 * sent and when its answer came. The value was current at some moment in between, so a span of readings is only
 * counted from the first answer to the last request: never longer than the holder was really silent.
 * @internal
 */
export function observeHeartbeat(
	watch: HeartbeatWatch | undefined,
	reading: HeartbeatReading,
	sentAt: number,
	receivedAt: number,
): HeartbeatWatch | undefined {
	if (!reading.ok) return watch;
	if (watch === undefined || watch.value !== reading.value) {
		return { value: reading.value, firstSeen: receivedAt, lastSeen: receivedAt };
	}
	return { value: watch.value, firstSeen: watch.firstSeen, lastSeen: math.max(watch.lastSeen, sentAt) };
}

/**
 * Whether the heartbeat stood still: successful reads at least HeartbeatStale seconds apart by this server's clock
 * found the same value (an absent entry counts as a value: it expired, HeartbeatTtl after its last write). Never
 * from failed reads, nor from the holder's clock.
 * @internal
 */
export function heartbeatStale(watch: HeartbeatWatch | undefined): boolean {
	return watch !== undefined && watch.lastSeen - watch.firstSeen >= Settings.HeartbeatStale;
}

/**
 * Whether a holder must withdraw its heartbeat claim now: some lock of it may claim the heartbeat, and the
 * heartbeat has not been written since `lastWrite` (os.clock() at the start of the last write that came back
 * successful; undefined: never) for HeartbeatFence seconds.
 * @internal
 */
export function heartbeatFenceDue(claimed: boolean, lastWrite: number | undefined, now: number): boolean {
	return claimed && (lastWrite === undefined || now - lastWrite >= Settings.HeartbeatFence);
}

/**
 * Whether a holder must end a session whose lock may still claim the heartbeat: it has not been written for
 * HeartbeatSelfEnd seconds, and the fence has not landed. The counter's last write began at `lastWrite` at the
 * earliest, so no requester can have seen it stand still for HeartbeatStale seconds yet.
 * @internal
 */
export function heartbeatSelfEndDue(claimed: boolean, lastWrite: number | undefined, now: number): boolean {
	return claimed && (lastWrite === undefined || now - lastWrite >= Settings.HeartbeatSelfEnd);
}

/**
 * What a holder's lock upkeep does now for one session, given `confirmedAt` (os.clock() from which its lock was
 * last seen its own: the sending of a save that landed, or of a read, less the read cache), `writtenAt` (the
 * sending of the last save that landed) and whether a save or read of it is under way:
 * - "end": the lock may be taken by now or soon, by the ForceLoad steps (not confirmed for LockLease) or by the
 *   original's 30-minute rule (not written for LockWriteLapse): the session ends before anyone can take it;
 * - "confirm": not confirmed for LockConfirmSeconds and nothing under way: read the lock;
 * - "none".
 * @internal
 */
export function lockUpkeep(
	confirmedAt: number,
	writtenAt: number,
	busy: boolean,
	now: number,
): "end" | "confirm" | "none" {
	if (now - confirmedAt >= Settings.LockLease || now - writtenAt >= Settings.LockWriteLapse) return "end";
	if (!busy && now - confirmedAt >= Settings.LockConfirmSeconds) return "confirm";
	return "none";
}

/** Seconds before the `failures`th consecutive failed auto-save is sent again. @internal */
export function autoSaveRetryDelay(failures: number): number {
	return math.min(Settings.AutoSaveRetry * 2 ** math.max(0, failures - 1), Settings.AutoSaveRetryMax);
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
 * Seconds from one ForceLoad round's start to the next's: the original's own spacing (its 7 s write cooldown),
 * against every holder, so that the 8 steps take as long as the original's and every holder has the original's
 * time to save and release (a holder of this library confirms its lock well within it, see lockUpkeep).
 * @internal
 */
export function roundSpacing(state: LockState, meta: Pick<StoredMetaData, "ActiveSession">): number {
	return isForceLoad(state) && typeIs(meta.ActiveSession, "table") ? Settings.OriginalStepSeconds : 0;
}

/** A requester's standing request for a key this server holds, as its messages told it. @internal */
export interface HandOffGrant {
	/** The requester's job id. */
	readonly job: string;
	/** The SessionLoadCount of the session the requester asked to end. */
	readonly loadCount: number;
	/** os.clock() when its last message (request or "still waiting") arrived. */
	heardAt: number;
	/** The requester's own heartbeat counter when it asked (0: not written), claimed in the handed lock. */
	readonly heartbeat: number;
	/** The requester's store's AutoSavePeriod, for the handed lock's marker. */
	readonly period: number;
}

/**
 * Whether a release hands the lock straight to the requester that ForceLoadSession names: only while that
 * requester is still waiting for it (a message within HandOffGrantFresh seconds, by this server's clock; it says
 * so every HandOffWaitPing), for the session it asked about. Otherwise the release frees the lock, as the
 * original's does: a requester that crashed or gave up is never handed a lock that the next server would have to
 * wait out, and a live one takes the free lock with its own write.
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
