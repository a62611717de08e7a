/**
 * The gate between a profile's saves and its transactions. While a transaction of the profile is undecided its
 * Data in memory is the transaction's, not yet committed: a save then would store it as if it were. So every save
 * (auto-save, Save(), release, the heartbeat fence, a hand-off's release) waits at the gate until the transaction
 * is decided, and a transaction starts only once the saves already past the gate have finished. A release still
 * ends the profile at once (it is released before it reaches the gate), which the transaction sees and aborts on,
 * unless its commit was already sent; either way the release then writes the decided Data.
 * @internal
 */
import type { ProfileTransactionState } from "./TransactionFormat";

/** What the gate reads and writes on a profile. @internal */
export interface GatedProfile {
	transaction?: ProfileTransactionState;
}

/** Waits while a transaction of the profile is undecided, then counts the save in. @internal */
export function enterSave(profile: GatedProfile) {
	while (profile.transaction?.open !== undefined) task.wait();
	const state = (profile.transaction ??= { saves: 0 });
	state.saves += 1;
}

/** Counts a save out (its write has finished, landed or not). @internal */
export function leaveSave(profile: GatedProfile) {
	const state = profile.transaction;
	if (state !== undefined) state.saves -= 1;
}

/**
 * Closes the gate of every profile for the transaction `id` if none is in another transaction; returns false
 * (closing nothing) otherwise. Saves already past the gate go on: see {@link savesInFlight}.
 * @internal
 */
export function tryClose(profiles: GatedProfile[], id: string): boolean {
	for (const profile of profiles) if (profile.transaction?.open !== undefined) return false;
	for (const profile of profiles) (profile.transaction ??= { saves: 0 }).open = id;
	return true;
}

/** Opens the gates the transaction `id` closed; waiting saves go on. @internal */
export function reopen(profiles: GatedProfile[], id: string) {
	for (const profile of profiles) {
		const state = profile.transaction;
		if (state !== undefined && state.open === id) state.open = undefined;
	}
}

/** Whether a save of any of the profiles is past the gate and not finished. @internal */
export function savesInFlight(profiles: GatedProfile[]): boolean {
	for (const profile of profiles) if ((profile.transaction?.saves ?? 0) > 0) return true;
	return false;
}
