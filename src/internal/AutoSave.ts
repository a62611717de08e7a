import type { ProfileInternals } from "./ProfileHost";
import { ServiceState } from "./ServiceState";

/*
 * The auto-save rotations: one per AutoSavePeriod in use on this server, so that stores with different periods
 * share a server; each saves its profiles once per its period, the saves spread evenly over that period. A thread
 * per rotation that sleeps between turns replaces the original's per-frame Heartbeat check, so an idle server
 * costs nothing. Freshly loaded profiles wait a full period before their first auto-save. Between auto-saves, the
 * lock upkeep (LockUpkeep.ts) confirms each lock that no save confirmed recently enough.
 * ServiceState.autoSave keeps every profile of every rotation.
 */

function rotation(period: number) {
	let found = ServiceState.rotations.get(period);
	if (found === undefined) {
		found = { list: [], running: false };
		ServiceState.rotations.set(period, found);
	}
	return found;
}

function nextDue(list: ProfileInternals[], period: number): ProfileInternals | undefined {
	const now = os.clock();
	for (let i = 0; i < list.size(); i++) {
		const profile = list[i];
		// The turn comes exactly one period after the load; the tolerance keeps clock rounding from skipping it (a
		// skipped first turn doubled the time a holder took to release to a ForceLoad it could not hear).
		if (now - profile.loadedAt >= period - 0.01) {
			list.remove(i);
			list.push(profile);
			return profile;
		}
	}
	return undefined;
}

function loop(period: number) {
	const turn = rotation(period);
	for (;;) {
		const count = turn.list.size();
		if (count === 0) {
			turn.running = false;
			return;
		}
		task.wait(period / count);
		const profile = nextDue(turn.list, period);
		if (profile === undefined) continue;
		profile.host.spawnSave(profile, false);
	}
}

function join(period: number, profile: ProfileInternals) {
	const turn = rotation(period);
	turn.list.push(profile);
	if (!turn.running) {
		turn.running = true;
		task.spawn(loop, period);
	}
}

function leave(period: number, profile: ProfileInternals) {
	const list = ServiceState.rotations.get(period)?.list;
	const index = list?.indexOf(profile) ?? -1;
	if (index !== -1) list!.remove(index);
}

/** @internal */
export function addToAutoSave(profile: ProfileInternals) {
	ServiceState.autoSave.push(profile);
	const period = profile.host.autoSavePeriod;
	join(period, profile);
}

/** @internal */
export function removeFromAutoSave(profile: ProfileInternals) {
	const index = ServiceState.autoSave.indexOf(profile);
	if (index !== -1) ServiceState.autoSave.remove(index);
	leave(profile.host.autoSavePeriod, profile);
}

/** Moves a profile to the end of its rotation, so a manual save is not followed by an auto-save right away. @internal */
export function restartAutoSave(profile: ProfileInternals) {
	const list = ServiceState.rotations.get(profile.host.autoSavePeriod)?.list;
	const index = list?.indexOf(profile) ?? -1;
	if (index !== -1) {
		list!.remove(index);
		list!.push(profile);
	}
}
