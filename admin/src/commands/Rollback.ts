/**
 * `rollback <store> <key> --version V`: puts back the Data revision V stored. Only Data: the lock, MetaTags and the
 * pending global updates stay as they are now (gifts not yet delivered are still delivered).
 */
import { CliError } from "../CliError.js";
import type { CommandContext } from "../CommandContext.js";
import { BIN } from "../CommandLine.js";
import { utc } from "../Format.js";
import { runEdit } from "../ProfileEdit.js";
import { clone } from "../ProfileValue.js";

export async function rollback(ctx: CommandContext): Promise<void> {
	const revision = ctx.flags.version;
	if (typeof revision !== "string" || revision === "") {
		throw CliError.usage(
			`${BIN} rollback: --version <revision> is required (a revision id from "${BIN} versions")`,
		);
	}
	const target = await ctx.load(revision);
	if (target.dataless)
		throw CliError.refused(`Revision ${revision} holds no Data (only global updates): nothing to roll back to.`);
	ctx.result.targetRevision = target.entry.revisionId;
	await runEdit(ctx, {
		title: `Rollback to revision ${revision} (${utc(target.entry.revisionCreateTime)})`,
		newData: async () => ({ data: clone(target.profile.Data) }),
		// Rolling back replaces the live Data on purpose: progress since that revision is what it undoes.
		holderPatch: (_current, data) => [{ op: "replace", path: "", value: data }],
		warnings: (current) => {
			const now = new Set(current.profile.GlobalUpdates[1].map((update) => update[0]));
			const delivered = target.profile.GlobalUpdates[1].filter((update) => !now.has(update[0]));
			const lines = ["everything the player gained or lost since that revision is undone."];
			if (delivered.length > 0) {
				const ids = delivered.map(
					(update) => `#${update[0]}${typeof update[3]?.Type === "string" ? ` (${update[3].Type})` : ""}`,
				);
				lines.push(
					`global updates ${ids.join(", ")} were delivered since that revision: their effect on Data is undone too.`,
				);
			}
			return lines;
		},
	});
}
