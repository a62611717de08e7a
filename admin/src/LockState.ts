/**
 * What a profile's session lock says, read from outside the game. This is the one place the tool reads the lock,
 * and it relies only on the rules of the protocol that do not change (the library's src/internal/LockProtocol.ts):
 *
 * - ActiveSession absent: the profile is released; no server holds it.
 * - ActiveSession present: a server (placeId, jobId) holds it. Its LastUpdate is the holder's os.time() at its
 *   last write of the lock. A lock not written for 30 minutes (AssumeDeadSessionLock) is dead: every server,
 *   this library's and the original's, takes it at once. That is the only rule by which this tool calls a lock
 *   dead; an ActiveSession that is not a [placeId, jobId] pair names no server at all and is dead too.
 * - The heartbeat that proves a holder alive sooner lives in the MemoryStore hash map ProfileService_Heartbeat.
 *   Open Cloud's memory store API has sorted maps and queues but no hash maps
 *   (https://create.roblox.com/docs/cloud/reference/features/storage), so its state is "unknown" here and never
 *   used to call a lock dead.
 * - ForceLoadSession: another server asked the holder to release (ForceLoad); it is pending until the holder
 *   releases or the requester steals.
 *
 * The hand-off marker (MetaData.HandOff) is shown for information only: its details are the library's and may
 * change; no decision here depends on it.
 */
import { sessionTag, type SessionTag, type StoredMetaData } from "./ProfileValue.js";

/** The protocol's AssumeDeadSessionLock, seconds. */
export const DEAD_LOCK_SECONDS = 30 * 60;

export const HEARTBEAT_MAP = "ProfileService_Heartbeat";

export type Lock =
	| { state: "released"; forceLoad?: SessionTag }
	| {
			state: "held";
			holder: SessionTag;
			sessionLoadCount?: number;
			/** Unix seconds of the holder's last write of the lock (its own clock); undefined when it wrote none. */
			lastUpdate?: number;
			/** Seconds since lastUpdate by this machine's clock. */
			age?: number;
			/** When the 30-minute rule makes it dead, unix seconds. */
			deadAt?: number;
			forceLoad?: SessionTag;
			/** The holder's marker says it writes a heartbeat (informational). */
			heartbeatClaimed: boolean;
	  }
	| {
			state: "dead";
			rule: "thirty-minutes" | "malformed";
			/** Why, in words, naming the rule. */
			because: string;
			holder?: SessionTag;
			lastUpdate?: number;
			age?: number;
			forceLoad?: SessionTag;
	  };

/** Reads the lock at `nowSeconds` (this machine's unix time). */
export function readLock(meta: StoredMetaData, nowSeconds: number): Lock {
	const active = meta.ActiveSession;
	const forceLoad = sessionTag(meta.ForceLoadSession);
	if (active === undefined || active === null) return { state: "released", forceLoad };
	const holder = sessionTag(active);
	if (holder === undefined) {
		return {
			state: "dead",
			rule: "malformed",
			because: `MetaData.ActiveSession is ${JSON.stringify(active)}, not a [placeId, jobId] pair: it names no server`,
			forceLoad,
		};
	}
	const lastUpdate = typeof meta.LastUpdate === "number" ? meta.LastUpdate : undefined;
	const age = lastUpdate !== undefined ? nowSeconds - lastUpdate : undefined;
	if (lastUpdate !== undefined && age! > DEAD_LOCK_SECONDS) {
		return {
			state: "dead",
			rule: "thirty-minutes",
			because:
				`its holder last wrote it ${duration(age!)} ago (LastUpdate ${isoSeconds(lastUpdate)}), more than the ` +
				"30 minutes after which every ProfileService server takes a lock over (AssumeDeadSessionLock)",
			holder,
			lastUpdate,
			age,
			forceLoad,
		};
	}
	const marker = meta.HandOff;
	const heartbeatClaimed = Array.isArray(marker) && marker[0] === holder[1] && marker[3] === 1;
	return {
		state: "held",
		holder,
		sessionLoadCount: typeof meta.SessionLoadCount === "number" ? meta.SessionLoadCount : undefined,
		lastUpdate,
		age,
		deadAt: lastUpdate !== undefined ? lastUpdate + DEAD_LOCK_SECONDS : undefined,
		forceLoad,
		heartbeatClaimed,
	};
}

/** The lock in words, one line each. */
export function describeLock(lock: Lock): string[] {
	const lines: string[] = [];
	const forceLoad = lock.forceLoad;
	if (lock.state === "released") {
		lines.push("released: no server holds this profile");
	} else if (lock.state === "dead") {
		const who = lock.holder !== undefined ? ` (job ${lock.holder[1]}, place ${lock.holder[0]})` : "";
		lines.push(`dead${who}: ${lock.because}`);
	} else {
		const session = lock.sessionLoadCount !== undefined ? `, session ${lock.sessionLoadCount}` : "";
		lines.push(`held by job ${lock.holder[1]} (place ${lock.holder[0]}${session})`);
		if (lock.lastUpdate === undefined) {
			lines.push("the holder wrote no LastUpdate: the 30-minute rule cannot apply to this lock");
		} else {
			const ahead =
				lock.age! < 0 ? ` (the holder's clock is ${duration(-lock.age!)} ahead of this machine's)` : "";
			lines.push(
				`last written by its holder ${lock.age! < 0 ? "just now" : `${duration(lock.age!)} ago`}${ahead}; ` +
					`dead by the 30-minute rule from ${isoSeconds(lock.deadAt!)} if it is not written again`,
			);
		}
		const claim = lock.heartbeatClaimed ? "the holder says it writes one; " : "";
		lines.push(
			`heartbeat: unknown (${claim}it lives in the MemoryStore hash map ${HEARTBEAT_MAP}, which Open Cloud cannot read)`,
		);
	}
	if (forceLoad !== undefined) {
		lines.push(`pending ForceLoad: job ${forceLoad[1]} (place ${forceLoad[0]}) asked the holder to release`);
	}
	return lines;
}

/** "42 s", "7 min", "3 h 5 min", "2 days". */
export function duration(seconds: number): string {
	const s = Math.round(seconds);
	if (s < 120) return `${s} s`;
	if (s < 3600) return `${Math.round(s / 60)} min`;
	if (s < 2 * 86400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
	return `${Math.round(s / 86400)} days`;
}

export function isoSeconds(unixSeconds: number): string {
	return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}
