/**
 * How a profile is written back. Three named modes:
 * - "AutoSave": the periodic save and `Profile:Save()`. Writes only while this session holds the lock.
 * - "Release": the last save of a session; also removes the lock. Retries until it lands, another server takes the
 *   lock, or the server stops. Skipped data (unstorable values) still releases, keeping the last good save.
 * - "Overwrite": a view-mode profile written over whatever the key holds (rollbacks); no lock is kept.
 * A save never destroys data: what cannot be stored is not written, and a key that no longer holds this session's
 * profile is not written at all.
 * @internal
 */
import { MetaDataUpdatedFields, Settings } from "./Constants";
import { sameSession, type SessionTag, type StoredProfile } from "./Payload";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState, thisSession } from "./ServiceState";
import type { StoreTransport, UpdateOutcome } from "./Transport";
import { encodedLength, findUnstorable } from "./Validation";

/** @internal */
export type SaveMode = "AutoSave" | "Release" | "Overwrite";

/** Reports a save that cannot be written (warning and IssueSignal) and returns the reason. */
function skipSave(transport: StoreTransport, profile: ProfileInternals, reason: string): string {
	const message = `Save skipped: ${reason}; the last good save is kept`;
	warn(`[ProfileService]: ${message} ${profile.Identify()}`);
	ServiceState.issueSignal.Fire(message, transport.name, profile.key);
	return reason;
}

/** The profile as the DataStore stores it, for measuring its encoded size. */
function storedShape(profile: ProfileInternals) {
	const meta = profile.MetaData;
	return {
		Data: profile.Data,
		MetaData: {
			ProfileCreateTime: meta.ProfileCreateTime,
			SessionLoadCount: meta.SessionLoadCount,
			ActiveSession: meta.ActiveSession,
			ForceLoadSession: meta.ForceLoadSession,
			LastUpdate: meta.LastUpdate,
			MetaTags: meta.MetaTags,
		},
		GlobalUpdates: profile.GlobalUpdates.latest,
		RobloxMetaData: profile.RobloxMetaData,
		UserIds: profile.UserIds,
	};
}

/** Names the first value a DataStore cannot store, or undefined. */
function unstorablePart(profile: ProfileInternals): string | undefined {
	return (
		findUnstorable(profile.Data, "Data") ??
		findUnstorable(profile.MetaData.MetaTags, "MetaData.MetaTags") ??
		findUnstorable(profile.RobloxMetaData, "RobloxMetaData") ??
		findUnstorable(profile.UserIds, "UserIds")
	);
}

function overLimit(size: number) {
	return `the profile is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxValueLength}`;
}

/** Measures the encoded profile: over the limit is a problem, past the warning share warns once. */
function checkSize(profile: ProfileInternals): string | undefined {
	const [encoded, size] = pcall(encodedLength, storedShape(profile));
	// Encoding fails on what cannot be stored; the walk names it.
	if (!encoded) return unstorablePart(profile) ?? `the profile cannot be encoded (${size})`;
	const warningSize = Settings.MaxValueLength * Settings.SizeWarningShare;
	// Warns each time the size crosses the warning share: the previous measurement says whether it already had.
	const warned = profile.lastSize !== undefined && profile.lastSize > warningSize;
	profile.lastSize = size;
	profile.savesSinceSizeCheck = 0;
	if (size > Settings.MaxValueLength) return overLimit(size);
	if (size > warningSize) {
		if (!warned) {
			warn(
				`[ProfileService]: ${profile.Identify()} is ${size} characters once encoded, over ${Settings.SizeWarningShare * 100}% of the DataStore limit of ${Settings.MaxValueLength}`,
			);
		}
	}
	return undefined;
}

/**
 * Whether this save measures the encoded size. An adapter that validates values (Roblox's store, the mock) refuses
 * an unstorable or oversized value itself, without writing; what the size check adds is the early warning and a
 * refusal that costs no request. Encoding the whole profile costs about as much as the write's own encoding, so it
 * runs on a session's first save, on every save once the profile was last measured past SizeCheckShare of the limit,
 * and otherwise every SizeCheckEvery saves. Data cannot reach the warning share unmeasured without growing from
 * under SizeCheckShare in fewer saves than that; if it does, the DataStore still refuses what is over the limit.
 */
function sizeCheckDue(profile: ProfileInternals): boolean {
	const saves = (profile.savesSinceSizeCheck ?? 0) + 1;
	profile.savesSinceSizeCheck = saves;
	return (
		profile.lastSize === undefined ||
		profile.lastSize >= Settings.MaxValueLength * Settings.SizeCheckShare ||
		saves >= Settings.SizeCheckEvery
	);
}

/**
 * Checks, before a write, that the profile can be stored: Data is a table, and, for an adapter that does not
 * validate values itself, every value is one a DataStore can store and the encoded profile fits. Returns the
 * problem (after reporting it through skipSave), or undefined. Data replaced by a non-table is also reported through
 * CorruptionSignal, as the original does: saving it would make the next load reset the player to the template.
 */
function checkStorable(transport: StoreTransport, profile: ProfileInternals): string | undefined {
	const data = profile.Data as unknown;
	if (!typeIs(data, "table")) {
		const shown = data === undefined ? "nil" : `a ${typeOf(data)} (${tostring(data)})`;
		ServiceState.corruptionSignal.Fire(transport.name, profile.key);
		return skipSave(transport, profile, `Data is ${shown}, not a table`);
	}
	let problem: string | undefined;
	if (transport.getAdapter().ValidatesValues !== true) problem = unstorablePart(profile) ?? checkSize(profile);
	else if (sizeCheckDue(profile)) problem = checkSize(profile);
	return problem === undefined ? undefined : skipSave(transport, profile, problem);
}

/**
 * After the DataStore refused the value (error 104, 105, 511 to 513): finds what it refused, naming the path of
 * the first unstorable value, and reports it as a skipped save. Runs only on a refusal, so saves that succeed never
 * pay for the walk.
 */
function diagnoseRefusal(transport: StoreTransport, profile: ProfileInternals, message: string): string {
	const unstorable = unstorablePart(profile);
	if (unstorable !== undefined) return skipSave(transport, profile, unstorable);
	const [encoded, size] = pcall(encodedLength, storedShape(profile));
	if (encoded) profile.lastSize = size;
	const overLimitProblem = encoded && size > Settings.MaxValueLength ? overLimit(size) : undefined;
	return skipSave(transport, profile, overLimitProblem ?? `the DataStore refused the value (${message})`);
}

/** Writes a view over whatever the key holds (wiped, corrupted, ...), without any lock. */
function writeOverwrite(profile: ProfileInternals, latest: StoredProfile) {
	const source = profile.MetaData;
	latest.Data = profile.Data;
	latest.RobloxMetaData = profile.RobloxMetaData as object;
	latest.UserIds = profile.UserIds;
	latest.MetaData = {
		ProfileCreateTime: source.ProfileCreateTime,
		SessionLoadCount: source.SessionLoadCount,
		LastUpdate: source.LastUpdate,
		MetaTags: source.MetaTags as unknown as Record<string, unknown>,
		ActiveSession: undefined,
		ForceLoadSession: undefined,
	};
	latest.GlobalUpdates = profile.GlobalUpdates.latest;
	latest.WasCorrupted = false;
}

/**
 * Edits the stored profile for an auto-save or a release. Returns false (no write) unless this session still holds
 * the lock: a wiped key, or one another server took, is left as it is. A lock given up to a pending ForceLoad goes
 * straight to the requester when that requester asked this server for it (`grantee`, its job id): it is a server
 * running this library, waiting to read the profile, so it need not spend another write cooldown taking it.
 */
function writeSession(
	profile: ProfileInternals,
	latest: StoredProfile,
	missing: boolean,
	release: boolean,
	writeData: boolean,
	me: SessionTag,
	lastLoadCount: number,
	grantee: string | undefined,
): boolean | void {
	const meta = latest.MetaData;
	if (missing || meta === undefined) return false;
	if (!sameSession(meta.ActiveSession, me[0], me[1]) || meta.SessionLoadCount !== lastLoadCount) return false;
	const forceLoadPending =
		typeIs(meta.ForceLoadSession, "table") && !sameSession(meta.ForceLoadSession, me[0], me[1]);
	// Clearing a locked update is only safe together with the Data that processed it.
	profile.GlobalUpdates.applyPending(latest.GlobalUpdates, writeData);
	if (writeData) {
		latest.Data = profile.Data;
		latest.RobloxMetaData = profile.RobloxMetaData as object;
		latest.UserIds = profile.UserIds;
		meta.MetaTags = profile.MetaData.MetaTags as unknown as Record<string, unknown>;
	}
	meta.LastUpdate = os.time();
	if (!release && !forceLoadPending) return;
	// forceLoadPending: ForceLoadSession is another server's, so it is the requester to hand the lock to.
	const requester = meta.ForceLoadSession;
	if (forceLoadPending && requester !== undefined && grantee !== undefined && requester[1] === grantee) {
		meta.ActiveSession = requester;
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
	} else {
		meta.ActiveSession = undefined;
	}
}

/** After an auto-save or release: adopt what the key holds, deliver global updates, notice a lost lock. */
function afterSave(
	transport: StoreTransport,
	profile: ProfileInternals,
	outcome: UpdateOutcome,
	lastLoadCount: number,
	me: SessionTag,
) {
	const { payload, keyInfo } = outcome;
	if (keyInfo !== undefined) profile.KeyInfo = keyInfo;
	// A key wiped (or overwritten with something else) while loaded has no MetaData: this server lost it.
	const latestMeta = payload.MetaData;
	if (latestMeta !== undefined) {
		const meta = profile.MetaData as unknown as Record<string, unknown>;
		for (const field of MetaDataUpdatedFields) {
			meta[field] = (latestMeta as unknown as Record<string, unknown>)[field];
		}
		if (!outcome.cancelled) {
			profile.MetaData.MetaTagsLatest = latestMeta.MetaTags as unknown as Map<string, unknown>;
		}
	}
	const owns =
		!outcome.cancelled &&
		latestMeta !== undefined &&
		sameSession(latestMeta.ActiveSession, me[0], me[1]) &&
		latestMeta.SessionLoadCount === lastLoadCount;
	const active = transport.isLoaded(profile.key, profile);
	if (!outcome.cancelled) profile.GlobalUpdates.deliver(payload.GlobalUpdates, owns && active);
	if (!owns) {
		if (active) transport.releaseInternally(profile);
		profile.fireHopReady();
	}
	if (!outcome.cancelled) profile.fireSaved();
}

/** Data the store's Validate refuses is not written either: reported like unstorable data, and the reason returned. */
function checkValid(transport: StoreTransport, profile: ProfileInternals): string | undefined {
	const invalid = transport.schema?.check(profile.Data);
	return invalid === undefined ? undefined : skipSave(transport, profile, `Validate failed: ${invalid}`);
}

/** Saves a profile in the given mode. Yields. @internal */
export function saveProfile(transport: StoreTransport, profile: ProfileInternals, mode: SaveMode) {
	const release = mode === "Release";
	const unstorable = checkStorable(transport, profile) ?? checkValid(transport, profile);
	// An auto-save of unstorable data is skipped; a release still removes the lock, keeping the stored data.
	if (unstorable !== undefined && !release) {
		if (mode === "Overwrite") error(`[ProfileService] Profile:OverwriteAsync(): ${unstorable}`, 0);
		return;
	}
	let writeData = unstorable === undefined;
	const me = thisSession();
	const releasingId = transport.sessionId(profile.key);
	if (release) {
		transport.releaseInternally(profile);
		// Until the release lands, a hand-off request for this key waits for it instead of finding nothing, and a
		// new load of the key on this server waits for it instead of reading older data.
		ServiceState.releasing.set(releasingId, profile);
	}
	ServiceState.activeSaveJobs += 1;
	const lastLoadCount = profile.MetaData.SessionLoadCount;
	let overwriteRefused: string | undefined;
	for (;;) {
		let refusal: string | undefined;
		const result = transport.update(profile.key, {
			edit: (latest, _, missing) => {
				if (mode === "Overwrite") return writeOverwrite(profile, latest);
				const grantee = ServiceState.handOffGrants.get(releasingId);
				return writeSession(profile, latest, missing, release, writeData, me, lastLoadCount, grantee);
			},
			refused: (message) => {
				refusal = diagnoseRefusal(transport, profile, message);
			},
		});
		if (result !== undefined && result !== false) {
			if (mode !== "Overwrite") afterSave(transport, profile, result, lastLoadCount, me);
			break;
		}
		if (refusal !== undefined) {
			if (mode === "Overwrite") overwriteRefused = refusal;
			// A release whose Data the DataStore refused still removes the lock, keeping the last good save; if
			// even that is refused (what is stored already is refused), nothing this server sends can land.
			if (!release || !writeData) break;
			writeData = false;
			continue;
		}
		if (!release) break;
		// A release must reach the DataStore: retry, spaced by the write queue, until it lands, another server
		// takes the lock, or the server stops.
		task.wait();
	}
	// Only the release itself ends the releasing state: an auto-save of the same profile finishing meanwhile
	// must not, or a reload on this server would stop waiting for the release.
	if (release && ServiceState.releasing.get(releasingId) === profile) ServiceState.releasing.delete(releasingId);
	if (!transport.isLoaded(profile.key, profile)) ServiceState.handOffGrants.delete(releasingId);
	ServiceState.activeSaveJobs -= 1;
	if (overwriteRefused !== undefined) error(`[ProfileService] Profile:OverwriteAsync(): ${overwriteRefused}`, 0);
}
