/**
 * How `edit` and `rollback` change Data without ever losing a save:
 *
 * - Released profile: one conditional write (Update with the etag it read). A game server that saved meanwhile
 *   makes it fail; the tool reads again and writes only if the change it showed is still exactly the change it
 *   would make, otherwise it stops and says so.
 * - Held profile: never a write of Data. The edit becomes a global update (AdminEditProtocol), added with a
 *   conditional write; the holder applies it to its live Data exactly once (src/AdminEdit.ts) and leaves a
 *   receipt, which the tool waits for. If the holder releases first, the tool applies the still-active update
 *   itself, in the same conditional write that removes it.
 * - Dead lock (LockState's rules): refused, or with --force written as a released profile, the dead lock cleared.
 */
import { randomUUID } from "node:crypto";
import { addReceipt, findEditUpdate, findReceipt, withEditUpdate } from "./AdminEditProtocol.js";
import { CliError } from "./CliError.js";
import type { CommandContext, LoadedProfile } from "./CommandContext.js";
import { wholeNumberFlag } from "./CommandLine.js";
import { changesJson, diffData, formatChanges, type Change } from "./DataDiff.js";
import { ExitCode } from "./ExitCode.js";
import { applyPatch, jsonEqual, type PatchOperation } from "./JsonPatch.js";
import { describeLock } from "./LockState.js";
import { clone, MAX_VALUE_SIZE, valueSize, type ProfileValue } from "./ProfileValue.js";

export interface EditPlan {
	/** "Edit", "Rollback to revision X": the first words of the plan. */
	title: string;
	/** The new Data, from the profile as stored now; or why there is none. */
	newData: (current: LoadedProfile) => Promise<{ data: Record<string, unknown> } | { problem: string }>;
	/** The patch a holder applies to its live Data to make the change. */
	holderPatch: (current: LoadedProfile, data: Record<string, unknown>) => PatchOperation[];
	/** Things the person should know before confirming. */
	warnings?: (current: LoadedProfile) => string[];
}

type Route = "direct" | "force" | "globalUpdate";

/** Seconds between two reads while waiting for the game. */
const POLL_SECONDS = 5;
const DEFAULT_TIMEOUT = 300;
/** Conditional writes tried before giving up on a profile that keeps changing. */
const WRITE_TRIES = 5;

function routeOf(ctx: CommandContext, current: LoadedProfile): Route {
	const { lock } = current;
	if (lock.state === "released") return "direct";
	if (lock.state === "held") return "globalUpdate";
	if (ctx.flags.force !== true) {
		throw CliError.refused(
			`The lock on ${ctx.entryName()} is dead: ${lock.because}. No server will apply a global update to it. ` +
				"Run again with --force to clear the dead lock and write directly.",
		);
	}
	return "force";
}

function routeWords(route: Route, current: LoadedProfile): string[] {
	if (route === "direct")
		return ["The profile is released: the tool writes it, only if no save lands before the write."];
	if (route === "force") {
		const because = current.lock.state === "dead" ? current.lock.because : "";
		return [`--force: the lock is dead (${because}); the write clears it, only if no save lands before the write.`];
	}
	return [
		"A server holds the profile, so the tool does not write Data: it sends the change as a global update, which",
		"the game applies to the live Data exactly once (the game needs the AdminEdit handler from the README).",
	];
}

interface Prepared {
	current: LoadedProfile;
	route: Route;
	data: Record<string, unknown>;
	changes: Change[];
}

async function prepare(ctx: CommandContext, plan: EditPlan): Promise<Prepared> {
	const current = await ctx.load();
	if (current.dataless) {
		// Writing Data into such a key would make a profile without the MetaData a load needs.
		throw CliError.refused(
			`${ctx.entryName()} holds only global updates: the player has not joined since they were sent, so there is no Data to change yet.`,
		);
	}
	const route = routeOf(ctx, current);
	const made = await plan.newData(current);
	if ("problem" in made) {
		throw CliError.refused(
			`${plan.title} does not apply to the Data stored now: ${made.problem}. Nothing was written.`,
		);
	}
	const size = valueSize({ ...current.profile, Data: made.data });
	if (size > MAX_VALUE_SIZE) {
		throw CliError.refused(
			`${plan.title} would make the profile ${size} bytes, over Roblox's limit of ${MAX_VALUE_SIZE}.`,
		);
	}
	return { current, route, data: made.data, changes: diffData(current.profile.Data, made.data) };
}

/** The value a direct write stores: the profile as read, with the new Data (and no lock, for --force). */
function directValue(prepared: Prepared): ProfileValue {
	const value = clone(prepared.current.profile);
	value.Data = prepared.data;
	if (prepared.route === "force") {
		delete value.MetaData.ActiveSession;
		delete value.MetaData.ForceLoadSession;
		delete value.MetaData.HandOff;
	}
	return value;
}

async function writeDirect(ctx: CommandContext, plan: EditPlan, confirmed: Prepared): Promise<void> {
	let prepared = confirmed;
	for (let attempt = 1; ; attempt++) {
		const written = await ctx.writeBack(prepared.current, directValue(prepared));
		if (written !== "conflict") {
			Object.assign(ctx.result, { outcome: "written", revisionId: written.revisionId });
			ctx.say("", `Written: revision ${written.revisionId}.`);
			return;
		}
		const fresh = await prepare(ctx, plan).catch((err) => {
			throw err instanceof CliError && err.exitCode === ExitCode.Refused ? changedSince(ctx, err.message) : err;
		});
		if (jsonEqual(fresh.current.profile.Data, confirmed.data) && fresh.route !== "globalUpdate") {
			// An earlier try whose answer was lost landed after all.
			Object.assign(ctx.result, { outcome: "written", revisionId: fresh.current.entry.revisionId });
			ctx.say("", `Written: revision ${fresh.current.entry.revisionId}.`);
			return;
		}
		const same =
			fresh.route === confirmed.route && jsonEqual(changesJson(fresh.changes), changesJson(confirmed.changes));
		if (!same || attempt >= WRITE_TRIES) {
			const now = fresh.route === "globalUpdate" ? "a server holds it now" : "its Data changed";
			throw changedSince(ctx, `A game server saved ${ctx.entryName()} after it was read (${now}).`);
		}
		ctx.note(
			`The profile changed meanwhile (revision ${fresh.current.entry.revisionId}), in a way that leaves the change as shown; writing again.`,
		);
		prepared = fresh;
	}
}

function changedSince(ctx: CommandContext, why: string): CliError {
	return CliError.refused(
		`${why} Nothing was written; run the command again to see the change against what is stored now.`,
	);
}

async function sendToHolder(ctx: CommandContext, plan: EditPlan, confirmed: Prepared): Promise<void> {
	const id = randomUUID();
	const reason = typeof ctx.flags.reason === "string" ? ctx.flags.reason : undefined;
	const patch = plan.holderPatch(confirmed.current, confirmed.data);
	let current = confirmed.current;
	for (let attempt = 1; ; attempt++) {
		if (findEditUpdate(current.profile, id) !== undefined) break;
		const written = await ctx.writeBack(current, withEditUpdate(clone(current.profile), id, patch, reason));
		if (written !== "conflict") break;
		current = await ctx.load();
		if (findEditUpdate(current.profile, id) !== undefined) break;
		if (current.lock.state !== "held") {
			throw changedSince(ctx, `${ctx.entryName()} was ${current.lock.state} before the edit could be sent.`);
		}
		if (attempt >= WRITE_TRIES) {
			throw CliError.refused(
				`${ctx.entryName()} kept changing; the edit could not be sent after ${WRITE_TRIES} tries. Nothing was sent.`,
			);
		}
	}
	ctx.result.editId = id;
	ctx.say("", `Sent as global update ${id}. Waiting for the game to apply it (it reads new updates when it saves).`);
	await waitForHolder(ctx, id, patch, reason);
}

async function waitForHolder(ctx: CommandContext, id: string, patch: PatchOperation[], reason?: string): Promise<void> {
	const timeout = wholeNumberFlag(ctx.command, "timeout", ctx.flags.timeout, 0, 86_400) ?? DEFAULT_TIMEOUT;
	const deadline = ctx.io.now() + timeout * 1000;
	for (;;) {
		const current = await ctx.load();
		const update = findEditUpdate(current.profile, id);
		if (update === undefined) return reportReceipt(ctx, current, id);
		if (current.lock.state === "released" && !update[2]) return applyReleased(ctx, current, id, patch, reason);
		if (current.lock.state === "released") {
			throw pending(
				ctx,
				"the game locked the edit but released the profile before applying it; it is applied when the profile is next loaded",
			);
		}
		if (ctx.io.now() >= deadline) {
			throw pending(
				ctx,
				`not applied within ${timeout} s; it stays queued and is applied exactly once at the game's next saves, or when the player next joins`,
			);
		}
		await ctx.io.sleep(POLL_SECONDS * 1000);
	}
}

function pending(ctx: CommandContext, why: string): CliError {
	ctx.result.outcome = "pending";
	return new CliError(
		`The edit of ${ctx.entryName()} is pending: ${why}. "profileservice-admin view" shows it under pending global updates.`,
		ExitCode.Pending,
		"PENDING",
	);
}

function reportReceipt(ctx: CommandContext, current: LoadedProfile, id: string) {
	const receipt = findReceipt(current.profile, id);
	ctx.result.receipt = receipt;
	if (receipt?.Result === "applied") {
		ctx.result.outcome = "applied";
		ctx.say(`Applied by the game (job ${holderJob(current)}); stored in revision ${current.entry.revisionId}.`);
		return;
	}
	ctx.result.outcome = receipt === undefined ? "cleared" : "refused";
	if (receipt === undefined) {
		throw CliError.refused(
			"The game cleared the update without a receipt: its global update handler does not apply admin edits " +
				"(install the AdminEdit handler from the README), so the change was not made.",
		);
	}
	throw CliError.refused(`The game refused the edit, and changed nothing: ${receipt.Problem}.`);
}

function holderJob(current: LoadedProfile): string {
	return current.lock.state === "held" ? current.lock.holder[1] : "that held it";
}

/** The holder released with the update still active: apply it here, in the write that removes it. */
async function applyReleased(
	ctx: CommandContext,
	current: LoadedProfile,
	id: string,
	patch: PatchOperation[],
	reason?: string,
) {
	for (let attempt = 1; ; attempt++) {
		const value = clone(current.profile);
		value.GlobalUpdates[1] = value.GlobalUpdates[1].filter((update) => update[3]?.Id !== id);
		const applied = applyPatch(value.Data, patch);
		if ("data" in applied) value.Data = applied.data;
		const problem = "problem" in applied ? applied.problem : undefined;
		addReceipt(value, {
			Id: id,
			Result: problem === undefined ? "applied" : "refused",
			Problem: problem,
			Reason: reason,
			At: Math.floor(ctx.nowSeconds()),
		});
		const written = await ctx.writeBack(current, value);
		if (written !== "conflict") {
			ctx.result.outcome = problem === undefined ? "applied" : "refused";
			if (problem !== undefined)
				throw CliError.refused(
					`The player left before the game applied the edit, and it no longer applies: ${problem}. Nothing was changed.`,
				);
			ctx.say(
				`The player left before the game applied it: applied by the tool to the released profile, revision ${written.revisionId}.`,
			);
			return;
		}
		const fresh = await ctx.load();
		const update = findEditUpdate(fresh.profile, id);
		if (update === undefined) return reportReceipt(ctx, fresh, id);
		if (fresh.lock.state !== "released" || update[2] || attempt >= WRITE_TRIES)
			return waitForHolder(ctx, id, patch, reason);
		current = fresh;
	}
}

/** Plans, shows, confirms and carries out an edit of Data. */
export async function runEdit(ctx: CommandContext, plan: EditPlan): Promise<void> {
	const prepared = await prepare(ctx, plan);
	const { current, route, changes } = prepared;
	Object.assign(ctx.result, {
		route,
		revisionRead: current.entry.revisionId,
		lock: current.lock,
		changes: changesJson(changes),
	});
	ctx.say(
		`${plan.title} of ${ctx.entryName()}`,
		`Read revision ${current.entry.revisionId}. Lock: ${describeLock(current.lock)[0]}`,
		"",
		"Changes to Data:",
		...formatChanges(changes),
		"",
		...routeWords(route, current),
		...(plan.warnings?.(current) ?? []).map((line) => `Note: ${line}`),
	);
	if (changes.length === 0) {
		ctx.result.outcome = "unchanged";
		ctx.say("", "Nothing to change.");
		return;
	}
	if (ctx.flags["dry-run"] === true) {
		ctx.result.outcome = "dry-run";
		ctx.say("", "Dry run: nothing was written.");
		return;
	}
	await ctx.confirm("Make this change?");
	if (route === "globalUpdate") await sendToHolder(ctx, plan, prepared);
	else await writeDirect(ctx, plan, prepared);
}
