/**
 * How a profile is written back. Three named modes:
 * - "AutoSave": the periodic save and `Profile:Save()`. Writes only while this session holds the lock; sent again
 *   soon after a failure, while the session lasts.
 * - "Release": the last save of a session; also removes the lock. Retries until it lands, another server takes the
 *   lock, or the server stops.
 * Data that cannot be stored (unstorable values, over the size limit, refused by Validate) is not written, but the
 * lock always is: an auto-save still refreshes it, sees a ForceLoad and answers it, and a release still removes it,
 * each keeping the last good save. The lock's upkeep never depends on Data.
 * - "Overwrite": a view-mode profile written over whatever the key holds (rollbacks); no lock is kept.
 * A save never destroys data: what cannot be stored is not written, and a key that no longer holds this session's
 * profile is not written at all. A side field (MetaTags, RobloxMetaData, UserIds, a replaced GlobalUpdates) that
 * cannot be stored never stops Data from saving: the save keeps that field's last stored value. An unexpected error
 * is reported through IssueSignal, and a release still ends.
 * @internal
 */
import { MetaDataUpdatedFields, Settings } from "./Constants";
import { currentAdvert } from "./Heartbeat";
import {
	autoSaveRetryDelay,
	handedMarker,
	handOverTo,
	lockMarker,
	readMarker,
	type Advert,
	type HandOffGrant,
} from "./LockProtocol";
import { sameSession, type SessionTag, type StoredProfile } from "./Payload";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState, thisSession } from "./ServiceState";
import { dropOnOverwrite, settleOnSave } from "./TransactionFormat"; // issue 26: transactions
import { enterSave, leaveSave } from "./TransactionGate"; // issue 26: transactions
import type { StoreTransport, UpdateOutcome } from "./Transport";
import { encodedLength, findUnstorable, metadataProblem, userIdsProblem } from "./Validation";

/** @internal */
export type SaveMode = "AutoSave" | "Release" | "Overwrite";

/** The parts of the stored profile saved next to Data, which a bad value must never hold back Data for. */
type SideField = "MetaData.MetaTags" | "RobloxMetaData" | "UserIds";

/** Reports a save that cannot be written (warning and IssueSignal) and returns the reason. */
function skipSave(transport: StoreTransport, profile: ProfileInternals, reason: string): string {
	return report(transport, profile, `Save skipped: ${reason}; the last good save is kept`, reason);
}

/** Warns and fires IssueSignal with `message`; returns `result`. */
function report<T>(transport: StoreTransport, profile: ProfileInternals, message: string, result: T): T {
	warn(`[ProfileService]: ${message} ${profile.Identify()}`);
	ServiceState.issueSignal.Fire(message, transport.name, profile.key);
	return result;
}

/** Reports a side field that this save leaves at its last stored value. */
function holdBack(
	transport: StoreTransport,
	profile: ProfileInternals,
	held: Set<SideField>,
	field: SideField,
	problem: string,
) {
	held.add(field);
	report(transport, profile, `${field} not saved (${problem}); its last saved value is kept`, undefined);
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
		GlobalUpdates: profile.ownUpdates.latest,
		RobloxMetaData: profile.RobloxMetaData,
		UserIds: profile.UserIds,
	};
}

/** What the DataStore would refuse about MetaTags, walking them. */
function metaTagsProblem(profile: ProfileInternals): string | undefined {
	return findUnstorable(profile.MetaData.MetaTags, "MetaData.MetaTags");
}

/** What the DataStore would refuse about any side field; an Overwrite writes them all or nothing. */
function sideProblem(profile: ProfileInternals): string | undefined {
	return (
		metaTagsProblem(profile) ??
		metadataProblem(profile.RobloxMetaData, "RobloxMetaData") ??
		userIdsProblem(profile.UserIds, "UserIds")
	);
}

/**
 * The checks every save runs on the side fields, cheap by design: MetaTags must be a table (a number there would
 * stop original servers from loading the key), RobloxMetaData and UserIds are small by the DataStore's limits, so
 * they are checked whole; MetaTags' contents are walked only for an adapter that does not validate values, or once
 * the DataStore refused them. A replaced `Profile.GlobalUpdates` is reported; saves go on with the profile's own.
 */
function checkSideFields(transport: StoreTransport, profile: ProfileInternals, walkAll: boolean): Set<SideField> {
	const held = new Set<SideField>();
	const tags = profile.MetaData.MetaTags as unknown;
	if (typeOf(tags) !== "table") {
		holdBack(transport, profile, held, "MetaData.MetaTags", `MetaData.MetaTags is a ${typeOf(tags)}, not a table`);
	} else if (walkAll || profile.metaTagsRefused) {
		const problem = metaTagsProblem(profile);
		profile.metaTagsRefused = problem !== undefined ? true : undefined;
		if (problem !== undefined) holdBack(transport, profile, held, "MetaData.MetaTags", problem);
	}
	const metadata = metadataProblem(profile.RobloxMetaData, "RobloxMetaData");
	if (metadata !== undefined) holdBack(transport, profile, held, "RobloxMetaData", metadata);
	const userIds = userIdsProblem(profile.UserIds, "UserIds");
	if (userIds !== undefined) holdBack(transport, profile, held, "UserIds", userIds);
	if (profile.GlobalUpdates !== profile.ownUpdates) {
		const shown = profile.GlobalUpdates === undefined ? "nil" : `a ${typeOf(profile.GlobalUpdates)}`;
		report(
			transport,
			profile,
			`GlobalUpdates was replaced by ${shown}; the profile's own global updates are saved and delivered instead`,
			undefined,
		);
	}
	return held;
}

function overLimit(size: number) {
	return `the profile is ${size} characters once encoded, over the DataStore limit of ${Settings.MaxValueLength}`;
}

/** Measures the encoded profile: over the limit is a problem, past the warning share warns once. */
function checkSize(profile: ProfileInternals): string | undefined {
	const [encoded, size] = pcall(encodedLength, storedShape(profile));
	// Encoding fails on what cannot be stored: unstorable Data is named here; a side field is left to its own
	// check or to the DataStore's refusal, which hold back that field only.
	if (!encoded) return findUnstorable(profile.Data, "Data");
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
 * Checks, before a write, that Data can be stored: it is a table, and, for an adapter that does not validate values
 * itself, every value is one a DataStore can store and the encoded profile fits. Returns the problem (after
 * reporting it through skipSave), or undefined. Data replaced by a non-table is also reported through
 * CorruptionSignal, as the original does: saving it would make the next load reset the player to the template.
 */
function checkStorable(
	transport: StoreTransport,
	profile: ProfileInternals,
	validates: boolean,
	overwrite: boolean,
): string | undefined {
	const data = profile.Data as unknown;
	if (!typeIs(data, "table")) {
		const shown = data === undefined ? "nil" : `a ${typeOf(data)} (${tostring(data)})`;
		ServiceState.corruptionSignal.Fire(transport.name, profile.key);
		return skipSave(transport, profile, `Data is ${shown}, not a table`);
	}
	let problem: string | undefined;
	if (!validates) {
		problem = findUnstorable(profile.Data, "Data") ?? (overwrite ? sideProblem(profile) : undefined);
		problem ??= checkSize(profile);
	} else if (sizeCheckDue(profile)) problem = checkSize(profile);
	return problem === undefined ? undefined : skipSave(transport, profile, problem);
}

/**
 * After the DataStore refused the value (error 104, 105, 511 to 513): finds what it refused. Unstorable Data is a
 * skipped save, named by the path of the first unstorable value, and returned; refused MetaTags are held back and
 * undefined is returned, so that the save is sent again with Data and without them. Runs only on a refusal, so
 * saves that succeed never pay for the walk.
 */
function diagnoseRefusal(
	transport: StoreTransport,
	profile: ProfileInternals,
	held: Set<SideField>,
	message: string,
): string | undefined {
	const unstorable = findUnstorable(profile.Data, "Data");
	if (unstorable !== undefined) return skipSave(transport, profile, unstorable);
	if (!held.has("MetaData.MetaTags")) {
		const tags = metaTagsProblem(profile);
		if (tags !== undefined) {
			profile.metaTagsRefused = true;
			holdBack(transport, profile, held, "MetaData.MetaTags", tags);
			return undefined;
		}
	}
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
	latest.GlobalUpdates = profile.ownUpdates.latest;
	latest.WasCorrupted = false;
	dropOnOverwrite(latest); // issue 26: a rollback defines Data; no pending transaction is applied over it
}

/** What one auto-save or release writes. */
interface SessionWrite {
	release: boolean;
	/** Data and the side fields not held back; false keeps all of them as stored. */
	writeData: boolean;
	held: Set<SideField>;
	/** Applies pending global update locks (and, with writeData, clears); false after an unexpected error. */
	updates: boolean;
	me: SessionTag;
	lastLoadCount: number;
	/** Set by the edit that gives the lock away in this write (to a pending ForceLoad). */
	endsSession?: boolean;
}

/**
 * Edits the stored profile for an auto-save or a release. Returns false (no write) unless this session still holds
 * the lock: a wiped key, or one another server took, is left as it is. A lock given up to a pending ForceLoad goes
 * straight to the requester only while that requester is still waiting for it (LockProtocol.handOverTo): it is a
 * server running this library, about to read the profile, so it need not spend another write cooldown taking it.
 * Otherwise the lock is freed, as the original's release does.
 */
function writeSession(
	profile: ProfileInternals,
	latest: StoredProfile,
	missing: boolean,
	write: SessionWrite,
	grant: HandOffGrant | undefined,
	advert: Advert,
): boolean | void {
	const { me, release, writeData, held } = write;
	const meta = latest.MetaData;
	if (missing || meta === undefined) return false;
	if (!sameSession(meta.ActiveSession, me[0], me[1]) || meta.SessionLoadCount !== write.lastLoadCount) return false;
	const forceLoadPending =
		typeIs(meta.ForceLoadSession, "table") && !sameSession(meta.ForceLoadSession, me[0], me[1]);
	// Clearing a locked update is only safe together with the Data that processed it.
	if (write.updates) profile.ownUpdates.applyPending(latest.GlobalUpdates, writeData);
	settleOnSave(profile, latest, writeData); // issue 26: Data written settles the key's pending transaction
	if (writeData) {
		latest.Data = profile.Data;
		if (!held.has("RobloxMetaData")) latest.RobloxMetaData = profile.RobloxMetaData as object;
		if (!held.has("UserIds")) latest.UserIds = profile.UserIds;
		if (!held.has("MetaData.MetaTags")) {
			meta.MetaTags = profile.MetaData.MetaTags as unknown as Record<string, unknown>;
		}
	}
	meta.LastUpdate = os.time();
	meta.HandOff = lockMarker(me, advert);
	if (!release && !forceLoadPending) return;
	// forceLoadPending: ForceLoadSession is another server's, so it is the requester to hand the lock to.
	const requester = meta.ForceLoadSession;
	write.endsSession = true;
	if (forceLoadPending && requester !== undefined && handOverTo(requester, grant, write.lastLoadCount, os.clock())) {
		meta.ActiveSession = requester;
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
		meta.HandOff = handedMarker(grant!);
	} else {
		meta.ActiveSession = undefined;
		meta.HandOff = undefined;
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
	const lock = profile.lock;
	if (owns && lock !== undefined) {
		lock.confirmedAt = math.max(lock.confirmedAt, outcome.sentAt);
		lock.writtenAt = math.max(lock.writtenAt, outcome.sentAt);
	}
	if (!outcome.cancelled) profile.ownUpdates.deliver(payload.GlobalUpdates, owns && active);
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

/** How far a save got, so that an unexpected error can be answered: a release not yet written is retried bare. */
interface SaveProgress {
	/** The write reached the DataStore (or the key turned out not to be this session's). */
	landed: boolean;
	lastLoadCount?: number;
	/** An auto-save that gave the lock away, and went on as a release. */
	becameRelease?: boolean;
}

/**
 * The save itself. Returns the reason an Overwrite was refused, if it was. `bare` (after an unexpected error) only
 * removes the lock of a release, keeping everything stored as it is, and skips every check of the profile.
 */
function writeProfile(
	transport: StoreTransport,
	profile: ProfileInternals,
	mode: SaveMode,
	progress: SaveProgress,
	bare: boolean,
): string | undefined {
	const release = mode === "Release";
	const validates = transport.getAdapter().ValidatesValues === true;
	const overwrite = mode === "Overwrite";
	const unstorable = bare
		? undefined
		: (checkStorable(transport, profile, validates, overwrite) ?? checkValid(transport, profile));
	// An Overwrite of what cannot be stored errors; a session's save still writes its lock, keeping the stored data.
	if (unstorable !== undefined && overwrite) return unstorable;
	const held = bare || overwrite ? new Set<SideField>() : checkSideFields(transport, profile, !validates);
	const write: SessionWrite = {
		release,
		writeData: !bare && unstorable === undefined,
		held,
		updates: !bare,
		me: thisSession(),
		lastLoadCount: progress.lastLoadCount ?? profile.MetaData.SessionLoadCount,
	};
	progress.lastLoadCount = write.lastLoadCount;
	const releasingId = transport.sessionId(profile.key);
	let failures = 0;
	for (;;) {
		let refusal: string | undefined;
		let editError: unknown;
		// Whether this attempt's write claims the heartbeat for this session (see Heartbeat.ts's fence), and says that
		// it relies on the heartbeat's inbox (LockRecord.inboxSure).
		let claims = false;
		let inbox = false;
		if (profile.lock !== undefined) profile.lock.carries = write.writeData && !overwrite;
		const result = transport.update(profile.key, {
			edit: (latest, _, missing) => {
				if (profile.lock !== undefined) profile.lock.carries = undefined;
				// An error here would look like a DataStore error and be retried for ever: it is reported instead.
				const [ok, edited] = pcall(() => {
					if (overwrite) return writeOverwrite(profile, latest);
					const grant = ServiceState.handOffGrants.get(releasingId);
					const advert = currentAdvert(
						transport.autoSavePeriod,
						transport.getAdapter().IsMock,
						transport.inboxOnly(),
					);
					const written = writeSession(profile, latest, missing, write, grant, advert);
					const marker =
						written !== false && latest.MetaData !== undefined ? readMarker(latest.MetaData) : undefined;
					claims = marker !== undefined && marker.heartbeat > 0;
					inbox = marker !== undefined && marker.inbox;
					// Set before the write is sent: a write whose response is lost may still have landed.
					if (claims && profile.lock !== undefined) profile.lock.claim = true;
					if (written !== false && !inbox && profile.lock !== undefined) profile.lock.inboxSure = undefined;
					// An auto-save giving the lock to a pending ForceLoad ends the session here, when the Data it
					// writes is fixed: the game must not change what is no longer saved, even if the response is
					// lost (the requester may already have loaded it). It then goes on as a release until it lands.
					if (write.endsSession === true && !write.release && written !== false) {
						write.release = true;
						progress.becameRelease = true;
						transport.releaseInternally(profile);
						ServiceState.releasing.set(releasingId, profile);
					}
					return written;
				});
				if (ok) return edited;
				editError = edited;
				return false;
			},
			refused: (message) => {
				refusal = message;
			},
			urgent: write.release,
		});
		if (editError !== undefined) error(editError, 0);
		if (result !== undefined && result !== false) {
			progress.landed = true;
			if (!result.cancelled && profile.lock !== undefined) {
				if (!claims) profile.lock.claim = false;
				if (inbox) profile.lock.inboxSure = true;
			}
			if (!overwrite) afterSave(transport, profile, result, write.lastLoadCount, write.me);
			return undefined;
		}
		if (refusal !== undefined) {
			if (overwrite) {
				const named = findUnstorable(profile.Data, "Data") ?? sideProblem(profile);
				return skipSave(transport, profile, named ?? `the DataStore refused the value (${refusal})`);
			}
			// A held-back field is sent again at once without it, while Data is being written.
			const skipped = diagnoseRefusal(transport, profile, held, refusal);
			if (skipped === undefined && write.writeData) continue;
			// Data the DataStore refused: the lock is still written (refreshed, or removed by a release), keeping the
			// last good save; if even that is refused (what is stored already is refused), nothing this server sends
			// can land.
			if (!write.writeData) return undefined;
			write.writeData = false;
			continue;
		}
		if (overwrite) return undefined;
		if (!write.release) {
			// A failed auto-save is sent again soon, not a period later, while the session lasts: the lock's
			// confirmation and its LastUpdate (the original's 30-minute rule) count on it, at any period.
			if (!transport.isLoaded(profile.key, profile)) return undefined;
			failures += 1;
			waitBeforeRetry(profile, autoSaveRetryDelay(failures));
			if (!transport.isLoaded(profile.key, profile)) return undefined;
			continue;
		}
		// A release must reach the DataStore: retry, spaced by the write queue, until it lands, another server
		// takes the lock, or the server stops.
		task.wait();
	}
}

/**
 * Waits up to `seconds` before an auto-save is sent again. Another save asked for meanwhile cuts the wait short
 * (LockRecord.hurry): the next attempt writes the Data of that moment, so it is that save.
 */
function waitBeforeRetry(profile: ProfileInternals, seconds: number) {
	const lock = profile.lock;
	if (lock === undefined) return task.wait(seconds);
	lock.hurry = undefined;
	const deadline = os.clock() + seconds;
	while (os.clock() < deadline && lock.hurry !== true && !ServiceState.locked) task.wait(0.25);
	if (lock.hurry === true) lock.again = undefined;
	lock.hurry = undefined;
}

/** Reports an error no save should meet (a bug, or a profile's internals replaced by game code). */
function reportUnexpected(transport: StoreTransport, profile: ProfileInternals, mode: SaveMode, err: unknown) {
	const what = mode === "Release" ? "Release" : "Save";
	const [, shown] = pcall(() => profile.Identify());
	const message = `${what} failed with an unexpected error: ${tostring(err)}`;
	warn(`[ProfileService]: ${message} ${tostring(shown)}`);
	ServiceState.issueSignal.Fire(message, transport.name, profile.key);
}

/**
 * Saves a profile in the given mode. Yields. Never raises, except an Overwrite's refusal, which is raised to the
 * OverwriteAsync caller: an unexpected error is reported, and a release still ends (its lock written bare, without
 * Data, if the error came before the write landed).
 * @internal
 */
export function saveProfile(transport: StoreTransport, profile: ProfileInternals, mode: SaveMode) {
	const release = mode === "Release";
	const releasingId = transport.sessionId(profile.key);
	if (release) {
		transport.releaseInternally(profile);
		// Until the release lands, a hand-off request for this key waits for it instead of finding nothing, and a
		// new load of the key on this server waits for it instead of reading older data.
		ServiceState.releasing.set(releasingId, profile);
	}
	// One auto-save of a session at a time: another one asked for meanwhile (the rotation, Save(), the fence) only
	// cuts a retry's wait short, and is sent once the current one ends, with the Data of that moment.
	const lock = profile.lock;
	if (mode === "AutoSave" && lock !== undefined) {
		if (lock.saving === true) {
			// The save under way has not built what it sends yet: it carries this change too.
			if (lock.carries !== true) lock.again = true;
			lock.hurry = true;
			return;
		}
		lock.saving = true;
	}
	ServiceState.activeSaveJobs += 1;
	const progress: SaveProgress = { landed: false };
	enterSave(profile); // issue 26: waits while a transaction of the profile is undecided
	let [ok, result] = pcall(writeProfile, transport, profile, mode, progress, false);
	while (ok && mode === "AutoSave" && lock?.again === true && transport.isLoaded(profile.key, profile)) {
		lock.again = undefined;
		progress.landed = false;
		[ok, result] = pcall(writeProfile, transport, profile, mode, progress, false);
	}
	if (mode === "AutoSave" && lock !== undefined) {
		lock.saving = undefined;
		lock.again = undefined;
		lock.carries = undefined;
	}
	const overwriteRefused = ok ? result : undefined;
	const released = release || progress.becameRelease === true;
	if (!ok) {
		reportUnexpected(transport, profile, mode, result);
		if (released && !progress.landed) {
			const [bareOk, bareError] = pcall(writeProfile, transport, profile, "Release", progress, true);
			if (!bareOk) reportUnexpected(transport, profile, mode, bareError);
		}
		if (released && progress.landed) pcall(() => profile.fireHopReady());
	}
	leaveSave(profile); // issue 26
	// Only the release itself ends the releasing state: an auto-save of the same profile finishing meanwhile
	// must not, or a reload on this server would stop waiting for the release.
	if (released && ServiceState.releasing.get(releasingId) === profile) ServiceState.releasing.delete(releasingId);
	if (!transport.isLoaded(profile.key, profile)) ServiceState.handOffGrants.delete(releasingId);
	ServiceState.activeSaveJobs -= 1;
	if (overwriteRefused !== undefined) error(`[ProfileService] Profile:OverwriteAsync(): ${overwriteRefused}`, 0);
}
