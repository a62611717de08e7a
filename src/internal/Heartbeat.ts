/**
 * One heartbeat per server, not per profile: while this server holds or loads profiles it increments a counter in
 * the MemoryStore hash map Settings.HeartbeatMap under its JobId every HeartbeatInterval seconds, and its locks say
 * so (the heartbeat claim of the hand-off marker, LockProtocol.listenerMarker). A requester reads that counter on
 * its own clock: a counter that stood still for HeartbeatStale seconds, with a probe that went unanswered, means
 * the holder is gone (LockProtocol.earlyStealDue). So a long AutoSavePeriod keeps takeovers fast without a
 * DataStore write per profile.
 *
 * A counter that stands still must never mean "dead" for a live holder whose MemoryStore calls fail (an outage,
 * or this server cut off): such a holder would look exactly like a dead one. So a lock claims the heartbeat only
 * while the heartbeat is being written, and once it has not been written for HeartbeatFence seconds, well before
 * any requester could judge it stale, this server rewrites every lock that claims it, without the claim (the
 * fence). From then on requesters judge it by the DataStore's clock against its period, as without a heartbeat.
 * The fence repeats until each such lock's rewrite has landed.
 * @internal
 */
import { MemoryStoreService } from "@rbxts/services";
import { Settings } from "./Constants";
import { listenerVerified } from "./HandOff";
import { heartbeatFenceDue, type Advert, type HeartbeatReading } from "./LockProtocol";
import { ServiceState } from "./ServiceState";

/** Seconds between two checks of whether the fence is due. */
const FENCE_CHECK = 0.5;

function heartbeatMap() {
	return MemoryStoreService.GetHashMap(Settings.HeartbeatMap);
}

/** Whether this server's heartbeat was written within the last HeartbeatFence seconds. @internal */
export function heartbeatHealthy(): boolean {
	return !heartbeatFenceDue(true, ServiceState.heartbeat.lastWrite, os.clock());
}

/**
 * What this server's locks of a store with `period` advertise now: its listener when verified, and its heartbeat
 * only while both are working. Mock stores advertise nothing (no other server shares them).
 * @internal
 */
export function currentAdvert(period: number, mock: boolean): Advert {
	const listening = !mock && listenerVerified();
	return { listening, period, heartbeat: listening && heartbeatHealthy() };
}

function heartbeatNeeded() {
	return ServiceState.autoSave.size() > 0 || ServiceState.activeLoadJobs > 0 || ServiceState.releasing.size() > 0;
}

function beat() {
	const state = ServiceState.heartbeat;
	if (state.writing) return;
	state.writing = true;
	task.spawn(() => {
		for (let attempt = 0; attempt <= Settings.HeartbeatRetries; attempt++) {
			if (attempt > 0) task.wait((Settings.HeartbeatInterval / 4) * attempt);
			const started = os.clock();
			state.counter += 1;
			const counter = state.counter;
			const [ok] = pcall(() => heartbeatMap().SetAsync(ServiceState.jobId, counter, Settings.HeartbeatTtl));
			// The start of the call, not its end: the value may have landed any time in between, and a requester
			// may have read it from then on.
			if (ok) {
				state.lastWrite = started;
				break;
			}
		}
		state.writing = false;
	});
}

/** Rewrites, without the heartbeat claim, every lock of this server that may still claim it. */
function fence() {
	const now = os.clock();
	for (const profile of ServiceState.autoSave) {
		if (!heartbeatFenceDue(profile.heartbeatClaim === true, ServiceState.heartbeat.lastWrite, now)) continue;
		const last = profile.fencedAt;
		if (last !== undefined && now - last < Settings.WriteCooldown) continue;
		profile.fencedAt = now;
		profile.host.spawnSave(profile, false);
	}
}

/** Starts this server's heartbeat (and its fence) if it is not running. @internal */
export function ensureHeartbeat() {
	const state = ServiceState.heartbeat;
	if (state.running || ServiceState.jobId === "") return;
	state.running = true;
	task.spawn(() => {
		let lastBeat: number | undefined;
		while (heartbeatNeeded()) {
			if (lastBeat === undefined || os.clock() - lastBeat >= Settings.HeartbeatInterval) {
				lastBeat = os.clock();
				beat();
			}
			fence();
			task.wait(FENCE_CHECK);
		}
		state.running = false;
	});
}

/** Reads a holder's heartbeat counter (one MemoryStore request). @internal */
export function readHeartbeat(jobId: string): HeartbeatReading {
	const [ok, value] = pcall(() => heartbeatMap().GetAsync(jobId));
	if (!ok) return { ok: false };
	return { ok: true, value: typeIs(value, "number") ? value : undefined };
}
