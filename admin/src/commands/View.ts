/**
 * `view <store> <key> [--version V]`: the profile in words, with everything support staff ask about first.
 */
import { CliError } from "../CliError.js";
import type { CommandContext } from "../CommandContext.js";
import { bytes, utcAgo } from "../Format.js";
import { describeLock } from "../LockState.js";
import { MAX_VALUE_SIZE, valueSize, type StoredGlobalUpdate } from "../ProfileValue.js";

function updateLine(update: StoredGlobalUpdate): string {
	const [id, version, locked, data] = update;
	const type = typeof data?.Type === "string" ? ` ${data.Type}` : "";
	return `  ${locked ? "locked" : "active"} #${id} (version ${version})${type}: ${JSON.stringify(data)}`;
}

/** An entry that is not a profile is still shown, as stored: support staff may be looking at the wrong key. */
async function viewRaw(ctx: CommandContext, revision: string | undefined, problem: string): Promise<void> {
	const entry = (await ctx.client.getEntry(ctx.address, revision))!;
	Object.assign(ctx.result, { revisionId: entry.revisionId, profile: false, problem, value: entry.value });
	ctx.say(
		problem,
		`Revision ${entry.revisionId}, saved ${utcAgo(entry.revisionCreateTime, ctx.io.now())}. It holds:`,
		...JSON.stringify(entry.value, undefined, 2)
			.split("\n")
			.map((line) => `  ${line}`),
	);
}

export async function view(ctx: CommandContext): Promise<void> {
	const revision = ctx.flags.version as string | undefined;
	const loaded = await ctx.load(revision).catch((err) => {
		if (err instanceof CliError && err.code === "NOT_A_PROFILE") return err;
		throw err;
	});
	if (loaded instanceof CliError) return viewRaw(ctx, revision, loaded.message);
	const { entry, profile, dataless, lock } = loaded;
	const size = valueSize(entry.value);
	const updates = profile.GlobalUpdates[1];
	const userIds = Array.isArray(profile.UserIds) ? profile.UserIds : [];
	Object.assign(ctx.result, {
		revisionId: entry.revisionId,
		revisionCreateTime: entry.revisionCreateTime,
		latest: revision === undefined,
		lock,
		size,
		sizeLimit: MAX_VALUE_SIZE,
		data: profile.Data,
		dataless,
		metaTags: profile.MetaData.MetaTags ?? {},
		globalUpdates: updates.map(([id, version, locked, data]) => ({ id, version, locked, data })),
		userIds,
		users: entry.users ?? [],
	});
	const now = ctx.io.now();
	ctx.say(
		`Profile ${ctx.entryName()}`,
		`${revision !== undefined ? "Revision" : "Latest revision"} ${entry.revisionId}, saved ${utcAgo(entry.revisionCreateTime, now)}`,
		...(revision !== undefined ? ["(the lock below is as of that revision)"] : []),
		"",
		"Lock:",
		...describeLock(lock).map((line) => `  ${line}`),
		"",
		`Size: ${bytes(size)} of the 4 MB limit (${((size / MAX_VALUE_SIZE) * 100).toFixed(2)}%)`,
		`UserIds: ${userIds.length > 0 ? userIds.join(", ") : "none"}`,
		`MetaTags: ${JSON.stringify(profile.MetaData.MetaTags ?? {})}`,
		`Pending global updates: ${updates.length === 0 ? "none" : ""}`,
		...updates.map(updateLine),
		"",
		dataless ? "Data: none yet (the key holds only global updates; the player has not joined since)" : "Data:",
		...(dataless
			? []
			: JSON.stringify(profile.Data, undefined, 2)
					.split("\n")
					.map((line) => `  ${line}`)),
	);
}
