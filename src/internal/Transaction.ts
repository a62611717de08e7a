/**
 * ProfileService.TransactAsync: one change of 2 to 8 profiles held by this server, stored all or nothing, whatever
 * happens to this server or the DataStore meanwhile.
 *
 * The protocol (stored fields in TransactionFormat, load-time recovery in TransactionResolve):
 * 1. Gate: every save of the profiles waits (TransactionGate) and saves already sent finish, so nothing can store
 *    the transaction's Data as if it were committed.
 * 2. Transform: runs once, without yielding, on the live Data; Data and MetaTags are copied before and after.
 * 3. Prepare: every profile but the first (the coordinator) gets one UpdateAsync, in parallel, while this session
 *    still holds its lock: Data and MetaTags as they were before the transform (with pending global-update clears,
 *    which go with that Data), and the `Transaction` field with the transaction's Data and MetaTags and where the
 *    decision will be. The key's committed Data does not change meaning: a load that finds the field applies it
 *    only if the decision says committed.
 * 4. Commit, the single commit point: one UpdateAsync of the coordinator key, sent only once every prepare was seen
 *    landed and while every profile is still active here, writes the coordinator's own prepared field and "c"
 *    together, first-writer-wins against an "a" that a load of another key may have written (TransactionResolve).
 *    A commit whose response is lost is recognised by its "c" on retry; after CommitTries failures the retries turn
 *    to writing "a", and go on until one response says which it is.
 * 5. Apply: nothing more is sent. The gate opens; each profile's next save writes its Data (the transaction's, if
 *    committed, with whatever the game changed since) and clears the field; once every key was seen settled, the
 *    coordinator's next save drops the "c".
 *
 * What a crash at any moment leaves: before the commit lands, at most some prepared fields and no "c": loads of
 * those keys write "a" (the coordinator is still locked by the dead session) or find that lock gone, and keep the
 * stored Data, so none of it is seen. Once it lands, every key holds the field or already its settled Data, and
 * every load finds "c": all of it is seen. Lost responses, errors and outages only delay a step or turn it into a
 * retry that recognises what landed.
 * @internal
 */
import { HttpService } from "@rbxts/services";
import type { Profile } from "../Profile";
import { Settings } from "./Constants";
import { callWithoutYield } from "./NoYield";
import { deepCopy, sameSession, type StoredMetaData, type StoredProfile } from "./Payload";
import type { ProfileInternals } from "./ProfileHost";
import { ServiceState, thisSession } from "./ServiceState";
import type { StoreCore } from "./StoreCore";
import { decisionOf, writeDecision, type CoordinatorRef } from "./TransactionFormat";
import { reopen, savesInFlight, tryClose } from "./TransactionGate";
import { followCommitted, keySettled, sawOriginalLock } from "./TransactionWatch";
import { encodedLength, findUnstorable } from "./Validation";

const METHOD = "ProfileService.TransactAsync()";

/** Tries of each prepare write, and of the commit write before its retries turn to aborting. */
const PREPARE_TRIES = 3;
const COMMIT_TRIES = 3;
/** Characters left for the rest of the stored profile (global updates, metadata) when measuring a prepare. */
const SIZE_MARGIN = 65536;

/** A profile of a transaction, with the store it came from (a profile's host is always its StoreCore). */
interface Part {
	profile: ProfileInternals;
	core: StoreCore;
	loadCount: number;
	root: object;
	tagRoot: Map<string, unknown>;
	before: object;
	tagsBefore: Map<string, unknown>;
	after?: object;
	tagsAfter?: Map<string, unknown>;
	/** An earlier transaction's field the key may still hold, which this transaction's write replaces. */
	replaces?: string;
}

function fail(message: string, level = 3): never {
	error(`[ProfileService] ${METHOD}: ${message}`, level);
}

/** The argument checks; returns the profiles. Errors name the argument, as every public method's do. */
function checkArguments(profiles: unknown, transform: unknown, profileClass: object): ProfileInternals[] {
	if (!typeIs(profiles, "table")) {
		fail(
			`argument "profiles" must be an array of 2 to 8 profiles, got ${typeOf(profiles)} (${tostring(profiles)})`,
			4,
		);
	}
	const list = profiles as unknown[];
	const count = list.size();
	let entries = 0;
	for (const [k] of pairs(list as unknown as Map<unknown, unknown>)) {
		entries += 1;
		if (!typeIs(k, "number"))
			fail(`argument "profiles" must be an array of 2 to 8 profiles, got a table with key ${tostring(k)}`, 4);
	}
	if (entries !== count || count < 2 || count > 8) {
		fail(`argument "profiles" must be an array of 2 to 8 profiles, got ${entries} entries`, 4);
	}
	if (!typeIs(transform, "function")) {
		fail(`argument "transform" must be a function, got ${typeOf(transform)} (${tostring(transform)})`, 4);
	}
	const result: ProfileInternals[] = [];
	for (let i = 0; i < count; i++) {
		const name = `profiles[${i + 1}]`;
		const profile = list[i];
		if (!typeIs(profile, "table") || getmetatable(profile) !== profileClass) {
			fail(`argument "${name}" must be a Profile, got ${typeOf(profile)} (${tostring(profile)})`, 4);
		}
		const p = profile as ProfileInternals & { IsActive(): boolean };
		if (p.viewMode) fail(`argument "${name}" is a view-mode profile, which no transaction can save`, 4);
		const first = result.indexOf(p);
		if (first !== -1) fail(`argument "${name}" is the same profile as profiles[${first + 1}]`, 4);
		if (!p.IsActive()) fail(`argument "${name}" is released, so the change would never be saved`, 4);
		const core = p.host as unknown as StoreCore;
		const firstCore = result.size() > 0 ? (result[0].host as unknown as StoreCore) : core;
		if (core.isDotMock !== firstCore.isDotMock || core.isMockStore() !== firstCore.isMockStore()) {
			fail(
				`argument "${name}" is ${core.isDotMock ? "a Mock profile" : "a live profile"} and profiles[1] is ${firstCore.isDotMock ? "a Mock profile" : "a live profile"}; one transaction cannot span both`,
				4,
			);
		}
		result.push(p);
	}
	return result;
}

/** Warns and fires IssueSignal for the profile a failed transaction is about; returns false. */
function report(part: Part, reason: string): false {
	const message = `TransactAsync not committed: ${reason}; nothing changed`;
	warn(`[ProfileService]: ${message} ${part.profile.Identify()}`);
	ServiceState.issueSignal.Fire(message, part.core.name, part.profile.key);
	return false;
}

/** Puts `target` back to `snapshot` in place, keeping the tables the game may hold references to. */
function restoreInPlace(target: Map<unknown, unknown>, snapshot: Map<unknown, unknown>) {
	for (const [k] of pairs(target)) if (snapshot.get(k) === undefined) target.delete(k);
	for (const [k, v] of pairs(snapshot)) {
		const current = target.get(k);
		if (typeIs(v, "table") && typeIs(current, "table")) {
			restoreInPlace(current as Map<unknown, unknown>, v as Map<unknown, unknown>);
		} else target.set(k, deepCopy(v));
	}
}

/** Undoes the transform (and whatever the game changed while the transaction yielded) on every profile. */
function restore(parts: Part[]) {
	for (const part of parts) {
		const profile = part.profile;
		profile.Data = part.root;
		if (typeIs(part.root, "table"))
			restoreInPlace(part.root as Map<unknown, unknown>, part.before as Map<unknown, unknown>);
		profile.MetaData.MetaTags = part.tagRoot;
		if (typeIs(part.tagRoot, "table")) restoreInPlace(part.tagRoot, part.tagsBefore);
	}
}

function ownsLock(meta: StoredMetaData | undefined, loadCount: number): boolean {
	const [placeId, jobId] = thisSession();
	return meta !== undefined && sameSession(meta.ActiveSession, placeId, jobId) && meta.SessionLoadCount === loadCount;
}

/** Why the transaction's Data cannot be stored, if it cannot: checked before anything is written. */
function writeProblem(part: Part): string | undefined {
	for (const [data, what] of [
		[part.before, "before the transform"],
		[part.after, "after the transform"],
	] as const) {
		if (!typeIs(data, "table")) return `Data ${what} is a ${typeOf(data)}, not a table`;
		const unstorable = findUnstorable(data, "Data");
		if (unstorable !== undefined) return `${unstorable} (${what})`;
		const invalid = part.core.schema.check(data);
		if (invalid !== undefined) return `Validate failed ${what}: ${invalid}`;
	}
	const shape = {
		Data: part.before,
		MetaTags: part.tagsBefore,
		Transaction: { Data: part.after, MetaTags: part.tagsAfter },
	};
	const [encoded, size] = pcall(encodedLength, shape);
	if (!encoded) return `the profile cannot be encoded (${tostring(size)})`;
	if (size > Settings.MaxValueLength - SIZE_MARGIN) {
		return `the profile would be ${size} characters with the prepared transaction, over the DataStore limit of ${Settings.MaxValueLength}`;
	}
	return undefined;
}

/** The part of a prepare or commit write that is the profile's Data as it was before the transform. */
function stageBefore(part: Part, latest: StoredProfile) {
	latest.Data = part.before;
	latest.MetaData!.MetaTags = part.tagsBefore as unknown as Record<string, unknown>;
	// Pending clears go with the Data that processed them, which is the Data before the transform.
	part.profile.ownUpdates.applyPending(latest.GlobalUpdates, true);
}

type Prepared = "prepared" | "failed";

/** The prepare write of one participant, retried; "failed" once the profile is lost or the tries are spent. */
function prepare(part: Part, id: string, ref: CoordinatorRef): Prepared {
	for (let attempt = 1; attempt <= PREPARE_TRIES; attempt++) {
		if (!(part.profile as unknown as Profile).IsActive()) return "failed";
		let outcome: "prepared" | "lost" | undefined;
		let refusal: string | undefined;
		const result = part.core.update(part.profile.key, {
			edit: (latest, _, missing) => {
				outcome = undefined;
				if (missing || !ownsLock(latest.MetaData, part.loadCount)) {
					outcome = "lost";
					return false;
				}
				const field = latest.Transaction;
				// This prepare already landed (its response was lost).
				if (typeIs(field, "table") && field.Id === id) {
					outcome = "prepared";
					return false;
				}
				// An earlier transaction's field, decided, is replaced: the Data written with it holds that decision.
				stageBefore(part, latest);
				latest.Transaction = {
					Id: id,
					Data: part.after!,
					MetaTags: part.tagsAfter as unknown as Record<string, unknown>,
					Coordinator: ref,
				};
				outcome = "prepared";
			},
			refused: (message) => (refusal = message),
		});
		if (result !== undefined && result !== false) {
			if (outcome !== "prepared") {
				report(part, "the profile's lock was lost");
				return "failed";
			}
			if (part.replaces !== undefined) keySettled(part.profile, part.replaces);
			return "prepared";
		}
		if (refusal !== undefined) {
			report(part, `the DataStore refused the prepared value (${refusal})`);
			return "failed";
		}
		task.wait();
	}
	report(part, `its prepare write failed ${PREPARE_TRIES} times`);
	return "failed";
}

/**
 * The commit write, retried until one response says what the coordinator key holds: true for "c", false for "a".
 * A first attempt that finds a profile no longer active sends nothing; later attempts write "a" where they find no
 * decision, so that an earlier attempt still in flight can never land afterwards.
 */
function commit(parts: Part[], id: string): boolean {
	const part = parts[0];
	let attempt = 0;
	for (;;) {
		attempt += 1;
		const abortIntent = attempt > COMMIT_TRIES;
		let outcome: "c" | "a" | undefined;
		let refusal: string | undefined;
		const result = part.core.update(part.profile.key, {
			edit: (latest, _, missing) => {
				outcome = undefined;
				if (missing || latest.MetaData === undefined) {
					outcome = "a";
					return false;
				}
				outcome = decisionOf(latest, id);
				if (outcome !== undefined) return false;
				outcome = "a";
				const owns = ownsLock(latest.MetaData, part.loadCount);
				const active = parts.every((p) => (p.profile as unknown as Profile).IsActive());
				if (abortIntent || !owns || !active) {
					if (!owns || attempt === 1) return false;
					writeDecision(latest, id, "a", part.loadCount);
					return;
				}
				stageBefore(part, latest);
				latest.Transaction = {
					Id: id,
					Data: part.after!,
					MetaTags: part.tagsAfter as unknown as Record<string, unknown>,
				};
				writeDecision(latest, id, "c", part.loadCount);
				outcome = "c";
			},
			refused: (message) => (refusal = message),
		});
		if (result !== undefined && result !== false && outcome !== undefined) {
			if (outcome === "a") report(part, "a profile was released, lost or refused before the commit");
			if (outcome === "c" && part.replaces !== undefined) keySettled(part.profile, part.replaces);
			return outcome === "c";
		}
		// Refused by the DataStore: nothing was written, so the next attempt aborts.
		if (refusal !== undefined) attempt = math.max(attempt, COMMIT_TRIES);
		task.wait();
	}
}

/**
 * Waits until no save of the profiles is in flight and no other transaction holds them, then closes their gates.
 * False if a profile stops being active first.
 */
function acquire(parts: Part[], id: string): boolean {
	const profiles = parts.map((p) => p.profile);
	for (;;) {
		if (ServiceState.locked) return report(parts[0], "the server is shutting down");
		const inactive = parts.find((p) => !(p.profile as unknown as Profile).IsActive());
		if (inactive !== undefined) return report(inactive, "the profile was released");
		if (!tryClose(profiles, id)) {
			task.wait();
			continue;
		}
		// A release already past the gate may retry for as long as the DataStore fails: its profile is inactive.
		const allActive = () => parts.every((p) => (p.profile as unknown as Profile).IsActive());
		while (savesInFlight(profiles) && allActive()) task.wait();
		if (allActive()) return true;
		reopen(profiles, id);
	}
}

/**
 * TransactAsync itself. See ProfileServiceApi.TransactAsync for the contract.
 * @internal
 */
export function transactAsync(profiles: unknown, transform: unknown, profileClass: object): boolean {
	const list = checkArguments(profiles, transform, profileClass);
	const parts: Part[] = list.map((profile) => ({
		profile,
		core: profile.host as unknown as StoreCore,
		loadCount: profile.MetaData.SessionLoadCount,
		root: profile.Data,
		tagRoot: profile.MetaData.MetaTags,
		before: profile.Data,
		tagsBefore: profile.MetaData.MetaTags,
	}));
	for (const part of parts) {
		if (sawOriginalLock(part.core)) {
			return report(
				part,
				"this server saw a lock of this store held by a server that does not run this library (an original ProfileService server, which cannot see a pending transaction)",
			);
		}
	}
	const id = HttpService.GenerateGUID(false);
	if (!acquire(parts, id)) return false;
	const profilesOf = parts.map((p) => p.profile);
	for (const part of parts) {
		part.loadCount = part.profile.MetaData.SessionLoadCount;
		part.root = part.profile.Data;
		part.tagRoot = part.profile.MetaData.MetaTags;
		part.before = deepCopy(part.root);
		part.tagsBefore = deepCopy(part.tagRoot);
	}
	const [ran, transformError] = pcall(() => callWithoutYield("The TransactAsync transform", transform as () => void));
	if (!ran) {
		restore(parts);
		reopen(profilesOf, id);
		error(transformError, 0);
	}
	for (const part of parts) {
		part.after = deepCopy(part.profile.Data);
		part.tagsAfter = deepCopy(part.profile.MetaData.MetaTags);
	}
	for (const part of parts) {
		const problem = writeProblem(part);
		if (problem !== undefined) {
			restore(parts);
			reopen(profilesOf, id);
			return report(part, problem);
		}
	}
	const committed = run(parts, id);
	if (!committed) restore(parts);
	else followCommitted(id, profilesOf);
	reopen(profilesOf, id);
	return committed;
}

/** Prepares and commits; true once the coordinator holds "c". Every key it wrote to is marked for settling. */
function run(parts: Part[], id: string): boolean {
	const [placeId, jobId] = thisSession();
	const coordinator = parts[0];
	const ref: CoordinatorRef = [
		coordinator.core.name,
		coordinator.core.scope ?? "",
		coordinator.profile.key,
		coordinator.loadCount,
		placeId,
		jobId,
	];
	// A key written to may hold the field until its next save: no confirmation counts before the decision.
	const mark = (part: Part) => {
		const state = (part.profile.transaction ??= { saves: 0 });
		if (state.inKey !== undefined && state.inKey !== id) part.replaces = state.inKey;
		state.inKey = id;
		state.inKeySince = math.huge;
	};
	let pending = parts.size() - 1;
	let prepared = 0;
	for (let i = 1; i < parts.size(); i++) {
		const part = parts[i];
		mark(part);
		task.spawn(() => {
			if (prepare(part, id, ref) === "prepared") prepared += 1;
			pending -= 1;
		});
	}
	while (pending > 0) task.wait();
	let committed = false;
	if (prepared === parts.size() - 1) {
		mark(coordinator);
		committed = commit(parts, id);
	}
	const decidedAt = os.clock();
	for (const part of parts) {
		const state = part.profile.transaction;
		if (state !== undefined && state.inKey === id) state.inKeySince = decidedAt;
	}
	return committed;
}
