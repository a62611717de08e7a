import { Settings } from "./Constants";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState } from "./ServiceState";

/*
 * The auto-save rotation: every loaded profile is saved once per AutoSaveSeconds, the saves spread evenly over
 * that period. A thread that sleeps between turns replaces the original's per-frame Heartbeat check, so an idle
 * server costs nothing. Freshly loaded profiles wait a full period before their first auto-save.
 */

function nextDue(): ProfileInternals | undefined {
	const list = ServiceState.autoSave;
	const now = os.clock();
	for (let i = 0; i < list.size(); i++) {
		const profile = list[i];
		// The turn comes exactly one period after the load; the tolerance keeps clock rounding from skipping it (a
		// skipped first turn doubled the time a holder took to release to a ForceLoad it could not hear).
		if (now - profile.loadedAt >= Settings.AutoSaveSeconds - 0.01) {
			list.remove(i);
			list.push(profile);
			return profile;
		}
	}
	return undefined;
}

function loop() {
	for (;;) {
		const count = ServiceState.autoSave.size();
		if (count === 0) {
			ServiceState.autoSaveRunning = false;
			return;
		}
		task.wait(Settings.AutoSaveSeconds / count);
		const profile = nextDue();
		if (profile !== undefined) profile.host.spawnSave(profile, false);
	}
}

/** @internal */
export function addToAutoSave(profile: ProfileInternals) {
	ServiceState.autoSave.push(profile);
	if (!ServiceState.autoSaveRunning) {
		ServiceState.autoSaveRunning = true;
		task.spawn(loop);
	}
}

/** @internal */
export function removeFromAutoSave(profile: ProfileInternals) {
	const index = ServiceState.autoSave.indexOf(profile);
	if (index !== -1) ServiceState.autoSave.remove(index);
}

/** Moves a profile to the end of the rotation, so a manual save is not followed by an auto-save right away. @internal */
export function restartAutoSave(profile: ProfileInternals) {
	const index = ServiceState.autoSave.indexOf(profile);
	if (index !== -1) {
		ServiceState.autoSave.remove(index);
		ServiceState.autoSave.push(profile);
	}
}
