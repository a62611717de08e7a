/**
 * `diff <store> <key> <from> [to]`: what changed in Data between two revisions, in words.
 */
import type { CommandContext } from "../CommandContext.js";
import { changesJson, diffData, formatChanges } from "../DataDiff.js";
import { utc } from "../Format.js";

export async function diff(ctx: CommandContext, from: string, to = "latest"): Promise<void> {
	const revisionOf = (name: string) => (name === "latest" ? undefined : name);
	const before = await ctx.load(revisionOf(from));
	const after = await ctx.load(revisionOf(to));
	const changes = diffData(before.profile.Data, after.profile.Data);
	Object.assign(ctx.result, {
		from: before.entry.revisionId,
		to: after.entry.revisionId,
		changes: changesJson(changes),
	});
	ctx.say(
		`Data of ${ctx.entryName()}`,
		`  from ${before.entry.revisionId} (${utc(before.entry.revisionCreateTime)})`,
		`  to   ${after.entry.revisionId} (${utc(after.entry.revisionCreateTime)})${to === "latest" ? ", the latest" : ""}`,
		"",
		...formatChanges(changes),
	);
}
