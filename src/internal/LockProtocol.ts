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
	if (state.mode === "steal") return sameSession(meta.ForceLoadSession, placeId, jobId) ? "take" : "keep";
	if (state.mode === "request") return "request";
	return "keep";
}

/** Applies a decision to the MetaData about to be written. @internal */
export function applyWrite(meta: StoredMetaData, write: LockWrite, me: SessionTag, now: number) {
	if (write === "take") {
		meta.ActiveSession = me;
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
		meta.LastUpdate = now;
	} else if (write === "request") {
		meta.ForceLoadSession = me;
	}
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

/** What the loader learned from probing the holder: it went silent while its lock read `lastUpdate`. @internal */
export interface SilentHolder {
	readonly jobId: string;
	readonly lastUpdate: number | undefined;
}

/**
 * After a probe found the holder silent: steals at the next round once its lock is SilentHolderStale seconds old,
 * if the lock is still that holder's and it has not saved since (a save proves it alive, and keeps the steps).
 * @internal
 */
export function afterSilence(
	state: LockState,
	silent: SilentHolder,
	holderJobId: string,
	lastUpdate: number | undefined,
	now: number,
): LockState {
	if (state.mode !== "wait" || holderJobId !== silent.jobId || lastUpdate !== silent.lastUpdate) return state;
	if (lastUpdate === undefined || now - lastUpdate < Settings.SilentHolderStale) return state;
	return { mode: "steal" };
}
