/**
 * One heartbeat per server, not per profile: while this server holds or loads profiles it writes a counter in the
 * MemoryStore hash map Settings.HeartbeatMap under its JobId every HeartbeatInterval seconds, and its locks claim
 * it (the counter in the lock marker, LockProtocol.lockMarker). A requester reads that counter on its own clock:
 * a counter that stood still for HeartbeatStale seconds under a standing claim means the holder is gone
 * (LockProtocol.earlyStealDue). So a long AutoSavePeriod keeps takeovers fast without a DataStore write per
 * profile, and the claim speaks for every holder that writes it, whatever its listener or its period.
 *
 * A counter that stands still must never mean "dead" for a live holder whose MemoryStore calls fail (an outage,
 * or this server cut off): such a holder would look exactly like a dead one. So a lock claims the heartbeat only
 * while the heartbeat is being written; once it has not been written for HeartbeatFence seconds, this server
 * rewrites every lock that claims it, without the claim (the fence, LockUpkeep.ts), and a session whose lock may
 * still claim it after HeartbeatSelfEnd seconds ends before any requester can judge it stale.
 * @internal
 */
import { MemoryStoreService } from "@rbxts/services";
import { Settings } from "./Constants";
import { listenerVerified } from "./HandOff";
import { entryOf, receiveInbox, unanswered, type InboxItem } from "./Inbox";
import { heartbeatFenceDue, type Advert, type HeartbeatReading } from "./LockProtocol";
import { ServiceState } from "./ServiceState";

function heartbeatMap() {
	return MemoryStoreService.GetHashMap(Settings.HeartbeatMap);
}

/** Whether this server's heartbeat was written within the last HeartbeatFence seconds. @internal */
export function heartbeatHealthy(): boolean {
	return !heartbeatFenceDue(true, ServiceState.heartbeat.lastWrite, os.clock());
}

/** This server's heartbeat counter while its heartbeat is written, else 0: what a lock written now claims. @internal */
export function heartbeatClaim(): number {
	return heartbeatHealthy() ? ServiceState.heartbeat.counter : 0;
}

/**
 * What this server's locks of a store with `period` advertise now: its listener when verified, its heartbeat
 * while it is written, and, for a store whose holders rely on their inbox (`inbox`, StoreCore.inboxOnly), that
 * they do. Mock stores advertise nothing (no other server shares them).
 * @internal
 */
export function currentAdvert(period: number, mock: boolean, inbox = false): Advert {
	if (mock) return { listening: false, period, heartbeat: 0 };
	const heartbeat = heartbeatClaim();
	return { listening: listenerVerified(), period, heartbeat, inbox: inbox && heartbeat > 0 };
}

/**
 * Writes the next counter (with HeartbeatRetries quick retries) unless a write is under way. The write is an
 * UpdateAsync of this server's entry, which reads its inbox in the same request: the items are answered, and
 * removed by the next heartbeat. A heartbeat that came back successful also confirms every lock of this server
 * that relies on the inbox (LockRecord.inboxSure): a request written into the inbox before it was sent would have
 * been read.
 * @internal
 */
export function beat() {
	const state = ServiceState.heartbeat;
	if (state.writing) return;
	state.writing = true;
	task.spawn(() => {
		for (let attempt = 0; attempt <= Settings.HeartbeatRetries; attempt++) {
			if (attempt > 0) task.wait((Settings.HeartbeatInterval / 4) * attempt);
			const started = os.clock();
			state.counter += 1;
			const counter = state.counter;
			let read: InboxItem[] | undefined;
			const [ok] = pcall(() =>
				heartbeatMap().UpdateAsync(
					ServiceState.jobId,
					(old: unknown) => {
						read = entryOf(old).q;
						return { c: counter, q: unanswered(read) };
					},
					Settings.HeartbeatTtl,
				),
			);
			receiveInbox(read, ok ? started : undefined);
			// The start of the call, not its end: the value may have landed any time in between, and a requester
			// may have read it from then on. Counted only once the call came back, so a write that lands late never
			// extends the time this server believes it has.
			if (ok) {
				state.lastWrite = math.max(state.lastWrite ?? started, started);
				for (const profile of ServiceState.autoSave) {
					const lock = profile.lock;
					if (lock?.inboxSure === true) lock.confirmedAt = math.max(lock.confirmedAt, started);
				}
				break;
			}
		}
		state.writing = false;
	});
}

/** Reads a holder's heartbeat counter (one MemoryStore request). @internal */
export function readHeartbeat(jobId: string): HeartbeatReading {
	const [ok, value] = pcall(() => heartbeatMap().GetAsync(jobId));
	if (!ok) return { ok: false };
	const counter = entryOf(value).c;
	return { ok: true, value: typeIs(counter, "number") ? counter : undefined };
}
