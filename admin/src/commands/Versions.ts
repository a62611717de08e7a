/**
 * `versions <store> <key>`: the revisions Roblox keeps (30 days), newest first, each with its size and who held
 * the lock when it was written.
 */
import { CliError } from "../CliError.js";
import type { CommandContext } from "../CommandContext.js";
import { wholeNumberFlag } from "../CommandLine.js";
import { bytes, utc } from "../Format.js";
import type { Revision } from "../OpenCloudClient.js";
import { readProfileValue, sessionTag, valueSize } from "../ProfileValue.js";

interface Row {
	revisionId: string;
	revisionCreateTime: string;
	state?: string;
	size?: number;
	holder?: string;
}

/** Up to `limit` revisions, newest first, following page tokens. */
export async function listRevisions(ctx: CommandContext, limit: number): Promise<Revision[]> {
	const found: Revision[] = [];
	let token: string | undefined;
	do {
		const page = await ctx.client.listRevisions(ctx.address, token, Math.min(100, limit));
		found.push(...page.revisions);
		token = page.nextPageToken;
	} while (token !== undefined && found.length < limit);
	// The reference does not say in which order revisions come: newest first is how support reads them.
	found.sort((a, b) => Date.parse(b.revisionCreateTime) - Date.parse(a.revisionCreateTime));
	return found.slice(0, limit);
}

async function describeRevision(ctx: CommandContext, revision: Revision): Promise<Row> {
	const row: Row = {
		revisionId: revision.revisionId,
		revisionCreateTime: revision.revisionCreateTime,
		state: revision.state,
	};
	if (revision.state === "DELETED") return row;
	const entry = await ctx.client.getEntry(ctx.address, revision.revisionId);
	if (entry === undefined) return row;
	row.size = valueSize(entry.value);
	const read = readProfileValue(entry.value);
	if ("problem" in read) row.holder = "not a profile";
	else {
		const holder = sessionTag(read.profile.MetaData.ActiveSession);
		row.holder =
			holder !== undefined ? `held by job ${holder[1]}` : read.dataless ? "global updates only" : "released";
	}
	return row;
}

export async function versions(ctx: CommandContext): Promise<void> {
	const limit = wholeNumberFlag("versions", "limit", ctx.flags.limit, 1, 1000) ?? 10;
	const revisions = await listRevisions(ctx, limit);
	if (revisions.length === 0) {
		throw new CliError(`There are no revisions of ${ctx.entryName()}.`, 4, "NOT_FOUND");
	}
	const rows: Row[] = [];
	for (const revision of revisions) {
		rows.push(ctx.flags["no-sizes"] === true ? { ...revision } : await describeRevision(ctx, revision));
	}
	ctx.result.revisions = rows;
	const width = Math.max(...rows.map((row) => row.revisionId.length), 8);
	ctx.say(
		`Revisions of ${ctx.entryName()}, newest first:`,
		"",
		`  ${"revision".padEnd(width)}  ${"saved".padEnd(23)}  ${"size".padStart(8)}  lock`,
		...rows.map((row) => {
			const size = row.state === "DELETED" ? "deleted" : row.size !== undefined ? bytes(row.size) : "";
			return `  ${row.revisionId.padEnd(width)}  ${utc(row.revisionCreateTime).padEnd(23)}  ${size.padStart(8)}  ${row.holder ?? ""}`.trimEnd();
		}),
		"",
		`Roblox keeps revisions for 30 days. Compare two with: profileservice-admin diff ${ctx.address.store} ${ctx.address.key} <from> [to]`,
	);
}
