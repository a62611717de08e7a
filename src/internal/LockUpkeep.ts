/**
 * The lock upkeep: one thread per server, while it holds or loads profiles, that writes its heartbeat and keeps
 * each session's lock within every rule another server may apply to it, whatever the session's period and
 * whatever its Data:
 * - the heartbeat (Heartbeat.ts), and its fence: a lock that may claim a heartbeat not written for HeartbeatFence
 *   seconds is rewritten without the claim; a session whose lock may still claim it after HeartbeatSelfEnd ends;
 * - the lock's confirmation: a lock not seen this session's for LockConfirmSeconds (no save landed) is read, which
 *   is how a ForceLoad written by a server that sends no message (the original) is seen, and answered, in time;
 * - its lease: a session whose lock was not confirmed for LockLease seconds, or not written for LockWriteLapse,
 *   ends, before the ForceLoad steps or the 30-minute rule could let another server take it.
 * - a global update the game locked is saved soon, not a long period later.
 * A session that ends here ends as a release does: its listeners run at once, and its release keeps trying to
 * reach the DataStore with the Data it had, until it lands or another server has taken the lock.
 *
 * Mock stores are left alone: no other server shares them.
 * @internal
 */
import { Settings } from "./Constants";
import { beat } from "./Heartbeat";
import { heartbeatFenceDue, heartbeatSelfEndDue, lockUpkeep } from "./LockProtocol";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState } from "./ServiceState";

/** Seconds between two rounds of checks. */
const CHECK_EVERY = 0.5;

function upkeepNeeded() {
	return ServiceState.autoSave.size() > 0 || ServiceState.activeLoadJobs > 0 || ServiceState.releasing.size() > 0;
}

/**
 * Ends a session whose lock this server can no longer vouch for: reported as an issue (warning, IssueSignal), then
 * released. `why` says which rule.
 */
function endSession(profile: ProfileInternals, why: string) {
	const message = `Session ended: ${why}; the release keeps trying to save the Data`;
	warn(`[ProfileService]: ${message} ${profile.Identify()}`);
	ServiceState.issues.record();
	ServiceState.issueSignal.Fire(message, profile.host.name, profile.key);
	profile.host.spawnSave(profile, true);
}

/** One round of checks over every session of this server. */
function check() {
	const now = os.clock();
	const heartbeatWrite = ServiceState.heartbeat.lastWrite;
	for (const profile of [...ServiceState.autoSave]) {
		const lock = profile.lock;
		if (lock === undefined || profile.host.isMockStore()) continue;
		if (heartbeatSelfEndDue(lock.claim, heartbeatWrite, now)) {
			endSession(
				profile,
				`the lock claims this server's heartbeat, which has not been written for ${Settings.HeartbeatSelfEnd} s, and its fence has not landed`,
			);
			continue;
		}
		const upkeep = lockUpkeep(lock.confirmedAt, lock.writtenAt, lock.confirming === true, now);
		if (upkeep === "end") {
			endSession(
				profile,
				now - lock.confirmedAt >= Settings.LockLease
					? `the lock could not be confirmed for ${Settings.LockLease} s (every save and read of it failed or waited for budget), and another server's ForceLoad could take it from 63 s`
					: `the lock could not be written for ${Settings.LockWriteLapse} s, and the 30-minute rule could soon let another server take it`,
			);
			continue;
		}
		if (heartbeatFenceDue(lock.claim, heartbeatWrite, now)) {
			if (lock.fencedAt === undefined || now - lock.fencedAt >= Settings.WriteCooldown) {
				lock.fencedAt = now;
				profile.host.spawnSave(profile, false);
			}
		}
		// A global update the game locked waits for a save to be delivered as locked: with a long period, that save
		// is sent now (one write cooldown apart) instead of a period later.
		const locks = profile.ownUpdates.pendingLock;
		if (
			locks !== undefined &&
			locks.size() > 0 &&
			profile.host.autoSavePeriod > Settings.AutoSaveSeconds &&
			(lock.lockedSaveAt === undefined || now - lock.lockedSaveAt >= Settings.WriteCooldown)
		) {
			lock.lockedSaveAt = now;
			profile.host.spawnSave(profile, false);
		}
		if (upkeep === "confirm") {
			lock.confirming = true;
			task.spawn(() => {
				profile.host.confirmLock(profile);
				lock.confirming = undefined;
			});
		}
	}
}

/** Starts this server's lock upkeep (and its heartbeat) if it is not running. @internal */
export function ensureLockUpkeep() {
	const state = ServiceState.heartbeat;
	if (state.running || ServiceState.jobId === "") return;
	state.running = true;
	task.spawn(() => {
		let lastBeat: number | undefined;
		while (upkeepNeeded()) {
			if (lastBeat === undefined || os.clock() - lastBeat >= Settings.HeartbeatInterval) {
				lastBeat = os.clock();
				beat();
			}
			check();
			task.wait(CHECK_EVERY);
		}
		state.running = false;
	});
}
