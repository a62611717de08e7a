/**
 * `unlock <store> <key>`: clears a session lock, only when LockState proves it dead; otherwise refuses and says
 * why the lock may still be live and when the 30-minute rule makes it dead.
 */
import { CliError } from "../CliError.js";
import type { CommandContext, LoadedProfile } from "../CommandContext.js";
import { describeLock, isoSeconds } from "../LockState.js";
import { clone } from "../ProfileValue.js";

function refuseLive(ctx: CommandContext, current: LoadedProfile): never {
	const lock = current.lock;
	const when =
		lock.state === "held" && lock.deadAt !== undefined
			? ` It becomes dead at ${isoSeconds(lock.deadAt)} if its holder does not write it again.`
			: "";
	throw CliError.refused(
		`Not unlocked: the lock on ${ctx.entryName()} may be live (${describeLock(lock)[0]}).${when} The tool cannot ` +
			"prove it dead sooner: the holder's heartbeat cannot be read over Open Cloud. If that server is gone, the " +
			"player's next join takes the lock over by itself (ForceLoad), usually within a minute.",
	);
}

export async function unlock(ctx: CommandContext): Promise<void> {
	let current = await ctx.load();
	ctx.result.lock = current.lock;
	ctx.say(`Lock of ${ctx.entryName()}:`, ...describeLock(current.lock).map((line) => `  ${line}`), "");
	if (current.lock.state === "released") {
		ctx.result.outcome = "unchanged";
		ctx.say("Not locked: nothing to do.");
		return;
	}
	if (current.lock.state === "held") refuseLive(ctx, current);
	const rule =
		current.lock.rule === "thirty-minutes"
			? "the 30-minute rule (AssumeDeadSessionLock)"
			: "a malformed ActiveSession";
	ctx.result.rule = current.lock.rule;
	ctx.say(
		`The lock is dead by ${rule}. Unlocking clears MetaData.ActiveSession, and the pending ForceLoad and hand-off marker with it.`,
	);
	if (ctx.flags["dry-run"] === true) {
		ctx.result.outcome = "dry-run";
		ctx.say("", "Dry run: nothing was written.");
		return;
	}
	await ctx.confirm("Clear the lock?");
	for (let attempt = 1; ; attempt++) {
		const value = clone(current.profile);
		delete value.MetaData.ActiveSession;
		delete value.MetaData.ForceLoadSession;
		delete value.MetaData.HandOff;
		const written = await ctx.writeBack(current, value);
		if (written !== "conflict") {
			Object.assign(ctx.result, { outcome: "unlocked", revisionId: written.revisionId });
			ctx.say("", `Unlocked: revision ${written.revisionId}. The player's next join loads the profile at once.`);
			return;
		}
		current = await ctx.load();
		if (current.lock.state === "released") {
			ctx.result.outcome = "unchanged";
			ctx.say("", "Another server took and released the lock meanwhile: nothing to do.");
			return;
		}
		// A write meanwhile may be the holder itself: decide again from what is stored now.
		if (current.lock.state === "held") refuseLive(ctx, current);
		if (attempt >= 5) throw CliError.refused(`${ctx.entryName()} kept changing; not unlocked after 5 tries.`);
	}
}
